"""What is inside the guide's files, checked before anything is spoken or written: the
sounds can be decoded as the build will, the episodes are of a sane length, and the
voice can say every sentence.

The loader checks that an asset exists, stays in the guide folder and starts like an
audio file; this module opens it the way the build does, so that `check` finds
everything `build` would trip over, as `path:line:col` errors (exit 2), and a small
hostile file (a WAV at 1 Hz, a header with 0 channels) can never become hours of work
or a crash. The cover is checked by `publish.cover` in the same way.
"""

from __future__ import annotations

import struct
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from audioguide.build.summary import minutes
from audioguide.errors import Location, ScriptError, ScriptErrors, short
from audioguide.model import Guide, Say, Sound
from audioguide.plan import text
from audioguide.plan.estimate import SoundSeconds, timeline_seconds
from audioguide.plan.timeline import Item, plan_episode

MIN_SOUND_RATE = 8000  # Hz: telephone quality; below it a small file lasts for hours
MAX_SOUND_RATE = 384000
MAX_CHANNELS = 8
MAX_COVER_BYTES = 50_000_000  # far above any 3000x3000 PNG or JPEG
MAX_EPISODE_SECONDS = 2 * 3600.0  # estimated before anything is spoken
SOUND_HINT = f"use a WAV, MP3, FLAC or Ogg file of {MIN_SOUND_RATE:,} Hz or more"
_HEADER_BYTES = 1 << 16  # the chunks before the audio data


def guide_errors(
    guide: Guide, sound_seconds: SoundSeconds, plans: Mapping[str, tuple[Item, ...]] | None = None
) -> list[ScriptError]:
    """Every content error of `guide`: sounds, speech, episode lengths (in that order:
    a sound's length is only known once it is known to be a sound). `plans` are the
    episodes' timelines, if already made."""
    found = sound_errors(guide)
    if found:
        return found
    return [*speech_errors(guide), *length_errors(guide, sound_seconds, plans)]


# The guides whose content passed, by identity: every edition is checked before any is
# built (a mistake in one leaves all outputs untouched), and its build does not pay again.
_checked: dict[int, weakref.ref[Guide]] = {}


def check_content(guide: Guide, plans: Mapping[str, tuple[Item, ...]] | None = None) -> None:
    """`guide_errors` as ScriptErrors, before anything is spoken; once per guide."""
    known = _checked.get(id(guide))
    if known is not None and known() is guide:
        return
    from audioguide.plan.estimate import sound_file_seconds

    errors = guide_errors(guide, sound_file_seconds, plans)
    if errors:
        raise ScriptErrors(errors)
    key = id(guide)  # the callback must not hold the guide itself
    _checked[key] = weakref.ref(guide, lambda _: _checked.pop(key, None))


# --- cover -------------------------------------------------------------------------------


def check_cover_size(path: Path, where: Location) -> None:
    """A cover file far larger than any artwork is refused before it is read."""
    size = path.stat().st_size
    if size > MAX_COVER_BYTES:
        raise ScriptError(
            where,
            f"cover '{path.name}' is {size / 1e6:.0f} MB, over {MAX_COVER_BYTES // 10**6} MB",
            "use a square RGB PNG or JPEG of 1400 to 3000 pixels a side",
        )


# --- sounds ------------------------------------------------------------------------------


def sound_errors(guide: Guide) -> list[ScriptError]:
    found = []
    for episode in guide.episodes:
        for segment in episode.segments:
            if isinstance(segment, Sound):
                problem = sound_problem(segment.path)
                if problem:
                    name = segment.path.name
                    found.append(
                        ScriptError(segment.where, f"sound '{name}' {problem}", SOUND_HINT)
                    )
    return found


