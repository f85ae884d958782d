"""Folders as the tests compare them: every file with its sha256, and built guide
folders copied so a test may change its copy."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path


def tree_hashes(folder: Path, skip: Callable[[Path], bool] | None = None) -> dict[str, str]:
    """Every file under `folder` (its path relative to it, with /) and its sha256; a file
    for which `skip(path)` is true is left out. Equal before and after: nothing written."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not (skip and skip(p))
    }


def output_hashes(folder: Path) -> dict[str, str]:
    """`tree_hashes` of an output folder but for its lock file, there only while a
    build runs (or after one was killed)."""
    return tree_hashes(folder, skip=lambda p: p.name == "lock")


def copy_built(built: Path, to: Path) -> Path:
    """A copy of a built guide folder, its outputs free to be claimed by the next build."""
    shutil.copytree(built, to, dirs_exist_ok=True)
    for owner in to.glob("**/.audioguide/guide.json"):
        owner.unlink()  # the copy's next build claims it (the guide was "moved")
    return to
