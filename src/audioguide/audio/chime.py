"""A short two-note chime made in code, so the guide ships no licensed audio."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

NOTES_HZ = (659.25, 987.77)  # E5 then B5: a soft, open fifth
NOTE_SECONDS = 0.55
OVERLAP_SECONDS = 0.18
PEAK = 0.35


def chime(rate: int) -> npt.NDArray[np.int16]:
    """Mono int16 chime at `rate`; the same bytes every time."""
    n = int(NOTE_SECONDS * rate)
    t = np.arange(n, dtype=np.float64) / rate
    attack = np.minimum(t / 0.012, 1.0)  # a 12 ms ramp: no click at the start
    decay = np.exp(-t * 6.0)
    step = int((NOTE_SECONDS - OVERLAP_SECONDS) * rate)
    out = np.zeros(step * (len(NOTES_HZ) - 1) + n)
    for i, freq in enumerate(NOTES_HZ):
        tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
        out[i * step : i * step + n] += tone * attack * decay
    fade = min(len(out), int(0.05 * rate))  # end exactly at zero
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    out *= PEAK / np.max(np.abs(out))
    return np.round(out * 32767).astype(np.int16)
