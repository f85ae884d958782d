"""Folders as the tests compare them: every file with its sha256, and built guide
folders copied so a test may change its copy."""

from __future__ import annotations

import hashlib
import json
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


def _kept(path: Path) -> bytes:
    """A file's bytes; the output's record without its stamp, which holds the files'
    times (different in every folder, by design: see `build.record`)."""
    data = path.read_bytes()
    if path.name == "record.json" and path.parent.name == ".audioguide":
        record = json.loads(data)
        record["stamp"] = None
        return json.dumps(record, sort_keys=True).encode()
    return data


def output_hashes(folder: Path) -> dict[str, str]:
    """Every file of an output folder and its sha256, but for its lock file (there only
    while a build runs, or after one was killed), the record without its stamp."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(_kept(p)).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def copy_built(built: Path, to: Path) -> Path:
    """A copy of a built guide folder, its outputs free to be claimed by the next build."""
    shutil.copytree(built, to, dirs_exist_ok=True)
    for path in to.glob("**/.audioguide/record.json"):
        record = json.loads(path.read_text("utf-8"))
        record["owner"] = None  # the copy's next build claims it (the guide was "moved")
        path.write_text(json.dumps(record), "utf-8")
    return to
