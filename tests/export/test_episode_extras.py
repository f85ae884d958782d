"""What an episode file carries besides its audio: the intro's chapter (in the chapters
JSON and the MP3's CHAP frames alike) and the small embedded cover, on real builds
(fake speech, real ffmpeg), read back with mutagen and Pillow."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from pathlib import Path

from conftest import GUIDE, WriteGuide
from mutagen.id3 import ID3
from PIL import Image
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.publish.cover import EMBEDDED_MAX_BYTES


def built(write_guide: WriteGuide, tmp_path: Path) -> Path:
    root = write_guide()
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    return out


def test_the_intro_before_the_first_chapter_is_a_chapter(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    out = built(write_guide, tmp_path)
    document = json.loads((out / "episodes" / "01-first-steps.chapters.json").read_text())
    chapters = document["chapters"]
    # The chime and "Test Guide. Episode 1: First steps." come before "Hello".
    assert [c["title"] for c in chapters] == ["First steps", "Hello", "More"]
    assert chapters[0]["startTime"] == 0
    assert chapters[0]["endTime"] == chapters[1]["startTime"] > 1.0  # the chime alone is 1 s
    for before, after in itertools.pairwise(chapters):
        assert before["endTime"] == after["startTime"]  # no moment outside a chapter
    # The MP3's CHAP frames are the same list.
    tags = ID3(out / "episodes" / "01-first-steps.mp3")
    frames = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    assert [(f.start_time, f.end_time) for f in frames] == [
        (round(c["startTime"] * 1000), round(c["endTime"] * 1000)) for c in chapters
    ]
    assert [str(f.sub_frames["TIT2"]) for f in frames] == [c["title"] for c in chapters]


def test_an_episode_that_opens_on_its_chapter_gets_no_extra_one(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide(**{"guide.yaml": _no_intro()})
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "c", engine_factory=fake_factory)
    document = json.loads((out / "episodes" / "01-first-steps.chapters.json").read_text())
    assert [c["title"] for c in document["chapters"]] == ["Hello", "More"]
    assert document["chapters"][0]["startTime"] == 0


def _no_intro() -> str:
    return GUIDE.replace('intro: "{guide}. Episode {number}: {title}."', 'intro: ""') + (
        "chime: false\n"
    )


def test_the_embedded_cover_is_small_and_the_published_one_full_size(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    out = built(write_guide, tmp_path)
    (picture,) = ID3(out / "episodes" / "01-first-steps.mp3").getall("APIC")
    assert picture.mime == "image/jpeg"
    assert len(picture.data) <= EMBEDDED_MAX_BYTES
    with Image.open(io.BytesIO(picture.data)) as small:
        assert small.format == "JPEG" and small.size == (600, 600)
    with Image.open(out / "cover.png") as full:
        assert full.size == (1400, 1400)  # the feed and page keep the full cover
    # Same inputs, same bytes: a fresh build elsewhere gives the identical MP3.
    again = tmp_path / "again"
    build(write_guide(), again, cache_dir=tmp_path / "c2", engine_factory=fake_factory)
    for name in ("01-first-steps.mp3", "02-second-steps.mp3"):
        digests = {
            hashlib.sha256((o / "episodes" / name).read_bytes()).digest() for o in (out, again)
        }
        assert len(digests) == 1, name
