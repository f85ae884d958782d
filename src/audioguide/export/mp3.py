# mutagen's frame classes take unannotated **kwargs; every call to them would be flagged.
# mypy: disable-error-code="no-untyped-call"
"""Write an episode as a tagged MP3: mono, 44.1 kHz, 64 kbit/s, ID3v2.4 with chapters.

`EpisodeMp3` encodes to a hidden temporary file beside the destination, tags it,
and only then renames it into place, so a player, a feed or an earlier build never sees
a half-written or untagged episode, and a failed build leaves the old file as it was.

Output is byte-for-byte reproducible: ffmpeg runs with its bitexact flags (no version
strings or timestamps) and writes no tag of its own; the ID3 tag is built from frames
mutagen encodes, in a fixed order and without padding (see `id3_tag`).

ffmpeg is run directly rather than through pydub's `AudioSegment.export`: pydub writes the
whole episode to an extra WAV file in the system temp folder and leaves that file and
its output file behind when ffmpeg fails. Piping raw PCM to ffmpeg's stdin avoids both.
"""

from __future__ import annotations

import contextlib
import io
import queue
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    CTOCFlags,
    Encoding,
    Frame,
    PictureType,
)

from audioguide.build.report import ChapterMark
from audioguide.errors import ExportError, ToolMissingError
from audioguide.export import splice
from audioguide.system import hostos, tools
from audioguide.system.fsutil import atomic_path, temp_name

MP3_RATE = 44100
# LAME's algorithm quality (0 best ... 9 fastest; ffmpeg leaves LAME's 3). At 64 kbit/s
# on this speech, 7 (no noise shaping) scored no worse than 3 in PESQ-WB (4.27 vs 4.22
# on a 3-minute episode; 48 kbit/s scores 3.97) and is twice as fast: LAME was most of
# a build's CPU time.
LAME_QUALITY = 7
INSTALL_FFMPEG = hostos.install_hint("ffmpeg")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time
_STDERR_LINES = 8
_ID3_HEADER = 10

Samples = npt.NDArray[np.int16]

# ISO 639-1 (the primary subtag of most BCP-47 tags) to ISO 639-2, the three-letter
# codes ID3 uses in TLAN and COMM. Where 639-2 has two codes, the bibliographic (B)
# one is given (fre, ger, ...), as taggers commonly write them.
_ISO639_2 = {
    "af": "afr", "ar": "ara", "bg": "bul", "bn": "ben", "ca": "cat", "cs": "cze",
    "cy": "wel", "da": "dan", "de": "ger", "el": "gre", "en": "eng", "eo": "epo",
    "es": "spa", "et": "est", "eu": "baq", "fa": "per", "fi": "fin", "fr": "fre",
    "ga": "gle", "gl": "glg", "gu": "guj", "he": "heb", "hi": "hin", "hr": "hrv",
    "hu": "hun", "hy": "arm", "id": "ind", "is": "ice", "it": "ita", "ja": "jpn",
    "ka": "geo", "kn": "kan", "ko": "kor", "la": "lat", "lt": "lit", "lv": "lav",
    "mk": "mac", "ml": "mal", "mr": "mar", "ms": "may", "mt": "mlt", "nb": "nob",
    "ne": "nep", "nl": "dut", "nn": "nno", "no": "nor", "pa": "pan", "pl": "pol",
    "pt": "por", "ro": "rum", "ru": "rus", "sk": "slo", "sl": "slv", "sq": "alb",
    "sr": "srp", "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel", "th": "tha",
    "tl": "tgl", "tr": "tur", "uk": "ukr", "ur": "urd", "vi": "vie", "zh": "chi",
}  # fmt: skip


def iso639_2(bcp47: str) -> str:
    """The ISO 639-2 code for a BCP-47 tag: "en-US" -> "eng", "es-US" -> "spa".

    A three-letter primary subtag is already 639-2 and passes through. Languages the
    table lacks get "und" (undetermined), which ID3 readers accept, rather than failing
    a build over a tag.
    """
    primary = bcp47.strip().replace("_", "-").split("-", 1)[0].lower()
    if len(primary) == 3 and primary.isalpha():
        return primary
    return _ISO639_2.get(primary, "und")


