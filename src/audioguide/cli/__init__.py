"""The command line: the `cli` group, its global options and its one error handler, over
a module per group of commands (building, checking, starting, previewing, importing,
proof, studio); `console` and `options` hold what they share."""

from __future__ import annotations

import errno
from typing import Any

import click

from audioguide import __version__
from audioguide.cli.building import build, bundle, clean, watch
from audioguide.cli.checking import check, schema, voices
from audioguide.cli.console import echo_lines
from audioguide.cli.importing import import_document
from audioguide.cli.previewing import preview
from audioguide.cli.proof import proof
from audioguide.cli.starting import init
from audioguide.cli.studio import studio
from audioguide.errors import AudioguideError, failure_of


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


# Every command, in one place; each module holds a group of them (click only: what a
# command needs, Flask, faster-whisper, the audio stages, loads when it runs).
cli.add_command(build)
cli.add_command(watch)
cli.add_command(clean)
cli.add_command(bundle)
cli.add_command(check)
cli.add_command(voices)
cli.add_command(schema)
cli.add_command(init)
cli.add_command(preview)
cli.add_command(import_document)
cli.add_command(proof)
cli.add_command(studio)


def main() -> None:
    cli(prog_name="audioguide")
