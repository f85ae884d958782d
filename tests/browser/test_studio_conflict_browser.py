"""A conflict as staff meet it, in Chromium against the real `audioguide studio`: two
tabs edit one sentence, both save; the second is shown both versions side by side, its
typed text intact, and chooses. Then: leaving with unsaved text asks first, and an open
page says so when the studio stops."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.browser import DESKTOP, axe_violations, chromium
from support.studio import REPO, Studio, running_studio

EPISODE = "episode/_/welcome"
OLD = "Each episode is short."


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Studio]:
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    with running_studio(tmp_path) as running:
        yield running


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with chromium(tmp_path / "profile", viewport=DESKTOP) as context:
        yield context


def open_tab(browser: Any, studio: Studio) -> Any:
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    page.goto(studio.url + EPISODE)
    page.wait_for_selector("h1#episode")
    return page


def edit(page: Any, words: str) -> Any:
    row = page.locator("li.sentence", has_text=OLD).first
    row.get_by_role("button", name="Edit").click()
    row.get_by_role("textbox").fill(words)
    return row


def status_text(page: Any) -> str:
    page.wait_for_function("() => document.getElementById('status').textContent.trim() !== ''")
    return str(page.locator("#status").inner_text())


def test_two_tabs_save_one_sentence_and_nothing_is_lost(studio: Studio, browser: Any) -> None:
    path = studio.scripts / "episodes/01-welcome.yaml"
    first, second = open_tab(browser, studio), open_tab(browser, studio)
    mine = edit(second, "Each episode is brief, so you can listen on the bus.")
    edit(first, "Each episode is short and clear.")
    with first.expect_navigation():
        first.locator("li.sentence", has_text=OLD).get_by_role("button", name="Save").click()
    assert "Saved the sentence" in status_text(first)
    theirs = path.read_text()
    assert "Each episode is short and clear." in theirs
    # The second tab, still open on the old text (it does not reload under the typing).
    mine.get_by_role("button", name="Save").click()
    conflict = second.locator(".conflict")
    conflict.wait_for()
    said = status_text(second)
    assert said.startswith("Not saved: ") and "changed by someone else" in said
    assert "409" not in said and "answered" not in said
    versions = conflict.locator("figure")
    assert versions.count() == 2
    assert "so you can listen on the bus" in versions.nth(0).inner_text()
    assert "Each episode is short and clear." in versions.nth(1).inner_text()
    # Side by side on a desktop, and nothing typed is lost.
    one, two = versions.nth(0).bounding_box(), versions.nth(1).bounding_box()
    assert abs(one["y"] - two["y"]) < 2 and two["x"] > one["x"] + one["width"] - 1
    assert mine.get_by_role("textbox").first.input_value().endswith("listen on the bus.")
    assert path.read_text() == theirs  # the first tab's save is still there
    # The status is where the eye is (inside the window), and is announced.
    box = second.locator("#status").bounding_box()
    assert 0 <= box["y"] <= DESKTOP["height"] - box["height"]
    assert second.locator("#status").get_attribute("aria-live") == "polite"
    assert axe_violations(second) == []
    second.screenshot(path="/tmp/audioguide-studio-conflict-1280.png", full_page=False)
    # Merge by hand: both edits end up in the file.
    merged = "Each episode is short and clear, so you can listen on the bus."
    conflict.get_by_label("Merge by hand").fill(merged)
    with second.expect_navigation():
        conflict.get_by_role("button", name="Save the merged text").click()
    assert merged in path.read_text() and "Saved the text" in status_text(second)
    assert first.problems == [] and second.problems == []


def test_keep_mine_and_keep_theirs(studio: Studio, browser: Any) -> None:
    path = studio.scripts / "episodes/01-welcome.yaml"
    page = open_tab(browser, studio)
    row = edit(page, "Each episode is mine.")
    path.write_text(path.read_text().replace(OLD, "Each episode is theirs."))
    row.get_by_role("button", name="Save").click()
    page.locator(".conflict").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Keep mine").click()
    assert "Each episode is mine." in path.read_text()
    assert "Each episode is theirs." not in path.read_text()
    row = page.locator("li.sentence", has_text="Each episode is mine.").first
    row.get_by_role("button", name="Edit").click()
    row.get_by_role("textbox").fill("Each episode is mine again.")
    path.write_text(path.read_text().replace("Each episode is mine.", "Each episode is theirs."))
    row.get_by_role("button", name="Save").click()
    page.locator(".conflict").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Keep theirs").click()
    assert "Each episode is theirs." in path.read_text()
    assert page.locator("li.sentence", has_text="Each episode is theirs.").count() == 1
    # What was not saved is still shown after the reload, until dismissed.
    kept = page.locator(".kept")
    assert "Each episode is mine again." in kept.inner_text()
    assert axe_violations(page) == []
    kept.get_by_role("button", name="Dismiss").click()
    assert page.locator(".kept").count() == 0


def test_leaving_with_unsaved_text_asks_and_a_stopped_studio_is_said(
    studio: Studio, browser: Any
) -> None:
    page = open_tab(browser, studio)
    edit(page, "Typed and not saved.")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.evaluate("() => { location.href = '/'; }")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith(EPISODE)  # stayed: the text is still there
    studio.process.send_signal(signal.SIGINT)
    studio.process.communicate(timeout=30)
    banner = page.locator("#stopped")
    banner.wait_for(state="visible", timeout=10_000)
    assert "studio has stopped" in banner.inner_text()
    page.locator("li.sentence", has_text=OLD).get_by_role("button", name="Save").click()
    assert "not answering" in status_text(page)
    field = page.locator("li.sentence", has_text=OLD).get_by_role("textbox")
    assert field.input_value() == "Typed and not saved."


def test_names_new_parts_and_a_broken_file_are_fixed_in_the_page(
    studio: Studio, browser: Any
) -> None:
    path = studio.scripts / "episodes/01-welcome.yaml"
    page = open_tab(browser, studio)
    assert axe_violations(page) == []
    summary = "Welcome: what this guide is, and how to listen to it."
    page.get_by_role("textbox", name="Summary").fill(summary)
    with page.expect_navigation():
        page.get_by_role("button", name="Save summary").click()
    assert f'summary: "{summary}"\n' in path.read_text()
    assert "Saved the summary" in status_text(page)
    page.get_by_role("button", name="Rename this chapter: Before we begin").click()
    page.get_by_label("Name of the chapter").locator("visible=true").fill("Before you begin")
    with page.expect_navigation():
        page.locator(".segment.chapter .edit:not([hidden])").get_by_role(
            "button", name="Save"
        ).click()
    assert "  - chapter: Before you begin\n" in path.read_text()
    heading = page.locator(".segment.chapter", has_text="A guide for busy moments")
    heading.get_by_role("button", name="Add a part below").click()
    heading.get_by_role("textbox").fill("Take a breath first.")
    with page.expect_navigation():
        heading.get_by_role("button", name="Save").click()
    assert page.locator("li.sentence", has_text="Take a breath first.").count() == 1
    assert (
        "  - chapter: A guide for busy moments\n  - say: Take a breath first.\n" in path.read_text()
    )
    assert page.problems == []
    # A colon typed in a text editor breaks the file: the list offers to fix it here.
    broken = path.read_text().replace(f'"{summary}"', summary)
    page.goto("about:blank")  # else the open page reloads by itself as the file changes
    path.write_text(broken)
    page.goto(studio.url)
    page.get_by_role("button", name="Fix episodes/01-welcome.yaml here").click()
    box = page.get_by_label("The whole of episodes/01-welcome.yaml")
    box.wait_for()  # visible once the file's text has arrived
    assert box.input_value() == broken
    box.fill(broken.replace(f"summary: {summary}", f"summary: '{summary}'"))
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert f"summary: '{summary}'" in path.read_text()
    page.get_by_role("link", name="Welcome", exact=True).wait_for()
    # A new episode, from the list: a draft after the last one, opened at once.
    page.get_by_text("Add an episode to Small Moments, Strong Roots").click()
    adding = page.locator(".new-episode").first
    adding.get_by_label("Title").fill("Sleep: the basics")
    adding.get_by_label("Summary (one sentence)").fill("How little ones sleep, and why it changes.")
    adding.get_by_label("Its first words").fill("Sleep changes a lot in the first year.")
    assert axe_violations(page) == []
    with page.expect_navigation():
        adding.get_by_role("button", name="Add the episode").click()
    page.wait_for_selector("h1#episode")
    assert page.locator("h1#episode").inner_text() == "Sleep: the basics"
    assert "Added the episode 10-sleep-the-basics.yaml" in status_text(page)
    assert (studio.scripts / "episodes/10-sleep-the-basics.yaml").is_file()
    page.goto(studio.url)
    with page.expect_navigation():
        page.get_by_role("button", name="Move Welcome later").click()
    assert "Moved Welcome" in status_text(page)
    assert (studio.scripts / "episodes/02-welcome.yaml").is_file()
    assert (studio.scripts / "episodes/01-what-it-means.yaml").is_file()
    titles = page.locator("table.episodes").first.locator("tbody tr td:nth-child(2)")
    assert titles.nth(1).inner_text() == "Welcome"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/audioguide-studio-fixed-390.png", full_page=True)
    # Nothing is cut at a phone's width: the list, and an episode with every box open.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(studio.url + "episode/_/welcome")
    page.evaluate("[...document.querySelectorAll('.edit')].forEach(e => { e.hidden = false; })")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
