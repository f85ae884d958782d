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
_PAGE_LINE = 'var PAGE = "";'
# The page's paper and accent colours (templates/page.css), for the splash and title bar,
# in its light and its dark scheme.
BACKGROUND, THEME = "#fbfaf7", "#1f5f8b"
DARK_BACKGROUND, DARK_THEME = "#151b20", "#151b20"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (IHDR comes first in every PNG)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def webmanifest_json(guide: Guide, icons: Mapping[str, bytes]) -> str:
    """The web app manifest: name, colours, the icons (`icons.icon_pngs`); its scope is
    this folder, so each edition (a folder of its own) installs as an app of its own.

    A manifest has one `background_color` (the install splash): the light one, with the
    dark one under `user_preferences`, which Chromium reads where it supports a dark
    splash; the page itself says both through its two `theme-color` tags."""
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
        "user_preferences": {
            "color_scheme_dark": {"background_color": DARK_BACKGROUND, "theme_color": DARK_THEME}
        },
        "icons": [_icon(name, png) for name, png in sorted(icons.items())],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _icon(name: str, png: bytes) -> dict[str, str]:
    width, height = png_size(png)
    icon = {"src": name, "sizes": f"{width}x{height}", "type": "image/png"}
    if "maskable" in name:
        icon["purpose"] = "maskable"
    return icon


@cache
def _worker_template() -> str:
    text = files("audioguide.publish").joinpath("templates", SERVICE_WORKER).read_text("utf-8")
    for line in (_FILES_LINE, _PAGE_LINE):
        if text.count(line) != 1:
            raise RuntimeError(f"templates/{SERVICE_WORKER} must hold {line!r} once")
    return text


def service_worker_js(
    entries: Iterable[FileEntry], page_version: str = "", urls: Mapping[str, str] = {}
) -> str:
    """The worker with the files it keeps: `entries`, less itself and `manifest.json`
    (which list the worker's own hash, so the worker cannot list theirs). A file with
    an entry in `urls` (the episodes' audio) is listed under that URL, the one the page
    asks for.

    `page_version` is the page's own (`page.page_version`): the worker tells an open page
    when it holds another one, so an old page says a new version is there."""
    kept = [
        {"path": urls.get(e.path, e.path), "sha256": e.sha256, "size": e.size}
        for e in sorted(entries, key=lambda e: e.path)
        # The audiobook holds the episodes' audio a second time: a phone keeps the MP3s.
        if e.path not in (SERVICE_WORKER, "manifest.json", "GUIDE.m4b")
    ]
    listed = json.dumps(kept, ensure_ascii=False, indent=2)
    text = _worker_template().replace(_FILES_LINE, f"var FILES = {listed};")
    return text.replace(_PAGE_LINE, f"var PAGE = {json.dumps(page_version)};")
