"""What the browser tests share: Debian's Chromium under Playwright, a local web server
that answers byte ranges as real ones do, axe-core from its PyPI package, and a visit
that records console errors and every request the page makes."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "sudo apt-get install -y --no-install-recommends chromium"
# Without the background-networking flags Chromium phones home at start-up, and this
# machine's closed network refuses it; a fresh profile keeps runs independent.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@contextlib.contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[Any]:
    """A persistent Chromium context (a phone unless `options` say otherwise)."""
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not executable and sys.platform != "linux":
        pytest.skip("the page is tested in Debian's Chromium: on Linux (CI's linux job)")
    if not executable:
        pytest.fail(f"Chromium is not installed (needed to test the page); run: {INSTALL}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Playwright package is missing: .venv/bin/pip install -e '.[test]'")
    phone = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            args=ARGS,
            headless=True,
            **(phone | options),
        )
        try:
            yield context
        finally:
            context.close()


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """http.server plus `Range:`, as any real web server (and every phone's player) has.

    `sent` (path -> bytes of body sent) counts what the page really fetched."""

    sent: dict[str, int] | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def copyfile(self, source: Any, outputfile: Any) -> None:
        counted = _Counted(outputfile)
        super().copyfile(source, counted)
        if self.sent is not None:
            path = self.path.split("?")[0]
            self.sent[path] = self.sent.get(path, 0) + counted.count

    def send_head(self) -> Any:
        spec = self.headers.get("Range", "")
        path = Path(self.translate_path(self.path))
        if not spec.startswith("bytes=") or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, _, last = spec[len("bytes=") :].partition("-")
        start = int(first) if first else max(0, size - int(last))
        end = min(int(last), size - 1) if first and last else size - 1
        f = path.open("rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return _Limited(f, end - start + 1)


class _Limited:
    """A file that reads no further than `left` bytes (copyfile reads to the end)."""

    def __init__(self, f: Any, left: int) -> None:
        self.f, self.left = f, left

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data: bytes = self.f.read(n)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.f.close()


class _Counted:
    def __init__(self, out: Any) -> None:
        self.out, self.count = out, 0

    def write(self, data: bytes) -> Any:
        self.count += len(data)
        return self.out.write(data)


@contextlib.contextmanager
def serve(folder: Path, sent: dict[str, int] | None = None) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a port the system picks); yields its base URL.
    Every body sent is added to `sent` (URL path -> bytes), if given."""
    handler = functools.partial(
        type("Handler", (RangeHandler,), {"sent": sent}), directory=os.fspath(folder)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclasses.dataclass
class Visit:
    page: Any
    errors: list[str]
    requests: list[str]
    dialogs: list[str]


def visit(context: Any, url: str) -> Visit:
    """Open `url` in a new tab and wait until every player has read its MP3's header."""
    page = context.new_page()
    seen = Visit(page, [], [], [])
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("requestfailed", lambda r: _failed(seen, r))
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    wait_for_players(page)
    return seen


def _failed(seen: Visit, request: Any) -> None:
    # A reload, or a player that has read enough, cancels what is still loading: no fault.
    if request.failure != "net::ERR_ABORTED":
        seen.errors.append(f"failed: {request.url} ({request.failure})")


def wait_for_players(page: Any) -> None:
    """Wait until the page has loaded and its script has set up the players.

    The players load nothing before a tap (preload="none"): see `load_players` for a
    test that needs what their MP3s say."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && !document.getElementById('bar').hidden",
        timeout=15_000,
    )


def load_players(page: Any) -> None:
    """Have every player read its MP3's header, as a tap on it would."""
    page.evaluate(
        "[...document.querySelectorAll('audio')]"
        ".forEach(a => { if (!a.readyState) { a.preload = 'metadata'; a.load(); } })"
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)",
        timeout=15_000,
    )


AXE = "axe_playwright_python/axe.min.js"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practice).

    axe-core comes from the axe-playwright-python package's copy and is evaluated through
    the DevTools protocol, which the page's Content-Security-Policy does not govern.
    """
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("axe-core is missing: .venv/bin/pip install -e '.[test]'")
    source = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    page.evaluate(source.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)})))"
    )
    return result


def reload_until_stored(page: Any, shown: str) -> None:
    """Reload until `shown` (a selector the stored state reveals) is visible, or twenty
    tries: local storage reaches the next document a moment later (the reload may get
    a new renderer process), later still on a loaded machine. A page that does not play
    writes nothing back, so reloading loses nothing. No timing is measured."""
    for _ in range(20):
        page.wait_for_timeout(300)
        page.reload()
        wait_for_players(page)
        if page.locator(shown).is_visible():
            return
