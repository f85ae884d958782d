"""Edits to a script's text that change only what staff changed.

Each function takes a script's source text and returns the new source. ruamel's
round-trip composer finds where the value is written (its exact span, quoting style and
indentation); the new value is written into that span alone, in the same style, and the
result is parsed again to prove that it now holds exactly the intended value. So
comments, quoting, line breaks and every other line stay byte for byte as they were.

(ruamel's round-trip *dumper* keeps comments too, but it re-flows long lines and may
re-indent sequences: a one-word edit could show up as a diff of many lines.)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from audioguide.plan import text


class EditError(Exception):
    """The edit cannot be written in place; the message says what to do instead."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    style: str  # "" plain, '"', "'", "|" or ">"
    column: int  # of the key the value belongs to


def _compose(source: str) -> Node:
    try:
        node = YAML(typ="rt").compose(source)  # one YAML() per call: not thread-safe
    except YAMLError as exc:
        raise EditError(f"the file does not parse as YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(node, MappingNode):
        raise EditError("the file is not a mapping of keys")
    return node


def _load(source: str) -> Any:
    try:
        return YAML(typ="rt").load(source)
    except YAMLError:
        return None


def _entry(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _span(key: ScalarNode, value: Node) -> Span:
    style = getattr(value, "style", None) or ""
    return Span(value.start_mark.index, value.end_mark.index, style, key.start_mark.column)


def say_span(source: str, segment: int) -> Span:
    """Where the text of segment `segment` (0-based) of an episode's `segments` is."""
    root = _compose(source)
    found = _entry(root, "segments")  # type: ignore[arg-type]
    if found is None or not isinstance(found[1], SequenceNode):
        raise EditError("the episode has no list of segments")
    items = found[1].value
    if not 0 <= segment < len(items) or not isinstance(items[segment], MappingNode):
        raise EditError(f"the episode has no segment {segment + 1}")
    say = _entry(items[segment], "say")
    if say is None or not isinstance(say[1], ScalarNode):
        raise EditError(f"segment {segment + 1} is not a 'say' with text")
    return _span(*say)


def say_value(source: str, segment: int) -> str | None:
    """The text of segment `segment`'s `say`, as the file holds it (None if none)."""
    data = _load(source)
    try:
        value = data["segments"][segment]["say"]
    except (TypeError, KeyError, IndexError):
        return None
    return value if isinstance(value, str) else None


def _block_indent(source: str, span: Span) -> int:
    body = source[span.start : span.end].split("\n")[1:]
    for line in body:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return span.column + 2


def render_scalar(value: str, style: str, indent: int) -> str:
    """`value` written in `style`; a block's text indented by `indent` (without header)."""
    if style in ("|", ">"):
        lines = value.rstrip("\n").split("\n")
        return "".join((" " * indent + line if line.strip() else "") + "\n" for line in lines)
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style == "" and "\n" not in value:
        return value
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are YAML's too


def _same_text(a: str | None, b: str) -> bool:
    return a is not None and text.paragraphs(a) == text.paragraphs(b)


def _write_say(source: str, segment: int, span: Span, value: str) -> str | None:
    """The source with the say's whole value re-written in its own style (or a literal
    block when the text no longer fits it); None if no form parses back to `value`."""
    single = "\n" not in value.strip()
    styles = [span.style] if span.style in ("|", ">") else []
    styles += [span.style, '"'] if single else ["|"]
    for style in styles:
        if style in ("|", ">"):
            was_block = span.style in ("|", ">")
            header = source[span.start : source.index("\n", span.start) + 1] if was_block else "|\n"
            indent = _block_indent(source, span) if was_block else span.column + 2
            tail = source[span.end :]
            body = render_scalar(value, style, indent)
            line, newline, rest = tail.partition("\n")
            if not was_block and newline and (not line.strip() or line.strip().startswith("#")):
                header = "|" + line.rstrip() + "\n"  # a note after the text stays on its line
                tail = rest
            new = source[: span.start] + header + body + tail
        else:
            new = source[: span.start] + render_scalar(value, style, 0) + source[span.end :]
        if _same_text(say_value(new, segment), value):
            return new
    return None


def replace_say(source: str, segment: int, value: str) -> str:
    """The episode source with segment `segment`'s `say` text replaced by `value`."""
    if not text.paragraphs(value):
        # Refused here in plain words; an empty text is what the loader refuses too.
        raise EditError("the new text is empty: write the words to speak")
    span = say_span(source, segment)
    new = _write_say(source, segment, span, value.strip("\n"))
    if new is None:
        raise EditError("this text cannot be written into the file in place; edit it by hand")
    return new


def _sentence_pattern(sentence: str) -> re.Pattern[str]:
    words = sentence.split()
    return re.compile(r"(?<!\S)" + r"\s+".join(map(re.escape, words)) + r"(?!\S)")


def say_texts(source: str) -> list[str | None]:
    """Each segment's `say` text as the file holds it (None for a segment without)."""
    data = _load(source)
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        return []
    return [
        s["say"] if isinstance(s, dict) and isinstance(s.get("say"), str) else None
        for s in segments
    ]


def _count(value: str) -> int:
    return sum(len(p) for p in text.paragraphs(value))


def replace_sentence(source: str, segment: int, old: str, new_sentence: str, nth: int = 0) -> str:
    """The source with the `nth` occurrence of sentence `old` in segment `segment`'s
    `say` replaced by `new_sentence`; only the characters of that sentence change."""
    new_sentence = " ".join(new_sentence.split())
    if not new_sentence:
        raise EditError("the new sentence is empty: write the words, or edit the whole text")
    span = say_span(source, segment)
    value = say_value(source, segment) or ""
    pattern = _sentence_pattern(old)
    in_value = list(pattern.finditer(value))
    exact = len(in_value) > nth
    if not exact:
        # Written with what the page does not show (NFD accents, soft hyphens, zero-width
        # spaces): found in the text as read, and the say written again as read.
        value = text.clean(value)
        in_value = list(pattern.finditer(value))
    if len(in_value) <= nth:
        raise EditError("that sentence is no longer in the file: it changed on disk")
    hit = in_value[nth]
    expected = value[: hit.start()] + new_sentence + value[hit.end() :]
    if _count(expected) < _count(value) - 1 + _count(new_sentence):
        raise EditError(
            f"'{new_sentence}' would run into the sentence next to it: "
            "end it with a full stop, a question mark or an exclamation mark"
        )
    if exact and span.style in ("", "|", ">"):  # written as it reads: change just those
        in_source = list(pattern.finditer(source, span.start, span.end))
        if len(in_source) > nth:
            at = in_source[nth]
            new = source[: at.start()] + new_sentence + source[at.end() :]
            if _same_text(say_value(new, segment), expected):
                return new
    new_source = _write_say(source, segment, span, expected)
    if new_source is None:
        raise EditError("this text cannot be written into the file in place; edit it by hand")
    return new_source


def value_of(source: str, key: str) -> object:
    """The top-level value of `key` (None if the file has none, or does not parse)."""
    data = _load(source)
    return data.get(key) if isinstance(data, dict) else None


def lexicon_entry(source: str, word: str) -> str | None:
    """How guide.yaml's lexicon says `word` now (None: no such entry)."""
    lexicon = value_of(source, "lexicon")
    found = lexicon.get(" ".join(word.split())) if isinstance(lexicon, dict) else None
    return found if isinstance(found, str) else None


def remove_lexicon(source: str, word: str) -> str:
    """guide.yaml's source without the lexicon entry `word` (its lines only)."""
    word = " ".join(word.split())
    root = _compose(source)
    found = _entry(root, "lexicon")  # type: ignore[arg-type]
    if found is None or not isinstance(found[1], MappingNode) or found[1].flow_style:
        raise EditError("guide.yaml's lexicon is not written one entry a line; remove it by hand")
    entry = next(((k, v) for k, v in found[1].value if k.value == word), None)
    if entry is None:
        raise EditError(f"'{word}' is not in the lexicon")
    start = source.rfind("\n", 0, entry[0].start_mark.index) + 1
    end = _line_end(source, max(entry[1].end_mark.index - 1, entry[1].start_mark.index))
    new = source[:start] + source[end:]
    if len(found[1].value) == 1:  # the last entry: the empty section goes too
        key_start = source.rfind("\n", 0, found[0].start_mark.index) + 1
        new = source[:key_start] + source[_line_end(source, found[0].start_mark.index) : start]
        new += source[end:]
    data = _load(new)
    lexicon = data.get("lexicon", {}) if isinstance(data, dict) else None
    if not isinstance(lexicon, dict) or word in lexicon:
        raise EditError("the entry cannot be removed from guide.yaml in place; remove it by hand")
    return new


def quoted_if_needed(value: str) -> str:
    """`value` as a one-line YAML value: plain if YAML reads it back as is, else quoted."""
    return _plain_or_quoted(value)


def _plain_or_quoted(value: str) -> str:
    if value and _load(f"k: {value}\n") == {"k": value}:
        return value
    return json.dumps(value, ensure_ascii=False)


def _line_end(source: str, index: int) -> int:
    """The index just after the newline that ends the line holding `index`."""
    end = source.find("\n", index)
    return len(source) if end < 0 else end + 1


def set_status(source: str, status: str) -> str:
    """The episode source with `status: <status>`: the value replaced, or a line added
    after the `id:` line (or at the top)."""
    root = _compose(source)
    found = _entry(root, "status")  # type: ignore[arg-type]
    if found is not None and isinstance(found[1], ScalarNode):
        span = _span(*found)
        new = source[: span.start] + status + source[span.end :]
    else:
        anchor = _entry(root, "id")  # type: ignore[arg-type]
        column = anchor[0].start_mark.column if anchor else 0
        at = _line_end(source, anchor[1].end_mark.index) if anchor else 0
        prefix = "" if at == 0 or source[at - 1] == "\n" else "\n"
        new = source[:at] + prefix + " " * column + f"status: {status}\n" + source[at:]
    data = _load(new)
    if not isinstance(data, dict) or data.get("status") != status:
        raise EditError("the status cannot be written into the file in place; edit it by hand")
    return new


def add_lexicon(source: str, word: str, say_as: str) -> str:
    """guide.yaml's source with the lexicon entry `word: say_as`, added after the last
    entry (or replacing the word's entry), the other lines untouched."""
    word, say_as = " ".join(word.split()), " ".join(say_as.split())
    if not word or not say_as:
        raise EditError("give the word and how to say it")
    root = _compose(source)
    found = _entry(root, "lexicon")  # type: ignore[arg-type]
    line = f"{_plain_or_quoted(word)}: {_plain_or_quoted(say_as)}\n"
    if found is None:
        ending = "" if not source or source.endswith("\n") else "\n"
        new = source + ending + "lexicon:\n  " + line
    elif isinstance(found[1], MappingNode) and not found[1].flow_style and found[1].value:
        entries = found[1].value
        same = next((v for k, v in entries if k.value == word), None)
        if isinstance(same, ScalarNode):
            span = _span(found[0], same)
            new = source[: span.start] + _plain_or_quoted(say_as) + source[span.end :]
        else:
            column = entries[0][0].start_mark.column
            at = _line_end(source, entries[-1][1].end_mark.index - 1)
            new = source[:at] + " " * column + line + source[at:]
    elif isinstance(found[1], ScalarNode) and found[1].value in ("", None, "null", "~"):
        at = _line_end(source, found[0].start_mark.index)
        new = source[:at] + " " * (found[0].start_mark.column + 2) + line + source[at:]
    else:
        raise EditError("guide.yaml's lexicon is not written one entry a line; add it by hand")
    data = _load(new)
    lexicon = data.get("lexicon") if isinstance(data, dict) else None
    if not isinstance(lexicon, dict) or lexicon.get(word) != say_as:
        raise EditError("the entry cannot be written into guide.yaml in place; add it by hand")
    return new


# --- one-line values: an episode's title and summary, a chapter's name -----------------

FIELDS = ("title", "summary")


def _field_node(source: str, key: str, segment: int | None) -> tuple[ScalarNode, Node]:
    root = _compose(source)
    mapping: Node = root
    if segment is not None:
        found = _entry(root, "segments")  # type: ignore[arg-type]
        items = found[1].value if found and isinstance(found[1], SequenceNode) else []
        if not 0 <= segment < len(items) or not isinstance(items[segment], MappingNode):
            raise EditError(f"the episode has no segment {segment + 1}")
        mapping = items[segment]
    entry = _entry(mapping, key)  # type: ignore[arg-type]
    if entry is None or not isinstance(entry[1], ScalarNode):
        raise EditError(f"there is no '{key}' with text to change here; add it by hand")
    return entry


def field_value(source: str, key: str, segment: int | None = None) -> str | None:
    """The text of `key` at the top of the file, or in segment `segment` (None: none)."""
    data = _load(source)
    try:
        value = data["segments"][segment][key] if segment is not None else data[key]
    except (TypeError, KeyError, IndexError):
        return None
    return value if isinstance(value, str) else None


def set_field(source: str, key: str, value: str, segment: int | None = None) -> str:
    """The source with the one-line text of `key` (a title, a summary, or segment
    `segment`'s chapter name) replaced by `value`, in its own style where YAML allows:
    a colon or a quote that would break a plain value is quoted."""
    value = " ".join(value.split())
    if not value:
        raise EditError(f"the new {key} is empty: write it")
    key_node, node = _field_node(source, key, segment)
    span = _span(key_node, node)
    candidates = [render_scalar(value, span.style, 0)] if span.style in ("'", '"') else []
    candidates += [_plain_or_quoted(value)]
    for written in candidates:
        if span.style in ("|", ">"):
            end = span.end - 1 if source[span.end - 1 : span.end] == "\n" else span.end
            new = source[: span.start] + written + source[end:]
        else:
            new = source[: span.start] + written + source[span.end :]
        if field_value(new, key, segment) == value:
            return new
    raise EditError(f"this {key} cannot be written into the file in place; edit it by hand")


def insert_say(source: str, after: int, value: str) -> str:
    """The episode source with a new part `- say: value` right after segment `after`,
    indented as its neighbours; every other line as it was."""
    if not text.paragraphs(value):
        raise EditError("the new part is empty: write the words to speak")
    root = _compose(source)
    found = _entry(root, "segments")  # type: ignore[arg-type]
    if found is None or not isinstance(found[1], SequenceNode):
        raise EditError("the episode has no list of segments")
    items = found[1].value
    if not 0 <= after < len(items):
        raise EditError(f"the episode has no segment {after + 1}")
    dash: int = max(items[after].start_mark.column - 2, 0)
    if after + 1 < len(items):
        at = source.rfind("\n", 0, items[after + 1].start_mark.index) + 1
    else:
        at = _line_end(source, max(found[1].end_mark.index - 1, 0))
    value = value.strip("\n")
    if "\n" in value.strip():
        written = "|\n" + render_scalar(value, "|", dash + 4)
    else:
        written = _plain_or_quoted(" ".join(value.split())) + "\n"
    prefix = "" if at == 0 or source[at - 1] == "\n" else "\n"
    new = source[:at] + prefix + " " * dash + "- say: " + written + source[at:]
    if not _same_text(say_value(new, after + 1), value):
        raise EditError("the new part cannot be written into the file in place; add it by hand")
    return new
