"""Value conversion: a YAML mapping (`MapReader`) read key by key into typed values,
ranges checked, durations, templates, the lexicon and asset paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import errno
import re
import string
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml.comments import CommentedMap

from audioguide.errors import Location, short
from audioguide.loader import yaml_hints as layout
from audioguide.loader.reading import Collector, guide_name, location_of
from audioguide.model import (
    Episode,
    Guide,
    ranges,
    staff_keys,
)
from audioguide.plan import text

MAX_PAUSE_SECONDS = 60.0
TEMPLATE_FIELDS = ("guide", "number", "total", "title")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
LANGUAGE_RE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*\Z")
# Loose on purpose: an address with one @ and a dot after it; a directory checks the rest.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")
DURATION_RE = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(ms|s)\s*\Z")
AUDIO_MAGIC = (b"RIFF", b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")


# RIFF files that are not sound (a video, a picture, an icon).
NOT_AUDIO_RIFF = (b"AVI ", b"WEBP", b"ACON", b"CDXA")


def is_audio(head: bytes) -> bool:
    """The first 12 bytes look like WAV, MP3, FLAC or Ogg."""
    if head.startswith(b"RIFF") and head[8:12] in NOT_AUDIO_RIFF:
        return False
    return head.startswith(AUDIO_MAGIC)


# Derived from the model's field declarations (`model.doc`), the one place they are made.
RANGES = ranges()
GUIDE_KEYS = staff_keys(Guide)
EPISODE_KEYS = staff_keys(Episode)

T = TypeVar("T")


class MapReader:
    """A YAML mapping with positions, and the checks every section shares."""

    def __init__(self, data: CommentedMap, path: str, errors: Collector) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.where = location_of(path, (data.lc.line, data.lc.col))
        self.suggested: set[str] = set()  # keys a "did you mean" already points at

    def key_loc(self, key: str) -> Location:
        return location_of(self.path, self.data.lc.key(key))

    def value_loc(self, key: str) -> Location:
        return location_of(self.path, self.data.lc.value(key))

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
                f"'{key}' must be text, not {kind_of(value)}",
                "put the value in quotes",
            )
            return default or ""
        stripped = str(value).strip()
        if required and not stripped:
            self.errors.fail(self.value_loc(key), f"'{key}' must not be empty")
        return stripped

    def section(self, key: str) -> MapReader | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, CommentedMap):
            self.errors.fail(self.value_loc(key), f"'{key}' must be a mapping of keys to values")
            return None
        return MapReader(value, self.path, self.errors)


def kind_of(value: object) -> str:
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


def parse_duration(value: object) -> tuple[float | None, str, str]:
    """Seconds from `800ms` / `1.5s`, or (None, message, hint)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, f"a duration must be text like 800ms or 1.5s, not {kind_of(value)}", ""
    if not isinstance(value, str):
        hint = layout.bare_number_duration(value, MAX_PAUSE_SECONDS)
        return None, f"duration {value} has no unit", hint
    match = DURATION_RE.match(value)
    value = short(value)
    if not match:
        return None, f"'{value}' is not a duration", "write it like 800ms or 1.5s"
    number, unit = float(match[1]), match[2]
    seconds = number / 1000 if unit == "ms" else number
    if seconds < 0:
        return None, f"duration '{value}' is negative", "pauses must be 0 or more"
    if seconds > MAX_PAUSE_SECONDS:
        return None, f"duration '{value}' is longer than a minute", "use a shorter pause"
    return seconds, "", ""


def options_of(cls: type[T], section: MapReader | None, base: T, what: str) -> T:
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


def top_level_number(m: MapReader, cls: type, name: str) -> float:
    """A number written at the top of the file (`reading_level: 8`), in its range."""
    fld = next(f for f in dataclasses.fields(cls) if f.name == name)
    default = float(fld.default)  # type: ignore[arg-type]
    if name not in m.data:
        return default
    value = _convert(cls, name, fld, m.data[name], m.value_loc(name), m.errors)
    return float(value) if isinstance(value, int | float) else default


