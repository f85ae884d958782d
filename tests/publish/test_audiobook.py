"""`GUIDE.m4b`: real builds (fake speech, real ffmpeg), read back with ffprobe and mutagen:
its length and chapters against the episodes', cover and tags, where it is listed, and
that it is made again only when an episode changes, from that episode's piece alone."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from conftest import EPISODE_ONE, GUIDE, WriteGuide
from support.audio_measure import ebur128
from support.book_check import BOOK, check_book
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.publish import bundle


def fake_build(root: Path, out: Path, cache: Path) -> None:
    build(root, out, cache_dir=cache, engine_factory=fake_factory)


def test_the_book_holds_every_episode_with_its_chapters(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out = write_guide(), tmp_path / "out"
    fake_build(root, out, tmp_path / "c")
    check_book(out)
    # Mastered once: the book is as loud as the episodes (-16 LUFS as heard in stereo).
    loudness, peak = ebur128(out / BOOK)
    assert loudness == pytest.approx(-16.0, abs=0.5) and peak <= -0.5
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    entry = next(f for f in manifest["files"] if f["path"] == BOOK)
    assert entry["sha256"] == hashlib.sha256((out / BOOK).read_bytes()).hexdigest()
    assert BOOK in zipfile.ZipFile(bundle(out, tmp_path / "g.zip")).namelist()
    assert f'href="{BOOK}" download' in (out / "index.html").read_text("utf-8")
    # The phone's offline copy keeps the MP3s, not the same audio a second time.
    assert BOOK not in (out / "sw.js").read_text("utf-8")


def test_a_rebuild_leaves_the_book_alone_and_an_edit_remakes_it(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    fake_build(root, out, cache)
    book = out / BOOK
    before, stat = book.read_bytes(), book.stat()
    pieces = {p.name: p.stat().st_mtime_ns for p in (out / ".audioguide" / "audiobook").iterdir()}
    assert len(pieces) == 2
    fake_build(root, out, cache)
    assert book.read_bytes() == before
    assert book.stat().st_mtime_ns == stat.st_mtime_ns and book.stat().st_ino == stat.st_ino
    # One sentence of episode 1 changes: its piece is made again, episode 2's is reused.
    edited = EPISODE_ONE.replace("It is short.", "It is short and new.")
    write_guide(**{"episodes/01-first.yaml": edited})
    fake_build(root, out, cache)
    assert book.read_bytes() != before
    after = {p.name: p.stat().st_mtime_ns for p in (out / ".audioguide" / "audiobook").iterdir()}
    assert len(set(after) - set(pieces)) == 1  # one new piece: episode 1's
    (kept,) = set(after) & set(pieces)  # episode 2's, not made again; the old one is gone
    assert after[kept] == pieces[kept]
    check_book(out)


def test_same_inputs_give_the_same_book_anywhere(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = write_guide()
    fake_build(root, tmp_path / "a", tmp_path / "c1")
    fake_build(root, tmp_path / "b", tmp_path / "c2")
    assert (tmp_path / "a" / BOOK).read_bytes() == (tmp_path / "b" / BOOK).read_bytes()


def test_a_lost_piece_is_made_again(write_guide: WriteGuide, tmp_path: Path) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    fake_build(root, out, cache)
    before = (out / BOOK).read_bytes()
    for piece in (out / ".audioguide" / "audiobook").iterdir():
        piece.unlink()
    fake_build(root, out, cache)
    assert len(list((out / ".audioguide" / "audiobook").iterdir())) == 2
    assert (out / BOOK).read_bytes() == before


def test_audiobook_false_makes_none_and_removes_the_last_one(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    fake_build(root, out, cache)
    assert (out / BOOK).is_file()
    write_guide(**{"guide.yaml": GUIDE + "audiobook: false\n"})
    fake_build(root, out, cache)
    assert not (out / BOOK).exists()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert BOOK not in {f["path"] for f in manifest["files"]}
    assert BOOK not in (out / "index.html").read_text("utf-8")
