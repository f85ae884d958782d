"""The output folder's lock: one build at a time, and a killed build's lock taken over,
even while a child it forked still shares the lock for a moment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audioguide.system import lock
from audioguide.system.lock import LockedError, build_lock

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child (POSIX)")

HOLDER = """
import os, sys, time
from pathlib import Path
from audioguide.system.lock import build_lock
with build_lock(Path(sys.argv[1])):
    if os.fork() == 0:  # shares the locked file, as a build's workers do
        time.sleep(float(sys.argv[2]))
        os._exit(0)
    print("held", flush=True)
    time.sleep(60)
"""


def killed_holder(folder: Path, child_lingers: float) -> int:
    """A process that took the lock and forked a child, killed: its PID."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(child_lingers)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"held\n"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    return proc.pid


def test_a_killed_builds_lock_is_taken_once_its_child_lets_go(tmp_path: Path) -> None:
    dead = killed_holder(tmp_path, child_lingers=0.6)
    start = time.monotonic()
    with build_lock(tmp_path):
        waited = time.monotonic() - start
        assert (tmp_path / "lock").read_text().split()[0] == str(os.getpid())
    assert 0.2 < waited < lock.STALE_WAIT, (dead, waited)


def test_a_child_that_keeps_the_lock_is_reported_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock, "STALE_WAIT", 0.3)
    dead = killed_holder(tmp_path, child_lingers=5.0)
    with pytest.raises(LockedError, match=f"process {dead}"), build_lock(tmp_path):
        pass


def test_a_live_holder_is_reported_at_once(tmp_path: Path) -> None:
    with build_lock(tmp_path):
        start = time.monotonic()
        with pytest.raises(LockedError, match=f"process {os.getpid()}"), build_lock(tmp_path):
            pass
        assert time.monotonic() - start < 0.2
