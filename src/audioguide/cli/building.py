"""The commands that write a built guide: `build`, `watch` (build on every save), `clean`
and `bundle` (the published folder as one zip)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from audioguide.build.summary import plural
from audioguide.cli.console import echo_lines, flag, note
from audioguide.cli.options import (
    build_options,
    cache_dir_option,
    drafts_option,
    output_option,
    places_of,
)

if TYPE_CHECKING:
    from audioguide.build.report import BuildReport


@click.command()
@build_options
@click.option("--force", is_flag=True, help="Rebuild every episode, even unchanged ones.")
@click.option(
    "-e",
    "--episode",
    "episodes",
    multiple=True,
    metavar="ID",
    help="Build only this episode (repeatable).",
)
@drafts_option
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the folder will be served, e.g. https://clinic.example/guide/ "
    "(makes the feed's links absolute, as podcast apps need).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def build(
    scripts_dir: Path | None,
    output: Path | None,
    cache_dir: Path | None,
    jobs: int | None,
    force: bool,
    episodes: tuple[str, ...],
    drafts: bool,
    base_url: str | None,
    quiet: bool,
) -> None:
    """Build the guide in SCRIPTS_DIR into OUTPUT, which belongs to that guide alone.

    SCRIPTS_DIR: the working folder if it holds guide.yaml, else scripts/. Writes each
    episode's MP3, transcripts and chapters, then the cover, feed, page, playlist and
    manifest; only what changed is built again. A sub-folder with its own guide.yaml
    (e.g. es/) is another edition, built to OUTPUT/es/.

    \b
    Examples:
      audioguide build                   # scripts/ -> output/
      audioguide build my-guide -o dist  # another guide, another folder
      audioguide build -e welcome        # just one episode
      audioguide build --base-url https://clinic.example/guide/
    """
    quiet = quiet or flag("quiet")
    scripts_dir, output, cache_dir = places_of(scripts_dir, output, cache_dir, strays=True)
    if base_url:
        from audioguide.publish import check_base_url

        base_url = check_base_url(base_url)
    started = time.monotonic()
    import contextlib

    from audioguide import BuildOptions, build_guide, default_jobs
    from audioguide.cli.progress import StatusLine, Timings
    from audioguide.system.stopping import on_stop

    options = BuildOptions(
        scripts_dir,
        output,
        cache_dir,
        jobs or default_jobs(),
        force,
        episodes,
        drafts,
        base_url,
    )
    timings = Timings(StatusLine(not quiet and sys.stderr.isatty()))
    with contextlib.ExitStack() as stack:
        # SIGTERM or SIGINT: the build, its workers and speech processes stop at once.
        stack.enter_context(on_stop(output, cache_dir, message="build stopped"))
        try:
            reports = build_guide(options, progress=timings, note=note)
        finally:
            timings.progress.close()
    for line in timings.lines():
        note(line)
    note(f"build done in {time.monotonic() - started:.2f} s")
    if quiet:
        return
    for edition, report in reports:
        if len(reports) > 1:
            click.echo(f"{report.guide.title} ({report.guide.language}) -> {edition.output}/")
        _summary(report, edition.output)


def _summary(report: BuildReport, output: Path) -> None:
    from audioguide.build.summary import summary_lines

    click.echo("\n".join(summary_lines(report, output)))


@click.command()
@output_option("The output folder to empty.")
@click.option("--cache", is_flag=True, help="Also remove the clip cache.")
@cache_dir_option(None)
def clean(output: Path | None, cache: bool, cache_dir: Path | None) -> None:
    """Remove what builds wrote to OUTPUT (and, with --cache, the clip cache).

    \b
    Example:
      audioguide clean --cache
    """
    from audioguide.build.clean import clean_output

    _, output, cache_folder = places_of(None, output, cache_dir)
    removed = clean_output(output)
    click.echo(f"Removed {plural(removed, 'file')} from {output}/.")
    if cache:
        folder = cache_folder
        if folder.is_dir():
            shutil.rmtree(folder)
            click.echo(f"Removed the clip cache {folder}/.")


@click.command()
@click.argument("zip_path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@output_option("The built folder to pack.")
def bundle(zip_path: Path | None, output: Path | None) -> None:
    """Pack the published guide in OUTPUT into ZIP_PATH (default: OUTPUT.zip).

    The zip holds exactly the files the manifest lists, checked against their
    hashes; the same guide always gives the same zip bytes.

    \b
    Example:
      audioguide bundle -o output guide.zip
    """
    from audioguide.build.summary import bundle_warnings
    from audioguide.publish import bundle as make_bundle

    output = places_of(None, output, None)[1]
    for warning in bundle_warnings(output):
        echo_lines(warning, err=True)
    dest = zip_path or output.with_name(output.name + ".zip")
    make_bundle(output, dest)
    click.echo(f"Wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB).")


@click.command()
@build_options
@drafts_option
def watch(
    scripts_dir: Path | None,
    output: Path | None,
    cache_dir: Path | None,
    jobs: int | None,
    drafts: bool,
) -> None:
    """Build the guide now, then again each time a file in SCRIPTS_DIR is saved.

    Only what changed is rebuilt, and each rebuild says which episodes it made. A save
    with a mistake prints the error lines and keeps watching. Ctrl-C stops.

    \b
    Example:
      audioguide watch scripts -o output
    """
    from audioguide import default_jobs
    from audioguide.build.watch import Options
    from audioguide.build.watch import watch as watch_loop
    from audioguide.system.stopping import on_stop

    scripts_dir, output, cache = places_of(scripts_dir, output, cache_dir, strays=True)
    options = Options(cache, jobs or default_jobs(), drafts)
    try:
        stopped = on_stop(output, options.cache_dir, message="watch stopped", interrupted=STOPPED)
        with stopped:
            watch_loop(scripts_dir, output, options, echo=echo_lines)
    except KeyboardInterrupt:
        click.echo(f"\n{STOPPED}")


STOPPED = "Stopped watching."
