"""What the studio's pages show, as plain data: pure functions of a loaded guide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from audioguide.check.checks import Diagnostic
from audioguide.check.readability import SentenceGrade
from audioguide.model import Chapter, Episode, Pause, Say, Sound


@dataclass(frozen=True)
class Sentence:
    index: int  # in the say, counting across paragraphs
    text: str
    nth: int  # how many identical sentences come before it in the same say
    paragraph_start: bool
    grade: SentenceGrade | None = None  # its reading grade, where check judges one


@dataclass(frozen=True)
class Row:
    """One segment of an episode, with the diagnostics written inside it."""

    index: int
    kind: str  # say | pause | chapter | sound
    label: str  # the chapter's title, the pause or the sound's file
    where: str  # file:line:col
    sentences: tuple[Sentence, ...]
    diagnostics: tuple[Diagnostic, ...]
    chapter: str  # the title of the chapter the segment is in ("" before any)
    text: str = ""  # a say's text as shown: what a save of it says it replaces


def sentences_of(say: Say) -> tuple[Sentence, ...]:
    return sentences_in(say.paragraphs)


def sentences_in(paragraphs: Sequence[Sequence[str]]) -> tuple[Sentence, ...]:
    found: list[Sentence] = []
    seen: dict[str, int] = {}
    for paragraph in paragraphs:
        for i, sentence in enumerate(paragraph):
            found.append(Sentence(len(found), sentence, seen.get(sentence, 0), i == 0))
            seen[sentence] = seen.get(sentence, 0) + 1
    return tuple(found)


def _label(segment: Say | Pause | Chapter | Sound) -> tuple[str, str]:
    if isinstance(segment, Say):
        return "say", ""
    if isinstance(segment, Pause):
        return "pause", f"{segment.seconds:g} s"
    if isinstance(segment, Chapter):
        return "chapter", segment.title
    return "sound", segment.path.name


Judge = Callable[[str], SentenceGrade | None]


def rows(
    episode: Episode, diagnostics: Sequence[Diagnostic], judge: Judge | None = None
) -> tuple[tuple[Diagnostic, ...], tuple[Row, ...]]:
    """The episode's own diagnostics (above its first segment, or without a line), and
    its segments, each with the diagnostics whose line falls inside it and each
    sentence's reading grade as `judge` gives it."""
    path = episode.where.path
    mine = [d for d in diagnostics if d.where.path == path]
    starts = [s.where.line for s in episode.segments]
    first = starts[0] if starts else 0
    header = tuple(d for d in mine if not d.where.line or d.where.line < first)
    found: list[Row] = []
    chapter = ""
    for i, segment in enumerate(episode.segments):
        end = starts[i + 1] if i + 1 < len(starts) else 1 << 30
        inside = tuple(d for d in mine if starts[i] <= d.where.line < end)
        kind, label = _label(segment)
        if isinstance(segment, Chapter):
            chapter = segment.title
        said = sentences_of(segment) if isinstance(segment, Say) else ()
        if judge is not None:
            said = tuple(replace(s, grade=judge(s.text)) for s in said)
        shown = (
            "\n\n".join(" ".join(p) for p in segment.paragraphs) if isinstance(segment, Say) else ""
        )
        found.append(Row(i, kind, label, str(segment.where), said, inside, chapter, shown))
    return header, tuple(found)


def counts(diagnostics: Sequence[Diagnostic], path: str) -> tuple[int, int]:
    """(errors, warnings) written in the file `path`."""
    mine = [d for d in diagnostics if d.where.path == path]
    errors = sum(d.severity == "error" for d in mine)
    return errors, len(mine) - errors