def _convert(
    cls: type,
    name: str,
    fld: dataclasses.Field[Any],
    value: object,
    where: Location,
    errors: Collector,
) -> object | None:
    kind = fld.metadata.get("kind", "")
    if kind == "duration":
        seconds, message, hint = parse_duration(value)
        if seconds is None:
            errors.fail(where, f"'{name}': {message}", hint)
        return seconds
    if kind == "email":
        if isinstance(value, str) and EMAIL_RE.match(value.strip()):
            return value.strip()
        errors.fail(where, f"'{name}' is not an email address", "e.g. nurse@clinic.example")
        return None
    if fld.type in ("str", str):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return value.strip()
        errors.fail(where, f"'{name}' must be text, not {kind_of(value)}", "put it in quotes")
        return None
    if fld.type in ("bool", bool):
        if isinstance(value, bool):
            return value
        errors.fail(where, f"'{name}' must be true or false, not {kind_of(value)}")
        return None
    numeric = fld.type in ("int", int, "float", float)
    if not numeric:
        raise TypeError(f"no converter for {cls.__name__}.{name}")
    wants_int = fld.type in ("int", int)
    ok = isinstance(value, int) if wants_int else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        noun = "a whole number" if wants_int else "a number"
        errors.fail(where, f"'{name}' must be {noun}, not {kind_of(value)}")
        return None
    assert isinstance(value, int | float)
    low, high = RANGES.get((cls, name), (float("-inf"), float("inf")))
    if not low <= value <= high:
        errors.fail(where, f"'{name}' is {value}, outside {low:g} to {high:g}")
        return None
    # A float field holds a float even when written "-6": the guide memo gives it back
    # as -6.0, and an int here would give the same guide another episode key.
    return value if wants_int else float(value)


def template_of(m: MapReader, key: str, default: str) -> str:
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
                f"'{key}' uses unknown placeholder {{{short(name)}}}",
                "use " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
            )
            return default
    # A format spec or conversion ("{title:>9999999}", "{title!r}") can fail, or pad a
    # sentence to any length when the episode is planned: only plain names are allowed.
    for _, field, spec, conversion in string.Formatter().parse(value):
        if field is not None and (spec or conversion):
            m.errors.fail(
                m.value_loc(key),
                f"'{key}' formats placeholder {{{short(field)}}}",
                "write placeholders plainly, e.g. {title}",
            )
            return default
    return value


def lexicon_of(m: MapReader) -> tuple[tuple[str, str], ...]:
    section = m.data.get("lexicon")
    if section is None:
        return ()
    if not isinstance(section, CommentedMap):
        m.errors.fail(m.value_loc("lexicon"), "'lexicon' must map words to how they are said")
        return ()
    entries = []
    places = {}
    for word, said in section.items():
        where = location_of(m.path, section.lc.value(word))
        if not isinstance(word, str) or not word.strip():
            m.errors.fail(location_of(m.path, section.lc.key(word)), "lexicon words must be text")
        elif not isinstance(said, str) or not said.strip():
            m.errors.fail(where, f"lexicon entry '{word}' needs text to say", "e.g. L C S W")
        elif not text.has_words(text.spoken(said, ())):
            m.errors.fail(
                where,
                f"lexicon entry '{word}' is said as '{said.strip()}', which a voice cannot say",
                "write how it sounds in letters, e.g. L C S W",
            )
        else:
            entries.append((word.strip(), said.strip()))
            places[word.strip()] = location_of(m.path, section.lc.key(word))
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


def asset_path(root: Path, m: MapReader, key: str, value: object) -> Path | None:
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
        m.errors.fail(where, f"'{short(value)}' cannot be resolved (a symlink loop?)")
        return None
    except OSError as exc:  # a name over the file system's limit, a symlink loop
        reason = "a symlink loop?" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
        m.errors.fail(where, f"'{short(value)}' cannot be a file name ({reason})", hint)
        return None
    if not inside:
        m.errors.fail(
            where, f"'{short(value)}' is outside the guide folder", "keep assets in the guide"
        )
        return None
    if not found:
        looked = f"looked in the guide folder {guide_name(root)}"
        m.errors.fail(where, f"file '{short(value)}' not found", hint or looked)
        return None
    return candidate
