"""The project's exceptions: user mistakes (exit 2) versus tool failures (exit 1)."""

from __future__ import annotations

from dataclasses import dataclass

from audioguide.system.faults import describe, one_line


class AudioguideError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


@dataclass(frozen=True)
class Location:
    """A place in a script file; line and column are 1-based, as editors count."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path


class ScriptError(AudioguideError):
    """A mistake in the scripts: printed as `path:line:col: error: message (hint)`."""

    exit_code = 2

    def __init__(self, where: Location, message: str, hint: str = "") -> None:
        self.where = where
        self.message = message
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        text = f"{self.where}: error: {self.message}"
        # One line, whatever a file name holds (a newline would split it).
        return one_line(f"{text} ({self.hint})" if self.hint else text)


class ScriptErrors(AudioguideError):
    """Every mistake found in one load, collected so staff can fix them in one go."""

    exit_code = 2

    def __init__(self, errors: list[ScriptError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.line() for e in errors))


class EngineError(AudioguideError):
    """The speech engine failed to produce usable audio."""


class ToolMissingError(AudioguideError):
    """A system package is missing; the message carries the command that installs it."""


class ExportError(AudioguideError):
    """ffmpeg or tagging failed while writing an episode."""


def short(value: object, limit: int = 40) -> str:
    """A value as quoted in a message: a pasted page would drown the message."""
    shown = str(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


@dataclass(frozen=True)
class Failure:
    """What a front end says about an error it stops for: the line(s), the exit status,
    and whether it is a mistake in the scripts (its lines name file:line:col)."""

    text: str
    exit_code: int
    scripted: bool

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def failure_of(exc: BaseException) -> Failure | None:
    """The one mapping from an exception to what staff read, used by the command line,
    `watch` and the studio alike; None for a bug (let its traceback show)."""
    if isinstance(exc, ScriptErrors):
        return Failure("\n".join(e.line() for e in exc.errors), exc.exit_code, True)
    if isinstance(exc, ScriptError):
        return Failure(exc.line(), exc.exit_code, True)
    if isinstance(exc, AudioguideError):
        return Failure(f"error: {one_line(str(exc))}", exc.exit_code, False)
    if isinstance(exc, OSError):  # the disk or the system, not the scripts: exit 1
        return Failure(f"error: {describe(exc)}", 1, False)
    return None
