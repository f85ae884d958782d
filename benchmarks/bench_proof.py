"""Proof benchmarks (needs the proof extra): each goal a ratio or a time, measured here.

    .venv/bin/python benchmarks/bench_proof.py [--scripts scripts] [--jobs N]

The guide is built first (into a temporary folder, not timed), then:

1. a full proof of the English edition, cold: the speech heard (the sentences' clips)
   divided by the proof's wall time, as "x real time"                  (goal >= 10)
2. a proof after a one-sentence edit (and its rebuild, not timed), as
   `audioguide proof` run from the shell: start to exit                 (goal <= 2 s)
   beside `audioguide --version` timed in the same run (the start-up floor)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def cpu_seconds() -> float:
    """CPU time of this process's finished children (user + system)."""
    import resource  # Unix only, as the benchmarks are

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed_run(*cmd: str | Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(map(str, cmd[:2]))} failed ({done.returncode}): {done.stderr}")
    return time.perf_counter() - start, done.stdout


def speech_seconds(scripts: Path, cache: Path) -> tuple[float, int]:
    """Seconds of speech in the English edition's distinct clips, and their count."""
    from audioguide.loader import load_with_sources
    from audioguide.proof.sentences import plan
    from audioguide.speech.cache import ClipCache
    from audioguide.speech.registry import shared_engine

    guide, sources = load_with_sources(scripts)
    keys = {s.key for s in plan(guide, sources, shared_engine, cache).sentences}
    clips = [ClipCache(cache).get(k) for k in keys]
    return sum(c.seconds for c in clips if c is not None), len(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=Path, default=ROOT / "scripts")
    parser.add_argument("--jobs", type=int, default=2, help="recognizer threads")
    args = parser.parse_args()
    from importlib.metadata import version

    print(describe(f"faster-whisper {version('faster-whisper')}", "Whisper tiny.en int8"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        scripts = work / "scripts"
        shutil.copytree(args.scripts, scripts)
        out, cache = work / "out", work / "cache"
        places = [scripts, "-o", out, "--cache-dir", cache]
        timed_run(BIN / "audioguide", "build", *places)
        audio, clips = speech_seconds(scripts, cache)
        proof = [BIN / "audioguide", "proof", *places, "-j", str(args.jobs)]
        cpu = cpu_seconds()
        full, _ = timed_run(*proof)
        cpu = cpu_seconds() - cpu
        cores = len(os.sched_getaffinity(0))
        # On a shared machine the wall time counts other people's work; the CPU time
        # spread over the cores is what the proof would take on the machine alone.
        print(
            f"1. full proof, cold: {clips} clips, {audio:.0f} s of speech heard in "
            f"{full:.1f} s: {audio / full:.1f}x real time (goal >= 10); "
            f"CPU {cpu:.0f} s, so {audio / (cpu / cores):.1f}x on {cores} idle cores"
        )
        episode = sorted((scripts / "episodes").glob("*.yaml"))[1]
        text = episode.read_text("utf-8")
        episode.write_text(text.replace("\n      ", "\n      Here is a new sentence. ", 1))
        timed_run(BIN / "audioguide", "build", *places)
        floor, _ = timed_run(BIN / "audioguide", "--version")
        cpu = cpu_seconds()
        edit, said = timed_run(*proof)
        cpu = cpu_seconds() - cpu
        heard = said.strip().splitlines()[-1]
        print(
            f"2. proof after a one-sentence edit: {edit:.2f} s (goal <= 2 s), CPU {cpu:.2f} s; "
            f"audioguide --version {floor:.2f} s; {heard.split(';')[0]}"
        )


if __name__ == "__main__":
    main()
