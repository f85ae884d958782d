"""Load `guide.yaml` and its episodes into a checked `Guide`.

Every mistake is collected with its file, line and column, then raised together as one
`ScriptErrors`, so staff see all of them after one run (mkdocs does the same).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import errno
import os
import re
import stat
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from audioguide import layout, places, text
from audioguide.engines.registry import ENGINES, EngineInfo, info
from audioguide.episode_files import episode_files, scripts_under, strays
from audioguide.errors import Location, ScriptError, ScriptErrors
from audioguide.model import (
    SEGMENT_KINDS,
    STATUSES,
    Chapter,
    Episode,
    Guide,
    Mastering,
    Pause,
    Pauses,
    Say,
    Segment,
    Sound,
    Source,
    Voice,
    ranges,
    staff_keys,
)
from audioguide.places import display_path

GUIDE_FILE = "guide.yaml"
EPISODES_DIR = "episodes"
# Limits that keep a load within a second and a few megabytes whatever a file holds.
# ruamel's round-trip parser costs some 50 us per YAML value and, inside brackets, time
# that grows with the square of the depth (10,000 nested `[` took minutes), so values
# and depth are counted while parsing. A real episode has ~150 values and 3 levels;
# its text is ~5 kB (250 kB is over an hour of speech).
MAX_SCRIPT_BYTES = 250_000
MAX_VALUES = 2_000
MAX_DEPTH = 40
MAX_PAUSE_SECONDS = 60.0
TEMPLATE_FIELDS = ("guide", "number", "total", "title")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
LANGUAGE_RE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*\Z")
DURATION_RE = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(ms|s)\s*\Z")
AUDIO_MAGIC = (b"RIFF", b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


# RIFF files that are not sound (a video, a picture, an icon).
NOT_AUDIO_RIFF = (b"AVI ", b"WEBP", b"ACON", b"CDXA")


def _is_audio(head: bytes) -> bool:
    """The first 12 bytes look like WAV, MP3, FLAC or Ogg."""
    if head.startswith(b"RIFF") and head[8:12] in NOT_AUDIO_RIFF:
        return False
    return head.startswith(AUDIO_MAGIC)


# Derived from the model's field declarations (`model.doc`), the one place they are made.
RANGES = ranges()
GUIDE_KEYS = staff_keys(Guide)
EPISODE_KEYS = staff_keys(Episode)

T = TypeVar("T")


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


class _Errors:
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


def _loc(path: str, line_col: tuple[int, int] | None) -> Location:
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
    errors = _Errors()
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
        raise ScriptErrors(sorted(errors.items, key=_order))


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


def _check_text(data: Any, path: str, errors: _Errors) -> None:
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
                stack.append((key, _loc(path, value.lc.key(key))))
                stack.append((item, _loc(path, value.lc.value(key))))
        elif isinstance(value, CommentedSeq):
            stack.extend((item, _loc(path, value.lc.item(i))) for i, item in enumerate(value))


def _read_yaml(path: Path, errors: _Errors, needs: str = "") -> Any:
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


class _Map:
    """A YAML mapping with positions, and the checks every section shares."""

    def __init__(self, data: CommentedMap, path: str, errors: _Errors) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.where = _loc(path, (data.lc.line, data.lc.col))
        self.suggested: set[str] = set()  # keys a "did you mean" already points at

    def key_loc(self, key: str) -> Location:
        return _loc(self.path, self.data.lc.key(key))

    def value_loc(self, key: str) -> Location:
        return _loc(self.path, self.data.lc.value(key))

    def check_keys(self, allowed: list[str] | tuple[str, ...], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(allowed)
                hint = layout.misplaced_key(key, self.data[key], allowed) or hint
                self.suggested.update(close)
                self.errors.fail(self.key_loc(key), f"unknown key '{key}' in {what}", hint)

    def has(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        if key not in self.data:
            if required and key not in self.suggested:
                self.errors.fail(self.where, f"missing required key '{key}'")
            return default or ""
        value = self.data[key]
        if isinstance(value, dt.date):  # YAML reads 2026-11-25 as a date
            return value.isoformat()
        if not isinstance(value, str):
            self.errors.fail(
                self.value_loc(key),
                f"'{key}' must be text, not {_kind(value)}",
                "put the value in quotes",
            )
            return default or ""
        stripped = str(value).strip()
        if required and not stripped:
            self.errors.fail(self.value_loc(key), f"'{key}' must not be empty")
        return stripped

    def section(self, key: str) -> _Map | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, CommentedMap):
            self.errors.fail(self.value_loc(key), f"'{key}' must be a mapping of keys to values")
            return None
        return _Map(value, self.path, self.errors)


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _short(value: object, limit: int = 40) -> str:
    """A value as quoted in a message: a pasted page would drown the message."""
    shown = str(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def parse_duration(value: object) -> tuple[float | None, str, str]:
    """Seconds from `800ms` / `1.5s`, or (None, message, hint)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, f"a duration must be text like 800ms or 1.5s, not {_kind(value)}", ""
    if not isinstance(value, str):
        hint = layout.bare_number_duration(value, MAX_PAUSE_SECONDS)
        return None, f"duration {value} has no unit", hint
    match = DURATION_RE.match(value)
    value = _short(value)
    if not match:
        return None, f"'{value}' is not a duration", "write it like 800ms or 1.5s"
    number, unit = float(match[1]), match[2]
    seconds = number / 1000 if unit == "ms" else number
    if seconds < 0:
        return None, f"duration '{value}' is negative", "pauses must be 0 or more"
    if seconds > MAX_PAUSE_SECONDS:
        return None, f"duration '{value}' is longer than a minute", "use a shorter pause"
    return seconds, "", ""


