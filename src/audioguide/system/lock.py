"""One build at a time per output folder.

The lock is an OS file lock (flock on POSIX, msvcrt on Windows): the kernel drops it
when its process dies, even by SIGKILL, so a stale lock is simply taken over. The file
holds the holder's PID, for the message another build gives. msvcrt locks bytes, and a
locked byte cannot be read by anyone else, so on Windows the lock is on a byte far past
the PID.

A flock belongs to the open file, which a forked child shares until it execs or exits:
a build's workers, or an encoder caught between fork and exec. When the holder named
in the file is dead, those are on their way out (workers follow their parent), so the
lock is waited for a moment (`STALE_WAIT`) before another build is said to hold it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from audioguide.errors import AudioguideError
from audioguide.system import hostos


class LockedError(AudioguideError):
    """Another build holds the output folder."""


STALE_WAIT = 3.0  # seconds a dead holder's children get to let go of the lock


# Who holds a lock, by the command that took it (the second word in the lock file).
HOLDERS = {
    "build": "`audioguide build`",
    "watch": "`audioguide watch` (it rebuilds on every save)",
    "studio": "the studio's Build",
    "preview": "`audioguide preview`",
    "publish": "`audioguide publish`",
}


def _command() -> str:
    """This process's audioguide command (a studio's spawned build has the studio's
    arguments): the first word after the options."""
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    return words[0] if words and words[0].isalnum() else "-"


@contextlib.contextmanager
def build_lock(state_dir: Path, name: str = "lock", busy: str = "") -> Iterator[None]:
    """Hold `state_dir/<name>` for the duration; raise `LockedError` if a live process
    has it (`busy` is then the message, with `{pid}` for its process id)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / name
    # Not through a link: the PID would be written into whatever file it names.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        if not hostos.try_lock(fd) and not _freed_by_the_dead(fd):
            found = _holder(fd)
            holder = found[0] if found else "?"
            who = HOLDERS.get(found[1] if len(found) > 1 else "", "another build")
            raise LockedError(
                busy.format(pid=holder)
                or f"{who} (process {holder}) is writing {state_dir.parent}; wait for it to "
                "finish, or stop it (Ctrl-C in its window), then try again"
            )
        os.lseek(fd, 0, os.SEEK_SET)
        # Padded rather than truncated: on Windows the file must not shrink below the
        # locked byte while it is locked.
        os.write(fd, f"{os.getpid()} {_command()}"[:32].encode().ljust(32))
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _holder(fd: int) -> list[str]:
    """The PID and command the lock file names."""
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 32).decode("ascii", "replace").strip("\0 \n").split()


def _freed_by_the_dead(fd: int) -> bool:
    """Whether the lock is taken after all, once the children of a dead holder let go."""
    found = _holder(fd)
    if not found or not found[0].isdigit() or hostos.pid_alive(int(found[0])):
        return False
    deadline = time.monotonic() + STALE_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if hostos.try_lock(fd):
            return True
    return False
