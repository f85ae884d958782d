"""`audioguide init`: a new guide that loads, checks clean and builds as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.check import checks
from audioguide.cli import cli
from audioguide.errors import AudioguideError
from audioguide.loader import load_with_sources, scaffold


def test_files_are_made_from_the_date_and_folder() -> None:
    made = scaffold.files("clinic-guide", dt.date(2027, 3, 4))
    assert set(made) == {
        "guide.yaml",
        "episodes/01-example.yaml",
        "README.md",
        ".schema/guide.schema.json",
        ".schema/episode.schema.json",
    }
    assert "date: 2027-03-04 " in made["guide.yaml"]
    assert "audioguide check clinic-guide" in made["README.md"]
    assert "status: draft" in made["episodes/01-example.yaml"]


def test_a_new_guide_checks_clean_and_builds(tmp_path: Path) -> None:
    root = tmp_path / "guide"
    written = scaffold.init_guide(root, dt.date(2026, 11, 25))
    assert [p.relative_to(root).as_posix() for p in written] == [
        "guide.yaml",
        "episodes/01-example.yaml",
        "README.md",
        ".schema/guide.schema.json",
        ".schema/episode.schema.json",
    ]
    guide, sources = load_with_sources(root)
    assert [(ep.id, ep.status) for ep in guide.episodes] == [("example", "draft")]
    assert guide.date == "2026-11-25"
    found = checks.diagnose(guide, sources)
    assert found == [], [d.line() for d in found]
    out = tmp_path / "out"
    report = build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    assert [ep.mp3.name for ep in report.episodes] == ["01-example.mp3"]
    assert (out / "episodes" / "01-example.mp3").stat().st_size > 10_000
    # A draft is built to listen to, but not published until approved (or --drafts).
    assert "01-example.mp3" not in (out / "feed.xml").read_text()


def test_init_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "guide"
    root.mkdir()
    (root / "guide.yaml").write_text("title: Mine\n")
    with pytest.raises(AudioguideError) as caught:
        scaffold.init_guide(root)
    assert caught.value.exit_code == 2
    assert (root / "guide.yaml").read_text() == "title: Mine\n"
    assert not (root / "episodes").exists()


def test_cli_init_then_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init", "clinic"])
    assert result.exit_code == 0, result.output
    assert "Created a new guide in clinic/" in result.output
    assert (tmp_path / "clinic" / "episodes" / "01-example.yaml").is_file()
    before = (tmp_path / "clinic" / "guide.yaml").read_bytes()
    result = CliRunner().invoke(cli, ["init", "clinic"])
    assert result.exit_code == 2
    assert result.output.startswith("error: clinic/guide.yaml already exists")
    assert (tmp_path / "clinic" / "guide.yaml").read_bytes() == before
    result = CliRunner().invoke(cli, ["check", "clinic", "--cache-dir", "c"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "1 episode (1 draft), 0 errors, 0 warnings"
