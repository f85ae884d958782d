"""What the output folder's own records may name: paths that stay inside it.

`state.json`, the manifest and the fresh record are data on disk that anyone (or a
damaged disk) may have changed. Before a path read from them is opened, stat'ed,
zipped or deleted it must be a plain relative path below the folder: no `..`, no
absolute path, no drive, no hidden part (`.audioguide/`, temp files), and no symlinked
folder leading out.
"""

from __future__ import annotations

from pathlib import Path


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
