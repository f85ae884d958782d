"""Fixes for misheard words: a few respellings of the word, each spoken by the
sentence's own engine and voice and heard by the recognizer; the first one heard as
the word is offered as a lexicon entry (`word: respelling`).

The candidates are plain-letter spellings a speech engine reads by its letter rules:
the word in syllables, and the word spelled as it sounds. The clips go to the clip
cache under the key the build would give them, so adding the entry costs no speech.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from audioguide.proof import normalize
from audioguide.proof.compare import NOTE, compare

if TYPE_CHECKING:
    from audioguide.model import Guide
    from audioguide.proof.run import Ears, ProofOptions, Result

MAX_TRIES = 4
_VOWELS = re.compile(r"[aeiou]+|(?<=[^aeiou])y")
_DIGRAPHS = ("ph", "th", "sh", "ch", "ck", "gh", "wh", "qu")
_SOUNDS = (
    ("tion", "shun"),
    ("sion", "zhun"),
    ("ph", "f"),
    ("ough", "off"),
    ("ck", "k"),
    ("qu", "kw"),
    ("x", "ks"),
)


def syllables(word: str) -> list[str]:
    """`winnicott` -> win, ni, cott: split in each consonant run between vowels."""
    low = word.lower()
    groups = [m.span() for m in _VOWELS.finditer(low)]
    if len(groups) < 2:
        return [low]
    cuts = []
    for (_, end), (start, _) in itertools.pairwise(groups):
        run = low[end:start]
        if len(run) <= 1 or run in _DIGRAPHS:
            cuts.append(end)
        elif run[:2] in _DIGRAPHS:  # pick-ford, not pic-kford
            cuts.append(end + 2)
        elif run[-2:] in _DIGRAPHS:
            cuts.append(start - 2)
        else:
            cuts.append(end + len(run) // 2)
    bounds = [0, *cuts, len(low)]
    return [low[a:b] for a, b in itertools.pairwise(bounds) if low[a:b]]


def sounded(word: str) -> str:
    """The word spelled closer to its sound: `plagiocephaly` -> `plagiosefalee`."""
    low = word.lower()
    for written, said in _SOUNDS:
        low = low.replace(written, said)
    low = re.sub(r"c(?=[eiy])", "s", low)
    low = low.replace("c", "k")
    return re.sub(r"(?<=[^aeiou])y$", "ee", low)


def respellings(word: str) -> list[str]:
    """A few candidates, most like the written word first, none equal to it."""
    found: list[str] = []
    for candidate in (
        "-".join(syllables(word)),
        sounded(word),
        "-".join(syllables(sounded(word))),
        " ".join(syllables(word)),
    ):
        if candidate != word.lower() and candidate not in found and candidate:
            found.append(candidate)
    return found[:MAX_TRIES]


def _misheard(result: Result) -> list[str]:
    """Words of the sentence, as written, that were misheard one for one or dropped."""
    if result.comparison is None:
        return []
    written = re.findall(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*", result.sentence.display)
    by_lower = {w.lower(): w for w in written}
    return [
        by_lower[d.expected[0]]
        for d in result.comparison.differences
        if len(d.expected) == 1 and d.severity != NOTE and d.expected[0] in by_lower
    ]


def _replace(spoken: str, word: str, respelling: str) -> str:
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return pattern.sub(respelling, spoken)


def suggest_all(
    results: list[Result], guide: Guide, ears: Ears, options: ProofOptions, names: frozenset[str]
) -> list[Result]:
    """The results, each flagged one with the lexicon entries found for its words."""
    from dataclasses import replace

    from audioguide.build.stages import ClipSource, Voices
    from audioguide.proof.run import engine_factory_of
    from audioguide.speech.cache import ClipCache

    source = ClipSource(
        ClipCache(options.cache_dir), Voices(engine_factory_of(options), guide.language)
    )
    tried: dict[str, str | None] = {}  # a word misheard in several sentences is tried once
    out = []
    for result in results:
        found = []
        for word in _misheard(result):
            if word not in tried:
                tried[word] = first_heard_right(result, word, source, ears, guide, names)
            fix = tried[word]
            if fix is not None:
                found.append((word, fix))
        out.append(replace(result, suggestions=tuple(found)) if found else result)
    return out


def first_heard_right(
    result: Result,
    word: str,
    source: object,
    ears: Ears,
    guide: Guide,
    names: frozenset[str],
) -> str | None:
    """The first respelling of `word` whose sentence is heard with the word right."""
    from audioguide.plan.timeline import Utterance

    s = result.sentence
    expected = normalize.words(s.display, names)
    target = word.lower()
    for candidate in respellings(word):
        spoken = _replace(s.spoken, word, candidate)
        if spoken == s.spoken:
            continue
        clip = source(Utterance(s.display, spoken, s.voice, True))  # type: ignore[operator]
        heard = ears.hear([clip], guide.language, None)[0]
        missed = compare(expected, normalize.words(heard)).differences
        if not any(target in d.expected for d in missed):
            return candidate
    return None
