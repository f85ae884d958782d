"""The commands that look at a guide without making audio: `check`, `voices` (what an
engine can speak with) and `schema` (guide.yaml's JSON Schema, for editors)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from audioguide.build.summary import plural
from audioguide.cli.console import flag, note, print_diagnostics
from audioguide.cli.options import (
    CACHE_ENV,
    DEFAULT_CACHE,
    cache_dir_option,
    places_of,
    scripts_argument,
)
from audioguide.model import PYTTSX3_DRIVERS
from audioguide.speech.registry import ENGINES

if TYPE_CHECKING:
    from audioguide.build.session import Checked


@click.command()
@scripts_argument
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 2 on any).")
@click.option("-v", "--verbose", "say_more", is_flag=True, help="Also say how figures are said.")
@cache_dir_option(
    f"Where the engines' voice lists are kept [default: ${CACHE_ENV} or {DEFAULT_CACHE}]."
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
    print_diagnostics(checked.diagnostics)
    if checked.guide is None:
        if not flag("quiet"):
            n = len(checked.diagnostics)
            click.echo(f"{prefix}the guide did not load: {plural(n, 'error')}")
        return
    n_errors = checked.errors
    if not flag("quiet"):
        from audioguide.build.summary import episode_lines, status_summary
        from audioguide.check.spoken import said_lines

        click.echo("\n".join(episode_lines(checked.guide, sound_file_seconds)))
        if said:
            click.echo("".join(f"{line}\n" for line in said_lines(checked.guide)), nl=False)
        click.echo(
            f"{prefix}{status_summary(checked.guide)}, {plural(n_errors, 'error')}, "
            f"{plural(len(checked.diagnostics) - n_errors, 'warning')}"
        )
    loaded, listed, checking = checked.timings
    note(
        f"{prefix}loaded in {loaded:.3f} s, voices listed in {listed:.3f} s, "
        f"checked in {checking:.3f} s"
    )


@click.command()
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


@click.command()
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
