"""Loudness mastering: one measured gain to the target, then a true-peak limiter.

The episode is measured once (ITU-R BS.1770 integrated loudness) and
moved to the target with a single linear gain. Only where the 4x-oversampled peak would
pass the ceiling does a look-ahead limiter pull the gain down for a few milliseconds.

Loudness is stated "as heard on a stereo player": a mono file played on both speakers
measures +3.01 dB over the single-channel figure (ffmpeg's `ebur128=dualmono=true`), so
the single channel is aimed 3.01 dB below `Mastering.loudness`.

Memory stays bounded by working in chunks of about a minute: the full-length arrays are
the int16 input and the int16 output, never a float copy of the whole episode.
Everything is deterministic (no random dither): same input, same output bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
import numpy.typing as npt

from audioguide.audio import dsp
from audioguide.model import Mastering

Samples = npt.NDArray[np.int16]
Floats = npt.NDArray[np.float32]

DUAL_MONO_DB = 10 * math.log10(2)  # 3.0103 dB: the same signal on two channels
MAX_GAIN_DB = 30.0  # near-silence (room tone, a failed engine) must not be blown up
# Limiting lowers loudness a little; past this shortfall the gain is raised to make up.
MAX_SHORTFALL_DB = 0.2
# Limiter timing. The gain reaches its floor before a peak and holds it across the
# peak. Ramps of a few ms do not pump (the gain is back within 10 ms), and a 10 ms
# hold bridges successive pitch pulses (100-200 Hz voices) of a loud vowel, so the
# gain does not flutter at the pitch rate.
HOLD_SECONDS = 0.010  # sliding-minimum window (the hold around each peak)
RAMP_SECONDS = 0.005  # moving-average window (attack and release ramps)
CHUNK_SECONDS = 60.0  # bounds memory: a chunk's float work arrays, not the episode's
_BLOCK_SECONDS = 0.4  # BS.1770 gating block ...
_HOP_SECONDS = 0.1  # ... with 75 % overlap
_FULL_SCALE = 32768.0


@dataclass(frozen=True)
class Codec:
    """What the delivery encoder does to level and peaks, so mastering can allow for it.

    The targets apply to the file listeners get, not to the PCM handed to the encoder.
    """

    name: str
    level_db: float  # loudness change through the codec; mastering aims -level_db higher
    overshoot_db: float  # true-peak rise through the codec; kept free under the ceiling


LOSSLESS = Codec("lossless", 0.0, 0.0)
# Measured with ffmpeg 5.1 + LAME 3.100 at 64 kbit/s mono (ffmpeg's ebur128 and this
# module's meter agree within 0.05 dB on the decoded files):
# - LAME plays back 0.3-0.6 dB quieter than its input (mean 0.40 over 40 speech-like
#   signals; 0.45 on a plain 1 kHz tone), at any bitrate from 32k to 128k.
# - True peaks after decoding differ from the PCM's by quantisation noise that reaches
#   -10 dBFS near transients. On espeak-ng speech (two 6-minute voices) the rise was at
#   most +0.34 dB with 1 dB of headroom; on harsher synthetic speech it was mostly under
#   +0.8 dB but reached +1.2 to +2.1 dB on a few 5-minute signals. 1.0 dB is the top of
#   the usual range: more headroom means deeper limiting, which raised the overshoot in
#   the same measurements rather than lowering it.
# - LAME at quality 7 (the build's since 2026-12-06, no noise shaping) gave the same
#   loudness within 0.1 dB on the 18 shipped episodes, and lower peaks: -2.3 dBTP
#   decoded from PCM mastered to -2.0, where quality 3 reached -1.4 to -2.0.
MP3_64K = Codec("mp3 64k", -0.4, 1.0)


@dataclass(frozen=True)
class MasterReport:
    """What mastering did. Loudness is dual-mono LUFS, peaks are dBTP (4x oversampled).

    The output figures are measured on the returned PCM, before the codec: the encoded
    file reads about `codec.level_db` quieter. `input_lufs` and `output_lufs` are -inf
    when nothing passes the -70 LUFS gate (silence, or less than 0.4 s of audio).
    """

    input_lufs: float
    gain_db: float
    silent: bool  # nothing measurable: the audio was left untouched
    gain_capped: bool  # the target needed more than MAX_GAIN_DB; MAX_GAIN_DB was applied
    limited: bool  # the limiter reduced the gain somewhere
    max_reduction_db: float  # deepest limiter gain reduction (0.0 when it did not act)
    output_lufs: float
    output_true_peak: float
    delivered_lufs: float  # output_lufs plus the codec's level change: what the MP3 reads


class Sink(Protocol):
    """Takes the mastered audio piece by piece (e.g. an encoder)."""

    def feed(self, pcm: Samples) -> None: ...


class Remaster(Exception):
    """A speculative first pass (see `master`) was not the final one: master again with
    `gain_db`, which the first pass found."""

    def __init__(self, gain_db: float) -> None:
        super().__init__(f"mastering again at {gain_db:+.2f} dB")
        self.gain_db = gain_db


def master(
    pcm: Samples | bytes,
    rate: int,
    settings: Mastering,
    *,
    codec: Codec = MP3_64K,
    chunk_seconds: float = CHUNK_SECONDS,
    sink: Sink | None = None,
    speculate: bool = False,
    gain_db: float | None = None,
) -> tuple[Samples, MasterReport]:
    """Master mono int16 PCM (array or little-endian bytes) at `rate` Hz for `codec`.

    The gain aims at `settings.loudness` after the codec's level change, and the PCM's
    true peak is held the codec's overshoot under `settings.true_peak`, so the encoded
    file meets both. Returns new int16 samples and a report; the input is not modified.
    The output also goes to `sink` (which must not change it) piece by piece, once its
    gain is final: an encoder gets only what the caller gets back.

    With `speculate`, the sink is fed during the first pass, before it is known to be
    final (most are): an encoder on an idle core then starts at once. If it was not,
    `Remaster` says so, and the caller starts its encoders again and calls with the
    `gain_db` it carries, which skips the first pass. The output is the same either way.
    """
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    x = _as_samples(pcm)
    chunk = _chunk_length(rate, chunk_seconds)
    input_lufs = integrated_loudness(x, rate, chunk=chunk)
    if not math.isfinite(input_lufs):
        # Digital silence or below the absolute gate: there is no loudness to match.
        tp = true_peak(x, chunk=chunk)
        report = MasterReport(input_lufs, 0.0, True, False, False, 0.0, input_lufs, tp, input_lufs)
        out = x.copy()
        if sink is not None:
            sink.feed(out)
        return out, report

    wanted = settings.loudness - codec.level_db - input_lufs
    ceiling = 10 ** ((settings.true_peak - codec.overshoot_db) / 20)
    if gain_db is not None:  # the first pass ran before, speculatively
        out, min_gain = _gain_and_limit(x, rate, 10 ** (gain_db / 20), ceiling, chunk, sink)
        output_lufs = integrated_loudness(out, rate, chunk=chunk)
        return out, _report(input_lufs, gain_db, wanted, min_gain, output_lufs, out, chunk, codec)
    gain_db = min(wanted, MAX_GAIN_DB)
    # Otherwise the sink gets nothing until the gain is final: about a quarter of
    # episodes are mastered twice, and an encoder fed the first try would have worked
    # for nothing, on a core another episode could use.
    early = sink if speculate else None
    out, min_gain = _gain_and_limit(x, rate, 10 ** (gain_db / 20), ceiling, chunk, early)
    output_lufs = integrated_loudness(out, rate, chunk=chunk)
    short = settings.loudness - codec.level_db - output_lufs
    if min_gain < 1.0 and short > MAX_SHORTFALL_DB and gain_db + short <= MAX_GAIN_DB:
        # Heavy limiting (clicks, pops) took audible level away: aim that much higher
        # once; the limiter still holds the peaks.
        gain_db += short
        if early is not None:
            raise Remaster(gain_db)
        out, min_gain = _gain_and_limit(x, rate, 10 ** (gain_db / 20), ceiling, chunk, sink)
        output_lufs = integrated_loudness(out, rate, chunk=chunk)
    elif sink is not None and early is None:
        for start in range(0, len(out), chunk):
            sink.feed(out[start : start + chunk])
    return out, _report(input_lufs, gain_db, wanted, min_gain, output_lufs, out, chunk, codec)


def _report(
    input_lufs: float,
    gain_db: float,
    wanted: float,
    min_gain: float,
    output_lufs: float,
    out: Samples,
    chunk: int,
    codec: Codec,
) -> MasterReport:
    return MasterReport(
        input_lufs=input_lufs,
        gain_db=gain_db,
        silent=False,
        gain_capped=wanted > MAX_GAIN_DB,
        limited=min_gain < 1.0,
        max_reduction_db=-20 * math.log10(min_gain) if min_gain < 1.0 else 0.0,
        output_lufs=output_lufs,
        output_true_peak=true_peak(out, chunk=chunk),
        delivered_lufs=output_lufs + codec.level_db,
    )


def integrated_loudness(x: Samples, rate: int, *, chunk: int | None = None) -> float:
    """Integrated loudness of mono int16 samples in LUFS, as dual mono (BS.1770-4).

    The K-weighting runs in chunks with its filter state carried over, so the result is
    the same as filtering the whole signal at once, in bounded memory; block energies
    come from per-hop sums of squares rather than one pass per block.
    """
    if len(x) < _BLOCK_SECONDS * rate:
        return -math.inf  # shorter than one gating block: nothing to measure
    return _gated_loudness(_block_energies(x, rate, chunk or len(x))) + DUAL_MONO_DB


def k_weighting(rate: int) -> npt.NDArray[np.float64]:
    """BS.1770's K-weighting (a high shelf, then a high pass) as second-order sections.

    The filters are designed for any rate from their analog prototypes with the
    bilinear transform; the constants are those that reproduce the standard's
    48 kHz coefficients exactly, as EBU R128 meters (libebur128, ffmpeg) do.
    """
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / q + k * k) / a0,
    ]
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, high_pass], dtype=np.float64)


@cache
def _k_weighting_taps(rate: int) -> npt.NDArray[np.float64]:
    return dsp.fir_of_sos(k_weighting(rate), dsp.impulse_length(rate))


def _block_energies(x: Samples, rate: int, chunk: int) -> npt.NDArray[np.float64]:
    """Mean-square K-weighted energy of every 400 ms block, 100 ms apart."""
    weighting = dsp.FirFilter(_k_weighting_taps(rate))
    hop = _HOP_SECONDS * rate
    block = round(_BLOCK_SECONDS * rate)
    count = round((len(x) / rate - _BLOCK_SECONDS) / _HOP_SECONDS) + 1  # BS.1770's block count
    # Sums of squares over spans of `step` samples; a block is the sum of whole spans.
    step = int(hop) if hop.is_integer() else 1  # odd rates (11025 Hz): per sample
    chunk = max(step, chunk - chunk % step)
    sums = []
    for start in range(0, len(x), chunk):
        y = weighting(x[start : start + chunk] * np.float32(1 / _FULL_SCALE))
        y *= y
        if len(y) % step:
            y = np.concatenate([y, np.zeros(step - len(y) % step, dtype=y.dtype)])
        sums.append(y.reshape(-1, step).sum(axis=1, dtype=np.float64))
    cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate(sums))])
    first = (np.arange(count) * hop).astype(np.int64) // step
    last = np.minimum(first + block // step, len(cumulative) - 1)
    return np.asarray((cumulative[last] - cumulative[first]) / block, dtype=np.float64)


def _gated_loudness(z: npt.NDArray[np.float64]) -> float:
    """BS.1770-4 gating: -70 LUFS absolute, then 10 LU under the absolutely gated mean."""
    with np.errstate(divide="ignore"):
        block = -0.691 + 10 * np.log10(z)
    above = z[block >= -70.0]
    if above.size == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(above.mean())) - 10.0
    gated = z[(block > relative) & (block > -70.0)]
    if gated.size == 0:
        return -math.inf
    return -0.691 + 10 * math.log10(float(gated.mean()))


def true_peak(x: Samples, *, chunk: int | None = None) -> float:
    """True peak of int16 samples in dBTP: the sample peak of a 4x oversampled copy."""
    peak = 0.0
    n = len(x)
    step = n if chunk is None else chunk
    for start in range(0, n, max(step, 1)):
        pad = _OVERSAMPLE_PAD
        lo, hi = max(0, start - pad), min(n, start + step + pad)
        env = _peak_envelope(x[lo:hi].astype(np.float32) / np.float32(_FULL_SCALE))
        peak = max(peak, float(env[start - lo : min(n, start + step) - lo].max(initial=0.0)))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


_OVERSAMPLE_PAD = dsp.OVERSAMPLE_REACH


# An inter-sample peak rises at most a few dB over the samples around it (3 dB for the
# worst sine), so only stretches within 6 dB of the level that matters are oversampled:
# for speech that is a few percent of the samples, and the 4x filter dominated the time.
_HOT_RATIO = 0.5


_BLOCK = 512


def _peak_envelope(y: Floats, level: float | None = None) -> Floats:
    """Per input sample, the largest |value| among it and the 3 oversampled points after it.

    Exact wherever the envelope comes within 6 dB of `level` (default: the sample peak);
    elsewhere it is the plain sample magnitude, which is all a limiter or meter needs.
    """
    env: Floats = np.abs(y)
    top = float(env.max(initial=0.0)) if level is None else level
    hot = env > top * _HOT_RATIO
    hot[:-1] |= hot[1:]  # the points between i and i+1 belong to i's envelope
    n, pad = len(y), _OVERSAMPLE_PAD
    blocks = -(-n // _BLOCK)
    marks = np.zeros(blocks * _BLOCK, dtype=bool)
    marks[:n] = hot
    chosen = np.flatnonzero(marks.reshape(blocks, _BLOCK).any(axis=1))
    if chosen.size == 0:
        return env
    # All hot blocks, each with the filter's span of context, oversampled in one call;
    # zeros beyond the ends are what the oversampler assumes there anyway.
    padded = np.zeros(blocks * _BLOCK + 2 * pad, dtype=np.float32)
    padded[pad : pad + n] = y
    windows = padded[chosen[:, None] * _BLOCK + np.arange(_BLOCK + 2 * pad)[None, :]]
    up = dsp.oversample4(windows)
    np.abs(up, out=up)
    # Element-wise over the 4 phases: numpy's reduction along an axis of 4 is ~20x slower.
    peaks = np.maximum(np.maximum(up[..., 0], up[..., 1]), np.maximum(up[..., 2], up[..., 3]))
    grid = np.zeros(blocks * _BLOCK, dtype=np.float32)
    grid[:n] = env
    view = grid.reshape(blocks, _BLOCK)
    view[chosen] = np.maximum(view[chosen], peaks)
    return grid[:n]


def limiter_gain(envelope: Floats, ceiling: float, hold: int, ramp: int) -> Floats:
    """Smooth gain that keeps `envelope * gain <= ceiling` at every sample.

    The required gain r = min(1, ceiling / envelope) is spread by a sliding minimum of
    `hold` samples, then smoothed by a moving average of `ramp <= hold` samples. Both
    windows are centred and odd, so every sample the average reads at a peak p lies
    within ramp//2 <= hold//2 of p, and each of those minimum-filtered values already
    includes r[p]: the average of values <= r[p] cannot exceed r[p]. The limiter
    thereby looks ahead hold//2 + ramp//2 samples and needs no delay line.
    """
    if ramp > hold or hold % 2 == 0 or ramp % 2 == 0:
        raise ValueError("hold and ramp must be odd, with ramp <= hold")
    with np.errstate(divide="ignore"):
        required = np.minimum(np.float32(1.0), np.float32(ceiling) / envelope)
    # Only samples within `reach` of a peak get a gain under 1, and only values within
    # another `reach` feed theirs. So the windows run over just those stretches, laid
    # end to end: each begins and ends with `reach` samples of 1, so no window reaches
    # from one into the next, and the result is what the whole signal would give. On
    # speech a few percent of the samples are near a peak.
    reach = hold // 2 + ramp // 2
    peaks = np.flatnonzero(required < 1)
    gain: Floats = np.ones_like(required)
    if peaks.size == 0:
        return gain
    n = len(required)
    edges = np.bincount(np.maximum(peaks - 2 * reach, 0), minlength=n + 1)
    edges -= np.bincount(np.minimum(peaks + 2 * reach + 1, n), minlength=n + 1)
    near = np.cumsum(edges[:n]) > 0
    spread = dsp.sliding_min(required[near], hold)
    gain[near] = dsp.moving_average(spread, ramp)
    # The average is computed in float32; rounding may land a hair above the bound.
    np.minimum(gain, required, out=gain)
    return gain


def _gain_and_limit(
    x: Samples, rate: int, gain: float, ceiling: float, chunk: int, sink: Sink | None = None
) -> tuple[Samples, float]:
    """Apply `gain`, limit true peaks to `ceiling`, quantise. Returns (out, lowest gain)."""
    hold = _odd(HOLD_SECONDS * rate)
    ramp = _odd(RAMP_SECONDS * rate)
    # Gain at a sample depends on envelope values up to hold//2 + ramp//2 away, and
    # the envelope on samples up to _OVERSAMPLE_PAD away: read that much beyond a chunk.
    pad = hold // 2 + ramp // 2 + _OVERSAMPLE_PAD
    n = len(x)
    out = np.empty(n, dtype=np.int16)
    scale = np.float32(gain / _FULL_SCALE)
    lowest = 1.0
    for start in range(0, n, chunk):
        end = min(n, start + chunk)
        lo, hi = max(0, start - pad), min(n, end + pad)
        y = x[lo:hi].astype(np.float32)
        y *= scale
        env = _peak_envelope(y, ceiling)
        if float(env.max(initial=0.0)) > ceiling:
            g = limiter_gain(env, ceiling, hold, ramp)
            y *= g
            lowest = min(lowest, float(g[start - lo : end - lo].min()))
        y *= np.float32(_FULL_SCALE)
        # Round to nearest and clip; clipping can only bite if the ceiling is above 0 dBFS.
        np.rint(y, out=y)
        np.clip(y, -32768, 32767, out=y)
        out[start:end] = y[start - lo : end - lo]
        if sink is not None:
            sink.feed(out[start:end])
    return out, lowest


def _as_samples(pcm: Samples | bytes) -> Samples:
    if isinstance(pcm, bytes | bytearray | memoryview):
        if len(pcm) % 2:
            raise ValueError("16-bit PCM must have an even number of bytes")
        return np.frombuffer(pcm, dtype="<i2").astype(np.int16, copy=False)
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError(f"expected a 1-D int16 array, got {pcm.ndim}-D {pcm.dtype}")
    return pcm


def _chunk_length(rate: int, seconds: float) -> int:
    return max(int(seconds * rate), 4 * rate)  # long enough that chunk padding is small


def _odd(samples: float) -> int:
    n = max(1, round(samples))
    return n if n % 2 else n + 1
