"""Empty an output folder of what builds wrote, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from audioguide.build.record import RECORD_DIR
from audioguide.system import tempfiles

# What a build writes; anything else a user put in the folder stays. Temp files are the
# sweep's: only those that no live build will finish.
BUILT = ("episodes/*.mp3", "episodes/*.vtt", "episodes/*.txt", "episodes/*.json")
PUBLISHED = (
    "cover.png",
    "icon-*.png",
    "feed.xml",
    "index.html",
    "playlist.m3u8",
    "manifest.json",
)


def clean_output(output: Path) -> int:
    """Remove built files from `output`; return how many."""
    if not output.is_dir():
        return 0
    swept = tempfiles.sweep(output)  # and the system temp folder's private folders
    removed = sum(1 for path in swept if output in path.parents)
    for pattern in BUILT + PUBLISHED:
        for path in output.glob(pattern):
            path.unlink()
            removed += 1
    episodes = output / "episodes"
    if episodes.is_dir() and not any(episodes.iterdir()):
        episodes.rmdir()
    if (output / RECORD_DIR).is_dir():
        shutil.rmtree(output / RECORD_DIR)
    return removed
