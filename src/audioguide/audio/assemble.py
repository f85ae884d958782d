"""Render a timeline to one PCM array.

All parts are joined once (never `+=` in a loop), and where each sentence and chapter
starts is recorded exactly, for the VTT cues and the chapter frames.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from audioguide.audio.chime import chime
from audioguide.errors import EngineError
from audioguide.export.transcript import ChapterCue, Cue
from audioguide.plan.timeline import Chime, Item, Mark, Play, Silence, Utterance
from audioguide.speech.base import Clip
from audioguide.system import tools
from audioguide.system.tempfiles import private_folder

if TYPE_CHECKING:
    from pydub import AudioSegment

RATE = 44100  # an episode with no speech or sounds of its own (a chime only)
MAX_RATE = 48000
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
    pauses: tuple[tuple[int, int], ...] = ()  # sample ranges of the timeline's silences

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def resample(samples: Samples, rate: int, target: int) -> Samples:
    if rate == target:
        return samples
    # Imported here: scipy.signal costs over a second to load, and most episodes are
    # rendered at their speech's own rate and never resample.
    from scipy.signal import resample_poly

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


def sound_file(path: Path) -> tuple[Samples, int]:
    """A sound asset as mono int16 samples and its own rate."""
    from pydub.exceptions import CouldntDecodeError

    try:
        audio = _decoded(path).set_channels(1).set_sample_width(2)
    except (CouldntDecodeError, ValueError, ArithmeticError, IndexError) as e:
        # `content.sound_problem` refuses what it can foresee, as a script error; this is
        # what is left (a file damaged after the check).
        raise EngineError(f"the sound {path.name} cannot be decoded: {e}") from e
    return np.frombuffer(audio.raw_data, dtype="<i2").astype(np.int16), audio.frame_rate


def _decoded(path: Path) -> AudioSegment:
    """pydub's decoding of `path`. pydub asks ffprobe about any file but a WAV; where
    there is none (the ffmpeg wheel ships no ffprobe), ffmpeg makes a 16-bit WAV first."""
    from pydub import AudioSegment

    ffmpeg = tools.ffmpeg()  # the system's or the wheel's
    AudioSegment.converter = ffmpeg
    with open(path, "rb") as f:
        wav = f.read(12)[8:12] == b"WAVE"
    if wav or shutil.which("ffprobe"):
        return AudioSegment.from_file(str(path))
    with private_folder("sound") as folder:
        converted = folder / "sound.wav"
        command = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn"]
        done = subprocess.run(
            [*command, "-acodec", "pcm_s16le", str(converted)], capture_output=True, check=False
        )
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise ValueError(detail.splitlines()[-1] if detail else "ffmpeg failed")
        return AudioSegment.from_file(str(converted), format="wav")


def episode_rate(rates: list[int]) -> int:
    """The rate an episode is rendered and mastered at: the highest of its sources.

    Speech engines mostly speak at 22050 Hz; keeping that rate (the MP3 encoder
    resamples once, at the end) halves the work against rendering at 44.1 kHz and loses
    nothing, as the speech holds nothing above its own Nyquist frequency.
    """
    return min(max(rates, default=RATE), MAX_RATE)


def render(
    items: tuple[Item, ...], clip_for: Callable[[Utterance], Clip], rate: int | None = None
) -> Rendered:
    """Join the timeline into samples, recording sentence and chapter times exactly.

    `rate` defaults to `episode_rate` of the clips and sounds.
    """
    sources: dict[int, tuple[Samples, int]] = {}  # item index -> (samples, their rate)
    for i, item in enumerate(items):
        if isinstance(item, Play):
            sources[i] = sound_file(item.path)
        elif isinstance(item, Utterance):
            clip = clip_for(item)
            sources[i] = (np.frombuffer(clip.pcm, dtype="<i2").astype(np.int16), clip.rate)
    rate = rate or episode_rate([r for _, r in sources.values()])
    parts: list[Samples] = []
    cues: list[Cue] = []
    chapters: list[ChapterCue] = []
    pauses: list[tuple[int, int]] = []
    pos = 0
    for i, item in enumerate(items):
        if isinstance(item, Mark):
            chapters.append(ChapterCue(item.title, pos / rate))
            continue
        if isinstance(item, Silence):
            part = np.zeros(round(item.seconds * rate), dtype=np.int16)
            pauses.append((pos, pos + len(part)))
        elif isinstance(item, Chime):
            part = chime(rate)
        elif isinstance(item, Play):
            part = resample(*sources[i], rate)
        else:
            data, source_rate = sources[i]
            part = resample(trim(data, source_rate), source_rate, rate)
            if part.size == 0:
                raise EngineError(f"the engine returned only silence for: {item.display[:60]}")
            cues.append(Cue(pos / rate, (pos + len(part)) / rate, item.display))
        parts.append(part)
        pos += len(part)
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return Rendered(samples, rate, tuple(cues), tuple(chapters), tuple(pauses))
