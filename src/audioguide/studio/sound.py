"""What staff hear: one sentence (or an edited text) as the build speaks it, and the
mastered preview of an episode or chapter."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify

from audioguide.errors import AudioguideError, ScriptError
from audioguide.faults import one_line
from audioguide.studio import pipeline, studio
from audioguide.studio.edits import body, episode_of, int_field, say_of, text_field

bp = Blueprint("sound", __name__, url_prefix="/api")


@bp.post("/speak")
def speak() -> Response | tuple[Response, int]:
    """The WAV of `text` said with segment `segment`'s voice and the guide's lexicon
    (plus `word: say_as`, to hear an entry before it is saved)."""
    data = body()
    found = episode_of(data)
    say = say_of(found, int_field(data, "segment"))
    lexicon = found.guide.lexicon
    if data.get("word"):
        word, say_as = text_field(data, "word", 200).strip(), text_field(data, "say_as", 500)
        lexicon = (*[(k, v) for k, v in lexicon if k != word], (word, " ".join(say_as.split())))
    words = text_field(data, "text")
    if not words.strip():
        abort(400, "nothing to say")
    try:
        spoken = pipeline.speak(
            found.guide, say.voice, words, studio().workspace.cache_dir, tuple(lexicon)
        )
    except AudioguideError as exc:
        return jsonify(ok=False, message=one_line(str(exc))), 500
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
    output = found.loaded.edition.output
    try:
        path = pipeline.preview(
            found.guide, found.episode.id, chapter, output / "preview", studio().workspace.cache_dir
        )
    except ScriptError as exc:
        return jsonify(ok=False, message=exc.line()), 422
    except (AudioguideError, OSError) as exc:
        return jsonify(ok=False, message=one_line(str(exc))), 500
    root = studio().workspace.output.resolve()
    rel = path.resolve().relative_to(root).as_posix()
    return jsonify(ok=True, url=f"/published/{rel}", name=path.name)
