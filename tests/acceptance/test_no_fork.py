"""Done when (issue 13): the CLI runs where there is no fork, as on Windows.

A `sitecustomize` on PYTHONPATH removes `os.fork`, `os.register_at_fork`, `os.killpg`,
`os.pread` and `os.pwrite` from every Python process the build starts (the CLI, its
spawned pool workers, the speech process and its spares) before any of audioguide is
imported. `--version`, `check` and a full build of a two-episode guide must succeed
there, and the MP3s must be byte for byte those of a normal build: every utterance
still starts from a freshly loaded espeak-ng.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import WriteGuide

pytestmark = pytest.mark.e2e

REMOVED = ("fork", "register_at_fork", "killpg", "pread", "pwrite")

SITECUSTOMIZE = f"""\
import os
for name in {REMOVED!r}:
    if hasattr(os, name):
        delattr(os, name)
"""

PROBE = f"""\
import os, multiprocessing
import audioguide.build.start_method as s
assert not any(hasattr(os, n) for n in {REMOVED!r}), "still there"
print(s.pool_context().get_start_method())
"""


def no_fork_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "nofork"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path}


def cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioguide", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )


def mp3s(out: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((out / "episodes").glob("*.mp3"))
    }


def test_the_sitecustomize_removes_fork_and_pools_spawn(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=no_fork_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "spawn"


def test_a_build_without_fork_is_byte_identical(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    env = no_fork_env(tmp_path)
    version = cli(["--version"], env)
    assert version.returncode == 0, version.stderr
    assert "audioguide" in version.stdout
    check = cli(["check", str(root)], env)
    assert check.returncode == 0, check.stderr
    built = {}
    for name, run_env in (("fork", None), ("nofork", env)):
        out, cache = tmp_path / f"out-{name}", tmp_path / f"cache-{name}"
        done = cli(
            ["build", str(root), "-o", str(out), "--cache-dir", str(cache), "-j", "2"], run_env
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        built[name] = mp3s(out)
    assert len(built["fork"]) == 2
    assert built["nofork"] == built["fork"]


def test_spares_speak_what_forks_speak_whatever_came_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine alone, both paths in this process: the same text and settings give
    the same bytes, also after other sentences in other settings."""
    from audioguide.model import Voice
    from audioguide.speech.pyttsx3_engine import Pyttsx3Engine

    lines = [
        ("Hello there, welcome to the guide.", Voice()),
        ("A second sentence, quite different.", Voice(rate=180, pitch=30)),
        ("Hello there, welcome to the guide.", Voice()),
    ]
    heard = {}
    for path in ("0", "1"):
        monkeypatch.setenv("AUDIOGUIDE_NO_FORK", path)
        engine = Pyttsx3Engine("en-US")
        try:
            heard[path] = [engine.synthesize(text, voice).pcm for text, voice in lines]
        finally:
            engine.close()
    assert heard["1"] == heard["0"]
    assert heard["1"][0] == heard["1"][2] != heard["1"][1]
