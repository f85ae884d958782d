"""A built guide without the speech engine, for the publish tests.

The episodes are a few seconds of ffmpeg sine tone encoded as the build encodes speech
(mono, 44.1 kHz, 64 kbit/s, bit-exact), with real VTT and TXT transcripts beside them,
so `publish` reads files exactly like the ones a build leaves; their loudness and true
peak are what ffmpeg measures, as a build's report holds what its files measure.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from audioguide.build.report import ChapterMark, EpisodeResult
from audioguide.export.transcript import Cue, TranscriptBlock, plain_text, vtt
from audioguide.loader import load_guide
from audioguide.model import Guide
from support.audio_measure import ebur128

GUIDE_YAML = """\
title: Test Guide
description: A guide made by the tests.
author: Test Clinic
language: en-US
date: 2026-11-25
source:
  title: An Article
  author: A. Writer, LCSW
  date: February 2021
  url: https://example.org/article
credit: A paraphrase of An Article by A. Writer, February 2021.
"""

EPISODE_YAML = """\
id: {id}
title: {title}
summary: {summary}
segments:
  - chapter: Hello
  - say: Hello there.
"""


@dataclass(frozen=True)
class Spec:
    """One sample episode: its tone, its length and its chapters (title, start, end ms)."""

    id: str
    title: str
    summary: str
    seconds: float
    frequency: int
    chapters: tuple[tuple[str, int, int], ...]


SPECS = (
    Spec(
        "first-steps",
        "First steps",
        "Where it all starts.",
        3.0,
        440,
        (("Hello", 0, 1200), ("More to say", 1200, 3000)),
    ),
    Spec("second-steps", "Second steps", "Where it goes on.", 4.0, 330, (("Only", 0, 4000),)),
)


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("these tests need ffmpeg: sudo apt-get install ffmpeg")


def tone_mp3(dest: Path, seconds: float, frequency: int) -> None:
    require_ffmpeg()
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={frequency}:duration={seconds}",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-b:a",
            "64k",
            "-fflags",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-map_metadata",
            "-1",
            str(dest),
        ],
        check=True,
    )


def write_guide(root: Path, title: str = "Test Guide") -> Guide:
    """A guide folder with one episode file per spec, loaded by the real loader."""
    (root / "episodes").mkdir(parents=True, exist_ok=True)
    (root / "guide.yaml").write_text(GUIDE_YAML.replace("Test Guide", title), encoding="utf-8")
    for number, spec in enumerate(SPECS, start=1):
        text = EPISODE_YAML.format(id=spec.id, title=spec.title, summary=spec.summary)
        (root / "episodes" / f"{number:02d}-{spec.id}.yaml").write_text(text, encoding="utf-8")
    return load_guide(root)


_MEASURED: dict[Path, tuple[float, float]] = {}


def measured(mp3: Path) -> tuple[float, float]:
    """The tone's loudness and true peak as ffmpeg measures them (once per file)."""
    if mp3 not in _MEASURED:
        _MEASURED[mp3] = ebur128(mp3)
    return _MEASURED[mp3]


def build_episodes(
    output: Path,
    mp3_cache: Path,
    *,
    titles: dict[str, str] | None = None,
    summaries: dict[str, str] | None = None,
    date: str = "2026-11-25",
) -> list[EpisodeResult]:
    """Write MP3/VTT/TXT for every spec into `output/episodes` and describe them."""
    titles, summaries = titles or {}, summaries or {}
    results = []
    for number, spec in enumerate(SPECS, start=1):
        stem = output / "episodes" / f"{number:02d}-{spec.id}"
        cached = mp3_cache / f"{spec.id}.mp3"
        if not cached.exists():  # encode each tone once per test session
            tone_mp3(cached, spec.seconds, spec.frequency)
        stem.parent.mkdir(parents=True, exist_ok=True)
        mp3 = stem.with_suffix(".mp3")
        shutil.copyfile(cached, mp3)
        loudness, true_peak = measured(cached)
        title = titles.get(spec.id, spec.title)
        cues = [Cue(start / 1000, end / 1000, f"{name}.") for name, start, end in spec.chapters]
        stem.with_suffix(".vtt").write_text(vtt(cues), encoding="utf-8")
        blocks = [
            TranscriptBlock(name, ((f"Sentence in {name}.",),)) for name, _, _ in spec.chapters
        ]
        stem.with_suffix(".txt").write_text(
            plain_text(title, blocks, credit="A paraphrase of An Article."), encoding="utf-8"
        )
        results.append(
            EpisodeResult(
                id=spec.id,
                number=number,
                title=title,
                summary=summaries.get(spec.id, spec.summary),
                date=date,
                mp3=mp3,
                vtt=stem.with_suffix(".vtt"),
                txt=stem.with_suffix(".txt"),
                seconds=spec.seconds,
                loudness=loudness,
                true_peak=true_peak,
                size=mp3.stat().st_size,
                chapters=tuple(ChapterMark(*chapter) for chapter in spec.chapters),
            )
        )
    return results
