"""What a build promises a guide's author, checked end to end on the files it writes.

Each test here guards one promise that a plausible one-line bug would break silently
(found by mutation testing: see `./dev mutate`): the lexicon reaches the engine, the
guide's own mastering targets are the ones met, a change of any input the episode's
files depend on rebuilds them, a replaced sound or cover is never "Nothing changed",
and a killed build's temp files are swept by the next build.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import GUIDE, WriteGuide
from mutagen.id3 import ID3
from PIL import Image
from support.audio_measure import decode_pcm, ebur128
from support.fakes import GAP, WORD, FakeEngine

from audioguide.build.fresh import up_to_date
from audioguide.build.record import RECORD_DIR
from audioguide.build.report import BuildReport
from audioguide.build.session import BuildOptions
from audioguide.build.session import build as build_all
from audioguide.build.stages import build
from audioguide.system.tempfiles import host_token

pytestmark = pytest.mark.e2e


class Recording:
    """An engine factory whose one fake engine records what it was asked to say."""

    def __init__(self) -> None:
        self.engine = FakeEngine()

    def __call__(self, name: str, language: str) -> FakeEngine:
        return self.engine


def built(root: Path, out: Path, cache: Path) -> tuple[BuildReport, list[str]]:
    """Build `root` in this process; the report and the sentences the engine spoke."""
    engine = Recording()
    return build(root, out, cache_dir=cache, engine_factory=engine), engine.engine.calls


def playing_seconds(mp3: Path) -> float:
    return len(decode_pcm(mp3)) / 44100


# --- the lexicon ----------------------------------------------------------------------

LEXICON_EPISODE = """\
id: lexicon
title: Who to ask
summary: The lexicon, said.
segments:
  - say: Ask an LCSW for help.
"""


def test_the_lexicon_decides_what_the_engine_says(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide(**{"episodes__01-first.yaml": LEXICON_EPISODE})
    out, cache = tmp_path / "out", tmp_path / "c"
    report, said = built(root, out, cache)
    assert "Ask an L C S W for help." in said  # GUIDE's lexicon: LCSW -> L C S W
    assert not [s for s in said if "LCSW" in s]
    # people read the script's own words
    assert "Ask an LCSW for help." in report.episodes[0].vtt.read_text("utf-8")
    before = playing_seconds(report.episodes[0].mp3)

    guide = (root / "guide.yaml").read_text("utf-8")
    (root / "guide.yaml").write_text(guide.replace("LCSW: L C S W", "LCSW: social worker"))
    report, said = built(root, out, cache)
    assert said == ["Ask an social worker for help."]  # only the sentence with the word
    assert [ep.rebuilt for ep in report.episodes] == [True, False]
    assert "Ask an LCSW for help." in report.episodes[0].vtt.read_text("utf-8")
    # two words fewer, each a burst and a gap of the fake engine
    shorter = before - playing_seconds(report.episodes[0].mp3)
    assert shorter == pytest.approx(2 * (WORD + GAP), abs=0.03)


# --- mastering ------------------------------------------------------------------------


def test_the_guides_own_mastering_targets_are_met_and_a_new_one_rebuilds(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    mastering = "mastering:\n  loudness: -20\n  true_peak: -3\n"
    root = write_guide(**{"guide.yaml": GUIDE + mastering})
    out, cache = tmp_path / "out", tmp_path / "c"
    report, _ = built(root, out, cache)
    for ep in report.episodes:
        lufs, peak = ebur128(ep.mp3)
        assert lufs == pytest.approx(-20.0, abs=0.5)
        assert peak <= -3.0 + 0.1  # ebur128's true peak, one decimal, after the MP3 decode
    files = {ep.id: ep.mp3.read_bytes() for ep in report.episodes}

    (root / "guide.yaml").write_text(GUIDE + mastering.replace("-20", "-24"), "utf-8")
    report, said = built(root, out, cache)
    assert said == []  # the same speech, mastered again
    assert [ep.rebuilt for ep in report.episodes] == [True, True]
    for ep in report.episodes:
        assert ebur128(ep.mp3)[0] == pytest.approx(-24.0, abs=0.5)
        assert ep.mp3.read_bytes() != files[ep.id]


# --- typography -----------------------------------------------------------------------

QUOTED_EPISODE = """\
id: quoted
title: Quoted
summary: Straight quotes, then curly ones.
segments:
  - say: She said "wait here" and left.
