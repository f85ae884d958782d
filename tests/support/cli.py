"""`audioguide` run in this process, as a test drives the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from audioguide.cli import cli


def run(*args: str | Path, **kwargs: Any) -> tuple[int, str]:
    """`audioguide ARGS...` in click's runner: its exit status and what it printed."""
    result = CliRunner().invoke(cli, [str(a) for a in args], **kwargs)
    return result.exit_code, result.output
