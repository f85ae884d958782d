"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from audioguide.system.tempfiles import temp_name

__all__ = ["atomic_path", "atomic_write", "atomic_write_text", "replace_all", "temp_name"]


@contextlib.contextmanager
def naming(dest: Path) -> Iterator[None]:
    """Give an OSError without a file name (a write() on a full disk) `dest`'s name, so
    the error line says which file could not be written."""
    try:
        yield
    except OSError as e:
        if e.filename is None and e.errno is not None:
            raise OSError(e.errno, e.strerror, str(dest)) from e
        raise


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; on success it replaces `dest` atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(dest)
    try:
        with naming(dest):
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write(dest: Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(dest: Path, text: str) -> None:
    atomic_write(dest, text.encode("utf-8"))


def replace_all(files: dict[Path, bytes]) -> None:
    """Write several files as one: every temp file first, then the replaces, in order.

    A failure while writing (a full disk, a read-only folder) removes the temp files and
    leaves every destination as it was, so files that must agree with each other (a
    feed and the manifest that hashes it) never mix two builds. The replaces are
    renames in one folder, which need no space.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for dest, data in files.items():
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(dest)
            temps.append((tmp, dest))
            with naming(dest), open(tmp, "wb") as f:
                f.write(data)
                os.fsync(f.fileno())
        for tmp, dest in temps:
            os.replace(tmp, dest)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def sha256_file(path: Path | str) -> str:
    """The sha256 of a file, read in blocks: a long MP3 or a voice model is not read whole."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
