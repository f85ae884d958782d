"""Safe YAML reading: every script file checked before it is parsed (a plain file,
not too big or too deep), parsed with one ruamel parser per load, and every mistake
collected with its file, line and column (`Collector`)."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from audioguide.build import places
from audioguide.build.places import display_path
from audioguide.errors import Location, ScriptError, ScriptErrors
from audioguide.loader import yaml_hints as layout
from audioguide.loader.episode_files import scripts_under

GUIDE_FILE = "guide.yaml"
# Limits that keep a load within a second and a few megabytes whatever a file holds.
# ruamel's round-trip parser costs some 50 us per YAML value and, inside brackets, time
# that grows with the square of the depth (10,000 nested `[` took minutes), so values
# and depth are counted while parsing. A real episode has ~150 values and 3 levels;
# its text is ~5 kB (250 kB is over an hour of speech).
MAX_SCRIPT_BYTES = 250_000
MAX_VALUES = 2_000
MAX_DEPTH = 40


@dataclass(frozen=True)
class VoiceUse:
    """A voice as a script sets it (`engine` and `name` resolved over what it inherits)."""

    engine: str
    name: str
    where: Location  # the `name` value


@dataclass(frozen=True)
class Sources:
    """Where things are written, for the checks the `Guide` alone cannot place.

    `texts` holds each script as read (by its display path), so a check can point at the
    line of a word; `places` the values of guide.yaml by key (`language`, `intro`...).
    """

    texts: Mapping[str, str]
    places: Mapping[str, Location]
    lexicon: tuple[Location, ...]  # the word of each `Guide.lexicon` entry, in order
    voices: tuple[VoiceUse, ...]


def guide_name(root: Path) -> str:
    """The guide folder as staff know it ("." says nothing: its full path)."""
    shown = display_path(root)
    return os.path.abspath(root) if shown in (".", "") else shown


def error_order(e: ScriptError) -> tuple[str, int, int]:
    return (e.where.path, e.where.line, e.where.col)


class Collector:
    """Collects script errors; `fail` records one and returns None for easy chaining.

    It also gathers the `Sources` of the load, as it is handed to every step.
    """

    def __init__(self) -> None:
        self.items: list[ScriptError] = []
        self.texts: dict[str, str] = {}
        self.places: dict[str, Location] = {}
        self.lexicon: list[Location] = []
        self.voices: list[VoiceUse] = []

    def fail(self, where: Location, message: str, hint: str = "") -> None:
        self.items.append(ScriptError(where, message, hint))

    def sources(self) -> Sources:
        return Sources(dict(self.texts), dict(self.places), tuple(self.lexicon), tuple(self.voices))


def location_of(path: str, line_col: tuple[int, int] | None) -> Location:
    if line_col is None:
        return Location(path)
    return Location(path, line_col[0] + 1, line_col[1] + 1)


_DEEP = (
    f"lists and mappings nested more than {MAX_DEPTH} deep",
    "a script needs only a few levels: check the brackets and the indentation",
)


class _Refused(YAMLError):
    """A document the loader will not finish parsing (see `_BoundedParser`)."""

    def __init__(self, mark: StreamMark, message: str, hint: str) -> None:
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


class _BoundedParser(RoundTripParser):
    """The round-trip parser, stopped at the first alias, or when the values or the nesting
    pass the limits: the composer takes every event from `get_event`, so nothing beyond
    the limit is ever scanned, built or recursed into."""

    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._depth = 0
        self._values = 0

    def get_event(self) -> Any:
        event = super().get_event()
        if isinstance(event, AliasEvent):  # "billion laughs" needs aliases: none at all
            raise _Refused(
                event.start_mark,
                "YAML aliases (*name) are not supported",
                "write the value out in full",
            )
        if isinstance(event, ScalarEvent) and event.value == "<<" and not event.style:
            # A merged key has no position of its own, so no error could point at it.
            raise _Refused(
                event.start_mark,
                "YAML merge keys (<<) are not supported",
                "write the keys out in full",
            )
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(event.start_mark, *_DEEP)
        elif isinstance(event, CollectionEndEvent):
            self._depth -= 1
        self._values += 1
        if self._values > MAX_VALUES:
            raise _Refused(
                event.start_mark,
                f"script holds more than {MAX_VALUES:,} YAML values",
                "split it into episodes",
            )
        return event


class _Constructor(RoundTripConstructor):
    """Round-trip construction where a value that cannot be built is a marked error.

    ruamel raises bare ValueError, AssertionError... for some tagged or malformed values
    (`!!float abc`, `!!omap` with a repeated key); they get the value's position here.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (MarkedYAMLError, RecursionError):
            raise
        except Exception as exc:  # third-party code: any failure is a bad value here
            raise ConstructorError(
                None,
                None,
                f"cannot read this value ({str(exc) or type(exc).__name__})",
                node.start_mark,
            ) from None

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        # 2026-02-30 looks like a date but is none: keep the text, and let the date
        # checks say what is wrong with it instead of failing inside the parser.
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError):
            return str(node.value)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _NotAFile(Exception):
    pass


