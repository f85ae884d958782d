"""The studio's Flask app: the factory, and what its blueprints share."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from audioguide.studio.build_runner import Builder
from audioguide.studio.workspace import Workspace


def create_app(scripts: Path, output: Path, cache_dir: Path, port: int) -> Flask:
    """The studio for the guide in `scripts` (built into `output`), served on `port`."""
    from audioguide.studio import (
        answers,
        builds,
        edits,
        files,
        guard,
        pages,
        pipeline,
        proofs,
        sound,
    )

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        STUDIO_PORT=port,
        STUDIO_TOKEN=secrets.token_urlsafe(32),
        MAX_CONTENT_LENGTH=256 * 1024,  # a script is at most 250 kB
        JSON_SORT_KEYS=False,
    )
    options = pipeline.options(scripts, output, cache_dir)
    prover = Builder(options, pipeline.proof, "proof")
    app.extensions["studio"] = Studio(Workspace(options), Builder(options), prover)
    app.url_map.merge_slashes = False  # '//etc/passwd' is refused, not redirected
    guard.install(app)
    answers.install(app)
    for blueprint in (pages.bp, edits.bp, sound.bp, builds.bp, files.bp, proofs.bp):
        app.register_blueprint(blueprint)
    return app


class Studio:
    """What the blueprints share: the open guide, its builder and its prover."""

    def __init__(self, workspace: Workspace, builder: Builder, prover: Builder) -> None:
        self.workspace = workspace
        self.builder = builder
        self.prover = prover


def studio() -> Studio:
    from flask import current_app

    found = current_app.extensions["studio"]
    assert isinstance(found, Studio)
    return found
