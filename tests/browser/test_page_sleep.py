"""The sleep timer, driven by Playwright's fake clock, from disk and over http.

A module of its own: the clock is installed for a whole browser context, so these tests
have a browser of their own (tests/support/listening_site.py's guide, built once per session).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support import listening_site
from support.browser import chromium
from support.listening_site import close, fresh_visit, now, seek, wait_playing

pytestmark = pytest.mark.e2e

# The guide's fixtures (built once per session).
built = listening_site.built
site = listening_site.site
url = listening_site.url


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A browser of its own: a fake clock is installed for the whole context."""
    with chromium(tmp_path_factory.mktemp("clocked")) as browser_context:
        browser_context.clock.install()
        yield browser_context


def test_the_sleep_timer_fades_and_pauses_keeping_the_place(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    seek(page, 20)
    page.select_option("#sleep", "15")
    assert page.locator("#sleep-left").inner_text() == "Sleep in 15:00"
    page.clock.run_for("14:50")
    assert page.locator("#sleep-left").inner_text() == "Sleep in 0:10"
    assert not page.evaluate("document.getElementById('episode-01-player').paused")
    page.clock.run_for(5_000)  # in the fade-out: quieter, still playing
    volume = page.evaluate("document.getElementById('episode-01-player').volume")
    assert 0 < volume < 1
    page.clock.run_for(6_000)
    player = page.locator("#episode-01-player")
    assert player.evaluate("a => a.paused")
    assert player.evaluate("a => a.volume") == 1  # the next play is not silent
    assert page.input_value("#sleep") == ""
    # The place is kept, as for any pause.
    kept = page.evaluate("localStorage.getItem('audioguide:en-US:Night Feeds:position:long-night')")
    assert float(kept) == pytest.approx(now(page), abs=0.01) and float(kept) > 0
    close(seen, url)


def test_sleep_at_the_end_of_the_episode_does_not_start_the_next(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    assert page.locator("#autoplay").is_checked()
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    page.select_option("#sleep", "end")
    assert page.locator("#sleep-left").inner_text() == "Stops at the end of this episode"
    duration = page.evaluate("document.getElementById('episode-01-player').duration")
    seek(page, duration - 4)
    page.wait_for_function(
        "() => document.getElementById('episode-01-player').volume < 1", timeout=10_000
    )
    page.wait_for_function(
        "() => document.getElementById('episode-01-player').ended", timeout=15_000
    )
    page.wait_for_timeout(500)  # no timing is measured: only time for a wrong start
    assert page.evaluate(
        "(a => a.paused && a.currentTime === 0)(document.getElementById('episode-02-player'))"
    )
    assert page.input_value("#sleep") == ""
    assert page.evaluate("document.getElementById('episode-01-player').volume") == 1
    close(seen, url)


def test_after_a_long_pause_it_resumes_a_little_back(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    page.locator("#toggle").tap()
    page.wait_for_function("() => document.getElementById('episode-01-player').paused")
    seek(page, 40)
    page.locator("#toggle").tap()  # a short pause: on from where it stopped
    wait_playing(page)
    page.locator("#toggle").tap()
    page.wait_for_function("() => document.getElementById('episode-01-player').paused")
    assert now(page) == pytest.approx(40, abs=1)
    seek(page, 40)
    page.clock.run_for("06:00")  # the parent dozed off
    page.locator("#toggle").tap()
    wait_playing(page)
    assert now(page) == pytest.approx(35, abs=0.5)
    page.locator("#toggle").tap()
    close(seen, url)
