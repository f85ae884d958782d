"""What a build keeps in the cache folder besides clips, by what each is made from:
the cover and the smaller copy every MP3 embeds. Any output folder built from the
same inputs finds them there."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from audioguide import __version__
from audioguide.model import Guide


def cover_of(guide: Guide, cache_dir: Path) -> bytes:
    """The cover PNG (the guide's own, checked, or one drawn from its title), cached by
    what it is made from so a no-op build does not draw it again."""
    if guide.cover:
        from audioguide.check.content import check_cover_size

        check_cover_size(guide.cover, guide.cover_where or guide.where)
    source = guide.cover.read_bytes() if guide.cover else b""
    h = hashlib.sha256(b"cover-v2\0" + __version__.encode() + b"\0" + source)
    drawn_from = [guide.title, guide.description, guide.author, guide.credit, guide.language]
    h.update(json.dumps([*drawn_from, asdict(guide.source)]).encode())
    path = cache_dir / "covers" / f"{h.hexdigest()}.png"
    with contextlib.suppress(OSError):
        return path.read_bytes()
    from audioguide.publish import cover_png

    png = cover_png(guide)
    from audioguide.system.fsutil import atomic_write

    with contextlib.suppress(OSError):  # only a shortcut for the next build
        atomic_write(path, png)
    return png


def embedded_cover_of(cover: bytes, cache_dir: Path) -> bytes:
    """The small cover every MP3 embeds, cached by the cover it is made from."""
    h = hashlib.sha256(b"embedded-v1\0" + cover).hexdigest()
    path = cache_dir / "covers" / f"{h}.jpg"
    with contextlib.suppress(OSError):
        return path.read_bytes()
    from audioguide.publish.cover import embedded_cover
    from audioguide.system.fsutil import atomic_write

    small = embedded_cover(cover)
    with contextlib.suppress(OSError):  # only a shortcut for the next build
        atomic_write(path, small)
    return small
