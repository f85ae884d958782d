"""`audioguide init`: a new guide, ready to check and build."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.cli.console import flag


@click.command()
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
