"""Shared audio helpers for tests: measure files with ffmpeg, and make test signals.

Measurements come from ffmpeg/ffprobe, never from audioguide's own code, so a test that
uses them checks the project against an independent meter:

- `ebur128(path)` -> (integrated LUFS, true peak dBTP), mono measured as dual mono,
  i.e. as heard on a stereo player (the convention of `Mastering.loudness`).
- `duration(path)` -> seconds, from the container (ffprobe). For MP3 this includes the
  encoder's delay and padding (~36 ms at 44.1 kHz); `len(decode_pcm(path)) / rate` is
  the exact playing time.
- `chapters(path)` -> [(title, start s, end s)], from ffprobe -show_chapters.
- `decode_pcm(path, rate)` -> mono int16 samples at `rate`, decoded by ffmpeg.
- `write_wav(path, samples, rate)` writes mono int16 samples as a WAV file.

The signal makers (`speechlike`, `tone`, `with_clicks`, `with_pops`, `scaled_to`) are
seeded and deterministic. Measuring needs ffmpeg on PATH; `needs_ffmpeg` is a pytest
skip marker for tests that do.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy.signal import butter, sosfilt

Samples = npt.NDArray[np.int16]
RATE = 44100

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe not installed (sudo apt-get install ffmpeg)",
)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): " + " | ".join(tail))
    return done


def _level(text: str) -> float:
    return -math.inf if text.endswith("inf") else float(text)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file, by ffmpeg's ebur128.

    Mono is measured as dual mono (+3.01 dB over one channel). ffmpeg prints one
    decimal, so expect +-0.05 from rounding alone. Silence reads -70 LUFS and -inf dBTP.
    """
    done = _run(
        [
            "ffmpeg", "-hide_banner", "-nostats", "-i", str(path),
            "-af", "ebur128=dualmono=true:peak=true", "-f", "null", "-",
        ]
    )  # fmt: skip
    # The filter logs a line every 100 ms; the figures that count follow "Summary:".
    summary = done.stderr.decode(errors="replace").rsplit("Summary:", 1)[-1]
    lufs = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if lufs is None or peak is None:
        raise RuntimeError(f"no ebur128 summary for {path}:\n{summary}")
    return _level(lufs.group(1)), _level(peak.group(1))


def duration(path: Path) -> float:
    """Duration in seconds as the container reports it (ffprobe format=duration)."""
    done = _run(
        [
            "ffprobe", "-v", "error", "-show_entries", "format=duration",
            "-of", "default=noprint_wrappers=1:nokey=1", str(path),
        ]
    )  # fmt: skip
    return float(done.stdout.decode().strip())


def chapters(path: Path) -> list[tuple[str, float, float]]:
    """Chapters as ffprobe sees them: (title, start seconds, end seconds), in order."""
    done = _run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)])
    found = json.loads(done.stdout)["chapters"]
    return [
        (c.get("tags", {}).get("title", ""), float(c["start_time"]), float(c["end_time"]))
        for c in found
    ]


def decode_pcm(path: Path, rate: int = RATE) -> Samples:
    """Decode any audio file to mono int16 samples at `rate` with ffmpeg."""
    done = _run(
        [
            "ffmpeg", "-v", "error", "-i", str(path),
            "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", str(rate), "-",
        ]
    )  # fmt: skip
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.int16)


