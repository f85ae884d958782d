"""The guide as frozen data: what the loader produces and every later stage reads.

Options that staff may write in YAML carry their documentation in the field's
metadata (`doc`), so the loader can suggest keys and the README can list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audioguide.errors import Location


def doc(text: str, kind: str = "") -> dict[str, str]:
    """Field metadata: `doc` for people, `kind` for the loader (e.g. "duration")."""
    return {"doc": text, "kind": kind}


@dataclass(frozen=True)
class Voice:
    """How an utterance is spoken. Set on the guide, overridden per episode or segment."""

    engine: str = field(default="pyttsx3", metadata=doc("Speech engine: `pyttsx3`."))
    name: str = field(
        default="",
        metadata=doc("Engine voice id or name; empty picks the engine's voice for the language."),
    )
    rate: int = field(default=155, metadata=doc("Speaking rate in words per minute (80-300)."))
    volume: float = field(default=1.0, metadata=doc("Engine volume, 0.1 to 1.0."))
    pitch: int = field(default=50, metadata=doc("Engine pitch, 0 to 99 (espeak-ng scale)."))
    model: str = field(
        default="",
        metadata=doc("Voice model file for engines that need one (piper), relative to the guide."),
    )


@dataclass(frozen=True)
class Pauses:
    """Silences the assembler puts between utterances."""

    sentence: float = field(default=0.35, metadata=doc("Between sentences.", "duration"))
    paragraph: float = field(
        default=0.9, metadata=doc("Between paragraphs and between segments.", "duration")
    )
    chapter: float = field(default=1.4, metadata=doc("Before a new chapter.", "duration"))


@dataclass(frozen=True)
class Mastering:
    """Loudness targets for every episode."""

    loudness: float = field(
        default=-16.0,
        metadata=doc("Integrated loudness in LUFS, as heard on a stereo player (dual mono)."),
    )
    true_peak: float = field(default=-1.0, metadata=doc("True-peak ceiling in dBTP."))


@dataclass(frozen=True)
class Source:
    """The work the guide paraphrases; credited in the intro, the tags and the feed."""

    title: str = field(default="", metadata=doc("Title of the source."))
    author: str = field(default="", metadata=doc("Author, with credentials."))
    date: str = field(default="", metadata=doc("Publication date as printed, e.g. February 2021."))
    url: str = field(default="", metadata=doc("Where the source can be read (optional)."))


@dataclass(frozen=True)
class Say:
    """Text to speak. `paragraphs` holds sentences; blank lines in YAML split paragraphs."""

    paragraphs: tuple[tuple[str, ...], ...]
    voice: Voice
    where: Location


@dataclass(frozen=True)
class Pause:
    """An explicit silence; it replaces the automatic pause at that point."""

    seconds: float
    where: Location


@dataclass(frozen=True)
class Chapter:
    """A chapter mark: starts with the next sound or speech."""

    title: str
    where: Location


@dataclass(frozen=True)
class Sound:
    """An audio file from the guide folder, played as it is."""

    path: Path
    where: Location


Segment = Say | Pause | Chapter | Sound


STATUSES = ("draft", "review", "approved")


@dataclass(frozen=True)
class Episode:
    id: str
    number: int
    title: str
    summary: str
    date: str
    segments: tuple[Segment, ...]
    voice: Voice
    where: Location
    status: str = "approved"  # only approved episodes are published, unless --drafts


@dataclass(frozen=True)
class Guide:
    """Everything a build needs, loaded and checked."""

    root: Path
    title: str
    description: str
    author: str
    language: str
    date: str
    source: Source
    credit: str
    voice: Voice
    pauses: Pauses
    mastering: Mastering
    intro: str
    outro: str
    chime: bool
    lexicon: tuple[tuple[str, str], ...]
    cover: Path | None
    episodes: tuple[Episode, ...]
    where: Location
    cover_where: Location | None = None  # the `cover:` value, for errors about the image

    @property
    def year(self) -> str:
        return self.date[:4]