def _options(cls: type[T], section: _Map | None, base: T, what: str) -> T:
    """Fill a dataclass of options from a YAML mapping, over `base`'s values."""
    if section is None:
        return base
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    section.check_keys(list(fields), what)
    changes: dict[str, object] = {}
    for name, fld in fields.items():
        if name not in section.data:
            continue
        value = section.data[name]
        where = section.value_loc(name)
        converted = _convert(cls, name, fld, value, where, section.errors)
        if converted is not None:
            changes[name] = converted
    return dataclasses.replace(base, **changes)  # type: ignore[type-var]


def _convert(
    cls: type,
    name: str,
    fld: dataclasses.Field[Any],
    value: object,
    where: Location,
    errors: _Errors,
) -> object | None:
    kind = fld.metadata.get("kind", "")
    if kind == "duration":
        seconds, message, hint = parse_duration(value)
        if seconds is None:
            errors.fail(where, f"'{name}': {message}", hint)
        return seconds
    if fld.type in ("str", str):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return value.strip()
        errors.fail(where, f"'{name}' must be text, not {_kind(value)}", "put it in quotes")
        return None
    if fld.type in ("bool", bool):
        if isinstance(value, bool):
            return value
        errors.fail(where, f"'{name}' must be true or false, not {_kind(value)}")
        return None
    numeric = fld.type in ("int", int, "float", float)
    if not numeric:
        raise TypeError(f"no converter for {cls.__name__}.{name}")
    wants_int = fld.type in ("int", int)
    ok = isinstance(value, int) if wants_int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        noun = "a whole number" if wants_int else "a number"
        errors.fail(where, f"'{name}' must be {noun}, not {_kind(value)}")
        return None
    assert isinstance(value, int | float)
    low, high = RANGES.get((cls, name), (float("-inf"), float("inf")))
    if not low <= value <= high:
        errors.fail(where, f"'{name}' is {value}, outside {low:g} to {high:g}")
        return None
    return value


def _template(m: _Map, key: str, default: str) -> str:
    value = m.string(key, default)
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        m.errors.fail(m.value_loc(key), f"'{key}': {exc}", "write braces as {{ and }}")
        return default
    for name in names:
        if name not in TEMPLATE_FIELDS:
            m.errors.fail(
                m.value_loc(key),
                f"'{key}' uses unknown placeholder {{{_short(name)}}}",
                "use " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
            )
            return default
    # A format spec or conversion ("{title:>9999999}", "{title!r}") can fail, or pad a
    # sentence to any length when the episode is planned: only plain names are allowed.
    for _, field, spec, conversion in string.Formatter().parse(value):
        if field is not None and (spec or conversion):
            m.errors.fail(
                m.value_loc(key),
                f"'{key}' formats placeholder {{{_short(field)}}}",
                "write placeholders plainly, e.g. {title}",
            )
            return default
    return value


