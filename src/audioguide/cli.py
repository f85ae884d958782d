"""The command line: options, progress and error printing over the library."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from audioguide import __version__
from audioguide.errors import AudioguideError, ScriptError, ScriptErrors

if TYPE_CHECKING:
    from audioguide.report import BuildReport

F = TypeVar("F", bound=Callable[..., Any])
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
            # Script errors name their file:line:col; everything else gets the same prefix.
            scripted = isinstance(exc, ScriptError | ScriptErrors)
            click.echo(str(exc) if scripted else f"error: {exc}", err=True)
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


def _output_option(help_text: str) -> Callable[[F], F]:
    """`-o/--output`, shared by the commands that work on a built folder."""
    return click.option(
        "-o",
        "--output",
        default="output",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text,
    )


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@cli.command()
@click.argument(
    "scripts_dir",
    default="scripts",
    type=click.Path(file_okay=False, path_type=Path),
)
@_output_option("Folder for the episodes and transcripts.")
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
@click.option("--drafts", is_flag=True, help="Publish draft and review episodes too.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the folder will be served, e.g. https://clinic.example/guide/ "
    "(makes the feed's links absolute, as podcast apps need).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(
    scripts_dir: Path,
    output: Path,
    cache_dir: Path | None,
    jobs: int | None,
    force: bool,
    episodes: tuple[str, ...],
    drafts: bool,
    base_url: str | None,
    quiet: bool,
) -> None:
    """Build the guide in SCRIPTS_DIR (default: scripts/) into OUTPUT.

    Writes each episode's MP3, transcripts and chapters, then the cover, podcast
    feed, web page, playlist and manifest. Only episodes whose scripts or settings
    changed are built again; spoken sentences are kept in a clip cache, so an edit
    speaks only what changed. A sub-folder with its own guide.yaml (e.g. es/) is
    another edition, built to OUTPUT/es/.

    \b
    Examples:
      audioguide build                   # scripts/ -> output/
      audioguide build my-guide -o dist  # another guide, another folder
      audioguide build -e welcome        # just one episode
      audioguide build --base-url https://clinic.example/guide/
    """
    # Imported here: keeps --help and --version fast.
    from audioguide.build import build_all, default_jobs

    if base_url:
        from audioguide.publish import check_base_url

        base_url = check_base_url(base_url)
    progress = _Progress(not quiet and sys.stderr.isatty())
    try:
        reports = build_all(
            scripts_dir,
            output,
            cache_dir=_cache_dir(cache_dir),
            jobs=jobs or default_jobs(),
            force=force,
            only=episodes,
            drafts=drafts,
            base_url=base_url,
            progress=progress,
        )
    finally:
        progress.close()
    if quiet:
        return
    for edition, report in reports:
        if len(reports) > 1:
            click.echo(f"{report.guide.title} ({report.guide.language}) -> {edition.output}/")
        _summary(report, edition.output)


def _summary(report: BuildReport, output: Path) -> None:
    click.echo(f"{'episode':<38} {'length':>6} {'LUFS':>6} {'peak':>6} {'size':>7}  status")
    for ep in report.episodes:
        click.echo(
            f"{ep.mp3.name:<38} {_minutes(ep.seconds):>6} {ep.loudness:>6.1f} "
            f"{ep.true_peak:>6.1f} {ep.size / 1e6:>6.2f}M  {'built' if ep.rebuilt else 'reused'}"
        )
    total = sum(ep.seconds for ep in report.episodes)
    built = sum(ep.rebuilt for ep in report.episodes)
    if built == 0:
        click.echo(f"Nothing changed: {len(report.episodes)} episodes up to date in {output}/.\n")
    else:
        click.echo(
            f"{built} of {len(report.episodes)} episodes built, {_minutes(total)} in all, "
            f"in {output}/ ({report.spoken} sentences spoken, {report.cached} from the cache)\n"
        )


def _cache_dir(option: Path | None) -> Path:
    return option or Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


@cli.command()
@_output_option("The output folder to empty.")
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


@cli.command()
@click.argument("zip_path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_output_option("The built folder to pack.")
def bundle(zip_path: Path | None, output: Path) -> None:
    """Pack the published guide in OUTPUT into ZIP_PATH (default: OUTPUT.zip).

    The zip holds exactly the files the manifest lists, checked against their
    hashes; the same guide always gives the same zip bytes.

    \b
    Example:
      audioguide bundle -o output guide.zip
    """
    from audioguide.publish import bundle as make_bundle

    dest = zip_path or output.with_name(output.name + ".zip")
    make_bundle(output, dest)
    click.echo(f"Wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB).")


def main() -> None:
    cli(prog_name="audioguide")
