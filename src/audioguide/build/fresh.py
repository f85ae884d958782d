"""Whether a build would change nothing, told from a record of the last one before any
parser, speech engine or audio library is loaded: what makes a no-op build quick.

After a full build of an edition, `record` notes a stamp of everything that build read
(the scripts and the loader's code, through the guide cache's digest; sounds, cover and
voice models, and audioguide's own code, by size and modification time; the engines'
versions; the options) and the size and modification time of every file it is
responsible for in the output folder. `up_to_date` gives the reports of that build only
if all of it is still so. Anything else, a touched file included, means the full build
runs, and that decides episode by episode as always.

The record is kept in the cache folder, not the output: it holds modification times,
which differ between two folders built from the same scripts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from audioguide import __version__
from audioguide.build.report import Alternate, BuildReport
from audioguide.errors import AudioguideError
from audioguide.loader import guidecache
from audioguide.loader.editions import Edition, alternates_of, editions
from audioguide.model import Guide, voices_of
from audioguide.system.fsutil import atomic_write
from audioguide.system.trust import safe_relative

FORMAT = "fresh-v2"  # v2: output files by size, mtime and ctime
# Written by every build of the edition, whatever changed; never compared.
_SKIP = frozenset({".audioguide/lock"})
_STATE = ".audioguide/state.json"  # the one hidden file a record may name

Options = Mapping[str, object]


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def _output_stat(path: Path) -> list[int]:
    """Size, modification and change time of an output file.

    The change time (ctime) is set by the kernel on every write and no program can set
    it back, so a file damaged in place whose size and modification time were restored
    still shows. It costs nothing more than the stat the record needs anyway; hashing
    the files would cost a no-op build most of its time (goal 2 of the benchmarks).
    The price: anything else that changes a file's inode (chmod, a new hard link, a
    copy of the folder) also makes the next build a full one, which then finds the
    files whole by their hashes and rebuilds nothing.
    """
    try:
        st = path.stat()
    except OSError:
        return [-1, -1, -1]
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _engines(guide: Guide) -> list[str]:
    return sorted({v.engine for v, _ in voices_of(guide)})


def _code() -> list[list[object]]:
    package = Path(__file__).parents[1]
    # The page's templates (HTML, CSS, its script, the offline worker) are code too.
    paths = [*package.rglob("*.py"), *(package / "publish" / "templates").iterdir()]
    return [[p.relative_to(package).as_posix(), *_stat(p)] for p in sorted(paths)]


def stamp(edition: Edition, guide: Guide, options: Options) -> str:
    """A hash over every input of the edition's build that the record can vouch for."""
    from audioguide.speech.registry import engine_version

    payload = {
        "format": FORMAT,
        "audioguide": __version__,
        "code": _code(),
        "scripts": guidecache.digest(edition.scripts),
        "assets": [[str(p), *_stat(p)] for p in guidecache.asset_paths(guide)],
        "engines": {name: engine_version(name) for name in _engines(guide)},
        "options": options,
        "output": str(edition.output.resolve()),
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _record_path(cache_dir: Path, edition: Edition) -> Path:
    name = hashlib.sha256(str(edition.output.resolve()).encode()).hexdigest()[:32]
    return cache_dir / "fresh" / f"{name}.json"


def _responsible_for(output: Path, episode_files: Sequence[str]) -> list[str]:
    """The files a build of this edition keeps: its episodes', what the manifest lists,
    the manifest and the state. Other editions' folders and stray files are not ours."""
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    listed = [str(f["path"]) for f in manifest["files"]]
    found = {*episode_files, *listed, "manifest.json", _STATE}
    return sorted(found - _SKIP)


def record(
    cache_dir: Path, edition: Edition, guide: Guide, options: Options, episode_files: Sequence[str]
) -> None:
    """Note, after a full build of `edition`, what it read and what it left.

    Only a shortcut for the next build: in a read-only or full cache folder it is not
    kept, and the build that made the files still succeeds.
    """
    files = _responsible_for(edition.output, episode_files)
    data = {
        "stamp": stamp(edition, guide, options),
        "files": {rel: _output_stat(edition.output / rel) for rel in files},
    }
    blob = json.dumps(data, sort_keys=True).encode()
    with contextlib.suppress(OSError):
        atomic_write(_record_path(cache_dir, edition), blob)


def forget(cache_dir: Path, edition: Edition) -> None:
    with contextlib.suppress(OSError):
        os.unlink(_record_path(cache_dir, edition))


def is_fresh(cache_dir: Path, edition: Edition, guide: Guide, options: Options) -> bool:
    """True if a build of `edition` now would change nothing, by the record."""
    try:
        data = json.loads(_record_path(cache_dir, edition).read_text("utf-8"))
        files = data["files"]
        if not files or not all(safe_relative(rel) or rel == _STATE for rel in files):
            return False
        if any(_output_stat(edition.output / rel) != st for rel, st in files.items()):
            return False
        return bool(data["stamp"] == stamp(edition, guide, options))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, AudioguideError):
        return False  # the full build says what is wrong, if anything


def stale(
    cache_dir: Path, found: Sequence[tuple[Edition, Guide]], drafts: bool, base_url: str | None
) -> list[tuple[Edition, Guide]]:
    """The editions of `found` (with their guides) that a build now would change."""
    others = alternates_of(found)
    return [
        (edition, guide)
        for edition, guide in found
        if not is_fresh(cache_dir, edition, guide, settings(drafts, base_url, others[edition]))
    ]


def settings(drafts: bool, base_url: str | None, alternates: Sequence[Alternate]) -> Options:
    """The build options that change what an edition's files hold."""
    return {
        "drafts": drafts,
        "base_url": base_url,
        "alternates": [[a.title, a.language, a.folder] for a in alternates],
    }


def up_to_date(
    scripts: Path,
    output: Path,
    *,
    cache_dir: Path,
    drafts: bool = False,
    base_url: str | None = None,
) -> list[tuple[Edition, BuildReport]] | None:
    """The reports of the last build if building every edition now would change nothing;
    None if anything may have changed (then run the build)."""
    from audioguide.build.outputs import OutputOwnedError, check_owner
    from audioguide.build.state import WRITTEN_FOLDERS
    from audioguide.system.trust import check_folders

    found = []
    for edition in editions(scripts, output):
        check_folders(edition.output, WRITTEN_FOLDERS)  # a link out is refused, not fresh
        guide = guidecache.cached_guide(cache_dir, edition.scripts)
        if guide is None:
            return None
        try:
            check_owner(edition.output, edition.scripts)
        except OutputOwnedError:
            return None  # the full build says so
        found.append((edition, guide))
    others = alternates_of(found)
    for edition, guide in found:
        if not is_fresh(cache_dir, edition, guide, settings(drafts, base_url, others[edition])):
            return None
    return [(edition, report_of(edition, guide)) for edition, guide in found]


def report_of(edition: Edition, guide: Guide) -> BuildReport:
    """The report of the edition's last build, from its state: nothing rebuilt."""
    from audioguide.build.outputs import last_published
    from audioguide.build.state import load_state, result_of

    states = load_state(edition.output)
    results = tuple(
        result_of(ep, states[ep.id], edition.output, rebuilt=False)
        for ep in guide.episodes
        if ep.id in states
    )
    return BuildReport(guide, edition.output, results, 0, 0, last_published(edition.output))
