"""One mapping from an exception to what staff read: the command line, `watch` and the
studio say the same thing with the same exit status."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide

from audioguide.build.watch import Options, rebuild
from audioguide.cli import cli
from audioguide.errors import (
    AudioguideError,
    Location,
    ScriptError,
    ScriptErrors,
    ToolMissingError,
    failure_of,
)


def test_each_kind_of_error_has_its_words_and_exit_status() -> None:
    one = ScriptError(Location("episodes/01.yaml", 3, 7), "unknown key 'sumary'", "summary?")
    two = ScriptError(Location("guide.yaml", 1, 1), "bad\nname")
    many = failure_of(ScriptErrors([one, two]))
    assert many is not None and many.scripted and many.exit_code == 2
    assert many.lines == [
        "episodes/01.yaml:3:7: error: unknown key 'sumary' (summary?)",
        "guide.yaml:1:1: error: bad\\nname",  # one line, whatever a name holds
    ]
    tool = failure_of(ToolMissingError("ffmpeg is missing: sudo apt-get install ffmpeg"))
    assert tool == failure_of(AudioguideError("ffmpeg is missing: sudo apt-get install ffmpeg"))
    assert tool is not None and tool.exit_code == 1 and not tool.scripted
    full = failure_of(OSError(errno.ENOSPC, "No space left on device", "out/feed.xml"))
    assert full is not None and full.exit_code == 1
    assert (
        full.text
        == "error: out/feed.xml: no space left on the device; free some space and run it again"
    )
    assert failure_of(ValueError("a bug")) is None  # a bug keeps its traceback


def test_the_command_line_and_watch_print_the_same_lines(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_guide(episodes__02_second_yaml=None)
    path = root / "episodes" / "01-first.yaml"
    path.write_text(path.read_text().replace("summary:", "sumary:"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "out", "--cache-dir", "c"])
    assert result.exit_code == 2
    heard: list[str] = []
    assert rebuild(Path("scripts"), Path("out"), Options(Path("c")), heard.append) is False
    assert heard[:-1] == result.output.splitlines()
    assert heard[-1].startswith("Not built: fix the line")
