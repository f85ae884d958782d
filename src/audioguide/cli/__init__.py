"""The command line: options, progress and error printing over the library."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from audioguide import __version__
from audioguide.build.summary import plural as _plural
from audioguide.cli.importing import import_document
from audioguide.cli.proof import proof
from audioguide.errors import AudioguideError, failure_of
from audioguide.model import PYTTSX3_DRIVERS
from audioguide.speech.registry import ENGINES
from audioguide.studio.command import studio

if TYPE_CHECKING:
    from audioguide.build.report import BuildReport
    from audioguide.build.session import Checked
    from audioguide.check.checks import Diagnostic

F = TypeVar("F", bound=Callable[..., Any])
CACHE_ENV = "AUDIOGUIDE_CACHE"
DEFAULT_CACHE = Path(".audioguide-cache")


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


class _Group(click.Group):
    """Prints the project's own errors and every OSError (a full disk, a read-only
    folder) as plain lines; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (AudioguideError, OSError) as exc:
            failure = failure_of(exc)
            # click handles a closed pipe (EPIPE) itself.
            epipe = isinstance(exc, OSError) and exc.errno == errno.EPIPE
            if ctx.params.get("debug") or failure is None or epipe:
                raise
            echo_lines(failure.text, err=True)
            ctx.exit(failure.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="audioguide")
