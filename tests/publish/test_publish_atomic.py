"""Publishing is all or nothing per guide: a full disk halfway through leaves the
previous feed, page, playlist and manifest whole and agreeing with each other."""

from __future__ import annotations

import builtins
import errno
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import GUIDE, WriteGuide
from support.fakes import fake_factory

from audioguide.build.stages import build
from audioguide.system import fsutil

PUBLISHED = ("feed.xml", "index.html", "playlist.m3u8", "manifest.json", "cover.png")


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def manifest_agrees(out: Path) -> bool:
    listed = json.loads((out / "manifest.json").read_text())["files"]
    return all(
        hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"] for f in listed
    )


def full_disk_for(name: str) -> Any:
    """An `open` that fails with ENOSPC when it writes the temp file of `name`."""

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode and Path(file).name.startswith(f".{name}."):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return builtins.open(file, mode, *args, **kwargs)

    return fake_open


@pytest.mark.parametrize("failing", ["index.html", "manifest.json", "feed.xml"])
def test_a_full_disk_while_publishing_leaves_the_last_set_whole(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    root = write_guide()
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(root, out, cache_dir=cache, engine_factory=fake_factory)
    before = files(out)
    # A new description changes the feed, page and manifest, not the episodes (which a
    # build replaces one by one as each is made, before publishing).
    (root / "guide.yaml").write_text(GUIDE.replace("A guide made by the tests.", "Renamed Guide."))
    monkeypatch.setattr(fsutil, "open", full_disk_for(failing), raising=False)
    with pytest.raises(OSError) as caught:
        build(root, out, cache_dir=cache, engine_factory=fake_factory)
    assert caught.value.errno == errno.ENOSPC
    after = files(out)
    for name in PUBLISHED:
        assert after[name] == before[name], name
    assert manifest_agrees(out)
    assert not [p for p in out.rglob(".*.tmp")]
    monkeypatch.undo()
    build(root, out, cache_dir=cache, engine_factory=fake_factory)
    assert b"Renamed Guide" in (out / "feed.xml").read_bytes()
    assert manifest_agrees(out)
