"""Writes never follow a link out of the output folder: a symlinked `episodes/` or
`.audioguide/` that leads elsewhere makes the build refuse, touching nothing there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide
from support.fakes import fake_factory
from support.files import tree_hashes

from audioguide.build.session import BuildOptions, build
from audioguide.cli import cli
from audioguide.system.trust import OutsideOutputError

# Making a symlink on Windows needs a privilege (or developer mode) a runner may lack.
pytestmark = pytest.mark.skipif(os.name == "nt", reason="symlinks need a privilege on Windows")


def _outside(tmp_path: Path) -> Path:
    """A folder elsewhere, holding a file named as the build would name its own."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "record.json").write_text("theirs\n")
    (folder / "lock").write_text("theirs\n")
    (folder / "01-first-steps.mp3").write_bytes(b"not ours")
    return folder


@pytest.mark.parametrize("linked", ["episodes", ".audioguide"])
def test_a_linked_folder_out_of_the_output_is_refused(
    write_guide: WriteGuide, tmp_path: Path, linked: str
) -> None:
    root, out = write_guide(), tmp_path / "out"
    outside = _outside(tmp_path)
    before = tree_hashes(outside)
    out.mkdir()
    (out / linked).symlink_to(outside, target_is_directory=True)
    options = BuildOptions(root, out, tmp_path / "c", engine_factory=fake_factory)
    with pytest.raises(OutsideOutputError, match="outside the output folder"):
        build(options)
    assert tree_hashes(outside) == before
    assert sorted(p.name for p in out.iterdir()) == [linked]  # nothing else written


@pytest.mark.parametrize("linked", ["episodes", ".audioguide"])
def test_the_command_says_so_in_one_line_and_exits_1(
    write_guide: WriteGuide, tmp_path: Path, linked: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a good build, the folder is swapped for a link out: the next build (which
    the record would otherwise call fresh) refuses too."""
    root, out = write_guide(), tmp_path / "out"
    options = BuildOptions(root, out, tmp_path / "c", engine_factory=fake_factory)
    build(options)
    outside = _outside(tmp_path)
    before = tree_hashes(outside)
    (out / linked).rename(tmp_path / "moved")
    (out / linked).symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "out", "--cache-dir", "c"])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("error: ") and f"out/{linked}" in line
    assert "outside the output folder" in line and "Traceback" not in result.output
    assert tree_hashes(outside) == before


def test_a_link_that_stays_inside_is_allowed(write_guide: WriteGuide, tmp_path: Path) -> None:
    root, out = write_guide(), tmp_path / "out"
    (out / "real-episodes").mkdir(parents=True)
    (out / "episodes").symlink_to("real-episodes", target_is_directory=True)
    options = BuildOptions(root, out, tmp_path / "c", engine_factory=fake_factory)
    ((_, report),) = build(options)
    assert {p.name for p in (out / "real-episodes").glob("*.mp3")} == {
        ep.mp3.name for ep in report.episodes
    }
