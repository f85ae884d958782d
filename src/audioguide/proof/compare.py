"""What was heard against what was written: the word-level differences of one sentence,
each rated, and the counts a word error rate is made of.

Pure: normalized words in (`normalize.words`), differences out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audioguide.proof.normalize import DOSE, NAME, NUMBER, PHONE, TIME, Word

# Severity of a difference, highest first. A number, a time, a phone number, a dose or
# a name heard wrongly can mislead a parent; a small word rarely changes the meaning.
ERROR = "error"
WARNING = "warning"
NOTE = "note"
SEVERITIES = (ERROR, WARNING, NOTE)
GRAVE_KINDS = frozenset({NUMBER, TIME, PHONE, DOSE, NAME})
_SMALL = (
    "a an the and or but so of to in on at by for with from as is are was were be "
    "it its this that these those there their they them he she his her we our you "
    "your i me my do does did have has had will would can could just then than "
    "up out about into not no yes oh um uh"
)
FUNCTION_WORDS = frozenset(_SMALL.split())


@dataclass(frozen=True)
class Difference:
    """Expected words the audio did not say as written, and what was heard instead
    (either side may be empty: a word dropped, or one added)."""

    expected: tuple[str, ...]
    heard: tuple[str, ...]
    severity: str


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...]
    errors: int  # substitutions + deletions + insertions: the WER's numerator
    words: int  # expected words: its denominator

    @property
    def severity(self) -> str | None:
        """The worst severity of the differences; None when they agree."""
        found = {d.severity for d in self.differences}
        return next((s for s in SEVERITIES if s in found), None)


def _table(a: Sequence[str], b: Sequence[str]) -> list[list[int]]:
    cost = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        cost[i][0] = i
    for j in range(len(b) + 1):
        cost[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            same = a[i - 1] == b[j - 1]
            cost[i][j] = min(
                cost[i - 1][j - 1] + (0 if same else 1), cost[i - 1][j] + 1, cost[i][j - 1] + 1
            )
    return cost


def _steps(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, bool]]:
    """The least-cost edit as steps in order: words of `a` and of `b` each consumes (0
    or 1), and whether they were equal."""
    cost = _table(a, b)
    i, j = len(a), len(b)
    steps: list[tuple[int, int, bool]] = []
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            steps.append((1, 1, a[i - 1] == b[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            steps.append((1, 0, False))
            i -= 1
        else:
            steps.append((0, 1, False))
            j -= 1
    return steps[::-1]


def align(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """The runs of differing words in the least-cost edit of `a` into `b`: (a_start,
    a_end, b_start, b_end) each, in order; the words between runs are equal."""
    runs: list[tuple[int, int, int, int]] = []
    i = j = 0
    start: tuple[int, int] | None = None
    for di, dj, equal in _steps(a, b):
        if equal and start is not None:
            runs.append((start[0], i, start[1], j))
            start = None
        elif not equal and start is None:
            start = (i, j)
        i, j = i + di, j + dj
    if start is not None:
        runs.append((start[0], i, start[1], j))
    return runs


def severity(expected: Sequence[Word], heard: Sequence[Word]) -> str:
    kinds = {w.kind for w in expected} | {w.kind for w in heard if w.kind in (NUMBER, PHONE)}
    if kinds & GRAVE_KINDS:
        return ERROR
    if all(w.text in FUNCTION_WORDS for w in (*expected, *heard)):
        return NOTE
    return WARNING


def _whole_numbers(
    run: tuple[int, int, int, int], expected: Sequence[Word], b: Sequence[str]
) -> tuple[int, int, int, int]:
    """A run widened to the whole number it is part of: "one hundred eighty" heard as
    "one eight zero" is shown so, not as "hundred eighty" against "eight zero"."""
    i0, i1, j0, j1 = run
    numeric = (NUMBER, PHONE, TIME)
    while i0 and j0 and expected[i0 - 1].kind in numeric and expected[i0 - 1].text == b[j0 - 1]:
        i0, j0 = i0 - 1, j0 - 1
    while (
        i1 < len(expected)
        and j1 < len(b)
        and expected[i1].kind in numeric
        and expected[i1].text == b[j1]
    ):
        i1, j1 = i1 + 1, j1 + 1
    return i0, i1, j0, j1


def joined(words: Sequence[Word], other: Sequence[Word]) -> list[Word]:
    """`words` with each pair written as one word on the other side joined: "well
    come" heard for "welcome", "every day" written and "everyday" heard."""
    wanted = {w.text for w in other}
    out: list[Word] = []
    i = 0
    while i < len(words):
        pair = words[i].text + words[i + 1].text if i + 1 < len(words) else ""
        if pair in wanted and words[i].text not in wanted:
            out.append(Word(pair, words[i].kind))
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def compare(expected: Sequence[Word], heard: Sequence[Word]) -> Comparison:
    """Every run of words where `heard` differs from `expected`, rated."""
    expected, heard = joined(expected, heard), joined(heard, expected)
    a = [w.text for w in expected]
    b = [w.text for w in heard]
    cost = _table(a, b)[len(a)][len(b)]
    runs = [_whole_numbers(run, expected, b) for run in align(a, b)]
    found = tuple(
        Difference(tuple(a[i0:i1]), tuple(b[j0:j1]), severity(expected[i0:i1], heard[j0:j1]))
        for i0, i1, j0, j1 in runs
    )
    return Comparison(found, cost, len(a))
