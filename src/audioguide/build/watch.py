"""`audioguide watch`: build again each time a script is saved.

Polling: every `interval` seconds the modification time and size of every file under
the scripts folder are compared with the last look. That needs no new dependency, costs
a few stat calls (a guide has tens of files), and works the same on every system and
on network shares, where change notifications often do not.

A broken save prints its errors and the loop goes on; the next save builds again.
`sleep` and `polls` are parameters so that tests can edit files between polls.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import AudioguideError, ScriptErrors, failure_of
from audioguide.speech.base import EngineFactory

Stamps = dict[str, tuple[int, int]]
Echo = Callable[[str], None]


def _ignored(rel: Path) -> bool:
    # Editors' swap, backup and temp files; hidden folders (.git, caches).
    return any(part.startswith(".") for part in rel.parts) or rel.name.endswith(("~", ".swp"))


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> Stamps:
    """Modification time and size of every file under `root`, by relative path.

    `skip` are folders not to look into: an output or cache folder inside the scripts
    would otherwise make every build look like a change.
    """
    stamps: Stamps = {}
    if not root.is_dir():
        return stamps
    skipped = [p.resolve() for p in skip]
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if _ignored(rel):
            continue
        try:
            if any(path.resolve().is_relative_to(p) for p in skipped):
                continue
            st = path.stat()
        except (OSError, RuntimeError):  # removed while we looked; a symlink loop
            # A loop is still a change to notice: the build reports it properly.
            stamps[rel.as_posix()] = (-1, -1)
            continue
        if stat.S_ISREG(st.st_mode):
            stamps[rel.as_posix()] = (st.st_mtime_ns, st.st_size)
    return stamps


def changes(before: Stamps, after: Stamps) -> list[str]:
    """What differs between two snapshots, as 'added x', 'changed y', 'removed z'."""
    found = [f"changed {p}" for p in sorted(after) if p in before and before[p] != after[p]]
    found += [f"added {p}" for p in sorted(after) if p not in before]
    found += [f"removed {p}" for p in sorted(before) if p not in after]
    return found


@dataclass(frozen=True)
class Options:
    """What each rebuild is given (as `audioguide build` takes it)."""

    cache_dir: Path
    jobs: int = 1
    drafts: bool = False
    engine_factory: EngineFactory | None = None


def rebuild(scripts: Path, output: Path, options: Options, echo: Echo) -> bool:
    """Build every edition once; print what was rebuilt or what is wrong. True if built.

    The same steps as `audioguide build` (`session.build`): every edition loads and is
    checked before any is built, so a mistake touches no output; the stale editions build
    side by side on one pool of workers, and the record of the build answers the next
    save that changes nothing.
    """
    from audioguide import BuildOptions, build_guide
    from audioguide.build.summary import plural

    started = time.monotonic()
    build_options = BuildOptions(
        scripts,
        output,
        options.cache_dir,
        jobs=options.jobs,
        drafts=options.drafts,
        engine_factory=options.engine_factory,
    )
    try:
        reports = build_guide(build_options)
    except (AudioguideError, OSError) as exc:  # the scripts, the engine, ffmpeg or the disk
        failure = failure_of(exc)
        if failure is None:
            raise
        for line in failure.lines:
            echo(line)
        if not failure.scripted:
            echo("Not built; waiting for the next save.")
        else:
            lines = "lines" if isinstance(exc, ScriptErrors) else "line"
            echo(f"Not built: fix the {lines} above and save again.")
        return False
    for edition, report in reports:
        where = f"{edition.output}/"
        rebuilt = [ep.mp3.stem for ep in report.episodes if ep.rebuilt]
        if rebuilt:
            echo(
                f"Rebuilt {', '.join(rebuilt)} ({len(rebuilt)} of "
                f"{plural(len(report.episodes), 'episode')}) in {where}"
            )
        else:
            count = plural(len(report.episodes), "episode")
            echo(f"No episode changed: {count} up to date in {where}")
    echo(f"Done in {time.monotonic() - started:.1f} s; waiting for the next save.")
    return True


def watch(
    scripts: Path,
    output: Path,
    options: Options,
    *,
    echo: Echo = print,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    polls: int | None = None,
) -> int:
    """Build now, then again after every change, until `polls` looks (or Ctrl-C, which
    the caller handles). Returns how many builds were tried."""
    echo(f"Watching {scripts}/ for changes (Ctrl-C to stop).")
    last: Stamps | None = None
    builds = 0
    looked = 0
    skip = (output, options.cache_dir)
    while polls is None or looked < polls:
        now = snapshot(scripts, skip)
        if now != last:
            if last is not None:
                echo("Saved: " + "; ".join(changes(last, now)))
            last = now
            rebuild(scripts, output, options, echo)
            builds += 1
        looked += 1
        if polls is None or looked < polls:
            sleep(interval)
    return builds
