"""A warm clip cache: the clips of a guide spoken once, then copied into a test's own
cache so its build speaks nothing it has spoken before in this session.

Only the clips are copied (the `ab/<key>.wav` folders, see speech/cache.py): a test's
cache starts without the guide cache, the covers and the record of the last build, so
its build still loads, checks and builds every episode.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

CLIP_FOLDER = re.compile(r"[0-9a-f]{2}")


def copy_clips(spoken: Path, cache: Path) -> Path:
    """`cache`, made to hold a copy of every clip in the cache `spoken`."""
    cache.mkdir(parents=True, exist_ok=True)
    for folder in spoken.iterdir():
        if folder.is_dir() and CLIP_FOLDER.fullmatch(folder.name):
            shutil.copytree(folder, cache / folder.name, dirs_exist_ok=True)
    return cache
