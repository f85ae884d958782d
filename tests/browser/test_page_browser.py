"""The published page in a real headless Chromium, opened straight from disk (file://).

Driven by Playwright's Python package against Debian's `chromium` (never a browser
Playwright downloads). Without Chromium these tests fail, naming the install command:
a page nobody has seen play is not a page we have tested.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import PHONE, Visit, chromium, load_players
from support.browser import visit as open_page
from support.publish_sample import build_episodes, write_guide

from audioguide.build.report import EpisodeResult
from audioguide.publish import publish

SCREENSHOT = Path(tempfile.gettempdir()) / "audioguide-page.png"
NASTY = "Tom & Jerry <b>bold</b> \"quoted\" 'single' <script>alert(1)</script>"


@dataclasses.dataclass
class Published:
    output: Path
    episodes: list[EpisodeResult]

    @property
    def url(self) -> str:
        return (self.output / "index.html").as_uri()


def _publish(root: Path, mp3s: Path, **options: Any) -> Published:
    guide = write_guide(root / "scripts")
    episodes = build_episodes(root / "out", mp3s, **options)
    publish(guide, episodes, root / "out")
    return Published(root / "out", episodes)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, tones: Path) -> Published:
    return _publish(tmp_path_factory.mktemp("page"), tones)


@pytest.fixture(scope="module")
def nasty(tmp_path_factory: pytest.TempPathFactory, tones: Path) -> Published:
    return _publish(
        tmp_path_factory.mktemp("nasty"),
        tones,
        titles={"first-steps": NASTY},
        summaries={"first-steps": NASTY},
    )


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as browser_context:
        yield browser_context


def visit(context: Any, site: Published) -> Visit:
    return open_page(context, site.url)


def test_page_loads_from_disk_without_errors_or_network(context: Any, published: Published):
    seen = visit(context, published)
    assert seen.errors == []
    assert seen.requests and all(url.startswith("file://") for url in seen.requests), seen.requests
    assert seen.page.evaluate("[...document.querySelectorAll('audio')].map(a => a.error)") == [
        None,
        None,
    ]
    # Our one script ran under the page's CSP (it marks nothing until played, but exists).
    assert seen.page.evaluate("document.scripts.length") == 1
    seen.page.close()


def test_each_player_knows_its_episode_duration(context: Any, published: Published):
    seen = visit(context, published)
    # Shown from the build, before any audio is fetched.
    lengths = seen.page.evaluate(
        "[...document.querySelectorAll('section')].map(s => Number(s.dataset.seconds))"
    )
    assert lengths == pytest.approx([e.seconds for e in published.episodes], abs=0.001)
    load_players(seen.page)
    players = seen.page.evaluate(
        "[...document.querySelectorAll('audio')].map(a => [a.duration, a.ariaLabel])"
    )
    assert len(players) == len(published.episodes)
    for (duration, label), episode in zip(players, published.episodes, strict=True):
        assert duration == pytest.approx(episode.seconds, abs=0.1)
        assert label == f"Episode {episode.number}: {episode.title}"
    seen.page.close()


def test_chapter_buttons_seek_their_player(context: Any, published: Published):
    seen = visit(context, published)
    page = seen.page
    buttons = page.locator("button[data-start]")
    assert buttons.count() == sum(len(e.chapters) for e in published.episodes)
    expected = [
        (f"episode-{e.number:02d}-player", m.start_ms / 1000)
        for e in published.episodes
        for m in e.chapters
    ]
    # Later chapters first, so each click really moves the player.
    for index in reversed(range(buttons.count())):
        player, start = expected[index]
        buttons.nth(index).click()
        now = page.evaluate(
            "id => { const a = document.getElementById(id); a.pause(); return a.currentTime; }",
            player,
        )
        assert now == pytest.approx(start, abs=0.1), (index, player)
        # The chapter being heard is marked for screen readers too.
        page.wait_for_function(
            "b => b.getAttribute('aria-current') === 'true'",
            arg=buttons.nth(index).element_handle(),
            timeout=5_000,
        )
    assert seen.errors == []
    page.close()


def test_chapters_work_from_the_keyboard_with_visible_focus(context: Any, published: Published):
    seen = visit(context, published)
    page = seen.page
    target = "More to say"
    for _ in range(60):  # Tab through the page as a keyboard user would
        page.keyboard.press("Tab")
        if target in page.evaluate("document.activeElement.textContent || ''"):
            break
    else:
        pytest.fail(f"the chapter button {target!r} is not reachable with Tab")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert focused[0] == "BUTTON" and focused[1] != "none" and focused[2] >= 2
    page.keyboard.press("Enter")
    now = page.evaluate(
        "(() => { const a = document.getElementById('episode-01-player');"
        " a.pause(); return a.currentTime; })()"
    )
    assert now == pytest.approx(1.2, abs=0.1)
    page.close()


def test_markup_in_titles_stays_text_in_the_browser(context: Any, nasty: Published):
    seen = visit(context, nasty)
    page = seen.page
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('main b').length") == 0
    assert page.evaluate("document.querySelector('#episode-01-title').textContent").endswith(NASTY)
    assert page.evaluate("document.querySelector('#episode-01-player').ariaLabel") == (
        f"Episode 1: {NASTY}"
    )
    assert seen.dialogs == [] and seen.errors == []
    page.close()


def test_page_fits_a_phone_and_screenshot(context: Any, published: Published):
    seen = visit(context, published)
    page = seen.page
    page.locator("details").first.evaluate("d => { d.open = true; }")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Tap targets: buttons at least 44 CSS px tall (WCAG 2.5.5 / Apple's HIG).
    heights = page.evaluate(
        "[...document.querySelectorAll('button, select')].filter(b => b.offsetParent)"
        ".map(b => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    page.close()
