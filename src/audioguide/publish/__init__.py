"""Publish a built guide: cover, feed, chapters, page, playlist, manifest, and a bundle.

Each writer is a pure function from data to text or bytes in its own module; this
module is the I/O edge that reads what the build made, calls them and writes the files:

| file | module | function |
| --- | --- | --- |
| `cover.png` | `cover` | `cover_png(guide)` (also embedded in every MP3 by the build) |
| `episodes/NN-id.chapters.json` | `chapters` | `chapters_json(guide, item)` |
| `feed.xml` | `feed` | `feed_xml(guide, items, links)` |
| `index.html` | `page` | `index_html(guide, items, links)` |
| `playlist.m3u8` | `playlist` | `playlist_m3u8(guide, items)` |
| `icon-192.png`, `icon-512.png`, `icon-maskable-512.png` | `icons` | `icon_pngs(cover)` |
| `app.webmanifest` | `offline` | `webmanifest_json(guide, icons)` |
| `sw.js` | `offline` | `service_worker_js(entries)` (the offline copy) |
| `manifest.json` | `manifest` | `manifest_json(guide, entries)` |
| `GUIDE.m4b` | `audiobook` | `audiobook_m4b(guide, items, book, output)` (ffmpeg, no re-encode) |
| a zip of it all | `bundle` | `bundle(output, dest_zip)` |
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audioguide.build.report import Alternate, BookSource, EpisodeResult
from audioguide.export.transcript import read_vtt
from audioguide.model import Guide
from audioguide.publish.audiobook import NAME as AUDIOBOOK
from audioguide.publish.audiobook import audiobook_m4b
from audioguide.publish.audiobook import record as record_audiobook
from audioguide.publish.bundle import bundle
from audioguide.publish.chapters import chapters_json
from audioguide.publish.common import (
    Item,
    Links,
    PublishError,
    chapters_path,
    check_base_url,
)
from audioguide.publish.feed import feed_xml
from audioguide.publish.icons import ICONS, icon_pngs
from audioguide.publish.manifest import NAME as MANIFEST
from audioguide.publish.manifest import FileEntry, file_entry, manifest_json
from audioguide.publish.offline import (
    SERVICE_WORKER,
    WEB_MANIFEST,
    service_worker_js,
    webmanifest_json,
)
from audioguide.publish.page import index_html, page_template, page_version
from audioguide.publish.playlist import playlist_m3u8
from audioguide.system.fsutil import replace_all, sha256_file

__all__ = [
    "Alternate",
    "Publication",
    "PublishError",
    "bundle",
    "check_base_url",
    "cover_png",
    "items_of",
    "publish",
]

COVER, FEED, PAGE, PLAYLIST = "cover.png", "feed.xml", "index.html", "playlist.m3u8"


def cover_png(guide: Guide) -> bytes:
    """The guide's cover (see `publish.cover`); Pillow is loaded only when one is made."""
    from audioguide.publish.cover import cover_png as make

    return make(guide)


def prepare() -> None:
    """Compile the page's template now (e.g. while workers encode), not when publishing."""
    page_template()


