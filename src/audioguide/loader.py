"""Load `guide.yaml` and its episodes into a checked `Guide`.

Every mistake is collected with its file, line and column, then raised together as one
`ScriptErrors`, so staff see all of them after one run (mkdocs does the same).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from audioguide import text
from audioguide.errors import Location, ScriptError, ScriptErrors
from audioguide.model import (
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
)

GUIDE_FILE = "guide.yaml"
EPISODES_DIR = "episodes"
MAX_SCRIPT_BYTES = 1_000_000
MAX_PAUSE_SECONDS = 60.0
TEMPLATE_FIELDS = ("guide", "number", "total", "title")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
LANGUAGE_RE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*\Z")
DURATION_RE = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(ms|s)\s*\Z")
AUDIO_MAGIC = (b"RIFF", b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")

# Inclusive ranges for numeric options; a value outside is a script error.
RANGES: dict[tuple[type, str], tuple[float, float]] = {
    (Voice, "rate"): (80, 300),
    (Voice, "volume"): (0.1, 1.0),
    (Voice, "pitch"): (0, 99),
    (Mastering, "loudness"): (-30.0, -10.0),
    (Mastering, "true_peak"): (-6.0, 0.0),
}

GUIDE_KEYS = [
    "title",
    "description",
    "author",
    "language",
    "date",
    "source",
    "credit",
    "voice",
    "pauses",
    "mastering",
    "intro",
    "outro",
    "chime",
    "lexicon",
    "cover",
    "episodes",
]
EPISODE_KEYS = ["id", "title", "summary", "date", "status", "voice", "segments"]
SEGMENT_KINDS = ("say", "pause", "chapter", "sound")

T = TypeVar("T")


class _Errors:
    """Collects script errors; `fail` records one and returns None for easy chaining."""

    def __init__(self) -> None:
        self.items: list[ScriptError] = []

    def fail(self, where: Location, message: str, hint: str = "") -> None:
        self.items.append(ScriptError(where, message, hint))


def display_path(path: Path) -> str:
    """The path as staff typed it: relative to the working folder when it is below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _loc(path: str, line_col: tuple[int, int] | None) -> Location:
    if line_col is None:
        return Location(path)
    return Location(path, line_col[0] + 1, line_col[1] + 1)


def _read_yaml(path: Path, errors: _Errors) -> Any:
    """Parse one file; on any failure record an error and return None."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        errors.fail(Location(shown), "file not found", "check the file name")
        return None
    except OSError as exc:
        errors.fail(Location(shown), f"cannot read: {exc.strerror}")
        return None
    if len(raw) > MAX_SCRIPT_BYTES:
        errors.fail(
            Location(shown, 1, 1),
            f"script is {len(raw):,} bytes, more than the {MAX_SCRIPT_BYTES:,} allowed",
            "split it into episodes",
        )
        return None
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        errors.fail(Location(shown, line, col), "not valid UTF-8 text", "save the file as UTF-8")
        return None
    yaml = YAML(typ="rt")  # one instance per load: instances are not thread-safe
    try:
        # An alias needs a `*`; without one, skip the extra pass over the events.
        for event in yaml.parse(source) if "*" in source else ():
            if isinstance(event, AliasEvent):
                mark = event.start_mark
                errors.fail(
                    Location(shown, mark.line + 1, mark.column + 1),
                    "YAML aliases (*name) are not supported",
                    "write the value out in full",
                )
                return None
        return yaml.load(source)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "indent with spaces, not tabs" if "\t" in source and "tab" in str(exc) else ""
        errors.fail(where, f"YAML syntax error: {problem}", hint or "check the YAML syntax")
    except RecursionError:
        errors.fail(Location(shown, 1, 1), "YAML nested too deeply")
    except YAMLError as exc:
        errors.fail(Location(shown, 1, 1), f"YAML error: {exc}")
    return None


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


def parse_duration(value: object) -> tuple[float | None, str, str]:
    """Seconds from `800ms` / `1.5s`, or (None, message, hint)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, f"a duration must be text like 800ms or 1.5s, not {_kind(value)}", ""
    if not isinstance(value, str):
        return None, f"duration {value} has no unit", f"write {value}s or {value}ms"
    match = DURATION_RE.match(value)
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
                f"'{key}' uses unknown placeholder {{{name}}}",
                "use " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
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
    for word, said in section.items():
        where = _loc(m.path, section.lc.value(word))
        if not isinstance(word, str) or not word.strip():
            m.errors.fail(_loc(m.path, section.lc.key(word)), "lexicon words must be text")
        elif not isinstance(said, str) or not said.strip():
            m.errors.fail(where, f"lexicon entry '{word}' needs text to say", "e.g. L C S W")
        else:
            entries.append((word.strip(), said.strip()))
    return tuple(entries)


