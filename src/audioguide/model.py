"""The guide as frozen data: what the loader produces and every later stage reads.

Options that staff may write in YAML carry their documentation in the field's
metadata (`doc`), so the loader can suggest keys and the README can list them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args

from audioguide.errors import Location


def doc(text: str, kind: str = "", limits: tuple[float, float] | None = None) -> dict[str, Any]:
    """Field metadata, the one declaration of an option staff may write: `doc` for
    people, `kind` for the loader (e.g. "duration"), `limits` the inclusive range of a
    number. The loader's key lists and ranges, the JSON Schema and the README's option
    table are all derived from these (`staff_keys`, `ranges`)."""
    return {"doc": text, "kind": kind, "limits": limits}


@dataclass(frozen=True)
class Voice:
    """How an utterance is spoken. Set on the guide, overridden per episode or segment."""

    engine: str = field(default="pyttsx3", metadata=doc("Speech engine: `pyttsx3`."))
    name: str = field(
        default="",
        metadata=doc("Engine voice id or name; empty picks the engine's voice for the language."),
    )
    rate: int = field(
        default=155, metadata=doc("Speaking rate in words per minute (80-300).", limits=(80, 300))
    )
    volume: float = field(
        default=1.0, metadata=doc("Engine volume, 0.1 to 1.0.", limits=(0.1, 1.0))
    )
    pitch: int = field(
        default=50, metadata=doc("Engine pitch, 0 to 99 (espeak-ng scale).", limits=(0, 99))
    )
    model: str = field(
        default="",
        metadata=doc("Voice model file for engines that need one (piper), relative to the guide."),
    )
    driver: str = field(
        default="espeak",
        metadata=doc(
            "pyttsx3's driver: `espeak` (espeak-ng, every system), `sapi5` (Windows' voices) "
            "or `nsss` (macOS's voices)."
        ),
    )


# pyttsx3's drivers a voice may ask for, and the system each runs on ("" for every one).
PYTTSX3_DRIVERS = {"espeak": "", "sapi5": "win32", "nsss": "darwin"}


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
        metadata=doc(
            "Integrated loudness in LUFS (-30 to -10), as heard on a stereo player (dual mono).",
            limits=(-30.0, -10.0),
        ),
    )
    true_peak: float = field(
        default=-1.0, metadata=doc("True-peak ceiling in dBTP (-6 to 0).", limits=(-6.0, 0.0))
    )


@dataclass(frozen=True)
class Source:
    """The work the guide paraphrases; credited in the intro, the tags and the feed."""

    title: str = field(default="", metadata=doc("Title of the source."))
    author: str = field(default="", metadata=doc("Author, with credentials."))
    date: str = field(default="", metadata=doc("Publication date as printed, e.g. February 2021."))
    url: str = field(default="", metadata=doc("Where the source can be read (optional)."))


@dataclass(frozen=True)
class Contact:
    """Who podcast directories write to about the feed (its `itunes:owner`)."""

    name: str = field(default="", metadata=doc("A person or desk; default: the guide's author."))
    email: str = field(
        default="", metadata=doc("An address the directories may write to.", "email")
    )


@dataclass(frozen=True)
class Say:
    """Text to speak; a blank line starts a new paragraph. May carry its own voice.

    `paragraphs` holds sentences."""

    paragraphs: tuple[tuple[str, ...], ...]
    voice: Voice
    where: Location


@dataclass(frozen=True)
class Pause:
    """A silence such as 800ms or 1.5s; it replaces the automatic pause at that point."""

    seconds: float
    where: Location


@dataclass(frozen=True)
class Chapter:
    """A chapter mark with its title: starts with the next sound or speech."""

    title: str
    where: Location


@dataclass(frozen=True)
class Sound:
    """An audio file in the guide folder (WAV, MP3, FLAC, Ogg), played as it is."""

    path: Path
    where: Location


Segment = Say | Pause | Chapter | Sound


STATUSES = ("draft", "review", "approved")


@dataclass(frozen=True)
class Episode:
    """One episode file in episodes/: played in file-name order."""

    id: str = field(metadata=doc("Lowercase letters, digits and dashes; names the MP3.", "id"))
    number: int
    title: str = field(metadata=doc("The episode's title, said in the intro."))
    summary: str = field(metadata=doc("One sentence on what it is about (feed and page)."))
    date: str = field(metadata=doc("YYYY-MM-DD; defaults to the guide's date.", "date"))
    # The order of the fields is the order of the keys in messages and the schema;
    # `status`, with its default, is keyword-only so that the fields after it need none.
    status: str = field(
        default="approved",  # only approved episodes are published, unless --drafts
        kw_only=True,
        metadata=doc("draft, review or approved (the default): only approved ones are published."),
    )
    voice: Voice = field(metadata=doc("Overrides the guide's voice for this episode."))
    segments: tuple[Segment, ...] = field(
        metadata=doc("What is said and played, in order; each starts with '- '.", "segments")
    )
    where: Location


@dataclass(frozen=True)
class Guide:
    """Everything a build needs, loaded and checked."""

    root: Path
    title: str = field(metadata=doc("The guide's name: album tag, feed title, said in intros."))
    description: str = field(metadata=doc("One or two sentences about the guide."))
    author: str = field(metadata=doc("Who publishes the guide (artist tag)."))
    language: str = field(metadata=doc("Language of the voice, BCP 47: en-US, es-US.", "language"))
    date: str = field(metadata=doc("Publication date, YYYY-MM-DD.", "date"))
    source: Source = field(metadata=doc("The work the guide paraphrases (optional)."))
    credit: str = field(metadata=doc("Credit line: MP3 comment tag and transcripts."))
    voice: Voice = field(metadata=doc("The default voice; episodes and segments override it."))
    pauses: Pauses = field(metadata=doc("Automatic silences between sentences, paragraphs..."))
    mastering: Mastering = field(metadata=doc("Loudness targets."))
    intro: str = field(
        metadata=doc("Said after the chime; may use {guide}, {number}, {total}, {title}.")
    )
    outro: str = field(metadata=doc("Said at the end; the same placeholders as intro."))
    chime: bool = field(metadata=doc("A short chime opens each episode (true or false)."))
    lexicon: tuple[tuple[str, str], ...] = field(
        metadata=doc("Words the voice says wrongly, and how to say them.", "lexicon")
    )
    cover: Path | None = field(metadata=doc("A square picture in the guide folder.", "path"))
    episodes: tuple[Episode, ...] = field(
        metadata=doc("Episode files in order, if not every file of episodes/.", "paths")
    )
    where: Location
    cover_where: Location | None = None  # the `cover:` value, for errors about the image
    # None: the default wording in the guide's language; "": no note at all.
    note: str | None = field(
        default=None,
        metadata=doc("The page's note to readers; default: it does not replace a clinician."),
    )
    reading_level: float = field(
        default=6.0,
        metadata=doc(
            "Target reading grade (1-16): check warns about sentences above it "
            "(Flesch-Kincaid in English, Fernández Huerta in Spanish).",
            limits=(1.0, 16.0),
        ),
    )
    contact: Contact = field(
        default=Contact(), metadata=doc("Who directories may write to about the feed (optional).")
    )
    audiobook: bool = field(
        default=True,
        metadata=doc("Also publish GUIDE.m4b, the guide as one audiobook (true or false)."),
    )
    license: str = field(
        default="",
        metadata=doc("The guide's licence as an SPDX id, e.g. CC-BY-NC-ND-4.0 (feed; optional)."),
    )

    @property
    def year(self) -> str:
        return self.date[:4]


# The kinds of segment, as a script names them (`- say:`, `- pause:`...).
SEGMENT_KINDS = tuple(cls.__name__.lower() for cls in get_args(Segment))
OPTION_CLASSES = (Voice, Pauses, Mastering, Source, Contact)


def staff_keys(cls: type) -> list[str]:
    """The keys staff may write for `cls`: its documented fields, in declaration order."""
    return [f.name for f in fields(cls) if "doc" in f.metadata]


def ranges() -> dict[tuple[type, str], tuple[float, float]]:
    """Inclusive ranges of the numeric options; a value outside is a script error."""
    return {
        (cls, f.name): f.metadata["limits"]
        for cls in (*OPTION_CLASSES, Guide)
        for f in fields(cls)
        if f.metadata.get("limits")
    }


def voices_of(guide: Guide) -> Iterator[tuple[Voice, Location]]:
    """Every voice the guide sets, with where: the guide's, each episode's, each say's."""
    yield guide.voice, guide.where
    for ep in guide.episodes:
        yield ep.voice, ep.where
        for say in (s for s in ep.segments if isinstance(s, Say)):
            yield say.voice, say.where
