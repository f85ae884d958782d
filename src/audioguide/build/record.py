"""The one record an output folder keeps of its builds: `OUTPUT/.audioguide/record.json`.

It says which guide folder owns the output (`owner`), what each episode was built from
and which files it wrote, with their hashes, length, loudness and chapters
(`episodes`), what the last build published (`published`), and, after a full build,
a stamp of its inputs and of the size, modification and change time of every file it
vouches for (`stamp`: what lets a no-op build skip everything without hashing a file).

This module alone reads and writes it. Whatever is on disk is data that anyone, or a
damaged disk, may have changed: a record that is not valid JSON of the right shape,
or that names any file by a path that is not a plain relative path inside the output,
counts as no record at all (the next build rebuilds everything; nothing is deleted).
The stamp holds times, so two folders built from the same scripts may have different
records; every published file is still the same bytes.

An output folder built before this record existed kept the same facts in three files
(`state.json`, `guide.json`, `published.json`) and the stamp in the cache; it is read
from those once, and the next write replaces them with the record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audioguide.build.report import ChapterMark, Published
from audioguide.system.fsutil import atomic_write
from audioguide.system.trust import safe_relative

RECORD_DIR = ".audioguide"  # in the output folder: the record, the lock, audiobook pieces
RECORD_FILE = "record.json"
FORMAT = "audioguide-record-1"
# What builds before the record kept instead (see `_legacy`).
LEGACY_FILES = ("state.json", "guide.json", "published.json")

FileStat = tuple[int, int, int]  # size, modification and change time (ns)


@dataclass(frozen=True)
class Owner:
    """The guide folder an output belongs to (its absolute real path) and its title."""

    guide: str
    title: str


@dataclass(frozen=True)
class EpisodeRecord:
    """What one episode was built from (`key`, a hash over every input that can change
    its files) and what that build left."""

    key: str
    files: tuple[tuple[str, str], ...]  # (path relative to output, sha256)
    seconds: float
    loudness: float
    true_peak: float
    chapters: tuple[ChapterMark, ...]


@dataclass(frozen=True)
class Stamp:
    """What a full build read (`inputs`, a hash: see `fresh.stamp`) and the stat of each
    file it left, with a hash of the rest of the record (`body`) as it was then."""

    inputs: str
    body: str
    files: tuple[tuple[str, FileStat], ...]


@dataclass(frozen=True)
class OutputRecord:
    owner: Owner | None = None
    episodes: Mapping[str, EpisodeRecord] = field(default_factory=dict)
    published: Published | None = None  # None: not known
    stamp: Stamp | None = None  # None: the next build is a full one
    legacy: bool = field(default=False, compare=False)
    """Read from the files of a build before the record (`forget_legacy` them once it
    is written)."""
    seen: tuple[int, ...] | None = field(default=None, compare=False)
    """The record file's stat when it was read: `current` re-reads it if that changed."""

    def without_stamp(self) -> OutputRecord:
        return replace(self, stamp=None)


def record_path(output: Path) -> Path:
    return output / RECORD_DIR / RECORD_FILE


# --- reading ---------------------------------------------------------------------------


class _Damaged(ValueError):
    pass


def _check(ok: bool) -> None:
    if not ok:
        raise _Damaged


def _text(value: object) -> str:
    _check(isinstance(value, str))
    return str(value)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Damaged
    return float(value)


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Damaged
    return value


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Damaged
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise _Damaged
    return value


def _path(rel: object) -> str:
    """A listed file: the build deletes and stats these, so only plain paths inside."""
    _check(safe_relative(rel))
    return str(rel)


def _chapter(data: object) -> ChapterMark:
    d = _mapping(data)
    _check(set(d) == {"title", "start_ms", "end_ms"})
    return ChapterMark(_text(d["title"]), _integer(d["start_ms"]), _integer(d["end_ms"]))


def _episode(data: object) -> EpisodeRecord:
    d = _mapping(data)
    files = _mapping(d["files"])
    chapters = _list(d["chapters"])
    return EpisodeRecord(
        key=_text(d["key"]),
        files=tuple(sorted((_path(rel), _text(digest)) for rel, digest in files.items())),
        seconds=_number(d["seconds"]),
        loudness=_number(d["loudness"]),
        true_peak=_number(d["true_peak"]),
        chapters=tuple(_chapter(c) for c in chapters),
    )


def _episodes(data: object) -> dict[str, EpisodeRecord]:
    return {_text(k): _episode(v) for k, v in _mapping(data).items()}


def _owner(data: object) -> Owner | None:
    if data is None:
        return None
    d = _mapping(data)
    return Owner(_text(d["guide"]), _text(d["title"]))


def _published(data: object) -> Published | None:
    if data is None:
        return None
    rows = [_mapping(row) for row in _list(data)]
    for row in rows:
        _check(isinstance(row["published"], bool))
    return Published(tuple((_text(r["id"]), _text(r["status"]), r["published"]) for r in rows))


