"""The pages staff read: the guide's episodes, and one episode sentence by sentence."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from audioguide.build.summary import minutes
from audioguide.model import STATUSES
from audioguide.studio import pipeline, rows
from audioguide.studio.app import studio

bp = Blueprint("pages", __name__)
TOP = "_"  # the URL name of the edition at the top of the guide folder


def edition_key(name: str) -> str:
    """The edition's name in URLs: `_` for the top one; a folder whose name starts with
    `_` (even one named `_`) gets one more, so no two editions share a key."""
    return TOP + name if name.startswith(TOP) else name or TOP


def edition_name(key: str) -> str:
    return "" if key == TOP else key[1:] if key.startswith(TOP) else key


@bp.get("/")
def index() -> str:
    loaded = studio().workspace.editions()
    return render_template(
        "index.html",
        editions=[_edition_view(e) for e in loaded],
        token=current_app.config["STUDIO_TOKEN"],
        version=studio().workspace.version,
    )


def _edition_view(loaded: pipeline.Checked) -> dict[str, object]:
    guide = loaded.guide
    episodes = []
    if guide is not None:
        for ep in guide.episodes:
            errors, warnings = rows.counts(loaded.diagnostics, ep.where.path)
            episodes.append(
                {
                    "episode": ep,
                    "length": minutes(pipeline.estimated_seconds(guide, ep)),
                    "errors": errors,
                    "warnings": warnings,
                    "file": Path(ep.where.path).name,
                }
            )
    paths = {ep.where.path for ep in guide.episodes} if guide else set()
    return {
        "key": edition_key(loaded.edition.name),
        "name": loaded.edition.name,
        "guide": guide,
        "episodes": episodes,
        "guide_diagnostics": [d for d in loaded.diagnostics if d.where.path not in paths],
        "folder": str(loaded.edition.scripts),
        "broken": [] if guide else broken_files(loaded),
    }


def broken_files(loaded: pipeline.Checked) -> list[str]:
    """The scripts an edition that does not load has errors in, relative to its folder:
    the studio offers to fix each here, as a whole text."""
    root = loaded.edition.scripts.resolve()
    found: list[str] = []
    for d in loaded.diagnostics:
        path = Path(d.where.path).resolve()
        if d.severity == "error" and path.is_relative_to(root) and path.suffix in (".yaml", ".yml"):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and rel not in found:
                found.append(rel)
    return found


@bp.get("/episode/<edition>/<episode_id>")
def episode(edition: str, episode_id: str) -> str:
    found = studio().workspace.find(edition_name(edition), episode_id)
    if found is None:
        abort(404, "no such episode (it may have been renamed on disk): go back to the list")
    header, segment_rows = rows.rows(found.episode, found.loaded.diagnostics)
    chapters = [r.label for r in segment_rows if r.kind == "chapter"]
    return render_template(
        "episode.html",
        edition=edition,
        guide=found.guide,
        episode=found.episode,
        header=header,
        rows=segment_rows,
        chapters=chapters,
        statuses=STATUSES,
        length=minutes(pipeline.estimated_seconds(found.guide, found.episode)),
        token=current_app.config["STUDIO_TOKEN"],
        version=studio().workspace.version,
    )
