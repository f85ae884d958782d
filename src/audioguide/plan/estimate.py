"""How long an episode will last, from its timeline alone: nothing is spoken.

Speech is estimated from its syllables and letters at the voice's rate
(`text.estimate_seconds`); the silences and the chime are exact. Used by `audioguide
check` to warn about episodes that are too long or too short, and by anything else that
wants a length before a build.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from audioguide.model import Episode, Guide
from audioguide.plan import text
from audioguide.plan.timeline import Chime, Item, Play, Silence, Utterance, plan_episode

# The chime's length (chime.py: two 0.55 s notes overlapping by 0.18 s), kept here as a
# number because importing chime.py loads numpy, which `check` does not otherwise need.
# tests/check/test_check.py compares it with the chime itself.
CHIME_SECONDS = 0.92

SoundSeconds = Callable[[Path], float]


def no_sound(path: Path) -> float:
    """A sound's length when it is not measured: nothing."""
    return 0.0


def timeline_seconds(items: tuple[Item, ...], sound_seconds: SoundSeconds = no_sound) -> float:
    """The estimated length of a planned timeline, in seconds."""
    total = 0.0
    for item in items:
        if isinstance(item, Utterance):
            total += text.estimate_seconds(item.spoken, item.voice.rate)
        elif isinstance(item, Silence):
            total += item.seconds
        elif isinstance(item, Chime):
            total += CHIME_SECONDS
        elif isinstance(item, Play):
            total += sound_seconds(item.path)
    return total


def episode_seconds(
    guide: Guide,
    episode: Episode,
    speak: Callable[[str], str] | None = None,
    sound_seconds: SoundSeconds = no_sound,
) -> float:
    """The estimated length of one episode; pass `speak` (the compiled lexicon) in loops."""
    speak = speak or text.compile_lexicon(guide.lexicon, language=guide.language)
    return timeline_seconds(plan_episode(guide, episode, speak), sound_seconds)


def sound_file_seconds(path: Path) -> float:
    """The length of an audio file from its header (mutagen), or 0.0 if unreadable.

    I/O, unlike the rest of this module: pass it as `sound_seconds` at the edges.
    """
    import mutagen  # imported here: only guides with sounds need it

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError):
        return 0.0
    info = getattr(audio, "info", None)
    length = getattr(info, "length", 0.0)
    return float(length) if isinstance(length, int | float) and length > 0 else 0.0
