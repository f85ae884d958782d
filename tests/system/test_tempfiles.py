"""The start-of-build temp sweep in a clip cache shared across hosts and PID
namespaces: only this host's dead writers' temp files go; anyone else's only when old."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import WriteGuide
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.system.tempfiles import (
    FOREIGN_AGE,
    abandoned,
    host_token,
    sweep,
    temp_name,
    writer_of,
)

TESTS = Path(__file__).parents[1]


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def test_a_temp_name_says_host_and_process(tmp_path: Path) -> None:
    assert writer_of(temp_name(tmp_path / "a.wav")) == (host_token(), os.getpid())


def test_foreign_temp_files_go_only_when_old(tmp_path: Path) -> None:
    dead = dead_pid()
    other = "f" * 10 if host_token() != "f" * 10 else "e" * 10
    fresh = tmp_path / f".a.wav.{other}-{dead}-1.tmp"  # another host's, being written
    stale = tmp_path / f".b.wav.{other}-{dead}-1.tmp"  # another host's, long dead
    legacy = tmp_path / f".c.wav.{dead}-1.tmp"  # an older naming: no host
    mine = tmp_path / f".d.wav.{host_token()}-{dead}-1.tmp"  # this host's, dead
    for path in (fresh, stale, legacy, mine):
        path.write_bytes(b"half")
    old = time.time() - FOREIGN_AGE - 60
    os.utime(stale, (old, old))
    assert not abandoned(fresh) and abandoned(stale) and not abandoned(legacy)
    sweep(tmp_path)
    assert fresh.exists() and legacy.exists()
    assert not stale.exists() and not mine.exists()


FOREIGN_WRITER = """
import os, sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from audioguide.system import tempfiles
from audioguide.speech.cache import ClipCache
from audioguide.speech.base import Clip

# Another container: another host token, and a PID that means nothing (is dead) here.
tempfiles.host_token = lambda: "c0ffee0000"
os.getpid = lambda: {dead}
started = Path({started!r})
real_fsync = os.fsync

go = Path({go!r})

def slow_fsync(fd):  # the write is under way: its temp file exists until told to go on
    started.write_text("writing")
    deadline = time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    real_fsync(fd)

os.fsync = slow_fsync
ClipCache(Path({cache!r})).put("ab" + "0" * 62, Clip(b"\\0\\1" * 22050, 22050))
print("stored")
"""


def test_a_build_sweeping_a_shared_cache_keeps_a_foreign_writers_temp_file(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, cache = write_guide(), tmp_path / "shared-cache"
    cache.mkdir()
    script = FOREIGN_WRITER.format(
        tests=str(TESTS),
        dead=dead_pid(),
        started=str(tmp_path / "started"),
        go=str(tmp_path / "go"),
        cache=str(cache),
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline and writer.poll() is None, "the writer never started"
        time.sleep(0.01)
    temps = list(cache.rglob(".*.tmp"))
    assert len(temps) == 1
    build(root, tmp_path / "out", cache_dir=cache, engine_factory=fake_factory)  # sweeps
    assert temps[0].exists()  # still being written
    (tmp_path / "go").write_text("go")
    out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0 and out.strip() == "stored"
    assert (cache / "ab" / ("ab" + "0" * 62 + ".json")).is_file()
