"""Rebuilds: skip what is unchanged, redo only what changed, survive damage and kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EPISODE_ONE, WriteGuide
from support.fakes import FakeEngine, WaitingFake, fake_factory, waiting_factory
from support.files import output_hashes as hashes

from audioguide.build.record import RECORD_DIR
from audioguide.build.stages import build, sweep_temp_files
from audioguide.speech.cache import ClipCache
from audioguide.system.lock import LockedError, build_lock
from audioguide.system.tempfiles import host_token

TESTS = Path(__file__).parents[1]


class CountingFactory:
    """Counts engine calls across a build (in-process builds only, jobs=1)."""

    def __init__(self) -> None:
        self.engine = FakeEngine()

    def __call__(self, name: str, language: str) -> FakeEngine:
        return self.engine


def test_noop_build_makes_no_engine_call(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    first = CountingFactory()
    report = build(root, tmp_path / "out", cache_dir=tmp_path / "c", engine_factory=first)
    assert len(first.engine.calls) == report.spoken > 0
    before = hashes(tmp_path / "out")
    again = CountingFactory()
    report = build(root, tmp_path / "out", cache_dir=tmp_path / "c", engine_factory=again)
    assert again.engine.calls == []
    assert report.spoken == 0
    assert not any(ep.rebuilt for ep in report.episodes)
    assert hashes(tmp_path / "out") == before


def test_warm_cache_new_output_speaks_nothing(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    build(root, tmp_path / "a", cache_dir=tmp_path / "c", engine_factory=CountingFactory())
    counting = CountingFactory()
    report = build(root, tmp_path / "b", cache_dir=tmp_path / "c", engine_factory=counting)
    assert counting.engine.calls == []
    assert [ep.rebuilt for ep in report.episodes] == [True, True]
    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")


def test_one_sentence_edit_touches_one_episode(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=CountingFactory())
    before = hashes(out)
    edited = EPISODE_ONE.replace("It is short.", "It is quite short.")
    (root / "episodes" / "01-first.yaml").write_text(edited)
    counting = CountingFactory()
    report = build(root, out, cache_dir=tmp_path / "c", engine_factory=counting)
    assert counting.engine.calls == ["It is quite short."]
    assert [ep.rebuilt for ep in report.episodes] == [True, False]
    after = hashes(out)
    changed = {k for k in after if before.get(k) != after[k]}
    # the edited episode's files change; the indexes that list its size, length and hash
    # may too (the playlist only when the whole seconds change); nothing else does
    must = {
        "episodes/01-first-steps.mp3",
        "episodes/01-first-steps.txt",
        "episodes/01-first-steps.vtt",
        f"{RECORD_DIR}/record.json",
        "manifest.json",
        "sw.js",  # lists every file's hash: how a phone learns its copy is out of date
    }
    indexes = {"episodes/01-first-steps.chapters.json", "feed.xml", "index.html", "playlist.m3u8"}
    # The audiobook holds every episode, so it changes with any (from the edited
    # episode's new AAC piece; the old piece is dropped).
    book = {"GUIDE.m4b", f"{RECORD_DIR}/audiobook.json"}
    pieces = {k for k in changed if k.startswith(f"{RECORD_DIR}/audiobook/")}
    assert len(pieces) == 1
    assert must | book <= changed <= must | indexes | book | pieces


@pytest.mark.parametrize("make_up", [False, True])
def test_an_edit_beside_idle_workers_gives_a_cold_builds_bytes(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_up: bool
) -> None:
    # One episode to build and two workers: its encoders start during mastering's first
    # pass (speculating). With `make_up`, every limited episode is mastered twice, so the
    # speculative encode is thrown away and made again at the final gain.
    import audioguide.audio.master as mastering

    retries: list[float] = []
    if make_up:
        # Every pass counts as limited, and no shortfall is small enough: mastered twice.
        monkeypatch.setattr(mastering, "MAX_SHORTFALL_DB", -1.0)
        limit = mastering._gain_and_limit

        def limited(*args: Any, **kwargs: Any) -> tuple[Any, float]:
            out, lowest = limit(*args, **kwargs)
            return out, min(lowest, 0.99)

        monkeypatch.setattr(mastering, "_gain_and_limit", limited)
        real = mastering.Remaster.__init__

        def counted(self: mastering.Remaster, gain_db: float) -> None:
            retries.append(gain_db)
            real(self, gain_db)

        monkeypatch.setattr(mastering.Remaster, "__init__", counted)
    root, out = write_guide(), tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", jobs=2, engine_factory=fake_factory)
    edited = EPISODE_ONE.replace("It is short.", "It is quite short.")
    (root / "episodes" / "01-first.yaml").write_text(edited)
    report = build(root, out, cache_dir=tmp_path / "c", jobs=2, engine_factory=fake_factory)
    assert [ep.rebuilt for ep in report.episodes] == [True, False]
    assert len(retries) == (1 if make_up else 0)
    cold = tmp_path / "cold"
    build(root, cold, cache_dir=tmp_path / "c", jobs=1, engine_factory=fake_factory)
    assert hashes(out) == hashes(cold)
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def test_cold_builds_are_identical_whatever_the_jobs(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    a, b = tmp_path / "a", tmp_path / "b"
    build(root, a, cache_dir=tmp_path / "ca", jobs=1, engine_factory=fake_factory)
    build(root, b, cache_dir=tmp_path / "cb", jobs=2, engine_factory=fake_factory)
    assert hashes(a) == hashes(b)
    assert len(hashes(a)) >= 7


def test_an_engine_that_mostly_waits_also_speaks_in_the_building_process(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    a, b = tmp_path / "a", tmp_path / "b"
    build(root, a, cache_dir=tmp_path / "ca", jobs=1, engine_factory=fake_factory)
    WaitingFake.made.clear()
    report = build(root, b, cache_dir=tmp_path / "cb", jobs=2, engine_factory=waiting_factory)
    here = sum(len(engine.calls) for engine in WaitingFake.made)
    # Some sentences were spoken here, the rest by the workers, each exactly once.
    assert 0 < here < report.spoken
    assert len(list((tmp_path / "cb").rglob("*.wav"))) == report.spoken
    assert hashes(a) == hashes(b)


def test_force_rebuilds_everything_to_the_same_bytes(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    before = hashes(out)
    report = build(root, out, cache_dir=tmp_path / "c", force=True, engine_factory=fake_factory)
    assert [ep.rebuilt for ep in report.episodes] == [True, True]
    assert hashes(out) == before


def test_only_selected_episode_is_built(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    out = tmp_path / "out"
    report = build(
        root, out, cache_dir=tmp_path / "c", only=["second-steps"], engine_factory=fake_factory
    )
    assert [ep.id for ep in report.episodes] == ["second-steps"]
    assert not (out / "episodes" / "01-first-steps.mp3").exists()


def test_damaged_output_file_is_rebuilt(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    before = hashes(out)
    (out / "episodes" / "02-second-steps.vtt").write_text("damaged")
    report = build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    assert [ep.rebuilt for ep in report.episodes] == [False, True]
    assert hashes(out) == before


def test_removed_episode_files_are_pruned(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    (root / "episodes" / "02-second.yaml").unlink()
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    assert sorted(p.name for p in (out / "episodes").glob("02-*")) == []
    assert (out / "episodes" / "01-first-steps.mp3").exists()


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete-record"])
def test_damaged_cache_entry_is_made_again(
    write_guide: WriteGuide, tmp_path: Path, damage: str
) -> None:
    root = write_guide()
    cache_dir = tmp_path / "c"
    build(root, tmp_path / "a", cache_dir=cache_dir, engine_factory=CountingFactory())
    wav = sorted(cache_dir.rglob("*.wav"))[0]
    if damage == "truncate":
        wav.write_bytes(wav.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(wav.read_bytes())
        data[-10] ^= 0xFF  # still decodes; only the recorded hash can tell
        wav.write_bytes(bytes(data))
    else:
        wav.with_suffix(".json").unlink()
    assert ClipCache(cache_dir).get(wav.stem) is None
    counting = CountingFactory()
    build(root, tmp_path / "b", cache_dir=cache_dir, engine_factory=counting)
    assert len(counting.engine.calls) == 1
    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")


def test_held_lock_stops_a_second_build(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    out = tmp_path / "out"
    with build_lock(out / RECORD_DIR), pytest.raises(LockedError, match="another build"):
        build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)


SLOW_BUILD = """
import sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from support import fakes
from audioguide.build.stages import build, sweep_temp_files

