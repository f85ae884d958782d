"""`GUIDE.m4b`: the published episodes as one audiobook, for apps with sleep timers,
bookmarks and chapter lists (Apple Books, BookPlayer, Smart AudioBook Player,
Audiobookshelf).

Its chapters are flat, as those apps list them: one per episode, "1. Title", at the
episode's start (its chime and intro included), then the episode's own chapters.
The book is made again only when what it is made from changes: its key (the pieces,
which are named by their episodes' keys, the chapters, tags and cover) is recorded in
`.audioguide/audiobook.json` beside the file's sha256, and a build that finds both
unchanged reuses the file's bytes without running ffmpeg.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from audioguide.build.report import BookSource
from audioguide.export.m4b import FRAME, RATE, BookChapter, BookTags, frames_per_episode
from audioguide.model import Guide
from audioguide.publish.common import Item, one_line

NAME = "GUIDE.m4b"
RECORD = Path(".audioguide") / "audiobook.json"
FORMAT = "audiobook-v1"  # part of the key: bump when the book is made differently


def layout(items: Sequence[Item]) -> tuple[list[int], list[BookChapter]]:
    """Frames per episode and the book's chapters (starts and ends in samples)."""
    frames = frames_per_episode([round(item.seconds * RATE) for item in items])
    starts: list[tuple[str, int]] = []
    at = 0
    for item, count in zip(items, frames, strict=True):
        marks = sorted(item.chapters, key=lambda m: m.start_ms)
        starts.append((f"{item.number}. {one_line(item.title)}", at))
        starts += [(one_line(m.title), at + round(m.start_ms * RATE / 1000)) for m in marks[1:]]
        at += count * FRAME
    ends = [start for _, start in starts[1:]] + [at]
    chapters = [BookChapter(t, s, e) for (t, s), e in zip(starts, ends, strict=True)]
    return frames, chapters


def tags_of(guide: Guide) -> BookTags:
    return BookTags(
        title=one_line(guide.title),
        author=one_line(guide.author),
        comment=one_line(guide.credit or guide.description),
        year=guide.year,
        language=guide.language,
    )


def book_key(items: Sequence[Item], source: BookSource, guide: Guide) -> str:
    frames, chapters = layout(items)
    payload = {
        "format": FORMAT,
        "pieces": [source.pieces[item.id].name for item in items],
        "frames": frames,
        "chapters": [asdict(c) for c in chapters],
        "tags": asdict(tags_of(guide)),
        "cover": hashlib.sha256(source.cover or b"").hexdigest(),
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def audiobook_m4b(
    guide: Guide, items: Sequence[Item], source: BookSource, output: Path
) -> tuple[bytes, str] | None:
    """The book's bytes and key; None when there is nothing to make it from (no episode
    published, or a piece missing: then the build had no audiobook for that episode)."""
    if not items or not all(item.id in source.pieces for item in items):
        return None
    key = book_key(items, source, guide)
    reused = _recorded(output, key)
    if reused is not None:
        return reused, key
    from audioguide.export.m4b import m4b_bytes

    try:
        pieces = [source.pieces[item.id].read_bytes() for item in items]
    except FileNotFoundError:
        return None
    frames, chapters = layout(items)
    return m4b_bytes(pieces, frames, tags_of(guide), chapters, source.cover), key


def _recorded(output: Path, key: str) -> bytes | None:
    """The published book's bytes if it was made from `key` and is whole."""
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        record = json.loads((output / RECORD).read_text("utf-8"))
        if record["key"] == key:
            data = (output / NAME).read_bytes()
            if hashlib.sha256(data).hexdigest() == record["sha256"]:
                return data
    return None


def record(output: Path, key: str, data: bytes) -> None:
    """Note what the published book was made from (after it is in place)."""
    from audioguide.system.fsutil import atomic_write

    text = json.dumps({"key": key, "sha256": hashlib.sha256(data).hexdigest()}, indent=1)
    atomic_write(output / RECORD, (text + "\n").encode())
