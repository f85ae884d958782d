"""The most common YAML mistake as staff meet it, in Chromium against the real
`audioguide studio`: a colon typed into a summary in a text editor breaks one
episode file. The list names the file with check's error, another episode still
opens and plays, and the staff member fixes the file on its own page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import DESKTOP, axe_violations, chromium
from support.studio import REPO, Studio, keep_sounds, play, running_studio, sentence

SUMMARY = "What this guide is, where its ideas come from, and how to listen to it."
MISTAKE = "Welcome: what this guide is, where its ideas come from, and how to listen to it."
OTHER = "Mental health may not be the first thing you think of when you look at a tiny baby."


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Studio]:
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    path = tmp_path / "scripts/episodes/01-welcome.yaml"
    path.write_text(path.read_text().replace(f"summary: {SUMMARY}", f"summary: {MISTAKE}"))
    with running_studio(tmp_path) as running:
        yield running


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "profile", viewport=DESKTOP) as context:
        yield context


def test_a_colon_in_a_summary_is_fixed_while_another_episode_plays(
    studio: Studio, browser: Any
) -> None:
    path = studio.scripts / "episodes/01-welcome.yaml"
    broken = path.read_text()
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    sounds = keep_sounds(page)
    page.goto(studio.url)
    # The list: the broken file with check's line and hint, and the other episodes.
    fix = page.locator(".fix", has_text="episodes/01-welcome.yaml")
    said = fix.locator(".diagnostics li.error").inner_text()
    assert "episodes/01-welcome.yaml:3:10" in said and "put the whole text in quotes" in said
    assert "1 file of this guide does not load" in page.locator(".error-note").first.inner_text()
    assert page.get_by_role("link", name="Welcome", exact=True).count() == 0
    assert axe_violations(page) == []
    # Another episode opens and plays, as on any day.
    page.get_by_role("link", name="What infant and toddler mental health means").click()
    page.wait_for_selector("h1#episode")
    duration, _ = play(page, sounds, sentence(page, OTHER).get_by_role("button", name="Play"))
    assert 3.0 < duration < 12.0
    # From there to the broken file's page: its error, its whole text, a way back.
    page.get_by_role("link", name="episodes/01-welcome.yaml").click()
    page.wait_for_selector("h1#script")
    assert "does not load" in page.locator("h1").inner_text()
    assert "put the whole text in quotes" in page.locator(".diagnostics").inner_text()
    assert page.get_by_role("link", name="All episodes").is_visible()
    box = page.get_by_label("The whole of episodes/01-welcome.yaml")
    assert box.input_value() == broken
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/audioguide-studio-broken-1280.png", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/audioguide-studio-broken-390.png", full_page=False)
    page.set_viewport_size(DESKTOP)
    # The staff member quotes the summary, as the hint says, and saves.
    box.fill(broken.replace(f"summary: {MISTAKE}", f'summary: "{MISTAKE}"'))
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("h1#episode")
    assert page.locator("h1#episode").inner_text() == "Welcome"
    page.wait_for_function("() => document.getElementById('status').textContent.trim() !== ''")
    assert "Saved episodes/01-welcome.yaml." in page.locator("#status").inner_text()
    assert f'summary: "{MISTAKE}"\n' in path.read_text()
    assert page.locator(".error-note").count() == 0
    # The fixed episode plays too, and the list is whole again.
    duration, _ = play(
        page, sounds, sentence(page, "Hello, and welcome.").get_by_role("button", name="Play")
    )
    assert 0.5 < duration < 4.0
    page.get_by_role("link", name="All episodes").click()
    page.get_by_role("link", name="Welcome", exact=True).wait_for()
    assert page.locator(".fix").count() == 0
    assert problems == []
