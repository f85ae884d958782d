"""The library as its front ends call it: `import audioguide`, and every command on `cli`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import WriteGuide
from support.fakes import fake_factory

import audioguide
from audioguide.cli import cli


def test_the_api_builds_checks_and_previews_a_guide(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    options = audioguide.BuildOptions(
        root, tmp_path / "out", tmp_path / "c", engine_factory=fake_factory
    )
    (checked,) = audioguide.check_guide(options)
    assert checked.errors == 0 and isinstance(checked.guide, audioguide.Guide)
    ((edition, report),) = audioguide.build_guide(options)
    assert isinstance(edition, audioguide.Edition) and isinstance(report, audioguide.BuildReport)
    assert [ep.mp3.name for ep in report.episodes] == [
        "01-first-steps.mp3",
        "02-second-steps.mp3",
    ]
    wav = audioguide.preview(options, "first-steps", chapter="More")
    assert wav.read_bytes()[:4] == b"RIFF"


def test_every_exported_name_is_there_and_import_stays_light() -> None:
    assert all(getattr(audioguide, name) is not None for name in audioguide.__all__)
    # `audioguide --version` imports the package: no parser, engine or audio stack.
    code = (
        "import sys, audioguide; "
        "print(sorted(m for m in sys.modules if m.startswith('audioguide.') or m in "
        "('numpy', 'ruamel.yaml', 'flask')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_clirunner_sees_every_command_the_program_has() -> None:
    result = CliRunner().invoke(cli, ["studio", "--help"])
    assert result.exit_code == 0, result.output
    assert "Edit, hear and rebuild the guide" in result.output
    listed = CliRunner().invoke(cli, ["--help"]).output
    commands = listed.split("Commands:")[1].split()
    for command in ("build", "check", "clean", "preview", "studio", "watch"):
        assert command in commands
