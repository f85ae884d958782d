"""Editions: the guides in one scripts folder (e.g. English at the top, Spanish in es/),
where each is built to, and how their pages link each other."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from audioguide.build.report import Alternate
from audioguide.model import Guide


@dataclass(frozen=True)
class Edition:
    """One guide inside a scripts folder, and where its files go."""

    name: str  # "" for the guide at the top of the folder
    scripts: Path
    output: Path

    def base_url(self, base_url: str | None) -> str | None:
        """Where this edition is served, given where the top of the output folder is:
        `https://x/guide/` -> `https://x/guide/es/` for `es`, so its feed, page and
        links name its own files, not the main edition's."""
        if not base_url or not self.name:
            return base_url
        top = base_url if base_url.endswith("/") else base_url + "/"
        return f"{top}{quote(self.name)}/"


def editions(scripts: Path, output: Path) -> list[Edition]:
    """The guide in `scripts`, then each sub-folder that holds a guide (e.g. `es/`).

    Each edition gets its own output folder (`output/es/`), feed and page; the clip
    cache is shared.
    """
    found = []
    if (scripts / "guide.yaml").is_file() or not scripts.is_dir():
        found.append(Edition("", scripts, output))
    if scripts.is_dir():
        for sub in sorted(p for p in scripts.iterdir() if (p / "guide.yaml").is_file()):
            found.append(Edition(sub.name, sub, output / sub.name))
    return found or [Edition("", scripts, output)]


def alternates_of(
    found: Sequence[tuple[Edition, Guide]],
) -> dict[Edition, tuple[Alternate, ...]]:
    """For each edition, the others as its page links them (relative folders)."""
    return {
        edition: tuple(
            Alternate(
                guide.title,
                guide.language,
                Path(os.path.relpath(other.output, edition.output)).as_posix(),
            )
            for other, guide in found
            if other != edition
        )
        for edition, _ in found
    }
