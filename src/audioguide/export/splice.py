"""Cut an episode into pieces LAME can encode side by side, and join their MP3s.

LAME runs on one core, and its encode is most of what an edit costs. So an episode is
cut inside its pauses into pieces that ffmpeg encodes at once, and the pieces' frames
are joined into one MP3 whose Info/LAME header describes the whole.

Why the cuts fall where they do. LAME puts 576 samples of encoder delay in front of
every stream and pads the end. A decoder given the joined frames plays piece k after
all of piece k-1's frames, so each piece starts on a multiple of 1152 samples (one
frame). When a piece's length plus the delay is a whole number of frames, LAME gives it
exactly one frame more (`expected_frames`; checked on every join), so the next piece
must start 1728 samples (at 44.1 kHz) after the cut. Those samples lie in a pause and
are silence either way: every sentence, chapter and cue keeps its time to the sample,
and the file decodes to exactly as many samples as the episode has.

The header is rewritten for the whole: frame and byte counts, the seek table, the end
padding of the last piece, the music length and both CRCs. A piece whose rate is not
44.1 kHz divided by a small whole number cannot land on the frame grid and is not cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MP3_RATE = 44100
FRAME = 1152  # samples per MPEG-1 Layer III frame
DELAY = 576  # LAME's encoder delay
# Silence kept on each side of a join, at 44.1 kHz: one frame, so the frames either
# side of the join encode nothing but silence.
MARGIN = FRAME
PIECE_SECONDS = 60.0  # an episode is cut into pieces of at least this long
MAX_PIECES = 8

_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
_TOC = 100
_TAG_CRC_SPAN = 190  # ffmpeg's and LAME's reach for the tag CRC, from the frame start


@dataclass(frozen=True)
class Piece:
    """Samples [start, end) of the episode, at the episode's rate."""

    start: int
    end: int


