"""The command line: options, progress and error printing over the library."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from audioguide import __version__
from audioguide.errors import AudioguideError

CACHE_ENV = "AUDIOGUIDE_CACHE"
DEFAULT_CACHE = Path(".audioguide-cache")


class _Group(click.Group):
    """Prints the project's own errors as plain lines; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AudioguideError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(str(exc), err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="audioguide")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """Turn short YAML scripts into a podcast-style audio guide, offline."""


class _Progress:
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


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{round(seconds % 60):02d}"


@cli.command()
@click.argument(
    "scripts_dir",
    default="scripts",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "-o",
    "--output",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the episodes and transcripts.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Clip cache folder [default: ${CACHE_ENV} or {DEFAULT_CACHE}].",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(scripts_dir: Path, output: Path, cache_dir: Path | None, quiet: bool) -> None:
    """Build the guide in SCRIPTS_DIR (default: scripts/) into MP3 episodes.

    \b
    Example:
      audioguide build                   # scripts/ -> output/
      audioguide build my-guide -o dist  # another guide, another folder
    """
    from audioguide.build import build as run_build  # keeps --help and --version fast

    cache = cache_dir or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    progress = _Progress(not quiet and sys.stderr.isatty())
    try:
        report = run_build(scripts_dir, output, cache_dir=cache, progress=progress)
    finally:
        progress.close()
    if quiet:
        return
    click.echo(f"{'episode':<34} {'length':>6} {'LUFS':>6} {'peak':>6} {'size':>8}")
    for ep in report.episodes:
        click.echo(
            f"{ep.mp3.name:<34} {_minutes(ep.seconds):>6} {ep.loudness:>6.1f} "
            f"{ep.true_peak:>6.1f} {ep.size / 1e6:>7.2f}M"
        )
    total = sum(ep.seconds for ep in report.episodes)
    click.echo(
        f"{len(report.episodes)} episodes, {_minutes(total)} in all, in {output}/ "
        f"({report.spoken} sentences spoken, {report.cached} from the cache)"
    )


def main() -> None:
    cli(prog_name="audioguide")
