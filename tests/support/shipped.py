"""The guide shipped in scripts/, built once per session (both editions) for the tests
that only read what a build of it publishes, and copied by those that change it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from audioguide.build.report import BuildReport
from audioguide.build.session import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent.parent
SCRIPTS = REPO / "scripts"
BASE_URL = "https://clinic.example/guide/"  # where the feeds say the site is served


@dataclass(frozen=True)
class ShippedBuild:
    """A folder holding a copy of scripts/, its output/ and its .audioguide-cache/ (the
    layout `audioguide studio scripts` uses), and each edition's report."""

    root: Path
    reports: tuple[BuildReport, ...]  # the main edition's first

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def cache(self) -> Path:
        return self.root / ".audioguide-cache"


def build_shipped(root: Path) -> ShippedBuild:
    """Every edition of the shipped guide built into `root`, as `audioguide build -j 2
    --base-url BASE_URL` builds them (a copy of the scripts: never the repository's)."""
    shutil.copytree(SCRIPTS, root / "scripts")
    options = BuildOptions(
        root / "scripts", root / "output", root / ".audioguide-cache", jobs=2, base_url=BASE_URL
    )
    reports = tuple(report for _, report in build(options))
    assert reports[0].output == root / "output"
    return ShippedBuild(root, reports)
