"""What a build produced: the context every writer (feed, page, playlist) reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from audioguide.model import Guide
from audioguide.plan.timeline import LEAD_IN


@dataclass(frozen=True)
class ChapterMark:
    """A chapter as written into the MP3 and the chapters file; times in milliseconds."""

    title: str
    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_ms < self.end_ms:
            raise ValueError(f"chapter {self.title!r}: need 0 <= start_ms < end_ms")


def chapter_marks(
    starts: Sequence[tuple[str, float]], seconds: float, intro: str = ""
) -> tuple[ChapterMark, ...]:
    """The chapters from their starts; what comes before the first (the chime and the
    spoken intro) is a chapter of its own, titled `intro`, so that every moment of the
    episode belongs to one: apps show the current chapter, and the first one would
    otherwise begin seconds into the audio. Silence alone before it (the lead-in) is
    given to the first chapter instead."""
    if starts and starts[0][1] > LEAD_IN + 0.001:
        starts = [(intro, 0.0), *starts]
    elif starts:
        starts = [(starts[0][0], 0.0), *starts[1:]]
    ms = [round(start * 1000) for _, start in starts]
    end = round(seconds * 1000)
    return tuple(
        ChapterMark(title, ms[i], ms[i + 1] if i + 1 < len(ms) else end)
        for i, (title, _) in enumerate(starts)
    )


@dataclass(frozen=True)
class EpisodeResult:
    """One finished episode. Paths are absolute; writers make them relative to `output`."""

    id: str
    number: int
    title: str
    summary: str
    date: str  # YYYY-MM-DD, from the scripts (never the clock)
    mp3: Path
    vtt: Path
    txt: Path
    seconds: float
    loudness: float  # integrated, LUFS as heard on a stereo player
    true_peak: float  # dBTP
    size: int  # bytes of the MP3
    chapters: tuple[ChapterMark, ...]
    rebuilt: bool = True


@dataclass(frozen=True)
class Published:
    """What a build of a guide published: each episode's id and status, and whether
    it went out (to the feed, page, playlist, manifest and bundle)."""

    episodes: tuple[tuple[str, str, bool], ...]  # (id, status, published)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i for i, _, out in self.episodes if out)

    @property
    def drafts(self) -> tuple[str, ...]:
        """Published episodes that are not approved (a build with --drafts)."""
        return tuple(i for i, status, out in self.episodes if out and status != "approved")

    @property
    def held_back(self) -> tuple[tuple[str, str], ...]:
        """(id, status) of the episodes built but not published."""
        return tuple((i, status) for i, status, out in self.episodes if not out)


@dataclass(frozen=True)
class BuildReport:
    guide: Guide
    output: Path
    episodes: tuple[EpisodeResult, ...]
    spoken: int  # clips the engine made in this build
    cached: int  # clips taken from the cache
    published: Published | None = None  # None: not known (a folder built before it was noted)
    republished: bool = False  # the published files changed (not only the episodes)


@dataclass(frozen=True)
class BookSource:
    """What the audiobook is made from: each episode's AAC piece (by episode id, as the
    build left them in the output folder) and the picture the MP3s embed."""

    pieces: Mapping[str, Path]
    cover: bytes | None


@dataclass(frozen=True)
class Alternate:
    """Another edition of the guide (another language), as a page links to it."""

    title: str
    language: str  # BCP 47
    folder: str  # POSIX, relative to this edition's folder: "es", "..", "../fr"

    @property
    def page(self) -> str:
        return f"{self.folder}/index.html"
