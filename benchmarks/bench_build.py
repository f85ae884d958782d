"""Build benchmarks: each goal is a ratio to a baseline timed in the same run.

    .venv/bin/python benchmarks/bench_build.py [--scripts scripts] [--jobs N]

1. cold build vs `espeak-ng` on the whole text + one `ffmpeg` encode   (goal <= 1.0)
2. no-op rebuild vs `audioguide --version`                              (goal <= 2.0)
3. one-sentence edit vs a plain `ffmpeg` encode of that episode         (goal <= 1.5)
   for the shortest, the middle and the longest episode (medians of five, each edit
   timed beside its own encode)
4. render + master of a 40-minute episode vs a 10-minute one           (goal <= 4.5)
   and its peak memory vs the episode's raw PCM size                   (goal <  3.0)

The baselines of 1 and 3 encode as ffmpeg does by default (LAME's quality 3); the build
encodes at quality 7, so each is also timed at 7 and printed beside it.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from machine import describe

from audioguide import default_jobs
from audioguide.audio.assemble import RATE, render
from audioguide.audio.master import master
from audioguide.build.stages import plan_guide
from audioguide.export.mp3 import LAME_QUALITY
from audioguide.loader import load_guide
from audioguide.loader.editions import editions
from audioguide.model import Mastering
from audioguide.plan.timeline import Silence, Utterance
from audioguide.speech.base import Clip

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True, capture_output=True)


def machine() -> str:
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    return describe(espeak.split(" Data")[0].strip(), ffmpeg.splitlines()[0][:30])


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def build_cmd(scripts: Path, out: Path, cache: Path, jobs: int) -> list[str | Path]:
    return [
        BIN / "audioguide",
        "build",
        scripts,
        "-o",
        out,
        "--cache-dir",
        cache,
        "-q",
        "-j",
        str(jobs),
    ]


# The baselines encode as ffmpeg does by default (LAME's quality 3); the build uses
# LAME's quality 7 (see export/mp3.py). The same baselines at the build's quality are
# timed too and printed beside them, so a reader sees what the setting is worth.
ENCODE = ("ffmpeg", "-y", "-v", "error", "-i")
SAME_QUALITY = ("-compression_level", str(LAME_QUALITY))


def cold(scripts: Path, work: Path, jobs: int) -> tuple[float, float, float]:
    """The build of every edition vs espeak-ng speaking each edition's text + one
    encode; and that baseline with the build's LAME quality."""
    inputs = []
    for n, edition in enumerate(editions(scripts, work / "out")):
        guide = load_guide(edition.scripts)
        text = "\n".join(
            u.spoken
            for items in plan_guide(guide).values()
            for u in items
            if isinstance(u, Utterance)
        )
        (work / f"all{n}.txt").write_text(text)
        # The same espeak-ng voice the build uses, so the baseline speaks the same way.
        name = guide.voice.name or {"en": "en-us", "es": "es-419"}.get(guide.language[:2], "")
        inputs.append((n, ["-v", name] if name else [], str(guide.voice.rate)))

    def baseline(*quality: str) -> None:
        for n, voice, rate in inputs:
            txt, wav, mp3 = (work / f"all{n}{ext}" for ext in (".txt", ".wav", ".mp3"))
            run("espeak-ng", *voice, "-s", rate, "-w", wav, "-f", txt)
            run(*ENCODE, wav, *quality, "-ac", "1", "-ar", "44100", "-b:a", "64k", mp3)

    base = timed(baseline)
    ours = timed(lambda: run(*build_cmd(scripts, work / "out", work / "cache", jobs)))
    return ours, base, timed(functools.partial(baseline, *SAME_QUALITY))


def noop(scripts: Path, work: Path, jobs: int) -> tuple[float, float]:
    cmd = build_cmd(scripts, work / "out", work / "cache", jobs)
    ours = statistics.median(timed(lambda: run(*cmd)) for _ in range(5))
    base = statistics.median(timed(lambda: run(BIN / "audioguide", "--version")) for _ in range(5))
    return ours, base


# Edits per episode. Five, not three: on a shared 2-core machine the same encode of one
# episode took 1.2 s and 2.3 s within minutes, so each edit is paired with encodes timed
# right after it, and the median of five pairs is what is compared.
EDITS = 5


