"""The no-op shortcut: a build that would change nothing is answered from a record of
the last one (the stamp in the output's record), and anything that could change a file
sends it back to the full build."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner
from conftest import EPISODE_ONE, SPANISH_EDITION, WriteGuide
from support.fakes import FakeEngine, fake_factory
from support.files import output_hashes as hashes

from audioguide.build.fresh import up_to_date
from audioguide.build.session import BuildOptions, Reports
from audioguide.build.session import build as build_all
from audioguide.cli import cli


def full_build(root: Path, out: Path, cache: Path, episodes: tuple[str, ...] = ()) -> Reports:
    engine = FakeEngine()
    factory = lambda n, lang: engine  # noqa: E731
    return list(
        build_all(BuildOptions(root, out, cache, episodes=episodes, engine_factory=factory))
    )


def test_a_noop_is_answered_from_the_record(write_guide: WriteGuide, tmp_path: Path) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    [(_, built)] = full_build(root, out, cache)
    answered = up_to_date(root, out, cache_dir=cache)
    assert answered is not None
    [(edition, report)] = answered
    assert edition.output == out
    assert [(e.id, e.seconds, e.loudness, e.size) for e in report.episodes] == [
        (e.id, e.seconds, e.loudness, e.size) for e in built.episodes
    ]
    assert not any(e.rebuilt for e in report.episodes)


def test_anything_that_may_change_a_file_means_a_full_build(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    full_build(root, out, cache)
    assert up_to_date(root, out, cache_dir=cache) is not None
    # other options
    assert up_to_date(root, out, cache_dir=cache, drafts=True) is None
    assert up_to_date(root, out, cache_dir=cache, base_url="https://x.example/") is None
    # an output file touched, even with the same bytes
    feed = out / "feed.xml"
    os.utime(feed, ns=(feed.stat().st_atime_ns, feed.stat().st_mtime_ns + 1))
    assert up_to_date(root, out, cache_dir=cache) is None
    full_build(root, out, cache)
    assert up_to_date(root, out, cache_dir=cache) is not None
    # an output file removed
    (out / "episodes" / "01-first-steps.vtt").unlink()
    assert up_to_date(root, out, cache_dir=cache) is None
    full_build(root, out, cache)
    # a script edited
    (root / "episodes" / "01-first.yaml").write_text(EPISODE_ONE.replace("short", "brief"))
    assert up_to_date(root, out, cache_dir=cache) is None
    full_build(root, out, cache)
    assert up_to_date(root, out, cache_dir=cache) is not None
    # a build of some episodes only leaves no record
    full_build(root, out, cache, episodes=("first-steps",))
    assert up_to_date(root, out, cache_dir=cache) is None


def test_the_cli_says_nothing_changed_and_touches_nothing(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out = write_guide(), tmp_path / "out"
    args = ["build", str(root), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    times = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = CliRunner().invoke(cli, ["-v", *args])
    assert again.exit_code == 0, again.output
    assert "nothing changed, by the record of the last build" in again.output
    assert "Nothing changed: 2 episodes up to date" in again.output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == times


def two_editions(write_guide: WriteGuide) -> Path:
    return write_guide(**SPANISH_EDITION)


def test_editions_built_side_by_side_match_one_by_one(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = two_editions(write_guide)
    serial, shared = tmp_path / "one", tmp_path / "two"
    build_all(BuildOptions(root, serial, tmp_path / "c1", jobs=1, engine_factory=fake_factory))
    reports = build_all(
        BuildOptions(root, shared, tmp_path / "c2", jobs=2, engine_factory=fake_factory)
    )
    assert [e.output for e, _ in reports] == [shared, shared / "es"]
    assert [len(r.episodes) for _, r in reports] == [2, 1]
    assert hashes(serial) == hashes(shared) and len(hashes(shared)) > 20


def test_an_unchanged_edition_is_not_built_again(write_guide: WriteGuide, tmp_path: Path) -> None:
    root, out, cache = two_editions(write_guide), tmp_path / "out", tmp_path / "c"
    build_all(BuildOptions(root, out, cache, jobs=2, engine_factory=fake_factory))
    spanish = {p: p.stat().st_mtime_ns for p in (out / "es").rglob("*") if p.is_file()}
    (root / "episodes" / "01-first.yaml").write_text(EPISODE_ONE.replace("short", "brief"))
    reports = build_all(BuildOptions(root, out, cache, jobs=2, engine_factory=fake_factory))
    assert [[e.rebuilt for e in r.episodes] for _, r in reports] == [[True, False], [False]]
    assert {p: p.stat().st_mtime_ns for p in (out / "es").rglob("*") if p.is_file()} == spanish
