"""`app.webmanifest` and `sw.js`: the page installable and playable offline on a phone.

Browsers use both only on a page served over https (or from localhost); the page's
script adds them there and nowhere else, so from disk (`file://`) the page is as before.

`sw.js` is the service worker: its text holds the edition's files and their sha256
(the same entries as `manifest.json`), so any rebuilt file changes it, which is how a
browser learns that its stored copy is out of date. The worker then fetches only the
files whose hash changed. Both are pure functions of their inputs: same guide, same bytes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files

from audioguide.model import Guide
from audioguide.publish.common import clean, one_line
from audioguide.publish.manifest import FileEntry

WEB_MANIFEST, SERVICE_WORKER = "app.webmanifest", "sw.js"
_FILES_LINE = "var FILES = [];"
# The page's paper and accent colours (templates/page.css), for the splash and title bar.
BACKGROUND, THEME = "#fbfaf7", "#1f5f8b"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (IHDR comes first in every PNG)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def webmanifest_json(guide: Guide, cover_png: bytes, cover: str) -> str:
    """The web app manifest: name, colours, the cover as icon; its scope is this folder,
    so each edition (a folder of its own) installs as an app of its own."""
    width, height = png_size(cover_png)
    document = {
        "name": one_line(guide.title),
        "short_name": one_line(guide.title),
        "description": clean(guide.description),
        "lang": guide.language,
        "id": "./",
        "start_url": "./index.html",
        "scope": "./",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": [{"src": cover, "sizes": f"{width}x{height}", "type": "image/png"}],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


@cache
def _worker_template() -> str:
    text = files("audioguide.publish").joinpath("templates", SERVICE_WORKER).read_text("utf-8")
    if text.count(_FILES_LINE) != 1:
        raise RuntimeError(f"templates/{SERVICE_WORKER} must hold {_FILES_LINE!r} once")
    return text


def service_worker_js(entries: Iterable[FileEntry], urls: Mapping[str, str] = {}) -> str:
    """The worker with the files it keeps: `entries`, less itself and `manifest.json`
    (which list the worker's own hash, so the worker cannot list theirs). A file with
    an entry in `urls` (the episodes' audio) is kept under that URL, the one the page
    asks for."""
    kept = [
        {"path": urls.get(e.path, e.path), "sha256": e.sha256}
        for e in sorted(entries, key=lambda e: e.path)
        # The audiobook holds the episodes' audio a second time: a phone keeps the MP3s.
        if e.path not in (SERVICE_WORKER, "manifest.json", "GUIDE.m4b")
    ]
    listed = json.dumps(kept, ensure_ascii=False, indent=2)
    return _worker_template().replace(_FILES_LINE, f"var FILES = {listed};")
