"""The one path-safety helper: which paths may be read, served or written.

The output's record (`build.record`) and the manifest are data on disk that anyone (or
a damaged disk) may have changed; the studio serves files by a name from a request.
Before such a path is opened, stat'ed, zipped, served or deleted it must be a plain
relative path below its folder: no `..`, no absolute path, no drive, no hidden part
(`.audioguide/`, temp files), and no symlinked folder leading out (`inside`).

A build writes only inside its output folder, links included: every folder it writes
into must really be there, not a link to a folder elsewhere (`check_folders`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from audioguide.errors import AudioguideError


class OutsideOutputError(AudioguideError):
    """A folder the build would write into leads out of the output folder (exit 1)."""


def safe_relative(rel: object) -> bool:
    """True for a relative POSIX path of visible parts, e.g. `episodes/01-a.mp3`."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel or ":" in rel:
        return False
    # Split by hand: PurePosixPath would quietly drop "." parts and a trailing "/".
    return all(part not in ("", ".", "..") and not part.startswith(".") for part in rel.split("/"))


def inside(output: Path, rel: str) -> Path | None:
    """`output / rel` if `rel` is safe and the path really stays inside `output`
    (a symlink on the way may not lead out); None otherwise."""
    if not safe_relative(rel):
        return None
    path = output / rel
    try:
        if not path.parent.resolve().is_relative_to(output.resolve()):
            return None
    except (OSError, RuntimeError):
        return None
    return path


def file_inside(root: Path, rel: str) -> Path | None:
    """The real path of `root/rel` if it is a file that stays inside `root` once every
    `..` and symlink is resolved; None otherwise (what a server may send)."""
    if not safe_relative(rel) or rel.startswith("/"):
        return None
    try:
        base = root.resolve(strict=True)
        target = (base / os.path.join(*rel.split("/"))).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def check_folders(output: Path, folders: Iterable[str]) -> None:
    """Raise `OutsideOutputError` if one of `folders` (relative to `output`) exists and
    its real path is not inside the real `output`: a link there would carry the build's
    writes (MP3s, its record, its lock) to a folder it was never given."""
    try:
        base = output.resolve()
    except (OSError, RuntimeError):
        return  # no output folder yet: nothing in it can lead out
    for rel in folders:
        folder = output / rel
        if not os.path.lexists(folder):
            continue
        try:
            real = folder.resolve(strict=True)
        except (OSError, RuntimeError):
            real = None  # a dangling or looping link: no folder to write into either
        if real is None or not real.is_relative_to(base):
            leads = f"a link to {real}" if real else "a broken link"
            raise OutsideOutputError(
                f"{folder} is {leads}, outside the output folder {output}; "
                "a build writes only inside its output folder: remove the link "
                "(or build into the folder it points to with -o)"
            )
