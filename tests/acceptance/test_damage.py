"""Damage the last build's files in place, hiding it as well as a user can: the next
build finds it. And an engine whose data is gone says how to install it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import WriteGuide
from support.fakes import fake_factory

from audioguide.build.fresh import up_to_date
from audioguide.build.session import BuildOptions
from audioguide.build.session import build as build_all
from audioguide.build.stages import build


def damage_in_place(path: Path) -> None:
    """Flip bytes in the middle, then restore the size and both times it had."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_an_mp3_damaged_in_place_is_not_nothing_changed(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    build_all(BuildOptions(root, out, cache, engine_factory=fake_factory))
    assert up_to_date(root, out, cache_dir=cache) is not None
    mp3 = out / "episodes" / "01-first-steps.mp3"
    good = mp3.read_bytes()
    damage_in_place(mp3)
    assert up_to_date(root, out, cache_dir=cache) is None
    [(_, report)] = build_all(BuildOptions(root, out, cache, engine_factory=fake_factory))
    assert [ep.id for ep in report.episodes if ep.rebuilt] == ["first-steps"]
    assert mp3.read_bytes() == good


def test_a_damaged_clip_spoken_again_is_not_counted_from_the_cache(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    first = build(root, out, cache_dir=cache, engine_factory=fake_factory)
    clip = sorted(cache.rglob("*.wav"))[0]
    damage_in_place(clip)
    again = build(root, out, cache_dir=cache, force=True, engine_factory=fake_factory)
    assert (again.spoken, again.cached) == (1, first.spoken - 1)


def _espeak_data() -> Path | None:
    if shutil.which("espeak-ng") is None:
        return None
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    found = re.search(r"Data at: (\S+)", version)
    return Path(found[1]) if found else None


def test_missing_espeak_data_gives_the_install_hint(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    data = _espeak_data()
    if data is None or os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hiding espeak-ng's data needs root, unshare and espeak-ng")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode().strip()}")
    root, empty = write_guide(), tmp_path / "empty"
    empty.mkdir()
    build_cmd = (
        f"{sys.executable} -m audioguide build {root} -o {tmp_path / 'out'} "
        f"--cache-dir {tmp_path / 'c'} -j 1"
    )
    # In a mount namespace of its own, espeak-ng's data folder is empty for this build only.
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {empty} {data} && exec {build_cmd}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "sudo apt-get install espeak-ng" in lines[0] and "phontab" in lines[0]
