"""The page as a podcast app for one hand in the dark: the player bar, skips, the sleep
timer, "continue", a light first load, install, updates, reflow and the keyboard.

In Debian's Chromium, from disk and over http, on tests/support/listening_site.py's guide.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import listening_site
from support.browser import PHONE, serve, visit, wait_for_players
from support.listening_site import close, fresh_visit, now, seek, wait_playing

from audioguide.build.report import BuildReport
from audioguide.publish import publish
from audioguide.publish.page import page_version

pytestmark = pytest.mark.e2e

# The guide's fixtures (built once per session).
built = listening_site.built
context = listening_site.context
site = listening_site.site
url = listening_site.url

# Records the lock screen's action handlers as the page sets them, so a test can press
# "seek forward" or "previous" as a phone's lock screen would.
CAPTURE_ACTIONS = """
window.lockScreen = {};
if (navigator.mediaSession) {
  const set = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.lockScreen[action] = handler;
    set(action, handler);
  };
}
"""


def inside_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.locator(selector).evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.left >= 0"
            " && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 0; }"
        )
    )


def test_the_bar_stays_in_reach_and_pauses_from_anywhere(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    assert page.locator("#bar").is_visible()
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    assert page.locator("#now-title").inner_text() == "Episode 1: The long night"
    assert page.locator("#toggle").inner_text() == "Pause"
    # The parent scrolls to the last episode: the bar is still there, at the bottom.
    page.locator("footer").scroll_into_view_if_needed()
    assert page.evaluate("scrollY") > 500
    for control in ("#back", "#toggle", "#forward", "#speed", "#sleep", "#seek"):
        assert inside_viewport(page, control), control
    # Within a thumb's reach: every button in the lower part of the screen, 44 px or more.
    boxes = page.evaluate(
        "[...document.querySelectorAll('#bar button, #bar select')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.top, r.width, r.height]; })"
    )
    assert len(boxes) == 5
    assert all(top > PHONE["height"] * 0.6 and w >= 44 and h >= 44 for top, w, h in boxes), boxes
    page.locator("#toggle").tap()
    page.wait_for_function("() => document.getElementById('toggle').textContent === 'Play'")
    assert page.evaluate("document.getElementById('episode-01-player').paused")
    # Nothing in the page hides behind the bar: the end of the page scrolls clear of it.
    page.evaluate("scrollTo(0, document.body.scrollHeight)")
    footer = page.locator("footer").bounding_box()
    bar = page.locator("#bar").bounding_box()
    assert footer and bar and footer["y"] + footer["height"] <= bar["y"]
    close(seen, url)


def test_skips_move_back_15_and_forward_30_on_the_bar_and_lock_screen(
    context: Any, url: str
) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.add_init_script(CAPTURE_ACTIONS)
    page.reload()
    wait_for_players(page)
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    page.locator("#episode-01-player").evaluate("a => a.pause()")
    seek(page, 20)
    page.locator("#forward").tap()
    assert now(page) == pytest.approx(50, abs=0.1)
    page.locator("#back").tap()
    assert now(page) == pytest.approx(35, abs=0.1)
    assert page.locator("#now-time").inner_text().startswith("0:35 / 1:")
    # The lock screen skips the same, whatever offset the system suggests.
    page.evaluate("lockScreen.seekforward({action: 'seekforward', seekOffset: 10})")
    assert now(page) == pytest.approx(65, abs=0.1)
    page.evaluate("lockScreen.seekbackward({action: 'seekbackward', seekOffset: 10})")
    assert now(page) == pytest.approx(50, abs=0.1)
    # "Previous" past the first seconds starts this episode again, not the one before.
    page.evaluate("lockScreen.previoustrack({action: 'previoustrack'})")
    wait_playing(page)
    assert now(page) < 2
    page.evaluate("lockScreen.nexttrack({action: 'nexttrack'})")
    wait_playing(page, "episode-02-player")
    assert page.evaluate("document.getElementById('episode-01-player').paused")
    page.evaluate("lockScreen.previoustrack({action: 'previoustrack'})")  # within 3 s
    wait_playing(page)
    page.evaluate("lockScreen.pause({action: 'pause'})")
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"
    close(seen, url)


def test_continue_plays_the_right_episode_at_the_right_second(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    assert page.locator("#resume").is_hidden()
    page.locator("#episode-01 .play").tap()
    wait_playing(page)
    page.locator("#episode-01-player").evaluate("a => a.pause()")
    seek(page, 61.4)
    page.evaluate("document.getElementById('episode-01-player').dispatchEvent(new Event('pause'))")
    page.wait_for_timeout(300)  # local storage reaches the next document a moment later
    close(seen, url)
    seen = visit(context, url)  # a new visit, in a new tab, at the top of the page
    page = seen.page
    resume = page.locator("#resume")
    assert resume.inner_text() == "Continue: Episode 1 at 1:01"
    assert inside_viewport(page, "#resume")  # on the first screen
    assert page.locator("#now-title").inner_text() == "Episode 1: The long night"
    resume.tap()
    wait_playing(page)
    # A few seconds back, to pick up the thread.
    assert page.evaluate(
        "(a => { a.pause(); return a.currentTime; })(document.getElementById('episode-01-player'))"
    ) == pytest.approx(56.4, abs=0.5)
    assert resume.is_hidden()
    assert page.evaluate("document.getElementById('episode-02-player').paused")
    close(seen, url)


def test_nothing_is_fetched_before_a_tap_on_a_slow_line(context: Any, built: BuildReport) -> None:
    sent: dict[str, int] = {}
    with serve(built.output, sent) as site:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # 1.6 Mbit/s down, 750 kbit/s up, 150 ms: Chrome's "slow 4G" of a rural night.
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 150,
                "downloadThroughput": 200_000,
                "uploadThroughput": 93_750,
            },
        )
        page.goto(site + "index.html", wait_until="load")
        wait_for_players(page)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
        page.wait_for_timeout(2_000)  # no timing is measured: time for a stray download
        audio = sum(n for path, n in sent.items() if path.endswith(".mp3"))
        assert audio < 300_000, sent
        assert audio == 0  # preload="none", and the worker keeps no episode unasked
        size = sum(p.stat().st_size for p in (built.output / "episodes").glob("*.mp3"))
        offer = page.locator("#keep").inner_text()
        assert offer.endswith(f"({size / 1e6:.1f} MB)"), offer
        page.locator("#keep").tap()
        page.wait_for_function(
            "() => document.getElementById('offline-status').textContent.startsWith('Every')",
            timeout=60_000,
        )
        assert sum(n for path, n in sent.items() if path.endswith(".mp3")) == size
        page.close()


def test_from_disk_no_audio_is_read_before_a_tap(context: Any, built: BuildReport) -> None:
    url = (built.output / "index.html").as_uri()
    seen = visit(context, url)
    seen.page.wait_for_timeout(1_000)  # no timing is measured: time for a stray read
    assert not [r for r in seen.requests if r.split("?")[0].endswith(".mp3")]
    assert seen.page.locator("#offline").is_hidden()  # no worker from disk: not offered
    seen.page.locator("#episode-02 .play").tap()
    wait_playing(seen.page, "episode-02-player")
    assert [r for r in seen.requests if r.split("?")[0].endswith(".mp3")]
    close(seen, url)


def test_chromium_finds_it_installable(context: Any, built: BuildReport) -> None:
    with serve(built.output) as site:
        seen = visit(context, site + "index.html")
        page = seen.page
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"] == site + "app.webmanifest"
        themes = page.evaluate(
            "[...document.querySelectorAll('meta[name=theme-color]')]"
            ".map(m => [m.media, m.content])"
        )
        assert themes == [
            ["(prefers-color-scheme: light)", "#1f5f8b"],
            ["(prefers-color-scheme: dark)", "#151b20"],
        ]
        close(seen, site + "index.html")


def _rebuilt(built: BuildReport, out: Path) -> str:
    """Episode 2 of the copy in `out` built again (episode 1's audio in its place)."""
    episodes = [
        dataclasses.replace(
            e, **{k: out / getattr(e, k).relative_to(built.output) for k in ("mp3", "vtt", "txt")}
        )
        for e in built.episodes
    ]
    shutil.copyfile(episodes[0].mp3, episodes[1].mp3)
    longer = dataclasses.replace(episodes[1], seconds=episodes[0].seconds)
    publish(built.guide, [episodes[0], longer], out)
    return page_version((out / "index.html").read_text(encoding="utf-8"))


def test_after_a_rebuild_an_open_page_says_so_and_reloads(
    context: Any, built: BuildReport, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built.output, out)
    old = page_version((out / "index.html").read_text(encoding="utf-8"))
    version = "document.documentElement.dataset.version"
    with serve(out) as site:
        url = site + "index.html"
        first = visit(context, url)
        first.page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
        assert first.page.evaluate(version) == old
        assert first.page.locator("#update").is_hidden()
        new = _rebuilt(built, out)
        assert new != old
        # Another visit: the browser looks for a new worker, which tells every open page.
        second = visit(context, url)
        for seen in (first, second):
            if seen.page.evaluate(version) != new:
                seen.page.locator("#update").wait_for(state="visible", timeout=10_000)
                assert "new version" in seen.page.locator("#update").inner_text()
        second.page.locator("#reload").tap()
        second.page.wait_for_load_state()
        wait_for_players(second.page)
        assert second.page.evaluate(version) == new
        assert second.page.locator("#update").is_hidden()
        # The old page plays nothing against its old times: a tap loads the new page.
        assert first.page.evaluate(version) == old
        first.page.locator("#episode-02 .play").tap()
        first.page.wait_for_function(f"() => {version} === '{new}'", timeout=10_000)
        close(second, url)
        close(first, url)


@pytest.mark.parametrize("zoom", ["text 200%", "page 400%"])
def test_it_reflows_at_200_percent_text_and_400_percent_zoom(
    context: Any, url: str, zoom: str
) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    if zoom == "text 200%":
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        width = PHONE["width"]
    else:
        # 400 % of a 1280x1024 desktop window: a 320x256 CSS px viewport (WCAG 1.4.10).
        width = 320
        page.set_viewport_size({"width": 320, "height": 256})
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # No text spills out of its box (chapter titles in their buttons, above all).
    spilled = page.evaluate(
        "[...document.querySelectorAll('button, a, select, h1, h2, p, li')]"
        ".filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.outerHTML.slice(0, 80))"
    )
    assert spilled == []
    # The bar's buttons stay on screen and leave most of it to the page.
    for control in ("#back", "#toggle", "#forward"):
        assert inside_viewport(page, control), control
    bar = page.locator("#bar").bounding_box()
    assert bar and bar["height"] <= page.viewport_size["height"] * 0.6
    page.set_viewport_size(PHONE)
    page.evaluate("document.documentElement.style.fontSize = ''")
    close(seen, url)


def test_the_transcript_and_the_episodes_are_reached_by_keyboard(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.keyboard.press("Tab")
    skip = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
    assert skip == ["skip", "Skip to the episodes"]
    assert inside_viewport(page, ".skip")  # shown when focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the index's first episode, then the second
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#episode-02"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#episode-02"
    # Into episode 1's transcript: open it, then a sentence is a button; Enter plays it.
    page.locator("#episode-01 summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(e => [e.getAttribute('role'), e.className, Number(e.dataset.start)])"
        "(document.activeElement)"
    )
    assert focused[:2] == ["button", "cue"]
    page.keyboard.press("Enter")
    wait_playing(page)
    assert now(page) == pytest.approx(focused[2], abs=0.5)
    page.keyboard.press("Tab")
    page.keyboard.press(" ")
    second = page.evaluate("Number(document.activeElement.dataset.start)")
    assert second > focused[2]
    page.wait_for_function(
        f"() => document.getElementById('episode-01-player').currentTime >= {second - 0.3}"
    )
    page.locator("#episode-01-player").evaluate("a => a.pause()")
    close(seen, url)


def test_without_javascript_it_is_a_readable_list(context: Any, built: BuildReport) -> None:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    page.goto((built.output / "index.html").as_uri())
    assert page.evaluate("1 + 1") == 2  # (Playwright's own evaluation still runs)
    assert page.locator("#bar").is_hidden() and page.locator(".play").first.is_hidden()
    assert page.locator("#settings").is_hidden()
    players = page.locator("audio")
    assert players.count() == 2 and players.first.is_visible()
    assert page.evaluate("[...document.querySelectorAll('audio')].every(a => a.controls)")
    assert page.locator(".index a").all_inner_texts() == ["The long night", "Morning"]
    assert page.locator("#episode-01 .length").inner_text().startswith("Length: 1:")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()
