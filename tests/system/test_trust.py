"""The output's own record (`.audioguide/record.json`) and the manifest are data on
disk: damaged or hostile, they never make a build fail or touch a file outside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import WriteGuide
from support.fakes import fake_factory

from audioguide.build.record import FORMAT, OutputRecord, read_record, record_path
from audioguide.build.stages import build
from audioguide.system.trust import safe_relative


@pytest.mark.parametrize(
    "rel",
    [
        "../victim.txt",
        "/etc/passwd",
        "episodes/../../x",
        ".audioguide/record.json",
        "",
        "a\\b",
        "C:/x",
        "episodes/",
        "./a",
    ],
)
def test_unsafe_paths_are_refused(rel: str) -> None:
    assert not safe_relative(rel)


def test_plain_paths_are_accepted() -> None:
    assert safe_relative("episodes/01-first-steps.mp3") and safe_relative("index.html")


def test_a_record_listing_a_path_outside_never_deletes_it(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root = write_guide()
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(root, out, cache_dir=cache, engine_factory=fake_factory)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    data = json.loads(record_path(out).read_text())
    # The second episode's entry lists a file outside; then the episode is removed.
    data["episodes"]["second-steps"]["files"]["../victim.txt"] = "0" * 64
    record_path(out).write_text(json.dumps(data))
    (root / "episodes" / "02-second.yaml").unlink()
    report = build(root, out, cache_dir=cache, engine_factory=fake_factory)
    assert victim.read_text() == "keep me"
    assert [ep.id for ep in report.episodes] == ["first-steps"]


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "null",
        '"x"',
        "3",
        '{"version": 1, "episodes": {}}',  # a state.json's shape, not the record's
        f'{{"format": "{FORMAT}", "owner": null, "episodes": [], "published": null, '
        '"stamp": null}',
        f'{{"format": "{FORMAT}", "owner": null, "episodes": {{"a": []}}, "published": null, '
        '"stamp": null}',
    ],
)
def test_a_record_of_the_wrong_shape_counts_as_damaged(
    write_guide: WriteGuide, tmp_path: Path, text: str
) -> None:
    root = write_guide()
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(root, out, cache_dir=cache, engine_factory=fake_factory)
    record_path(out).write_text(text)
    assert read_record(out) == OutputRecord()
    report = build(root, out, cache_dir=cache, engine_factory=fake_factory)
    assert all(ep.rebuilt for ep in report.episodes)
    assert set(read_record(out).episodes) == {"first-steps", "second-steps"}