class Slow(fakes.FakeEngine):
    def synthesize(self, text, voice):
        time.sleep(0.2)
        return super().synthesize(text, voice)

def factory(name, language):
    return Slow()

build(Path({root!r}), Path({out!r}), cache_dir=Path({cache!r}), engine_factory=factory)
print("done")
"""


def visible(files: dict[str, str]) -> list[str]:
    return [rel for rel in files if not any(part.startswith(".") for part in rel.split("/"))]


def _wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the build never reached the point to kill it"
        time.sleep(0.01)


@pytest.mark.parametrize("moment", ["speaking", "between-episodes"])
def test_killed_build_leaves_whole_files_and_next_build_finishes(
    write_guide: WriteGuide, tmp_path: Path, moment: str
) -> None:
    root = write_guide()
    out, cache = tmp_path / "out", tmp_path / "c"
    build(root, out, cache_dir=cache, engine_factory=fake_factory)
    good = hashes(out)
    state = out / RECORD_DIR / "record.json"
    old_keys = {k: v["key"] for k, v in json.loads(state.read_text())["episodes"].items()}
    for name in ("01-first.yaml", "02-second.yaml"):  # every episode has new words
        path = root / "episodes" / name
        new = f"segments:\n  - say: New words for {name}."
        path.write_text(path.read_text().replace("segments:", new))
    script = SLOW_BUILD.format(tests=str(TESTS), root=str(root), out=str(out), cache=str(cache))
    clips = len(list(cache.rglob("*.wav")))
    stamp = state.stat().st_mtime_ns
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    if moment == "speaking":  # one of the two new clips is in the cache
        _wait_for(lambda: len(list(cache.rglob("*.wav"))) > clips)
    else:  # the first episode's new entry is saved in the record
        _wait_for(lambda: state.stat().st_mtime_ns != stamp)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    # every visible file is whole: the old build's, or a finished new one; a temp file
    # may be left, but hidden (named so no player or feed picks it up): the visible
    # files are exactly those a whole build leaves
    assert set(visible(hashes(out))) == set(visible(good))
    saved = json.loads(state.read_text())["episodes"]
    report = build(root, out, cache_dir=cache, engine_factory=fake_factory)
    finished = [saved[ep.id]["key"] != old_keys[ep.id] for ep in report.episodes]
    # what the killed build finished is kept; the rest is done now
    assert [ep.rebuilt for ep in report.episodes] == [not f for f in finished]
    if moment == "speaking":
        assert finished == [False, False]
    else:
        assert finished[0]
    from support.audio_measure import duration

    for ep in report.episodes:
        assert duration(ep.mp3) == pytest.approx(ep.seconds, abs=0.05)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_guide_cache_notices_every_edit(write_guide: WriteGuide, tmp_path: Path) -> None:
    from audioguide.errors import ScriptErrors
    from audioguide.loader import guidecache

    root = write_guide()
    first = guidecache.load(tmp_path / "c", root)
    assert guidecache.cached_guide(tmp_path / "c", root) == first
    path = root / "episodes" / "02-second.yaml"
    path.write_text(path.read_text().replace("Second steps", "Second steps, edited"))
    assert guidecache.cached_guide(tmp_path / "c", root) is None
    assert guidecache.load(tmp_path / "c", root).episodes[1].title == "Second steps, edited"
    path.write_text(path.read_text().replace("summary:", "sumary:"))
    with pytest.raises(ScriptErrors, match="did you mean 'summary'"):
        guidecache.load(tmp_path / "c", root)


def test_guide_cache_notices_a_removed_sound(write_guide: WriteGuide, tmp_path: Path) -> None:
    from audioguide.errors import ScriptErrors
    from audioguide.loader import guidecache

    root = write_guide()
    (root / "assets").mkdir()
    (root / "assets" / "ding.wav").write_bytes(b"RIFF" + bytes(40))
    path = root / "episodes" / "02-second.yaml"
    path.write_text(path.read_text() + "  - sound: assets/ding.wav\n")
    guidecache.load(tmp_path / "c", root)
    (root / "assets" / "ding.wav").unlink()
    with pytest.raises(ScriptErrors, match="not found"):
        guidecache.load(tmp_path / "c", root)


def test_sweep_removes_only_dead_writers_temp_files(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    host = host_token()
    left = tmp_path / "ab" / f".clip.wav.{host}-{dead}-1.tmp"  # a killed build's
    live = tmp_path / "ab" / f".clip.wav.{host}-{os.getpid()}-2.tmp"  # being written now
    left.parent.mkdir()
    left.write_bytes(b"half")
    live.write_bytes(b"half")
    sweep_temp_files(tmp_path)
    assert not left.exists() and live.exists()
