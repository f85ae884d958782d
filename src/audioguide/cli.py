"""The command line: options, progress and error printing over the library."""

from __future__ import annotations

import os
import shutil
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
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    help="Worker processes for speech and encoding [default: the CPU count].",
)
@click.option("--force", is_flag=True, help="Rebuild every episode, even unchanged ones.")
@click.option(
    "-e",
    "--episode",
    "episodes",
    multiple=True,
    metavar="ID",
    help="Build only this episode (repeatable).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(
    scripts_dir: Path,
    output: Path,
    cache_dir: Path | None,
    jobs: int | None,
    force: bool,
    episodes: tuple[str, ...],
    quiet: bool,
) -> None:
    """Build the guide in SCRIPTS_DIR (default: scripts/) into MP3 episodes.

    Only episodes whose scripts or settings changed are built again; spoken
    sentences are kept in a clip cache, so an edit speaks only what changed.

    \b
    Examples:
      audioguide build                   # scripts/ -> output/
      audioguide build my-guide -o dist  # another guide, another folder
      audioguide build -e welcome        # just one episode
    """
    # Imported here: keeps --help and --version fast.
    from audioguide.build import build as run_build
    from audioguide.build import default_jobs

    progress = _Progress(not quiet and sys.stderr.isatty())
    try:
        report = run_build(
            scripts_dir,
            output,
            cache_dir=_cache_dir(cache_dir),
            jobs=jobs or default_jobs(),
            force=force,
            only=episodes,
            progress=progress,
        )
    finally:
        progress.close()
    if quiet:
        return
    click.echo(f"{'episode':<38} {'length':>6} {'LUFS':>6} {'peak':>6} {'size':>7}  status")
    for ep in report.episodes:
        click.echo(
            f"{ep.mp3.name:<38} {_minutes(ep.seconds):>6} {ep.loudness:>6.1f} "
            f"{ep.true_peak:>6.1f} {ep.size / 1e6:>6.2f}M  {'built' if ep.rebuilt else 'reused'}"
        )
    total = sum(ep.seconds for ep in report.episodes)
    built = sum(ep.rebuilt for ep in report.episodes)
    if built == 0:
        click.echo(f"Nothing changed: {len(report.episodes)} episodes up to date in {output}/.")
    else:
        click.echo(
            f"{built} of {len(report.episodes)} episodes built, {_minutes(total)} in all, "
            f"in {output}/ ({report.spoken} sentences spoken, {report.cached} from the cache)"
        )


def _cache_dir(option: Path | None) -> Path:
    return option or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


@cli.command()
@click.option(
    "-o",
    "--output",
    default="output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder to empty.",
)
@click.option("--cache", is_flag=True, help="Also remove the clip cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path))
def clean(output: Path, cache: bool, cache_dir: Path | None) -> None:
    """Remove what builds wrote to OUTPUT (and, with --cache, the clip cache).

    \b
    Example:
      audioguide clean --cache
    """
    from audioguide.clean import clean_output

    removed = clean_output(output)
    click.echo(f"Removed {removed} files from {output}/.")
    if cache:
        folder = _cache_dir(cache_dir)
        if folder.is_dir():
            shutil.rmtree(folder)
            click.echo(f"Removed the clip cache {folder}/.")


def main() -> None:
    cli(prog_name="audioguide")
