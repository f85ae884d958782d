"""The audiobook's AAC pieces: a long episode is cut in its pauses and its parts encoded
side by side (`AacPiece`); joined, they must play as one encode does. Checked on real
encodes, decoded by ffmpeg: the same length, silence where the parts meet, and every
burst of sound where it belongs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from audioguide.export import m4b

RATE = 22050  # the voices' rate, which the book resamples to 16 kHz


def speechlike(seconds: float, seed: int = 7) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Bursts of a voiced, noisy sound, 2-5 s long, between pauses of 0.35 s and 0.9 s
    of digital silence (as the assembler renders pauses); the samples and the pauses."""
    rng = np.random.default_rng(seed)
    parts, pauses, at = [], [], 0
    while at < seconds * RATE:
        n = int(rng.uniform(2.0, 5.0) * RATE)
        t = np.arange(n) / RATE
        voice = np.sin(2 * np.pi * rng.uniform(110, 220) * t) + 0.2 * rng.standard_normal(n)
        envelope = np.minimum(1, np.minimum(t, t[::-1]) / 0.02)  # 20 ms fades
        parts.append(np.round(voice * envelope * 6000).astype(np.int16))
        gap = np.zeros(int((0.9 if len(parts) % 3 == 0 else 0.35) * RATE), dtype=np.int16)
        pauses.append((at + n, at + n + len(gap)))
        parts.append(gap)
        at += n + len(gap)
    return np.concatenate(parts), pauses


def encode(dest: Path, samples: np.ndarray, pauses: list[tuple[int, int]] | None) -> np.ndarray:
    """`samples` through an AacPiece (in parts when given pauses), decoded at 16 kHz."""
    piece = m4b.AacPiece(dest, RATE, len(samples), pauses or ())
    for at in range(0, len(samples), 44100):  # as mastering hands it over, in chunks
        piece.feed(samples[at : at + 44100])
    piece.finish()
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(dest), "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(decoded, "<i2").astype(np.float64)


def onsets(x: np.ndarray) -> np.ndarray:
    """Sample indices where sound starts after at least 0.25 s of near-silence."""
    loud = np.abs(x) > 300
    idx = np.flatnonzero(loud)
    gaps = np.diff(idx) > 4000
    return np.concatenate([idx[:1], idx[1:][gaps]])


def test_cuts_fall_in_pauses_with_room_for_the_join() -> None:
    samples, pauses = speechlike(200)
    cuts = m4b.cuts(len(samples), RATE, pauses)
    assert len(cuts) == 2  # 200 s: parts of at least a minute
    before = m4b.CUT_BEFORE * RATE / m4b.RATE
    after = m4b.CUT_AFTER * RATE / m4b.RATE
    for cut in cuts:
        assert any(lo + before <= cut <= hi - after for lo, hi in pauses), cut
        assert not samples[int(cut - before) : int(cut + after)].any()
        # What the join drops, and the frame whose window reaches into it (two and a
        # half frames, 160 ms at 16 kHz), must be silence, with room to spare.
        assert not samples[cut - int(0.2 * RATE) : cut].any()
    assert all(abs(c - k * len(samples) / 3) < 6 * RATE for k, c in enumerate(cuts, start=1))
    assert m4b.cuts(len(samples), RATE, pauses) == cuts  # the same every build


@pytest.mark.parametrize("side", ["pause after the target", "pause before the target"])
def test_a_cut_keeps_its_silence_whichever_end_of_the_pause_is_nearer(side: str) -> None:
    n = 200 * RATE  # three parts: cuts wanted at a third and two thirds
    targets = (n // 3, 2 * n // 3)
    if side == "pause after the target":
        pauses = [(t + 10, t + RATE) for t in targets]
    else:
        pauses = [(t - RATE, t - 10) for t in targets]
    cuts = m4b.cuts(n, RATE, pauses)
    assert len(cuts) == 2
    for cut, (lo, hi) in zip(cuts, pauses, strict=True):
        assert lo + 0.2 * RATE <= cut <= hi - m4b.CUT_AFTER * RATE / m4b.RATE


def test_short_episodes_and_short_pauses_are_not_cut() -> None:
    samples, pauses = speechlike(100)
    assert m4b.cuts(len(samples), RATE, pauses) == ()  # under two minutes: one part
    long, long_pauses = speechlike(200)
    sentence_gaps = [(lo, hi) for lo, hi in long_pauses if hi - lo < 0.3 * RATE]
    assert m4b.cuts(len(long), RATE, sentence_gaps) == ()  # no pause has room for a join
    assert m4b.cuts(len(long), RATE, []) == ()


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_parts_join_into_what_one_encode_gives(tmp_path: Path, seed: int) -> None:
    samples, pauses = speechlike(200, seed)
    cuts = m4b.cuts(len(samples), RATE, pauses)
    assert cuts
    whole = encode(tmp_path / "whole.aac", samples, None)
    parts = encode(tmp_path / "parts.aac", samples, pauses)
    # Both hold more than the book takes of the episode (its samples in whole frames).
    (taken,) = m4b.frames_per_episode([round(len(samples) * m4b.RATE / RATE)])
    assert min(len(parts), len(whole)) > taken * m4b.FRAME
    assert not list(tmp_path.glob("*.aac.*"))  # the parts' own files are gone
    # Where parts meet, silence: no click (a join of parts cut mid-sound would be one).
    for cut in cuts:
        # The join is a priming frame after the cut, give or take half a frame; the
        # source is silent from CUT_BEFORE before the cut to CUT_AFTER after it.
        at = round(cut * m4b.RATE / RATE) + m4b.FRAME
        assert np.abs(parts[at - 2000 : at + 400]).max() < 33  # below -60 dBFS
    # Every burst starts where it does in the one encode, to within half a frame, and
    # is as loud.
    found, expected = onsets(parts), onsets(whole)
    assert len(found) == len(expected) > 40
    assert np.abs(found - expected).max() <= m4b.FRAME // 2
    ends = [*expected[1:], len(whole)]
    for start, end, shift in zip(expected, ends, found - expected, strict=True):
        a, b = whole[start : end - 4000], parts[start + shift : end + shift - 4000]
        level = 10 * np.log10(np.mean(b**2) / np.mean(a**2))
        assert level == pytest.approx(0, abs=0.2)


def test_a_failed_part_leaves_no_piece_and_no_part_files(tmp_path: Path) -> None:
    samples, pauses = speechlike(200)
    dest = tmp_path / "piece.aac"
    piece = m4b.AacPiece(dest, RATE, len(samples), pauses)
    piece.feed(samples[: len(samples) // 2])
    piece.abort(RuntimeError("mastering failed"))
    assert list(tmp_path.iterdir()) == []
