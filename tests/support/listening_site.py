"""The small guide the page's browser tests listen to, built once per test session.

Built with the real speech engine (espeak-ng): a first episode over a minute long, so a
position past 60 s can be kept, and a short second one to follow it. The same built
folder is opened as `file://` and served on 127.0.0.1 by a thread of the test process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audioguide.build.report import BuildReport
from audioguide.build.stages import build
from support.browser import Visit, chromium, serve, visit, wait_for_players

GUIDE = """\
title: Night Feeds
description: A short guide for the tests of the page.
author: Test Clinic
language: en-US
date: 2026-11-25
source:
  title: Notes for the tests
  author: A. Writer
  date: November 2026
credit: Written for the tests.
"""

LONG = """\
id: long-night
title: The long night
summary: Over a minute, so a parent can stop past the first minute.
segments:
  - chapter: Before
  - say: |
      {before}
  - chapter: After
  - say: |
      {after}
"""

SHORT = """\
id: morning
title: Morning
summary: What comes next.
segments:
  - say: Good morning. This episode is short.
"""

SENTENCES = [
    f"This is sentence number {n}, which says a little about feeding at night and sleep."
    for n in range(1, 17)
]


def build_listening_guide(root: Path) -> BuildReport:
    """The guide built into `root` with espeak-ng: see conftest's `listening_guide`."""
    scripts = root / "scripts"
    (scripts / "episodes").mkdir(parents=True)
    (scripts / "guide.yaml").write_text(GUIDE, encoding="utf-8")
    long = LONG.format(before=" ".join(SENTENCES[:8]), after=" ".join(SENTENCES[8:]))
    (scripts / "episodes" / "01-long-night.yaml").write_text(long, encoding="utf-8")
    (scripts / "episodes" / "02-morning.yaml").write_text(SHORT, encoding="utf-8")
    report = build(scripts, root / "out", cache_dir=root / "cache")
    assert report.episodes[0].seconds > 65, "the first episode must run past 61 s"
    return report


@pytest.fixture(scope="module")
def built(listening_guide: BuildReport) -> BuildReport:
    """The session's build (conftest's `listening_guide`): read it, or copy it first."""
    return listening_guide


@pytest.fixture(scope="module")
def site(built: BuildReport) -> Iterator[str]:
    with serve(built.output) as url:
        yield url


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("profile")) as browser_context:
        yield browser_context


@pytest.fixture(params=["file", "http"])
def url(request: pytest.FixtureRequest, built: BuildReport) -> str:
    if request.param == "file":
        return (built.output / "index.html").as_uri()
    return str(request.getfixturevalue("site")) + "index.html"


def fresh_visit(context: Any, url: str) -> Visit:
    """A visit with nothing remembered from earlier tests (positions, settings)."""
    seen = visit(context, url)
    seen.page.evaluate("localStorage.clear()")
    seen.page.reload()
    wait_for_players(seen.page)
    return seen


def close(seen: Visit, url: str) -> None:
    """The page made no errors and asked nothing of any origin but its own."""
    origin = re.match(r"(file://|https?://[^/]+/)", url)
    assert origin
    assert seen.errors == []
    assert seen.requests and all(r.startswith(origin[1]) for r in seen.requests), seen.requests
    seen.page.close()


def now(page: Any, player: str = "episode-01-player") -> float:
    return float(page.evaluate(f"document.getElementById('{player}').currentTime"))


def wait_playing(page: Any, player: str = "episode-01-player") -> None:
    page.wait_for_function(
        f"() => (a => !a.paused && a.readyState >= 2)(document.getElementById('{player}'))",
        timeout=15_000,
    )


def seek(page: Any, seconds: float, player: str = "episode-01-player") -> None:
    page.locator(f"#{player}").evaluate(
        "(a, t) => new Promise(r => { a.addEventListener('seeked', r, {once: true});"
        " a.currentTime = t; })",
        seconds,
    )
