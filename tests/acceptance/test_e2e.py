"""End to end with the real engine (pyttsx3 on espeak-ng) and ffmpeg.

Builds the two-episode test guide, then checks the files by decoding them: duration,
loudness (ffmpeg's ebur128, not our meter), tags and chapters (mutagen), and that each
VTT cue starts where the sentence is heard in the MP3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from support.audio_measure import NO_COMMA_EPISODE as EPISODE_ONE
from support.audio_measure import chapters as ffprobe_chapters
from support.audio_measure import cue_starts, decode_pcm, ebur128, sound_onsets

from audioguide.audio.assemble import RATE, trim
from audioguide.audio.chime import chime
from audioguide.build.report import BuildReport
from audioguide.build.stages import build, plan_guide
from audioguide.loader import load_guide
from audioguide.plan.timeline import Silence, Utterance
from audioguide.speech.cache import ClipCache, clip_key
from audioguide.speech.registry import create_engine

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    tmp = tmp_path_factory.mktemp("e2e")
    # the module-scoped fixture cannot use the function-scoped write_guide: write by hand
    from conftest import EPISODE_TWO, GUIDE

    root = tmp / "scripts"
    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE.replace("sentence: 400ms", "sentence: 600ms"))
    (root / "episodes" / "01-first.yaml").write_text(EPISODE_ONE)
    (root / "episodes" / "02-second.yaml").write_text(EPISODE_TWO)
    report = build(root, tmp / "output", cache_dir=tmp / "cache")
    return report, tmp


def expected_seconds(root: Path, cache_dir: Path, episode_index: int) -> float:
    """Clips (as the engine made them, minus their silent padding) plus the pauses."""
    guide = load_guide(root)
    items = plan_guide(guide)[guide.episodes[episode_index].id]
    cache = ClipCache(cache_dir)
    engine = create_engine("pyttsx3", guide.language)
    total = len(chime(RATE)) / RATE
    for item in items:
        if isinstance(item, Silence):
            total += item.seconds
        elif isinstance(item, Utterance):
            key = clip_key(engine.name, engine.version, item.voice, item.spoken)
            clip = cache.get(key)
            assert clip is not None
            samples = np.frombuffer(clip.pcm, dtype="<i2")
            total += len(trim(samples, clip.rate)) / clip.rate
    return total


def test_files_written(built: tuple[BuildReport, Path]) -> None:
    _, tmp = built
    names = sorted(p.name for p in (tmp / "output" / "episodes").iterdir())
    assert names == [
        "01-first-steps.chapters.json",
        "01-first-steps.mp3",
        "01-first-steps.txt",
        "01-first-steps.vtt",
        "02-second-steps.chapters.json",
        "02-second-steps.mp3",
        "02-second-steps.txt",
        "02-second-steps.vtt",
    ]
    published = sorted(p.name for p in (tmp / "output").iterdir() if p.is_file())
    assert published == [
        "GUIDE.m4b",
        "app.webmanifest",
        "cover.png",
        "feed.xml",
        "icon-192.png",
        "icon-512.png",
        "icon-maskable-512.png",
        "index.html",
        "manifest.json",
        "playlist.m3u8",
        "sw.js",
    ]
    assert not list((tmp / "output").rglob("*.tmp"))


@pytest.mark.parametrize("index", [0, 1])
def test_duration_is_clips_plus_pauses(built: tuple[BuildReport, Path], index: int) -> None:
    report, tmp = built
    mp3 = report.episodes[index].mp3
    decoded = len(decode_pcm(mp3, RATE)) / RATE
    assert decoded == pytest.approx(
        expected_seconds(tmp / "scripts", tmp / "cache", index), abs=0.05
    )
    assert MP3(mp3).info.sample_rate == 44100
    assert MP3(mp3).info.channels == 1
    assert MP3(mp3).info.bitrate == 64000


@pytest.mark.parametrize("index", [0, 1])
def test_loudness_and_true_peak(built: tuple[BuildReport, Path], index: int) -> None:
    report, _ = built
    integrated, peak = ebur128(report.episodes[index].mp3)
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0


def test_tags_and_chapters(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    mp3 = report.episodes[0].mp3
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "First steps"
    assert str(tags["TALB"]) == "Test Guide"
    assert str(tags["TPE1"]) == "Test Clinic"
    assert str(tags["TRCK"]) == "1/2"
    assert str(tags["TDRC"]) == "2026"
    assert str(tags["TLAN"]) == "eng"
    comments = [str(f) for f in tags.getall("COMM")]
    assert any("An Article" in c for c in comments)
    chapters = ffprobe_chapters(mp3)
    # The chime and intro before "Hello" are the episode's first chapter, from 0.
    assert [c[0] for c in chapters] == ["First steps", "Hello", "More"]
    assert chapters[0][1] == 0 and chapters[0][2] == chapters[1][1]
    chapters = chapters[1:]
    vtt_starts = cue_starts(report.episodes[0].mp3.with_suffix(".vtt"))
    # "Hello" starts with the first body sentence (after two intro sentences)
    assert chapters[0][1] == pytest.approx(vtt_starts[2], abs=0.002)
    assert chapters[1][1] == pytest.approx(vtt_starts[5], abs=0.002)
    assert chapters[1][2] == pytest.approx(report.episodes[0].seconds, abs=0.002)


@pytest.mark.parametrize("index", [0, 1])
def test_vtt_cues_start_with_the_speech(built: tuple[BuildReport, Path], index: int) -> None:
    report, _ = built
    episode = report.episodes[index]
    samples = decode_pcm(episode.mp3, RATE)
    onsets = sound_onsets(samples, RATE, min_gap=0.3)
    cues = cue_starts(episode.vtt)
    assert len(cues) >= 4
    for start in cues:
        nearest = min(onsets, key=lambda t: abs(t - start))
        # the cue includes the 15 ms kept before the engine's first sound
        assert abs(nearest - start) <= 0.05, (start, nearest)


def test_transcript_text(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    txt = report.episodes[0].txt.read_text()
    assert txt.startswith("First steps\n")
    assert "Welcome to the first episode." in txt
    assert "Hello" in txt and "More" in txt
    assert "An Article" in txt
