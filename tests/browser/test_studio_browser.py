"""The studio as staff use it: the real `audioguide studio` process on a copy of the
shipped guide, driven in Debian's Chromium by Playwright, checked with axe-core.

One loop, as a person works: open the guide, play a sentence, edit and save it, see a
mistake at its line, add a lexicon entry and hear the sentence again, build, and find
the rebuilt episode. Then what a foreign page cannot do, and Ctrl-C.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from support.browser import DESKTOP, PHONE, axe_violations, chromium
from support.files import copy_built, tree_hashes
from support.shipped import ShippedBuild
from support.studio import REPO, Studio, keep_sounds, play, running_studio, sentence, wav_seconds

SHOTS = Path(tempfile.gettempdir())
WIDE = DESKTOP
NOTE = "# Read aloud and checked by the clinic nurse.\n"


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, shipped: ShippedBuild) -> Iterator[Studio]:
    # A copy of the session's build of the shipped guide (never the repository's
    # scripts): staff open a guide they have built before, and its clips are spoken.
    root = copy_built(shipped.root, tmp_path_factory.mktemp("studio"))
    welcome = root / "scripts/episodes/01-welcome.yaml"
    welcome.write_text(NOTE + welcome.read_text())
    with running_studio(root) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), viewport=WIDE) as context:
        yield context


def no_axe_violations(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], found


def changed(before: str, after: str) -> list[tuple[str, str]]:
    pairs = zip(before.splitlines(), after.splitlines(), strict=True)
    return [(a, b) for a, b in pairs if a != b]


@pytest.mark.timeout(900)  # a build of both shipped editions is part of the loop
def test_staff_loop(studio: Studio, browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    # Chromium logs the refused lexicon entry's 422; and the published page, which the
    # studio shows sandboxed in an origin of its own, may not read navigator.serviceWorker
    # (its offline copy is for the page as served to families, not for the studio).
    expected = (
        "status of 422",
        "status of 409",
        "Service worker is disabled because the context is sandboxed",
    )
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not any(e in m.text for e in expected)
            else None
        ),
    )
    page.on(
        "pageerror",
        lambda e: None if any(x in str(e) for x in expected) else errors.append(str(e)),
    )
    sounds = keep_sounds(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(studio.url)
    episodes = len(
        list(studio.scripts.glob("episodes/*.yaml"))
        + list(studio.scripts.glob("es/episodes/*.yaml"))
    )
    assert page.locator("table.episodes tbody tr").count() == episodes  # both editions
    no_axe_violations(page)
    page.screenshot(path=str(SHOTS / "audioguide-studio-1280.png"), full_page=True)

    page.get_by_role("link", name="Welcome", exact=True).click()
    page.wait_for_selector("h1#episode")
    no_axe_violations(page)
    duration, data = play(
        page, sounds, sentence(page, "Hello, and welcome.").get_by_role("button", name="Play")
    )
    assert 0.5 < duration < 3.0 and duration == pytest.approx(wav_seconds(data), abs=0.05)

    _edit_and_save(page, studio, sounds)
    _mistakes_at_their_line(page, studio)
    _pronunciation_loop(page, studio, sounds)
    _listen_to_a_chapter(page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / "audioguide-studio-episode-390.png"), full_page=True)
    page.set_viewport_size(WIDE)
    _build_and_find_the_episode(page, studio)
    # Everything came from the studio itself (and the page's own sounds): no network.
    foreign = [u for u in requests if not u.startswith((studio.url, "blob:", "data:"))]
    assert requests and foreign == []
    assert errors == [], errors


def _edit_and_save(page: Any, studio: Studio, sounds: list[bytes]) -> None:
    path = studio.scripts / "episodes/01-welcome.yaml"
    before = path.read_text()
    row = sentence(page, "Each episode is short.")
    row.get_by_role("button", name="Edit").click()
    field = row.get_by_role("textbox")
    assert field.evaluate("e => e === document.activeElement")
    field.fill("Each episode is short, about three minutes.")
    heard, _ = play(page, sounds, row.get_by_role("button", name="Hear it"))
    assert heard > 1.5
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Saved')")
    after = path.read_text()
    assert changed(before, after) == [
        ("      Each episode is short.", "      Each episode is short, about three minutes.")
    ]
    assert after.startswith(NOTE)
    assert sentence(page, "about three minutes").count() == 1


def _mistakes_at_their_line(page: Any, studio: Studio) -> None:
    # A sentence over 35 words: saved, with check's warning beside its segment.
    path = studio.scripts / "episodes/01-welcome.yaml"
    row = sentence(page, "It was written by Jessica")
    row.get_by_role("button", name="Edit").click()
    long = (
        "It was written by Jessica Taylor-Pickford, who has worked with babies, toddlers, "
        "parents and caregivers for many years, in clinics, in homes, in schools and in "
        "hospitals, and who wrote this article so that every parent could read it in one "
        "sitting."
    )
    assert len(long.split()) > 35
    row.get_by_role("textbox").fill(long)
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "in one sitting" in line)
    segment = page.locator("li.segment", has=page.locator("li.sentence", has_text="one sitting"))
    warning = segment.locator(".diagnostics li.warning")
    assert warning.count() >= 1
    assert f"scripts/episodes/01-welcome.yaml:{number}:" in warning.first.inner_text()
    # A lexicon entry the loader refuses: the error at guide.yaml's line, nothing written.
    guide = studio.scripts / "guide.yaml"
    before = guide.read_bytes()
    page.get_by_label("Word", exact=True).fill("LCSW")
    page.get_by_label("Say it as").fill("LCSW")
    page.get_by_role("button", name="Add to the lexicon").click()
    # The word is in the lexicon already: a choice, not a silent replace.
    choice = page.locator("#lexicon-errors .conflict")
    choice.wait_for()
    assert "'LCSW' is already in the lexicon, said as 'L C S W'" in choice.inner_text()
    choice.get_by_role("button", name="Keep mine").click()
    alert = page.locator("#lexicon-errors li.error")
    alert.wait_for()
    line = next(
        i for i, text in enumerate(guide.read_text().splitlines(), 1) if "LCSW: L C S W" in text
    )
    assert f"scripts/guide.yaml:{line}:3: error: lexicon entry 'LCSW'" in alert.inner_text()
    assert guide.read_bytes() == before


def _pronunciation_loop(page: Any, studio: Studio, sounds: list[bytes]) -> None:
    page.reload()
    row = sentence(page, "parents and caregivers of babies and toddlers")
    _, first = play(page, sounds, row.get_by_role("button", name="Play"))
    # Select the word with the mouse, as staff would.
    text = row.locator(".text")
    text.evaluate(
        """e => { const t = e.firstChild, i = t.data.indexOf('toddlers');
                  const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 8);
                  const s = getSelection(); s.removeAllRanges(); s.addRange(r); }"""
    )
    page.wait_for_function("() => document.getElementById('word').value === 'toddlers'")
    page.get_by_label("Say it as").fill("tod lurz")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the lexicon").click()
    assert (studio.scripts / "guide.yaml").read_text().endswith("  toddlers: tod lurz\n")
    _, again = play(page, sounds, page.get_by_role("button", name="Hear it"))
    assert again != first  # the sentence, said with the new entry


def _listen_to_a_chapter(page: Any) -> None:
    page.get_by_role("button", name="Listen to this chapter: Before we begin").click()
    page.wait_for_function(
        "() => { const a = document.getElementById('player');"
        " return a.src.includes('/published/preview/') && a.readyState >= 1; }",
        timeout=60_000,
    )
    assert page.evaluate("document.getElementById('player').duration") > 20


def _build_and_find_the_episode(page: Any, studio: Studio) -> None:
    page.goto(studio.url)
    page.get_by_role("button", name="Build the guide").click()
    summary = page.locator("#build-summary")
    summary.wait_for(state="visible", timeout=600_000)
    text = summary.inner_text()
    assert "Published 9 of 9 episodes" in text, text
    assert re.search(r"01-welcome\.mp3 .* built", text)
    no_axe_violations(page)
    page.get_by_role("link", name="Open the published page").click()
    # The page's own buttons drive the players, which are hidden and fetch nothing until
    # asked (preload="none"): ask, as a tap would.
    page.wait_for_selector("audio", state="attached")
    page.evaluate("[...document.querySelectorAll('audio')].forEach(a => a.load())")
    page.wait_for_function(
        "() => [...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)",
        timeout=30_000,
    )
    players = page.evaluate(
        "[...document.querySelectorAll('audio')].map(a => [a.ariaLabel, a.error, a.duration])"
    )
    assert players[0][0] == "Episode 1: Welcome" and players[0][1] is None and players[0][2] > 60
    transcript = (studio.root / "output/episodes/01-welcome.txt").read_text()
    assert "Each episode is short, about three minutes." in transcript


def test_the_keyboard_alone_plays_a_sentence(studio: Studio, browser: Any) -> None:
    page = browser.new_page()
    page.goto(studio.url + "episode/_/attachment")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.action") == "play":
            break
    else:
        pytest.fail("no Play button is reachable with Tab")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert style[0] != "none" and style[1] >= 2
    with page.expect_response("**/api/speak"):
        page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1", timeout=15_000
    )
    page.close()


# --- safety, against the real server ------------------------------------------------------


def request(
    studio: Studio, method: str, path: str, headers: dict[str, str], body: Any = None
) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", studio.port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def token(studio: Studio) -> str:
    page = request(studio, "GET", "/", {"Host": f"127.0.0.1:{studio.port}"})
    assert page.status == 200
    connection = http.client.HTTPConnection("127.0.0.1", studio.port, timeout=30)
    connection.request("GET", "/", headers={"Host": f"127.0.0.1:{studio.port}"})
    html = connection.getresponse().read().decode()
    connection.close()
    found = re.search(r'name="studio-token" content="([^"]+)"', html)
    assert found
    return found.group(1)


def files(root: Path) -> dict[str, str]:
    return tree_hashes(root, skip=lambda p: ".audioguide-cache" in p.parts)


def test_a_foreign_page_cannot_drive_the_studio(studio: Studio) -> None:
    before = files(studio.root)
    host = f"127.0.0.1:{studio.port}"
    own = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
    change = {"edition": "_", "episode": "welcome", "status": "draft"}
    key = token(studio)
    assert request(studio, "GET", "/", {"Host": f"evil.example:{studio.port}"}).status == 421
    refused = [
        {**own, "X-Studio-Token": key, "Host": f"evil.example:{studio.port}"},
        {**own, "X-Studio-Token": key, "Origin": "http://evil.example"},
        {**own, "X-Studio-Token": key, "Origin": f"http://evil.example:{studio.port}"},
        own,  # no token
        {**own, "X-Studio-Token": key[:-1]},
    ]
    for headers in refused:
        answer = request(studio, "POST", "/api/status", headers, change)
        assert 400 <= answer.status < 500, headers
    for path in (
        "/published/../scripts/guide.yaml",
        "/published/%2e%2e/scripts/guide.yaml",
        "/published/..%2fscripts%2fguide.yaml",
        "/published/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/published/%2Fetc%2Fpasswd",
        "/published//etc/passwd",
        "/published/..%5c..%5cscripts%5cguide.yaml",
        f"/published/{studio.root}/scripts/guide.yaml",
        "/episode/..%2f..%2fscripts/guide",
    ):
        assert 400 <= request(studio, "GET", path, {"Host": host}).status < 500, path
    assert files(studio.root) == before


def test_one_studio_per_guide(studio: Studio) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "audioguide", "studio", "scripts", "--no-browser"],
        cwd=studio.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr.startswith(f"error: another studio (process {studio.process.pid})")
    assert second.stderr.count("\n") == 1


def speak_once(studio: Studio) -> None:
    """Have the studio say one sentence, so its speech engine runs (whatever ran before)."""
    from audioguide import load_guide
    from audioguide.model import Say

    welcome = next(e for e in load_guide(studio.scripts).episodes if e.id == "welcome")
    segment = next(i for i, s in enumerate(welcome.segments) if isinstance(s, Say))
    host = f"127.0.0.1:{studio.port}"
    headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
    said = {"edition": "_", "episode": "welcome", "segment": segment, "text": "Hello there."}
    answer = request(
        studio, "POST", "/api/speak", {**headers, "X-Studio-Token": token(studio)}, said
    )
    assert answer.status == 200


def test_ctrl_c_stops_it_with_nothing_left(studio: Studio) -> None:
    speak_once(studio)  # alone (-k ctrl_c), nothing else has started the engine
    process = psutil.Process(studio.process.pid)
    children = process.children(recursive=True)
    assert children, "the speech engine runs after a sentence was spoken"
    private = f".audioguide-*.*-{studio.process.pid}-*.tmp"  # the engine's private folder
    assert list(Path(tempfile.gettempdir()).glob(private))
    studio.process.send_signal(signal.SIGINT)
    out, _ = studio.process.communicate(timeout=30)
    assert studio.process.returncode == 0, out
    assert out.rstrip().endswith("Studio stopped.")
    assert [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []
    leftovers = [
        p
        for folder in (studio.root / "output", studio.root / ".audioguide-cache")
        for p in folder.rglob("*")
        if p.name.endswith(".tmp")  # temp files and private folders (trial copies)
    ]
    assert leftovers == []
    assert list(Path(tempfile.gettempdir()).glob(private)) == []
    assert os.path.exists(studio.root / "scripts/guide.yaml")


def test_it_opens_the_browser_and_leaves_it_open_on_ctrl_c(tmp_path: Path) -> None:
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "fake-browser"
    browser.write_text(f'#!/bin/sh\necho "$$ $1" > {opened}\nexec sleep 60\n')
    browser.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "audioguide", "studio", "scripts"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "BROWSER": f"{browser} %s"},
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    deadline = time.monotonic() + 30
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid, address = opened.read_text().split()
    assert address == url
    staff = psutil.Process(int(pid))  # the browser, as the staff's desktop would run it
    assert staff.pid not in {p.pid for p in psutil.Process(process.pid).children(recursive=True)}
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 0
    time.sleep(0.5)
    assert staff.is_running() and staff.status() != psutil.STATUS_ZOMBIE  # still open
    staff.kill()
