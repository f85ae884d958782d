"""The last build's state: what each episode was built from and which files it wrote.

`output/.audioguide/state.json` maps episode id to its key (a hash over every input
that can change its files) and the sha256 of each file written. An episode whose key
and files still match is not built again. The file holds no time and no absolute path,
so unchanged input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audioguide.build.report import ChapterMark, EpisodeResult
from audioguide.model import Episode
from audioguide.system.fsutil import atomic_write, sha256_file
from audioguide.system.trust import inside, safe_relative

OUTPUT_EPISODES_DIR = "episodes"  # in the output folder: the MP3s and transcripts
STATE_DIR = ".audioguide"
STATE_FILE = "state.json"
STATE_VERSION = 1
# The folders of the output a build writes into (besides the output itself): each must
# really be inside it, not a link to a folder elsewhere (`trust.check_folders`).
WRITTEN_FOLDERS = (STATE_DIR, OUTPUT_EPISODES_DIR)


@dataclass(frozen=True)
class EpisodeState:
    key: str
    files: tuple[tuple[str, str], ...]  # (path relative to output, sha256)
    seconds: float
    loudness: float
    true_peak: float
    chapters: tuple[ChapterMark, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = dict(self.files)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EpisodeState:
        """Raises ValueError (the state is damaged) for a file path that is not a plain
        path inside the output folder: the build deletes files the state lists."""
        bad = [rel for rel in data["files"] if not safe_relative(rel)]
        if bad:
            raise ValueError(f"unsafe path in the state: {bad[0]!r}")
        return cls(
            key=str(data["key"]),
            files=tuple(sorted((str(k), str(v)) for k, v in data["files"].items())),
            seconds=float(data["seconds"]),
            loudness=float(data["loudness"]),
            true_peak=float(data["true_peak"]),
            chapters=tuple(ChapterMark(**c) for c in data["chapters"]),
        )


def state_path(output: Path) -> Path:
    return output / STATE_DIR / STATE_FILE


def load_state(output: Path) -> dict[str, EpisodeState]:
    """The recorded states; a missing or damaged file means "build everything".

    Damaged includes valid JSON of the wrong shape (`[]`, `null`) and any listed path
    that could lead out of the output folder.
    """
    try:
        data = json.loads(state_path(output).read_text("utf-8"))
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return {}
        episodes = data["episodes"]
        if not isinstance(episodes, dict):
            return {}
        return {str(k): EpisodeState.from_json(v) for k, v in episodes.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def save_state(output: Path, states: dict[str, EpisodeState]) -> None:
    data = {
        "version": STATE_VERSION,
        "episodes": {k: states[k].to_json() for k in sorted(states)},
    }
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(state_path(output), text.encode("utf-8"))


def files_match(output: Path, state: EpisodeState) -> bool:
    """True when every recorded file exists with the recorded hash."""
    for rel, digest in state.files:
        path = inside(output, rel)
        if path is None or not path.is_file() or sha256_file(path) != digest:
            return False
    return True


def book_piece(output: Path, episode_key: str) -> Path:
    """Where an episode's piece of the audiobook is kept, by the episode's key: in the
    output folder's own records (the clip cache may be read-only or shared)."""
    from audioguide.export.m4b import PIECE_FORMAT

    return output / STATE_DIR / "audiobook" / f"{episode_key}-{PIECE_FORMAT}.aac"


def drop_old_pieces(output: Path, keep: Iterable[Path]) -> None:
    """Remove the pieces of episodes as they were before (an edit leaves one behind)."""
    wanted = {path.name for path in keep}
    for path in sorted((output / STATE_DIR / "audiobook").glob("*.aac")):
        if path.name not in wanted:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def episode_stem(episode: Episode) -> str:
    return f"{episode.number:02d}-{episode.id}"


def result_of(episode: Episode, state: EpisodeState, output: Path, rebuilt: bool) -> EpisodeResult:
    stem = output / OUTPUT_EPISODES_DIR / episode_stem(episode)
    mp3 = stem.with_suffix(".mp3")
    return EpisodeResult(
        id=episode.id,
        number=episode.number,
        title=episode.title,
        summary=episode.summary,
        date=episode.date,
        mp3=mp3,
        vtt=stem.with_suffix(".vtt"),
        txt=stem.with_suffix(".txt"),
        seconds=state.seconds,
        loudness=state.loudness,
        true_peak=state.true_peak,
        size=mp3.stat().st_size,
        chapters=state.chapters,
        rebuilt=rebuilt,
    )
