"""The `audioguide proof` command (click only: the recognizer loads when it runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audioguide.cli.console import echo_lines, flag
from audioguide.cli.options import (
    FOLDER,
    cache_dir_option,
    output_option,
    places_of,
    scripts_argument,
)


@click.command("proof")
@scripts_argument
@output_option("The built folder to proof", end=".")
@cache_dir_option("Clip cache folder [default: as build].")
@click.option(
    "--model",
    type=FOLDER,
    help="A Whisper model folder in CTranslate2 format (a larger or multilingual one) "
    "[default: tiny.en from the proof extra].",
)
@click.option("--sign", metavar="NAME", help="Sign the proofed audio off in this name.")
@click.option(
    "--suggest",
    is_flag=True,
    help="For each misheard word, try a few respellings and offer the first heard right "
    "as a lexicon entry (speaks and hears each: slower).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), help="Recognizer threads [default: CPU count]."
)
def proof(
    scripts_dir: Path | None,
    output: Path | None,
    cache_dir: Path | None,
    model: Path | None,
    sign: str | None,
    suggest: bool,
    jobs: int | None,
) -> None:
    """Hear every sentence of the built guide with a speech recognizer, offline, and
    flag each one heard differently from its script.

    Needs `pip install 'audioguide[proof]'` and a build of the guide first. Prints
    `file:line:col: error|warning|note: heard ... for ...` for each flagged sentence
    (error: a number, time, phone number, dose or name; note: only small words), then
    each episode's counts and word error rate. Only sentences not heard before by the
    model are heard again. The JSON record and an HTML report to read and sign go to
    OUTPUT/.audioguide/proof/ (never published). An edition in a language the model
    cannot hear is named, not passed.

    \b
    Examples:
      audioguide proof                        # scripts/ as built in output/
      audioguide proof --suggest              # and lexicon fixes for misheard words
      audioguide proof --sign "Dr. A. Lee"    # sign off after reading the report
    """
    from audioguide.build.session import default_jobs
    from audioguide.cli.progress import StatusLine
    from audioguide.proof import report
    from audioguide.proof.run import ProofOptions
    from audioguide.proof.run import proof as run_proof

    if sign is not None and not sign.strip():
        raise click.BadParameter("give the name of who signs", param_hint="--sign")
    scripts, output, cache = places_of(scripts_dir, output, cache_dir)
    options = ProofOptions(
        scripts,
        output,
        cache,
        model,
        sign and " ".join(sign.split()),
        suggest,
        jobs or default_jobs(),
    )
    status = StatusLine(not flag("quiet") and sys.stderr.isatty())
    try:
        result = run_proof(options, progress=status)
    finally:
        status.close()
    for proofed in result.editions:
        flagged = [report.line(r) for r in proofed.results if r.flagged]
        if flagged:
            echo_lines("\n".join(flagged))
        data = report.record_of(proofed, result.model)
        echo_lines("\n".join(report.summary_lines(proofed, data)))
    where = result.editions[0].edition.output / ".audioguide" / "proof" / "report.html"
    click.echo(
        f"{result.recognized} heard now by {result.model.name}, the rest as heard before; "
        f"report: {where}"
    )
    if sign:
        click.echo(f"Signed off by {options.sign}.")
