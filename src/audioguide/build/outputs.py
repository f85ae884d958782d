"""What an output folder records about itself, in `OUTPUT/.audioguide/`: which guide it
belongs to (`guide.json`), and what its last build published (`published.json`).

A build removes the files of episodes its guide no longer has, so a build of one guide
into another's folder would delete the other's episodes. The first build of a folder
claims it for its guide (by the guide folder's absolute path); a build of another guide
into it then stops, before writing anything, unless it is forced. A folder built before
this record existed is claimed by the next build, as builds always treated it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from audioguide.build.report import Published
from audioguide.errors import AudioguideError
from audioguide.model import Guide
from audioguide.system.fsutil import atomic_write

RECORD_DIR = ".audioguide"
OWNER_FILE = "guide.json"
PUBLISHED_FILE = "published.json"


class OutputOwnedError(AudioguideError):
    """The output folder belongs to another guide: a mistake in the command, exit 2."""

    exit_code = 2


def _read(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(path: Path, data: object) -> None:
    blob = (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    try:
        if path.read_bytes() == blob:
            return  # a no-op build leaves the record's time alone
    except OSError:
        pass
    atomic_write(path, blob)


def _identity(scripts: Path) -> str:
    return str(Path(os.path.abspath(scripts)).resolve())


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") and os.path.isabs(path) else rel


def check_owner(output: Path, scripts: Path, force: bool = False) -> None:
    """Raise `OutputOwnedError` if `output` belongs to a guide other than `scripts`."""
    record = _read(output / RECORD_DIR / OWNER_FILE)
    if force or record is None or record.get("guide") == _identity(scripts):
        return
    folder = str(record.get("guide", "?"))
    gone = not (Path(folder) / "guide.yaml").is_file()
    hint = (
        "if that guide was moved or renamed, add --force to build this one there"
        if gone
        else "build this guide into its own folder with -o, or add --force to replace them"
    )
    raise OutputOwnedError(
        f"{output}/ holds the guide '{record.get('title', '?')}' from {_shown(folder)}/, "
        f"not this one from {scripts}/ ({hint})"
    )


def claim(output: Path, scripts: Path, guide: Guide, force: bool = False) -> None:
    """Check `output` is this guide's (or `force`), then record that it is."""
    check_owner(output, scripts, force)
    record = {"guide": _identity(scripts), "title": guide.title}
    _write(output / RECORD_DIR / OWNER_FILE, record)


def published_of(guide: Guide, ids: Sequence[str]) -> Published:
    out = set(ids)
    return Published(tuple((ep.id, ep.status, ep.id in out) for ep in guide.episodes))


def note_published(output: Path, published: Published) -> None:
    data = {"episodes": [{"id": i, "status": s, "published": p} for i, s, p in published.episodes]}
    _write(output / RECORD_DIR / PUBLISHED_FILE, data)


def last_published(output: Path) -> Published | None:
    """What the last build of `output` published, if it said."""
    data = _read(output / RECORD_DIR / PUBLISHED_FILE)
    try:
        items = data["episodes"] if data else None
        if not isinstance(items, list):
            return None
        rows = ((str(e["id"]), str(e["status"]), bool(e["published"])) for e in items)
        return Published(tuple(rows))
    except (KeyError, TypeError):
        return None


def manifest_bytes(output: Path) -> bytes:
    """The manifest as it is now: it hashes every published file, so it changes with
    whatever a build publishes (statuses, --drafts, the base URL)."""
    try:
        return (output / "manifest.json").read_bytes()
    except OSError:
        return b""
