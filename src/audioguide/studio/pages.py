"""The pages staff read: the guide's episodes, and one episode sentence by sentence."""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from audioguide.build.summary import minutes
from audioguide.check import readability
from audioguide.check.checks import Diagnostic
from audioguide.loader import MAX_SCRIPT_BYTES
from audioguide.model import STATUSES
from audioguide.studio import changes, pipeline, rows
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
    guide = loaded.usable
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
    broken = broken_files(loaded)
    shown = {ep.where.path for ep in guide.episodes} if guide else set()
    shown |= {d.where.path for b in broken for d in b.diagnostics}
    return {
        "key": edition_key(loaded.edition.name),
        "name": loaded.edition.name,
        "guide": guide,
        "whole": loaded.guide is not None,
        "episodes": episodes,
        "guide_diagnostics": [d for d in loaded.diagnostics if d.where.path not in shown],
        "folder": str(loaded.edition.scripts),
        "broken": broken,
    }


@dataclass(frozen=True)
class Broken:
    """A script of the guide that does not load, and what is wrong in it."""

    rel: str  # relative to the edition's folder, with /
    diagnostics: tuple[Diagnostic, ...]


def broken_files(loaded: pipeline.Checked) -> list[Broken]:
    """The scripts of an edition that does not load that hold its errors: the studio
    offers to fix each here, as a whole text. Not the episodes (and guide.yaml) that
    load while another file does not: their errors are the checks', shown with them."""
    if loaded.guide is not None:
        return []
    root = loaded.edition.scripts.resolve()
    sound = (
        {Path(ep.where.path).resolve() for ep in loaded.healthy.episodes}
        if loaded.healthy
        else set()
    )
    if loaded.healthy:
        sound.add(root / "guide.yaml")
    found: dict[str, list[Diagnostic]] = {}
    for d in loaded.diagnostics:
        path = Path(d.where.path).resolve()
        if path in sound or not path.is_relative_to(root) or path.suffix not in (".yaml", ".yml"):
            continue
        rel = path.relative_to(root).as_posix()
        if (d.severity == "error" and path.is_file()) or rel in found:
            found.setdefault(rel, []).append(d)
    return [Broken(rel, tuple(ds)) for rel, ds in found.items()]


def _broken_with_id(loaded: pipeline.Checked, episode_id: str) -> str | None:
    """The broken file whose `id:` line names `episode_id` (read as text: it does not
    load), so that an episode's page open when its file broke leads to the fix."""
    root = loaded.edition.scripts
    for broken in broken_files(loaded):
        with contextlib.suppress(OSError):
            source = (root / broken.rel).read_bytes()[:MAX_SCRIPT_BYTES].decode("utf-8", "replace")
            found = ID_LINE.search(source)
            if found and found.group(1) == episode_id:
                return broken.rel
    return None


ID_LINE = re.compile(r"""^id:[ \t]*["']?([A-Za-z0-9_-]+)["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


@bp.get("/episode/<edition>/<episode_id>")
def episode(edition: str, episode_id: str) -> str | Response:
    found = studio().workspace.find(edition_name(edition), episode_id)
    if found is None:
        loaded = studio().workspace.edition(edition_name(edition))
        rel = _broken_with_id(loaded, episode_id) if loaded else None
        if rel is not None:
            return redirect(url_for("pages.script", edition=edition, rel=rel))
        abort(404, "no such episode (it may have been renamed on disk): go back to the list")
    guide = found.guide
    judge = functools.partial(
        readability.sentence_grade, language=guide.language, target=guide.reading_level
    )
    header, segment_rows = rows.rows(found.episode, found.loaded.diagnostics, judge)
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
        broken=[b.rel for b in broken_files(found.loaded)],
        token=current_app.config["STUDIO_TOKEN"],
        version=studio().workspace.version,
    )


@bp.get("/script/<edition>/<path:rel>")
def script(edition: str, rel: str) -> str | Response:
    """A script that does not load: its errors and its whole text, to fix here. Once
    it loads, the episode it holds."""
    loaded = studio().workspace.edition(edition_name(edition))
    if loaded is None:
        abort(404, "no such edition (it may have been renamed on disk): go back to the list")
    broken = next((b for b in broken_files(loaded) if b.rel == rel), None)
    if broken is None:
        root = loaded.edition.scripts.resolve()
        for ep in loaded.usable.episodes if loaded.usable else ():
            if Path(ep.where.path).resolve() == root / rel:
                return redirect(url_for("pages.episode", edition=edition, episode_id=ep.id))
        abort(404, f"{rel} is not a script of this guide that fails to load: go back to the list")
    source = (loaded.edition.scripts / rel).read_bytes().decode("utf-8", errors="replace")
    return render_template(
        "script.html",
        edition=edition,
        broken=broken,
        text=source,
        base=changes.digest(source),
        others=loaded.usable is not None,
        token=current_app.config["STUDIO_TOKEN"],
        version=studio().workspace.version,
    )
