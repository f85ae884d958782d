"""A JSON Schema of the script format, generated from the model and the loader's own
rules, so editors with YAML support (VS Code with the YAML extension, and others built on
yaml-language-server) complete and underline keys as staff type.

One source of truth: the keys, descriptions and ranges are the model's field declarations
(`model.doc`, from which the loader's key lists are derived too), the patterns the
loader's checks. The README's option table is made here as well (`option_table`).
The loader stays the judge: the schema helps while typing and may be looser (a date that
does not exist passes it); it never rejects what the loader takes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from audioguide import loader
from audioguide.model import (
    SEGMENT_KINDS,
    STATUSES,
    Chapter,
    Contact,
    Episode,
    Guide,
    Mastering,
    Pause,
    Pauses,
    Say,
    Sound,
    Source,
    Voice,
    ranges,
    staff_keys,
)

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("guide", "episode")
Schema = dict[str, Any]


def _pattern(regex: re.Pattern[str]) -> str:
    """A loader regex (used with `match`, ending in \\Z) as a JSON Schema pattern."""
    return "^" + regex.pattern.removesuffix("\\Z") + "$"


def _doc(cls: type, name: str) -> str:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return str(f.metadata.get("doc", ""))
    return ""


_DURATION: Schema = {
    "type": "string",
    "pattern": r"^\s*-?\d+(\.\d+)?\s*(ms|s)\s*$",
    "description": "A duration with its unit, e.g. 800ms or 1.5s (at most 60s).",
}


def _option(cls: type, name: str, kind: str, type_: object) -> Schema:
    """The schema of one field of an options dataclass (Voice, Pauses...)."""
    if kind == "duration":
        return dict(_DURATION)
    if kind == "email":
        return {"type": "string", "pattern": _pattern(loader.EMAIL_RE)}
    if type_ in ("str", str):
        found: Schema = {"type": "string"}
    elif type_ in ("bool", bool):
        found = {"type": "boolean"}
    else:
        found = {"type": "integer" if type_ in ("int", int) else "number"}
        low, high = ranges().get((cls, name), (None, None))
        found |= {"minimum": low, "maximum": high} if low is not None else {}
    return found


def options(cls: type) -> Schema:
    props = {}
    for f in dataclasses.fields(cls):
        props[f.name] = _option(cls, f.name, f.metadata.get("kind", ""), f.type)
        props[f.name]["description"] = str(f.metadata.get("doc", ""))
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": props,
        "additionalProperties": False,
    }


def _text(description: str) -> Schema:
    return {"type": "string", "description": description}


def _first_line(cls: type) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0]


def segment() -> Schema:
    """One item of `segments`: exactly one of say, pause, chapter, sound."""
    voice = {"$ref": "#/definitions/voice"}
    kinds: dict[str, tuple[Schema, type]] = {
        "say": ({"type": "string", "minLength": 1}, Say),
        "pause": (dict(_DURATION), Pause),
        "chapter": ({"type": ["string", "number"]}, Chapter),
        "sound": ({"type": "string", "minLength": 1}, Sound),
    }
    assert tuple(kinds) == SEGMENT_KINDS
    one_of = []
    for kind, (value, cls) in kinds.items():
        props: Schema = {kind: {**value, "description": _first_line(cls)}}
        if kind == "say":
            props["voice"] = voice
        one_of.append(
            {
                "type": "object",
                "properties": props,
                "required": [kind],
                "additionalProperties": False,
            }
        )
    return {"oneOf": one_of, "description": "Each segment starts with '- ' on its own line."}


def _definitions() -> Schema:
    return {"voice": options(Voice), "pauses": options(Pauses), "mastering": options(Mastering)}


def guide_schema() -> Schema:
    special: dict[str, Schema] = {
        "date": {"type": "string", "pattern": _pattern(loader.DATE_RE)},
        "language": {"type": "string", "pattern": _pattern(loader.LANGUAGE_RE)},
        "source": options(Source),
        "contact": options(Contact),
        "voice": {"$ref": "#/definitions/voice"},
        "pauses": {"$ref": "#/definitions/pauses"},
        "mastering": {"$ref": "#/definitions/mastering"},
        "chime": {"type": "boolean"},
        "audiobook": {"type": "boolean"},
        "lexicon": {"type": "object", "additionalProperties": {"type": "string"}},
        "episodes": {"type": "array", "items": {"type": "string"}},
        "reading_level": _option(Guide, "reading_level", "", float),
    }
    props = {key: {**special.get(key, {"type": "string"})} for key in staff_keys(Guide)}
    for key, value in props.items():
        value["description"] = _doc(Guide, key)
    return {
        "$schema": DRAFT,
        "title": "audioguide guide.yaml",
        "type": "object",
        "properties": props,
        "required": ["title", "author", "date"],
        "additionalProperties": False,
        "definitions": _definitions(),
    }


def episode_schema() -> Schema:
    special: dict[str, Schema] = {
        "id": {"type": "string", "pattern": _pattern(loader.ID_RE)},
        "date": {"type": "string", "pattern": _pattern(loader.DATE_RE)},
        "status": {"enum": list(STATUSES)},
        "voice": {"$ref": "#/definitions/voice"},
        "segments": {"type": "array", "minItems": 1, "items": segment()},
    }
    props = {key: {**special.get(key, {"type": "string"})} for key in staff_keys(Episode)}
    for key, value in props.items():
        value["description"] = _doc(Episode, key)
    return {
        "$schema": DRAFT,
        "title": "audioguide episode",
        "type": "object",
        "properties": props,
        "required": ["id", "title", "summary", "segments"],
        "additionalProperties": False,
        "definitions": _definitions(),
    }


def schema_json(kind: str = "guide") -> str:
    """The schema of `guide.yaml` or of an episode file, as JSON text (stable bytes)."""
    schema = guide_schema() if kind == "guide" else episode_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _type_name(cls: type, f: dataclasses.Field[Any]) -> str:
    kind = f.metadata.get("kind", "")
    if kind:
        return str(kind)
    names = {"str": "text", "str | None": "text", "bool": "true/false", "int": "integer"}
    return (names | {"float": "number"}).get(str(f.type), "options")


def option_table() -> str:
    """The README's table of every option staff may write, one row each (Markdown)."""
    rows = ["| option | type | default | range | what it does |", "| --- | --- | --- | --- | --- |"]
    limits = ranges()
    groups = [("", Guide), ("voice.", Voice), ("pauses.", Pauses), ("mastering.", Mastering)]
    groups += [("source.", Source), ("contact.", Contact), ("episode: ", Episode)]
    for prefix, cls in groups:
        for f in dataclasses.fields(cls):
            if "doc" not in f.metadata:
                continue
            unset = f.default is dataclasses.MISSING or dataclasses.is_dataclass(f.default)
            default = "" if unset else repr(f.default)
            default = default.replace("'", "`") if default not in ("''", "None") else ""
            if default and f.metadata.get("kind") == "duration":
                default += "s"
            low, high = limits.get((cls, f.name), (None, None))
            span = f"{low} to {high}" if low is not None else ""
            doc_text = str(f.metadata["doc"]).replace("|", "\\|")
            name = f"`{prefix}{f.name}`"
            rows.append(f"| {name} | {_type_name(cls, f)} | {default} | {span} | {doc_text} |")
    return "\n".join(rows) + "\n"
