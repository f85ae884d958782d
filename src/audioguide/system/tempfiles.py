"""Temp files that a build writes beside their destination, the private folders a
process works in, and the one sweep that removes those a killed process left.

A temp file's name says who writes it: `.<dest>.<host>-<pid>-<thread>.tmp`, where
`<host>` is a short hash of the host name, the boot id and the PID namespace. A private
folder's name says who owns it the same way: `.audioguide-<purpose>.<host>-<pid>-<x>.tmp`
(`private_folder`, in the system temp folder or a given one, such as the clip cache).
A process killed outright (SIGKILL, a power cut) cannot remove either: the next build,
studio or `clean` does (`sweep`).

The clip cache may be shared by builds on other hosts (a network share) or in other
containers (another PID namespace, where the same PID is another process): only a
writer of this very host and namespace can be judged alive by its PID. Anyone else's
temp file or folder is removed only once it is older than `FOREIGN_AGE`, far longer
than any single write takes (an episode's MP3 is written in seconds).

Folders that are shared rather than owned (the studio's guide locks) are named by
`shared_folder`, and never swept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

from audioguide.system import hostos

FOREIGN_AGE = 3600.0  # seconds
PRIVATE = ".audioguide-"  # how every private folder's name begins


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


@functools.cache
def host_token() -> str:
    """Who "this host" is, for PIDs: host name, boot and PID namespace."""
    namespace = ""
    with contextlib.suppress(OSError):  # Linux only; elsewhere host and boot suffice
        namespace = os.readlink("/proc/self/ns/pid")
    parts = [socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), namespace]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10]


def temp_name(dest: Path) -> Path:
    # Hidden and without the real suffix, so no player, feed or bundle picks it up;
    # unique per host, process and thread, as editions build side by side.
    tag = f"{host_token()}-{os.getpid()}-{threading.get_ident()}"
    return dest.with_name(f".{dest.name}.{tag}.tmp")


def private_folder(purpose: str, parent: Path | None = None) -> PrivateFolder:
    """A new folder that only this process uses, in `parent` (default: the system temp
    folder), named for its owner as a temp file is, so that a sweep can tell once nobody
    will use it again; made on entering, removed with what it holds on leaving."""
    if not purpose.replace("-", "").isalnum():
        raise ValueError(f"a private folder's purpose is a word, not {purpose!r}")
    return PrivateFolder(purpose, parent)


class PrivateFolder(contextlib.AbstractContextManager[Path]):
    """`private_folder`'s context manager. Not a generator: a generator left suspended
    is closed when it is collected, and a fork that drops its parent's (a pool worker
    starting its own speech engine) would then remove the parent's folder."""

    def __init__(self, purpose: str, parent: Path | None) -> None:
        self.purpose, self.parent = purpose, parent
        self.folder: Path | None = None
        self.owner = 0

    def __enter__(self) -> Path:
        self.owner = os.getpid()
        prefix = f"{PRIVATE}{self.purpose}.{host_token()}-{self.owner}-"
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=self.parent))
        return self.folder

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None and self.owner == os.getpid():  # never a fork's
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def shared_folder(name: str) -> Path:
    """The folder `name` in the system temp folder, which every audioguide process using
    that temp folder shares (e.g. the studio's guide locks): no one owns it, so no sweep
    removes it."""
    return Path(tempfile.gettempdir()) / f"audioguide-{name}"


def writer_of(temp: Path) -> tuple[str, int] | None:
    """(host token, PID) from a temp file's or private folder's name; None for another
    naming."""
    try:
        host, pid, _thread = temp.name.rsplit(".", 2)[-2].split("-")
        return host, int(pid)
    except ValueError:
        return None


def pid_alive(pid: int) -> bool:
    return hostos.pid_alive(pid)


def abandoned(temp: Path, now: float | None = None, gone: frozenset[int] = frozenset()) -> bool:
    """Whether nobody will finish `temp`: its writer, of this host, is dead (or in
    `gone`, processes being stopped); or it is someone else's (another host or
    namespace, an older naming) and old."""
    writer = writer_of(temp)
    if writer is not None and writer[0] == host_token():
        return writer[1] in gone or not pid_alive(writer[1])
    try:
        age = (time.time() if now is None else now) - temp.stat().st_mtime
    except OSError:
        return False
    return age > FOREIGN_AGE


def sweep(*folders: Path, gone: frozenset[int] = frozenset()) -> list[Path]:
    """Remove the temp files under `folders`, and the private folders in them and in the
    system temp folder, that a killed process left (a SIGKILL leaves no chance to clean
    up), and only those: the clip cache is shared, and another build, or another edition
    of this one, may be writing there now. `gone` are this host's processes being
    stopped: theirs go too. Returns what was removed."""
    return [path for path in _leftovers(folders) if abandoned(path, gone=gone) and _remove(path)]


def _leftovers(folders: tuple[Path, ...]) -> list[Path]:
    """Every temp file and private folder that a sweep looks at: any under `folders`,
    and the private folders at the top of the system temp folder, which is not walked
    (it is everyone's). All listed before any is removed, which would upset the walk."""
    found: list[Path] = []
    with contextlib.suppress(OSError):
        found += Path(tempfile.gettempdir()).glob(f"{PRIVATE}*.tmp")
    for folder in folders:
        with contextlib.suppress(OSError):
            found += folder.rglob(".*.tmp") if folder.is_dir() else ()
    return found


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:  # gone already (inside a folder removed before); a read-only cache
        return False
    return True
