"""A signal to a real `audioguide build`'s main process alone (as `kill PID` or a
service manager sends it) stops the whole build: its pool workers, speech processes
and encoders go with it, and no temp file or folder is left. After a SIGKILL, the
workers follow and the next build removes whatever was left, and ends as a clean
build does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import WriteGuide
from support.files import tree_hashes

pytestmark = pytest.mark.e2e

AUDIOGUIDE = [sys.executable, "-m", "audioguide"]


def long_episode(n: int) -> str:
    lines = "\n".join(
        f"  - say: Sentence number {i} of episode {n} is said here." for i in range(40)
    )
    return f"id: part-{n}\ntitle: Part {n}\nsummary: A long part.\nsegments:\n{lines}\n"


def guide(write_guide: WriteGuide) -> Path:
    return write_guide(
        **{f"episodes__0{n}-part.yaml": long_episode(n) for n in (1, 2, 3)},
        **{"episodes__01-first.yaml": None, "episodes__02-second.yaml": None},
    )


def start(root: Path, out: Path, cache: Path, tmp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(tmp)}  # the speech engines' private folders go here
    command = [*AUDIOGUIDE, "build", str(root), "-o", str(out), "--cache-dir", str(cache)]
    return subprocess.Popen([*command, "-j", "2"], env=env, stderr=subprocess.PIPE)


def speaking_tree(proc: subprocess.Popen[bytes]) -> set[int]:
    """Wait until the build's workers speak (a speech process exists and a clip is
    made); return every process of its tree seen until then."""
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with_speech = False
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                seen.add(child.pid)
                with_speech |= "_serve(" in " ".join(child.cmdline())
        except psutil.Error:
            pass
        if with_speech and len(seen) >= 4:
            return seen
        time.sleep(0.02)
    raise AssertionError("the build never got to speaking")


def alive(pids: set[int]) -> list[int]:
    """Those of `pids` still running after a grace period (zombies are dead)."""
    deadline = time.monotonic() + 10
    while True:
        left = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    left.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def lingering(tmp: Path, grace: float = 30.0) -> list[str]:
    """The command lines of live processes whose TMPDIR is `tmp` (the build's tree,
    however late each one started), once `grace` seconds have passed without them
    all ending."""
    deadline = time.monotonic() + grace
    while True:
        left = []
        for p in psutil.process_iter():
            try:
                if p.environ().get("TMPDIR") == str(tmp) and p.status() != psutil.STATUS_ZOMBIE:
                    left.append(" ".join(p.cmdline()))
            except psutil.Error:
                pass
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def temp_files(*folders: Path) -> list[Path]:
    return [p for f in folders if f.exists() for p in f.rglob(".*.tmp")]


def digest(folder: Path) -> dict[str, str]:
    return tree_hashes(folder, skip=lambda p: ".audioguide" in p.parts)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_main_process_stops_the_whole_build(
    write_guide: WriteGuide, tmp_path: Path, sig: signal.Signals
) -> None:
    root, out, cache, tmp = guide(write_guide), tmp_path / "out", tmp_path / "c", tmp_path / "t"
    tmp.mkdir()
    proc = start(root, out, cache, tmp)
    tree = speaking_tree(proc)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert alive(tree) == []
    assert err.decode().strip().splitlines()[-1].startswith(f"build stopped by {sig.name}")
    assert "Traceback" not in err.decode()
    assert list(tmp.iterdir()) == []
    assert temp_files(out, cache) == []


def test_after_a_sigkill_the_workers_follow_and_the_next_build_cleans_up(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache, tmp = guide(write_guide), tmp_path / "out", tmp_path / "c", tmp_path / "t"
    tmp.mkdir()
    proc = start(root, out, cache, tmp)
    tree = speaking_tree(proc)
    proc.kill()
    proc.wait(timeout=30)
    assert alive(tree) == []
    # Processes started after the tree was listed (an encoder, a speech fork) must end
    # too; they are known by the environment every process of the build inherits.
    assert lingering(tmp) == []
    proc.communicate(timeout=30)
    # What a killed build may leave: a speech folder, a temp file. Plant both, as a
    # killed build's would look, to be sure the next build removes them.
    dead = (
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )
    from audioguide.system.tempfiles import host_token

    (tmp / f".audioguide-pyttsx3.{host_token()}-{dead}-x.tmp").mkdir()
    (cache / "zz").mkdir(parents=True, exist_ok=True)
    (cache / "zz" / f".zz.wav.{host_token()}-{dead}-1.tmp").write_bytes(b"half")
    again = start(root, out, cache, tmp)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert list(tmp.iterdir()) == []
    assert temp_files(out, cache) == []
    clean = start(root, tmp_path / "clean", tmp_path / "c2", tmp)
    assert clean.wait(timeout=300) == 0
    assert digest(out) == digest(tmp_path / "clean")


def test_ctrl_c_ends_watch_with_everything_it_started(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache, tmp = guide(write_guide), tmp_path / "out", tmp_path / "c", tmp_path / "t"
    tmp.mkdir()
    command = [*AUDIOGUIDE, "watch", str(root), "-o", str(out), "--cache-dir", str(cache)]
    proc = subprocess.Popen(
        [*command, "-j", "2"],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the first build is done: it waits for a save
        if "waiting for the next save" in line:
            break
    tree = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    os.kill(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert rest.strip().endswith("Stopped watching.")
    assert alive(tree) == []
    assert list(tmp.iterdir()) == []
