"""What every writer shares: the episode as published, links, wording, small formatters.

Everything here is pure. `Item` is built from an `EpisodeResult` at the I/O edge (in
`publish/__init__.py`), so the writers never touch the file system.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from audioguide.build.report import ChapterMark
from audioguide.errors import AudioguideError
from audioguide.export.transcript import Cue
from audioguide.model import Guide

# Characters XML 1.0 cannot hold at all (not even escaped); a stray one in a script
# would make the whole feed unreadable, so they are dropped from every text we publish.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class PublishError(AudioguideError):
    """Raised for inputs publish cannot use (a bad base URL, a file outside `output`)."""


def clean(text: str) -> str:
    """Text safe for any of our formats: no XML-forbidden characters, no edge blanks."""
    return _NOT_XML.sub("", text).strip()


def one_line(text: str) -> str:
    """`clean` plus runs of whitespace (newlines included) folded to one space."""
    return " ".join(clean(text).split())


@dataclass(frozen=True)
class Item:
    """One episode as the writers see it. Paths are POSIX and relative to `output`."""

    number: int  # among the published episodes, from 1 (not the script's number)
    id: str
    title: str
    summary: str
    date: str  # YYYY-MM-DD
    seconds: float
    size: int  # bytes of the MP3, as found on disk when publishing
    sha256: str  # of the MP3, as found on disk: its version in every link to it
    mp3: str
    vtt: str
    txt: str
    chapters_file: str
    chapters: tuple[ChapterMark, ...]
    transcript: str  # the .txt content
    cues: tuple[Cue, ...] = ()  # the .vtt's cues, for the page's read-along

    @property
    def whole_seconds(self) -> int:
        # Feeds and playlists take whole seconds; round, so 2.6 s is not shown as 2.
        return round(self.seconds)

    @property
    def anchor(self) -> str:
        return f"episode-{self.number:02d}"


def chapters_path(mp3: str) -> str:
    """`episodes/01-x.mp3` -> `episodes/01-x.chapters.json` (beside the audio)."""
    stem = mp3[: -len(".mp3")] if mp3.endswith(".mp3") else mp3
    return f"{stem}.chapters.json"


def check_base_url(base_url: str) -> str:
    """An absolute http(s) URL ending in `/`, or PublishError; for the CLI's --base-url."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PublishError(
            f"base URL {base_url!r} must be absolute, like https://clinic.example/guide/"
        )
    if parts.query or parts.fragment:
        raise PublishError(f"base URL {base_url!r} must not have a query or fragment")
    url = parts.geturl()
    return url if url.endswith("/") else url + "/"


# Hex digits of the MP3's sha256 in its URL: 48 bits, no collision between versions.
VERSION_DIGITS = 12


@dataclass(frozen=True)
class Links:
    """Turns a path inside `output` into the link written in the feed.

    Without a base URL links stay relative, so the folder works from a USB stick or a
    file share; with one they are absolute, as podcast apps need.
    """

    base_url: str | None = None

    def url(self, path: str) -> str:
        quoted = quote(path, safe="/")
        return f"{self.base_url}{quoted}" if self.base_url else quoted

    def episode(self, item: Item) -> str:
        """The link to an episode's audio, for the feed, the page and the offline copy.

        It carries the audio's version (`?v=` and the start of its sha256): rebuilt
        audio gets a new URL, so an app that holds the old file fetches the new one
        instead of playing old audio against new chapter times; the item's guid stays.
        A web server ignores the query, and so does a browser opening the file from disk.
        """
        return f"{self.url(item.mp3)}?v={item.sha256[:VERSION_DIGITS]}"

    @classmethod
    def of(cls, base_url: str | None) -> Links:
        return cls(check_base_url(base_url) if base_url else None)