def sound_problem(path: Path) -> str:
    """Why the build could not use the sound at `path`, or '' if it can."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEADER_BYTES)
    except OSError as e:
        return f"cannot be read: {e.strerror or e}"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _wav_problem(head)
    return _compressed_problem(path)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 12
    while pos + 8 <= len(data):
        name, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        yield name, data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)


def _wav_problem(head: bytes) -> str:
    chunks = dict(_chunks(head))  # the data chunk may be cut off: its start is enough
    fmt = chunks.get(b"fmt ")
    if fmt is None or len(fmt) < 16:
        return "is a WAV file without a format header"
    _tag, channels, rate, _byte_rate, block, bits = struct.unpack("<HHIIHH", fmt[:16])
    problem = _rate_problem(rate, channels)
    if problem:
        return problem
    if bits not in (8, 16, 24, 32) or block != channels * bits // 8:
        return f"has an impossible sample size ({bits} bits, {block}-byte frames)"
    if not chunks.get(b"data"):
        return "holds no audio"
    return ""


def _rate_problem(rate: int, channels: int) -> str:
    if not 1 <= channels <= MAX_CHANNELS:
        return f"has {channels} channels"
    if rate < MIN_SOUND_RATE:
        return f"is sampled at {rate:,} Hz, below {MIN_SOUND_RATE:,} Hz"
    if rate > MAX_SOUND_RATE:
        return f"is sampled at {rate:,} Hz, above {MAX_SOUND_RATE:,} Hz"
    return ""


def _compressed_problem(path: Path) -> str:
    import mutagen  # only guides with MP3, FLAC or Ogg sounds need it

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError, struct.error) as e:
        return f"cannot be read as audio ({e})"
    info = getattr(audio, "info", None)
    if info is None:
        return "cannot be read as audio"
    rate, channels = getattr(info, "sample_rate", 0), getattr(info, "channels", 1)
    problem = _rate_problem(int(rate or 0), int(channels or 0))
    if problem:
        return problem
    return "" if getattr(info, "length", 0) > 0 else "holds no audio"


# --- speech ------------------------------------------------------------------------------

# Writing systems a language's espeak-ng voice reads besides Latin letters, by the first
# word of the letters' Unicode names; a language not listed reads Latin only.
SCRIPTS = {
    "ARABIC": ("ar", "fa", "ur", "ps", "sd", "ug"),
    "CYRILLIC": ("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tt", "ba", "cv"),
    "GREEK": ("el", "grc"),
    "HEBREW": ("he", "yi"),
    "DEVANAGARI": ("hi", "mr", "ne", "sa", "kok", "mai"),
    "BENGALI": ("bn", "as", "bpy"),
    "GURMUKHI": ("pa",),
    "GUJARATI": ("gu",),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "KANNADA": ("kn",),
    "MALAYALAM": ("ml",),
    "SINHALA": ("si",),
    "ORIYA": ("or",),
    "THAI": ("th",),
    "MYANMAR": ("my",),
    "GEORGIAN": ("ka",),
    "ARMENIAN": ("hy",),
    "ETHIOPIC": ("am",),
    "CJK": ("zh", "cmn", "yue", "hak", "ja", "ko"),
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "HANGUL": ("ko",),
}


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def foreign_script(sentence: str, language: str) -> str:
    """The writing system most of the sentence's letters are in, if a voice for
    `language` cannot read it; '' otherwise."""
    primary = language.lower().split("-")[0]
    letters = [_script(ch) for ch in sentence if ch.isalpha()]
    foreign = [s for s in letters if s != "LATIN" and primary not in SCRIPTS.get(s, (primary,))]
    if not letters or len(foreign) * 2 <= len(letters):
        return ""
    return max(set(foreign), key=foreign.count)


def speech_errors(guide: Guide) -> list[ScriptError]:
    """Sentences the voice cannot say: nothing to speak (emoji only), or written in a
    script the language's voice lacks (checked for the language's default voice)."""
    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    found = []
    for episode in guide.episodes:
        for segment in episode.segments:
            if isinstance(segment, Say):
                problem = _unsayable(segment, guide.language, speak)
                if problem:
                    found.append(ScriptError(segment.where, *problem))
    return found


def _unsayable(segment: Say, language: str, speak: Callable[[str], str]) -> tuple[str, str] | None:
    for paragraph in segment.paragraphs:
        for sentence in paragraph:
            spoken = speak(sentence)
            if not text.has_words(spoken):
                return (
                    f"nothing a voice can say in {short(sentence)!r}",
                    "write it in words: emoji and symbols alone are not spoken",
                )
            script = foreign_script(spoken, language)
            if script and _own_script_only(segment.voice.engine) and not segment.voice.name:
                return (
                    f"the {language} voice cannot read {script.title()} script: "
                    f"{short(sentence)!r}",
                    "write it in the guide's language, or give the segment a voice that reads it",
                )
    return None


def _own_script_only(engine: str) -> bool:
    from audioguide.speech.registry import info

    found = info(engine)
    return found is not None and found.default_voice_reads_own_script_only


# --- length ------------------------------------------------------------------------------


def length_errors(
    guide: Guide, sound_seconds: SoundSeconds, plans: Mapping[str, tuple[Item, ...]] | None = None
) -> list[ScriptError]:
    """Episodes estimated over `MAX_EPISODE_SECONDS`: refused before hours of speech and
    gigabytes of audio are made."""
    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    found = []
    for episode in guide.episodes:
        plan = plans[episode.id] if plans else plan_episode(guide, episode, speak)
        seconds = timeline_seconds(plan, sound_seconds)
        if seconds > MAX_EPISODE_SECONDS:
            found.append(
                ScriptError(
                    episode.where,
                    f"episode '{episode.id}' would last about {_hours(seconds)}, "
                    f"over the limit of {_hours(MAX_EPISODE_SECONDS)}",
                    "split it into shorter episodes",
                )
            )
    return found


def _hours(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{minutes(whole % 3600):0>5}"