@click.option("-v", "--verbose", is_flag=True, help="Say more, e.g. how long each stage took.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(verbose: bool, quiet: bool, debug: bool) -> None:
    """Turn short YAML scripts into a podcast-style audio guide, offline.

    \b
    A day's work:
      audioguide check                  # find mistakes, in a second, no audio
      audioguide preview welcome --chapter "Before we begin" --play
      audioguide build                  # scripts/ -> output/

    Set NO_COLOR to turn colour off.
    """


cli.add_command(studio)  # click only: Flask loads when the command runs
cli.add_command(import_document)
cli.add_command(proof)  # faster-whisper loads only when it runs


def flag(name: str) -> bool:
    """A global option (-v, -q) from the group, wherever the command is."""
    return bool(click.get_current_context().find_root().params.get(name))


def _verbose(message: str) -> None:
    if flag("verbose") and not flag("quiet"):
        click.echo(message, err=True)


def _output_option(help_text: str) -> Callable[[F], F]:
    """`-o/--output`, shared by the commands that work on a built folder."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text + " [default: output/ beside scripts/, else GUIDE-output/]",
    )


def _build_options(command: F) -> F:
    """SCRIPTS_DIR, -o, --cache-dir and -j: what `build` and `watch` both take."""
    for decorate in reversed(
        (
            click.argument(
                "scripts_dir", required=False, type=click.Path(file_okay=False, path_type=Path)
            ),
            _output_option("Folder for the episodes and transcripts."),
            click.option(
                "--cache-dir",
                type=click.Path(file_okay=False, path_type=Path),
                help=f"Clip cache folder [default: ${CACHE_ENV} or {DEFAULT_CACHE} beside the "
                "guide].",
            ),
            click.option(
                "-j",
                "--jobs",
                type=click.IntRange(1, 64),
                help="Worker processes for speech and encoding [default: the CPU count].",
            ),
        )
    ):
        command = decorate(command)
    return command


@cli.command()
@_build_options
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
            reports = build_guide(options, progress=timings, note=_verbose)
        finally:
            timings.progress.close()
    for line in timings.lines():
        _verbose(line)
    _verbose(f"build done in {time.monotonic() - started:.2f} s")
    if quiet:
        return
    for edition, report in reports:
        if len(reports) > 1:
            click.echo(f"{report.guide.title} ({report.guide.language}) -> {edition.output}/")
        _summary(report, edition.output)


def _summary(report: BuildReport, output: Path) -> None:
    from audioguide.build.summary import summary_lines

    click.echo("\n".join(summary_lines(report, output)))


def _cache_dir(option: Path | None, guide: Path | None = None) -> Path:
    from audioguide.build.places import default_cache

    return option or Path(os.environ.get(CACHE_ENV) or default_cache(guide or Path("scripts")))


def places_of(
    scripts: Path | None, output: Path | None, cache: Path | None, strays: bool = False
) -> tuple[Path, Path, Path]:
    """The guide, output and cache a command works on, defaults filled in (`places`);
    with `strays`, files in episodes/ that look like scripts are named first."""
    from audioguide.build.places import default_output, guide_folder

    scripts = guide_folder(scripts)
    if strays:
        _warn_strays(scripts)
    return scripts, output or default_output(scripts), _cache_dir(cache, scripts)


def _warn_strays(scripts: Path) -> None:
    """Name each file in an episodes/ folder that looks like a script but is not read."""
    from audioguide.build.session import stray_warnings

    found = stray_warnings(scripts)
    if found:
        echo_lines("\n".join(found), err=True)


@cli.command()
@_output_option("The output folder to empty.")
@click.option("--cache", is_flag=True, help="Also remove the clip cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path))
def clean(output: Path | None, cache: bool, cache_dir: Path | None) -> None:
    """Remove what builds wrote to OUTPUT (and, with --cache, the clip cache).

    \b
    Example:
      audioguide clean --cache
    """
    from audioguide.build.clean import clean_output

    _, output, cache_folder = places_of(None, output, cache_dir)
    removed = clean_output(output)
    click.echo(f"Removed {_plural(removed, 'file')} from {output}/.")
    if cache:
        folder = cache_folder
        if folder.is_dir():
            shutil.rmtree(folder)
            click.echo(f"Removed the clip cache {folder}/.")


@cli.command()
@click.argument("zip_path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_output_option("The built folder to pack.")
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


# --- check -------------------------------------------------------------------------------


@cli.command()
@click.argument("scripts_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 2 on any).")
@click.option("-v", "--verbose", "say_more", is_flag=True, help="Also say how figures are said.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where the engines' voice lists are kept [default: ${CACHE_ENV} or {DEFAULT_CACHE}].",
)
def check(scripts_dir: Path | None, strict: bool, say_more: bool, cache_dir: Path | None) -> None:
    """Check the guide in SCRIPTS_DIR (default: the working folder if it holds
    guide.yaml, else scripts/) without making any audio.

    Prints every mistake and warning as `path:line:col: error|warning: message (hint)`,
    then each episode with its status, length and reading grade, and a summary. Warns of:
    an episode over 6 or under 1 minute, an acronym or name with no lexicon entry, a
    sentence over 35 words or over the reading_level, an unused lexicon entry, etc.
    Exits with status 2 if there is an error, 0 otherwise.

    \b
    Examples:
      audioguide check                  # scripts/ and its editions
      audioguide check my-guide --strict
      audioguide check -v               # and what "9:00 a.m." and "5 ml" will be said as
    """
    from audioguide import BuildOptions, check_guide

    scripts_dir, output, cache = places_of(scripts_dir, None, cache_dir)
    checked = check_guide(BuildOptions(scripts_dir, output, cache), strict)
    for edition in checked:
        _print_checked(edition, len(checked) > 1, say_more or flag("verbose"))
    if any(edition.errors for edition in checked):
        click.get_current_context().exit(2)


def _print_checked(checked: Checked, named: bool, said: bool = False) -> None:
    """Print what `check` found in one edition (`said`: and how figures are said)."""
    from audioguide.plan.estimate import sound_file_seconds

    prefix = f"{checked.edition.scripts}/: " if named else ""
    _print_diagnostics(checked.diagnostics)
    if checked.guide is None:
        if not flag("quiet"):
            n = len(checked.diagnostics)
            click.echo(f"{prefix}the guide did not load: {_plural(n, 'error')}")
        return
    n_errors = checked.errors
    if not flag("quiet"):
        from audioguide.build.summary import episode_lines, status_summary
        from audioguide.check.spoken import said_lines

        click.echo("\n".join(episode_lines(checked.guide, sound_file_seconds)))
        if said:
            click.echo("".join(f"{line}\n" for line in said_lines(checked.guide)), nl=False)
        click.echo(
            f"{prefix}{status_summary(checked.guide)}, {_plural(n_errors, 'error')}, "
            f"{_plural(len(checked.diagnostics) - n_errors, 'warning')}"
        )
    loaded, listed, checking = checked.timings
    _verbose(
        f"{prefix}loaded in {loaded:.3f} s, voices listed in {listed:.3f} s, "
        f"checked in {checking:.3f} s"
    )


def _print_diagnostics(found: Sequence[Diagnostic], err: bool = False) -> None:
    if found:
        echo_lines("\n".join(d.line() for d in found), err=err)


# --- voices ------------------------------------------------------------------------------


@cli.command()
@click.option(
    "-l",
    "--language",
    metavar="CODE",
    help="Only voices for this language; a prefix, e.g. en, en-gb, es.",
)
@click.option(
    "--engine",
    default="pyttsx3",
    show_default=True,
    type=click.Choice(sorted(ENGINES)),
    help="The speech engine.",
)
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For piper: the voice model (.onnx) whose speakers to list.",
)
@click.option(
    "--driver",
    default="espeak",
    show_default=True,
    type=click.Choice(list(PYTTSX3_DRIVERS)),
    help="For pyttsx3: espeak-ng, or the system's voices (sapi5 on Windows, nsss on macOS).",
)
def voices(language: str | None, engine: str, model: Path | None, driver: str) -> None:
    """List the voices an engine can speak with, for `voice: name:` in a script.

    \b
    Examples:
      audioguide voices --language en
      audioguide voices --language es-419
    """
    from audioguide.check.voicelist import listing
    from audioguide.speech.registry import create_engine

    if model is not None and not ENGINES[engine].needs_model:
        raise click.UsageError("--model names a Piper voice model: add --engine piper")
    if driver != "espeak" and engine != "pyttsx3":
        raise click.UsageError("--driver chooses pyttsx3's driver: leave out --engine")
    made = create_engine(engine, language or "en-US", model)
    click.echo("\n".join(listing(made, language, driver, quiet=flag("quiet"))))


# --- init --------------------------------------------------------------------------------


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Start a new guide in FOLDER: a commented guide.yaml, an example episode and a
    README for staff. It checks and builds as it is; it never overwrites a guide.

    \b
    Example:
      audioguide init clinic-guide
      audioguide check clinic-guide
    """
    from audioguide.loader.scaffold import init_guide

    written = init_guide(folder)
    if flag("quiet"):
        return
    click.echo(f"Created a new guide in {folder}/:")
    for path in written:
        click.echo(f"  {path}")
    click.echo(
        f"Next: edit {folder}/guide.yaml, then run `audioguide check {folder}` "
        f"and `audioguide preview example -s {folder}`."
    )


@cli.command()
@click.argument("kind", type=click.Choice(["guide", "episode"]), default="guide")
def schema(kind: str) -> None:
    """Print the JSON Schema of guide.yaml (or of an episode file), for editors with YAML
    support: they complete keys and underline mistakes as you type. `init` writes both
    into a new guide's .schema/ folder, and points each file at its schema on line 1:

    \b
      # yaml-language-server: $schema=.schema/guide.schema.json

    \b
    Examples:
      audioguide schema > guide.schema.json
      audioguide schema episode > episode.schema.json
    """
    from audioguide.loader.schema import schema_json

    click.echo(schema_json(kind), nl=False)


# --- preview -----------------------------------------------------------------------------


@cli.command()
@click.argument("episode")
@click.option(
    "-s",
    "--scripts",
    "scripts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The guide folder [default: the working folder if it holds guide.yaml, else scripts].",
)
@click.option(
    "--segment", type=click.IntRange(min=1), metavar="N", help="Only segment N (1 = first)."
)
@click.option("--chapter", metavar="NAME", help="Only this chapter (its title, any capitals).")
@click.option("--play", is_flag=True, help="Play it when it is ready.")
@click.option(
    "-o",
    "--output",
    "dest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The WAV file to write [default: OUTPUT/preview/EPISODE[-PART].wav, OUTPUT as for build].",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Clip cache folder [default: ${CACHE_ENV} or {DEFAULT_CACHE} beside the guide].",
)
def preview(
    episode: str,
    scripts_dir: Path | None,
    segment: int | None,
    chapter: str | None,
    play: bool,
    dest: Path | None,
    cache_dir: Path | None,
) -> None:
    """Render one episode, or one segment or chapter of it, to a WAV file to listen to.

    Fast: only that part is spoken, through the same clip cache as the build (whatever
    it speaks, the next build reuses). A segment or chapter is rendered without the
    chime, intro and outro. Prints the file's path.

    \b
    Examples:
      audioguide preview welcome
      audioguide preview welcome --segment 3 --play
      audioguide preview welcome --chapter "Before we begin" -o before.wav
    """
    if segment is not None and chapter is not None:
        raise click.UsageError("give --segment or --chapter, not both")
    from audioguide import BuildOptions
    from audioguide import preview as render

    scripts_dir, output, cache = places_of(scripts_dir, None, cache_dir)
    started = time.monotonic()
    options = BuildOptions(scripts_dir, output, cache)
    path = render(options, episode, segment=segment, chapter=chapter, dest=dest)
    _verbose(f"rendered in {time.monotonic() - started:.2f} s")
    click.echo(str(path))
    if play:
        _play(path)


def _play(path: Path) -> None:
    from audioguide.build.preview import play

    play(path, lambda line: click.echo(line, err=True))


# --- watch -------------------------------------------------------------------------------


@cli.command()
@_build_options
@click.option("--drafts", is_flag=True, help="Publish draft and review episodes too.")
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


def main() -> None:
    cli(prog_name="audioguide")
