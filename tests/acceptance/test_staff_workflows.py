"""What clinic staff do by hand, end to end through the real command line and real audio:
two guides in one working folder, an episode saved as .yml or by Notepad as .yaml.txt,
commands run from inside the guide folder, drafts and what a build publishes.

Nothing here may lose a file without a word: each test looks at the folders afterwards.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support.cli import run
from support.files import tree_hashes

from audioguide.build.places import default_cache, default_output, guide_folder

GUIDE = """\
title: {title}
author: Test Clinic
date: 2026-11-25
source: {{title: An Article, author: A. Writer, date: February 2021}}
"""


def episode(ep_id: str, said: str, status: str = "approved") -> str:
    return (
        f"id: {ep_id}\ntitle: {ep_id.title()}\nsummary: About {ep_id}.\nstatus: {status}\n"
        f"segments:\n  - chapter: Start\n  - say: {said}\n"
    )


def write(root: Path, title: str, episodes: dict[str, str]) -> Path:
    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE.format(title=title))
    for name, text in episodes.items():
        (root / "episodes" / name).write_text(text)
    return root


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding two guides, as staff keep them."""
    monkeypatch.delenv("AUDIOGUIDE_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "sleep",
        "Sleep",
        {
            "01-crib.yaml": episode("crib", "A bare crib is safest."),
            "02-naps.yml": episode("naps", "Naps are short at first.", status="draft"),
            "03-night.yaml.txt": episode("night", "Nights get longer."),
            "01-crib.yaml~": "an editor's backup",
            ".#01-crib.yaml": "an editor's lock",
        },
    )
    write(tmp_path / "feeding", "Feeding", {"01-milk.yaml": episode("milk", "Milk first.")})
    return tmp_path


def test_default_places_follow_the_guide_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert guide_folder(None) == Path("scripts")
    assert default_output(Path("scripts")) == Path("output")  # the shipped layout
    assert default_output(Path("sleep")) == Path("sleep-output")
    assert default_output(Path("guides/sleep/")) == Path("guides/sleep-output")
    assert default_cache(Path("guides/sleep")) == Path("guides/.audioguide-cache")
    (tmp_path / "sleep").mkdir()
    (tmp_path / "sleep" / "guide.yaml").write_text("title: x\n")
    monkeypatch.chdir(tmp_path / "sleep")
    assert guide_folder(None) == Path(".")
    assert default_output(Path(".")) == Path("../sleep-output")
    assert default_cache(Path(".")) == Path("../.audioguide-cache")


def test_a_yml_episode_is_read_and_a_notepad_copy_is_named(work: Path) -> None:
    code, out = run("check", "sleep")
    assert code == 0, out
    assert "2 episodes (1 approved, 1 draft)" in out
    warned = [line for line in out.splitlines() if ": warning: " in line and "not read" in line]
    assert warned == [
        "sleep/episodes/03-night.yaml.txt:1:1: warning: '03-night.yaml.txt' is not read: "
        "episode scripts end in .yaml (rename it to 03-night.yaml)"
    ]
    assert "01-crib.yaml~" not in out and ".#01-crib" not in out  # editors' leftovers
    code, out = run("build", "sleep", "-j", "1")
    assert code == 0, out
    assert "03-night.yaml.txt' is not read" in out  # the build says so too
    built = sorted(p.name for p in (work / "sleep-output" / "episodes").glob("*.mp3"))
    assert built == ["01-crib.mp3", "02-naps.mp3"]


def test_two_guides_in_one_working_folder_never_touch_each_other(work: Path) -> None:
    assert run("build", "sleep", "-j", "1")[0] == 0
    sleep_files = tree_hashes(work / "sleep-output")
    code, out = run("build", "feeding", "-j", "1")
    assert code == 0, out
    assert "in feeding-output/" in out
    assert tree_hashes(work / "sleep-output") == sleep_files
    assert (work / "feeding-output" / "episodes" / "01-milk.mp3").is_file()
    # Both guides' clips are in the one cache beside them.
    assert [p.name for p in work.iterdir() if p.name.startswith(".")] == [".audioguide-cache"]

    # Into the other guide's folder: one error line, exit 2, nothing touched.
    code, out = run("build", "feeding", "-o", "sleep-output", "-j", "1")
    assert code == 2, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: sleep-output/ holds the guide 'Sleep' from sleep/, not this one from "
        "feeding/ (build this guide into its own folder with -o, or add --force to replace "
        "them)"
    ], out
    assert tree_hashes(work / "sleep-output") == sleep_files

    # --force hands the folder over; the other guide's episodes then go, as asked.
    code, out = run("build", "feeding", "-o", "sleep-output", "-j", "1", "--force")
    assert code == 0, out
    mp3s = sorted(p.name for p in (work / "sleep-output" / "episodes").glob("*.mp3"))
    assert mp3s == ["01-milk.mp3"]
    record = json.loads((work / "sleep-output" / ".audioguide" / "record.json").read_text())
    assert record["owner"] == {"guide": str((work / "feeding").resolve()), "title": "Feeding"}


