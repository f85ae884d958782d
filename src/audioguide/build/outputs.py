"""What an output folder holds, by the build's record of it (`build.record`): whose it
is, each episode's files, and the audiobook's pieces.

A build removes the files of episodes its guide no longer has, so a build of one guide
into another's folder would delete the other's episodes. The first build of a folder
claims it for its guide (by the guide folder's absolute path); a build of another guide
into it then stops, before writing anything, unless it is forced. A folder whose record
names no owner is claimed by the next build, as builds always treated it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from audioguide.build.record import (
    RECORD_DIR,
    EpisodeRecord,
    OutputRecord,
    Owner,
    current,
    write_record,
)
from audioguide.build.report import EpisodeResult, Published
from audioguide.errors import AudioguideError
from audioguide.model import Episode, Guide
from audioguide.system.fsutil import sha256_file
from audioguide.system.trust import inside

OUTPUT_EPISODES_DIR = "episodes"  # in the output folder: the MP3s and transcripts
# The folders of the output a build writes into (besides the output itself): each must
# really be inside it, not a link to a folder elsewhere (`trust.check_folders`).
WRITTEN_FOLDERS = (RECORD_DIR, OUTPUT_EPISODES_DIR)


class OutputOwnedError(AudioguideError):
    """The output folder belongs to another guide: a mistake in the command, exit 2."""

    exit_code = 2


def _identity(scripts: Path) -> str:
    return str(Path(os.path.abspath(scripts)).resolve())


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") and os.path.isabs(path) else rel


def check_owner(output: Path, record: OutputRecord, scripts: Path, force: bool = False) -> None:
    """Raise `OutputOwnedError` if `record` (of `output`) names a guide other than
    `scripts`."""
    owner = record.owner
    if force or owner is None or owner.guide == _identity(scripts):
        return
    gone = not (Path(owner.guide) / "guide.yaml").is_file()
    hint = (
        "if that guide was moved or renamed, add --force to build this one there"
        if gone
        else "build this guide into its own folder with -o, or add --force to replace them"
    )
    raise OutputOwnedError(
        f"{output}/ holds the guide '{owner.title}' from {_shown(owner.guide)}/, "
        f"not this one from {scripts}/ ({hint})"
    )


def claim(
    output: Path, scripts: Path, guide: Guide, record: OutputRecord | None, force: bool = False
) -> OutputRecord:
    """Under the build lock: the record as it is now (read again only if another build
    wrote it since `record` was read), checked to be this guide's (or `force`), claimed
    for it, and without a stamp until this build has finished (a build killed half-way
    is not taken for a no-op)."""
    record = current(output, record)
    check_owner(output, record, scripts, force)
    claimed = replace(record, owner=Owner(_identity(scripts), guide.title), stamp=None)
    write_record(output, claimed)
    return claimed


def published_of(guide: Guide, ids: Sequence[str]) -> Published:
    out = set(ids)
    return Published(tuple((ep.id, ep.status, ep.id in out) for ep in guide.episodes))


def files_match(output: Path, episode: EpisodeRecord) -> bool:
    """True when every recorded file exists with the recorded hash."""
    for rel, digest in episode.files:
        path = inside(output, rel)
        if path is None or not path.is_file() or sha256_file(path) != digest:
            return False
    return True


def book_piece(output: Path, episode_key: str) -> Path:
    """Where an episode's piece of the audiobook is kept, by the episode's key: in the
    output folder's own records (the clip cache may be read-only or shared)."""
    from audioguide.export.m4b import PIECE_FORMAT

    return output / RECORD_DIR / "audiobook" / f"{episode_key}-{PIECE_FORMAT}.aac"


def drop_old_pieces(output: Path, keep: Iterable[Path]) -> None:
    """Remove the pieces of episodes as they were before (an edit leaves one behind)."""
    wanted = {path.name for path in keep}
    for path in sorted((output / RECORD_DIR / "audiobook").glob("*.aac")):
        if path.name not in wanted:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def episode_stem(episode: Episode) -> str:
    return f"{episode.number:02d}-{episode.id}"


def result_of(
    episode: Episode, recorded: EpisodeRecord, output: Path, rebuilt: bool
) -> EpisodeResult:
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
        seconds=recorded.seconds,
        loudness=recorded.loudness,
        true_peak=recorded.true_peak,
        size=mp3.stat().st_size,
        chapters=recorded.chapters,
        rebuilt=rebuilt,
    )
