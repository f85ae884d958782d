"""What changes a script: a sentence, a whole `say`, an episode's status, a lexicon entry.

Each edit names what it replaces (`changes`: a compare-and-swap, so a colleague's save
is never overwritten), is written in place by `yamledit` (only the changed characters),
and saved through `Workspace.save`, which refuses a save that would break the guide.
Failures are raised, and answered in words by `answers`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from audioguide.loader.editions import Edition
from audioguide.loader.episode_files import SCRIPT_EPISODES_DIR, episode_files
from audioguide.model import STATUSES, Say
from audioguide.plan import text
from audioguide.studio import changes, rows, yamledit
from audioguide.studio.app import studio
from audioguide.studio.pages import edition_name
from audioguide.studio.workspace import Edit, Found
from audioguide.system import trust

bp = Blueprint("edits", __name__, url_prefix="/api")


def body() -> dict[str, Any]:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # JSON nested thousands deep
        abort(400, "the request is nested too deeply to read")
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


def _save(found: Found, edit: Edit, what: str) -> Response:
    studio().workspace.save(found.loaded.edition, found.path, edit, what)
    return jsonify(ok=True, message=f"Saved the {what} in {found.path.name}.")


def _sentence_at(base: str, index: int) -> rows.Sentence:
    """Sentence `index` of a part whose text the page showed as `base`."""
    said = rows.sentences_in(text.paragraphs(base))
    if index >= len(said):
        abort(409, "that sentence is no longer in the text: reload the page")
    return said[index]


@bp.post("/sentence")
def sentence() -> Response:
    data = body()
    found = episode_of(data)
    base = text_field(data, "base")
    chosen = _sentence_at(base, int_field(data, "sentence"))
    if chosen.text != text_field(data, "old"):
        abort(409, "that sentence is no longer in the text: reload the page")
    edit = changes.sentence(
        int_field(data, "segment"),
        base,
        chosen.text,
        text_field(data, "text"),
        chosen.nth,
        found.path.name,
    )
    return _save(found, edit, "sentence")


@bp.post("/say")
def say() -> Response:
    data = body()
    found = episode_of(data)
    edit = changes.say(
        int_field(data, "segment"),
        text_field(data, "base"),
        text_field(data, "text"),
        found.path.name,
    )
    return _save(found, edit, "text")


@bp.post("/say-text")
def say_text() -> Response:
    """The `say` as written in the file, for the editor of the whole text, and `base`:
    what the save of that editor says it replaces."""
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    say_of(found, segment)
    value = yamledit.say_value(found.path.read_text(encoding="utf-8"), segment) or ""
    return jsonify(text=value, base=changes.shown(value))


@bp.post("/status")
def status() -> Response:
    data = body()
    found = episode_of(data)
    wanted = text_field(data, "status", 20)
    if wanted not in STATUSES:
        abort(400, "status must be one of " + ", ".join(STATUSES))
    edit = changes.status(text_field(data, "old", 20), wanted, found.path.name)
    return _save(found, edit, "status")


def _guide_file() -> tuple[Edition, Path]:
    loaded = studio().workspace.edition(edition_name(text_field(body(), "edition", 200)))
    if loaded is None:
        abort(404, "no such edition: reload the page")
    return loaded.edition, studio().workspace.guide_file(loaded.edition)


@bp.post("/lexicon")
def lexicon() -> Response:
    data = body()
    edition, path = _guide_file()
    word, say_as = text_field(data, "word", 200), text_field(data, "say_as", 500)
    replace = data.get("replace")
    edit = changes.add_entry(word, say_as, replace if isinstance(replace, str) else None)
    studio().workspace.save(edition, path, edit, "entry")
    word, say_as = " ".join(word.split()), " ".join(say_as.split())
    return jsonify(ok=True, message=f"Saved {word}: {say_as} in the lexicon of guide.yaml.")


@bp.post("/lexicon/remove")
def lexicon_remove() -> Response:
    data = body()
    edition, path = _guide_file()
    word = text_field(data, "word", 200)
    edit = changes.remove_entry(word, text_field(data, "old", 500))
    studio().workspace.save(edition, path, edit, "lexicon")
    return jsonify(ok=True, message=f"Removed {word} from the lexicon of guide.yaml.")


@bp.post("/field")
def field() -> Response:
    """An episode's title or summary, or (with `segment`) a chapter's name."""
    data = body()
    found = episode_of(data)
    key = text_field(data, "field", 20)
    if key not in (*yamledit.FIELDS, "chapter"):
        abort(400, "only a title, a summary or a chapter's name is changed here")
    segment = int_field(data, "segment") if key == "chapter" else None
    new = text_field(data, "text", 2000)
    edit = changes.field(key, segment, text_field(data, "old", 2000), new, found.path.name)
    what = "chapter name" if key == "chapter" else key
    return _save(found, edit, what)


def _script_file(data: dict[str, Any]) -> tuple[Edition, Path, str]:
    """The edition and script file a whole-file edit names (inside the edition's folder,
    a .yaml file, not a link)."""
    key = text_field(data, "edition", 200)
    loaded = studio().workspace.edition(edition_name(key))
    if loaded is None:
        abort(404, "no such edition: reload the page")
    rel = text_field(data, "path", 500)
    path = trust.file_inside(loaded.edition.scripts, rel)
    if path is None or path.suffix not in (".yaml", ".yml"):
        abort(404, "no such script in the guide folder: reload the page")
    return loaded.edition, loaded.edition.scripts / rel, rel


@bp.post("/file-text")
def file_text() -> Response:
    """A script's whole text and its hash, for the box that fixes a file that does not load."""
    _, path, _ = _script_file(body())
    source = path.read_bytes().decode("utf-8", errors="replace")
    return jsonify(text=source, base=changes.digest(source))


