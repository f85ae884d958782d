"""Every bad input of the backbone issue: one line naming file:line:col, exit 2,
no traceback, and the output folder left exactly as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, GUIDE, WriteGuide
from support.files import tree_hashes

from audioguide.cli import cli

EP = "episodes__01-first.yaml"
EP1 = "scripts/episodes/01-first.yaml"

CASES = {
    "yaml syntax": (
        {EP: EPISODE_ONE.replace("title: First steps", "title: [First steps")},
        f"{EP1}:3:8",  # where the parser finds the bracket opened on line 2 still open
        "YAML syntax error",
    ),
    "unknown key": (
        {EP: EPISODE_ONE.replace("summary:", "sumary:")},
        f"{EP1}:3:1",
        "did you mean 'summary'?",
    ),
    "unknown guide key": (
        {"guide.yaml": GUIDE.replace("lexicon:", "lexikon:")},
        "scripts/guide.yaml:17:1",
        "did you mean 'lexicon'?",
    ),
    "wrong type": (
        {"guide.yaml": GUIDE + "voice:\n  rate: fast\n"},
        "scripts/guide.yaml:20:9",
        "'rate' must be a whole number, not text",
    ),
    "missing episode file": (
        {
            "guide.yaml": GUIDE
            + "episodes:\n  - episodes/01-first.yaml\n  - episodes/09-gone.yaml\n"
        },
        "scripts/guide.yaml:21:5",
        "episode file 'episodes/09-gone.yaml' not found",
    ),
    "missing asset": (
        {EP: EPISODE_ONE + "  - sound: assets/ding.wav\n"},
        f"{EP1}:14:12",
        "file 'assets/ding.wav' not found",
    ),
    "empty say": (
        {EP: EPISODE_ONE.replace("say: One more sentence after a chapter.", 'say: "  "')},
        f"{EP1}:11:10",
        "'say' is empty",
    ),
    "negative pause": (
        {EP: EPISODE_ONE.replace("pause: 1.5s", "pause: -2s")},
        f"{EP1}:12:12",
        "negative",
    ),
    "unitless pause": (
        {EP: EPISODE_ONE.replace("pause: 1.5s", "pause: 2")},
        f"{EP1}:12:12",
        "has no unit",
    ),
    "pause over a minute": (
        {EP: EPISODE_ONE.replace("pause: 1.5s", "pause: 61s")},
        f"{EP1}:12:12",
        "longer than a minute",
    ),
    "duplicate id": (
        {"episodes__03-again.yaml": EPISODE_ONE},
        "scripts/episodes/03-again.yaml:1:1",
        "episode id 'first-steps' is used twice",
    ),
    "id with slash": (
        {EP: EPISODE_ONE.replace("id: first-steps", "id: first/steps")},
        f"{EP1}:1:5",
        "may hold only lowercase letters",
    ),
    "id with dot-dot": (
        {EP: EPISODE_ONE.replace("id: first-steps", "id: ../first")},
        f"{EP1}:1:5",
        "may hold only lowercase letters",
    ),
    "id with spaces": (
        {EP: EPISODE_ONE.replace("id: first-steps", "id: first steps")},
        f"{EP1}:1:5",
        "may hold only lowercase letters",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_one_clear_line(
    case: str, write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, where, message = CASES[case]
    write_guide(**files)
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "output"
    (output / "episodes").mkdir(parents=True)
    (output / "episodes" / "01-first-steps.mp3").write_bytes(b"earlier build")
    (output / "feed.xml").write_text("<rss/>")
    before = tree_hashes(output)

    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "output", "--cache-dir", "cache"])

    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{where}: error: "), lines[0]
    assert ": error: " in lines[0] and message in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert tree_hashes(output) == before
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("segments", "where"),
    [
        ("  - chapter: A\n  - chapter: B\n  - say: Hello there.\n", "5:14"),
        ("  - say: Hello there.\n  - chapter: End\n", "6:14"),
        ("  - say: Hello there.\n  - chapter: End\n  - pause: 2s\n", "6:14"),
    ],
    ids=["two in a row", "at the end", "only a pause after"],
)
def test_empty_chapter_is_an_error(
    segments: str,
    where: str,
    write_guide: WriteGuide,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    head = "id: first-steps\ntitle: T\nsummary: S\nsegments:\n"
    write_guide(**{EP: head + segments})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "output", "--cache-dir", "c"])
    assert result.exit_code == 2
    assert "has nothing in it" in result.output
    assert result.output.startswith(f"{EP1}:{where}: error: chapter ")  # the empty one
    assert not (tmp_path / "output").exists()


def test_missing_ffmpeg_says_how_to_install_it(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no ffmpeg anywhere
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # nor the wheel's
    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "output", "--cache-dir", "c"])
    assert result.exit_code == 1
    assert "sudo apt-get install ffmpeg" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "output").exists()
