"""Installed with pip alone (issue 13): where the system has no ffmpeg on PATH and no
libespeak-ng, a build uses the ones the `imageio-ffmpeg` and `espeakng-loader` wheels
ship, and says where it got nothing only when neither is there.

The system library cannot be uninstalled for a test, so a `sitecustomize` on PYTHONPATH
makes every process of the build refuse to load any libespeak-ng but the wheel's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import WriteGuide

pytestmark = pytest.mark.e2e

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
espeakng_loader = pytest.importorskip("espeakng_loader")

SITECUSTOMIZE = """\
import ctypes, os
import espeakng_loader
_wheel = os.path.dirname(espeakng_loader.get_library_path())
_load = ctypes.cdll.LoadLibrary
def _no_system_espeak(name):
    if "espeak" in str(name) and not str(name).startswith(_wheel):
        raise OSError(f"{name}: hidden by the test")
    return _load(name)
ctypes.cdll.LoadLibrary = _no_system_espeak
"""


def wheel_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    bare = tmp_path / "bin"  # a PATH with no ffmpeg, ffprobe or espeak-ng on it
    bare.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ESPEAK_DATA_PATH",)}
    return {**env, "PYTHONPATH": str(site), "PATH": str(bare)}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "audioguide", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=280)


def test_a_build_uses_the_wheels_where_the_system_has_no_tools(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    env = wheel_env(tmp_path)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from audioguide.speech.espeak_library import driver; "
            "from audioguide.system import tools;"
            "print(tools.ffmpeg()); print(driver().dll._name)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    ffmpeg, library = probe.stdout.split()
    assert ffmpeg == imageio_ffmpeg.get_ffmpeg_exe()
    assert library == espeakng_loader.get_library_path()
    out = tmp_path / "out"
    done = run(
        ["build", str(write_guide()), "-o", str(out), "--cache-dir", str(tmp_path / "c")], env
    )
    assert done.returncode == 0, done.stderr
    episodes = sorted((out / "episodes").glob("*.mp3"))
    assert len(episodes) == 2
    # Decoded by the system's ffmpeg, an independent reader: real speech, seconds long.
    for mp3 in episodes:
        decoded = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
            capture_output=True,
            check=True,
        ).stdout
        assert len(decoded) / 2 / 44100 > 2.0


def test_without_system_tools_or_wheels_the_error_says_how_to_install(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    env = wheel_env(tmp_path)
    (tmp_path / "site" / "sitecustomize.py").write_text(
        "import sys\nsys.modules['imageio_ffmpeg'] = None\n", encoding="utf-8"
    )
    done = run(["build", str(write_guide()), "-o", str(tmp_path / "out")], env)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ffmpeg is not installed; install it with:")
    assert "Traceback" not in done.stderr