def _lexicon(m: _Map) -> tuple[tuple[str, str], ...]:
    section = m.data.get("lexicon")
    if section is None:
        return ()
    if not isinstance(section, CommentedMap):
        m.errors.fail(m.value_loc("lexicon"), "'lexicon' must map words to how they are said")
        return ()
    entries = []
    places = {}
    for word, said in section.items():
        where = _loc(m.path, section.lc.value(word))
        if not isinstance(word, str) or not word.strip():
            m.errors.fail(_loc(m.path, section.lc.key(word)), "lexicon words must be text")
        elif not isinstance(said, str) or not said.strip():
            m.errors.fail(where, f"lexicon entry '{word}' needs text to say", "e.g. L C S W")
        else:
            entries.append((word.strip(), said.strip()))
            places[word.strip()] = _loc(m.path, section.lc.key(word))
            m.errors.lexicon.append(places[word.strip()])
    for loop in text.lexicon_loops(entries):
        names = ", ".join(f"'{w}'" for w in loop)
        m.errors.fail(
            places[loop[0]],
            f"lexicon entries {names} are said with each other's words"
            if len(loop) > 1
            else f"lexicon entry '{loop[0]}' is said with '{loop[0]}' itself",
            "the lexicon is applied once, not again to what it says: write out how it sounds",
        )
    return tuple(entries)


def _asset(root: Path, m: _Map, key: str, value: object) -> Path | None:
    where = m.value_loc(key)
    if not isinstance(value, str) or not value.strip():
        m.errors.fail(where, f"'{key}' must be a file path inside the guide folder")
        return None
    if "\0" in value:  # reported as a control character; no path can hold one
        return None
    hint = layout.path_hint(value)
    try:
        candidate = (root / value.strip()).resolve()
        inside = candidate.is_relative_to(root.resolve())
        found = candidate.is_file()
    except RuntimeError:  # a symlink loop (RuntimeError before Python 3.13)
        m.errors.fail(where, f"'{_short(value)}' cannot be resolved (a symlink loop?)")
        return None
    except OSError as exc:  # a name over the file system's limit, a symlink loop
        reason = "a symlink loop?" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        m.errors.fail(where, f"'{_short(value)}' cannot be a file name ({reason})", hint)
        return None
    if not inside:
        m.errors.fail(
            where, f"'{_short(value)}' is outside the guide folder", "keep assets in the guide"
        )
        return None
    if not found:
        looked = f"looked in the guide folder {guide_name(root)}"
        m.errors.fail(where, f"file '{_short(value)}' not found", hint or looked)
        return None
    return candidate