def _relative(output: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(output.resolve()).as_posix()
    except ValueError as error:
        raise PublishError(f"{path} is not inside the output folder {output}") from error


def _item(output: Path, episode: EpisodeResult, number: int) -> Item:
    mp3 = _relative(output, episode.mp3)
    for path in (episode.mp3, episode.vtt, episode.txt):
        if not path.is_file():
            raise PublishError(f"{path} is missing; build the guide again")
    return Item(
        number=number,
        id=episode.id,
        title=episode.title,
        summary=episode.summary,
        date=episode.date,
        seconds=episode.seconds,
        # From the disk, not the report: the enclosure length must be the file's exact size.
        size=episode.mp3.stat().st_size,
        sha256=sha256_file(episode.mp3),
        mp3=mp3,
        vtt=_relative(output, episode.vtt),
        txt=_relative(output, episode.txt),
        chapters_file=chapters_path(mp3),
        chapters=episode.chapters,
        transcript=episode.txt.read_text(encoding="utf-8"),
        cues=read_vtt(episode.vtt.read_text(encoding="utf-8")),
    )


def items_of(output: Path, episodes: Sequence[EpisodeResult]) -> list[Item]:
    """The episodes as the writers see them, in episode order (reads sizes, transcripts).

    They are numbered among themselves: with episode 1 still a draft, the first one
    published is "Episode 1" on the page and in the feed, not "Episode 2" of one.
    """
    ordered = sorted(episodes, key=lambda e: e.number)
    return [_item(output, e, n) for n, e in enumerate(ordered, start=1)]


def _changed(path: Path, data: bytes) -> bool:
    # Unchanged files are left alone, so a no-op build keeps their times and a web
    # server or sync tool sees nothing new.
    with contextlib.suppress(OSError):
        return path.read_bytes() != data
    return True


def _remove(path: Path) -> list[Path]:
    try:
        path.unlink()
    except FileNotFoundError:
        return []
    return [path]


def _remove_stale_chapters(output: Path, items: Sequence[Item]) -> list[Path]:
    # An episode renamed or removed leaves its chapters file behind; we wrote it, we drop it.
    keep = {item.chapters_file for item in items}
    removed = []
    for path in sorted((output / "episodes").glob("*.chapters.json")):
        if _relative(output, path) not in keep:
            removed += _remove(path)
    return removed


@dataclass(frozen=True)
class Publication:
    """What `publish` did: every file it publishes (`files`, the manifest last), those
    of them whose bytes it replaced or wrote anew (`changed`), and the files it removed
    (`removed`: an old episode's chapters, an audiobook with nothing to make it from)."""

    files: tuple[Path, ...]
    changed: tuple[Path, ...]
    removed: tuple[Path, ...]


def publish(
    guide: Guide,
    episodes: Sequence[EpisodeResult],
    output: Path,
    base_url: str | None = None,
    cover: bytes | None = None,
    alternates: Sequence[Alternate] = (),
    book: BookSource | None = None,
) -> Publication:
    """Write cover, chapters, feed, page, playlist, web app manifest, service worker and
    manifest into `output`.

    `cover` is the PNG the build already made (drawing one takes a good part of a
    second); without it the cover is made here.

    Call after every episode's MP3, VTT and TXT are in place. `base_url` (for example
    https://clinic.example/guide/) makes the feed's links absolute; without it they are
    relative, so the folder works from anywhere. Returns what it published and what
    of it it changed or removed (a file whose bytes were already right is not
    rewritten). Either every changed file is replaced or none is.
    `alternates` are the other editions, which the page links. `book` is what the
    audiobook (`GUIDE.m4b`) is made from; without it there is none.
    """
    links = Links.of(base_url)
    items = items_of(output, episodes)
    made = {output / COVER: cover if cover is not None else cover_png(guide)}
    icons = _icons(output, made[output / COVER])
    made |= {output / name: png for name, png in icons.items()}
    for item in items:
        made[output / item.chapters_file] = chapters_json(guide, item).encode()
    made[output / FEED] = feed_xml(guide, items, links)
    audiobook = audiobook_m4b(guide, items, book, output) if book is not None else None
    if audiobook is not None:
        made[output / AUDIOBOOK] = audiobook[0]
    page_book = AUDIOBOOK if audiobook is not None else None
    digests = {item.mp3: item.sha256 for item in items}
    page = index_html(guide, items, links, alternates, digests, page_book)
    made[output / PAGE] = page.encode()
    made[output / PLAYLIST] = playlist_m3u8(guide, items).encode()
    made[output / WEB_MANIFEST] = webmanifest_json(guide, icons).encode()
    # The manifest hashes the bytes about to be written, not what is on disk now.
    entries = [_entry(_relative(output, path), data) for path, data in made.items()]
    entries += [FileEntry(item.mp3, item.size, item.sha256) for item in items]
    built = {path for item in items for path in (item.vtt, item.txt)}
    entries += [file_entry(output, output / path) for path in sorted(built)]
    # The audio under the URL the page plays it from, which changes with its bytes.
    urls = {item.mp3: Links().episode(item) for item in items}
    # The worker lists every other file's hash, so it is made once they are final.
    made[output / SERVICE_WORKER] = service_worker_js(entries, page_version(page), urls).encode()
    entries.append(_entry(SERVICE_WORKER, made[output / SERVICE_WORKER]))
    below = [a.folder for a in alternates if not a.folder.startswith("..")]
    made[output / MANIFEST] = manifest_json(guide, entries, below, urls).encode()
    # All or nothing: every changed file is written before any is replaced, the
    # manifest last.
    changed = {path: data for path, data in made.items() if _changed(path, data)}
    replace_all(changed)
    removed = _remove_stale_chapters(output, items)
    if audiobook is not None:
        record_audiobook(output, audiobook[1], audiobook[0])
    else:  # nothing published to make it from: an old one would be out of date
        removed += _remove(output / AUDIOBOOK)
    return Publication(tuple(made), tuple(changed), tuple(removed))


def _icons(output: Path, cover: bytes) -> dict[str, bytes]:
    """The install icons; those already published when the cover is unchanged.

    Drawing them takes a good part of a second, which a no-op build should not spend.
    """
    with contextlib.suppress(OSError):
        if (output / COVER).read_bytes() == cover:
            return {name: (output / name).read_bytes() for name in ICONS}
    return icon_pngs(cover)


def _entry(rel: str, data: bytes) -> FileEntry:
    return FileEntry(rel, len(data), hashlib.sha256(data).hexdigest())
