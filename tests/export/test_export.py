"""MP3 export: format, reproducible bytes, ID3v2.4 tags and chapters, atomic writes."""

from __future__ import annotations

import os
import stat
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.mp3 import MP3
from support.audio_measure import RATE, chapters, decode_pcm, duration, needs_ffmpeg, tone
from support.mp3_files import encode_mp3, write_episode_mp3

from audioguide.errors import ExportError, ToolMissingError
from audioguide.export.mp3 import ChapterMark, Tags, id3_tag, iso639_2

pytestmark = needs_ffmpeg

SECONDS = 6


def _png() -> bytes:
    """A valid 2x1 RGB PNG, built by hand so the tests need no image files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# Titles get shorter as chapters go on: mutagen's own save would order these CHAP
# frames by size, i.e. backwards, and ffmpeg lists chapters in file order.
CHAPTERS = (
    ChapterMark("Introduction to the guide", 0, 1500),
    ChapterMark("Breathing, slowly", 1500, 4000),
    ChapterMark("Ñandú & 睡眠", 4000, 5200),
    ChapterMark("End", 5200, SECONDS * 1000),
)
TAGS = Tags(
    title="Ep. 2: Sleep — a gentle start",
    album="Calm Guide",
    artist="Test Clinic",
    track=2,
    track_total=7,
    year="2026",
    language="es-US",
    comment="A paraphrase of An Article by A. Writer, February 2021.",
    cover=_png(),
    chapters=CHAPTERS,
)


def _pcm() -> npt.NDArray[np.int16]:
    return tone(SECONDS, 440.0, 0.3)


def test_format_is_mono_44k1_64kbit_and_keeps_length(tmp_path: Path) -> None:
    dest = tmp_path / "ep.mp3"
    write_episode_mp3(_pcm(), RATE, TAGS, dest)
    info = MP3(dest).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 64000)
    assert len(decode_pcm(dest, RATE)) == SECONDS * RATE  # encoder delay trimmed
    # ffprobe's container duration counts LAME's delay and padding (~36 ms) too.
    assert duration(dest) == pytest.approx(SECONDS, abs=0.06)


def test_same_input_gives_the_same_bytes_in_different_folders(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "ep.mp3", tmp_path / "other" / "place" / "ep.mp3"
    write_episode_mp3(_pcm(), RATE, TAGS, first)
    write_episode_mp3(_pcm().tobytes(), RATE, TAGS, second)  # bytes in: same as array in
    assert first.read_bytes() == second.read_bytes()
    a, b = tmp_path / "a.mp3", tmp_path / "b.mp3"
    encode_mp3(_pcm().tobytes(), RATE, a)
    encode_mp3(_pcm().tobytes(), RATE, b)
    assert a.read_bytes() == b.read_bytes()
    assert not a.read_bytes().startswith(b"ID3")  # no tag from ffmpeg; mutagen writes it


def test_no_encoder_version_in_the_file(tmp_path: Path) -> None:
    dest = tmp_path / "ep.mp3"
    encode_mp3(_pcm().tobytes(), RATE, dest)
    data = dest.read_bytes()
    assert b"Lavf5" not in data and b"Lavc5" not in data  # bitexact: no version strings
    assert b"Info" in data[:200]  # the LAME/Info header stays, for exact duration


def test_tags_read_back(tmp_path: Path) -> None:
    dest = tmp_path / "ep.mp3"
    write_episode_mp3(_pcm(), RATE, TAGS, dest)
    tags = ID3(dest)
    assert tags.version == (2, 4, 0)
    assert str(tags["TIT2"]) == TAGS.title
    assert str(tags["TALB"]) == "Calm Guide"
    assert str(tags["TPE1"]) == "Test Clinic"
    assert str(tags["TRCK"]) == "2/7"
    assert str(tags["TDRC"]) == "2026"
    assert str(tags["TLAN"]) == "spa"
    (comment,) = tags.getall("COMM")
    assert comment.lang == "spa" and str(comment) == TAGS.comment
    (cover,) = tags.getall("APIC")
    assert cover.type == PictureType.COVER_FRONT
    assert cover.mime == "image/png" and cover.data == TAGS.cover
    (toc,) = tags.getall("CTOC")
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["ch0", "ch1", "ch2", "ch3"]
    for i, mark in enumerate(CHAPTERS):
        chap = tags[f"CHAP:ch{i}"]
        assert (chap.start_time, chap.end_time) == (mark.start_ms, mark.end_ms)
        assert str(chap.sub_frames["TIT2"]) == mark.title
    assert not dest.read_bytes()[-128:].startswith(b"TAG")  # no ID3v1


def test_ffprobe_lists_the_chapters_in_order(tmp_path: Path) -> None:
    dest = tmp_path / "ep.mp3"
    write_episode_mp3(_pcm(), RATE, TAGS, dest)
    found = chapters(dest)
    assert [c[0] for c in found] == [m.title for m in CHAPTERS]
    for (_, start, end), mark in zip(found, CHAPTERS, strict=True):
        assert start == pytest.approx(mark.start_ms / 1000, abs=1e-6)
        assert end == pytest.approx(mark.end_ms / 1000, abs=1e-6)


def test_tag_without_optional_parts() -> None:
    bare = Tags("T", "A", "B", 1, 1, "", "en-US", "")
    tag = id3_tag(bare)
    assert tag.startswith(b"ID3\x04\x00\x00")
    for frame_id in (b"TDRC", b"COMM", b"APIC", b"CTOC", b"CHAP"):
        assert frame_id not in tag
    assert id3_tag(bare) == tag  # deterministic


@pytest.mark.parametrize(
    ("bcp47", "code"),
    [("en-US", "eng"), ("es-US", "spa"), ("fr-CA", "fre"), ("de", "ger"), ("pt_BR", "por"),
     ("zh-Hant-TW", "chi"), ("haw", "haw"), ("xx-YY", "und"), ("EN", "eng")],
)  # fmt: skip
def test_iso639_2(bcp47: str, code: str) -> None:
    assert iso639_2(bcp47) == code


def test_tags_are_validated() -> None:
    with pytest.raises(ValueError, match="out of range"):
        Tags("T", "A", "B", 3, 2, "2026", "en", "")
    with pytest.raises(ValueError, match="PNG or JPEG"):
        Tags("T", "A", "B", 1, 1, "2026", "en", "", cover=b"GIF89a a gif")
    with pytest.raises(ValueError, match="starts before"):
        Tags("T", "A", "B", 1, 1, "2026", "en", "", chapters=CHAPTERS[::-1])
    with pytest.raises(ValueError, match="start_ms < end_ms"):
        ChapterMark("x", 500, 500)


def test_chapters_past_the_end_are_refused(tmp_path: Path) -> None:
    long = Tags("T", "A", "B", 1, 1, "", "en", "", chapters=(ChapterMark("x", 0, 9000),))
    with pytest.raises(ValueError, match="chapters run to"):
        write_episode_mp3(_pcm(), RATE, long, tmp_path / "ep.mp3")
    assert list(tmp_path.iterdir()) == []


def _old_episode(folder: Path) -> Path:
    dest = folder / "ep.mp3"
    folder.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(b"the previous build")
    return dest


def test_ffmpeg_failure_leaves_destination_and_no_temp_file(tmp_path: Path) -> None:
    dest = _old_episode(tmp_path / "out")
    with pytest.raises(ExportError, match="ffmpeg failed") as failure:
        bare = Tags("T", "A", "B", 1, 1, "2026", "en", "")
        write_episode_mp3(_pcm(), 0, bare, dest)  # ffmpeg rejects a 0 Hz input
    assert "Sample rate 0 invalid" in str(failure.value)  # ffmpeg's own words
    assert dest.read_bytes() == b"the previous build"
    assert [p.name for p in dest.parent.iterdir()] == ["ep.mp3"]


def test_ffmpeg_dying_midway_leaves_destination_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in ffmpeg that writes half a file to its output, then fails.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffmpeg"
    fake.write_text(
        '#!/bin/sh\nfor last; do :; done\nprintf "partial" > "$last"\n'
        'echo "line one" >&2\necho "Conversion failed!" >&2\nexit 1\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    dest = _old_episode(tmp_path / "out")
    with pytest.raises(ExportError, match="Conversion failed!"):
        write_episode_mp3(_pcm(), RATE, TAGS, dest)
    assert dest.read_bytes() == b"the previous build"
    assert [p.name for p in dest.parent.iterdir()] == ["ep.mp3"]


def test_missing_ffmpeg_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # nor the wheel's ffmpeg
    dest = _old_episode(tmp_path / "out")
    with pytest.raises(ToolMissingError, match="sudo apt-get install ffmpeg"):
        write_episode_mp3(_pcm(), RATE, TAGS, dest)
    assert dest.read_bytes() == b"the previous build"
    assert [p.name for p in dest.parent.iterdir()] == ["ep.mp3"]


def test_success_replaces_the_old_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    dest = _old_episode(tmp_path / "out")
    write_episode_mp3(_pcm(), RATE, TAGS, dest)
    assert dest.read_bytes().startswith(b"ID3\x04")
    assert [p.name for p in dest.parent.iterdir()] == ["ep.mp3"]


def test_malformed_pcm_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="16-bit samples"):
        encode_mp3(b"\x00\x01\x02", RATE, tmp_path / "x.mp3")
    with pytest.raises(ValueError, match="16-bit samples"):
        encode_mp3(b"", RATE, tmp_path / "x.mp3")