def write_wav(path: Path, samples: Samples, rate: int = RATE) -> Path:
    """Write mono int16 samples as a 16-bit WAV file; returns `path`."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return path


# --- test signals -------------------------------------------------------------------------


def _to_int16(x: npt.NDArray[np.float64]) -> Samples:
    return np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)


def speechlike(seconds: float, seed: int = 0, rate: int = RATE) -> npt.NDArray[np.float64]:
    """Float signal (about -20 dBFS RMS while "talking") shaped like speech.

    Syllables of 80-250 ms: a voiced part (harmonics of a gliding 90-230 Hz pitch,
    rolling off like a voice) plus band-limited noise for consonants (sibilance sits
    at 2-8 kHz; like speech, and unlike white noise, nothing much above 10 kHz),
    under a raised-cosine envelope; 40-150 ms between syllables, 0.3-0.8 s pauses
    between phrases.
    """
    rng = np.random.default_rng(seed)
    hiss = butter(4, [1500, 8000], btype="bandpass", fs=rate, output="sos")
    n = int(seconds * rate)
    out = np.zeros(n)
    t = 0.2 * rate
    syllables = 0
    while t < n - 0.3 * rate:
        length = int(rng.uniform(0.08, 0.25) * rate)
        f0 = rng.uniform(90, 230) * np.linspace(1.0, rng.uniform(0.85, 1.15), length)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voiced = sum(np.sin(k * phase + rng.uniform(0, 6.28)) / k**1.2 for k in range(1, 25))
        noise = sosfilt(hiss, rng.standard_normal(length)) * rng.uniform(0.1, 0.8)
        env = np.sin(np.linspace(0, np.pi, length)) ** 0.7 * rng.uniform(0.4, 1.0)
        seg = (voiced * 0.35 + noise * 0.5) * env
        start = int(t)
        stop = min(n, start + length)
        out[start:stop] += seg[: stop - start]
        syllables += 1
        gap = rng.uniform(0.3, 0.8) if syllables % int(rng.integers(4, 9)) == 0 else 0.0
        t += length + (rng.uniform(0.04, 0.15) + gap) * rate
    return out * 0.25


def tone(seconds: float, freq: float, amplitude: float, rate: int = RATE) -> Samples:
    """A plain sine as int16."""
    t = np.arange(int(seconds * rate)) / rate
    return _to_int16(amplitude * np.sin(2 * np.pi * freq * t))


def with_clicks(
    x: npt.NDArray[np.float64], every: float, height: float, seed: int = 1, rate: int = RATE
) -> npt.NDArray[np.float64]:
    """Add mouth clicks (0.2-1 ms spikes) of peak `height` about every `every` s.

    Far above the speech, they carry almost no energy: limiting them costs no loudness.
    """
    rng = np.random.default_rng(seed)
    y = x.copy()
    for at in np.arange(0.5, len(x) / rate - 0.5, every):
        i = int((at + rng.uniform(-0.2, 0.2)) * rate)
        width = int(rng.uniform(0.0002, 0.001) * rate) + 2
        y[i : i + width] += (1 if rng.uniform() < 0.5 else -1) * height * np.hanning(width)
    return y


def with_pops(
    x: npt.NDArray[np.float64], every: float, height: float, seed: int = 1, rate: int = RATE
) -> npt.NDArray[np.float64]:
    """Add plosive pops (15-30 ms, 60-120 Hz thumps) of peak `height` every ~`every` s.

    Unlike clicks they carry real energy, so limiting them lowers integrated loudness.
    """
    rng = np.random.default_rng(seed)
    y = x.copy()
    for at in np.arange(0.5, len(x) / rate - 0.5, every):
        i = int((at + rng.uniform(-0.2, 0.2)) * rate)
        width = int(rng.uniform(0.015, 0.03) * rate)
        t = np.arange(width) / rate
        shape = np.sin(2 * np.pi * rng.uniform(60, 120) * t) * np.exp(-t / (width / rate / 4))
        y[i : i + width] += height * shape / np.max(np.abs(shape))
    return y


def scaled_to(x: npt.NDArray[np.float64], peak_dbfs: float) -> Samples:
    """Scale a float signal so its sample peak sits at `peak_dbfs`, as int16."""
    return _to_int16(x * (10 ** (peak_dbfs / 20) / np.max(np.abs(x))))


# Sentences without commas, so the only long silences are the script's pauses.
NO_COMMA_EPISODE = """\
id: first-steps
title: First steps
summary: Where it all starts.
segments:
  - chapter: Hello
  - say: |
      Welcome to the first episode. It is short and simple.

      A new paragraph starts here.
  - chapter: More
  - say: One more sentence after a chapter.
  - pause: 1.5s
  - say: After a long pause we say goodbye.
"""


def cue_starts(vtt: Path) -> list[float]:
    stamps = re.findall(r"^(\d+):(\d\d):(\d\d\.\d{3}) -->", vtt.read_text(), re.M)
    return [int(h) * 3600 + int(m) * 60 + float(s) for h, m, s in stamps]


def sound_onsets(samples: np.ndarray, rate: int, min_gap: float) -> list[float]:
    """Where sound starts again after at least `min_gap` seconds of near silence."""
    frame = rate // 100  # 10 ms frames
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].astype(np.float64).reshape(n, frame) ** 2, 1))
    loud = rms > 0.01 * 32768
    onsets, quiet_run = [], 0
    for i, is_loud in enumerate(loud):
        if is_loud:
            if quiet_run * 0.01 >= min_gap:
                # refine to the first loud sample inside the frame
                seg = np.abs(samples[i * frame - frame : (i + 1) * frame].astype(np.int32))
                first = int(np.argmax(seg > 0.004 * 32768))
                onsets.append((i * frame - frame + first) / rate)
            quiet_run = 0
        else:
            quiet_run += 1
    return onsets
