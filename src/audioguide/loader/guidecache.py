"""Remember the last successfully loaded guide, keyed by the bytes of its scripts.

ruamel's round-trip parser takes some 25 ms a file; a no-op build that re-parsed
every script would spend most of its time there. The loaded `Guide` is written into
the clip cache as JSON with a digest of every YAML file under the guide folder and of
the loader package's code, so any edit (or a new audioguide) parses afresh.

The cache may be shared by builds on other hosts or in containers, so an entry is
data, never code (no pickle): it is decoded field by field against the model's types,
and anything else (a planted pickle, garbage, a field of the wrong type) is refused and
the guide is loaded again. Paths and locations are stored relative to the guide folder
and rebuilt from the folder the build names, so an error reads the same from any
working folder (`sleep/episodes/01.yaml` from the parent, `episodes/01.yaml` inside).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import stat
import types
import typing
from pathlib import Path
from typing import Any

from audioguide import __version__
from audioguide.build.places import display_path
from audioguide.errors import Location
from audioguide.loader.episode_files import scripts_under
from audioguide.model import Chapter, Guide, Pause, Say, Sound, Voice, voices_of
from audioguide.system.fsutil import atomic_write

_MAX_READ = 4 << 20  # far above the loader's own limit
FORMAT = 1  # of an entry: a new layout is a new key, never a misread old entry

# Besides the loader package (every module in it, this one included), the code that
# decides what a script loads to (the registry: which engines exist, what they need).
_CODE = (
    "model.py",
    "errors.py",
    "plan/text.py",
    "plan/spoken_forms.py",  # the loader refuses a sentence with nothing to say
    "plan/numbers.py",
    "speech/registry.py",
    "speech/piper_engine.py",
)
_SEGMENTS = {cls.__name__: cls for cls in (Say, Pause, Chapter, Sound)}


class _NotData(ValueError):
    """An entry that does not decode to a `Guide`."""


@functools.cache
def _fields(kind: type) -> tuple[tuple[str, Any], ...]:
    """A model class's fields with their types (evaluated once: it costs more than the
    decode itself, and a no-op build is a benchmark goal)."""
    hints = typing.get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))


def _code_files() -> list[Path]:
    package = Path(__file__).parents[1]
    loader = sorted(Path(__file__).parent.glob("*.py"))
    return loader + [package / name for name in _CODE]


def digest(root: Path) -> str:
    h = hashlib.sha256(f"{__version__}\0{FORMAT}".encode())
    for path in _code_files():
        h.update(path.read_bytes())
    for path in scripts_under(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        try:
            info = path.stat()
            # Never block on a pipe or read a device or a huge file: the loader refuses
            # those, with the right message, once the digest has sent it there.
            if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_READ:
                raise OSError("not a script")
            h.update(path.read_bytes() + b"\0")
        except OSError:
            h.update(b"\1unreadable\0")
    return h.hexdigest()


def _entry(cache_dir: Path, root: Path, healthy: bool = False) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    # The healthy part of a guide that does not load has an entry of its own, which
    # `load` (and so a build) never reads.
    return cache_dir / "guides" / f"{name}{'-healthy' if healthy else ''}.json"


def asset_paths(guide: Guide) -> list[Path]:
    """Files the loader checked that a script edit would not show: sounds, cover, models."""
    assets = [s.path for ep in guide.episodes for s in ep.segments if isinstance(s, Sound)]
    models = [Path(v.model) for v, _ in voices_of(guide) if v.model]
    cover = [guide.cover] if guide.cover else []
    return sorted({*assets, *cover, *models})


def _assets_present(guide: Guide) -> bool:
    return all(p.is_file() for p in asset_paths(guide))


class _Codec:
    """The model <-> JSON, with every path relative to the guide folder `root`.

    Sounds and the cover are resolved paths and voice models absolute ones (as the
    loader makes them); locations are shown as staff typed the folder (`display_path`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.resolved = root.resolve()
        self.absolute = Path(os.path.abspath(root))
        self.shown: dict[str, str] = {}  # a file's locations share its shown path

    def encode(self, value: Any) -> Any:
        if isinstance(value, Location):
            rel = os.path.relpath(os.path.abspath(value.path), self.absolute)
            return [Path(rel).as_posix(), value.line, value.col]
        if isinstance(value, Path):
            return value.relative_to(self.resolved).as_posix()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = (f.name for f in dataclasses.fields(value))
            data = {name: self.encode(getattr(value, name)) for name in fields if name != "root"}
            if isinstance(value, Say | Pause | Chapter | Sound):
                data["kind"] = type(value).__name__
            if isinstance(value, Voice) and value.model:
                data["model"] = Path(value.model).relative_to(self.absolute).as_posix()
            return data
        if isinstance(value, tuple):
            return [self.encode(v) for v in value]
        return value

    def decode(self, data: Any, kind: Any) -> Any:
        origin = typing.get_origin(kind)
        if origin in (typing.Union, types.UnionType):
            options = typing.get_args(kind)
            if data is None and type(None) in options:
                return None
            if all(o in _SEGMENTS.values() for o in options):
                if not isinstance(data, dict) or data.get("kind") not in _SEGMENTS:
                    raise _NotData("segment")
                return self.decode(data, _SEGMENTS[data["kind"]])
            real = [o for o in options if o is not type(None)]
            if len(real) != 1:
                raise _NotData(str(kind))
            return self.decode(data, real[0])
        if origin is tuple:
            args = typing.get_args(kind)
            if not isinstance(data, list):
                raise _NotData("tuple")
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.decode(v, args[0]) for v in data)
            if len(args) != len(data):
                raise _NotData("tuple length")
            return tuple(self.decode(v, a) for a, v in zip(args, data, strict=True))
        if kind is Location:
            return self._location(data)
        if kind is Path:
            return self.resolved / self._relative(data)
        if dataclasses.is_dataclass(kind):
            return self._dataclass(data, kind)
        if kind is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if kind in (str, int, float, bool) and type(data) is kind:
            return data
        raise _NotData(f"{kind}: {type(data).__name__}")

    def _relative(self, data: Any) -> str:
        if not isinstance(data, str) or "\0" in data or os.path.isabs(data):
            raise _NotData("path")
        return data

    def _location(self, data: Any) -> Location:
        if not (isinstance(data, list) and len(data) == 3):
            raise _NotData("location")
        rel, line, col = data
        if type(line) is not int or type(col) is not int:
            raise _NotData("location")
        shown = self.shown.get(rel) if isinstance(rel, str) else None
        if shown is None:
            shown = self.shown[rel] = display_path(self.root / self._relative(rel))
        return Location(shown, line, col)

    def _dataclass(self, data: Any, kind: Any) -> Any:
        if not isinstance(data, dict):
            raise _NotData(kind.__name__)
        values: dict[str, Any] = {}
        for name, hint in _fields(kind):
            if kind is Guide and name == "root":
                values[name] = self.root
            elif name not in data:
                raise _NotData(f"{kind.__name__}.{name}")
            else:
                values[name] = self.decode(data[name], hint)
        if kind is Voice and values["model"]:
            values["model"] = str(self.absolute / self._relative(values["model"]))
        return kind(**values)


