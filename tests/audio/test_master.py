"""Mastering, checked on real audio with an independent meter (ffmpeg's ebur128).

Signals are speech-like (tests/audio_measure.py): syllables with gaps and pauses, some
with clicks and plosive pops that need limiting, one quiet, one loud and clipped, and
silence. Each is mastered, written as WAV or MP3, decoded and measured by ffmpeg.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyloudnorm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.audio_measure import (
    RATE,
    decode_pcm,
    ebur128,
    needs_ffmpeg,
    scaled_to,
    speechlike,
    tone,
    with_clicks,
    with_pops,
    write_wav,
)
from support.mp3_files import write_episode_mp3

from audioguide.audio import dsp
from audioguide.audio.master import (
    DUAL_MONO_DB,
    LOSSLESS,
    MAX_GAIN_DB,
    MAX_SHORTFALL_DB,
    MP3_64K,
    Remaster,
    integrated_loudness,
    k_weighting,
    limiter_gain,
    master,
    true_peak,
)
from audioguide.export.mp3 import Tags
from audioguide.model import Mastering

Samples = npt.NDArray[np.int16]
SECONDS = 12
TARGET = Mastering()


@functools.cache  # read-only, shared between tests: master must not write to its input
def _speech(seed: int) -> Samples:
    return _frozen(scaled_to(speechlike(SECONDS, seed), -1.0))


@functools.cache
def _clicks(seed: int) -> Samples:
    # Clicks at 3x the speech peak: about 10 dB of limiting on each.
    x = speechlike(SECONDS, seed)
    return _frozen(scaled_to(with_clicks(x, 2.0, 3 * float(np.max(np.abs(x))), seed), -0.1))


def _frozen(x: Samples) -> Samples:
    x.flags.writeable = False
    return x


def _pops(seed: int) -> Samples:
    x = speechlike(SECONDS, seed)
    return scaled_to(with_pops(x, 4.0, 3 * float(np.max(np.abs(x))), seed), -0.1)


def _loud() -> Samples:
    # A hot recording: 4 dB into clipping, about -10 LUFS.
    x = speechlike(SECONDS, 8)
    hot: Samples = np.clip(x / np.max(np.abs(x)) * 1.6 * 32767, -32768, 32767).astype(np.int16)
    return hot


SIGNALS: dict[str, Callable[[], Samples]] = {
    "speech": lambda: _speech(1),
    "speech-2": lambda: _speech(2),
    "clicks": lambda: _clicks(3),
    "clicks-2": lambda: _clicks(4),
    "quiet": lambda: scaled_to(speechlike(SECONDS, 5), -24.0),  # about -40 LUFS
    "loud": _loud,
    "tone": lambda: tone(10, 1000.0, 0.5),
}


@pytest.fixture(scope="module")
def mastered() -> dict[str, tuple[Samples, Samples]]:
    """Each signal mastered for MP3 (the default) and for lossless delivery."""
    out = {}
    for name, make in SIGNALS.items():
        x = make()
        out[name] = (master(x, RATE, TARGET)[0], master(x, RATE, TARGET, codec=LOSSLESS)[0])
    return out


@needs_ffmpeg
@pytest.mark.parametrize("name", list(SIGNALS))
def test_lossless_master_meets_targets_as_ffmpeg_measures(
    name: str, mastered: dict[str, tuple[Samples, Samples]], tmp_path: Path
) -> None:
    # Checks the dual-mono convention: our -16 is ffmpeg's ebur128=dualmono=true -16.
    pcm = mastered[name][1]
    lufs, peak = ebur128(write_wav(tmp_path / f"{name}.wav", pcm))
    assert lufs == pytest.approx(-16.0, abs=0.3)
    assert peak <= -1.0 + 0.05  # ffmpeg prints one decimal
    # and our meter agrees with ffmpeg's to its printed precision
    assert integrated_loudness(pcm, RATE) == pytest.approx(lufs, abs=0.1)
    assert true_peak(pcm) == pytest.approx(peak, abs=0.15)


@needs_ffmpeg
@pytest.mark.parametrize("name", list(SIGNALS))
def test_final_mp3_meets_targets(
    name: str, mastered: dict[str, tuple[Samples, Samples]], tmp_path: Path
) -> None:
    mp3 = tmp_path / f"{name}.mp3"
    write_episode_mp3(mastered[name][0], RATE, _tags(), mp3)
    lufs, peak = ebur128(mp3)
    assert lufs == pytest.approx(-16.0, abs=0.3)
    assert peak <= -1.0
    report = master(SIGNALS[name](), RATE, TARGET)[1]
    assert report.delivered_lufs == pytest.approx(lufs, abs=0.25)


@needs_ffmpeg
def test_level_lost_to_heavy_limiting_is_made_up(tmp_path: Path) -> None:
    # Plosive pops carry real energy. The gain measured first counts them, then the
    # limiter takes ~10 dB off them and the result would land ~0.9 LU short; mastering
    # raises the gain by the shortfall once, and the limiter still holds the peaks.
    x = _pops(9)
    first_gain = TARGET.loudness - integrated_loudness(x, RATE)
    out, report = master(x, RATE, TARGET, codec=LOSSLESS)
    lufs, peak = ebur128(write_wav(tmp_path / "pops.wav", out))
    assert report.max_reduction_db > 6.0
    assert report.gain_db > first_gain + 0.5  # the make-up happened
    assert lufs == pytest.approx(-16.0, abs=0.25)
    assert report.output_lufs == pytest.approx(lufs, abs=0.1)
    assert peak <= -1.0 + 0.05


class Recorder:
    def __init__(self) -> None:
        self.pieces: list[Samples] = []

    def feed(self, pcm: Samples) -> None:
        self.pieces.append(pcm.copy())


@pytest.mark.parametrize("made_up", [False, True])
def test_the_sink_gets_the_final_output_once(made_up: bool) -> None:
    # With a make-up pass, the first try must never reach the sink (an encoder would
    # have encoded it for nothing).
    x = _pops(9) if made_up else _speech(1)
    first_gain = TARGET.loudness - MP3_64K.level_db - integrated_loudness(x, RATE)
    sink = Recorder()
    out, report = master(x, RATE, TARGET, chunk_seconds=4.0, sink=sink)
    assert (report.gain_db > first_gain + 0.1) is made_up
    assert len(sink.pieces) == math.ceil(len(x) / (4 * RATE))
    assert np.array_equal(np.concatenate(sink.pieces), out)


@pytest.mark.parametrize("speculate", [False, True])
def test_speculating_feeds_the_sink_before_the_output_is_measured(
    speculate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import audioguide.audio.master as mastering

    measured: list[int] = []
    real = mastering.integrated_loudness

    def counted(*args: Any, **kwargs: Any) -> float:
        measured.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mastering, "integrated_loudness", counted)
    heard_after: list[int] = []

    class Early(Recorder):
        def feed(self, pcm: Samples) -> None:
            heard_after.append(len(measured))
            super().feed(pcm)

    master(_speech(1), RATE, TARGET, chunk_seconds=4.0, sink=Early(), speculate=speculate)
    # The input is measured first either way; the output only after the sink heard it
    # all when speculating, before it heard anything when not.
    assert set(heard_after) == ({1} if speculate else {2})


@pytest.mark.parametrize("made_up", [False, True])
def test_a_speculative_first_pass_gives_the_same_output(made_up: bool) -> None:
    # Speculating, the sink hears the first pass as it is made. When that pass is final
    # the result is what mastering without speculation gives; when it is not, Remaster
    # says so and carries the gain, and mastering with that gain gives the same result.
    x = _pops(9) if made_up else _speech(1)
    plain_out, plain = master(x, RATE, TARGET, chunk_seconds=4.0)
    sink = Recorder()
    if not made_up:
        out, report = master(x, RATE, TARGET, chunk_seconds=4.0, sink=sink, speculate=True)
        assert report == plain and np.array_equal(out, plain_out)
        assert np.array_equal(np.concatenate(sink.pieces), out)
        return
    with pytest.raises(Remaster) as again:
        master(x, RATE, TARGET, chunk_seconds=4.0, sink=sink, speculate=True)
    assert len(sink.pieces) == math.ceil(len(x) / (4 * RATE))  # the first pass, heard early
    assert again.value.gain_db == plain.gain_db
    retry = Recorder()
    out, report = master(x, RATE, TARGET, chunk_seconds=4.0, sink=retry, gain_db=plain.gain_db)
    assert report == plain and np.array_equal(out, plain_out)
    assert np.array_equal(np.concatenate(retry.pieces), out)


def test_report_describes_what_was_done() -> None:
    x = _clicks(3)
    out, report = master(x, RATE, TARGET)
    assert report.limited and report.max_reduction_db > 3.0
    assert not report.silent and not report.gain_capped
    planned = -16.0 - MP3_64K.level_db - report.input_lufs
    assert planned < report.gain_db < planned + 1.0  # plus the make-up for limiting
    assert report.output_lufs == pytest.approx(integrated_loudness(out, RATE))
    assert report.delivered_lufs == pytest.approx(-16.0, abs=MAX_SHORTFALL_DB)
    assert report.output_true_peak == pytest.approx(true_peak(out))
    assert report.output_true_peak <= TARGET.true_peak - MP3_64K.overshoot_db + 0.01


def test_below_the_ceiling_it_is_a_plain_gain() -> None:
    # Speech with its peaks squashed (crest factor ~10 dB) stays under the ceiling.
    raw = speechlike(SECONDS, 6)
    x = scaled_to(np.sign(raw) * np.abs(raw) ** 0.6, -30.0)
    out, report = master(x, RATE, TARGET, codec=LOSSLESS)
    assert not report.limited and report.max_reduction_db == 0.0
    expected = np.rint(x.astype(np.float64) * 10 ** (report.gain_db / 20))
    assert np.max(np.abs(out - expected)) <= 1  # float32 arithmetic, one LSB at most


def _signal_at(rate: int, seed: int) -> Samples:
    # speechlike() puts sibilance up to 8 kHz: made at 44.1 kHz and decimated for 11025
    # (aliasing changes nothing a loudness comparison cares about).
    if rate == 11025:
        return _frozen(scaled_to(speechlike(30, seed, 44100)[::4], -3.0))
    return _frozen(scaled_to(speechlike(30, seed, rate), -3.0))


def test_k_weighting_at_48k_is_the_standards_table() -> None:
    # ITU-R BS.1770-4, tables 1 and 2: the pre-filter and the RLB filter at 48 kHz.
    shelf, high_pass = k_weighting(48000)
    assert shelf == pytest.approx(
        [1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241,
         0.73248077421585], abs=1e-12
    )  # fmt: skip
    assert high_pass == pytest.approx(
        [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621], abs=1e-12
    )


def test_chunked_loudness_is_the_whole_signals() -> None:
    # The filter state crosses chunk boundaries: cutting the signal changes nothing.
    x = _speech(7)
    whole = integrated_loudness(x, RATE)
    assert integrated_loudness(x, RATE, chunk=4 * RATE + 123) == pytest.approx(whole, abs=1e-5)
    assert integrated_loudness(x, RATE, chunk=RATE // 10) == pytest.approx(whole, abs=1e-5)


@pytest.mark.parametrize("rate", [11025, 22050, 44100])
def test_loudness_agrees_with_pyloudnorm(rate: int) -> None:
    # An independent implementation; its filters approximate the standard's a little
    # differently (by up to about 0.2 dB at low rates), ours match ffmpeg's (below).
    x = _signal_at(rate, 3)
    reference = pyloudnorm.Meter(rate).integrated_loudness(x / 32768.0) + DUAL_MONO_DB
    assert integrated_loudness(x, rate) == pytest.approx(reference, abs=0.25)


@needs_ffmpeg
@pytest.mark.parametrize("rate", [11025, 22050, 48000])
def test_loudness_agrees_with_ffmpeg_at_any_rate(rate: int, tmp_path: Path) -> None:
    x = _signal_at(rate, 4)
    lufs, _ = ebur128(write_wav(tmp_path / "x.wav", x, rate))
    assert integrated_loudness(x, rate) == pytest.approx(lufs, abs=0.06)  # one printed decimal


def test_chunking_does_not_change_the_result() -> None:
    x = _clicks(4)
    small, report_small = master(x, RATE, TARGET, chunk_seconds=4.0)
    large, report_large = master(x, RATE, TARGET)
    assert np.max(np.abs(small.astype(np.int32) - large)) <= 1
    assert report_small.output_lufs == pytest.approx(report_large.output_lufs, abs=0.01)


def test_true_peak_finds_peaks_between_samples() -> None:
    # A sine at fs/4 sampled 45 degrees off its crests: samples at 0.707, true peak 1.0.
    n = np.arange(RATE)
    x = np.rint(0.5 * np.sin(np.pi / 2 * n + np.pi / 4) * 32767).astype(np.int16)
    assert 20 * math.log10(np.max(np.abs(x)) / 32768) == pytest.approx(-9.03, abs=0.01)
    # resample_poly's filter ripple reads ~0.1 dB high this close to Nyquist: the safe side.
    assert -6.07 <= true_peak(x) <= -6.02 + 0.15


def test_deterministic_and_bytes_in_equal_array_in() -> None:
    x = _clicks(3)
    a, report_a = master(x, RATE, TARGET)
    b, report_b = master(x.tobytes(), RATE, TARGET)
    assert a.tobytes() == b.tobytes()
    assert report_a == report_b


def test_input_is_not_modified() -> None:
    x = _speech(1)
    before = x.copy()
    master(x, RATE, TARGET)
    assert np.array_equal(x, before)


@pytest.mark.parametrize(
    "x",
    [
        np.zeros(5 * RATE, dtype=np.int16),
        tone(5, 440.0, 2 / 32768),  # +-2 LSB: below the -70 LUFS gate
        np.full(RATE // 10, 1000, dtype=np.int16),  # shorter than one 400 ms block
        np.zeros(0, dtype=np.int16),
    ],
    ids=["silence", "near-silence", "too-short", "empty"],
)
def test_silence_is_left_untouched(x: Samples) -> None:
    out, report = master(x, RATE, TARGET)
    assert report.silent and report.gain_db == 0.0 and not report.limited
    assert report.input_lufs == -math.inf
    assert np.array_equal(out, x) and out is not x


def test_very_quiet_input_gain_is_capped() -> None:
    x = scaled_to(speechlike(SECONDS, 5), -45.0)  # about -61 LUFS
    _, report = master(x, RATE, TARGET)
    assert report.gain_capped and report.gain_db == MAX_GAIN_DB
    assert report.output_lufs == pytest.approx(report.input_lufs + MAX_GAIN_DB, abs=0.05)


def test_rejects_malformed_input() -> None:
    with pytest.raises(ValueError, match="even number"):
        master(b"\x00\x01\x02", RATE, TARGET)
    with pytest.raises(ValueError, match="1-D int16"):
        master(np.zeros((10, 2), dtype=np.int16), RATE, TARGET)
    with pytest.raises(ValueError, match="1-D int16"):
        master(np.zeros(10, dtype=np.float32), RATE, TARGET)  # type: ignore[arg-type, unused-ignore]
    with pytest.raises(ValueError, match="sample rate"):
        master(np.zeros(10, dtype=np.int16), 0, TARGET)


# --- the limiter's gain curve ---------------------------------------------------------

HOLD, RAMP = 441, 221  # the 10 ms / 5 ms windows at 44.1 kHz
CEILING = 10 ** (-2 / 20)


@st.composite
def envelopes(draw: st.DrawFn) -> npt.NDArray[np.float32]:
    """Peak envelopes: quiet background with spikes and bursts anywhere, edges included."""
    n = draw(st.integers(10, 4000))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    env = rng.uniform(0, 0.5, n)
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, n - 1))
        width = draw(st.integers(1, 600))
        env[at : at + width] = rng.uniform(0.5, 8.0, len(env[at : at + width]))
    return env.astype(np.float32)


@settings(max_examples=150, deadline=None)
@given(envelopes())
def test_limiter_gain_never_lets_a_peak_through(env: npt.NDArray[np.float32]) -> None:
    gain = limiter_gain(env, CEILING, HOLD, RAMP)
    assert gain.dtype == np.float32 and gain.shape == env.shape
    assert np.all(env * gain <= CEILING * (1 + 1e-6))
    assert np.all((gain > 0) & (gain <= 1))
    # A moving average of values in [0, 1] moves at most 1/RAMP per sample. The final
    # min(gain, required) in limiter_gain only trims float rounding; if it ever cut a
    # real notch, this jump bound would fail.
    assert np.max(np.abs(np.diff(gain)), initial=0.0) <= 1 / RAMP + 1e-6


@settings(max_examples=150, deadline=None)
@given(envelopes())
def test_limiter_gain_equals_the_windows_over_the_whole_signal(
    env: npt.NDArray[np.float32],
) -> None:
    # limiter_gain runs its windows only near peaks; over the whole signal they give:
    required = np.minimum(np.float32(1.0), np.float32(CEILING) / env)
    whole = dsp.moving_average(dsp.sliding_min(required, HOLD), RAMP)
    whole = np.minimum(whole, required)
    np.testing.assert_allclose(limiter_gain(env, CEILING, HOLD, RAMP), whole, rtol=0, atol=1e-6)


def test_limiter_gain_is_one_away_from_peaks() -> None:
    env = np.full(10_000, 0.3, dtype=np.float32)
    env[5000] = 2.0  # one peak 16 dB over the ceiling
    gain = limiter_gain(env, CEILING, HOLD, RAMP)
    reach = HOLD // 2 + RAMP // 2  # the look-ahead (and release) in samples
    assert gain[5000] * 2.0 <= CEILING * (1 + 1e-6)
    assert np.all(gain[: 5000 - reach] == 1.0) and np.all(gain[5000 + reach + 1 :] == 1.0)
    assert np.all(gain[5000 - reach + RAMP : 5000 + reach - RAMP + 1] == gain[5000])  # hold


def test_limiter_rejects_windows_that_break_the_guarantee() -> None:
    env = np.ones(100, dtype=np.float32)
    with pytest.raises(ValueError):
        limiter_gain(env, CEILING, 101, 201)  # ramp longer than hold
    with pytest.raises(ValueError):
        limiter_gain(env, CEILING, 100, 51)  # even windows are not centred


def _tags() -> Tags:
    return Tags("Episode", "Guide", "Clinic", 1, 1, "2026", "en-US", "A test.")


@needs_ffmpeg
def test_decoded_mp3_keeps_length_and_loudness(tmp_path: Path) -> None:
    x = _speech(2)
    out, report = master(x, RATE, TARGET)
    mp3 = tmp_path / "e.mp3"
    write_episode_mp3(out, RATE, _tags(), mp3)
    decoded = decode_pcm(mp3, RATE)
    assert len(decoded) == len(out)  # the LAME header lets ffmpeg trim delay and padding
    # LAME plays back quieter; mastering pre-compensated by MP3_64K.level_db.
    change = integrated_loudness(decoded, RATE) - report.output_lufs
    assert change == pytest.approx(MP3_64K.level_db, abs=0.15)
