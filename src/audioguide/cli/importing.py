"""`audioguide import`: a clinic's handout (.docx, .md, .txt, .html) into a guide."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("guide_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-l",
    "--language",
    default="en-US",
    show_default=True,
    help="The language of a new guide (BCP 47); an existing guide keeps its own.",
)
def import_document(file: Path, guide_dir: Path | None, language: str) -> None:
    """Import FILE (.docx, .md, .txt or .html) into the guide in GUIDE_DIR (default:
    a new folder named after FILE; an existing guide gets new episodes).

    Headings become episodes and chapters, paragraphs `say` segments, list items
    sentences; every new episode is a draft. Tables, images, links, footnotes and
    tracked changes are left out, each named in a warning with where it was. Importing
    the same document again changes only what changed in it, and never overwrites an
    episode edited by hand: the new text is written beside it as NN-id.yaml.imported.
    Word and Markdown need the import extra: pip install 'audioguide[import]'.

    \b
    Examples:
      audioguide import handout.docx sleep-guide
      audioguide check sleep-guide
      audioguide import handout.docx sleep-guide   # after editing the document
    """
    from audioguide.loader.importing import import_document as run

    root = guide_dir or file.with_suffix("")
    report = run(file, root, language)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    if not click.get_current_context().find_root().params.get("quiet"):
        for line in report.lines:
            click.echo(line)
        click.echo(f"Imported {file.name} into {root}/; next: audioguide check {root}")
