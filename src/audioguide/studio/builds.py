"""The Build button: start the real build, and tell the page how it goes (the Proof
now button, in `proofs`, starts its job the same way)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify

from audioguide.studio.app import studio
from audioguide.studio.build_runner import Builder

bp = Blueprint("builds", __name__, url_prefix="/api")


@bp.post("/build")
def start() -> tuple[Response, int]:
    if studio().prover.running:
        abort(409, "a proof is listening to the built audio: build when it is done")
    return start_job(studio().builder)


def start_job(runner: Builder) -> tuple[Response, int]:
    """202 and its status when started; 409 and the running one's when one runs already
    (another tab started it: the page follows that one)."""
    started = runner.start()
    return jsonify(started=started, **runner.status.as_json()), 202 if started else 409


@bp.get("/build")
def status() -> Response:
    return jsonify(studio().builder.status.as_json())


@bp.get("/version")
def version() -> Response:
    """Changes with every load: the page reloads when another editor saved a file."""
    studio().workspace.editions()  # looks at the disk
    return jsonify(version=studio().workspace.version)
