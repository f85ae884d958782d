"""hostos: what differs by platform, tested here on Linux for what Linux can run, and
the other platforms' choices (hints, players) as data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from audioguide.system import hostos
from audioguide.system.lock import LockedError, build_lock


def test_pid_alive_tells_a_live_process_from_a_dead_one() -> None:
    assert hostos.pid_alive(os.getpid())
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert not hostos.pid_alive(int(done.stdout))


def test_kill_tree_takes_the_grandchildren_along() -> None:
    sleep = "import time; time.sleep(60)"
    code = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {sleep!r}]); {sleep}"
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not psutil.Process(child.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = psutil.Process(child.pid).children()[0]
    hostos.kill_tree(child.pid)
    assert child.wait(timeout=10) != 0
    grandchild.wait(timeout=10)
    assert not grandchild.is_running()


def test_line_reader_times_out_then_reads_then_ends() -> None:
    code = "import sys, time; time.sleep(0.5); print('one'); sys.stdout.flush()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    reader = hostos.LineReader(proc.stdout)
    assert reader.readline(0.0) is None
    assert reader.readline(20) == b"one\n"
    assert reader.readline(20) == b""
    proc.wait()


def test_no_fork_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hostos.NO_FORK_ENV, "1")
    assert not hostos.can_fork()
    monkeypatch.setenv(hostos.NO_FORK_ENV, "0")
    assert hostos.can_fork() == hasattr(os, "fork")


@pytest.mark.parametrize(
    ("platform", "words"),
    [("linux", "apt-get"), ("darwin", "brew"), ("win32", "winget"), ("freebsd7", "apt-get")],
)
def test_install_hints_per_platform(platform: str, words: str) -> None:
    for tool in ("espeak-ng", "ffmpeg"):
        assert words in hostos.install_hint(tool, platform)


def test_players_per_platform() -> None:
    assert hostos.players("darwin")[0][0] == "afplay"
    assert hostos.players("win32") == ()  # winsound, in process
    assert "afplay" not in [name for name, _ in hostos.players("linux")]
    assert not hostos.play_in_process(Path("x.wav"))  # not on Linux


def test_the_lock_holder_stays_readable(tmp_path: Path) -> None:
    # flock locks are per open file: a second open in this process is refused too.
    state = tmp_path / "state"
    with build_lock(state), pytest.raises(LockedError) as refused, build_lock(state):
        pass
    assert f"process {os.getpid()})" in str(refused.value)
    with build_lock(tmp_path / "state"):  # released: taken again
        pass
