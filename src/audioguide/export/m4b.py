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
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.errors import ExportError
from audioguide.system import tools
from audioguide.system.fsutil import atomic_path
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


# Part of each piece's file name: pieces made with other settings are never joined.
PIECE_FORMAT = f"{RATE // 1000}k{BITRATE}"


class AacPiece:
    """An episode's mastered audio as an ADTS piece at `dest`, fed as it is mastered.

    Used as a sink beside the MP3's encoder (see `Tee`). Zeros are added at the end so
    the piece always holds more frames than the book will take from it; the file
    appears whole (atomically) or not at all.
    """

    def __init__(self, dest: Path, rate: int) -> None:
        from audioguide.export.mp3 import Mp3Encoder

        self._atomic = atomic_path(dest)
        self._tmp = self._atomic.__enter__()
        try:
            self._encoder = Mp3Encoder(rate, self._tmp, output=AAC_OUTPUT)
        except BaseException as error:
            self._atomic.__exit__(type(error), error, None)
            raise

    def feed(self, pcm: Samples) -> None:
        self._encoder.feed(pcm)

    def finish(self) -> None:
        # Enough for the book's rounding and for any rate ffmpeg resamples from.
        self._encoder.feed(bytes(4 * FRAME * 2))
        try:
            self._encoder.finish()
        except BaseException as error:
            self._atomic.__exit__(type(error), error, None)
            raise
        self._atomic.__exit__(None, None, None)

    def abort(self, error: BaseException) -> None:
        self._encoder.abort()
        self._atomic.__exit__(type(error), error, None)


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
