"""What parents do on the page, in Debian's Chromium, from disk and from a web server.

The guide is tests/support/listening_site.py's, built once per session. The player bar, the
sleep timer, install, updates and reflow are tests/browser/test_page_player.py's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from support import listening_site
from support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    load_players,
    reload_until_stored,
    serve,
    visit,
    wait_for_players,
)
from support.listening_site import SENTENCES, close, fresh_visit

from audioguide.build.report import BuildReport
from audioguide.publish import publish

pytestmark = pytest.mark.e2e

# The guide's fixtures (built once per session).
built = listening_site.built
context = listening_site.context
site = listening_site.site
url = listening_site.url


def test_speed_applies_to_every_player_and_is_remembered(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    rates = "[...document.querySelectorAll('audio')].map(a => a.playbackRate)"
    assert page.evaluate(rates) == [1, 1]
    speeds = [f"{s}\u00d7" for s in ("0.5", "0.75", "1", "1.25", "1.5", "1.75", "2")]
    assert page.locator("#speed option").all_inner_texts() == speeds
    page.select_option("#speed", "1.5")
    assert page.evaluate(rates) == [1.5, 1.5]
    page.reload()
    wait_for_players(page)
    assert page.input_value("#speed") == "1.5"
    assert page.evaluate(rates) == [1.5, 1.5]
    page.select_option("#speed", "2")
    assert page.evaluate(rates) == [2, 2]
    page.select_option("#speed", "0.5")
    assert page.evaluate(rates) == [0.5, 0.5]
    page.select_option("#speed", "1")
    close(seen, url)


def playing(page: Any, player: str) -> float:
    """Wait until `player` plays; pause it and return where it is."""
    page.wait_for_function(
        f"() => (a => !a.paused && a.readyState >= 2)(document.getElementById('{player}'))",
        timeout=15_000,
    )
    script = f"(a => {{ a.pause(); return a.currentTime; }})(document.getElementById('{player}'))"
    return float(page.evaluate(script))


def test_position_is_kept_across_a_reload_and_can_start_over(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    load_players(page)
    player = page.locator("#episode-01-player")
    assert page.locator("#episode-01 .progress").is_hidden()
    player.evaluate(
        "a => new Promise(r => { a.addEventListener('seeked', r); a.currentTime = 61; })"
    )
    reload_until_stored(page, "#episode-01 .progress")
    status = page.locator("#episode-01 .progress")
    assert status.is_visible() and status.inner_text().startswith("Stopped at 1:01")
    assert page.locator("#episode-02 .progress").is_hidden()
    # Played again on another visit, it starts a few seconds back: "where was I?"
    page.locator("#episode-01 .play").tap()
    assert playing(page, "episode-01-player") == pytest.approx(56, abs=0.5)
    page.locator("#episode-01 .restart").focus()
    page.keyboard.press("Enter")
    assert player.evaluate("a => a.currentTime") == 0
    assert status.is_hidden()
    # The button is gone with what it cleared; the keyboard stays on the episode.
    assert page.evaluate("document.activeElement.closest('section').id") == "episode-01"
    assert page.evaluate("document.activeElement.classList.contains('play')")
    page.reload()
    wait_for_players(page)
    assert status.is_hidden()
    page.locator("#episode-01 .play").tap()
    assert playing(page, "episode-01-player") < 1
    close(seen, url)


def test_seeking_into_a_cue_marks_its_sentence(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    load_players(page)
    cues = page.locator("#episode-01 span[data-start]")
    # Every sentence of the first episode has its cue, in order, as in the VTT.
    assert cues.count() >= len(SENTENCES)
    times = [
        (float(c.get_attribute("data-start") or "nan"), float(c.get_attribute("data-end") or "nan"))
        for c in cues.all()
    ]
    assert times == sorted(times) and all(s < e for s, e in times)
    marked = "#episode-01 span[aria-current='true']"
    assert page.locator(marked).count() == 0
    for index in (3, 11):
        start, end = times[index]
        page.locator("#episode-01-player").evaluate(
            f"a => {{ a.currentTime = {(start + end) / 2}; }}"
        )
        page.wait_for_function(
            "el => el.getAttribute('aria-current') === 'true'",
            arg=cues.nth(index).element_handle(),
            timeout=5_000,
        )
        assert page.locator(marked).count() == 1
    # A tap on a sentence plays from its start.
    cues.nth(5).scroll_into_view_if_needed()
    page.locator("#episode-01 details summary").click()
    cues.nth(5).tap()
    now = page.locator("#episode-01-player").evaluate("a => { a.pause(); return a.currentTime; }")
    assert now == pytest.approx(times[5][0], abs=0.3)
    assert cues.nth(5).get_attribute("aria-current") == "true"
    close(seen, url)


def _near_the_end(page: Any) -> None:
    # A tap first: browsers let a page start playing only after the user has touched it.
    page.locator("#episode-01 .chapters button").last.tap()
    page.wait_for_function(
        "() => document.getElementById('episode-01-player').readyState >= 1", timeout=15_000
    )
    page.locator("#episode-01-player").evaluate("a => { a.currentTime = a.duration - 0.5; }")
    page.wait_for_function(
        "() => document.getElementById('episode-01-player').ended", timeout=15_000
    )


def test_the_end_of_an_episode_starts_the_next(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    _near_the_end(page)
    page.wait_for_function(
        "() => (a => !a.paused && a.currentTime > 0)(document.getElementById('episode-02-player'))",
        timeout=15_000,
    )
    page.locator("#episode-02-player").evaluate("a => a.pause()")
    assert page.locator("#episode-01 .progress .status").inner_text() == "✓ Heard"
    # Turned off, the guide stops after the episode, and the setting is kept.
    page.locator("#autoplay").uncheck()
    page.reload()
    wait_for_players(page)
    assert not page.locator("#autoplay").is_checked()
    assert page.locator("#episode-01 .progress .status").inner_text() == "✓ Heard"
    page.locator("#episode-02-player").evaluate("a => { a.currentTime = 0; }")
    _near_the_end(page)
    page.wait_for_timeout(500)  # no timing is measured: only time for a wrong start
    assert page.locator("#episode-02-player").evaluate("a => a.paused && a.currentTime === 0")
    page.locator("#autoplay").check()
    close(seen, url)


def test_length_agrees_with_the_player(context: Any, url: str, built: BuildReport) -> None:
    seen = visit(context, url)
    page = seen.page
    shown = page.locator(".length .clock").all_inner_texts()  # from the build, no audio yet
    load_players(page)
    assert page.locator(".length .clock").all_inner_texts() == shown
    durations = page.evaluate("[...document.querySelectorAll('audio')].map(a => a.duration)")
    for duration, text, episode in zip(durations, shown, built.episodes, strict=True):
        assert duration == pytest.approx(episode.seconds, abs=0.1)
        whole = math.floor(duration)  # Chromium's player shows whole seconds, cut
        assert text == f"{whole // 60}:{whole % 60:02d}"
    close(seen, url)


def test_the_media_session_names_the_episode(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.locator("#episode-02 details summary").click()
    page.locator("#episode-02 span[data-start]").first.tap()
    page.wait_for_function("() => navigator.mediaSession.metadata", timeout=5_000)
    metadata = page.evaluate(
        "(m => [m.title, m.artist, m.album, m.artwork.map(a => a.src)])"
        "(navigator.mediaSession.metadata)"
    )
    page.wait_for_function("() => navigator.mediaSession.playbackState === 'playing'")
    page.locator("#episode-02-player").evaluate("a => a.pause()")
    page.wait_for_function("() => navigator.mediaSession.playbackState === 'paused'")
    assert metadata[:3] == ["Morning", "Test Clinic", "Night Feeds"]
    assert [src.rsplit("/", 1)[-1] for src in metadata[3]] == ["icon-192.png", "icon-512.png"]
    close(seen, url)


def test_from_disk_there_is_no_manifest_or_worker(context: Any, built: BuildReport) -> None:
    url = (built.output / "index.html").as_uri()
    seen = visit(context, url)
    assert seen.page.evaluate("document.querySelectorAll('link[rel=manifest]').length") == 0
    assert not any(r.endswith(("sw.js", "app.webmanifest")) for r in seen.requests)
    close(seen, url)


def keep_offline(page: Any) -> None:
    """Tap "keep every episode" and wait until the page says they are kept."""
    offer = page.locator("#keep")
    assert offer.inner_text().startswith("Keep every episode on this device")
    offer.tap()
    page.wait_for_function(
        "() => document.getElementById('offline-status').textContent.startsWith('Every episode')",
        timeout=30_000,
    )


def test_served_it_plays_offline_after_one_visit(context: Any, built: BuildReport) -> None:
    # A server of its own: another port is another origin, so no worker or stored copy
    # from the other tests is there before this first visit.
    with serve(built.output) as site:
        url = site + "index.html"
        seen = visit(context, url)
        page = seen.page
        assert page.evaluate("document.querySelector('link[rel=manifest]').href") == (
            site + "app.webmanifest"
        )
        # The worker takes the page over once it has stored the page's own files.
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
        keep_offline(page)
        close(seen, url)
    context.set_offline(True)
    try:
        # As a QR code links it: the query string is the same page, offline too.
        seen = visit(context, url + "?src=qr")
        page = seen.page
        assert page.evaluate("!!navigator.serviceWorker.controller")
        assert page.locator("h1").inner_text() == "Night Feeds"
        load_players(page)
        durations = page.evaluate("[...document.querySelectorAll('audio')].map(a => a.duration)")
        assert durations == pytest.approx([e.seconds for e in built.episodes], abs=0.1)
        # The stored copy answers byte ranges too: a seek far into the episode plays.
        player = page.locator("#episode-01-player")
        player.evaluate(
            "a => new Promise(r => { a.addEventListener('seeked', r); a.currentTime = 61; })"
        )
        assert player.evaluate("a => a.error") is None
        assert player.evaluate("a => a.currentTime") == pytest.approx(61, abs=0.05)
        close(seen, url + "?src=qr")
    finally:
        context.set_offline(False)


def test_a_rebuilt_episode_replaces_the_stored_one(
    context: Any, built: BuildReport, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built.output, out)
    episodes = [
        dataclasses.replace(
            e, **{k: out / getattr(e, k).relative_to(built.output) for k in ("mp3", "vtt", "txt")}
        )
        for e in built.episodes
    ]
    # Whether the page's stored copy holds `path` at `sha` (asked again for up to 30 s).
    held = (
        "async ([path, sha]) => { const name = 'audioguide ' + location.href.replace(/[^/]*$/, '');"
        " for (let i = 0; i < 300; i++) { const c = await caches.open(name);"
        " const r = await c.match('audioguide-held.json');"
        " if (r && (await r.json())[path] === sha) return true;"
        " await new Promise(done => setTimeout(done, 100)); } return false; }"
    )
    second = episodes[1].mp3.relative_to(out).as_posix()
    with serve(out) as site:
        url = site + "index.html"
        seen = visit(context, url)
        seen.page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
        keep_offline(seen.page)
        assert seen.page.evaluate(held, [second, sha256(episodes[1].mp3)])
        close(seen, url)
        # Episode 2 built again, and longer: the first episode's audio in its place.
        shutil.copyfile(episodes[0].mp3, episodes[1].mp3)
        longer = dataclasses.replace(episodes[1], seconds=episodes[0].seconds)
        publish(built.guide, [episodes[0], longer], out)
        seen = visit(context, url)
        # What the browser does on its own a moment after a visit: ask for sw.js again.
        seen.page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        # The parent chose to keep the guide offline: the new episode is kept unasked.
        assert seen.page.evaluate(held, [second, sha256(episodes[1].mp3)])
        close(seen, url)
    context.set_offline(True)
    try:
        seen = visit(context, url)
        load_players(seen.page)
        durations = seen.page.evaluate(
            "[...document.querySelectorAll('audio')].map(a => a.duration)"
        )
        assert durations == pytest.approx([episodes[0].seconds] * 2, abs=0.1)
        close(seen, url)
    finally:
        context.set_offline(False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_nothing(context: Any, url: str, viewport: dict[str, int], scheme: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size(viewport)
    load_players(page)
    # Everything the script shows, shown: a position, "continue", an open transcript, a
    # marked sentence, the sleep timer, the update notice.
    player = page.locator("#episode-01-player")
    player.evaluate(
        "a => new Promise(r => { a.addEventListener('seeked', r); a.currentTime = 30; })"
    )
    reload_until_stored(page, "#resume")
    load_players(page)
    assert page.locator("#resume").is_visible()
    player.evaluate(
        "a => new Promise(r => { a.addEventListener('seeked', r); a.currentTime = 30; })"
    )
    player.evaluate("a => a.dispatchEvent(new Event('pause'))")
    page.locator("details").first.evaluate("d => { d.open = true; }")
    page.select_option("#sleep", "end")
    page.evaluate("document.getElementById('update').hidden = false")
    assert page.locator("#episode-01 span[aria-current='true']").count() == 1
    assert page.locator("#episode-01 .progress").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert axe_violations(page) == []
    page.select_option("#sleep", "")
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="light")
    close(seen, url)


def test_every_control_is_reached_by_tab_with_visible_focus(context: Any, url: str) -> None:
    seen = fresh_visit(context, url)
    page = seen.page
    reached = []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.id || e.className || e.tagName, e.tagName, s.outlineStyle,"
            " parseFloat(s.outlineWidth)]; })()"
        )
        if focused[1] == "BODY":
            break
        reached.append(focused[0])
        assert focused[2] != "none" and focused[3] >= 2, focused
        # Never hidden behind the bar at the bottom of the screen (WCAG 2.4.11).
        assert page.evaluate(
            "(e => e.closest('#bar') || e.getBoundingClientRect().bottom"
            " <= document.getElementById('bar').getBoundingClientRect().top + 1)"
            "(document.activeElement)"
        ), focused
    assert {"speed", "sleep", "back", "toggle", "forward", "autoplay", "big play"} <= set(reached)
    assert reached[0] == "skip"
    close(seen, url)
