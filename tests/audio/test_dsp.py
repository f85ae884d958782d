"""The NumPy filters against SciPy's, which they replace on the hot path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly, sosfilt

from audioguide.audio import dsp
from audioguide.audio.master import k_weighting


@pytest.mark.parametrize("rate", [11025, 22050, 44100, 48000])
def test_fir_filter_in_pieces_is_the_iir_filter_on_the_whole(rate: int) -> None:
    rng = np.random.default_rng(rate)
    x = rng.standard_normal(rate * 7) * 0.3
    x[rate : 2 * rate] = 0.0  # silence, then an edge: the response tail is exercised
    sos = k_weighting(rate)
    fir = dsp.FirFilter(dsp.fir_of_sos(sos, dsp.impulse_length(rate)))
    cuts = [0, 1, 17, rate // 3, 2 * rate + 5, 5 * rate, len(x)]
    pieces = [fir(x[a:b]) for a, b in itertools.pairwise(cuts)]
    assert sum(len(p) for p in pieces) == len(x)
    # single precision: within a millionth of full scale
    assert np.max(np.abs(np.concatenate(pieces) - sosfilt(sos, x))) < 2e-6


@pytest.mark.parametrize("length", [1, 5, 21, 512, 3000])
def test_oversample4_is_resample_poly(length: int) -> None:
    x = np.random.default_rng(length).standard_normal(length).astype(np.float32)
    reach = dsp.OVERSAMPLE_REACH
    row = np.concatenate([np.zeros(reach), x, np.zeros(reach)]).astype(np.float32)
    ours = dsp.oversample4(row[None, :]).reshape(-1)
    theirs = resample_poly(x.astype(np.float64), 4, 1)
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) < 1e-5


@pytest.mark.parametrize("size", [1, 3, 11, 221, 5001])
@pytest.mark.parametrize("n", [1, 7, 1000, 10007])
def test_sliding_min_and_moving_average_are_scipys(size: int, n: int) -> None:
    x = np.random.default_rng(n + size).random(n).astype(np.float32)
    assert np.array_equal(dsp.sliding_min(x, size), minimum_filter1d(x, size, mode="nearest"))
    ours = dsp.moving_average(x, size)
    theirs = uniform_filter1d(x.astype(np.float64), size, mode="nearest")
    assert ours.dtype == np.float32
    assert np.max(np.abs(ours - theirs)) < 1e-6
