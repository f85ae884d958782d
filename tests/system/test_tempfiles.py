"""The sweep of temp files and private folders, at the start of a build or studio and in
`clean`, in a clip cache shared across hosts and PID namespaces: only what this host's
dead processes left goes; anyone else's only when old."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.cli import cli
from audioguide.system import hostos
from audioguide.system.tempfiles import (
    FOREIGN_AGE,
    abandoned,
    host_token,
    private_folder,
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


def test_a_private_folder_says_its_owner_and_goes_on_leaving(tmp_path: Path) -> None:
    with private_folder("m4b", tmp_path) as folder:
        assert folder.parent == tmp_path and folder.is_dir()
        assert writer_of(folder) == (host_token(), os.getpid())
        (folder / "audio.aac").write_bytes(b"data")
        assert not abandoned(folder)  # its owner is alive: this process
        sweep(tmp_path)
        assert (folder / "audio.aac").is_file()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError), private_folder("../m4b"):
        pass


# Makes a private folder in the system temp folder (TMPDIR) and one in the cache, as a
# speech engine and a studio's trial copy do, then waits to be killed inside them.
OWNER = """
import sys, time
from pathlib import Path
from audioguide.system.tempfiles import private_folder

with private_folder("pyttsx3") as engine, private_folder("studio-try", Path(sys.argv[1])) as trial:
    (engine / "u000001.wav").write_bytes(b"half")
    (trial / "guide").mkdir()
    print(engine, trial, sep="\\n", flush=True)
    time.sleep(600)
"""


def killed_owner(tmp: Path, cache: Path) -> tuple[subprocess.Popen[str], list[Path]]:
    """A live process holding two private folders, and their paths."""
    child = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(cache)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)},
    )
    assert child.stdout is not None
    folders = [Path(child.stdout.readline().strip()) for _ in range(2)]
    assert [f.parent for f in folders] == [tmp, cache] and all(f.is_dir() for f in folders)
    return child, folders


def test_a_killed_owners_folders_are_swept_by_the_next_build(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    cache.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # this process's system temp folder
    other = "f" * 10 if host_token() != "f" * 10 else "e" * 10
    foreign_young = cache / f".audioguide-studio-try.{other}-{dead_pid()}-abc.tmp"
    foreign_old = tmp / f".audioguide-pyttsx3.{other}-{dead_pid()}-abc.tmp"
    for folder in (foreign_young, foreign_old):
        (folder / "guide").mkdir(parents=True)
    old = time.time() - FOREIGN_AGE - 60
    os.utime(foreign_old, (old, old))
    child, theirs = killed_owner(tmp, cache)
    root = write_guide()
    try:
        with private_folder("m4b") as mine:
            build(root, tmp_path / "out", cache_dir=cache, engine_factory=fake_factory)
            assert all(f.is_dir() for f in theirs), "a live owner's folders are kept"
            child.kill()
            child.wait(timeout=30)
            assert all(f.is_dir() for f in theirs)  # a killed process cleans nothing up
            build(root, tmp_path / "out", cache_dir=cache, engine_factory=fake_factory)
            assert not any(f.exists() for f in theirs), "the dead owner's folders are swept"
            assert mine.is_dir() and foreign_young.is_dir() and not foreign_old.exists()
    finally:
        child.kill()
        child.wait(timeout=30)


def test_clean_sweeps_only_what_nobody_will_finish(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    build(write_guide(), out, cache_dir=tmp_path / "cache", engine_factory=fake_factory)
    dead = dead_pid()
    left = out / "episodes" / f".01-a.mp3.{host_token()}-{dead}-1.tmp"  # a killed build's
    writing = out / "episodes" / f".01-a.mp3.{host_token()}-{os.getpid()}-1.tmp"  # a live one's
    engine = tmp / f".audioguide-pyttsx3.{host_token()}-{dead}-abc.tmp"
    for path in (left, writing):
        path.write_bytes(b"half")
    engine.mkdir()
    result = CliRunner().invoke(cli, ["clean", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not left.exists() and not engine.exists()
    assert writing.exists()  # its build renames it into place
    assert not list(out.rglob("*.mp3"))


@pytest.mark.skipif(not hostos.can_fork(), reason="no fork on this system")
def test_a_fork_never_removes_its_parents_private_folder(tmp_path: Path) -> None:
    with private_folder("pyttsx3", tmp_path) as folder:
        owner = private_folder("pyttsx3", tmp_path)
        theirs = owner.__enter__()
        child = hostos.fork()
        if child == 0:  # a pool worker: it leaves (or drops) what it inherited
            owner.__exit__(None, None, None)
            os._exit(0)
        os.waitpid(child, 0)
        assert folder.is_dir() and theirs.is_dir()
        owner.__exit__(None, None, None)
        assert not theirs.exists()


def test_a_studio_sweeps_a_killed_studios_trial_copy_at_start_and_its_own_at_stop(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, tmp, cache = write_guide(), tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    cache.mkdir()
    child, theirs = killed_owner(tmp, cache)
    child.kill()
    child.wait(timeout=30)
    env = {**os.environ, "TMPDIR": str(tmp), "AUDIOGUIDE_CACHE": str(cache)}
    studio = subprocess.Popen(
        [sys.executable, "-m", "audioguide", "studio", str(root), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert studio.stdout is not None
        url = studio.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")  # the start's sweep is done by then
        assert not any(f.exists() for f in theirs)
        with urllib.request.urlopen(url, timeout=60) as page:  # serving: Ctrl-C stops it
            assert page.status == 200
        with private_folder("studio-try", cache) as mine:  # as if the studio's own
            os.rename(mine, cache / mine.name.replace(f"-{os.getpid()}-", f"-{studio.pid}-"))
            studio.send_signal(signal.SIGINT)
            out, _ = studio.communicate(timeout=60)
        assert studio.returncode == 0, out
        assert list(cache.glob(".*.tmp")) == []
        assert [p.name for p in tmp.iterdir()] == ["audioguide-studio-locks"]  # shared: kept
    finally:
        studio.kill()
        studio.wait(timeout=30)
