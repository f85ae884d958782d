"""Transcripts of an episode: WebVTT captions and a readable plain-text file.

Pure functions returning str (LF line endings, trailing newline); the caller writes them.
Inputs are read through small protocols, so the assembler's own frozen dataclasses
(anything with `start`/`end`/`text`, or `title`/`start`) work as well as `Cue` and
`ChapterCue` defined here.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

WIDTH = 78


class CueLike(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


class ChapterLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def start(self) -> float: ...


@runtime_checkable
class _SentenceItem(Protocol):
    @property
    def display(self) -> str: ...
    @property
    def new_paragraph(self) -> bool: ...


@runtime_checkable
class _ChapterItem(Protocol):
    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class Cue:
    """One caption: a sentence shown from `start` to `end`, in seconds from file start."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class ChapterCue:
    """A chapter that begins at `start` seconds and runs until the next one begins."""

    title: str
    start: float


@dataclass(frozen=True)
class TranscriptBlock:
    """Paragraphs of sentences under an optional chapter heading (None: no heading)."""

    chapter: str | None
    paragraphs: tuple[tuple[str, ...], ...]


# --- WebVTT ------------------------------------------------------------------------------


def _ms(seconds: float) -> int:
    ms = seconds * 1000  # may overflow to inf for huge floats
    # NaN, infinities and negatives cannot be written as a timestamp; 0 keeps output valid.
    if not math.isfinite(ms) or ms <= 0:
        return 0
    return round(ms)


def timestamp(ms: int) -> str:
    """`HH:MM:SS.mmm` for a non-negative count of milliseconds."""
    hours, rest = divmod(max(ms, 0), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _payload(text: str) -> str:
    # One line: a blank line would end the cue, and a newline would split the caption.
    line = " ".join(text.split())
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(cues: Iterable[CueLike]) -> str:
    """A WebVTT file with one cue per input cue, in order.

    Times are rounded to milliseconds, then each cue is made to start no earlier than
    the previous one ends and to last at least 1 ms (WebVTT wants end > start): captions
    of one voice never overlap, and the file stays valid whatever the input.
    """
    lines = ["WEBVTT", ""]
    previous_end = 0
    for cue in cues:
        start = max(_ms(cue.start), previous_end)
        end = max(_ms(cue.end), start + 1)
        previous_end = end
        payload = _payload(cue.text)
        lines += [f"{timestamp(start)} --> {timestamp(end)}", *([payload] if payload else []), ""]
    # Every cue ends with "", so the join leaves exactly one trailing newline.
    return "\n".join(lines)


def _seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.strip().split(":")
    whole, millis = rest.split(".")
    return (int(hours) * 3600 + int(minutes) * 60 + int(whole)) + int(millis) / 1000


def read_vtt(text: str) -> tuple[Cue, ...]:
    """The cues of a WebVTT file as `vtt` writes it (one payload line, `&<>` escaped).

    For the published page, which shows the same timings as the captions; a cue whose
    time line is not ours is skipped rather than guessed at.
    """
    cues = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or "-->" not in lines[0]:
            continue
        start, _, end = lines[0].partition("-->")
        try:
            times = _seconds(start), _seconds(end.split()[0])
        except (ValueError, IndexError):
            continue
        payload = " ".join(lines[1:])
        payload = payload.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(times[0], times[1], payload))
    return tuple(cues)


def chapters_vtt(chapters: Iterable[ChapterLike], duration: float) -> str:
    """A WebVTT chapters track (`<track kind="chapters">`): each runs to the next start."""
    marks = list(chapters)
    ends = [mark.start for mark in marks[1:]] + [duration]
    return vtt(Cue(mark.start, end, mark.title) for mark, end in zip(marks, ends, strict=True))


# --- plain text --------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    # Hyphens are not break points: "IMH-E" or "Taylor-Pickford" must stay whole.
    return textwrap.wrap(
        " ".join(text.split()), width, break_long_words=False, break_on_hyphens=False
    )


def _heading(text: str, underline: str, width: int) -> list[str]:
    lines = _wrap(text, width)
    if not lines:
        return []
    return [*lines, underline * max(len(line) for line in lines), ""]


def plain_text(
    title: str, blocks: Iterable[TranscriptBlock], credit: str = "", width: int = WIDTH
) -> str:
    """A readable transcript: title, chapter headings, wrapped paragraphs, credit footer."""
    out = _heading(title, "=", width)
    for block in blocks:
        out += _heading(block.chapter or "", "-", width)
        for paragraph in block.paragraphs:
            lines = _wrap(" ".join(paragraph), width)
            out += [*lines, ""] if lines else []
    footer = _wrap(credit, width)
    out += ["---", *footer] if footer else []
    return "\n".join(out).rstrip("\n") + "\n"


def blocks_from_timeline(items: Iterable[object]) -> list[TranscriptBlock]:
    """Group an episode timeline into blocks.

    Items with `display` and `new_paragraph` (utterances) become sentences; other items
    with a `title` (chapter marks) start a new block; everything else (silences, sounds)
    is skipped.
    """
    blocks: list[TranscriptBlock] = []
    chapter: str | None = None
    paras: list[list[str]] = []

    def close() -> None:
        if chapter is not None or paras:
            blocks.append(TranscriptBlock(chapter, tuple(tuple(p) for p in paras)))

    for item in items:
        if isinstance(item, _SentenceItem):
            if item.new_paragraph or not paras:
                paras.append([])
            paras[-1].append(item.display)
        elif isinstance(item, _ChapterItem):
            close()
            chapter, paras = item.title, []
    close()
    return blocks
