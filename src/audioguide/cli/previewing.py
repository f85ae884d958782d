"""`audioguide preview`: one episode, segment or chapter as a WAV file to listen to."""

from __future__ import annotations

import time
from pathlib import Path

import click

from audioguide.cli.console import note
from audioguide.cli.options import cache_dir_option, places_of


@click.command()
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
@cache_dir_option()
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
    note(f"rendered in {time.monotonic() - started:.2f} s")
    click.echo(str(path))
    if play:
        _play(path)


def _play(path: Path) -> None:
    from audioguide.build.preview import play

    play(path, lambda line: click.echo(line, err=True))