def clock(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on, of seconds rounded to the nearest whole one."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def player_clock(seconds: float) -> str:
    """`clock` of the whole seconds, cut not rounded, as Chromium's player shows a
    duration: the page's "Length" then says what the player beside it says."""
    return clock(math.floor(max(0.0, seconds)))


def safe_href(url: str) -> str | None:
    """`url` if it is a plain http(s) link; None otherwise (never `javascript:` and kin)."""
    parts = urlsplit(url.strip())
    return parts.geturl() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class Strings:
    """The fixed wording of the page and feed, in the guide's language."""

    note: str
    paraphrased_from: str
    by: str  # joins source title and author, with its leading space or comma
    episode: str  # "Episode {number}"
    length: str
    chapters: str
    transcript: str
    download: str
    subscribe: str
    playlist: str
    audiobook: str  # the link to GUIDE.m4b
    published_by: str
    copyright_source: str  # "{title}", "{author}", "{date}"
    editions: str  # heads the links to the other editions
    settings: str  # names the listening settings
    speed: str
    autoplay: str  # the setting that plays the next episode
    heard: str
    stopped_at: str  # "{time}" is where the parent stopped
    start_over: str
    tap_to_seek: str  # shown in a transcript when its sentences can be tapped


ENGLISH = Strings(
    note=(
        "This guide is for education. It does not replace advice from your child's doctor "
        "or another health professional who knows your family."
    ),
    paraphrased_from="Paraphrased from",
    by=" by",
    episode="Episode {number}",
    length="Length",
    chapters="Chapters",
    transcript="Transcript",
    download="Download the MP3",
    subscribe="Podcast feed (for podcast apps)",
    playlist="Playlist of all episodes",
    audiobook="The whole guide as one audiobook (M4B, with chapters)",
    published_by="Published by",
    copyright_source="Paraphrased from “{title}” by {author}, {date}.",
    editions="This guide in other languages:",
    settings="Listening settings",
    speed="Speed",
    autoplay="Play the next episode when one ends",
    heard="Heard",
    stopped_at="Stopped at {time}",
    start_over="Start over",
    tap_to_seek="Tap a sentence to listen from there.",
)

SPANISH = Strings(
    note=(
        "Esta guía es educativa. No reemplaza el consejo del pediatra ni de otro "
        "profesional de salud que conozca a tu familia."
    ),
    paraphrased_from="Paráfrasis de",
    by=", de",
    episode="Episodio {number}",
    length="Duración",
    chapters="Capítulos",
    transcript="Transcripción",
    download="Descargar el MP3",
    subscribe="Feed del pódcast (para aplicaciones de pódcast)",
    playlist="Lista de reproducción de todos los episodios",
    audiobook="La guía completa en un audiolibro (M4B, con capítulos)",
    published_by="Publicado por",
    copyright_source="Paráfrasis de «{title}», de {author}, {date}.",
    editions="Esta guía en otros idiomas:",
    settings="Ajustes para escuchar",
    speed="Velocidad",
    autoplay="Reproducir el siguiente episodio cuando termine uno",
    heard="Escuchado",
    stopped_at="Te quedaste en {time}",
    start_over="Empezar de nuevo",
    tap_to_seek="Toca una frase para escuchar desde ahí.",
)

_BY_LANGUAGE = {"en": ENGLISH, "es": SPANISH}


def strings_for(language: str) -> Strings:
    """Wording for a BCP 47 tag by its primary language; English when we have none."""
    return _BY_LANGUAGE.get(language.split("-")[0].lower(), ENGLISH)


# Apple Podcasts' limit for a channel's text fields such as `copyright`.
FIELD_LIMIT = 255


def copyright_line(guide: Guide, limit: int = FIELD_LIMIT) -> str:
    """`© 2026 Clinic. Paraphrased from “Title” by Author, date.` (source part if known),
    at most `limit` characters.

    A long source title is shortened first: to its main title (before a colon), then
    at a word with an ellipsis; the author, date and publisher are kept whole when
    they fit, since they are what the line is for.
    """
    line = " ".join(part for part in ("©", guide.year, one_line(guide.author)) if part) + "."
    source = guide.source
    if not source.title:
        return shorten(line, limit)
    title = one_line(source.title)
    wording = strings_for(guide.language).copyright_source

    def with_title(shown: str) -> str:
        credit = wording.format(
            title=shown, author=one_line(source.author), date=one_line(source.date)
        )
        return f"{line} {credit}"

    full = with_title(title)
    if len(full) <= limit:
        return full
    main = title.split(":", 1)[0].strip()
    if len(with_title(main)) <= limit:
        return with_title(main)
    room = limit - len(with_title(""))
    return shorten(with_title(shorten(main, room)) if room > 10 else line, limit)


def shorten(text: str, limit: int) -> str:
    """`text`, or its start cut at a word and ended with `…`, in at most `limit` chars."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"
