"""Whether a build would change nothing, told from the output's record before any
parser, speech engine or audio library is loaded: what makes a no-op build quick.

A full build of an edition ends by stamping its record (`build.record`): a hash of
everything it read (the scripts and the loader's code, through the guide cache's
digest; sounds, cover and voice models, and audioguide's own code, by size and
modification time; the engines' versions; the options) and the size, modification and
change time of every file it is responsible for in the output folder. `up_to_date`
gives the reports of that build only if all of it is still so. Anything else, a touched
file included, means the full build runs, and that decides episode by episode, by each
episode's key and the hashes of its files: the no-op is the case where that would find
every episode unchanged, told without hashing a file.

`Memo` keeps, for one build, each edition's record as read and its inputs' hash as
made, so the shortcut, the session's checks and the stage runner read each once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from audioguide import __version__
from audioguide.build.record import OutputRecord, Stamp, body_digest, read_record
from audioguide.build.report import Alternate, BuildReport
from audioguide.errors import AudioguideError
from audioguide.loader import guidecache
from audioguide.loader.editions import Edition, alternates_of, editions
from audioguide.model import Guide, voices_of

FORMAT = "fresh-v3"  # v2: output files by size, mtime and ctime; v3: in the record

Options = Mapping[str, object]


def _stat(path: Path) -> list[int]:
    try:
        st = path.stat()
    except OSError:
        return [-1, -1]
    return [st.st_size, st.st_mtime_ns]


def _output_stat(path: Path) -> tuple[int, int, int]:
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
        return (-1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _engines(guide: Guide) -> list[str]:
    return sorted({v.engine for v, _ in voices_of(guide)})


@functools.cache  # the code this process runs: read once, as it was loaded
def _code() -> tuple[tuple[str, int, int], ...]:
    """Each source file of the package, and the page's templates (HTML, CSS, its
    script, the offline worker: code too), by size and modification time.

    os.walk and plain strings: a no-op build reads this, and pathlib's rglob and
    relative_to over some 150 files cost it a tenth of its time.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    templates = os.path.join(package, "publish", "templates")
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if name.endswith(".py") or folder == templates:
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                rel = os.path.relpath(path, package).replace(os.sep, "/")
                found.append((rel, st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


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


def sealed(output: Path, record: OutputRecord, inputs: str, files: Iterable[str]) -> OutputRecord:
    """`record` stamped, after a full build that read `inputs` and left `files` (paths
    relative to `output`: the episodes' and the published ones)."""
    stats = tuple((rel, _output_stat(output / rel)) for rel in sorted(set(files)))
    return replace(record, stamp=Stamp(inputs, body_digest(record), stats))


def vouched(output: Path, record: OutputRecord) -> bool:
    """Whether the record's stamp still holds for the files in `output` and the record
    itself (its inputs are `Memo.is_fresh`'s to compare)."""
    stamp = record.stamp
    if stamp is None or not stamp.files or stamp.body != body_digest(record):
        return False
    return all(_output_stat(output / rel) == st for rel, st in stamp.files)


class Memo:
    """One build's reading of its editions' records, and the hash of each edition's
    inputs: each made once, however many steps ask."""

    def __init__(self) -> None:
        self._records: dict[Path, OutputRecord] = {}
        self._inputs: dict[Path, tuple[Guide, Options, str]] = {}

    def record(self, output: Path) -> OutputRecord:
        if output not in self._records:
            self._records[output] = read_record(output)
        return self._records[output]

    def inputs(self, edition: Edition, guide: Guide, options: Options) -> str:
        known = self._inputs.get(edition.output)
        if known is not None and known[0] == guide and known[1] == options:
            return known[2]
        made = stamp(edition, guide, options)
        self._inputs[edition.output] = (guide, options, made)
        return made

    def is_fresh(self, edition: Edition, guide: Guide, options: Options) -> bool:
        """True if a build of `edition` now would change nothing, by its record."""
        record = self.record(edition.output)
        try:
            if not vouched(edition.output, record):
                return False
            return record.stamp is not None and (
                record.stamp.inputs == self.inputs(edition, guide, options)
            )
        except (OSError, AudioguideError):
            return False  # the full build says what is wrong, if anything


def stale(
    memo: Memo, found: Sequence[tuple[Edition, Guide]], drafts: bool, base_url: str | None
) -> list[tuple[Edition, Guide]]:
    """The editions of `found` (with their guides) that a build now would change."""
    others = alternates_of(found)
    return [
        (edition, guide)
        for edition, guide in found
        if not memo.is_fresh(edition, guide, settings(drafts, base_url, others[edition]))
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
    memo: Memo | None = None,
) -> list[tuple[Edition, BuildReport]] | None:
    """The reports of the last build if building every edition now would change nothing;
    None if anything may have changed (then run the build, with the same `memo`)."""
    from audioguide.build.outputs import WRITTEN_FOLDERS, OutputOwnedError, check_owner
    from audioguide.system.trust import check_folders

    memo = memo or Memo()
    found = []
    for edition in editions(scripts, output):
        check_folders(edition.output, WRITTEN_FOLDERS)  # a link out is refused, not fresh
        guide = guidecache.cached_guide(cache_dir, edition.scripts)
        if guide is None:
            return None
        try:
            check_owner(edition.output, memo.record(edition.output), edition.scripts)
        except OutputOwnedError:
            return None  # the full build says so
        found.append((edition, guide))
    if stale(memo, found, drafts, base_url):
        return None
    return [(e, report_of(e, g, memo.record(e.output))) for e, g in found]


def report_of(edition: Edition, guide: Guide, record: OutputRecord) -> BuildReport:
    """The report of the edition's last build, from its record: nothing rebuilt."""
    from audioguide.build.outputs import result_of

    episodes = record.episodes
    results = tuple(
        result_of(ep, episodes[ep.id], edition.output, rebuilt=False)
        for ep in guide.episodes
        if ep.id in episodes
    )
    return BuildReport(guide, edition.output, results, 0, 0, record.published)
