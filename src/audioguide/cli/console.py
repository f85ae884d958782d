"""What every command prints and how: diagnostics in colour where allowed, the global
-v and -q options read from wherever the command is."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from audioguide.check.checks import Diagnostic


def _isatty(stream: IO[Any]) -> bool:
    return stream.isatty()


def _colour(err: bool = False) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return not os.environ.get("NO_COLOR") and _isatty(sys.stderr if err else sys.stdout)


_SEVERITY = re.compile(r": (error|warning): ")


def echo_lines(lines: str, *, err: bool = False) -> None:
    """Print diagnostics, the words 'error' and 'warning' in colour where allowed."""
    colour = _colour(err)
    if colour:
        lines = _SEVERITY.sub(
            lambda m: (
                ": "
                + click.style(m[1], fg="red" if m[1] == "error" else "yellow", bold=True)
                + ": "
            ),
            lines,
        )
    click.echo(lines, err=err, color=colour)


def print_diagnostics(found: Sequence[Diagnostic], err: bool = False) -> None:
    if found:
        echo_lines("\n".join(d.line() for d in found), err=err)


def flag(name: str) -> bool:
    """A global option (-v, -q) from the group, wherever the command is."""
    return bool(click.get_current_context().find_root().params.get(name))


def note(message: str) -> None:
    """`message` on stderr, with -v (and without -q)."""
    if flag("verbose") and not flag("quiet"):
        click.echo(message, err=True)
