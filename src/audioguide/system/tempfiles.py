"""Temp files that a build writes beside their destination, and the sweep that removes
those a killed build left.

A temp file's name says who writes it: `.<dest>.<host>-<pid>-<thread>.tmp`, where
`<host>` is a short hash of the host name, the boot id and the PID namespace. The clip
cache may be shared by builds on other hosts (a network share) or in other containers
(another PID namespace, where the same PID is another process): only a writer of this
very host and namespace can be judged alive by its PID. Anyone else's temp file is
removed only once it is older than `FOREIGN_AGE`, far longer than any single write
takes (an episode's MP3 is written in seconds).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import socket
import threading
import time
from pathlib import Path

from audioguide.system import hostos

FOREIGN_AGE = 3600.0  # seconds


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


def writer_of(temp: Path) -> tuple[str, int] | None:
    """(host token, PID) from a temp file's name; None for another naming."""
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


def sweep(*folders: Path, gone: frozenset[int] = frozenset()) -> None:
    """Remove the temp files under `folders` that a killed build left (a SIGKILL leaves
    no chance to clean up), and only those: the clip cache is shared, and another
    build, or another edition of this one, may be writing there now. `gone` are this
    host's processes being stopped: theirs go too."""
    for folder in folders:
        for path in folder.rglob(".*.tmp") if folder.is_dir() else ():
            if abandoned(path, gone=gone):
                with contextlib.suppress(OSError):  # gone already; a read-only cache
                    path.unlink()
