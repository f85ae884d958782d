"""Render a timeline to one PCM array.

All parts are joined once (never `+=` in a loop), and where each sentence and chapter
starts is recorded exactly, for the VTT cues and the chapter frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from audioguide.chime import chime
from audioguide.engines.base import Clip
from audioguide.errors import EngineError
from audioguide.timeline import Chime, Item, Mark, Play, Silence, Utterance
from audioguide.transcript import ChapterCue, Cue

RATE = 44100
# Engines pad their clips with silence; trimming it makes the script's pauses exact.
# A little margin keeps soft consonants at the edges.
TRIM_THRESHOLD = 0.004  # about -48 dBFS
TRIM_MARGIN = 0.015

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Rendered:
    samples: Samples
    rate: int
    cues: tuple[Cue, ...]
    chapters: tuple[ChapterCue, ...]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def resample(samples: Samples, rate: int, target: int) -> Samples:
    if rate == target:
        return samples
    g = gcd(rate, target)
    out: npt.NDArray[np.float32] = resample_poly(samples.astype(np.float32), target // g, rate // g)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def trim(samples: Samples, rate: int) -> Samples:
    """Cut leading and trailing silence, keeping a small margin."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > TRIM_THRESHOLD * 32768)
    if loud.size == 0:
        return samples[:0]
    margin = int(TRIM_MARGIN * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + 1 + margin]


def clip_samples(clip: Clip, rate: int) -> Samples:
    trimmed = trim(np.frombuffer(clip.pcm, dtype="<i2").astype(np.int16), clip.rate)
    return resample(trimmed, clip.rate, rate)


def sound_samples(path: Path, rate: int) -> Samples:
    from pydub import AudioSegment  # imported here: loading pydub costs start-up time

    audio = AudioSegment.from_file(str(path)).set_channels(1).set_sample_width(2)
    data = np.frombuffer(audio.raw_data, dtype="<i2").astype(np.int16)
    return resample(data, audio.frame_rate, rate)


def render(
    items: tuple[Item, ...], clip_for: Callable[[Utterance], Clip], rate: int = RATE
) -> Rendered:
    """Join the timeline into samples, recording sentence and chapter times exactly."""
    parts: list[Samples] = []
    cues: list[Cue] = []
    chapters: list[ChapterCue] = []
    pos = 0
    for item in items:
        if isinstance(item, Mark):
            chapters.append(ChapterCue(item.title, pos / rate))
            continue
        if isinstance(item, Silence):
            part = np.zeros(round(item.seconds * rate), dtype=np.int16)
        elif isinstance(item, Chime):
            part = chime(rate)
        elif isinstance(item, Play):
            part = sound_samples(item.path, rate)
        else:
            part = clip_samples(clip_for(item), rate)
            if part.size == 0:
                raise EngineError(f"the engine returned only silence for: {item.display[:60]}")
            cues.append(Cue(pos / rate, (pos + len(part)) / rate, item.display))
        parts.append(part)
        pos += len(part)
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return Rendered(samples, rate, tuple(cues), tuple(chapters))
