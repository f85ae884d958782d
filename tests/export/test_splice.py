"""Episodes cut in their pauses, encoded in pieces side by side and joined into one MP3.

The joined file must be indistinguishable in timing from one whole encode: it decodes
to exactly as many samples as the episode has, every sample where it was, and its
header (frame count, size, padding, CRCs) describes the whole file.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mutagen.mp3 import MP3
from support.audio_measure import decode_pcm, duration, needs_ffmpeg
from support.mp3_files import encode_mp3, write_episode_mp3

from audioguide.errors import ExportError
from audioguide.export import splice
from audioguide.export.mp3 import EpisodeMp3, Mp3Encoder, Tags

TAGS = Tags(
    title="Pieces",
    album="Guide",
    artist="Clinic",
    track=1,
    track_total=1,
    year="2026",
    language="en",
    comment="",
)


def _talk(rate: int, layout: list[tuple[str, float]], seed: int = 0) -> tuple[np.ndarray, list]:
    """Broadband "speech" and exact digital silence, as a timeline renders them.

    Noise, not a tone: a misplaced sample shows up at once when compared.
    """
    rng = np.random.default_rng(seed)
    parts, pauses, pos = [], [], 0
    for kind, seconds in layout:
        n = round(seconds * rate)
        if kind == "pause":
            parts.append(np.zeros(n, dtype=np.int16))
            pauses.append((pos, pos + n))
        else:
            envelope = 0.6 + 0.4 * np.sin(np.linspace(0, 7 * np.pi, n))
            parts.append(np.rint(rng.standard_normal(n) * 3000 * envelope).astype(np.int16))
        pos += n
    return np.concatenate(parts), pauses


LAYOUT = [("talk", 3.1), ("pause", 0.4), ("talk", 2.7), ("pause", 0.35), ("talk", 3.3)]


# --- where to cut (pure) ----------------------------------------------------------------


@pytest.fixture
def short_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 3 s, so that short test signals are cut."""
    monkeypatch.setattr(splice, "PIECE_SECONDS", 3.0)