def plan(
    samples: int,
    rate: int,
    pauses: Sequence[tuple[int, int]],
    piece_seconds: float | None = None,
) -> tuple[Piece, ...]:
    """Where to cut `samples` at `rate` Hz, given its pauses (sample ranges of silence).

    Pieces of about `piece_seconds` (default `PIECE_SECONDS`), each cut in the pause
    nearest an even share of the episode. Depends only on its arguments, never on the
    machine, so every build cuts an episode the same way and gives the same bytes.
    """
    whole = (Piece(0, samples),)
    step = _step(rate)
    if step is None or rate <= 0:
        return whole
    seconds = piece_seconds or PIECE_SECONDS
    count = min(MAX_PIECES, int(samples / rate // seconds))
    if count < 2:
        return whole
    unit, phase = FRAME // step, DELAY // step  # the frame grid at the episode's rate
    skip, margin = (FRAME + DELAY) // step, MARGIN // step
    shortest = int(seconds * rate / 2)
    pieces: list[Piece] = []
    start = 0
    for k in range(1, count):
        target = k * samples // count
        best: int | None = None
        for lo, hi in pauses:
            # A cut c needs c - margin >= lo and c + skip + margin <= hi, with c on the grid.
            first = lo + margin + (start + phase - lo - margin) % unit
            last = hi - skip - margin
            if first > last:
                continue
            near = min(max(target, first), last)
            cut = first + (near - first) // unit * unit
            if best is None or abs(cut - target) < abs(best - target):
                best = cut
        if best is None or best - start < shortest or samples - (best + skip) < shortest:
            continue
        pieces.append(Piece(start, best))
        start = best + skip
    pieces.append(Piece(start, samples))
    return tuple(pieces)


def expected_frames(piece: Piece, rate: int) -> int:
    """The frames LAME makes of a piece that is not the last (see the module's note)."""
    step = _step(rate)
    assert step is not None
    return ((piece.end - piece.start) * step + DELAY) // FRAME + 1


def seam(before: Piece, after: Piece, rate: int) -> tuple[int, int]:
    """The samples around a join that must be silent: what was cut, and a margin."""
    step = _step(rate)
    assert step is not None
    return before.end - MARGIN // step, after.start + MARGIN // step


def _step(rate: int) -> int | None:
    """44100 / rate, when the frame grid falls on whole samples at `rate`."""
    if rate <= 0 or MP3_RATE % rate:
        return None
    step = MP3_RATE // rate
    return step if DELAY % step == 0 else None


@dataclass(frozen=True)
class _Info:
    """Where the fields of an MP3's Info (or Xing) header are, in its first frame."""

    size: int  # of the first frame
    frames: int  # offsets of the fields, from the start of the file
    toc: int
    lame: int


def frame_count(mp3: bytes) -> int:
    """The number of audio frames an MP3's Info header gives."""
    info = _info(mp3)
    return int.from_bytes(mp3[info.frames : info.frames + 4], "big")


def join(pieces: Sequence[bytes], samples: int | None = None) -> bytes:
    """One MP3 of untagged MP3 pieces from ffmpeg (each with an Info/LAME header).

    `samples`, the number at 44.1 kHz the whole should decode to, sets the end padding
    exactly; without it the last piece's is kept. (ffmpeg caps the padding it writes at
    1681 and so overstates some lengths by a few dozen samples.)
    """
    if not pieces:
        raise ValueError("nothing to join")
    infos = [_info(p) for p in pieces]
    head = bytearray(pieces[0][: infos[0].size])
    audio = [p[i.size :] for p, i in zip(pieces, infos, strict=True)]
    sizes = [infos[0].size] + [s for a in audio for s in _frame_sizes(a)]
    frames, total = len(sizes) - 1, sum(sizes)
    first, last = infos[0], infos[-1]
    if any(frame_count(p) != len(_frame_sizes(a)) for p, a in zip(pieces, audio, strict=True)):
        raise ValueError("an MP3 piece's header does not match its frames")

    head[first.frames : first.frames + 8] = frames.to_bytes(4, "big") + total.to_bytes(4, "big")
    head[first.toc : first.toc + _TOC] = _seek_table(sizes, total)
    # Delay (12 bits) from the first piece, end padding (12 bits) from the last.
    delay = int.from_bytes(head[first.lame + 21 : first.lame + 24], "big") & 0xFFF000
    if samples is None:
        padding = int.from_bytes(pieces[-1][last.lame + 21 : last.lame + 24], "big") & 0xFFF
    else:
        padding = frames * FRAME - (delay >> 12) - samples
        if not 0 <= padding < 0x1000:
            raise ValueError(f"{samples} samples do not fit {frames} frames")
    head[first.lame + 21 : first.lame + 24] = (delay | padding).to_bytes(3, "big")
    head[first.lame + 28 : first.lame + 32] = total.to_bytes(4, "big")
    music = 0
    for p, i, a in zip(pieces, infos, audio, strict=True):
        crc = int.from_bytes(p[i.lame + 32 : i.lame + 34], "big")
        music = _crc16_combine(music, crc, len(a))
    head[first.lame + 32 : first.lame + 34] = music.to_bytes(2, "big")
    head[first.lame + 34 : first.lame + 36] = b"\0\0"
    head[first.lame + 34 : first.lame + 36] = crc16(bytes(head[:_TAG_CRC_SPAN])).to_bytes(2, "big")
    return bytes(head) + b"".join(audio)


def _seek_table(sizes: Sequence[int], total: int) -> bytes:
    """The Xing TOC: where each 1 % of the playing time starts, in 1/256ths of the file."""
    offsets = [0]
    for s in sizes[:-1]:
        offsets.append(offsets[-1] + s)
    frames = len(sizes) - 1
    return bytes(min(255, offsets[1 + i * frames // _TOC] * 256 // total) for i in range(_TOC))


def _frame_size(header: bytes) -> int:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xFE != 0xFA:
        raise ValueError("not an MPEG-1 Layer III frame")
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    if not 0 < bitrate < len(_BITRATES) or rate >= len(_RATES):
        raise ValueError("not an MPEG-1 Layer III frame")
    return 144_000 * _BITRATES[bitrate] // _RATES[rate] + ((header[2] >> 1) & 1)


def _frame_sizes(data: bytes) -> list[int]:
    sizes, pos = [], 0
    while pos < len(data):
        size = _frame_size(data[pos : pos + 4])
        sizes.append(size)
        pos += size
    if pos != len(data):
        raise ValueError("the MP3 ends inside a frame")
    return sizes


def _info(mp3: bytes) -> _Info:
    size = _frame_size(mp3[:4])
    side = 17 if mp3[3] >> 6 == 3 else 32  # side information: mono or two channels
    tag = 4 + side
    if mp3[tag : tag + 4] not in (b"Info", b"Xing") or len(mp3) < size:
        raise ValueError("the MP3 has no Info header")
    flags = int.from_bytes(mp3[tag + 4 : tag + 8], "big")
    if flags & 0b111 != 0b111:
        raise ValueError("the MP3's Info header lacks its frame count, size or seek table")
    toc = tag + 16
    lame = toc + _TOC + (4 if flags & 0b1000 else 0)
    if lame + 36 > size:
        raise ValueError("the MP3 has no LAME header")
    return _Info(size, tag + 8, toc, lame)


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC, the CRC of the LAME header (bit by bit: only for short data)."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-16/ARC of A + B from the CRCs of A and B, without reading either again.

    The CRC is linear: running A's CRC on through B's length of zero bytes, then adding
    B's CRC, gives the CRC of both. The zero bytes are applied as a 16x16 bit matrix,
    raised to the length by squaring, so a joined episode costs microseconds.
    """
    # One zero bit: shift right, and fold the polynomial in where a 1 falls off.
    step = [0xA001] + [1 << (i - 1) for i in range(1, 16)]
    for _ in range(3):  # eight bits: one zero byte
        step = _square(step)
    n = length_b
    while n:
        if n & 1:
            crc_a = _apply(step, crc_a)
        step = _square(step)
        n >>= 1
    return crc_a ^ crc_b


def _apply(matrix: list[int], vector: int) -> int:
    out, i = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def _square(matrix: list[int]) -> list[int]:
    return [_apply(matrix, column) for column in matrix]
