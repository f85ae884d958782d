"""The library entry point the front ends share (`session`): diagnostics without raising,
one sentence through the build's clip source, a preview in the output folder, a build
that reports progress."""

from __future__ import annotations

import wave
from pathlib import Path

from conftest import EPISODE_ONE, WriteGuide
from support.fakes import fake_factory

from audioguide.build.session import BuildOptions, build, check_guide, preview, speak
from audioguide.speech.cache import ClipCache


def options(root: Path, tmp_path: Path) -> BuildOptions:
    return BuildOptions(root, tmp_path / "out", tmp_path / "c", engine_factory=fake_factory)


def test_check_guide_returns_located_errors_without_raising(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide(**{"episodes/01-first.yaml": EPISODE_ONE.replace("id: first", "id: [")})
    [checked] = check_guide(options(root, tmp_path))
    assert checked.guide is None and checked.errors >= 1
    where = checked.diagnostics[0].where
    assert where.path.endswith("01-first.yaml") and (where.line, where.col) >= (1, 1)
    assert ": error: " in checked.diagnostics[0].line()


def test_check_guide_loads_a_good_guide(write_guide: WriteGuide, tmp_path: Path) -> None:
    [checked] = check_guide(options(write_guide(), tmp_path))
    assert checked.guide is not None and checked.guide.title == "Test Guide"
    assert checked.errors == 0


def test_speak_puts_one_sentence_in_the_build_cache(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    o = options(write_guide(), tmp_path)
    wav = speak(o, "Welcome to the first episode.", episode="first-steps")
    assert wav.is_relative_to(o.cache_dir) and wav.suffix == ".wav"
    with wave.open(str(wav)) as w:
        assert w.getnchannels() == 1 and w.getnframes() > w.getframerate() // 10
    # The build finds that sentence in the cache: it is not spoken again.
    [(_, report)] = build(o)
    assert report.cached >= 1
    assert ClipCache(o.cache_dir).get(wav.stem) is not None


def test_preview_goes_to_the_output_folder(write_guide: WriteGuide, tmp_path: Path) -> None:
    o = options(write_guide(), tmp_path)
    path = preview(o, "first-steps", chapter="more")
    assert path == o.output / "preview" / "first-steps-ch-more.wav"
    with wave.open(str(path)) as w:
        assert w.getnframes() > w.getframerate()


def test_build_reports_progress(write_guide: WriteGuide, tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    [(edition, report)] = build(
        options(write_guide(), tmp_path), progress=lambda *a: heard.append(a)
    )
    assert edition.output == tmp_path / "out" and all(ep.rebuilt for ep in report.episodes)
    assert ("encoding", len(report.episodes), len(report.episodes)) in heard