def _stamp(data: object) -> Stamp | None:
    if data is None:
        return None
    d = _mapping(data)
    files = []
    for rel, st in _mapping(d["files"]).items():
        _check(len(_list(st)) == 3)
        size, mtime, ctime = (_integer(n) for n in st)
        files.append((_path(rel), (size, mtime, ctime)))
    return Stamp(_text(d["inputs"]), _text(d["body"]), tuple(sorted(files)))


def _parse(data: object, seen: tuple[int, ...] | None) -> OutputRecord:
    d = _mapping(data)
    _check(d.get("format") == FORMAT)
    return OutputRecord(
        owner=_owner(d["owner"]),
        episodes=_episodes(d["episodes"]),
        published=_published(d["published"]),
        stamp=_stamp(d["stamp"]),
        seen=seen,
    )


def _signature(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_record(output: Path) -> OutputRecord:
    """The output folder's record; an empty one (a full build, no owner) if there is
    none, or if it is damaged in any way."""
    path = record_path(output)
    try:
        seen = _signature(path.stat())
        blob = path.read_bytes()
    except FileNotFoundError:
        return _legacy(output)
    except OSError:
        return OutputRecord()
    try:
        return _parse(json.loads(blob), seen)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return OutputRecord()


def current(output: Path, record: OutputRecord | None) -> OutputRecord:
    """`record` if the file is as it was when `record` was read from it; else read again
    (another build may have written it since: this is called under the build lock)."""
    if record is not None and record.seen is not None:
        with contextlib.suppress(OSError):
            if _signature(record_path(output).stat()) == record.seen:
                return record
    return read_record(output)


# --- the files of builds before the record ---------------------------------------------


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def _legacy(output: Path) -> OutputRecord:
    """The record as the three files of an older build had it; each damaged one counts
    as missing, as it did then. No stamp: the first build after them is a full one,
    which rebuilds no episode whose key and files still match."""
    folder = output / RECORD_DIR
    state, owner, published = (_read_json(folder / name) for name in LEGACY_FILES)
    if state is None and owner is None and published is None:
        return OutputRecord()
    episodes: dict[str, EpisodeRecord] = {}
    found_owner = found_published = None
    with contextlib.suppress(ValueError, KeyError):  # _Damaged, or a bad chapter
        _check(_mapping(state).get("version") == 1)
        episodes = _episodes(_mapping(state)["episodes"])
    with contextlib.suppress(ValueError, KeyError):
        found = _mapping(owner)
        found_owner = Owner(_text(found["guide"]), str(found.get("title", "?")))
    with contextlib.suppress(ValueError, KeyError):
        found_published = _published(_mapping(published)["episodes"])
    return OutputRecord(found_owner, episodes, found_published, None, legacy=True)


def forget_legacy(output: Path, cache_dir: Path) -> None:
    """Remove what builds before the record kept: its three files, and the no-op
    shortcut's stamp, which they kept in the cache (named by the output's real path)."""
    for name in LEGACY_FILES:
        with contextlib.suppress(OSError):
            (output / RECORD_DIR / name).unlink()
    name = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:32]
    with contextlib.suppress(OSError):
        (cache_dir / "fresh" / f"{name}.json").unlink()
    with contextlib.suppress(OSError):
        (cache_dir / "fresh").rmdir()  # only if no other output's is left


# --- writing ---------------------------------------------------------------------------


def _episode_json(episode: EpisodeRecord) -> dict[str, Any]:
    return {
        "key": episode.key,
        "files": dict(episode.files),
        "seconds": episode.seconds,
        "loudness": episode.loudness,
        "true_peak": episode.true_peak,
        "chapters": [
            {"title": c.title, "start_ms": c.start_ms, "end_ms": c.end_ms} for c in episode.chapters
        ],
    }


def _body_json(record: OutputRecord) -> dict[str, Any]:
    owner = record.owner
    published = record.published
    return {
        "format": FORMAT,
        "owner": {"guide": owner.guide, "title": owner.title} if owner else None,
        "episodes": {k: _episode_json(record.episodes[k]) for k in sorted(record.episodes)},
        "published": (
            [{"id": i, "status": s, "published": p} for i, s, p in published.episodes]
            if published is not None
            else None
        ),
    }


def _dumps(data: object) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def body_digest(record: OutputRecord) -> str:
    """A hash of everything in the record but its stamp (which holds this hash): the
    record a stamp vouches for has not been changed since."""
    return hashlib.sha256(_dumps(_body_json(record))).hexdigest()


def record_bytes(record: OutputRecord) -> bytes:
    data = _body_json(record)
    stamp = record.stamp
    data["stamp"] = (
        {"inputs": stamp.inputs, "body": stamp.body, "files": {r: list(s) for r, s in stamp.files}}
        if stamp is not None
        else None
    )
    return _dumps(data)


def write_record(output: Path, record: OutputRecord) -> None:
    """Write the record (atomically, keys sorted); nothing if the bytes are already so,
    so a build that changes nothing leaves the file and its times alone."""
    blob = record_bytes(record)
    path = record_path(output)
    try:
        unchanged = path.read_bytes() == blob
    except OSError:
        unchanged = False
    if not unchanged:
        atomic_write(path, blob)
