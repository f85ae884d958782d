"""The one record an output folder keeps (`.audioguide/record.json`): read back as
written, damaged means "no record" (a full rebuild, nothing outside touched), the
files of older builds are migrated without rebuilding, the owner check reads it, and a
build reads each edition's record once."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, GUIDE, SPANISH_EDITION, WriteGuide
from support.fakes import FakeEngine, fake_factory

from audioguide.build import fresh, stages
from audioguide.build import record as records
from audioguide.build.fresh import up_to_date
from audioguide.build.record import (
    LEGACY_FILES,
    RECORD_DIR,
    OutputRecord,
    read_record,
    record_bytes,
    record_path,
    write_record,
)
from audioguide.build.session import BuildOptions, Reports
from audioguide.build.session import build as build_all
from audioguide.cli import cli


def built(root: Path, out: Path, cache: Path) -> tuple[Reports, FakeEngine]:
    engine = FakeEngine()
    options = BuildOptions(root, out, cache, engine_factory=lambda n, lang: engine)
    return build_all(options), engine


def published(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file outside the records: its hash and modification time."""
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), mtime)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and RECORD_DIR not in p.parts
        for mtime in [p.stat().st_mtime_ns]
    }


def test_the_record_reads_back_as_written(write_guide: WriteGuide, tmp_path: Path) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    record = read_record(out)
    assert record.owner is not None and record.owner.guide == str(root.resolve())
    assert record.owner.title == "Test Guide"
    assert sorted(record.episodes) == ["first-steps", "second-steps"]
    assert record.published is not None and record.published.ids == (
        "first-steps",
        "second-steps",
    )
    assert record.stamp is not None  # a full build through the session stamps it
    stamped = dict(record.stamp.files)
    assert "manifest.json" in stamped and "episodes/01-first-steps.mp3" in stamped
    assert not any(rel.startswith(".") for rel in stamped)  # never the lock or itself
    blob = record_path(out).read_bytes()
    assert record_bytes(record) == blob
    data = json.loads(blob)
    assert json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n" == blob.decode()
    before = record_path(out).stat().st_mtime_ns
    write_record(out, record)  # the same bytes: not written again
    assert record_path(out).stat().st_mtime_ns == before
    assert not [p for p in (out / RECORD_DIR).iterdir() if p.name in LEGACY_FILES]


