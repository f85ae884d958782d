"""`bundle`: the published folder as one deterministic zip, for sending or archiving.

It holds exactly the files the manifest lists, plus the manifest, each checked against
its recorded size and sha256 first: a folder changed or half-written since `publish`
is refused rather than shipped. Fixed timestamps, permissions and order, so the same
guide gives the same zip bytes on any machine.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from audioguide.publish.common import PublishError
from audioguide.publish.manifest import NAME, FileEntry, read_manifest
from audioguide.system.fsutil import atomic_path
from audioguide.system.trust import inside

EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold
FILE_MODE = 0o100644  # regular file, rw-r--r--
UNIX = 3  # "made on" Unix, whatever the machine, so the header bytes do not vary


def _safe(output: Path, path: str) -> str:
    # A manifest is data from disk: never let it reach outside the folder or pick up
    # hidden state (`.audioguide/`, temp files).
    if inside(output, path) is None:
        raise PublishError(f"{output / NAME} lists an unsafe path: {path!r}")
    return path


def _members(output: Path, prefix: str = "") -> dict[str, tuple[Path, FileEntry | None]]:
    """Zip name -> (folder, entry) for every file to pack: the manifest's files, the
    manifest itself (entry None), and the same for each edition it names."""
    folder = output / prefix if prefix else output
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError as error:
        what = "build the guide first" if not prefix else "build every edition again"
        raise PublishError(f"{folder / NAME} not found; {what}") from error
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{folder / NAME} is not a valid manifest: {error}") from error
    members: dict[str, tuple[Path, FileEntry | None]] = {prefix + NAME: (folder, None)}
    for entry in manifest.files:
        members[prefix + _safe(folder, entry.path)] = (folder, entry)
    for edition in manifest.editions:
        members |= _members(output, prefix + _safe(folder, edition) + "/")
    return members


def _checked(output: Path, entry: FileEntry) -> bytes:
    try:
        data = (output / entry.path).read_bytes()
    except FileNotFoundError as error:
        raise PublishError(f"{entry.path} is listed in {NAME} but missing") from error
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise PublishError(f"{entry.path} changed since it was published; build again")
    return data


def bundle(output: Path, dest_zip: Path) -> Path:
    """Zip the published files of `output` (as its manifest lists them, with the other
    editions it names) into `dest_zip`."""
    members = _members(output)
    with atomic_path(dest_zip) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for name in sorted(members):
            folder, entry = members[name]
            data = _checked(folder, entry) if entry else (folder / NAME).read_bytes()
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            info.create_system = UNIX
            archive.writestr(info, data, compresslevel=9)
    return dest_zip
