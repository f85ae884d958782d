"""Environment faults give one `error:` line and exit status 1, never a traceback, and
leave earlier output whole: a full disk (injected as ENOSPC where a write happens), a
read-only folder (a real read-only tmpfs where the tests may mount one), a file where a
folder should be, a newline in a path."""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import WriteGuide
from support.cli import run
from support.files import output_hashes as snapshot

from audioguide.build.watch import Options, rebuild
from audioguide.system.faults import describe


def one_error_line(out: str) -> str:
    lines = out.strip().splitlines()
    assert "Traceback" not in out, out
    assert len(lines) == 1 and lines[0].startswith("error: "), out
    return lines[0]


def full_disk(monkeypatch: pytest.MonkeyPatch, hit: Callable[[Path], bool]) -> None:
    """Writes of temp files for which `hit(dest)` holds fail as on a full disk: the
    error from write() carries no file name, as the kernel's does not."""
    real = pathlib.Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:  # type: ignore[override]
        if self.name.endswith(".tmp") and hit(self):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)


@contextlib.contextmanager
def tmpfs(folder: Path) -> Iterator[Path]:
    """A real tmpfs at `folder` (remount it read-only with `readonly`); skipped where
    the tests cannot mount (not root, no mount namespace rights)."""
    folder.mkdir(parents=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def readonly(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def test_describe_names_the_file_and_keeps_one_line() -> None:
    line = describe(OSError(errno.ENOSPC, "No space", "out/a\nb.mp3"))
    assert line == "out/a\\nb.mp3: no space left on the device; free some space and run it again"


def test_an_output_below_a_file(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    (tmp_path / "afile").write_text("x")
    code, out = run("build", root, "-o", tmp_path / "afile" / "sub", "--cache-dir", tmp_path / "c")
    assert code == 1
    assert "a part of the path is a file, not a folder" in one_error_line(out)


def test_a_full_disk_while_caching_a_clip(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_guide()
    cache = tmp_path / "c"
    full_disk(monkeypatch, lambda p: p.suffix == ".tmp" and ".wav." in p.name)
    code, out = run("build", root, "-o", tmp_path / "out", "--cache-dir", cache, "-j", "1")
    assert code == 1
    line = one_error_line(out)
    assert ".wav: no space left on the device" in line and str(cache) in line
    assert not list(cache.rglob("*.tmp"))


def test_a_full_disk_while_writing_the_page_keeps_the_last_build(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_cache: Path
) -> None:
    root, out_dir, cache = write_guide(), tmp_path / "out", warm_cache
    assert run("build", root, "-o", out_dir, "--cache-dir", cache, "-j", "1", "-q")[0] == 0
    before = snapshot(out_dir)
    text = (root / "guide.yaml").read_text().replace("made by the tests", "made again")
    (root / "guide.yaml").write_text(text)
    real_open = open

    def open_full(file: object, mode: str = "r", *a: object, **k: object) -> object:
        if "w" in mode and Path(str(file)).name.startswith(".index.html."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    from audioguide.system import fsutil

    monkeypatch.setattr(fsutil, "open", open_full, raising=False)
    code, out = run("build", root, "-o", out_dir, "--cache-dir", cache, "-j", "1")
    assert code == 1
    assert "index.html: no space left on the device" in one_error_line(out)
    after = snapshot(out_dir)
    assert {k: v for k, v in after.items() if k != ".audioguide/record.json"} == {
        k: v for k, v in before.items() if k != ".audioguide/record.json"
    }


def test_a_full_disk_for_the_cover_cache_is_not_an_error(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_cache: Path
) -> None:
    root = write_guide()
    full_disk(monkeypatch, lambda p: p.parent.name == "covers")
    code, out = run("build", root, "-o", tmp_path / "out", "--cache-dir", warm_cache, "-q")
    assert code == 0, out
    assert (tmp_path / "out" / "cover.png").is_file()
    assert not list((warm_cache / "covers").glob("*.png"))


def test_a_read_only_output_folder(
    write_guide: WriteGuide, tmp_path: Path, warm_cache: Path
) -> None:
    root = write_guide()
    with tmpfs(tmp_path / "ro") as ro:
        readonly(ro)
        code, out = run("build", root, "-o", ro / "out", "--cache-dir", warm_cache)
        assert code == 1
        assert "the file system is read-only" in one_error_line(out)


def test_clean_on_a_read_only_folder(
    write_guide: WriteGuide, tmp_path: Path, warm_cache: Path
) -> None:
    root = write_guide()
    with tmpfs(tmp_path / "ro") as ro:
        code, _ = run("build", root, "-o", ro / "out", "--cache-dir", warm_cache, "-q")
        assert code == 0
        before = snapshot(ro / "out")
        readonly(ro)
        code, out = run("clean", "-o", ro / "out")
        assert code == 1
        assert "read-only" in one_error_line(out)
        assert snapshot(ro / "out") == before


def test_a_read_only_cache_with_every_clip_still_builds(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    with tmpfs(tmp_path / "ro") as ro:
        cache = ro / "cache"
        assert run("build", root, "-o", tmp_path / "a", "--cache-dir", cache, "-q")[0] == 0
        readonly(ro)
        # Another output: everything is built again from the cache, which takes no
        # write; the fresh record and the guide cache are only shortcuts.
        code, out = run("build", root, "-o", tmp_path / "b", "--cache-dir", cache)
        assert code == 0, out
        assert "Traceback" not in out
        assert snapshot(tmp_path / "a").keys() == snapshot(tmp_path / "b").keys()
        # A change that needs a new clip says so in one line.
        text = (root / "episodes" / "01-first.yaml").read_text() + "  - say: A new line.\n"
        (root / "episodes" / "01-first.yaml").write_text(text)
        code, out = run("build", root, "-o", tmp_path / "b", "--cache-dir", cache)
        assert code == 1
        assert "read-only" in one_error_line(out)


def test_a_newline_in_a_missing_path_stays_on_one_line(tmp_path: Path) -> None:
    code, out = run("check", tmp_path / "scr\nipts")
    assert code == 2
    line = out.splitlines()[0]  # the summary line follows
    assert line.endswith(
        "scr\\nipts: error: guide folder not found (run it in the guide folder,"
        " the one holding guide.yaml, or name that folder)"
    )


def test_watch_survives_a_full_disk_and_builds_after_it(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.fakes import fake_factory

    root = write_guide()
    said: list[str] = []
    options = Options(tmp_path / "c", 1, engine_factory=fake_factory)
    with monkeypatch.context() as patch:
        full_disk(patch, lambda p: True)
        assert not rebuild(root, tmp_path / "out", options, said.append)
    assert any("no space left on the device" in line for line in said), said
    assert rebuild(root, tmp_path / "out", options, said.append)
