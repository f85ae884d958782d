"""`audioguide watch`: a rebuild after each save, and a broken save does not stop it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SPANISH_EDITION, WriteGuide
from support.fakes import fake_factory

from audioguide.build import watch as watching
from audioguide.build.fresh import up_to_date
from audioguide.build.watch import Options, changes, snapshot, watch
from audioguide.cli import cli

GUIDE = """\
title: Watched Guide
author: Test Clinic
date: 2026-11-25
source: {title: An Article, author: A. Writer, date: February 2021}
chime: false
intro: ""
"""
EPISODE = """\
id: only
title: Only
summary: The only episode.
segments:
  - chapter: One
  - say: {text}
"""


def write(root: Path, text: str) -> None:
    path = root / "episodes" / "01-only.yaml"
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(EPISODE.format(text=text))
    # Coarse file-system clocks could give a quick second save the same mtime.
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    (folder / "episodes").mkdir(parents=True)
    (folder / "guide.yaml").write_text(GUIDE)
    write(folder, "Hello there.")
    return folder


def test_snapshot_and_changes(root: Path) -> None:
    before = snapshot(root)
    assert set(before) == {"guide.yaml", "episodes/01-only.yaml"}
    write(root, "Something else.")
    (root / "episodes" / ".01-only.yaml.swp").write_text("editor junk")
    (root / "notes.txt").write_text("new")
    (root / "guide.yaml").unlink()
    after = snapshot(root)
    assert changes(before, after) == [
        "changed episodes/01-only.yaml",
        "added notes.txt",
        "removed guide.yaml",
    ]


def test_output_inside_the_scripts_is_not_a_change(root: Path) -> None:
    (root / "out").mkdir()
    (root / "out" / "x.mp3").write_text("built")
    assert "out/x.mp3" not in snapshot(root, (root / "out",))


def test_rebuilds_after_each_save_and_survives_a_broken_one(root: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    saves: list[Callable[[], None]] = [
        lambda: write(root, "Hello again, a new line."),
        lambda: write(root, "[not closed"),
        lambda: None,  # nothing saved: nothing built
        lambda: write(root, "Fixed now."),
    ]

    def sleep(seconds: float) -> None:
        assert seconds == 0.5
        saves.pop(0)()

    options = Options(tmp_path / "cache", engine_factory=fake_factory)
    builds = watch(root, tmp_path / "out", options, echo=lines.append, sleep=sleep, polls=5)
    assert builds == 4 and not saves
    text = "\n".join(lines)
    assert lines[0] == f"Watching {root}/ for changes (Ctrl-C to stop)."
    assert text.count("Rebuilt 01-only (1 of 1 episode)") == 3
    assert text.count("Saved: changed episodes/01-only.yaml") == 3
    broken = [x for x in lines if ": error: " in x]
    assert len(broken) == 1 and "01-only.yaml:7:1: error: YAML syntax error" in broken[0]
    assert "Not built: fix the lines above and save again." in lines
    said = (tmp_path / "out" / "episodes" / "01-only.txt").read_text()
    assert "Fixed now." in said


def test_an_unchanged_build_says_so(root: Path, tmp_path: Path) -> None:
    options = Options(tmp_path / "cache", engine_factory=fake_factory)
    lines: list[str] = []
    watching.rebuild(root, tmp_path / "out", options, lines.append)
    lines.clear()
    assert watching.rebuild(root, tmp_path / "out", options, lines.append)
    assert lines[0].startswith("No episode changed: 1 episode up to date in")


def test_ctrl_c_exits_cleanly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(watching, "watch", interrupted)
    result = CliRunner().invoke(cli, ["watch", str(tmp_path), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0
    assert "Stopped watching." in result.output


def test_a_watch_rebuild_leaves_the_record_a_noop_is_answered_from(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    """Both editions build side by side on one pool, as `build` does, and the record of
    that build answers the next look that finds nothing changed."""
    root, out, cache = write_guide(**SPANISH_EDITION), tmp_path / "out", tmp_path / "cache"
    options = Options(cache, jobs=2, engine_factory=fake_factory)
    lines: list[str] = []
    assert watching.rebuild(root, out, options, lines.append)
    assert [x for x in lines if x.startswith("Rebuilt")] == [
        f"Rebuilt 01-first-steps, 02-second-steps (2 of 2 episodes) in {out}/",
        f"Rebuilt 01-primeros-pasos (1 of 1 episode) in {out / 'es'}/",
    ]
    answered = up_to_date(root, out, cache_dir=cache)
    assert answered is not None and [e.output for e, _ in answered] == [out, out / "es"]
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    lines.clear()
    assert watching.rebuild(root, out, options, lines.append)
    assert lines[:2] == [
        f"No episode changed: 2 episodes up to date in {out}/",
        f"No episode changed: 1 episode up to date in {out / 'es'}/",
    ]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
