"""Remember the last successfully loaded guide, keyed by the bytes of its scripts.

ruamel's round-trip parser takes some 25 ms a file; a no-op build that re-parsed
every script would spend most of its time there. The loaded `Guide` is pickled into
the clip cache with a digest of every YAML file under the guide folder and of the
loader's own code, so any edit (or a new audioguide) parses afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import stat
from pathlib import Path

from audioguide import __version__
from audioguide.loader.episode_files import scripts_under
from audioguide.model import Guide, Sound, voices_of
from audioguide.system.fsutil import atomic_write

_MAX_READ = 4 << 20  # far above the loader's own limit

# The modules whose code decides what a script loads to (the registry: which engines
# exist, what they need and whether they are installed).
_CODE = (
    "loader/__init__.py",
    "loader/reading.py",
    "loader/values.py",
    "loader/voices.py",
    "loader/assembly.py",
    "loader/yaml_hints.py",
    "loader/episode_files.py",
    "model.py",
    "plan/text.py",
    "plan/spoken_forms.py",  # the loader refuses a sentence with nothing to say
    "plan/numbers.py",
    "speech/registry.py",
    "speech/piper_engine.py",
)


def digest(root: Path) -> str:
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]
    for name in _CODE:
        h.update((package / name).read_bytes())
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


def _entry(cache_dir: Path, root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return cache_dir / "guides" / f"{name}.pickle"


def asset_paths(guide: Guide) -> list[Path]:
    """Files the loader checked that a script edit would not show: sounds, cover, models."""
    assets = [s.path for ep in guide.episodes for s in ep.segments if isinstance(s, Sound)]
    models = [Path(v.model) for v, _ in voices_of(guide) if v.model]
    cover = [guide.cover] if guide.cover else []
    return sorted({*assets, *cover, *models})


def _assets_present(guide: Guide) -> bool:
    return all(p.is_file() for p in asset_paths(guide))


def cached_guide(cache_dir: Path, root: Path) -> Guide | None:
    """The guide loaded last time, if no script changed since; else None."""
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        key, guide = pickle.loads(_entry(cache_dir, root).read_bytes())
        if key == digest(root) and isinstance(guide, Guide) and _assets_present(guide):
            return guide
    return None


def last_guide(cache_dir: Path, root: Path) -> Guide | None:
    """The guide loaded last time, even if a script changed since: a guess at what the
    next build needs (its engines and languages), never a substitute for loading it."""
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        _, guide = pickle.loads(_entry(cache_dir, root).read_bytes())
        if isinstance(guide, Guide):
            return guide
    return None


def remember(cache_dir: Path, root: Path, guide: Guide) -> None:
    # Only a shortcut: a read-only or full cache costs the next build a parse, no more.
    with contextlib.suppress(OSError):
        atomic_write(_entry(cache_dir, root), pickle.dumps((digest(root), guide), protocol=5))


def load(cache_dir: Path, root: Path) -> Guide:
    """`loader.load_guide`, skipped when the scripts are as they were last time."""
    guide = cached_guide(cache_dir, root)
    if guide is None:
        from audioguide.loader import load_guide  # the parser costs start-up time

        guide = load_guide(root)
        remember(cache_dir, root, guide)
    return guide
