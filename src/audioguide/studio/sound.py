"""What staff hear: one sentence (or an edited text) as the build speaks it, and the
mastered preview of an episode or chapter."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify

from audioguide.errors import AudioguideError, failure_of
from audioguide.plan import text
from audioguide.studio import pipeline
from audioguide.studio.app import studio
from audioguide.studio.edits import body, episode_of, int_field, say_of, text_field

bp = Blueprint("sound", __name__, url_prefix="/api")


def failed(exc: AudioguideError | OSError) -> tuple[Response, int]:
    """The error as the command line words it: 422 for the scripts, 500 for the rest
    (an engine, ffmpeg, the disk), always JSON the page can show."""
    failure = failure_of(exc)
    if failure is None:
        raise exc
    return jsonify(ok=False, message=failure.text), 422 if failure.scripted else 500


@bp.post("/speak")
def speak() -> Response | tuple[Response, int]:
    """The WAV of `text` as the build says it in segment `segment` of the episode."""
    data = body()
    found = episode_of(data)
    segment = int_field(data, "segment")
    say_of(found, segment)
    words = text_field(data, "text")
    if not any(text.paragraphs(words)):
        abort(400, "nothing to say")
    try:
        spoken = pipeline.speak(
            studio().workspace.options, found.loaded.edition.name, found.episode.id, segment, words
        )
    except (AudioguideError, OSError) as exc:
        return failed(exc)
    response = Response(spoken.wav, mimetype="audio/wav")
    response.headers["X-Seconds"] = f"{spoken.seconds:.4f}"
    response.headers["X-Sentences"] = str(spoken.sentences)
    return response


@bp.post("/preview")
def preview() -> Response | tuple[Response, int]:
    """Render the episode (or one chapter) as `audioguide preview` does; its URL."""
    data = body()
    found = episode_of(data)
    chapter = data.get("chapter")
    if chapter is not None:
        chapter = text_field(data, "chapter", 500)
    options = studio().workspace.options
    try:
        path = pipeline.preview(options, found.loaded.edition.name, found.episode.id, chapter)
    except (AudioguideError, OSError) as exc:
        return failed(exc)
    rel = path.resolve().relative_to(options.output.resolve()).as_posix()
    return jsonify(ok=True, url=f"/published/{rel}", name=path.name)
