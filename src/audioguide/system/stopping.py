"""Stopping a build on a signal: every process it started goes with it, promptly, and
it leaves no temp file or folder behind.

A build is a tree of processes: the building process, its pool workers, each one's
speech process (pyttsx3's, in its own session so that a stuck one can be killed with
its forks) and the ffmpeg encoders. A signal to the building process alone (`kill PID`,
a service manager's stop) used to kill only that process, or to wait until every
episode was built; the workers and speech processes then lived on under PID 1.

So the building process handles SIGTERM and SIGINT itself (`on_stop`): it freezes and
kills its whole tree (listed with psutil, which knows process trees on every system),
removes the temp files of the output and cache folders that no live writer will
finish, and the killed processes' private folders, and exits with 128 + the signal.
Files already written are whole (every write is atomic) and the state is saved after
each episode, so the next build goes on from there.

A build killed with SIGKILL cannot clean up: its workers notice that their parent is
gone within a tenth of a second and kill their own trees (`follow_parent`); the
building process's own speech process ends at the end of its input. What is left (an
encoder's hidden file) is removed by the next build's sweep.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from audioguide.system import tempfiles

if TYPE_CHECKING:
    import psutil


def stop_tree() -> frozenset[int]:
    """Kill every descendant of this process; return their PIDs.

    They are frozen first (SIGSTOP), the tree listed again until no new one appears (a
    speech process forks for every sentence), then killed, so none is missed or
    reparented to init halfway.
    """
    import psutil

    seen: dict[int, psutil.Process] = {}
    for _ in range(10):
        try:
            found = psutil.Process().children(recursive=True)
        except psutil.Error:
            break
        new = [p for p in found if p.pid not in seen]
        if not new:
            break
        for proc in new:
            seen[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                proc.suspend()
    for proc in seen.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    _wait_dead(list(seen.values()))
    return frozenset(seen)


def _wait_dead(procs: list[psutil.Process], timeout: float = 1.0) -> None:
    """Until every process is dead (a zombie counts: it can write nothing more)."""
    import psutil

    deadline = time.monotonic() + timeout
    for proc in procs:
        while time.monotonic() < deadline:
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.Error:
                break
            time.sleep(0.005)


def _clean_up(folders: tuple[Path, ...]) -> None:
    gone = stop_tree() | {os.getpid()}
    tempfiles.sweep(*folders, gone=gone)  # and the killed processes' private folders


@contextlib.contextmanager
def on_stop(
    *folders: Path, message: str = "stopped", interrupted: str | None = None, quiet: bool = False
) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT stop this process and its whole tree at once,
    cleaning `folders` of temp files; exit status 128 + the signal's number. With
    `interrupted`, SIGINT (Ctrl-C) is the expected way to stop: that line, status 0.
    `quiet`: nothing printed (the process that stops this one says what happened)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        # Stopping already: a second signal (a group's SIGTERM, then the parent's) must
        # not start the clean-up again halfway through the first.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        # The pool's own threads notice their workers die: nothing they say matters now.
        threading.excepthook = lambda args: None
        _clean_up(folders)
        name = signal.Signals(signum).name
        expected = interrupted is not None and signum == signal.SIGINT
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            if quiet:
                pass
            elif expected:
                print(f"\n{interrupted}", flush=True)
            else:
                print(f"{message} by {name}: no process or temp file is left", file=sys.stderr)
            sys.stderr.flush()
        os._exit(0 if expected else 128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals (e.g. a test runs it in a thread)
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    hook = threading.excepthook
    threading.excepthook = functools.partial(_quiet_pool_death, hook)
    try:
        yield
    finally:
        threading.excepthook = hook
        for sig, old in previous.items():
            signal.signal(sig, old)


def _quiet_pool_death(hook: Callable[[Any], object], args: Any) -> None:
    """A signal sent to the whole group (Ctrl-C in a terminal, the studio stopping its
    build) kills the pool's workers at once, and the pool's manager thread may see them
    die, and fail on futures already settled, before the main thread runs the handler.
    The main thread hears of a broken pool through its futures anyway: only that thread
    noise is dropped, any other thread's failure is shown."""
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import BrokenProcessPool

    if not issubclass(args.exc_type, InvalidStateError | BrokenProcessPool):
        hook(args)


def follow_parent() -> None:
    """In a pool worker: end with the building process, even one killed with SIGKILL.

    A daemon thread looks at the worker's parent every `PARENT_POLL` seconds; once it is
    gone, it kills the worker's own tree (its speech process and forks, encoders) and
    ends the worker. A thread, not a signal handler: the worker's main thread may be
    blocked in a lock, where a Python handler would never run. And not Linux's
    PR_SET_PDEATHSIG, which fires when the *thread* that started the worker ends: a pool
    that starts workers on demand, from a passing thread, would lose them early.
    Ctrl-C on a terminal reaches every process of the group: the building process
    handles it for all, so the worker ignores it. A SIGTERM sent to the whole group (a
    service manager's stop) ends the worker at once, without the building process's
    handler, which a fork inherits: run in every worker at the same time it raced the
    building process's own, and printed tracebacks.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = os.getppid()
    threading.Thread(target=_follow, args=(parent,), daemon=True, name="follow-parent").start()


PARENT_POLL = 0.1  # seconds


def _follow(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    # Orphaned: a pool's own threads see their workers die now; nothing they say matters.
    threading.excepthook = lambda args: None
    gone = stop_tree() | {os.getpid()}
    tempfiles.sweep(gone=gone)  # the private folders of its speech process
    os._exit(1)