@dataclass(frozen=True)
class Tags:
    """ID3 metadata of one episode. `language` is BCP-47 ("en-US"); `cover` is PNG or
    JPEG."""

    title: str
    album: str
    artist: str
    track: int
    track_total: int
    year: str
    language: str
    comment: str
    cover: bytes | None = None
    chapters: tuple[ChapterMark, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.track <= self.track_total:
            raise ValueError(f"track {self.track}/{self.track_total} is out of range")
        if self.cover is not None and not self.cover.startswith((_PNG_SIGNATURE, _JPEG_SIGNATURE)):
            raise ValueError("cover must be PNG or JPEG data")
        for a, b in zip(self.chapters, self.chapters[1:], strict=False):
            if b.start_ms < a.end_ms:
                raise ValueError(f"chapter {b.title!r} starts before {a.title!r} ends")


class EpisodeMp3:
    """A tagged MP3 written while its PCM is still being made, atomically.

    `feed` hands pieces to ffmpeg as they are ready (mastering the next piece goes on
    while LAME encodes); leaving the `with` block finishes the encode, puts the tag in
    front and renames the file into place. An exception inside the block, or a failed
    encode, leaves `dest` as it was and no temporary file.

    Given the episode's `pauses` (sample ranges of silence), a long episode is cut in
    them and its pieces encoded side by side, then joined (see `splice`): the encode is
    most of an edit's cost, and LAME uses one core.
    """

    def __init__(
        self,
        dest: Path,
        rate: int,
        tags: Tags,
        samples: int,
        pauses: Sequence[tuple[int, int]] = (),
    ) -> None:
        duration_ms = samples * 1000 // rate if rate > 0 else 0
        if tags.chapters and tags.chapters[-1].end_ms > duration_ms + 1:
            raise ValueError(
                f"chapters run to {tags.chapters[-1].end_ms} ms; audio is {duration_ms}"
            )
        self.dest, self.rate, self.samples = dest, rate, samples
        self.tag = id3_tag(tags)  # before encoding: a bad tag should not cost an encode
        self.pieces = splice.plan(samples, rate, pauses)
        self._atomic = atomic_path(dest)
        self._tmp: Path | None = None
        self._parts = [
            temp_name(dest.with_name(f"{dest.name}.{k}")) for k in range(len(self.pieces))
        ]
        self._encoders: list[Mp3Encoder] = []
        self._fed: list[Samples] = []
        self._pos = 0
        self._seams_silent = True

    def __enter__(self) -> EpisodeMp3:
        self._tmp = self._atomic.__enter__()
        try:
            self._start()
        except BaseException as e:
            self._atomic.__exit__(type(e), e, None)
            raise
        return self

    def _start(self) -> None:
        assert self._tmp is not None
        if len(self.pieces) == 1:
            self._encoders = [Mp3Encoder(self.rate, self._tmp)]
            return
        for part in self._parts:
            try:
                self._encoders.append(Mp3Encoder(self.rate, part))
            except BaseException:
                self._abort()
                raise

    def feed(self, pcm: bytes | Samples | memoryview) -> None:
        data = np.frombuffer(byte_view(pcm) if not isinstance(pcm, memoryview) else pcm, "<i2")
        start = self._pos
        self._pos += len(data)
        if len(self.pieces) == 1:
            self._encoders[0].feed(data)
            return
        self._fed.append(data)  # views, not copies: kept for a whole encode if a join fails
        for piece, encoder in zip(self.pieces, self._encoders, strict=True):
            lo, hi = max(start, piece.start), min(self._pos, piece.end)
            if lo < hi:
                encoder.feed(data[lo - start : hi - start])
        for before, after in zip(self.pieces, self.pieces[1:], strict=False):
            lo, hi = splice.seam(before, after, self.rate)
            lo, hi = max(start, lo), min(self._pos, hi)
            if lo < hi and data[lo - start : hi - start].any():
                self._seams_silent = False

    def _abort(self) -> None:
        for encoder in self._encoders:
            encoder.abort()
        self._encoders = []
        for part in self._parts:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        assert self._tmp is not None
        if error is not None:
            self._abort()
            self._atomic.__exit__(type(error), error, None)
            return
        try:
            try:
                self._finish()
            finally:
                self._abort()  # the pieces' files, whatever happened
        except ExportError as e:
            cleanup = ExportError(f"{self.dest}: {e}")  # the episode, not the hidden temp file
            self._atomic.__exit__(ExportError, cleanup, None)
            raise cleanup from e
        except BaseException as e:
            self._atomic.__exit__(type(e), e, None)
            raise
        self._atomic.__exit__(None, None, None)

    def _finish(self) -> None:
        assert self._tmp is not None
        # A failed piece leaves the others to `_abort`, which stops them too.
        for encoder in self._encoders:
            encoder.finish()
        self._encoders = []
        if self._pos != self.samples:
            raise ValueError(f"{self.samples} samples were announced, {self._pos} fed")
        try:
            body = self._tmp.read_bytes() if len(self.pieces) == 1 else self._joined()
            self._tmp.write_bytes(self.tag + body)
        except OSError as e:
            raise ExportError(f"could not write {self.dest.name}: {e}") from e

    def _joined(self) -> bytes:
        """The pieces as one MP3; one whole encode instead if a join would not be exact."""
        parts = [p.read_bytes() for p in self._parts]
        try:
            if self._seams_silent and all(
                splice.frame_count(part) == splice.expected_frames(piece, self.rate)
                for part, piece in zip(parts[:-1], self.pieces, strict=False)
            ):
                return splice.join(parts, self.samples * (splice.MP3_RATE // self.rate))
        except ValueError:
            pass  # pieces this ffmpeg made differently: a whole encode is always right
        assert self._tmp is not None
        whole = Mp3Encoder(self.rate, self._tmp)
        for data in self._fed:
            whole.feed(data)
        whole.finish()
        return self._tmp.read_bytes()


class Mp3Encoder:
    """ffmpeg encoding mono int16 PCM fed in pieces to an untagged MP3 at `dest` (or to
    what `output`'s ffmpeg options say, e.g. the audiobook's AAC).

    The MP3 is always mono 44.1 kHz (ffmpeg resamples other rates). It keeps the
    LAME/Info header: players use it for the exact duration and gapless trimming.
    A thread writes the pieces to ffmpeg, so `feed` returns at once; pieces must not
    change until `finish` or `abort` returns.
    """

    def __init__(
        self, rate: int, dest: Path, bitrate: str = "64k", output: Sequence[str] = ()
    ) -> None:
        ffmpeg = tools.ffmpeg()
        # fmt: off
        mp3 = [
            "-c:a", "libmp3lame", "-b:a", bitrate, "-ar", str(MP3_RATE), "-ac", "1",
            "-compression_level", str(LAME_QUALITY),
            "-id3v2_version", "0", "-write_id3v1", "0",  # mutagen writes the only tag
            "-f", "mp3",  # the temp name has no .mp3 suffix to go by
        ]
        command = [
            ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error",
            "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
            "-map_metadata", "-1",  # no title or encoder tags carried over from the input
            "-fflags", "+bitexact", "-flags:a", "+bitexact",  # no version strings in the file
            *(output or mp3), "-y", str(dest),
        ]
        # fmt: on
        self._what = "AAC" if output else "MP3"
        # A file, not a pipe, for ffmpeg's messages: nobody has to keep reading them.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish or abort
        try:
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr
            )
        except FileNotFoundError as e:  # removed between which() and here
            self._stderr.close()
            raise ToolMissingError(
                f"ffmpeg is not installed; install it with: {INSTALL_FFMPEG}"
            ) from e
        except OSError as e:
            self._stderr.close()
            raise ExportError(f"could not run ffmpeg: {e}") from e
        self._pieces: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self._fed = 0
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def _write(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            while (piece := self._pieces.get()) is not None:
                stdin.write(piece)
        except (BrokenPipeError, ValueError):  # ffmpeg quit, or abort closed the pipe
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def feed(self, pcm: bytes | Samples | memoryview) -> None:
        data = byte_view(pcm) if not isinstance(pcm, memoryview) else pcm.cast("B")
        self._fed += data.nbytes
        self._pieces.put(data)

    def finish(self) -> int:
        """Wait for the encode; the number of bytes fed. ExportError if ffmpeg failed."""
        self._pieces.put(None)
        self._writer.join()
        code = self._process.wait()
        self._stderr.seek(0)
        messages = self._stderr.read().decode("utf-8", errors="replace")
        self._stderr.close()
        if code != 0:
            lines = messages.strip().splitlines()
            detail = "\n".join(lines[-_STDERR_LINES:]) or "(no output)"
            raise ExportError(f"ffmpeg failed (exit {code}) encoding {self._what}:\n{detail}")
        return self._fed

    def abort(self) -> None:
        """Stop ffmpeg now; what it wrote is left for the caller to remove."""
        self._process.kill()
        self._pieces.put(None)
        self._writer.join()
        self._process.wait()
        self._stderr.close()


def id3_tag(tags: Tags) -> bytes:
    """The complete ID3v2.4 tag for `tags`, to go in front of the MP3 frames.

    mutagen encodes every frame, but the tag is assembled here: mutagen's own save sorts
    frames by size, which scatters the CHAP frames (mutagen issue #506), and ffmpeg
    5.x and some players list chapters in file order rather than by the CTOC.
    Here the order is fixed: text frames, CTOC, CHAPs by start time, then the cover.
    No padding, so identical tags give identical bytes.
    """
    utf8 = Encoding.UTF8
    lang = iso639_2(tags.language)
    frames: list[Frame] = [
        TIT2(encoding=utf8, text=[tags.title]),
        TPE1(encoding=utf8, text=[tags.artist]),
        TALB(encoding=utf8, text=[tags.album]),
        TRCK(encoding=utf8, text=[f"{tags.track}/{tags.track_total}"]),
    ]
    if tags.year:
        frames.append(TDRC(encoding=utf8, text=[tags.year]))
    frames.append(TLAN(encoding=utf8, text=[lang]))
    if tags.comment:
        frames.append(COMM(encoding=utf8, lang=lang, desc="", text=[tags.comment]))
    ids = [f"ch{i}" for i in range(len(tags.chapters))]
    if ids:
        frames.append(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=utf8, text=["Chapters"])],
            )
        )
    for element_id, mark in zip(ids, tags.chapters, strict=True):
        frames.append(
            CHAP(
                element_id=element_id,
                start_time=mark.start_ms,
                end_time=mark.end_ms,
                start_offset=_NO_OFFSET,
                end_offset=_NO_OFFSET,
                sub_frames=[TIT2(encoding=utf8, text=[mark.title])],
            )
        )
    if tags.cover is not None:
        frames.append(
            APIC(
                encoding=utf8,
                mime="image/png" if tags.cover.startswith(_PNG_SIGNATURE) else "image/jpeg",
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.cover,
            )
        )
    body = b"".join(_frame_bytes(f) for f in frames)
    # ID3v2.4 header: version 4.0, no flags, then the body size as a 28-bit syncsafe int.
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size + body


def _frame_bytes(frame: Frame) -> bytes:
    """One frame as mutagen writes it in an ID3v2.4 tag (header and all)."""
    single = ID3()
    single.add(frame)
    buffer = io.BytesIO()
    single.save(buffer, v1=0, v2_version=4, padding=lambda info: 0)
    return buffer.getvalue()[_ID3_HEADER:]  # a tag holding just this frame, no padding


def byte_view(pcm: bytes | Samples) -> memoryview:
    """Bytes of the PCM without copying; arrays become little-endian int16 first."""
    if isinstance(pcm, bytes | bytearray | memoryview):
        return memoryview(pcm).cast("B")
    # A flat byte view: subprocess writes memoryviews in item-sized steps otherwise.
    return np.ascontiguousarray(pcm, dtype="<i2").data.cast("B")
