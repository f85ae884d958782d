"""An edition's `GUIDE.m4b` checked against its episodes' chapters files, with ffprobe
and mutagen (used by test_audiobook and the shipped guide's test_feed_editions)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from mutagen.mp4 import MP4

BOOK = "GUIDE.m4b"
TOLERANCE = 0.05  # seconds: the 50 ms


def probe(path: Path) -> dict[str, object]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
         "-show_chapters", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    found: dict[str, object] = json.loads(done.stdout)
    return found


def check_book(folder: Path) -> None:
    """The book in an edition's folder against its episodes' chapters files."""
    files = sorted((folder / "episodes").glob("*.chapters.json"))
    episodes = [json.loads(f.read_text("utf-8")) for f in files]
    info = probe(folder / BOOK)
    streams = info["streams"]
    assert isinstance(streams, list)
    audio = [s for s in streams if s["codec_type"] == "audio"]
    assert [(s["codec_name"], s["sample_rate"], s["channels"]) for s in audio] == [
        ("aac", "16000", 1)
    ]
    assert any(s.get("disposition", {}).get("attached_pic") == 1 for s in streams)
    lengths = [e["chapters"][-1]["endTime"] for e in episodes]
    format_ = info["format"]
    assert isinstance(format_, dict)
    assert float(format_["duration"]) == pytest.approx(sum(lengths), abs=TOLERANCE)
    # One chapter per episode at its start, then that episode's own chapters.
    expected: list[tuple[str, float]] = []
    at = 0.0
    for number, (episode, length) in enumerate(zip(episodes, lengths, strict=True), start=1):
        expected.append((f"{number}. {episode['title']}", at))
        expected += [(c["title"], at + c["startTime"]) for c in episode["chapters"][1:]]
        at += length
    chapters = info["chapters"]
    assert isinstance(chapters, list)
    assert [c["tags"]["title"] for c in chapters] == [title for title, _ in expected]
    for chapter, (title, start) in zip(chapters, expected, strict=True):
        assert float(chapter["start_time"]) == pytest.approx(start, abs=TOLERANCE), title
    # The tags audiobook apps show, and the cover, as mutagen reads them.
    tags = MP4(folder / BOOK).tags
    assert tags is not None
    assert tags["©nam"] and tags["©ART"] and tags["©alb"] and tags["©cmt"]
    assert tags["©gen"] == ["Audiobook"]
    assert len(tags["covr"]) == 1 and bytes(tags["covr"][0])[:3] == b"\xff\xd8\xff"
