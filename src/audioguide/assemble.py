"""Lay an episode out in time, then render it to one PCM array.

`plan_episode` is pure: it turns an episode into a flat timeline (chime, utterances,
silences, sounds, chapter marks) with every automatic pause resolved. `render` turns
that timeline into samples, joining all parts once (never `+=` in a loop), and records
where each sentence and chapter starts, exactly, for the VTT and the chapter frames.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from audioguide import text
from audioguide.chime import chime
from audioguide.engines.base import Clip
from audioguide.errors import EngineError
from audioguide.model import Chapter, Episode, Guide, Pause, Say, Sound, Voice

RATE = 44100
LEAD_IN = 0.25  # some players swallow the first moments of a file
TAIL = 0.8
# Engines pad their clips with silence; trimming it makes the script's pauses exact.
# A little margin keeps soft consonants at the edges.
TRIM_THRESHOLD = 0.004  # about -48 dBFS
TRIM_MARGIN = 0.015

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Utterance:
    """One sentence: `display` is shown in transcripts, `spoken` goes to the engine."""

    display: str
    spoken: str
    voice: Voice
    new_paragraph: bool


@dataclass(frozen=True)
class Silence:
    seconds: float


@dataclass(frozen=True)
class Play:
    path: Path


@dataclass(frozen=True)
class Chime:
    pass


@dataclass(frozen=True)
class Mark:
    """A chapter starts here, at the next audible item."""

    title: str


Item = Utterance | Silence | Play | Chime | Mark


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class ChapterStart:
    title: str
    start: float


@dataclass(frozen=True)
class Rendered:
    samples: Samples
    rate: int
    cues: tuple[Cue, ...]
    chapters: tuple[ChapterStart, ...]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def template_fields(guide: Guide, episode: Episode) -> dict[str, object]:
    return {
        "guide": guide.title,
        "number": episode.number,
        "total": len(guide.episodes),
        "title": episode.title,
    }


class _Timeline:
    """Builds the item list; gaps are decided when the next audible item arrives."""

    def __init__(self) -> None:
        self.items: list[Item] = [Silence(LEAD_IN)]
        self.started = False
        self.explicit: float | None = None
        self.marks: list[Mark] = []

    def pause(self, seconds: float) -> None:
        self.explicit = (self.explicit or 0.0) + seconds

    def mark(self, title: str) -> None:
        self.marks.append(Mark(title))

    def audible(self, item: Item, gap: float, chapter_gap: float) -> None:
        if self.started:
            auto = chapter_gap if self.marks else gap
            self.items.append(Silence(self.explicit if self.explicit is not None else auto))
        self.items.extend(self.marks)
        self.items.append(item)
        self.started, self.explicit, self.marks = True, None, []


def plan_episode(
    guide: Guide, episode: Episode, speak: Callable[[str], str]
) -> tuple[Item, ...]:
    """The episode's timeline; `speak` maps a display sentence to the engine's text."""
    pauses = guide.pauses
    line = _Timeline()

    def say(paragraphs: tuple[tuple[str, ...], ...], voice: Voice) -> None:
        for p, sentences in enumerate(paragraphs):
            for s, sentence in enumerate(sentences):
                gap = pauses.sentence if s else pauses.paragraph
                utterance = Utterance(sentence, speak(sentence), voice, new_paragraph=s == 0)
                line.audible(utterance, gap, pauses.chapter if p == 0 and s == 0 else gap)

    fields = template_fields(guide, episode)
    if guide.chime:
        line.audible(Chime(), pauses.paragraph, pauses.paragraph)
    if guide.intro:
        say(text.paragraphs(text.clean(guide.intro.format(**fields))), episode.voice)
    for segment in episode.segments:
        if isinstance(segment, Chapter):
            line.mark(segment.title)
        elif isinstance(segment, Pause):
            line.pause(segment.seconds)
        elif isinstance(segment, Say):
            say(segment.paragraphs, segment.voice)
        elif isinstance(segment, Sound):
            line.audible(Play(segment.path), pauses.paragraph, pauses.chapter)
    if guide.outro:
        if line.explicit is None:  # set the sign-off apart like a new chapter
            line.explicit = pauses.chapter
        say(text.paragraphs(text.clean(guide.outro.format(**fields))), episode.voice)
    line.items.append(Silence(TAIL))
    return tuple(line.items)


def utterances(items: tuple[Item, ...]) -> Iterator[Utterance]:
    return (item for item in items if isinstance(item, Utterance))


def resample(samples: Samples, rate: int, target: int) -> Samples:
    if rate == target:
        return samples
    g = gcd(rate, target)
    out = resample_poly(samples.astype(np.float32), target // g, rate // g)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def trim(samples: Samples, rate: int) -> Samples:
    """Cut leading and trailing silence, keeping a small margin."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_THRESHOLD * 32768)
    if loud.size == 0:
        return samples[:0]
    margin = int(TRIM_MARGIN * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + 1 + margin]


def clip_samples(clip: Clip, rate: int) -> Samples:
    trimmed = trim(np.frombuffer(clip.pcm, dtype="<i2").astype(np.int16), clip.rate)
    return resample(trimmed, clip.rate, rate)


def sound_samples(path: Path, rate: int) -> Samples:
    from pydub import AudioSegment  # imported here: loading pydub costs start-up time

    audio = AudioSegment.from_file(str(path)).set_channels(1).set_sample_width(2)
    data = np.frombuffer(audio.raw_data, dtype="<i2").astype(np.int16)
    return resample(data, audio.frame_rate, rate)


def render(
    items: tuple[Item, ...], clip_for: Callable[[Utterance], Clip], rate: int = RATE
) -> Rendered:
    """Join the timeline into samples, recording sentence and chapter times exactly."""
    parts: list[Samples] = []
    cues: list[Cue] = []
    chapters: list[ChapterStart] = []
    pos = 0
    for item in items:
        if isinstance(item, Mark):
            chapters.append(ChapterStart(item.title, pos / rate))
            continue
        if isinstance(item, Silence):
            part = np.zeros(round(item.seconds * rate), dtype=np.int16)
        elif isinstance(item, Chime):
            part = chime(rate)
        elif isinstance(item, Play):
            part = sound_samples(item.path, rate)
        else:
            part = clip_samples(clip_for(item), rate)
            if part.size == 0:
                raise EngineError(f"the engine returned only silence for: {item.display[:60]}")
            cues.append(Cue(pos / rate, (pos + len(part)) / rate, item.display))
        parts.append(part)
        pos += len(part)
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return Rendered(samples, rate, tuple(cues), tuple(chapters))
