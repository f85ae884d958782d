"""The studio as the tests drive it: the real `audioguide studio` process (started and
stopped around a block), Flask's test client with the studio's token, and the page's
Play buttons in Chromium."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import STUDIO_PORT
from flask import Flask
from flask.testing import FlaskClient

REPO = Path(__file__).resolve().parent.parent.parent

# --- Flask's test client, on the test guide (conftest's `app` and `client`) -------------

PORT = STUDIO_PORT
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"


def token(app: Flask) -> str:
    return str(app.config["STUDIO_TOKEN"])


def post(client: FlaskClient, app: Flask, url: str, data: dict[str, Any], **headers: str) -> Any:
    sent = {"Origin": ORIGIN, "X-Studio-Token": token(app), **headers}
    return client.post(
        url, json=data, headers={k: v for k, v in sent.items() if v}, base_url=ORIGIN
    )


def get(client: FlaskClient, url: str, host: str = HOST) -> Any:
    return client.get(url, base_url=f"http://{host}")


WHERE = {"edition": "_", "episode": "first-steps"}
BASE1 = "Welcome to the first episode. It is short.\n\nA new paragraph starts here."


# --- the real process, driven in Chromium ------------------------------------------------


@dataclass
class Studio:
    process: subprocess.Popen[str]
    url: str
    port: int
    root: Path  # holds scripts/, output/ and .audioguide-cache/

    @property
    def scripts(self) -> Path:
        return self.root / "scripts"


def start_studio(root: Path) -> Studio:
    process = subprocess.Popen(
        [sys.executable, "-m", "audioguide", "studio", "scripts", "--no-browser"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", first)
    assert match, f"the first line is not the studio's address: {first!r}"
    return Studio(process, first, int(match.group(1)), root)


@contextlib.contextmanager
def running_studio(root: Path) -> Iterator[Studio]:
    """`audioguide studio` on `root/scripts` for the block, killed after it if still up."""
    running = start_studio(root)
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def keep_sounds(page: Any) -> list[bytes]:
    """Every WAV the studio sends the page, as sent (the page's blob: URLs are out of
    reach of a fetch under its policy)."""
    sounds: list[bytes] = []

    def handle(route: Any) -> None:
        response = route.fetch()
        sounds.append(response.body())
        route.fulfill(response=response)

    page.route("**/api/speak", handle)
    return sounds


def play(page: Any, sounds: list[bytes], button: Any) -> tuple[float, bytes]:
    """Click a Play (or Hear) button; the audio element's duration once it has loaded
    the sound, and the WAV the studio sent."""
    count = len(sounds)
    with page.expect_response("**/api/speak") as spoken:
        button.click()
    assert spoken.value.status == 200
    assert len(sounds) == count + 1
    heard = sounds[-1]
    page.wait_for_function(
        "s => { const a = document.getElementById('player');"
        " return a.readyState >= 1 && Math.abs(a.duration - s) < 0.05; }",
        arg=wav_seconds(heard),
        timeout=15_000,
    )
    duration = float(page.evaluate("document.getElementById('player').duration"))
    assert duration == pytest.approx(float(spoken.value.headers["x-seconds"]), abs=0.05)
    return duration, heard


def sentence(page: Any, words: str) -> Any:
    return page.locator("li.sentence", has_text=words).first