"""


def test_a_typography_only_edit_rebuilds_the_transcripts(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide(**{"episodes__01-first.yaml": QUOTED_EPISODE})
    out, cache = tmp_path / "out", tmp_path / "c"
    report, _ = built(root, out, cache)
    script = root / "episodes" / "01-first.yaml"
    script.write_text(QUOTED_EPISODE.replace('"wait here"', "\u201cwait here\u201d"), "utf-8")
    report, said = built(root, out, cache)
    assert said == []  # the engine hears the same words: no new clip
    assert [ep.rebuilt for ep in report.episodes] == [True, False]
    for transcript in (report.episodes[0].vtt, report.episodes[0].txt):
        text = transcript.read_text("utf-8")
        assert "She said \u201cwait here\u201d and left." in text
        assert '"wait here"' not in text


# --- replaced assets and the no-op record ---------------------------------------------


def write_tone(path: Path, seconds: float) -> None:
    rate = 22050
    t = np.arange(round(seconds * rate)) / rate
    samples = np.round(0.4 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def write_cover(path: Path, colour: tuple[int, int, int]) -> None:
    Image.new("RGB", (1400, 1400), colour).save(path, format="PNG")


def fake_build(root: Path, out: Path, cache: Path) -> BuildReport:
    engine = Recording()
    [(_, report)] = build_all(BuildOptions(root, out, cache, engine_factory=engine))
    return report


def test_a_replaced_sound_is_not_nothing_changed(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    write_tone(root / "assets" / "ding.wav", 0.5)
    episode = root / "episodes" / "02-second.yaml"
    episode.write_text(episode.read_text("utf-8") + "  - sound: assets/ding.wav\n", "utf-8")
    out, cache = tmp_path / "out", tmp_path / "c"
    before = fake_build(root, out, cache).episodes[1]
    seconds = playing_seconds(before.mp3)
    assert up_to_date(root, out, cache_dir=cache) is not None  # the record holds

    write_tone(root / "assets" / "ding.wav", 1.5)  # same name, a second longer
    assert up_to_date(root, out, cache_dir=cache) is None  # the CLI's "Nothing changed"
    report = fake_build(root, out, cache)
    assert [ep.rebuilt for ep in report.episodes] == [False, True]
    assert playing_seconds(report.episodes[1].mp3) - seconds == pytest.approx(1.0, abs=0.03)


def test_a_replaced_cover_is_not_nothing_changed(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide(**{"guide.yaml": GUIDE + "cover: art/cover.png\n"})
    (root / "art").mkdir()
    write_cover(root / "art" / "cover.png", (40, 90, 140))
    out, cache = tmp_path / "out", tmp_path / "c"
    fake_build(root, out, cache)
    assert up_to_date(root, out, cache_dir=cache) is not None

    write_cover(root / "art" / "cover.png", (200, 60, 30))
    assert up_to_date(root, out, cache_dir=cache) is None
    report = fake_build(root, out, cache)
    assert [ep.rebuilt for ep in report.episodes] == [True, True]
    published = (out / "cover.png").read_bytes()
    assert Image.open(io.BytesIO(published)).getpixel((700, 700)) == (200, 60, 30)
    for ep in report.episodes:  # the picture each episode's tags carry: the new one, small
        [picture] = ID3(ep.mp3).getall("APIC")
        with Image.open(io.BytesIO(picture.data)) as small:
            assert small.size == (600, 600)
            red, green, blue = small.convert("RGB").getpixel((300, 300))
            assert abs(red - 200) + abs(green - 60) + abs(blue - 30) < 12


# --- a killed build's temp files ------------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def test_the_next_build_sweeps_a_killed_builds_temp_files_from_the_cache(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    fake_build(root, out, cache)
    dead, alive = dead_pid(), os.getpid()
    # What a SIGKILL leaves: a clip and a cover half written, named by their writer.
    clips = sorted(p.parent for p in cache.rglob("*.wav"))
    assert clips
    host = host_token()  # this host's writers are judged by their PID
    left = [
        clips[0] / f".x.wav.{host}-{dead}-1.tmp",
        cache / "covers" / f".y.png.{host}-{dead}-2.tmp",
    ]
    writing = clips[0] / f".z.wav.{host}-{alive}-3.tmp"  # another build's, being written now
    for path in [*left, writing]:
        path.write_bytes(b"half")
    # Nothing changed, so the build does its start and its end; only the start's sweep
    # looks in the cache.
    report, _ = built(root, out, cache)
    assert not any(ep.rebuilt for ep in report.episodes)
    assert [p.exists() for p in left] == [False, False]
    assert writing.exists()
    record = json.loads((out / RECORD_DIR / "record.json").read_text("utf-8"))
    assert sorted(record["episodes"]) == ["first-steps", "second-steps"]
