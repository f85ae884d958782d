"""The command line itself: help with examples, global options, voices, errors, colour."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, WriteGuide
from support.cli import run

from audioguide import __version__, cli
from audioguide.cli import console
from audioguide.errors import ScriptErrors

COMMANDS = ["build", "check", "preview", "voices", "init", "watch", "clean", "bundle", "schema"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out = run(command, "--help")
    assert code == 0
    assert "Example" in out and f"audioguide {command}" in out.split("Example", 1)[1]


def test_the_group_help_lists_the_commands_and_global_options() -> None:
    code, out = run("--help")
    assert code == 0
    for name in [*COMMANDS, "--verbose", "--quiet", "--debug", "--version", "NO_COLOR"]:
        assert name in out


def test_every_command_of_every_module_is_on_the_group() -> None:
    """Each module of audioguide.cli holds a group of commands; the group in
    audioguide.cli adds them all, so none is defined and left unreachable."""
    import importlib
    import pkgutil

    import click

    defined = {
        command.name
        for info in pkgutil.iter_modules(cli.__path__)
        for command in vars(importlib.import_module(f"audioguide.cli.{info.name}")).values()
        if isinstance(command, click.Command)
    }
    assert defined == set(cli.cli.commands)
    assert sorted(cli.cli.commands) == sorted([*COMMANDS, "import", "proof", "studio"])
    for name in cli.cli.commands:
        code, out = run(name, "--help")
        assert code == 0 and out.startswith(f"Usage: cli {name} "), out


def test_version() -> None:
    assert run("--version") == (0, f"audioguide, version {__version__}\n")


def test_build_keeps_its_options() -> None:
    _, out = run("build", "--help")
    for option in (
        "-o, --output",
        "--cache-dir",
        "-j, --jobs",
        "--force",
        "-e, --episode",
        "--drafts",
        "--base-url",
        "-q, --quiet",
    ):
        assert option in out


def test_voices_is_an_aligned_table_filtered_by_language() -> None:
    code, out = run("voices", "--language", "en")
    assert code == 0, out
    lines = out.splitlines()
    header = lines[0]
    assert header.split() == ["NAME", "(voice:", "name:)", "DESCRIPTION", "ID", "LANGUAGES"]
    rows = lines[1 : lines.index("")]
    assert any(x.startswith("en-gb ") and " gmw/en " in x for x in rows)
    name_col = header.index("DESCRIPTION")
    assert all(x[name_col - 2 : name_col] == "  " for x in rows)  # columns line up
    languages_col = header.index("LANGUAGES")
    assert all(x[languages_col:].startswith("en") for x in rows)
    assert "  female: f1, f2, f3, f4, f5" in lines
    assert lines[-1].endswith("voice: {name: en-gb+f3}")


def test_voices_for_a_language_nobody_speaks() -> None:
    assert run("voices", "--language", "zz-qq") == (0, "No pyttsx3 voice speaks 'zz-qq'.\n")


def test_voices_of_an_unknown_engine_is_a_usage_error() -> None:
    code, out = run("voices", "--engine", "festival")
    assert code == 2 and "festival" in out


def test_global_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("-q", "init", "g") == (0, "")
    assert (tmp_path / "g" / "guide.yaml").is_file()


def test_debug_shows_the_exception(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide(**{"episodes__01-first.yaml": EPISODE_ONE.replace("summary:", "sumary:")})
    args = ["build", str(root), "-o", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(cli.cli, ["--debug", *args])
    assert isinstance(result.exception, ScriptErrors)
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 2 and result.exception is not None
    assert "Traceback" not in result.output


def test_error_lines_are_coloured_only_when_allowed(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_guide(**{"episodes__01-first.yaml": EPISODE_ONE.replace("summary:", "sumary:")})
    args = ["build", str(root), "-o", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" not in run(*args)[1]
    monkeypatch.setattr(console, "_isatty", lambda stream: True)
    code, out = run(*args)
    assert code == 2 and "\x1b[" in out
    assert click_unstyle(out).count(": error: ") == 1
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(*args)[1]


def click_unstyle(text: str) -> str:
    import click

    return click.unstyle(text)


def test_an_unknown_voice_stops_the_build_before_any_output(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    # Checked against the engine's voice list before anything is spoken or written.
    root = write_guide(
        **{"episodes__01-first.yaml": EPISODE_ONE + "  - say: Hi.\n    voice: {name: nobody}\n"}
    )
    code, out = run(
        "build", str(root), "-o", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")
    )
    assert code == 2, out
    assert "01-first.yaml:15:19: error: the pyttsx3 engine has no voice 'nobody'" in out
    assert not (tmp_path / "o").exists()