def _set(path: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        where = data
        for key in path[:-1]:
            where = where[key]
        where[path[-1]] = value

    return change


def _add_file(where: str, rel: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if where == "episode":
            data["episodes"]["second-steps"]["files"][rel] = "0" * 64
        else:
            data["stamp"]["files"][rel] = [8, 1, 1]

    return change


EP = ("episodes", "first-steps")
DAMAGE = {
    "none of its keys": lambda d: d.clear() or d.update({"x": []}),
    "another format": _set(("format",), "fresh-v2"),
    "no published key": lambda d: d.pop("published"),
    "owner a list": _set(("owner",), ["/elsewhere"]),
    "episodes a list": _set(("episodes",), []),
    "seconds a string": _set((*EP, "seconds"), "12.5"),
    "loudness a bool": _set((*EP, "loudness"), True),
    "chapters a dict": _set((*EP, "chapters"), {}),
    "chapter with an extra key": lambda d: d["episodes"]["first-steps"]["chapters"][0].update(
        {"x": 1}
    ),
    "chapter start a float": lambda d: d["episodes"]["first-steps"]["chapters"][0].update(
        {"start_ms": 0.5}
    ),
    "published flag a string": lambda d: d["published"][0].update({"published": "yes"}),
    "stamp entry of two numbers": lambda d: d["stamp"]["files"].update({"feed.xml": [1, 2]}),
    "episode file out by ..": _add_file("episode", "../victim.txt"),
    "episode file absolute": _add_file("episode", "VICTIM"),
    "episode file hidden": _add_file("episode", ".audioguide/record.json"),
    "episode file with a backslash": _add_file("episode", "..\\victim.txt"),
    "stamp file out by ..": _add_file("stamp", "../victim.txt"),
    "stamp file absolute": _add_file("stamp", "VICTIM"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_record_means_a_full_rebuild_and_nothing_outside_is_touched(
    write_guide: WriteGuide, tmp_path: Path, damage: str
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    data = json.loads(record_path(out).read_text("utf-8"))
    DAMAGE[damage](data)
    text = json.dumps(data).replace('"VICTIM"', json.dumps(str(victim)))
    record_path(out).write_text(text, "utf-8")
    assert read_record(out) == OutputRecord()
    assert up_to_date(root, out, cache_dir=cache) is None  # no stamp: no shortcut
    (root / "episodes" / "02-second.yaml").unlink()  # its files would be pruned
    [(_, report)] = built(root, out, cache)[0]
    assert [(ep.id, ep.rebuilt) for ep in report.episodes] == [("first-steps", True)]
    assert victim.read_text() == "keep me"
    assert sorted(read_record(out).episodes) == ["first-steps"]


@pytest.mark.parametrize("text", ["", "{", "\x00\xff", "[]", "null", '"x"', "3", "{}"])
def test_a_record_that_is_not_a_record_reads_as_none(tmp_path: Path, text: str) -> None:
    record_path(tmp_path).parent.mkdir(parents=True)
    record_path(tmp_path).write_text(text, "utf-8", errors="surrogateescape")
    assert read_record(tmp_path) == OutputRecord()


def test_an_edited_record_is_not_taken_for_a_noop(write_guide: WriteGuide, tmp_path: Path) -> None:
    """The stamp vouches for the rest of the record too (by its hash)."""
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    assert up_to_date(root, out, cache_dir=cache) is not None
    data = json.loads(record_path(out).read_text("utf-8"))
    data["episodes"]["first-steps"]["loudness"] = -30.0
    record_path(out).write_text(json.dumps(data), "utf-8")
    assert read_record(out).stamp is not None  # still a valid record
    assert up_to_date(root, out, cache_dir=cache) is None


def test_a_published_file_damaged_in_place_is_found_and_put_right(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    """Same size, same modification time: the change time still shows it, so the full
    build runs and publishes the page again."""
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    page = out / "index.html"
    good, st = page.read_bytes(), page.stat()
    page.write_bytes(good.replace(b"<html", b"<HTML", 1))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_size == st.st_size and page.stat().st_mtime_ns == st.st_mtime_ns
    assert up_to_date(root, out, cache_dir=cache) is None
    [(_, report)], engine = built(root, out, cache)
    assert engine.calls == [] and not any(ep.rebuilt for ep in report.episodes)
    assert page.read_bytes() == good
    assert up_to_date(root, out, cache_dir=cache) is not None


# --- the files of builds before the record ---------------------------------------------


def as_old_files(output: Path, cache: Path) -> None:
    """Turn an output folder's record into the files builds kept before it, as they
    wrote them: state.json, guide.json, published.json, and the stamp in the cache."""
    data = json.loads(record_path(output).read_text("utf-8"))

    def dump(name: str, value: object) -> None:
        text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        (output / RECORD_DIR / name).write_text(text, "utf-8")

    dump("state.json", {"version": 1, "episodes": data["episodes"]})
    dump("guide.json", data["owner"])
    dump("published.json", {"episodes": data["published"]})
    name = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:32]
    (cache / "fresh").mkdir(exist_ok=True)
    stamp = {"stamp": "0" * 64, "files": {"manifest.json": [1, 2, 3]}}
    (cache / "fresh" / f"{name}.json").write_text(json.dumps(stamp, sort_keys=True))
    record_path(output).unlink()


def test_an_output_folder_of_older_builds_is_migrated_without_rebuilding(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out, cache = write_guide(**SPANISH_EDITION), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    folders = [out, out / "es"]
    before = {f: read_record(f) for f in folders}
    files = published(out)
    for folder in folders:
        as_old_files(folder, cache)
        assert read_record(folder).legacy  # read from the old files
        assert read_record(folder).episodes == before[folder].episodes
    assert up_to_date(root, out, cache_dir=cache) is None  # no stamp in the old files
    reports, engine = built(root, out, cache)
    assert engine.calls == []
    assert [ep.rebuilt for _, r in reports for ep in r.episodes] == [False] * 3
    assert published(out) == files  # the same bytes, not even written again
    for folder in folders:
        after, old = read_record(folder), before[folder]
        assert (after.owner, after.episodes, after.published) == (
            old.owner,
            old.episodes,
            old.published,
        )
        assert not [n for n in LEGACY_FILES if (folder / RECORD_DIR / n).exists()]
    assert not (cache / "fresh").exists()
    answered = up_to_date(root, out, cache_dir=cache)  # the new record is stamped
    assert answered is not None and [e.output for e, _ in answered] == folders


GOOD_EPISODE = {
    "key": "k",
    "files": {"episodes/01-a.mp3": "0" * 64},
    "seconds": 1.5,
    "loudness": -16.0,
    "true_peak": -2.0,
    "chapters": [{"title": "A", "start_ms": 0, "end_ms": 1500}],
}


@pytest.mark.parametrize(
    "state",
    [
        "damaged",
        {"version": 2, "episodes": {"a": GOOD_EPISODE}},
        {"version": 1, "episodes": {"a": GOOD_EPISODE | {"files": {"../x": "0"}}}},
        {"version": 1, "episodes": {"a": GOOD_EPISODE | {"chapters": [{"title": "A"}]}}},
        {
            "version": 1,
            "episodes": {
                "a": GOOD_EPISODE | {"chapters": [{"title": "A", "start_ms": 9, "end_ms": 1}]}
            },
        },
    ],
)
def test_a_damaged_old_file_counts_as_missing_and_the_others_are_kept(
    tmp_path: Path, state: object
) -> None:
    folder = tmp_path / RECORD_DIR
    folder.mkdir()
    text = state if isinstance(state, str) else json.dumps(state)
    (folder / "state.json").write_text(text)
    (folder / "guide.json").write_text(json.dumps({"guide": "/g", "title": "G"}))
    (folder / "published.json").write_text('{"episodes": [{"id": "a", "status": "draft"}]}')
    record = read_record(tmp_path)
    assert record.legacy and record.episodes == {} and record.stamp is None
    assert record.owner == records.Owner("/g", "G")
    assert record.published is None  # no "published" flag: damaged
    good = {"version": 1, "episodes": {"a": GOOD_EPISODE}}
    (folder / "state.json").write_text(json.dumps(good))
    assert list(read_record(tmp_path).episodes) == ["a"]


def test_an_old_owner_file_alone_still_keeps_another_guide_out(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, out = write_guide(), tmp_path / "out"
    (out / RECORD_DIR).mkdir(parents=True)
    (out / RECORD_DIR / "guide.json").write_text(
        json.dumps({"guide": str(tmp_path / "other"), "title": "Other"})
    )
    (out / RECORD_DIR / "state.json").write_text("damaged")
    args = ["build", str(root), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "holds the guide 'Other'" in result.output
    assert sorted(p.name for p in (out / RECORD_DIR).iterdir()) == ["guide.json", "state.json"]


# --- the owner --------------------------------------------------------------------------


def test_another_guides_folder_is_refused_in_one_line(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, out, cache = write_guide(), tmp_path / "out", tmp_path / "c"
    built(root, out, cache)
    other = tmp_path / "other"
    other.mkdir()
    (other / "guide.yaml").write_text(GUIDE.replace("Test Guide", "Other Guide"))
    (other / "episodes").mkdir()
    (other / "episodes" / "01-first.yaml").write_text(EPISODE_ONE)
    everything = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "other", "-o", "out", "--cache-dir", "c"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: out/ holds the guide 'Test Guide' from scripts/")
    assert "not this one from other/" in lines[0] and "--force" in lines[0]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == everything


# --- one read per edition ----------------------------------------------------------------


def test_a_build_of_two_editions_reads_each_record_once(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-edit build of two editions, as the command runs it (engines started ahead
    while the scripts load): each record read once, each edition's inputs hashed once."""
    from audioguide.speech import registry

    root, out, cache = write_guide(**SPANISH_EDITION), tmp_path / "out", tmp_path / "c"
    build_all(BuildOptions(root, out, cache, engine_factory=fake_factory))
    (root / "episodes" / "01-first.yaml").write_text(EPISODE_ONE.replace("short", "brief"))
    reads: Counter[Path] = Counter()
    stamps: Counter[Path] = Counter()
    real_read, real_stamp = records.read_record, fresh.stamp

    def counting_read(output: Path) -> OutputRecord:
        reads[output] += 1
        return real_read(output)

    def counting_stamp(edition: Any, guide: Any, options: Any) -> str:
        stamps[edition.output] += 1
        return str(real_stamp(edition, guide, options))

    for module in (records, fresh, stages):
        monkeypatch.setattr(module, "read_record", counting_read)
    monkeypatch.setattr(fresh, "stamp", counting_stamp)
    started: list[object] = []
    monkeypatch.setattr(registry, "prestart", started.append)
    monkeypatch.setattr(registry, "create_engine", fake_factory)
    monkeypatch.setattr(registry, "shared_engine", fake_factory)
    reports = build_all(BuildOptions(root, out, cache))  # no factory: as the command
    assert [[ep.rebuilt for ep in r.episodes] for _, r in reports] == [[True, False], [False]]
    assert reads == {out: 1, out / "es": 1}
    assert stamps == {out: 1, out / "es": 1}
    reads.clear()
    stamps.clear()
    reports = build_all(BuildOptions(root, out, cache))  # nothing changed now
    assert not any(ep.rebuilt for _, r in reports for ep in r.episodes)
    assert reads == {out: 1, out / "es": 1}
    assert stamps == {out: 1, out / "es": 1}