def test_commands_run_from_inside_the_guide_folder(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run("build", "sleep", "-j", "1")
    assert code == 0, out
    before = tree_hashes(work / "sleep-output")
    monkeypatch.chdir(work / "sleep")
    code, out = run("check")
    assert code == 0, out
    assert "2 episodes (1 approved, 1 draft)" in out
    code, out = run("build", "-j", "1")
    assert code == 0, out
    assert "Nothing changed: 2 episodes up to date in ../sleep-output/." in out
    assert tree_hashes(work / "sleep-output") == before
    assert not (work / "sleep" / "output").exists()
    # Rebuilt from here, every sentence comes from the guide's own clip cache.
    code, out = run("build", "-j", "1", "--force")
    assert code == 0, out
    assert "(0 sentences spoken, 5 from the cache)" in out, out
    assert not (work / "sleep" / ".audioguide-cache").exists()


def test_the_summary_says_what_was_published(work: Path) -> None:
    code, out = run("build", "sleep", "-j", "1")
    assert code == 0, out
    assert (
        "Published 1 of 2 episodes; not published: naps (draft). To publish, set status: "
        "approved in the episode, or build with --drafts." in out
    )
    feed = (work / "sleep-output" / "feed.xml").read_text()
    assert "Crib" in feed and "Naps" not in feed

    # A change of status alone builds no episode, but is not "Nothing changed".
    naps = work / "sleep" / "episodes" / "02-naps.yml"
    naps.write_text(naps.read_text().replace("status: draft", "status: approved"))
    code, out = run("build", "sleep", "-j", "1")
    assert code == 0, out
    assert "Nothing changed" not in out
    assert "No episode needed building; what sleep-output/ publishes changed." in out
    assert "Published 2 of 2 episodes." in out
    assert "Naps" in (work / "sleep-output" / "feed.xml").read_text()
    code, out = run("build", "sleep", "-j", "1")
    assert "Nothing changed: 2 episodes up to date in sleep-output/." in out


def test_drafts_are_said_when_built_and_when_bundled(work: Path) -> None:
    code, out = run("build", "feeding", "-j", "1")
    assert code == 0, out
    assert "1 of 1 episode built" in out and "(3 sentences spoken" in out
    assert "Published 1 of 1 episode." in out
    code, out = run("bundle", "-o", "feeding-output")
    assert code == 0 and "warning" not in out, out

    code, out = run("build", "sleep", "-j", "1", "--drafts")
    assert code == 0, out
    assert "Published 2 of 2 episodes; not yet approved but published with --drafts: naps." in out
    code, out = run("bundle", "-o", "sleep-output", "sleep.zip")
    assert code == 0, out
    assert (
        "sleep-output/: warning: the bundle holds 1 episode not approved: naps (they were "
        "built with --drafts" in out
    )
    with zipfile.ZipFile(work / "sleep.zip") as z:
        assert "episodes/02-naps.mp3" in z.namelist()
    code, out = run("build", "sleep", "-j", "1")  # without --drafts: not "Nothing changed"
    assert "No episode needed building; what sleep-output/ publishes changed." in out
    code, out = run("bundle", "-o", "sleep-output", "sleep.zip")
    assert code == 0 and "warning" not in out, out


def test_a_new_guide_says_its_example_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUDIOGUIDE_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("init", "clinic")[0] == 0
    code, out = run("build", "clinic", "-j", "1")
    assert code == 0, out
    assert (
        "Published 0 of 1 episode (the page and the feed list none); not published: "
        "example (draft)." in out
    )
    assert (tmp_path / "clinic-output" / "episodes" / "01-example.mp3").is_file()
    assert "clinic-output/" in (tmp_path / "clinic" / "README.md").read_text()


def test_commands_in_the_wrong_folder_say_where_to_run(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(work / "sleep" / "episodes")
    code, out = run("check")
    assert code == 2, out
    assert (
        "scripts: error: guide folder not found (this is inside the guide sleep/: run it from "
        "there (cd ..))" in out
    )
    notepad = work / "notepad"
    (notepad / "episodes").mkdir(parents=True)
    (notepad / "guide.yaml.txt").write_text(GUIDE.format(title="Notepad"))
    monkeypatch.chdir(work)
    code, out = run("check", "notepad")
    assert code == 2, out
    assert "notepad/guide.yaml: error: file not found (rename guide.yaml.txt to guide.yaml)" in out
