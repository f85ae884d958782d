"""What every engine checks of the audio it made: a plausible length for the text at
its rate (`plausible_seconds`), and a WAV read back as a mono 16-bit `Clip`
(`check_wav`). An engine that returns audio of the wrong utterance, or none, is caught
here rather than in a listener's ear."""

from __future__ import annotations

import re
import unicodedata
import wave
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import EngineError
from audioguide.errors import short as quoted
from audioguide.speech.base import Clip

# Duration bounds, measured with espeak-ng 1.51 at 80-450 wpm on ~2000 utterances:
# ordinary sentences last 0.69-1.9x words/rate (espeak pads ~0.2 s of silence), the
# shortest ("A." at 300 wpm) 0.37x. Digit strings, amounts and URLs are read digit by
# digit or letter by letter, so the upper bound counts every digit as a word as well;
# with that the worst case measured ("1234567890123") is 1.6x. Chinese and Japanese
# have no spaces: each ideograph or kana counts as a word for the upper bound and half
# a word for the lower one (Mandarin measured 0.45 s per character at 155 wpm, 1.2x).
# The lower bound catches truncated or empty synthesis; the upper bound catches audio
# that is not this utterance's at all (e.g. stale audio of an earlier, cancelled one).
MIN_RATIO = 0.3
MAX_RATIO = 4.0
MAX_SLACK = 1.0

WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Bounds:
    """Plausible clip length in seconds for a text at a rate."""

    low: float
    high: float


def plausible_seconds(text: str, rate_wpm: int) -> Bounds:
    if rate_wpm <= 0:
        raise EngineError(f"speaking rate must be positive, not {rate_wpm}")
    wide = sum(ch.isalnum() and unicodedata.east_asian_width(ch) in "WF" for ch in text)
    words = len([t for t in text.split() if WORD.search(t)]) + wide // 2
    units = len(WORD.findall(text)) + sum(ch.isdigit() for ch in text) + wide
    per_word = 60.0 / rate_wpm
    return Bounds(MIN_RATIO * words * per_word, MAX_RATIO * units * per_word + MAX_SLACK)


def short(text: str, limit: int = 60) -> str:
    return quoted(text, limit)


def check_wav(path: Path, text: str, rate_wpm: int) -> Clip:
    """Read a WAV the engine wrote and reject anything that cannot be this utterance."""
    if not path.exists():
        raise EngineError(f"no WAV file was written for {short(text)!r}")
    if path.stat().st_size == 0:
        raise EngineError(f"the WAV file for {short(text)!r} is empty")
    try:
        with wave.open(str(path), "rb") as w:
            params = w.getparams()
            frames = w.readframes(params.nframes)
    except (wave.Error, EOFError) as e:
        raise EngineError(f"the WAV file for {short(text)!r} is not valid: {e}") from e
    if params.framerate <= 0 or not frames:
        raise EngineError(f"the WAV file for {short(text)!r} holds no audio")
    pcm = to_mono16(frames, params.nchannels, params.sampwidth)
    clip = Clip(pcm, params.framerate)
    bounds = plausible_seconds(text, rate_wpm)
    if not bounds.low <= clip.seconds <= bounds.high:
        raise EngineError(
            f"the clip for {short(text)!r} lasts {clip.seconds:.2f} s, outside the plausible "
            f"{bounds.low:.2f}-{bounds.high:.2f} s at {rate_wpm} wpm"
        )
    return clip


def to_mono16(frames: bytes, channels: int, width: int) -> bytes:
    """Interleaved PCM of any WAV sample width to mono s16le (the `Clip` format)."""
    if channels == 1 and width == 2:
        return frames
    import numpy as np  # only for foreign formats; keeps the common path light

    if width == 1:
        samples = (np.frombuffer(frames, np.uint8).astype(np.int32) - 128) << 8
    elif width in (2, 3, 4):
        raw = np.frombuffer(frames, np.uint8).reshape(-1, width)
        # Keep the two most significant bytes of each little-endian sample.
        samples = raw[:, -2:].copy().view("<i2").reshape(-1).astype(np.int32)
    else:
        raise EngineError(f"unsupported WAV sample width: {width} bytes")
    mono = samples.reshape(-1, channels).mean(axis=1)
    return bytes(np.round(mono).astype("<i2").tobytes())
