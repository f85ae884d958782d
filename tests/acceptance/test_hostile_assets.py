"""Hostile or impossible assets and text: `check` opens every asset the way `build`
will, and both refuse them with one `path:line:col` error and exit 2, without a
traceback or a stray warning, and without touching the output; `watch` prints the error
and goes on."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import EPISODE_ONE, WriteGuide
from support.fakes import fake_factory

from audioguide.build.watch import Options, rebuild

EP = "episodes__01-first.yaml"
EP1 = "episodes/01-first.yaml"
SOUND_AT = f"{EP1}:14:12"  # the value of the sound segment appended to EPISODE_ONE


def run(*args: str | Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "audioguide", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def wav(channels: int, rate: int, bits: int, frames: bytes, block: int | None = None) -> bytes:
    block = channels * bits // 8 if block is None else block
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def png(width: int, height: int, extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + extra
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def ztxt(size: int) -> bytes:
    data = b"Comment\0\0" + zlib.compress(b"a" * size, 9)
    crc = zlib.crc32(b"zTXt" + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + b"zTXt" + data + struct.pack(">I", crc)


SOUNDS = {
    "no channels": (wav(0, 22050, 16, b"\0" * 100), "has 0 channels"),
    "rate 0": (wav(1, 0, 16, b"\0" * 100), "is sampled at 0 Hz, below 8,000 Hz"),
    "sample width 0": (wav(1, 22050, 0, b"\0" * 100), "impossible sample size"),
    "header only": (b"RIFF\4\0\0\0WAVE", "a WAV file without a format header"),
    "one hertz": (wav(1, 1, 16, b"\1\0" * 3000), "is sampled at 1 Hz, below 8,000 Hz"),
    "no audio": (wav(1, 22050, 16, b""), "holds no audio"),
}


def with_sound(write_guide: WriteGuide, data: bytes) -> Path:
    root = write_guide(**{EP: EPISODE_ONE + "  - sound: assets/x.wav\n"})
    (root / "assets").mkdir()
    (root / "assets" / "x.wav").write_bytes(data)
    return root


def refused(root: Path, tmp_path: Path, where: str, message: str) -> None:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "keep.txt").write_text("earlier output")
    for command in (["check", root], ["build", root, "-o", out, "--cache-dir", tmp_path / "c"]):
        code, text = run(*command)
        assert code == 2, text
        assert "Traceback" not in text and "Warning" not in text, text
        errors = [line for line in text.splitlines() if ": error: " in line]
        assert len(errors) == 1 and errors[0].startswith(f"{root}/{where}: error: "), text
        assert message in errors[0], text
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("case", SOUNDS)
def test_an_impossible_wav_is_a_script_error(
    write_guide: WriteGuide, tmp_path: Path, case: str
) -> None:
    data, message = SOUNDS[case]
    refused(with_sound(write_guide, data), tmp_path, SOUND_AT, message)


def test_a_good_wav_still_builds(write_guide: WriteGuide, tmp_path: Path) -> None:
    root = with_sound(write_guide, wav(1, 22050, 16, b"\0\1" * 22050))
    code, text = run("build", root, "-o", tmp_path / "out", "--cache-dir", tmp_path / "c", "-q")
    assert code == 0, text


COVERS = {
    "decompression bomb": (png(30000, 30000), "far too many pixels to open"),
    "huge but not a bomb": (png(10000, 10000), "is 10000x10000, outside 1400-3000"),
    "inflating text chunk": (png(1400, 1400, ztxt(64 << 20)), "not an image Pillow can read"),
}


@pytest.mark.parametrize("case", COVERS)
def test_a_hostile_cover_is_a_script_error(
    write_guide: WriteGuide, tmp_path: Path, case: str
) -> None:
    data, message = COVERS[case]
    root = write_guide()
    guide = root / "guide.yaml"
    guide.write_text(guide.read_text() + "cover: cover.png\n")
    (root / "cover.png").write_bytes(data)
    refused(root, tmp_path, "guide.yaml:19:8", message)


def test_a_cover_file_too_big_to_read_is_refused_before_reading(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    guide = root / "guide.yaml"
    guide.write_text(guide.read_text() + "cover: cover.png\n")
    with open(root / "cover.png", "wb") as f:  # sparse: 200 MB that take no disk
        f.write(png(1400, 1400))
        f.truncate(200 << 20)
    refused(root, tmp_path, "guide.yaml:19:8", "cover 'cover.png' is 210 MB, over 50 MB")


TEXTS = {
    "emoji only": ('say: "\\U0001F600 \\U0001F389"', "nothing a voice can say"),
    "a script the voice lacks": (
        "say: " + "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645 \u0641\u064a",
        "the en-US voice cannot read Arabic script",
    ),
}


@pytest.mark.parametrize("case", TEXTS)
def test_text_the_voice_cannot_say_is_a_script_error(
    write_guide: WriteGuide, tmp_path: Path, case: str
) -> None:
    segment, message = TEXTS[case]
    root = write_guide(**{EP: EPISODE_ONE + f"  - {segment}\n"})
    refused(root, tmp_path, f"{EP1}:14:10", message)


def test_an_episode_over_two_hours_is_refused_before_speaking(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    text = "Hi. " * 61_000  # 244 kB: within the size and value limits
    root = write_guide(**{EP: EPISODE_ONE + f"  - say: {text}\n"})
    refused(root, tmp_path, f"{EP1}:1:1", "would last about")
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").rglob("*.wav"))


def test_watch_prints_the_error_and_builds_after_the_fix(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = with_sound(write_guide, SOUNDS["rate 0"][0])
    said: list[str] = []
    options = Options(tmp_path / "c", 1, engine_factory=fake_factory)
    assert not rebuild(root, tmp_path / "out", options, said.append)
    assert any("is sampled at 0 Hz" in line for line in said), said
    (root / "assets" / "x.wav").write_bytes(wav(1, 22050, 16, b"\0\1" * 22050))
    os.utime(root / "assets" / "x.wav")
    assert rebuild(root, tmp_path / "out", options, said.append), said


def test_watch_keeps_watching_through_every_hostile_save(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    from audioguide.build.watch import watch

    root = with_sound(write_guide, wav(1, 22050, 16, b"\0\1" * 22050))
    episode, guide = root / "episodes" / "01-first.yaml", root / "guide.yaml"
    good_episode, good_guide = episode.read_text(), guide.read_text()
    saves = [
        *(
            lambda data=data: (root / "assets" / "x.wav").write_bytes(data)
            for data, _ in SOUNDS.values()
        ),
        lambda: (root / "assets" / "x.wav").write_bytes(wav(1, 22050, 16, b"\0\1" * 22050)),
        *(
            lambda data=data: (
                guide.write_text(good_guide + "cover: cover.png\n"),
                (root / "cover.png").write_bytes(data),
            )
            for data, _ in COVERS.values()
        ),
        lambda: guide.write_text(good_guide),
        *(lambda s=s: episode.write_text(good_episode + f"  - {s}\n") for s, _ in TEXTS.values()),
        lambda: episode.write_text(good_episode + "  - say: " + "Hi. " * 61_000 + "\n"),
        lambda: episode.write_text(good_episode),
    ]
    said: list[str] = []

    def next_save(_: float) -> None:
        if saves:
            saves.pop(0)()

    options = Options(tmp_path / "c", 1, engine_factory=fake_factory)
    n = len(saves)
    builds = watch(root, tmp_path / "out", options, echo=said.append, sleep=next_save, polls=n + 1)
    assert builds == n + 1
    errors = [line for line in said if ": error: " in line]
    expected = [m for _, m in SOUNDS.values()] + [m for _, m in COVERS.values()]
    expected += [m for _, m in TEXTS.values()] + ["would last about"]
    assert len(errors) == len(expected), said
    for line, message in zip(errors, expected, strict=True):
        assert message in line
    assert said[-1].startswith("Done in"), said


def test_a_mistake_in_one_edition_leaves_every_output_untouched(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    from conftest import SPANISH_EDITION

    root = write_guide(**SPANISH_EDITION)
    (root / "es" / "episodes" / "01-primeros.yaml").write_text(
        (root / "es" / "episodes" / "01-primeros.yaml").read_text() + '  - say: "\\U0001F600"\n'
    )
    out = tmp_path / "out"
    code, text = run("build", root, "-o", out, "--cache-dir", tmp_path / "c", "-j", "2")
    assert code == 2, text
    assert "nothing a voice can say" in text
    assert not out.exists() or not list(out.rglob("*.mp3"))
