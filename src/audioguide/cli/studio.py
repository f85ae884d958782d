"""The `audioguide studio` command (click only: Flask loads when the command runs)."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.cli.options import places_of, scripts_argument


@click.command("studio")
@scripts_argument
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="[default: any free]")
@click.option("--no-browser", is_flag=True, help="Only print the address; open no browser.")
def studio(scripts_dir: Path | None, port: int, no_browser: bool) -> None:
    """Edit, hear and rebuild the guide in SCRIPTS_DIR in a browser, on this computer.

    Prints the studio's address (http://127.0.0.1:PORT/) on the first line and opens
    it. Every sentence plays alone; edits are saved into the scripts with their
    comments and layout kept; Build runs the real build. Ctrl-C stops it.

    \b
    Example:
      audioguide studio scripts --port 8765
    """
    from audioguide.studio.server import serve

    scripts, output, cache = places_of(scripts_dir, None, None)
    _refuse_without_guide(scripts)
    serve(scripts, output, cache, port=port, open_browser=not no_browser, echo=click.echo)


def _refuse_without_guide(scripts: Path) -> None:
    """A folder with no guide (or a mistyped name) is refused as `check` refuses it
    (exit 2), before anything is written: no lock, no output folder."""
    from audioguide.loader import load_with_sources
    from audioguide.loader.editions import editions

    if scripts.is_dir() and any(
        (e.scripts / "guide.yaml").is_file() for e in editions(scripts, scripts)
    ):
        return
    load_with_sources(scripts)  # raises check's own error for it