def _asset(root: Path, m: _Map, key: str, value: object) -> Path | None:
    where = m.value_loc(key)
    if not isinstance(value, str) or not value.strip():
        m.errors.fail(where, f"'{key}' must be a file path inside the guide folder")
        return None
    candidate = (root / value.strip()).resolve()
    if not candidate.is_relative_to(root.resolve()):
        m.errors.fail(where, f"'{value}' is outside the guide folder", "keep assets in the guide")
        return None
    if not candidate.is_file():
        m.errors.fail(where, f"file '{value}' not found", f"looked in {display_path(root)}")
        return None
    return candidate


def _segment(
    item: object, where: Location, path: str, root: Path, voice: Voice, errors: _Errors
) -> Segment | None:
    if not isinstance(item, CommentedMap):
        errors.fail(where, f"a segment must be a mapping like 'say: ...', not {_kind(item)}")
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
        errors.fail(m.where, "a segment has only one of " + " / ".join(kinds), "split it in two")
        return None
    kind = kinds[0]
    m.check_keys([kind, "voice"] if kind == "say" else [kind], f"a '{kind}' segment")
    value = item[kind]
    at = m.value_loc(kind)
    if kind == "say":
        seg_voice = _voice(root, m.section("voice"), voice)
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
    with open(asset, "rb") as f:
        head = f.read(4)
    if not head.startswith(AUDIO_MAGIC):
        errors.fail(at, f"'{value}' is not an audio file", "use a WAV, MP3, FLAC or Ogg file")
        return None
    return Sound(asset, at)


def _episode(
    path: Path, number: int, root: Path, guide_voice: Voice, guide_date: str, errors: _Errors
) -> Episode | None:
    shown = display_path(path)
    data = _read_yaml(path, errors)
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
        m.errors.fail(m.value_loc("date"), f"date '{date}' is not YYYY-MM-DD")
    status = m.string("status", "approved")
    if status not in STATUSES:
        m.errors.fail(
            m.value_loc("status"), f"status '{status}' is not one of " + ", ".join(STATUSES)
        )
    voice = _voice(root, m.section("voice"), guide_voice)
    raw_segments = data.get("segments")
    segments: list[Segment] = []
    if not isinstance(raw_segments, CommentedSeq) or not raw_segments:
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
        ep_id, number, title, summary, date, tuple(segments), voice, m.where, status=status
    )


def _episode_paths(root: Path, m: _Map) -> Iterator[tuple[Path, Location | None]]:
    listed = m.data.get("episodes")
    if listed is None:
        for path in sorted((root / EPISODES_DIR).glob("*.yaml")):
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
        path = (root / item).resolve()
        if not path.is_relative_to(root.resolve()):
            m.errors.fail(where, f"'{item}' is outside the guide folder")
        elif not path.is_file():
            m.errors.fail(where, f"episode file '{item}' not found")
        else:
            yield root / item, where


def load_guide(root: Path) -> Guide:
    """Load and check the guide in `root`; raise `ScriptErrors` listing every mistake."""
    errors = _Errors()
    guide = _load(root, errors)
    if errors.items or guide is None:
        if not errors.items:  # pragma: no cover - _load returns None only with errors
            errors.fail(Location(display_path(root)), "could not load the guide")
        raise ScriptErrors(sorted(errors.items, key=_order))
    return guide


