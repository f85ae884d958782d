"""Every sentence of an edition as the build speaks it: its words, its clip's key and
where it is written (file:line:col), in the order the episodes say them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import Location
from audioguide.loader import Sources
from audioguide.model import Episode, Guide, Say, Voice
from audioguide.plan import text
from audioguide.plan.timeline import Utterance, template_fields
from audioguide.speech.base import EngineFactory

SEARCH_CHARS = 20_000  # how far after its segment a sentence is looked for


@dataclass(frozen=True)
class Sentence:
    episode: str
    display: str
    """The sentence as written (what the recognizer should hear)."""
    spoken: str
    """What the engine was given: the lexicon's respellings applied."""
    voice: Voice
    key: str
    """The clip's key in the clip cache."""
    where: Location


@dataclass(frozen=True)
class Planned:
    """An edition's sentences, and each episode's key as its build computes it (to tell
    whether the built audio is made of these clips)."""

    guide: Guide
    sentences: tuple[Sentence, ...]
    episode_keys: dict[str, str]


def _pattern(sentence: str) -> re.Pattern[str] | None:
    first = sentence.split()[:4]
    if not first:
        return None
    # A sentence may wrap onto the next line of its block.
    return re.compile(r"\s+".join(map(re.escape, first)))


class _Finder:
    """Finds each sentence of a segment in its file, one after the other (so two
    sentences that start alike get their own lines)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.starts: dict[str, list[int]] = {}

    def _starts(self, path: str) -> list[int]:
        if path not in self.starts:
            source = self.texts[path]
            self.starts[path] = [0, *(i + 1 for i, c in enumerate(source) if c == "\n")]
        return self.starts[path]

    def segment(self, where: Location) -> Callable[[str], Location]:
        """A locator for the segment at `where`: call it with each sentence in order."""
        if where.path not in self.texts or not where.line:
            return lambda _: where
        source, starts = self.texts[where.path], self._starts(where.path)
        offset = starts[min(where.line, len(starts)) - 1] + where.col - 1

        def locate(sentence: str) -> Location:
            nonlocal offset
            pattern = _pattern(sentence)
            found = pattern.search(source, offset, offset + SEARCH_CHARS) if pattern else None
            if found is None:
                return where
            offset = found.end()
            line = bisect.bisect_right(starts, found.start()) - 1
            return Location(where.path, line + 1, found.start() - starts[line] + 1)

        return locate


def _places(guide: Guide, episode: Episode, sources: Sources) -> Iterator[Location]:
    """Where each sentence of the episode is written, in the order it is said."""
    finder = _Finder(dict(sources.texts))
    fields = template_fields(guide, episode)
    for name, template in (("intro", guide.intro), ("", None), ("outro", guide.outro)):
        if name == "":
            for say in (s for s in episode.segments if isinstance(s, Say)):
                locate = finder.segment(say.where)
                for sentence in (s for para in say.paragraphs for s in para):
                    yield locate(sentence)
        elif template:
            place = sources.places.get(name, guide.where)
            for para in text.paragraphs(text.clean(template.format(**fields))):
                yield from (place for _ in para)


def plan(guide: Guide, sources: Sources, factory: EngineFactory, cache_dir: Path) -> Planned:
    """Plan the edition as the build does and key every sentence's clip."""
    from audioguide.build.stages import episode_keys, plan_guide
    from audioguide.speech.sources import Voices

    plans = plan_guide(guide)
    voices = Voices(factory, guide.language)
    keys = {u: voices.key(u) for items in plans.values() for u in items if isinstance(u, Utterance)}
    found = []
    for episode in guide.episodes:
        said = [u for u in plans[episode.id] if isinstance(u, Utterance)]
        places = list(_places(guide, episode, sources))
        if len(places) != len(said):  # never expected; the episode's file is still right
            places = [episode.where] * len(said)
        found += [
            Sentence(episode.id, u.display, u.spoken, u.voice, keys[u], where)
            for u, where in zip(said, places, strict=True)
        ]
    return Planned(guide, tuple(found), episode_keys(guide, cache_dir, plans, keys))
