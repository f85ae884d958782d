"""`manifest.json`: every published file with its size and sha256, and the guide's version.

A reader (a clinic's web server, a USB-stick checker, `bundle`) can tell from it alone
whether a folder is complete and unchanged. No absolute paths, no timestamps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from audioguide.model import Guide
from audioguide.publish.common import one_line
from audioguide.system.fsutil import sha256_file

NAME = "manifest.json"
FORMAT = "audioguide-manifest/1"


@dataclass(frozen=True)
class FileEntry:
    path: str  # POSIX, relative to the output folder
    size: int
    sha256: str


def file_entry(output: Path, path: Path) -> FileEntry:
    """Measure one file (I/O at the edge); streamed, so a long MP3 is not read whole."""
    size = path.stat().st_size
    return FileEntry(path.relative_to(output).as_posix(), size, sha256_file(path))


def version(guide: Guide, entries: Iterable[FileEntry]) -> str:
    """`<date>+<12 hex>`: the guide's date, then a hash over the files' paths and hashes."""
    digest = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.path):
        digest.update(f"{entry.path}\0{entry.sha256}\n".encode())
    return f"{guide.date}+{digest.hexdigest()[:12]}"


def manifest_json(
    guide: Guide,
    entries: Iterable[FileEntry],
    editions: Iterable[str] = (),
    urls: Mapping[str, str] = {},
) -> str:
    """`editions` are the sub-folders holding other editions (e.g. "es"), each with its
    own manifest: a bundle of this folder takes them along, so the page's links work.
    `urls` are the links that name a file with its version (an episode's audio)."""
    files = sorted(entries, key=lambda e: e.path)
    document = {
        "format": FORMAT,
        "title": one_line(guide.title),
        "language": guide.language,
        "version": version(guide, files),
        "files": [_file(e, urls.get(e.path)) for e in files],
        "editions": sorted(editions),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _file(entry: FileEntry, url: str | None) -> dict[str, object]:
    found: dict[str, object] = {"path": entry.path, "size": entry.size, "sha256": entry.sha256}
    return found | ({"url": url} if url else {})


@dataclass(frozen=True)
class Manifest:
    files: tuple[FileEntry, ...]
    editions: tuple[str, ...]


def read_manifest(output: Path) -> Manifest:
    """What a manifest lists; ValueError if it is not one of ours."""
    document = json.loads((output / NAME).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{output / NAME} is not an audioguide manifest")
    return Manifest(
        tuple(
            FileEntry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in document["files"]
        ),
        tuple(str(e) for e in document.get("editions", ())),
    )
