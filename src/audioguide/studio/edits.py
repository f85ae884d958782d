"""What changes a script: a sentence, a whole `say`, an episode's status, a lexicon entry.

Each edit is written in place by `yamledit` (only the changed characters), and saved
through `Workspace.save`, which refuses a save that would break the guide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from audioguide.loader.editions import Edition
from audioguide.model import STATUSES, Say
from audioguide.studio import rows, yamledit
from audioguide.studio.app import studio
from audioguide.studio.pages import edition_name
from audioguide.studio.workspace import Found, SaveRefused

bp = Blueprint("edits", __name__, url_prefix="/api")


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "expected a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, limit: int = 20_000) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        abort(400, f"'{name}' must be text")
    return value


def int_field(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        abort(400, f"'{name}' must be a number")
    return value


def episode_of(data: dict[str, Any]) -> Found:
    edition = text_field(data, "edition", 200)
    found = studio().workspace.find(edition_name(edition), text_field(data, "episode", 200))
    if found is None:
        abort(404, "no such episode: it may have changed on disk; reload the page")
    return found


def say_of(found: Found, segment: int) -> Say:
    segments = found.episode.segments
    if segment >= len(segments) or not isinstance(segments[segment], Say):
        abort(404, "no such segment: the episode changed on disk; reload the page")
    chosen = segments[segment]
    assert isinstance(chosen, Say)
    return chosen


def _save(found: Found, new_source: str, what: str) -> Response | tuple[Response, int]:
    return _write(found.loaded.edition, found.path, new_source, what) or jsonify(
        ok=True, message=f"Saved the {what} in {found.path.name}."
    )


def _write(edition: Edition, path: Path, source: str, what: str) -> tuple[Response, int] | None:
    """Save through the workspace; the refusal to send if it would break the guide."""
    try:
        studio().workspace.save(edition, path, source)
    except SaveRefused as exc:
        return jsonify(
            ok=False,
            message=f"Not saved: the {what} would break the guide. Nothing was written.",
            errors=[e.line() for e in exc.errors],
        ), 422
    return None


def _refused(exc: yamledit.EditError) -> tuple[Response, int]:
    return jsonify(ok=False, message=f"Not saved: {exc}", errors=[]), 422


def _read(found: Found) -> str:
    return found.path.read_text(encoding="utf-8")


@bp.post("/sentence")
def sentence() -> Response | tuple[Response, int]:
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    said = rows.sentences_of(say_of(found, segment))
    index = int_field(data, "sentence")
    if index >= len(said) or said[index].text != text_field(data, "old"):
        abort(409, "that sentence changed on disk: reload the page")
    try:
        new = yamledit.replace_sentence(
            _read(found), segment, said[index].text, text_field(data, "text"), said[index].nth
        )
    except yamledit.EditError as exc:
        return _refused(exc)
    return _save(found, new, "sentence")


@bp.post("/say")
def say() -> Response | tuple[Response, int]:
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    say_of(found, segment)
    try:
        new = yamledit.replace_say(_read(found), segment, text_field(data, "text"))
    except yamledit.EditError as exc:
        return _refused(exc)
    return _save(found, new, "text")


@bp.post("/say-text")
def say_text() -> Response:
    """The `say` as written in the file, for the editor of the whole text."""
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    say_of(found, segment)
    return jsonify(text=yamledit.say_value(_read(found), segment) or "")


@bp.post("/status")
def status() -> Response | tuple[Response, int]:
    data = body()
    found = episode_of(data)
    wanted = text_field(data, "status", 20)
    if wanted not in STATUSES:
        abort(400, "status must be one of " + ", ".join(STATUSES))
    try:
        new = yamledit.set_status(_read(found), wanted)
    except yamledit.EditError as exc:
        return _refused(exc)
    return _save(found, new, "status")


@bp.post("/lexicon")
def lexicon() -> Response | tuple[Response, int]:
    data = body()
    loaded = studio().workspace.edition(edition_name(text_field(data, "edition", 200)))
    if loaded is None:
        abort(404, "no such edition")
    path = studio().workspace.guide_file(loaded.edition)
    word, say_as = text_field(data, "word", 200), text_field(data, "say_as", 500)
    try:
        new = yamledit.add_lexicon(path.read_text(encoding="utf-8"), word, say_as)
    except yamledit.EditError as exc:
        return _refused(exc)
    return _write(loaded.edition, path, new, "entry") or jsonify(
        ok=True, message=f"Added {word}: {say_as} to the lexicon in guide.yaml."
    )