def test_no_cut_without_a_pause_or_length_or_a_rate_on_the_frame_grid() -> None:
    ten_minutes = 600 * 22050
    assert splice.plan(ten_minutes, 22050, []) == (splice.Piece(0, ten_minutes),)
    short = int(2 * splice.PIECE_SECONDS - 1) * 22050  # too short for two pieces
    assert splice.plan(short, 22050, [(short // 2, short // 2 + 22050)]) == (
        splice.Piece(0, short),
    )
    for rate in (24000, 16000, 48000, 8820):  # 44100/rate is no divisor of 576
        pauses = [(k * rate, k * rate + rate // 2) for k in range(1, 600)]
        assert splice.plan(600 * rate, rate, pauses) == (splice.Piece(0, 600 * rate),)


@pytest.mark.parametrize("rate", [44100, 22050, 14700, 11025])
def test_cuts_fall_in_pauses_on_the_frame_grid(rate: int) -> None:
    samples = 400 * rate
    pauses = [(k * 7 * rate, k * 7 * rate + rate * 3 // 10) for k in range(1, 57)]
    pieces = splice.plan(samples, rate, pauses)
    step = 44100 // rate
    assert len(pieces) == int(400 // splice.PIECE_SECONDS)  # pieces of at least that long
    assert pieces[0].start == 0 and pieces[-1].end == samples
    for before, after in itertools.pairwise(pieces):
        length = (before.end - before.start) * step
        assert (length + 576) % 1152 == 0
        assert (after.start - before.end) * step == 1728
        lo, hi = splice.seam(before, after, rate)
        assert any(a <= lo and hi <= b for a, b in pauses), (lo, hi)
    shares = [p.end - p.start for p in pieces]
    assert max(shares) - min(shares) < 8 * rate  # even shares, within a pause's spacing


def test_a_pause_too_short_for_a_seam_is_passed_over() -> None:
    rate = 22050
    short = (100 * rate, 100 * rate + 2000)  # 91 ms: under margin + gap + margin
    assert splice.plan(200 * rate, rate, [short]) == (splice.Piece(0, 200 * rate),)
    wide = (90 * rate, 90 * rate + 2700)  # room for a seam wherever the grid falls
    assert len(splice.plan(200 * rate, rate, [short, wide])) == 2


# --- the header arithmetic --------------------------------------------------------------


def test_crc_of_joined_data_from_the_crcs_of_its_parts() -> None:
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    for cut in (0, 1, 2, 777, 4999, 5000):
        a, b = data[:cut], data[cut:]
        joined = splice._crc16_combine(splice.crc16(a), splice.crc16(b), len(b))
        assert joined == splice.crc16(data)


@needs_ffmpeg
def test_joining_one_file_rewrites_only_its_seek_table(tmp_path: Path) -> None:
    """ffmpeg's own header, recomputed from its own frames: the same frame count, size,
    padding, music length and music CRC; the tag CRC matches once the seek table is
    put back, so it is computed over the bytes ffmpeg computes it over."""
    pcm, _ = _talk(22050, [("talk", 2.3)])
    mp3 = tmp_path / "one.mp3"
    encode_mp3(pcm, 22050, mp3)
    original = mp3.read_bytes()
    joined = splice.join([original])
    info = splice._info(original)
    toc = slice(info.toc, info.toc + 100)
    crc = slice(info.lame + 34, info.lame + 36)
    mask = bytearray(joined)
    mask[toc] = original[toc]
    mask[crc] = original[crc]
    assert bytes(mask) == original
    check = bytearray(original[:190])
    check[crc] = b"\0\0"
    assert splice.crc16(bytes(check)) == int.from_bytes(original[crc], "big")
    audio = original[info.size :]
    assert int.from_bytes(original[info.lame + 32 : info.lame + 34], "big") == splice.crc16(audio)
    table = list(joined[toc])  # 1 % steps of the playing time, in 256ths of the file
    assert table[0] == info.size * 256 // len(original)  # the first audio frame
    assert table == sorted(table) and table[99] < 256
    assert max(abs(a - b) for a, b in zip(table, original[toc], strict=True)) <= 8


# --- real encodes ------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, pcm: np.ndarray, rate: int, pauses: list) -> Path:
    dest = tmp_path / name
    write_episode_mp3(pcm, rate, TAGS, dest, pauses)
    return dest


@needs_ffmpeg
@pytest.mark.parametrize("rate", [22050, 44100, 11025])
@pytest.mark.usefixtures("short_pieces")
def test_joined_pieces_decode_to_the_episode_sample_for_sample(tmp_path: Path, rate: int) -> None:
    pcm, pauses = _talk(rate, LAYOUT)
    pieces = splice.plan(len(pcm), rate, pauses)
    assert len(pieces) == 3
    joined = _write(tmp_path, "joined.mp3", pcm, rate, pauses)
    whole = _write(tmp_path, "whole.mp3", pcm, rate, [])
    assert joined.read_bytes() != whole.read_bytes()  # it was cut

    step = 44100 // rate
    ours, theirs = decode_pcm(joined), decode_pcm(whole)
    assert len(ours) == len(pcm) * step == len(theirs)
    # Where each stretch of talk is: the best lag against one whole encode is 0.
    for before, after in itertools.pairwise(pieces):
        lo = after.start * step + 4 * 1152
        window = theirs[lo : lo + 20000].astype(float)
        lags = {
            lag: np.dot(window, ours[lo + lag : lo + lag + 20000].astype(float))
            for lag in range(-40, 41)
        }
        assert max(lags, key=lags.__getitem__) == 0
        # The seam itself decodes to silence (LAME's padding and delay).
        a, b = splice.seam(before, after, rate)
        assert np.abs(ours[a * step + 1152 : b * step - 1152]).max() <= 2
    error = ours.astype(float) - theirs.astype(float)
    assert np.sqrt(np.mean(error**2)) < 0.35 * np.sqrt(np.mean(theirs.astype(float) ** 2))

    # Every reader agrees on the length: the header describes the whole file.
    data = joined.read_bytes()
    tag = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))  # syncsafe size
    audio = data[tag:]
    assert (
        splice.frame_count(audio) == sum(1 for _ in _frames(audio)) - 1
    )  # the Info frame is not counted
    assert MP3(joined).info.length == pytest.approx(len(pcm) / rate, abs=0.06)
    assert duration(joined) == pytest.approx(duration(whole), abs=0.001)


def _frames(data: bytes):
    pos = 0
    while pos < len(data):
        size = splice._frame_size(data[pos : pos + 4])
        yield data[pos : pos + size]
        pos += size


@needs_ffmpeg
@pytest.mark.usefixtures("short_pieces")
def test_pieces_are_reproducible_and_leave_no_temp_files(tmp_path: Path) -> None:
    pcm, pauses = _talk(22050, LAYOUT, seed=5)
    first = _write(tmp_path, "a.mp3", pcm, 22050, pauses)
    second = _write(tmp_path, "b.mp3", pcm, 22050, pauses)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp3", "b.mp3"]


@needs_ffmpeg
@pytest.mark.usefixtures("short_pieces")
def test_sound_where_a_pause_was_promised_gives_one_whole_encode(tmp_path: Path) -> None:
    pcm, pauses = _talk(22050, LAYOUT, seed=6)
    whole = _write(tmp_path, "whole.mp3", pcm, 22050, [])
    loud = [(a - 3000, b + 3000) for a, b in pauses]  # the "pauses" reach into the talk
    assert len(splice.plan(len(pcm), 22050, loud)) == 3
    careful = _write(tmp_path, "careful.mp3", pcm, 22050, loud)
    assert careful.read_bytes() == whole.read_bytes()


@needs_ffmpeg
@pytest.mark.usefixtures("short_pieces")
def test_a_piece_lame_framed_otherwise_gives_one_whole_encode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(splice, "expected_frames", lambda piece, rate: -1)
    pcm, pauses = _talk(22050, LAYOUT, seed=7)
    whole = _write(tmp_path, "whole.mp3", pcm, 22050, [])
    assert _write(tmp_path, "odd.mp3", pcm, 22050, pauses).read_bytes() == whole.read_bytes()


@needs_ffmpeg
@pytest.mark.usefixtures("short_pieces")
def test_fed_in_any_pieces_and_failures_with_pieces(tmp_path: Path) -> None:
    pcm, pauses = _talk(22050, LAYOUT, seed=8)
    straight = _write(tmp_path, "straight.mp3", pcm, 22050, pauses)
    dest = tmp_path / "again.mp3"
    with EpisodeMp3(dest, 22050, TAGS, len(pcm), pauses) as writer:
        for start in range(0, len(pcm), 10000):  # feeds that straddle the cuts
            writer.feed(pcm[start : start + 10000])
    assert dest.read_bytes() == straight.read_bytes()

    failed = tmp_path / "failed.mp3"
    with pytest.raises(RuntimeError), EpisodeMp3(failed, 22050, TAGS, len(pcm), pauses) as w:
        w.feed(pcm[: len(pcm) // 2])
        raise RuntimeError("mastering failed")
    assert not failed.exists()
    with (
        pytest.raises(ValueError, match="announced"),
        EpisodeMp3(failed, 22050, TAGS, len(pcm), pauses) as w,
    ):
        w.feed(pcm[:-10])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.mp3", "straight.mp3"]


@needs_ffmpeg
@pytest.mark.usefixtures("short_pieces")
def test_a_failed_piece_stops_the_other_encoders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pcm, pauses = _talk(22050, LAYOUT, seed=9)
    made: list[Mp3Encoder] = []
    start, finish = Mp3Encoder.__init__, Mp3Encoder.finish

    def started(self: Mp3Encoder, *args: Any) -> None:
        start(self, *args)
        made.append(self)

    def first_fails(self: Mp3Encoder) -> int:
        if self is made[0]:
            raise ExportError("ffmpeg failed")
        return finish(self)

    monkeypatch.setattr(Mp3Encoder, "__init__", started)
    monkeypatch.setattr(Mp3Encoder, "finish", first_fails)
    dest = tmp_path / "failed.mp3"
    with pytest.raises(ExportError), EpisodeMp3(dest, 22050, TAGS, len(pcm), pauses) as writer:
        writer.feed(pcm)
    assert len(made) == 3
    assert all(encoder._process.poll() is not None for encoder in made)  # none left running
    assert list(tmp_path.iterdir()) == []


def test_join_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError):
        splice.join([])
    with pytest.raises(ValueError, match="MPEG-1 Layer III"):
        splice.join([b"ID3\x04" + bytes(400)])
