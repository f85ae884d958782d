"""What staff hear: one sentence (or an edited text) as the build speaks it, and the
mastered preview of an episode or chapter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify

from audioguide.plan import text
from audioguide.studio import pipeline
from audioguide.studio.app import studio
from audioguide.studio.edits import body, episode_of, int_field, say_of, text_field

bp = Blueprint("sound", __name__, url_prefix="/api")
# What one Hear may cost: ~3 minutes of speech (16 kB of text once made 196 MB of audio).
MAX_HEAR = 3000


@bp.post("/speak")
def speak() -> Response:
    """The WAV of `text` as the build says it in segment `segment` of the episode."""
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    say_of(found, segment)
    words = text_field(data, "text")
    if not any(text.paragraphs(words)):
        abort(400, "nothing to say")
    if len(words) > MAX_HEAR:
        abort(
            413,
            f"Hear takes at most {MAX_HEAR:,} characters at a time (about three "
            "minutes of speech): hear the text in parts, or use Listen",
        )
    # A script's mistake or the engine's failure is raised, and answered in words by
    # `answers` (the studio's one error handler).
    spoken = pipeline.speak(
        studio().workspace.options,
        found.loaded.edition.name,
        found.episode.id,
        segment,
        words,
        _trying(data),
    )
    response = Response(spoken.wav, mimetype="audio/wav")
    response.headers["X-Seconds"] = f"{spoken.seconds:.4f}"
    response.headers["X-Sentences"] = str(spoken.sentences)
    return response


def _trying(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The entry typed in the Pronunciation box and not saved yet, if any: Hear says
    the sentence with it, so staff hear it before they add it."""
    entry = data.get("lexicon")
    if entry is None:
        return ()
    if not isinstance(entry, dict):
        abort(400, "'lexicon' must be a word and how to say it")
    word, say_as = text_field(entry, "word", 200).split(), text_field(entry, "say_as", 500).split()
    return ((" ".join(word), " ".join(say_as)),) if word and say_as else ()


@bp.post("/preview")
def preview() -> Response:
    """Render the episode (or one chapter) as `audioguide preview` does; its URL."""
    data = body()
    found = episode_of(data)
    chapter = data.get("chapter")
    if chapter is not None:
        chapter = text_field(data, "chapter", 500)
    options = studio().workspace.options
    path = pipeline.preview(options, found.loaded.edition.name, found.episode.id, chapter)
    rel = path.resolve().relative_to(options.output.resolve()).as_posix()
    return jsonify(ok=True, url=f"/published/{rel}", name=path.name)
