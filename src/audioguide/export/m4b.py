"""The audiobook: every episode in one AAC-in-MP4 file (`GUIDE.m4b`) with chapters,
cover and tags, made from pieces each episode's build leaves in the output's records.

Why pieces: an edit rebuilds one episode, and encoding the whole guide to AAC again
would cost several times the edit. So each episode's mastered audio (the same samples
LAME gets; nothing is mastered twice) is encoded once to AAC, an ADTS stream of
1024-sample frames, while its MP3 is made (`AacPiece`), and the book is those frames
joined and put in an MP4 by ffmpeg without re-encoding (`m4b_bytes`).

Why 16 kHz and 40 kbit/s: the AAC encode runs beside LAME in every cold build and
for the edited episode in every edit, and its cost goes with the number of frames. At
16 kHz it codes speech's whole band (wideband speech ends near 7 kHz) in a quarter
fewer frames than at 22.05 kHz, the voices' own rate; at 22.05 kHz the book added a
fifth to a cold build. The MP3s keep the full band for whoever wants it.

How the pieces join without a gap or drift: each starts with the encoder's priming
frame (silence) and ends in the episode's 0.8 s of trailing silence, padded with
zeros. Keeping a piece's first frames up to a frame boundary and dropping the rest
loses only part of that silence, and the next piece's priming frame decodes against
the silence before it, so nothing clicks. Each episode gets a whole number of frames,
chosen so the book's running total stays within half a frame (32 ms) of the sum of
the episodes' exact lengths (`frames_per_episode`): the book is as long as its
episodes, and each chapter mark is where the episodes' chapters say, to within 32 ms
(the speech itself comes one priming frame, 64 ms, after its mark, in a pause).

A long episode's piece is itself made that way: cut in pauses into parts of a minute or
more, encoded side by side and joined by the same rule (`AacPiece`, `cuts`, `join`),
because an edit otherwise waited on one AAC encoder after LAME's pieces were done.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.errors import ExportError
from audioguide.system import tools
from audioguide.system.fsutil import atomic_path, temp_name
from audioguide.system.tempfiles import private_folder

if TYPE_CHECKING:  # the encoders and NumPy are loaded by the workers that use them
    from audioguide.audio.master import Samples, Sink

RATE = 16000  # the book's sample rate (see above)
FRAME = 1024  # samples per AAC-LC frame
BITRATE = "40k"  # plenty for speech in mono at 16 kHz; about 18 MB an hour
# The native encoder's fast coder: a third less CPU than its default, the same rate, and
# speech is all it codes. Noise substitution off: it costs time and at this rate turns
# the breath between words into hiss. Bit-exact flags keep the pieces byte-identical.
AAC_OUTPUT: tuple[str, ...] = ("-c:a", "aac", "-aac_coder", "fast", "-aac_pns", "0")
AAC_OUTPUT += ("-b:a", BITRATE)
AAC_OUTPUT += ("-ar", str(RATE), "-ac", "1", "-f", "adts")


# A long episode's AAC is encoded in parts side by side (see `AacPiece`), cut in pauses.
PART_SECONDS = 60.0  # parts of at least this long
MAX_PARTS = 8
# Silence a cut needs, at RATE: before it, the part's last frames that the join drops
# or whose window reaches into what it drops (up to two and a half frames), and the
# resampler's reach; after it, room for the resampler to start in silence.
CUT_BEFORE = 4 * FRAME
CUT_AFTER = FRAME

# Part of each piece's file name: pieces made with other settings are never joined.
# ("p": encoded in parts; pieces encoded whole gave other bytes.)
PIECE_FORMAT = f"{RATE // 1000}k{BITRATE}p"


class AacPiece:
    """An episode's mastered audio as an ADTS piece at `dest`, fed as it is mastered.

    Used as a sink beside the MP3's encoder (see `Tee`). Given the episode's length and
    `pauses` (sample ranges of silence), a long episode is cut in its pauses and its
    parts encoded side by side, then joined as the book joins episodes (see `cuts`):
    one AAC encoder on one core was the last thing an edit waited for. Zeros are added
    at the end so the piece always holds more frames than the book will take from it;
    the file appears whole (atomically) or not at all.
    """

    def __init__(
        self, dest: Path, rate: int, samples: int = 0, pauses: Sequence[tuple[int, int]] = ()
    ) -> None:
        from audioguide.export.mp3 import Mp3Encoder

        bounds = (0, *cuts(samples, rate, pauses), samples)
        self._parts = list(itertools.pairwise(bounds)) if samples else [(0, 0)]
        self._lengths = [round((end - start) * RATE / rate) for start, end in self._parts]
        self._atomic = atomic_path(dest)
        self._tmp = self._atomic.__enter__()
        self._files = [self._tmp] if len(self._parts) == 1 else [
            temp_name(dest.with_name(f"{dest.name}.{k}")) for k in range(len(self._parts))
        ]  # fmt: skip
        self._encoders: list[Mp3Encoder] = []
        self._pos = 0
        try:
            for name in self._files:
                self._encoders.append(Mp3Encoder(rate, name, output=AAC_OUTPUT))
        except BaseException as error:
            self._stop(error)
            raise

    def feed(self, pcm: Samples) -> None:
        start, self._pos = self._pos, self._pos + len(pcm)
        if len(self._encoders) == 1:
            self._encoders[0].feed(pcm)
            return
        for (lo, hi), encoder in zip(self._parts, self._encoders, strict=True):
            lo, hi = max(start, lo), min(self._pos, hi)
            if lo < hi:
                encoder.feed(pcm[lo - start : hi - start])

    def finish(self) -> None:
        # Enough for the book's rounding and for any rate ffmpeg resamples from.
        self._encoders[-1].feed(bytes(4 * FRAME * 2))
        try:
            for encoder in self._encoders:
                encoder.finish()
            if len(self._files) > 1:
                data = [f.read_bytes() for f in self._files]
                self._tmp.write_bytes(join(data, self._lengths))
        except BaseException as error:
            self._stop(error)
            raise
        self._remove_parts()
        self._atomic.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._stop(error)

    def _stop(self, error: BaseException) -> None:
        for encoder in self._encoders:
            encoder.abort()
        self._remove_parts()
        self._atomic.__exit__(type(error), error, None)

    def _remove_parts(self) -> None:
        if len(self._files) > 1:
            for part in self._files:
                part.unlink(missing_ok=True)


def cuts(samples: int, rate: int, pauses: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """Where to cut an episode of `samples` at `rate` Hz into parts of about
    `PART_SECONDS` for AAC encoders side by side: each cut inside a pause, with enough
    silence before it for what the join drops from the part's end (up to a frame and
    a half, and the frame whose window reaches into that) and after it for the next
    part's priming frame. Depends only on its arguments, so every build cuts alike."""
    count = min(MAX_PARTS, int(samples / rate // PART_SECONDS)) if rate > 0 else 0
    before = -(-CUT_BEFORE * rate // RATE)  # at the episode's rate, rounded up
    after = -(-CUT_AFTER * rate // RATE)
    shortest = int(PART_SECONDS * rate / 2)
    found: list[int] = []
    start = 0
    for k in range(1, count):
        target = k * samples // count
        best: int | None = None
        for lo, hi in pauses:
            first, last = lo + before, hi - after
            if first > last:
                continue
            cut = min(max(target, first), last)
            if best is None or abs(cut - target) < abs(best - target):
                best = cut
        if best is not None and best - start >= shortest and samples - best >= shortest:
            found.append(best)
            start = best
    return tuple(found)


def join(parts: Sequence[bytes], lengths: Sequence[int]) -> bytes:
    """One ADTS piece of parts encoded apart, `lengths` their samples at `RATE`: each
    part but the last keeps the frames that bring the running total nearest its
    samples' (as the book joins episodes), the last keeps all of its frames."""
    counts = frames_per_episode(lengths)
    kept = bytearray()
    for k, (part, count) in enumerate(zip(parts[:-1], counts, strict=False)):
        try:
            kept += part[: adts_cut(part, count)]
        except ValueError as error:
            raise ExportError(f"AAC part {k + 1} is not {count} frames: {error}") from error
    return bytes(kept + parts[-1])


class Tee:
    """A sink that hands each piece of mastered audio to several (the MP3's and the AAC's
    encoders), so the audio is mastered once for both."""

    def __init__(self, *sinks: Sink) -> None:
        self.sinks = sinks

    def feed(self, pcm: Samples) -> None:
        for sink in self.sinks:
            sink.feed(pcm)


def adts_cut(data: bytes, count: int) -> int:
    """Where the first `count` frames of an ADTS stream end (headers are read, frames
    skipped); ValueError if it is not one or holds fewer."""
    at = 0
    for _ in range(count):
        header = data[at : at + 7]
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
            raise ValueError(f"no ADTS frame at byte {at}")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < 7 or at + length > len(data):
            raise ValueError(f"a cut ADTS frame at byte {at}")
        at += length
    return at


def frames_per_episode(samples: Sequence[int]) -> list[int]:
    """Frames each episode takes in the book: the running total of frames is the running
    total of samples rounded to the nearest frame, so the error never adds up."""
    counts, done, total = [], 0, 0
    for n in samples:
        total += n
        upto = (total + FRAME // 2) // FRAME
        counts.append(upto - done)
        done = upto
    return counts


@dataclass(frozen=True)
class BookChapter:
    title: str
    start: int  # in samples at RATE
    end: int


@dataclass(frozen=True)
class BookTags:
    title: str
    author: str
    comment: str
    year: str
    language: str  # BCP 47


def _meta_text(value: str) -> str:
    # ffmetadata escapes these with a backslash; a newline would end the value.
    value = " ".join(value.split())
    for char in ("\\", "=", ";", "#"):
        value = value.replace(char, "\\" + char)
    return value


def ffmetadata(tags: BookTags, chapters: Sequence[BookChapter]) -> str:
    lines = [
        ";FFMETADATA1",
        f"title={_meta_text(tags.title)}",
        f"album={_meta_text(tags.title)}",
        f"artist={_meta_text(tags.author)}",
        f"album_artist={_meta_text(tags.author)}",
        f"comment={_meta_text(tags.comment)}",
        f"date={_meta_text(tags.year)}",
        "genre=Audiobook",
    ]
    for chapter in chapters:
        lines += ["", "[CHAPTER]", f"TIMEBASE=1/{RATE}", f"START={chapter.start}"]
        lines += [f"END={chapter.end}", f"title={_meta_text(chapter.title)}"]
    return "\n".join(lines) + "\n"


def m4b_bytes(
    pieces: Sequence[bytes],
    frames: Sequence[int],
    tags: BookTags,
    chapters: Sequence[BookChapter],
    cover_jpeg: bytes | None,
) -> bytes:
    """The book: the first `frames[k]` frames of each ADTS piece, in an MP4 with chapters,
    tags and cover, by ffmpeg without re-encoding. Same inputs, same bytes."""
    audio = bytearray()
    for k, (piece, count) in enumerate(zip(pieces, frames, strict=True)):
        try:
            audio += piece[: adts_cut(piece, count)]
        except ValueError as error:
            message = f"audiobook piece {k + 1} is not {count} AAC frames: {error}"
            raise ExportError(message) from error
    with private_folder("m4b") as work:
        (work / "audio.aac").write_bytes(audio)
        (work / "meta.txt").write_text(ffmetadata(tags, chapters), encoding="utf-8")
        # fmt: off
        command = [
            tools.ffmpeg(), "-hide_banner", "-nostats", "-loglevel", "error", "-nostdin",
            "-f", "aac", "-i", str(work / "audio.aac"),
            "-f", "ffmetadata", "-i", str(work / "meta.txt"),
        ]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if cover_jpeg:
            (work / "cover.jpg").write_bytes(cover_jpeg)
            command += ["-i", str(work / "cover.jpg")]
            maps += ["-map", "2:v", "-disposition:v:0", "attached_pic"]
        language = tags.language.split("-")[0].lower()
        command += [
            *maps, "-c", "copy", "-metadata:s:a:0", f"language={_iso639_2(language)}",
            "-fflags", "+bitexact", "-flags", "+bitexact",
            "-brand", "M4B ", "-f", "ipod", "-y", str(work / "book.m4b"),
        ]
        # fmt: on
        done = subprocess.run(command, capture_output=True, check=False)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise ExportError("ffmpeg failed making the audiobook:\n" + "\n".join(detail))
        return (work / "book.m4b").read_bytes()


# The MP4 track language is ISO 639-2; the guides' languages so far, and English else.
_ISO639_2 = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "pt": "por", "it": "ita"}


def _iso639_2(language: str) -> str:
    return _ISO639_2.get(language, "und")