@bp.post("/file")
def whole_file() -> Response:
    data = body()
    edition, path, rel = _script_file(data)
    key = text_field(data, "edition", 200)
    edit = changes.whole_file(
        key, rel, text_field(data, "base", 100), text_field(data, "text", 250_000)
    )
    studio().workspace.save(edition, path, edit, "file")
    return jsonify(ok=True, message=f"Saved {rel}.")


@bp.post("/add-part")
def add_part() -> Response:
    """A new part of text, right after a part or a chapter heading."""
    data = body()
    found = episode_of(data)
    kind = text_field(data, "kind", 20)
    if kind not in ("say", "chapter"):
        abort(400, "a part is added after a text or a chapter heading")
    edit = changes.add_part(
        int_field(data, "segment"),
        kind,
        text_field(data, "base"),
        text_field(data, "text"),
        found.path.name,
    )
    studio().workspace.save(found.loaded.edition, found.path, edit, "new part")
    return jsonify(ok=True, message=f"Added the new part in {found.path.name}.")


@bp.post("/episode")
def new_episode() -> Response:
    """A new draft episode after the last one, with a first part of text."""
    data = body()
    key = text_field(data, "edition", 200)
    loaded = studio().workspace.edition(edition_name(key))
    if loaded is None or loaded.guide is None:
        abort(409, "the guide does not load: fix it first, then add the episode")
    title, summary = text_field(data, "title", 300), text_field(data, "summary", 2000)
    words = text_field(data, "text")
    if not title.strip() or not summary.strip() or not text.paragraphs(words):
        abort(422, "give the new episode a title, a summary and its first words")
    taken = {ep.id for ep in loaded.guide.episodes}
    folder = loaded.edition.scripts / SCRIPT_EPISODES_DIR
    names = [p.name for p in episode_files(loaded.edition.scripts)]
    found, name, source = changes.new_episode(title, summary, words, taken, names)
    studio().workspace.create(loaded.edition, folder / name, source, "new episode")
    return jsonify(
        ok=True,
        message=f"Added the episode {name} (a draft: approve it to publish it).",
        url=f"/episode/{key}/{found}",
    )


@bp.post("/move")
def move() -> Response:
    """Play an episode one place earlier or later: the numbers at the start of its file
    name and its neighbour's are swapped. The page names both files as it showed them."""
    data = body()
    found = episode_of(data)
    neighbour = text_field(data, "neighbour", 300)
    if text_field(data, "file", 300) != found.path.name:
        abort(409, "the episode's file was renamed on disk: reload the page")
    names = {p.name for p in episode_files(found.loaded.edition.scripts)}
    other = found.path.with_name(neighbour)
    if neighbour not in names:
        abort(409, "the episode next to it changed on disk: reload the page")
    new, _ = studio().workspace.swap_numbers(found.path, other)
    return jsonify(ok=True, message=f"Moved {found.episode.title}: it is {new} now.")