def _segment(
    item: object, where: Location, path: str, root: Path, voice: Voice, errors: _Errors
) -> Segment | None:
    if not isinstance(item, CommentedMap):
        told = layout.segment_as_text(item, SEGMENT_KINDS)
        message = f"a segment must be a mapping like 'say: ...', not {_kind(item)}"
        errors.fail(where, *(told or (message,)))
        return None
    m = _Map(item, path, errors)
    kinds = [k for k in SEGMENT_KINDS if k in item]
    if not kinds:
        before = len(errors.items)
        m.check_keys([*SEGMENT_KINDS, "voice"], "a segment")
        if len(errors.items) == before:
            errors.fail(m.where, "a segment needs one of say, pause, chapter or sound")
        return None
    if len(kinds) > 1:
        first, *_, later = sorted(kinds, key=lambda k: item.lc.key(k))
        errors.fail(m.key_loc(later), *layout.lost_dash(first, later))
        return None
    kind = kinds[0]
    m.check_keys([kind, "voice"] if kind == "say" else [kind], f"a '{kind}' segment")
    value = item[kind]
    at = m.value_loc(kind)
    if kind == "say":
        seg_voice = _voice(root, m.section("voice"), voice)
        if value is None:  # its place would be the next line's
            errors.fail(m.key_loc(kind), "'say' is empty", "write the words to speak after it")
            return None
        if not isinstance(value, str):
            errors.fail(at, f"'say' must be text, not {_kind(value)}", "put the text in quotes")
            return None
        paras = text.paragraphs(text.clean(value))
        if not paras:
            errors.fail(at, "'say' is empty", "write the words to speak, or remove the segment")
            return None
        return Say(paras, seg_voice, at)
    if kind == "pause":
        seconds, message, hint = parse_duration(value)
        if seconds is None:
            errors.fail(at, f"pause: {message}", hint)
            return None
        return Pause(seconds, at)
    if kind == "chapter":
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
            errors.fail(at, "'chapter' needs a title", "e.g. chapter: Serve and return")
            return None
        return Chapter(" ".join(str(value).split()), at)
    asset = _asset(root, m, "sound", value)
    if asset is None:
        return None
    try:
        with open(asset, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        errors.fail(at, f"cannot read '{value}': {exc.strerror or exc}")
        return None
    if not _is_audio(head):
        errors.fail(at, f"'{value}' is not an audio file", "use a WAV, MP3, FLAC or Ogg file")
        return None
    return Sound(asset, at)


def _episode(
    path: Path, number: int, root: Path, guide_voice: Voice, guide_date: str, errors: _Errors
) -> Episode | None:
    shown = display_path(path)
    data = _read_yaml(path, errors, "an episode needs id, title, summary and segments")
    if data is None:
        return None
    if not isinstance(data, CommentedMap):
        errors.fail(Location(shown, 1, 1), "an episode must be a mapping with id, title, ...")
        return None
    m = _Map(data, shown, errors)
    m.check_keys(EPISODE_KEYS, "an episode")
    ep_id = m.string("id", required=True)
    if ep_id and not ID_RE.match(ep_id):
        m.errors.fail(
            m.value_loc("id"),
            f"id '{ep_id}' may hold only lowercase letters, digits and single dashes",
            "e.g. everyday-moments; ids name the output files",
        )
    title = m.string("title", required=True)
    summary = m.string("summary", required=True)
    date = m.string("date", guide_date)
    if m.has("date") and not DATE_RE.match(date):
        m.errors.fail(m.value_loc("date"), f"date '{_short(date)}' is not YYYY-MM-DD")
    elif m.has("date") and not _real_date(date):
        m.errors.fail(m.value_loc("date"), f"date '{date}' is not a real date")
    status = m.string("status", "approved")
    if status not in STATUSES:
        m.errors.fail(
            m.value_loc("status"), f"status '{status}' is not one of " + ", ".join(STATUSES)
        )
    voice = _voice(root, m.section("voice"), guide_voice)
    raw_segments = data.get("segments")
    segments: list[Segment] = []
    if "segments" not in data and "segments" in m.suggested:
        pass  # the did-you-mean for a misspelt 'segments' says it all
    elif not isinstance(raw_segments, CommentedSeq) or not raw_segments:
        where = m.value_loc("segments") if "segments" in data else m.where
        m.errors.fail(where, "an episode needs a non-empty list of 'segments'")
    else:
        for i, item in enumerate(raw_segments):
            where = _loc(shown, raw_segments.lc.item(i))
            seg = _segment(item, where, shown, root, voice, errors)
            if seg is not None:
                segments.append(seg)
        audible = [s for s in segments if not isinstance(s, Pause)]
        if raw_segments and not any(isinstance(s, Say | Sound) for s in segments):
            m.errors.fail(m.value_loc("segments"), "an episode needs something to say or play")
        else:
            for here, after in zip(audible, [*audible[1:], None], strict=True):
                if isinstance(here, Chapter) and not isinstance(after, Say | Sound):
                    m.errors.fail(
                        here.where,
                        f"chapter '{here.title}' has nothing in it",
                        "put something to say or play after it",
                    )
    return Episode(
        id=ep_id,
        number=number,
        title=title,
        summary=summary,
        date=date,
        status=status,
        voice=voice,
        segments=tuple(segments),
        where=m.where,
    )


def _episode_paths(root: Path, m: _Map) -> Iterator[tuple[Path, Location | None]]:
    listed = m.data.get("episodes")
    if listed is None:
        for path in episode_files(root):  # hidden ones are editors' lock and backup files
            yield path, None
        return
    if not isinstance(listed, CommentedSeq):
        m.errors.fail(m.value_loc("episodes"), "'episodes' must be a list of file paths")
        return
    for i, item in enumerate(listed):
        where = _loc(m.path, listed.lc.item(i))
        if not isinstance(item, str):
            m.errors.fail(where, "an episode entry must be a file path")
            continue
        if "\0" in item:  # reported as a control character; no path can hold one
            continue
        try:
            path = (root / item).resolve()
        except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
            m.errors.fail(where, f"'{_short(item)}' cannot be resolved (a symlink loop?)")
            continue
        if not path.is_relative_to(root.resolve()):
            m.errors.fail(where, f"'{item}' is outside the guide folder")
        elif not path.is_file():
            m.errors.fail(where, f"episode file '{item}' not found")
        else:
            yield root / item, where


def load_guide(root: Path) -> Guide:
    """Load and check the guide in `root`; raise `ScriptErrors` listing every mistake."""
    return load_with_sources(root)[0]


def load_with_sources(root: Path) -> tuple[Guide, Sources]:
    """`load_guide`, and where its parts are written (for `audioguide check`)."""
    errors = _Errors()
    guide = _load(root, errors)
    if errors.items or guide is None:
        if not errors.items:  # pragma: no cover - _load returns None only with errors
            errors.fail(Location(display_path(root)), "could not load the guide")
        raise ScriptErrors(sorted(errors.items, key=_order))
    return guide, errors.sources()


def guide_name(root: Path) -> str:
    """The guide folder as staff know it ("." says nothing: its full path)."""
    shown = display_path(root)
    return os.path.abspath(root) if shown in (".", "") else shown


def _real_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _order(e: ScriptError) -> tuple[str, int, int]:
    return (e.where.path, e.where.line, e.where.col)


def _load(root: Path, errors: _Errors) -> Guide | None:
    guide_path = root / GUIDE_FILE
    if not root.is_dir():
        errors.fail(
            Location(display_path(root)), "guide folder not found", places.folder_hint(root)
        )
        return None
    data = _read_yaml(guide_path, errors, "a guide needs title, author, date and source")
    if data is None:
        return None
    shown = display_path(guide_path)
    if not isinstance(data, CommentedMap):
        errors.fail(Location(shown, 1, 1), "guide.yaml must be a mapping with title, author, ...")
        return None
    m = _Map(data, shown, errors)
    m.check_keys(GUIDE_KEYS, "guide.yaml")
    errors.places.update({k: m.value_loc(k) for k in GUIDE_KEYS if k in data})
    date = m.string("date", required=True)
    if date and not DATE_RE.match(date):
        errors.fail(
            m.value_loc("date"), f"date '{_short(date)}' is not YYYY-MM-DD", "e.g. 2026-11-25"
        )
    elif date and not _real_date(date):
        errors.fail(m.value_loc("date"), f"date '{date}' is not a real date", "e.g. 2026-11-25")
    language = m.string("language", "en-US")
    if not LANGUAGE_RE.match(language):
        errors.fail(
            m.value_loc("language"), f"'{_short(language)}' is not a language tag", "e.g. en-US"
        )
    source_section = m.section("source")
    source = _options(Source, source_section, Source(), "source")
    # A clinic's own material has no source: then nothing is said about paraphrasing.
    if source_section is not None and not (source.title and source.author and source.date):
        errors.fail(source_section.where, "'source' needs title, author and date")
    paraphrase = f"A paraphrase of {source.title} by {source.author}." if source.title else ""
    credit = m.string("credit", paraphrase)
    voice = _voice(root, m.section("voice"), Voice())
    chime = data.get("chime", True)
    if not isinstance(chime, bool):
        errors.fail(m.value_loc("chime"), "'chime' must be true or false")
        chime = True
    cover = _asset(root, m, "cover", data["cover"]) if "cover" in data else None
    episodes: list[Episode] = []
    seen: dict[str, Location] = {}
    for number, (path, _) in enumerate(_episode_paths(root, m), start=1):
        ep = _episode(path, number, root, voice, date, errors)
        if ep is None:
            continue
        if ep.id and ep.id in seen:
            errors.fail(ep.where, f"episode id '{ep.id}' is used twice", f"also at {seen[ep.id]}")
        seen.setdefault(ep.id, ep.where)
        episodes.append(ep)
    if not episodes and not errors.items:
        stray = next(strays(root), None)
        hint = f"{stray[1]}: {stray[2]}" if stray else f"add files to {EPISODES_DIR}/"
        errors.fail(m.where, "the guide has no episodes", hint)
    lexicon = _lexicon(m)
    _check_speakable(episodes, lexicon, errors)
    return Guide(
        root=root,
        title=m.string("title", required=True),
        description=m.string("description"),
        author=m.string("author", required=True),
        language=language,
        date=date,
        source=source,
        credit=credit,
        voice=voice,
        pauses=_options(Pauses, m.section("pauses"), Pauses(), "pauses"),
        mastering=_options(Mastering, m.section("mastering"), Mastering(), "mastering"),
        intro=_template(m, "intro", "{guide}. Episode {number}: {title}."),
        outro=_template(m, "outro", ""),
        chime=chime,
        lexicon=lexicon,
        cover=cover,
        cover_where=m.value_loc("cover") if cover else None,
        episodes=tuple(episodes),
        where=m.where,
        note=m.string("note") if "note" in data else None,
    )


def _check_speakable(
    episodes: list[Episode], lexicon: tuple[tuple[str, str], ...], errors: _Errors
) -> None:
    """A sentence of symbols only would reach the engine as nothing: say so now."""
    speak = text.compile_lexicon(lexicon)
    for episode in episodes:
        for segment in episode.segments:
            if not isinstance(segment, Say):
                continue
            for sentence in (s for para in segment.paragraphs for s in para):
                if not speak(sentence).strip():
                    errors.fail(segment.where, f"nothing to say in '{sentence[:40]}'", "use words")
                    break


# --- voice models (the piper engine) ----------------------------------------------------


def _voice(root: Path, section: _Map | None, base: Voice) -> Voice:
    """`_options` for a voice, then its model checked where the YAML sets engine or model."""
    voice = _options(Voice, section, base, "voice")
    if section is None:
        return voice
    _engine_name(section, voice)
    if not ({"engine", "model"} & set(section.data)):
        return voice  # inherited as it is: checked where it was set
    return _voice_model(root, section, voice)


def _engine_name(m: _Map, voice: Voice) -> None:
    """An unknown engine would fail only when the build first speaks (exit 1, no line):
    catch it here. Where a voice name is set, record it for the voice checks."""
    if "engine" in m.data and voice.engine not in ENGINES:
        close = difflib.get_close_matches(voice.engine, list(ENGINES), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(sorted(ENGINES))
        m.errors.fail(m.value_loc("engine"), f"unknown engine '{_short(voice.engine)}'", hint)
    if "name" in m.data:
        use = VoiceUse(voice.engine, voice.name, m.value_loc("name"))
        m.errors.voices.append(use)


def _first_model_engine() -> EngineInfo:
    return next(e for e in ENGINES.values() if e.needs_model)


def _model_path(root: Path, m: _Map, raw: str, engine: EngineInfo) -> Path | None:
    """The model file `raw` names, as an absolute path inside the guide, with what it
    needs beside it; None (and an error) if it is not there."""
    where = m.value_loc("model")
    path = Path(os.path.abspath(root / raw))
    if not path.is_relative_to(os.path.abspath(root)):
        m.errors.fail(
            where,
            f"voice model '{raw}' is outside the guide folder",
            "put it in the guide, e.g. in voices/ (a symlink there will do)",
        )
        return None
    if not path.is_file():
        m.errors.fail(
            where,
            f"voice model '{raw}' not found",
            f"looked in the guide folder {guide_name(root)}; {engine.models_hint}",
        )
        return None
    config = engine.model_config(path) if engine.model_config else None
    if config is not None and not config.is_file():
        m.errors.fail(
            where, f"voice model '{raw}' has no {config.name} beside it", engine.model_config_hint
        )
        return None
    return path


def _voice_model(root: Path, m: _Map, voice: Voice) -> Voice:
    """Resolve `model` to an absolute path and check what an engine that needs one needs.

    Engines do not know the guide folder, so the model is stored as an absolute path; clip
    keys hash the file instead (`cache.clip_key`), so they do not depend on the folder.
    The path must lie inside the guide as written; a symlink there may point elsewhere
    (voice models are tens of megabytes, worth sharing between guides).
    """
    engine = info(voice.engine)
    needs_model = engine is not None and engine.needs_model
    if not needs_model and not ("model" in m.data and voice.model):
        return voice  # nothing to check
    if "model" in m.data and voice.model:
        # A model on another engine's voice is checked as the first engine that reads one.
        reads = (
            engine if engine and needs_model else next(e for e in ENGINES.values() if e.needs_model)
        )
        checked = _model_path(root, m, voice.model, reads)
        if checked is None:
            return voice
        voice = dataclasses.replace(voice, model=str(checked))
    if engine is None or not needs_model:
        return voice
    where = m.value_loc("engine") if "engine" in m.data else m.value_loc("model")
    if not voice.model:
        m.errors.fail(
            where,
            f"the {engine.name} engine needs a voice model",
            f"add model: voices/NAME.onnx to this voice; {engine.models_hint}",
        )
    reason = engine.missing()
    message = f"the {engine.name} engine is not installed ({reason})"
    # Once per load: every voice that names the engine would repeat it.
    if reason and not any(e.message == message for e in m.errors.items):
        m.errors.fail(where, message, f"install it with: {engine.install_hint}")
    return voice