def _read_capped(path: Path) -> bytes:
    """The file's bytes; larger than MAX_SCRIPT_BYTES -> OverflowError, before reading it.

    The size is taken from stat first, and at most one byte over the cap is ever read,
    so a huge file, a device or a file that grows while read costs no memory. A pipe
    is refused before it is opened (opening one blocks until someone writes to it).
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _NotAFile()
    if info.st_size > MAX_SCRIPT_BYTES:
        raise OverflowError(info.st_size)
    # Non-blocking, in case the file was swapped for a pipe since the stat.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotAFile()
        raw = f.read(MAX_SCRIPT_BYTES + 1)
    if len(raw) > MAX_SCRIPT_BYTES:
        raise OverflowError(len(raw))
    return raw


def check_files(root: Path) -> None:
    """Raise ScriptErrors for a `*.yaml` under `root` that is not a plain file of at most
    MAX_SCRIPT_BYTES, without opening any.

    For whatever reads every script before the loader does (the guide cache hashes them
    all): it would block on a pipe, never finish a device, or read a 50 MB file whole.
    """
    errors = Collector()
    for path in scripts_under(root) if root.is_dir() else ():
        shown = display_path(path)
        try:
            info = path.stat()
        except OSError as exc:  # a symlink loop, no permission
            errors.fail(Location(shown, 1, 1), f"cannot read: {exc.strerror or exc}")
            continue
        if not stat.S_ISREG(info.st_mode):
            errors.fail(Location(shown, 1, 1), *_NOT_A_FILE)
        elif info.st_size > MAX_SCRIPT_BYTES:
            errors.fail(Location(shown, 1, 1), *_too_big(info.st_size))
    if errors.items:
        raise ScriptErrors(sorted(errors.items, key=error_order))


_NOT_A_FILE = ("not a regular file", "a script is a .yaml text file")


def _too_big(size: int) -> tuple[str, str]:
    return (
        f"script is {size:,} bytes, more than the {MAX_SCRIPT_BYTES:,} allowed",
        "split it into episodes",
    )


_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep(source: str) -> int | None:
    """Where brackets first nest more than MAX_DEPTH deep, or None.

    Needed before parsing: ruamel's scanner reads a whole run of opening brackets ahead
    (each may start a key) in time that grows with the square of their number. Brackets
    in text count too, but a script never holds dozens unclosed.
    """
    depth = 0
    for match in _BRACKET.finditer(source):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif depth:
            depth -= 1
    return None


def _position(source: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


# Characters no script needs, that YAML's escapes ("\0", "\x07", "\ud800") can still put
# into a value: C0 controls but tab and line breaks, DEL, and lone surrogates (which
# cannot be written as UTF-8, so a title holding one would fail when tagged or published).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _check_text(data: Any, path: str, errors: Collector) -> None:
    """Report control characters in any key or value (iterative: the depth is capped)."""
    stack: list[tuple[Any, Location]] = [(data, Location(path, 1, 1))]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            bad = _CONTROL.search(value)
            if bad:
                errors.fail(
                    where,
                    f"control character U+{ord(bad.group()):04X} in the text",
                    "remove it; it may have come with copied text",
                )
        elif isinstance(value, CommentedMap):
            for key, item in value.items():
                stack.append((key, location_of(path, value.lc.key(key))))
                stack.append((item, location_of(path, value.lc.value(key))))
        elif isinstance(value, CommentedSeq):
            stack.extend(
                (item, location_of(path, value.lc.item(i))) for i, item in enumerate(value)
            )


def read_yaml(path: Path, errors: Collector, needs: str = "") -> Any:
    """Parse one file; on any failure record an error and return None.

    `needs` says what the file should hold, for the hint when it is empty.
    """
    shown = display_path(path)
    try:
        raw = _read_capped(path)
    except FileNotFoundError:
        errors.fail(Location(shown), "file not found", places.misnamed_hint(path))
        return None
    except OverflowError as exc:
        errors.fail(Location(shown, 1, 1), *_too_big(exc.args[0]))
        return None
    except _NotAFile:
        errors.fail(Location(shown, 1, 1), *_NOT_A_FILE)
        return None
    except OSError as exc:  # a folder, no permission, a symlink loop...
        errors.fail(Location(shown, 1, 1), f"cannot read: {exc.strerror or exc}")
        return None
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        errors.fail(Location(shown, line, col), "not valid UTF-8 text", "save the file as UTF-8")
        return None
    errors.texts[shown] = source
    deep = _too_deep(source)
    if deep is not None:
        errors.fail(Location(shown, *_position(source, deep)), *_DEEP)
        return None
    yaml = YAML(typ="rt")  # one instance per load: instances are not thread-safe
    yaml.Parser = _BoundedParser
    yaml.Constructor = _Constructor
    try:
        data = yaml.load(source)
    except _Refused as exc:
        where = Location(shown, exc.mark.line + 1, exc.mark.column + 1)
        errors.fail(where, exc.message, exc.hint)
        return None
    except ReaderError as exc:
        line, col = _position(source, exc.position)
        errors.fail(
            Location(shown, line, col),
            f"control character U+{exc.character:04X} in the text"
            if isinstance(exc.character, int)
            else "unreadable character",
            "remove it; it may have come with copied text",
        )
        return None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        problem = exc.problem or exc.context or "invalid YAML"
        found = layout.explain(source, exc)
        if found is not None:
            errors.fail(Location(shown, found.line, found.col), found.message, found.hint)
            return None
        tabbed = "\t" in source and ("tab" in problem or "'\\t'" in problem)
        hint = "indent with spaces, not tabs" if tabbed else "check the YAML syntax"
        errors.fail(where, f"YAML syntax error: {problem}", hint)
        return None
    except RecursionError:
        errors.fail(Location(shown, 1, 1), "YAML nested too deeply")
        return None
    except YAMLError as exc:
        errors.fail(Location(shown, 1, 1), f"YAML error: {' '.join(str(exc).split())}")
        return None
    if data is None:
        errors.fail(Location(shown, 1, 1), "the file is empty", needs)
        return None
    _check_text(data, shown, errors)
    return data