def _order(e: ScriptError) -> tuple[str, int, int]:
    return (e.where.path, e.where.line, e.where.col)


def _load(root: Path, errors: _Errors) -> Guide | None:
    guide_path = root / GUIDE_FILE
    if not root.is_dir():
        errors.fail(
            Location(display_path(root)), "guide folder not found", "give the scripts folder"
        )
        return None
    data = _read_yaml(guide_path, errors)
    if data is None:
        return None
    shown = display_path(guide_path)
    if not isinstance(data, CommentedMap):
        errors.fail(Location(shown, 1, 1), "guide.yaml must be a mapping with title, author, ...")
        return None
    m = _Map(data, shown, errors)
    m.check_keys(GUIDE_KEYS, "guide.yaml")
    date = m.string("date", required=True)
    if date and not DATE_RE.match(date):
        errors.fail(m.value_loc("date"), f"date '{date}' is not YYYY-MM-DD", "e.g. 2026-11-25")
    language = m.string("language", "en-US")
    if not LANGUAGE_RE.match(language):
        errors.fail(m.value_loc("language"), f"'{language}' is not a language tag", "e.g. en-US")
    source_section = m.section("source")
    source = _options(Source, source_section, Source(), "source")
    if source_section is None:
        errors.fail(m.where, "missing required key 'source'", "credit the work the guide is from")
    elif not (source.title and source.author and source.date):
        errors.fail(source_section.where, "'source' needs title, author and date")
    credit = m.string("credit", f"A paraphrase of {source.title} by {source.author}.")
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
        errors.fail(m.where, "the guide has no episodes", f"add files to {EPISODES_DIR}/")
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
        episodes=tuple(episodes),
        where=m.where,
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
    if section is None or not ({"engine", "model"} & set(section.data)):
        return voice  # inherited as it is: checked where it was set
    return _voice_model(root, section, voice)


def _voice_model(root: Path, m: _Map, voice: Voice) -> Voice:
    """Resolve `model` to an absolute path and check what the piper engine needs.

    Engines do not know the guide folder, so the model is stored as an absolute path; clip
    keys hash the file instead (`cache.clip_key`), so they do not depend on the folder.
    The path must lie inside the guide as written; a symlink there may point elsewhere
    (voice models are tens of megabytes, worth sharing between guides).
    """
    if voice.engine != "piper" and not ("model" in m.data and voice.model):
        return voice  # nothing to check, and the engine module stays unloaded
    from audioguide.engines import piper_engine  # it imports piper only to speak

    if "model" in m.data and voice.model:
        where = m.value_loc("model")
        raw = voice.model
        path = Path(os.path.abspath(root / raw))
        if not path.is_relative_to(os.path.abspath(root)):
            m.errors.fail(
                where,
                f"voice model '{raw}' is outside the guide folder",
                "put it in the guide, e.g. in voices/ (a symlink there will do)",
            )
            return voice
        if not path.is_file():
            m.errors.fail(
                where,
                f"voice model '{raw}' not found",
                f"looked in {display_path(root)}; {piper_engine.MODELS_HINT}",
            )
            return voice
        if not piper_engine.config_path(path).is_file():
            m.errors.fail(
                where,
                f"voice model '{raw}' has no {piper_engine.config_path(path).name} beside it",
                "a Piper voice is the .onnx file and its .onnx.json",
            )
            return voice
        voice = dataclasses.replace(voice, model=str(path))
    if voice.engine != "piper":
        return voice
    where = m.value_loc("engine") if "engine" in m.data else m.value_loc("model")
    if not voice.model:
        m.errors.fail(
            where,
            "the piper engine needs a voice model",
            f"add model: voices/NAME.onnx to this voice; {piper_engine.MODELS_HINT}",
        )
    reason = piper_engine.missing()
    message = f"the piper engine is not installed ({reason})"
    # Once per load: every voice that names piper would repeat it.
    if reason and not any(e.message == message for e in m.errors.items):
        m.errors.fail(where, message, f"install it with: {piper_engine.INSTALL_HINT}")
    return voice
