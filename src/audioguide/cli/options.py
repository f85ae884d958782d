"""The options and arguments that several commands share, each declared once, and the
folders they name with their defaults filled in (`places_of`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from audioguide.cli.console import echo_lines

F = TypeVar("F", bound=Callable[..., Any])
CACHE_ENV = "AUDIOGUIDE_CACHE"
DEFAULT_CACHE = Path(".audioguide-cache")
FOLDER = click.Path(file_okay=False, path_type=Path)
CLIP_CACHE_HELP = f"Clip cache folder [default: ${CACHE_ENV} or {DEFAULT_CACHE} beside the guide]."


def scripts_argument(command: F) -> F:
    """SCRIPTS_DIR, the guide folder (default: `places_of`)."""
    return click.argument("scripts_dir", required=False, type=FOLDER)(command)


def output_option(help_text: str, end: str = "") -> Callable[[F], F]:
    """`-o/--output`, shared by the commands that work on a built folder (`end`: what
    follows the default, as `proof`'s help has always ended with a full stop)."""
    return click.option(
        "-o",
        "--output",
        type=FOLDER,
        help=help_text + " [default: output/ beside scripts/, else GUIDE-output/]" + end,
    )


def cache_dir_option(help_text: str | None = CLIP_CACHE_HELP) -> Callable[[F], F]:
    """`--cache-dir`: the clip cache (where `check` keeps the engines' voice lists)."""
    return click.option("--cache-dir", type=FOLDER, help=help_text)


def drafts_option(command: F) -> F:
    """`--drafts`: what `build` and `watch` publish."""
    option = click.option("--drafts", is_flag=True, help="Publish draft and review episodes too.")
    return option(command)


def build_options(command: F) -> F:
    """SCRIPTS_DIR, -o, --cache-dir and -j: what `build` and `watch` both take."""
    for decorate in reversed(
        (
            scripts_argument,
            output_option("Folder for the episodes and transcripts."),
            cache_dir_option(),
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