def edit(scripts: Path, work: Path, jobs: int) -> list[tuple[str, float, float, float, list[str]]]:
    """For the shortest, the middle and the longest episode: `EDITS` one-sentence edits,
    each built in turn and followed by a plain encode of that episode (and one at the
    build's LAME quality). The medians, and the files that changed."""
    copy = work / "edited"
    shutil.copytree(scripts, copy)
    out2 = work / "out2"
    shutil.copytree(work / "out", out2)
    # The copied folder records the original guide as its owner; without one in its
    # record, the copy's first build claims it (as a folder from before the record would be).
    for path in out2.rglob(".audioguide/record.json"):
        record = json.loads(path.read_text("utf-8"))
        record["owner"] = None
        path.write_text(json.dumps(record), "utf-8")
    run(*build_cmd(copy, out2, work / "cache", jobs))  # the copies' own no-op record
    episodes = sorted((copy / "episodes").glob("*.yaml"), key=lambda p: p.stat().st_size)
    results = []
    for target in (episodes[0], episodes[len(episodes) // 2], episodes[-1]):
        ours: list[float] = []
        base: list[float] = []
        same: list[float] = []
        changed: set[str] = set()
        encode: list[str | Path] = []
        for n in range(EDITS):
            source = target.read_text()
            marker = next(
                ln for ln in source.splitlines() if ln.startswith("      ") and ln.endswith(".")
            )
            target.write_text(source.replace(marker, marker.rstrip()[:-1] + f", truly {n}.", 1))
            before = hashes(out2)
            ours.append(timed(lambda: run(*build_cmd(copy, out2, work / "cache", jobs))))
            after = hashes(out2)
            changed |= {k for k in after if before.get(k) != after[k]}
            if not encode:
                mp3 = next(out2 / k for k in sorted(changed) if k.endswith(".mp3"))
                run("ffmpeg", "-y", "-v", "error", "-i", mp3, work / "episode.wav")
                encode = [*ENCODE, work / "episode.wav", "-ac", "1", "-ar", "44100", "-b:a", "64k"]
            # Each edit's baselines right after it: a machine whose speed drifts (this
            # one's moves by half within minutes) then moves both sides alike.
            base.append(timed(functools.partial(run, *encode, work / "episode.mp3")))
            at_7 = (*encode, *SAME_QUALITY, work / "episode.mp3")  # options before the output
            same.append(timed(functools.partial(run, *at_7)))
        minutes = duration_of(work / "episode.wav") / 60
        label = f"{target.stem} ({minutes:.1f} min)"
        medians = statistics.median(ours), statistics.median(base), statistics.median(same)
        results.append((label, *medians, sorted(changed)))
    return results


def duration_of(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def synthetic_clip(seconds: float, seed: int) -> Clip:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 22050)) / 22050
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    voice = np.sin(2 * np.pi * 140 * t) + 0.3 * rng.standard_normal(t.size)
    pcm = np.round(np.clip(voice * envelope * 0.3, -1, 1) * 32767).astype("<i2")
    return Clip(pcm.tobytes(), 22050)


def episode_cost(minutes: float) -> tuple[float, int, int]:
    """Render + master a synthetic episode: seconds, traced peak bytes, raw PCM bytes."""
    clips = [synthetic_clip(2.5 + (i % 5) * 0.5, i) for i in range(16)]
    items: list[object] = []
    total = 0.0
    i = 0
    while total < minutes * 60:
        clip = clips[i % len(clips)]
        items += [Utterance(f"s{i}", f"s{i}", None, True), Silence(0.35)]  # type: ignore[arg-type]
        total += clip.seconds + 0.35
        i += 1
    lookup = {u: clips[n % len(clips)] for n, u in enumerate(items[::2])}
    tracemalloc.start()
    start = time.perf_counter()
    rendered = render(tuple(items), lambda u: lookup[u], RATE)  # type: ignore[arg-type]
    mastered, _ = master(rendered.samples, RATE, Mastering())
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak, mastered.nbytes


def ratio(ours: float, base: float, goal: float) -> str:
    value = ours / base
    return f"ratio {value:5.2f}  (goal <= {goal}: {'met' if value <= goal else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=Path, default=ROOT / "scripts")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}; --jobs {args.jobs}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours, base, same = cold(args.scripts, work, args.jobs)
        print(f"1. cold build {ours:6.2f} s  baseline {base:6.2f} s", ratio(ours, base, 1.0))
        print(f"   baseline at the build's LAME quality {same:6.2f} s  ratio {ours / same:5.2f}")
        ours, base = noop(args.scripts, work, args.jobs)
        print(f"2. no-op      {ours:6.2f} s  --version {base:5.2f} s", ratio(ours, base, 2.0))
        for label, ours, base, same, changed in edit(args.scripts, work, args.jobs):
            print(
                f"3. edit       {ours:6.2f} s  encode {base:8.2f} s  ratio {ours / base:5.2f}"
                f"  (<= 1.5)  {label}"
            )
            print(f"   encode at the build's LAME quality {same:5.2f} s  ratio {ours / same:5.2f}")
            print(f"   files changed: {', '.join(changed)}")
    if not args.skip_scaling:
        episode_cost(1)  # first: imports and one-time set-up are not scaling
        t10, _, _ = episode_cost(10)
        t40, peak, raw = episode_cost(40)
        print(f"4. 40 min {t40:6.2f} s vs 10 min {t10:5.2f} s  ratio {t40 / t10:5.2f}  (<= 4.5)")
        print(
            f"   peak memory {peak / 1e6:6.0f} MB vs raw PCM {raw / 1e6:4.0f} MB  "
            f"ratio {peak / raw:4.2f}  (< 3.0)"
        )


if __name__ == "__main__":
    main()
