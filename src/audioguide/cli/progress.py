"""What a build's progress looks like on a terminal: one self-overwriting status line,
and when each stage finished (for -v)."""

from __future__ import annotations

import time

import click


class StatusLine:
    """One self-overwriting status line on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.enabled:
            click.echo(f"\r{stage} {done}/{total}\033[K", nl=False, err=True)
            self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


class Timings:
    """Passes progress on, noting when each stage (speaking, encoding) finished."""

    def __init__(self, progress: StatusLine) -> None:
        self.progress = progress
        self.started = time.monotonic()
        self.stages: dict[str, tuple[int, float]] = {}  # stage -> (items, seconds in)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.stages[stage] = (total, time.monotonic() - self.started)
        self.progress(stage, done, total)

    def lines(self) -> list[str]:
        return [f"{stage} {n}: done {t:.2f} s in" for stage, (n, t) in self.stages.items()]
