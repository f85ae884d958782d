"""Where a guide's files go when the command line does not say: the guide folder, its
output folder and its clip cache, each a function of the guide folder alone.

So the same guide lands in the same place whichever folder a command runs from, two
guides side by side never share an output folder by default, and a guide built from
inside its own folder reuses the clips it made when it was built from outside.

- The guide: the argument; without one, the working folder if it holds guide.yaml
  (staff open a terminal in the guide), else `scripts/`.
- Its output: `output/` beside `scripts/` (this project's layout), otherwise
  `<name>-output/` beside the guide folder (`sleep/` -> `sleep-output/`).
- Its clip cache: `.audioguide-cache/` beside the guide folder; guides side by side
  share it (its entries are keyed by content, so sharing is safe and saves speech).
"""

from __future__ import annotations

import os
from pathlib import Path

GUIDE_FILE = "guide.yaml"
DEFAULT_SCRIPTS = Path("scripts")
CACHE_NAME = ".audioguide-cache"


def guide_folder(given: Path | None) -> Path:
    """The guide a command works on: `given`, or the working folder if it is a guide."""
    if given is not None:
        return given
    if Path(GUIDE_FILE).is_file():
        return Path(".")
    return DEFAULT_SCRIPTS


def _beside(guide: Path, name: str) -> Path:
    """`name` in the folder that holds `guide`, written relative as `guide` is."""
    return Path(os.path.normpath(guide / ".." / name))


def _name(guide: Path) -> str:
    return guide.name or Path(os.path.abspath(guide)).name or "guide"


def default_output(guide: Path) -> Path:
    """Where `guide` is built when no -o is given."""
    name = _name(guide)
    return _beside(guide, "output" if name == DEFAULT_SCRIPTS.name else f"{name}-output")


def default_cache(guide: Path) -> Path:
    """The clip cache of `guide` when neither --cache-dir nor $AUDIOGUIDE_CACHE says."""
    return _beside(guide, CACHE_NAME)


def folder_hint(given: Path) -> str:
    """What to do when `given` is no folder: most often the command ran elsewhere."""
    here = Path.cwd()
    if (here.parent / GUIDE_FILE).is_file():
        return f"this is inside the guide {here.parent.name}/: run it from there (cd ..)"
    return "run it in the guide folder, the one holding guide.yaml, or name that folder"


def misnamed_hint(path: Path) -> str:
    """For a missing guide.yaml: the file it probably is (guide.yaml.txt, Guide.yml...)."""
    try:
        names = sorted(p.name for p in path.parent.iterdir() if p.is_file())
    except OSError:
        names = []
    for name in names:
        lower = name.lower()
        near = lower != path.name and lower.startswith(path.stem.lower() + ".")
        if near and (".yaml" in lower or ".yml" in lower or lower.endswith(".txt")):
            return f"rename {name} to {path.name}"
    return "check the file name"


def display_path(path: Path) -> str:
    """The path as staff typed it: relative to the working folder when it is below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
