"""The guide the studio has open: its editions as last loaded, kept in step with the
disk, and the one way the studio writes a script.

Another editor's saves show up because every look at the workspace first compares the
guide folder's file stamps with the last look (`watch.snapshot`: a few stat calls), and
loads again what changed. A save is tried first on a shadow copy of the edition (its
scripts, with the new text, and links to its other files): if that copy has an error
the guide did not have, nothing is written and the errors are returned, at the lines
they would have in the real file. Otherwise the file is replaced atomically.

Every save is a compare-and-swap. The edit is a function of the file's text as it is
*now*, read under the workspace's lock: it checks that what it replaces is still what
the staff member saw (the sentence, the text of the part, the entry) and raises
`Conflict` otherwise. Just before the file is replaced it is read again; if another
program saved it meanwhile (during the trial), the edit is made again on that text, so
the other save is kept, or becomes a conflict. Nothing is ever silently overwritten.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from audioguide.build.places import display_path
from audioguide.build.session import BuildOptions
from audioguide.build.watch import snapshot
from audioguide.check.checks import Diagnostic
from audioguide.errors import Location
from audioguide.loader.editions import Edition
from audioguide.model import Episode, Guide
from audioguide.studio import pipeline
from audioguide.studio.yamledit import EditError
from audioguide.system.fsutil import atomic_write
from audioguide.system.tempfiles import private_folder, temp_name


class SaveRefused(Exception):
    """The save would add errors to the guide; nothing was written."""

    def __init__(self, errors: list[Diagnostic], what: str = "change") -> None:
        self.errors = errors
        self.what = what
        super().__init__("\n".join(e.line() for e in errors))


@dataclass(frozen=True)
class Retry:
    """The request that saves `mine` over `theirs` (the page's "Keep mine"); `field` is
    the key of the text in it, which "merge by hand" replaces."""

    url: str
    data: dict[str, Any]
    field: str


@dataclass(eq=False)
class Conflict(Exception):
    """What the edit replaces changed since the page was loaded; nothing was written."""

    message: str
    mine: str | None = None
    theirs: str | None = None  # None: it is no longer in the file
    retry: Retry | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_json(self) -> dict[str, Any]:
        retry = self.retry
        return {
            "mine": self.mine,
            "theirs": self.theirs,
            "retry": {"url": retry.url, "data": retry.data, "field": retry.field}
            if retry
            else None,
            **self.extra,
        }


Edit = Callable[[str], str]  # the file's text now -> its new text (or Conflict/EditError)
SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class Found:
    """An episode and where it is: its edition, guide and file."""

    loaded: pipeline.Checked
    guide: Guide
    episode: Episode
    path: Path


class Workspace:
    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.scripts, self.output, self.cache_dir = (
            options.scripts,
            options.output,
            options.cache_dir,
        )
        self.version = 0
        self._stamps: dict[str, tuple[int, int]] | None = None
        self._loaded: list[pipeline.Checked] = []
        self._lock = threading.RLock()

    def editions(self) -> list[pipeline.Checked]:
        """Every edition, loaded again if a file under the guide folder changed."""
        with self._lock:
            now = snapshot(self.scripts, (self.output, self.cache_dir))
            if now != self._stamps:
                self._stamps = now
                found = pipeline.find_editions(self.scripts, self.output)
                self._loaded = [pipeline.check_edition(e, self.cache_dir) for e in found]
                for checked in self._loaded:
                    pipeline.remember(checked, self.cache_dir)
                self.version += 1
            return list(self._loaded)

    def edition(self, name: str) -> pipeline.Checked | None:
        return next((e for e in self.editions() if e.edition.name == name), None)

    def find(self, edition: str, episode_id: str) -> Found | None:
        """The episode, also while another episode's file of the edition is broken."""
        loaded = self.edition(edition)
        guide = loaded.usable if loaded else None
        if loaded is None or guide is None:
            return None
        for ep in guide.episodes:
            if ep.id == episode_id:
                path = self.script_path(loaded.edition, ep.where.path)
                return Found(loaded, guide, ep, path) if path else None
        return None

    def script_path(self, edition: Edition, shown: str) -> Path | None:
        """The file a location names, if it is inside the edition's folder."""
        path = Path(shown).resolve()
        root = edition.scripts.resolve()
        return path if path.is_relative_to(root) and path.is_file() else None

    def guide_file(self, edition: Edition) -> Path:
        return edition.scripts / "guide.yaml"

    def save(self, edition: Edition, path: Path, edit: Edit, what: str = "change") -> str:
        """Apply `edit` to the script `path` of `edition` and write it, unless the edit
        conflicts or adds an error; the text written."""
        if path.is_symlink():
            raise EditError(
                f"{path.name} is a link to {path.resolve()}; the studio does not write "
                "through links: edit that file in a text editor, or replace the link by the file"
            )
        with self._lock:
            for _ in range(SAVE_ATTEMPTS):
                was = path.read_bytes()
                source = _decoded(was, path)
                new = edit(source)
                before = self.edition(edition.name)
                tried = self._try(edition, path, new)
                old = pipeline.errors_of(before) if before else ()
                new_errors = _added(old, pipeline.errors_of(tried))
                if new_errors:
                    raise SaveRefused(new_errors, what)
                if path.read_bytes() != was:
                    continue  # saved by another program during the trial: edit that text
                atomic_write(path, new.encode("utf-8"))
                # Loaded again now, so the Play that follows a Save finds it loaded.
                self._stamps = None
                self.editions()
                return new
        raise Conflict(f"{path.name} keeps changing on disk; wait until it is saved, then reload")

    def create(self, edition: Edition, path: Path, source: str, what: str) -> None:
        """Write the new script `path` of `edition`, unless a file of that name appeared
        meanwhile (a conflict) or it adds an error to the guide."""
        with self._lock:
            if os.path.lexists(path):
                raise Conflict(f"{path.name} exists already: reload the page, then add it again")
            before = self.edition(edition.name)
            tried = self._try(edition, path, source)
            old = pipeline.errors_of(before) if before else ()
            new_errors = _added(old, pipeline.errors_of(tried))
            if new_errors:
                raise SaveRefused(new_errors, what)
            _create_new(path, source.encode("utf-8"))
            self._stamps = None
            self.editions()

    def swap_numbers(self, first: Path, second: Path) -> tuple[str, str]:
        """Swap the numbers that start the names of two episode files (their order in
        the guide); the new names. Both must still be as the page showed them."""
        with self._lock:
            numbered = [re.match(r"(\d+)(.*)\Z", p.name) for p in (first, second)]
            if not all(numbered) or not all(
                p.is_file() and not p.is_symlink() for p in (first, second)
            ):
                raise Conflict(
                    "the episode files changed on disk (or are not numbered): reload the page"
                )
            (n1, rest1), (n2, rest2) = (m.groups() for m in numbered if m)
            new_first, new_second = first.with_name(n2 + rest1), second.with_name(n1 + rest2)
            if any(os.path.lexists(p) for p in {new_first, new_second} - {first, second}):
                raise Conflict(
                    f"{new_first.name} or {new_second.name} exists already: reload the page"
                )
            # Through a hidden name, which the guide does not read, so that at no moment
            # two files hold one name or one episode is read twice.
            moving = first.with_name(f".studio-moving-{os.getpid()}-{first.name}")
            os.replace(first, moving)
            try:
                os.replace(second, new_second)
            except OSError:
                os.replace(moving, first)
                raise
            os.replace(moving, new_first)
            self._stamps = None
            self.editions()
            return new_first.name, new_second.name

    def _try(self, edition: Edition, path: Path, source: str) -> pipeline.Checked:
        """The edition loaded with `source` in place of `path`, on a shadow copy."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # In the cache, mostly on the guide's file system, where the copy's links can be
        # made; the next start sweeps it away if its studio was killed.
        with private_folder("studio-try", self.cache_dir) as shadow_parent:
            shadow = shadow_parent / (edition.scripts.resolve().name or "guide")
            _mirror(edition.scripts.resolve(), shadow)
            target = shadow / path.resolve().relative_to(edition.scripts.resolve())
            target.unlink(missing_ok=True)
            target.write_text(source, encoding="utf-8")
            tried = pipeline.check_edition(replace(edition, scripts=shadow), self.cache_dir)
            return _moved(tried, display_path(shadow), display_path(edition.scripts))


def _create_new(path: Path, data: bytes) -> None:
    """`path` with `data`, whole at once, only if no file of that name exists: a temp
    file linked into place (a link never replaces a file), renamed where links fail."""
    tmp = temp_name(path)
    try:
        tmp.write_bytes(data)
        try:
            os.link(tmp, path)
        except FileExistsError as exc:
            raise Conflict(f"{path.name} was just made by someone else: reload the page") from exc
        except OSError:  # a file system without links
            if os.path.lexists(path):
                raise Conflict(
                    f"{path.name} was just made by someone else: reload the page"
                ) from None
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _decoded(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Conflict(f"{path.name} is not UTF-8 text now; fix it in a text editor") from exc


def _mirror(source: Path, dest: Path) -> None:
    """`dest` as a copy of the edition folder `source`: scripts copied, other files
    hard-linked (copied where a link cannot be made); hidden folders and nested editions
    left out."""
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        dirs[:] = [
            d for d in dirs if not d.startswith(".") and not (here / d / "guide.yaml").is_file()
        ]
        target = dest / here.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for name in [d for d in dirs if (here / d).is_symlink()]:
            dirs.remove(name)
            _mirror_link(here / name, source, dest, target / name)
        for name in files:
            src = here / name
            if src.is_symlink():
                _mirror_link(src, source, dest, target / name)
                continue
            if not src.is_file():
                continue
            if src.suffix in (".yaml", ".yml"):
                shutil.copyfile(src, target / name)
                continue
            try:
                os.link(src, target / name)
            except OSError:
                with contextlib.suppress(OSError):
                    shutil.copyfile(src, target / name)


def _mirror_link(link: Path, source: Path, dest: Path, copy: Path) -> None:
    """A symlink of the guide, in the copy: one that stays inside the guide points to
    the same file of the copy (so `check` finds it inside, as in the real folder); one
    that leads out keeps leading out (so `check` says what it says of the real one)."""
    try:
        real = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return  # a broken link: missing in the copy too
    with contextlib.suppress(OSError):
        inside = real.is_relative_to(source)
        os.symlink(dest / real.relative_to(source) if inside else real, copy)


def _moved(loaded: pipeline.Checked, shadow: str, real: str) -> pipeline.Checked:
    """Diagnostics of the shadow copy, as they read for the real folder."""

    def fix(text: str) -> str:
        return text.replace(shadow, real)

    moved = tuple(
        replace(
            d,
            where=Location(fix(d.where.path), d.where.line, d.where.col),
            message=fix(d.message),
            hint=fix(d.hint),
        )
        for d in loaded.diagnostics
    )
    return replace(loaded, diagnostics=moved, guide=None, healthy=None)


def _added(before: tuple[Diagnostic, ...], after: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    """Errors in `after` that `before` did not have (by file and words: a line may move)."""
    old = Counter((d.where.path, d.message, d.hint) for d in before)
    added = []
    for d in after:
        key = (d.where.path, d.message, d.hint)
        if old[key]:
            old[key] -= 1
        else:
            added.append(d)
    return added
