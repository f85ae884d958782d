"""Lay an episode out in time: a flat list of chime, utterances, silences, sounds and
chapter marks, with every automatic pause resolved.

Pure and free of audio libraries, so planning (and a no-op build) starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audioguide.model import Chapter, Episode, Guide, Pause, Say, Sound, Voice
from audioguide.plan import text

LEAD_IN = 0.25  # some players swallow the first moments of a file
TAIL = 0.8


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


def plan_episode(guide: Guide, episode: Episode, speak: Callable[[str], str]) -> tuple[Item, ...]:
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
