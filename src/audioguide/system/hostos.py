"""What differs between the operating systems audioguide runs on (Linux, macOS, Windows),
in one place, so that no other module asks `sys.platform` or calls a POSIX-only function.

- Processes (`pid_alive`, `kill_tree`): psutil, which knows PIDs and process trees on
  every system. `os.kill(pid, 0)` tests a PID on POSIX but sends Ctrl+C on Windows, and
  Windows has no process groups to `killpg`.
- Forking (`can_fork`, `fork`, `at_fork`): Windows has no `os.fork`; `AUDIOGUIDE_NO_FORK=1`
  makes a POSIX system take the same path (for testing it on Linux).
- Reading a child's pipe with a time limit (`LineReader`): a thread, as `select` works
  only on sockets on Windows.
- Install hints (`install_hint`): apt, Homebrew or winget.
- File locks (`try_lock`): flock on POSIX, msvcrt on Windows; the CPUs this process may
  use (`usable_cpus`): the affinity mask where the system has one.
- Playing a preview (`players`, `play_in_process`): afplay on macOS, winsound on Windows.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

NO_FORK_ENV = "AUDIOGUIDE_NO_FORK"
PLATFORM = sys.platform
# Where Windows locks a file: past any PID written at its start, so the PID stays
# readable (msvcrt locks bytes, and a locked byte cannot be read by anyone else).
LOCKED_BYTE = 1 << 20


def can_fork() -> bool:
    """Whether this process may fork (the system has fork and no one asked otherwise)."""
    return hasattr(os, "fork") and os.environ.get(NO_FORK_ENV, "") in ("", "0")


def fork() -> int:
    """`os.fork`; only called where `can_fork` said yes."""
    if sys.platform == "win32":
        raise OSError("no fork on Windows")
    else:
        return os.fork()


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on the open file `fd` without waiting; False if another
    process holds it. The system drops it when its holder dies, even by SIGKILL."""
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, LOCKED_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system keeps one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def at_fork(after_in_child: Callable[[], None]) -> None:
    """Run `after_in_child` in every fork of this process, where forks exist."""
    register = getattr(os, "register_at_fork", None)
    if register is not None:
        register(after_in_child=after_in_child)


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this host (a zombie counts: it has a PID)."""
    import psutil

    return bool(psutil.pid_exists(pid))


def kill_tree(pid: int) -> None:
    """Kill process `pid` and every descendant of it, at once, on any system."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            continue


class LineReader:
    """The lines a child writes to a pipe, read by a thread, taken with a time limit."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        try:
            for line in iter(stream.readline, b""):
                self._lines.put(line)
        except (OSError, ValueError):  # closed under us: the child is being replaced
            pass
        self._lines.put(b"")  # end of file

    def readline(self, timeout: float) -> bytes | None:
        """The next line (with its newline); b"" at end of file; None on timeout."""
        try:
            return self._lines.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None


# How each system's user installs a tool audioguide may need.
_HINTS = {
    "linux": {
        "espeak-ng": "sudo apt-get install espeak-ng",
        "ffmpeg": "sudo apt-get install ffmpeg",
    },
    "darwin": {
        "espeak-ng": "brew install espeak-ng",
        "ffmpeg": "brew install ffmpeg",
    },
    "win32": {
        "espeak-ng": (
            "winget install espeak-ng.espeak-ng, or the espeak-ng MSI from its GitHub releases"
        ),
        "ffmpeg": "winget install Gyan.FFmpeg",
    },
}


def install_hint(tool: str, platform: str = sys.platform) -> str:
    """The command that installs `tool` on `platform` (Linux's for any other)."""
    return _HINTS.get(platform, _HINTS["linux"])[tool]


# Tried in this order; the arguments make each play the file once and exit.
_PLAYERS = {
    "darwin": (("afplay", ()), ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error"))),
    "linux": (
        ("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")),
        ("aplay", ("-q",)),
        ("paplay", ()),
    ),
}


def players(platform: str = sys.platform) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Command-line WAV players to look for on `platform` (none on Windows: winsound)."""
    if platform == "win32":
        return ()
    return _PLAYERS.get(platform, _PLAYERS["linux"])


def play_in_process(path: Path) -> bool:
    """Play a WAV without a command (Windows' winsound); False where there is none."""
    if sys.platform != "win32":
        return False
    import winsound

    winsound.PlaySound(str(path), winsound.SND_FILENAME)
    return True
