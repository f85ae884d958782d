"""What a build produced: the context every writer (feed, page, playlist) reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audioguide.model import Guide


@dataclass(frozen=True)
class ChapterMark:
    """A chapter as written into the MP3 and the chapters file; times in milliseconds."""

    title: str
    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_ms < self.end_ms:
            raise ValueError(f"chapter {self.title!r}: need 0 <= start_ms < end_ms")


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
class BuildReport:
    guide: Guide
    output: Path
    episodes: tuple[EpisodeResult, ...]
    spoken: int  # clips the engine made in this build
    cached: int  # clips taken from the cache


@dataclass(frozen=True)
class Alternate:
    """Another edition of the guide (another language), as a page links to it."""

    title: str
    language: str  # BCP 47
    folder: str  # POSIX, relative to this edition's folder: "es", "..", "../fr"

    @property
    def page(self) -> str:
        return f"{self.folder}/index.html"
