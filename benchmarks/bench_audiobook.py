"""What the audiobook (GUIDE.m4b) costs a build: ratios to the same build without it
(`audiobook: false` in each edition's guide.yaml), timed in the same run.

    .venv/bin/python benchmarks/bench_audiobook.py [--scripts scripts] [--jobs N] [--runs N]

1. cold build (empty clip cache), with vs without the audiobook       (aim <= 1.15)
2. a one-sentence edit of the middle episode, with vs without          (aim <= 1.3)
   (medians of three edits, each built in turn)

The two variants alternate, so a machine that slows down during the run slows both.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

from audioguide.build.session import default_jobs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VARIANTS = ("with", "without")


def build(scripts: Path, out: Path, cache: Path, jobs: int) -> float:
    command = [BIN / "audioguide", "build", scripts, "-o", out, "--cache-dir", cache, "-q"]
    start = time.perf_counter()
    subprocess.run([str(c) for c in [*command, "-j", str(jobs)]], check=True)
    return time.perf_counter() - start


def copies(scripts: Path, work: Path) -> dict[str, Path]:
    """The guide as it is, and a copy whose every edition says `audiobook: false`."""
    found = {}
    for variant in VARIANTS:
        copy = work / variant / "scripts"
        shutil.copytree(scripts, copy)
        if variant == "without":
            for guide in copy.rglob("guide.yaml"):
                guide.write_text(guide.read_text("utf-8") + "audiobook: false\n", "utf-8")
        found[variant] = copy
    return found


def edit_once(scripts: Path, n: int) -> None:
    """One sentence of the middle episode (by size) changes a little."""
    episodes = sorted((scripts / "episodes").glob("*.yaml"), key=lambda p: p.stat().st_size)
    target = episodes[len(episodes) // 2]
    source = target.read_text("utf-8")
    line = next(ln for ln in source.splitlines() if ln.startswith("      ") and ln.endswith("."))
    target.write_text(source.replace(line, line.rstrip()[:-1] + f", truly {n}.", 1), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=Path, default=ROOT / "scripts")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--runs", type=int, default=1, help="cold builds of each variant")
    args = parser.parse_args()
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    print(f"machine: {describe(espeak.split(' Data')[0].strip(), ffmpeg.splitlines()[0][:30])}")
    cold: dict[str, list[float]] = {v: [] for v in VARIANTS}
    edits: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        scripts = copies(args.scripts, work)
        for run in range(args.runs):
            order = VARIANTS if run % 2 == 0 else VARIANTS[::-1]
            for v in order:
                out, cache = work / v / f"out{run}", work / v / f"cache{run}"
                cold[v].append(build(scripts[v], out, cache, args.jobs))
        for n in range(3):
            for v in VARIANTS if n % 2 == 0 else VARIANTS[::-1]:
                edit_once(scripts[v], n)
                edits[v].append(
                    build(scripts[v], work / v / "out0", work / v / "cache0", args.jobs)
                )
        book = sorted(p.stat().st_size for p in (work / "with" / "out0").rglob("GUIDE.m4b"))
    with_, without = statistics.median(cold["with"]), statistics.median(cold["without"])
    print(f"1. cold  {with_:6.2f} s with, {without:6.2f} s without: ratio {with_ / without:.2f}")
    with_, without = statistics.median(edits["with"]), statistics.median(edits["without"])
    print(f"2. edit  {with_:6.2f} s with, {without:6.2f} s without: ratio {with_ / without:.2f}")
    print(f"   cold runs {cold}; edits {edits}; GUIDE.m4b sizes {book} bytes")


if __name__ == "__main__":
    main()
