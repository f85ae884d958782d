"""How hard a text is to follow, as a school grade: Flesch-Kincaid for English,
Fernández Huerta for Spanish (its reading ease turned into a grade with its own table).

Syllables are counted with pyphen's hyphenation dictionaries, which ship inside the
package (nothing is fetched, ever). Pure functions; `grade_diagnostics` gives `check`
its warnings and `episode_grades` the grade it prints for each episode.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from audioguide.model import Episode, Guide, Say

# pyphen's dictionary for each language, and the margins it may hyphenate within:
# Spanish hyphenation is its syllable division, so every break counts; English
# dictionaries break words only where a reader would, pyphen's usual 2 letters from
# either end (as textstat counts when it uses pyphen).
_DICTIONARIES = {"en": ("en_US", 2), "es": ("es", 1)}
# A word this many syllables long is named in a warning: "long words" as in Gunning's
# fog index (3 in English); Spanish words run a syllable longer for the same ease.
LONG_WORD = {"en": 3, "es": 4}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*|\d+")

# A grade formula means little on a short sentence: "This guide is educational." is
# grade 9 by Flesch-Kincaid. A sentence is judged alone from this many words on.
MIN_WORDS = 12
# Sentences of a text at grade G range around G: one is worth a warning when it would
# read above the target by more than this many grades. Measured on the shipped guide
# (English episodes at grades 2.9 to 5.1): its sentences of 12 words or more reach 9.6.
SENTENCE_MARGIN = 4.0


def language_code(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def supported(language: str) -> bool:
    return language_code(language) in _DICTIONARIES


@functools.cache
def _dictionary(code: str) -> Any:
    import pyphen  # only `check` needs it; loaded on the first word

    name, margin = _DICTIONARIES[code]
    return pyphen.Pyphen(lang=name, left=margin, right=margin)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def syllables(word: str, language: str) -> int:
    """Syllables in one word (at least 1); a number counts as one word of 2."""
    if word.isdigit():
        return 2
    return _syllables(word.lower(), language_code(language))


@functools.lru_cache(maxsize=65536)  # a guide says the same words again and again
def _syllables(word: str, code: str) -> int:
    return len(_dictionary(code).positions(word)) + 1


@dataclass(frozen=True)
class Counts:
    sentences: int
    words: int
    syllables: int

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.sentences + other.sentences,
            self.words + other.words,
            self.syllables + other.syllables,
        )


def counts(sentences: Iterable[str], language: str) -> Counts:
    total = Counts(0, 0, 0)
    for sentence in sentences:
        found = words(sentence)
        if found:
            total += Counts(1, len(found), sum(syllables(w, language) for w in found))
    return total


# Fernández Huerta's own table (reading ease -> school grade), at the middle of each
# band: 90-100 is 4th grade, 80-90 5th, 70-80 6th, 60-70 7th-8th, 50-60 the last years
# of school, 30-50 university, under 30 beyond.
_EASE_TO_GRADE: tuple[tuple[float, float], ...] = (
    *((100.0, 3.5), (95.0, 4.0), (85.0, 5.0), (75.0, 6.0), (65.0, 7.5)),
    *((55.0, 10.5), (40.0, 14.5), (15.0, 17.0), (0.0, 18.0)),
)


def _ease_grade(ease: float) -> float:
    points = _EASE_TO_GRADE
    if ease >= points[0][0]:
        return points[0][1]
    for (high, low_grade), (low, high_grade) in itertools.pairwise(points):
        if ease >= low:
            return high_grade + (low_grade - high_grade) * (ease - low) / (high - low)
    return points[-1][1]


def grade(c: Counts, language: str) -> float:
    """The school grade of a text with these counts (0 for no words)."""
    if not c.words:
        return 0.0
    per_sentence = c.words / c.sentences
    per_word = c.syllables / c.words
    if language_code(language) == "es":
        # Fernández Huerta (1959), with words per sentence as Flesch has it.
        return _ease_grade(206.84 - 60.0 * per_word - 1.02 * per_sentence)
    return 0.39 * per_sentence + 11.8 * per_word - 15.59  # Flesch-Kincaid (1975)


def text_grade(sentences: Iterable[str], language: str) -> float:
    return grade(counts(sentences, language), language)


def long_words(sentence: str, language: str) -> list[str]:
    """The words of `sentence` of LONG_WORD syllables or more, once each, in order."""
    limit = LONG_WORD.get(language_code(language), 3)
    found = [w for w in words(sentence) if not w.isdigit() and syllables(w, language) >= limit]
    return list(dict.fromkeys(found))


def sentences_of(episode: Episode) -> Iterator[tuple[Say, str]]:
    for say in (s for s in episode.segments if isinstance(s, Say)):
        for sentence in (s for para in say.paragraphs for s in para):
            yield say, sentence


def episode_grades(guide: Guide) -> dict[str, float]:
    """Each episode's grade (its spoken sentences, intro and outro left out), by id;
    empty for a language without a formula."""
    if not supported(guide.language):
        return {}
    return {
        ep.id: text_grade((s for _, s in sentences_of(ep)), guide.language) for ep in guide.episodes
    }


@dataclass(frozen=True)
class SentenceGrade:
    """A sentence's reading grade, and whether `check` warns about it (`hard`)."""

    grade: float
    hard: bool
    long_words: tuple[str, ...]


def sentence_grade(sentence: str, language: str, target: float) -> SentenceGrade | None:
    """The grade of a sentence of MIN_WORDS words or more (a formula on a shorter one
    measures little but its length), hard when over `target` by more than
    SENTENCE_MARGIN; None for a shorter sentence or a language without a formula.
    The one rule for `check` and the studio."""
    if not supported(language):
        return None
    c = counts([sentence], language)
    if c.words < MIN_WORDS:
        return None
    found = grade(c, language)
    hard = found > target + SENTENCE_MARGIN
    return SentenceGrade(found, hard, tuple(long_words(sentence, language)) if hard else ())


def hard_sentences(guide: Guide) -> Iterator[tuple[Say, str, float, Sequence[str]]]:
    """(segment, sentence, grade, long words) for each sentence of MIN_WORDS words or
    more whose grade is over the guide's target by more than SENTENCE_MARGIN."""
    for ep in guide.episodes:
        for say, sentence in sentences_of(ep):
            judged = sentence_grade(sentence, guide.language, guide.reading_level)
            if judged is not None and judged.hard:
                yield say, sentence, judged.grade, judged.long_words
