"""The few filters mastering needs, in NumPy alone.

SciPy has all of them, but importing `scipy.signal` takes 1.7 s on a 2-core machine
(it loads `scipy.stats` and more), in the build and again in every worker process: more
than mastering a whole episode. Each function here is checked against SciPy's in the
tests.

- `fir_of_sos` and `FirFilter`: an IIR filter (the BS.1770 K-weighting) run as its
  impulse response, cut where it has decayed below double precision, by overlap-save
  FFT convolution; the history is carried across calls, so chunks join seamlessly.
- `oversample4`: 4x oversampling for true-peak measurement (a windowed-sinc polyphase
  interpolator, as `resample_poly` designs it).
- `sliding_min` and `moving_average`: centred windows with the edge value repeated, as
  `scipy.ndimage`'s `minimum_filter1d` and `uniform_filter1d` with mode "nearest".
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

Floats64 = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]

# By this time the K-weighting's slowest pole (a double pole at 38 Hz, time constant
# 4.2 ms) has decayed by e^-35: the response left out is far below double precision.
_IMPULSE_SECONDS = 0.15


def fir_of_sos(sos: Floats64, length: int) -> Floats64:
    """The first `length` samples of the impulse response of second-order sections
    (rows b0 b1 b2 a0 a1 a2, a0 = 1), by running the recursion on an impulse."""
    h = np.zeros(length)
    h[0] = 1.0
    for b0, b1, b2, _, a1, a2 in sos:
        x, y = h, np.zeros(length)
        x1 = x2 = y1 = y2 = 0.0
        for n in range(length):
            yn = b0 * x[n] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, x[n], y1, yn
            y[n] = yn
        h = y
    return h


def impulse_length(rate: int) -> int:
    return math.ceil(_IMPULSE_SECONDS * rate)


class FirFilter:
    """Filters a signal given in consecutive pieces with one FIR, as if given whole.

    In single precision, which halves the FFTs' time: the output is within about 1e-6 of
    full scale of the exact result, a millionth of a dB in a loudness measurement.
    """

    def __init__(self, taps: Floats64) -> None:
        self.taps = len(taps)
        self.size = 1 << max(12, (4 * len(taps) - 1).bit_length())  # FFT block
        self.step = self.size - len(taps) + 1  # new output samples per block
        self.spectrum = np.fft.rfft(taps, self.size).astype(np.complex64)
        self.history = np.zeros(len(taps) - 1, dtype=np.float32)

    def __call__(self, piece: npt.NDArray[np.floating]) -> Floats32:
        n = len(piece)
        blocks = max(1, -(-n // self.step))
        padded = np.zeros((blocks - 1) * self.step + self.size, dtype=np.float32)
        padded[: self.taps - 1] = self.history
        padded[self.taps - 1 : self.taps - 1 + n] = piece
        self.history = padded[n : n + self.taps - 1].copy()
        windows = sliding_window_view(padded, self.size)[:: self.step][:blocks]
        out = np.fft.irfft(np.fft.rfft(windows, axis=1) * self.spectrum, self.size, axis=1)
        return np.asarray(out[:, self.taps - 1 :].reshape(-1)[:n], dtype=np.float32)


@cache
def _polyphase(up: int = 4, half: int = 10, beta: float = 5.0) -> Floats32:
    """Taps of a 4x interpolator, one column per phase: out[up*i + p] = window_i . col p.

    The prototype is `resample_poly`'s: a Kaiser-windowed sinc cut at the input's
    Nyquist frequency, `half` input samples each side, gain `up`.
    """
    n = 2 * half * up + 1
    centre = half * up
    proto = np.sinc((np.arange(n) - centre) / up) * np.kaiser(n, beta)
    proto *= up / proto.sum()
    taps = np.zeros((2 * half + 1, up), dtype=np.float64)
    for p in range(up):
        for k in range(2 * half + 1):  # window position k holds x[i - half + k]
            index = centre + p - up * (k - half)
            if 0 <= index < n:
                taps[k, p] = proto[index]
    return taps.astype(np.float32)


OVERSAMPLE_REACH = 10  # input samples each side that one oversampled point depends on


def oversample4(windows: Floats32) -> Floats32:
    """4x oversample each row of `windows`; row r gives (len - 2*reach, 4) points, the
    4 points from each of its inner samples up to the next. Zeros are assumed beyond a
    row's ends only through its first and last `reach` samples, which are context."""
    taps = _polyphase()
    reach = OVERSAMPLE_REACH
    rows, width = windows.shape
    out = np.empty((rows, width - 2 * reach, 4), dtype=np.float32)
    batch = max(1, (1 << 22) // (width * taps.shape[0]))  # bounds the strided copy
    for start in range(0, rows, batch):
        view = sliding_window_view(windows[start : start + batch], taps.shape[0], axis=1)
        out[start : start + batch] = view @ taps
    return out


def sliding_min(x: Floats32, size: int) -> Floats32:
    """Centred sliding minimum over an odd `size`, edges repeated (van Herk/Gil-Werman:
    prefix and suffix minima within blocks of `size`, two passes whatever the size)."""
    half = size // 2
    n = len(x)
    blocks = -(-(n + 2 * half) // size)
    padded = np.empty(blocks * size, dtype=x.dtype)
    padded[:half] = x[0] if n else 0
    padded[half : half + n] = x
    padded[half + n :] = x[-1] if n else 0
    grid = padded.reshape(blocks, size)
    prefix = np.minimum.accumulate(grid, axis=1).reshape(-1)
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    # The window starting at i spans the end of one block and the start of the next.
    result = np.minimum(suffix[:n], prefix[size - 1 : size - 1 + n])
    return np.asarray(result, dtype=x.dtype)


def moving_average(x: Floats32, size: int) -> Floats32:
    """Centred moving average over an odd `size`, edges repeated; summed in float64."""
    half = size // 2
    padded = np.concatenate([np.full(half, x[0]), x, np.full(half, x[-1])]) if len(x) else x
    sums = np.concatenate([[0.0], np.cumsum(padded, dtype=np.float64)])
    return np.asarray((sums[size:] - sums[:-size]) / size, dtype=np.float32)