def _read(cache_dir: Path, root: Path, healthy: bool = False) -> tuple[str, Guide] | None:
    """The entry's key and guide, or None for anything that is not a whole entry."""
    with contextlib.suppress(OSError, ValueError, TypeError, RecursionError):
        data = json.loads(_entry(cache_dir, root, healthy).read_bytes())
        whole = isinstance(data, dict) and data.get("format") == FORMAT
        if whole and isinstance(data.get("key"), str):
            return data["key"], _Codec(root).decode(data.get("guide"), Guide)
    return None


def cached_guide(cache_dir: Path, root: Path, healthy: bool = False) -> Guide | None:
    """The guide loaded last time (`healthy`: its healthy part, see `load_healthy`),
    if no script changed since; else None."""
    entry = _read(cache_dir, root, healthy)
    if entry is not None and entry[0] == digest(root) and _assets_present(entry[1]):
        return entry[1]
    return None


def last_guide(cache_dir: Path, root: Path) -> Guide | None:
    """The guide loaded last time, even if a script changed since: a guess at what the
    next build needs (its engines and languages), never a substitute for loading it."""
    entry = _read(cache_dir, root)
    return entry[1] if entry is not None else None


def remember(cache_dir: Path, root: Path, guide: Guide, healthy: bool = False) -> None:
    # Only a shortcut: a read-only or full cache costs the next build a parse, no more;
    # a guide with a path outside its folder (which the loader refuses) is not kept.
    with contextlib.suppress(OSError, ValueError):
        data = {"format": FORMAT, "key": digest(root), "guide": _Codec(root).encode(guide)}
        atomic_write(_entry(cache_dir, root, healthy), json.dumps(data, sort_keys=True).encode())


def load(cache_dir: Path, root: Path) -> Guide:
    """`loader.load_guide`, skipped when the scripts are as they were last time."""
    guide = cached_guide(cache_dir, root)
    if guide is None:
        from audioguide.loader import load_guide  # the parser costs start-up time

        guide = load_guide(root)
        remember(cache_dir, root, guide)
    return guide


def load_healthy(cache_dir: Path, root: Path) -> Guide | None:
    """`loader.load_healthy`'s guide (None if there is none), skipped when the scripts
    are as they were last time: the studio speaks a sentence of a guide with a broken
    episode file without parsing every script again."""
    guide = cached_guide(cache_dir, root, healthy=True)
    if guide is None:
        from audioguide.loader import load_healthy as load_part

        part = load_part(root)
        if part is None:
            return None
        guide = part[0]
        remember(cache_dir, root, guide, healthy=True)
    return guide
