"""Mistakes in the layout of a YAML script, told in words a non-programmer can act on.

The parser's own messages ("mapping values are not allowed here", "could not find
expected ':'") name its state, not the mistake, and often the line after it. Staff edit
in Notepad or TextEdit; what they get wrong is the layout: a colon inside unquoted text,
curly quotes, tabs, a missing colon, text indented too little, a segment that lost its
`- `. Each function here takes the script's text (and the parser's mark, or a value the
loader found odd) and returns the line of the mistake itself with a message and a hint
that shows the fixed line where it can. The loader only calls them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# `key: value`, maybe as a list item (`- say: ...`); the value may be empty.
_KEY_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s+(?P<value>.*))?$")
_BLOCK_HEADER = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[\w-]+):\s*[|>][-+0-9]*\s*(#.*)?$")
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
SHOWN_TEXT = 50  # characters of a value shown in a fixed line


@dataclass(frozen=True)
class Found:
    """A layout mistake: 1-based line and column, message and hint."""

    line: int
    col: int
    message: str
    hint: str


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def tab_lines(lines: list[str]) -> list[int]:
    """0-based numbers of the lines whose indentation holds a tab."""
    return [i for i, line in enumerate(lines) if "\t" in line[: len(line) - len(line.lstrip())]]


def _tabs(lines: list[str]) -> Found | None:
    found = tab_lines(lines)
    if not found:
        return None
    numbers = ", ".join(str(i + 1) for i in found[:12]) + (", ..." if len(found) > 12 else "")
    what = "this line is" if len(found) == 1 else f"{len(found)} lines are"
    return Found(
        found[0] + 1,
        1,
        f"{what} indented with tabs (line{'s' if len(found) > 1 else ''} {numbers})",
        "indent with spaces, not tabs: two spaces for each level",
    )


def _quoted(text: str) -> str:
    text = text.strip()
    for curly, straight in (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'")):
        text = text.replace(curly, straight)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    shown = text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1].rstrip() + "\u2026"
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _colon_in_text(lines: list[str], row: int) -> Found | None:
    """`summary: Remember: a bare crib...`: the text holds ': ', which YAML reads as the
    start of another key. The fix is quotes around the whole text."""
    match = _KEY_LINE.match(lines[row]) if row < len(lines) else None
    if not match or not match["value"]:
        return None
    value, key = match["value"], match["key"]
    col = match.start("value") + 1
    fixed = f"{match['lead'].strip() + ' ' if match['lead'].strip() else ''}{key}: {_quoted(value)}"
    if value.lstrip()[:1] in _CURLY:
        return Found(
            row + 1,
            col,
            f"the text after '{key}:' is in curly quotes, which YAML does not read as quotes",
            f"use straight quotes: {fixed}",
        )
    return Found(
        row + 1,
        col,
        f"the text after '{key}:' contains ': ', which YAML reads as the start of another key",
        f"put the whole text in quotes: {fixed}",
    )


def _colon_in_continuation(lines: list[str], row: int, col: int) -> Found | None:
    """A colon on the second line of an unquoted text (`say: First line` then `and then:
    more` below it): the same mistake, a line further down."""
    if row >= len(lines) or _KEY_LINE.match(lines[row]):
        return None
    for i in range(row - 1, -1, -1):
        match = _KEY_LINE.match(lines[i])
        if match and _indent(lines[i]) < _indent(lines[row]):
            key = match["key"]
            return Found(
                row + 1,
                col + 1,
                f"the text of '{key}:' contains ': ' here, which YAML reads as the start of "
                "another key",
                f"put the whole text in quotes, or write {key}: | and the text on the lines below",
            )
    return None


def _dash_missing_above(lines: list[str], row: int) -> Found | None:
    """`  chapter: Hello` followed by `  - say: ...`: the first segment lost its `- `."""
    if row >= len(lines) or not lines[row].lstrip().startswith("- "):
        return None
    for i in range(row - 1, -1, -1):
        if _blank(lines[i]):
            continue
        match = _KEY_LINE.match(lines[i])
        if match and not match["lead"].strip() and _indent(lines[i]) == _indent(lines[row]):
            return Found(
                i + 1,
                _indent(lines[i]) + 1,
                f"the segment '{match['key']}' has no '- ' in front of it",
                f"each segment starts with '- ': write - {match['key']}: ...",
            )
        return None
    return None


def _block_above(lines: list[str], row: int) -> tuple[int, int] | None:
    """(header row, key column) of the `key: |` block the lines before `row` belong to."""
    for i in range(row - 1, -1, -1):
        line = lines[i]
        if _blank(line):
            continue
        header = _BLOCK_HEADER.match(line)
        if header:
            return i, header.start("key")
        if _KEY_LINE.match(line) or line.lstrip().startswith("- "):
            return None
    return None


def _under_indented(lines: list[str], row: int) -> Found | None:
    """Text of a `say: |` block indented less than the block: it ends the block early,
    and the parser fails on the line after."""
    block = _block_above(lines, row)
    if block is None:
        return None
    header, key_col = block
    body = [i for i in range(header + 1, min(row + 1, len(lines))) if not _blank(lines[i])]
    if not body:
        return None
    first = _indent(lines[body[0]])
    need = first if first > key_col else key_col + 2
    if first <= key_col and not _KEY_LINE.match(lines[body[0]]):
        key = _BLOCK_HEADER.match(lines[header])
        name = key["key"] if key else "the block"
        return Found(
            body[0] + 1,
            first + 1,
            f"the text under '{name}: |' must be indented more than '{name}'",
            f"indent every line of the text by at least {need} spaces",
        )
    for i in body:
        if _indent(lines[i]) < need and not _KEY_LINE.match(lines[i]):
            key = _BLOCK_HEADER.match(lines[header])
            name = key["key"] if key else "the block"
            return Found(
                i + 1,
                _indent(lines[i]) + 1,
                f"this line of the '{name}: |' text is indented less than the text above it",
                f"indent every line of the text by {need} spaces, as on line {header + 2}"
                if first > key_col
                else f"indent every line of the text by at least {need} spaces",
            )
    return None


def _lone_text_hint(lines: list[str], row: int) -> str:
    above = next((lines[i] for i in range(row - 1, -1, -1) if not _blank(lines[i])), "")
    match = _KEY_LINE.match(above)
    if match and not match["value"]:
        key = match["key"]
        return f"put it on the line of '{key}:', or indent it more than '{key}'"
    return "to say it, make it a segment: - say: ...; or indent it like its text above"


def _dash_without_space(lines: list[str], row: int) -> Found | None:
    """`-pause: 1s`: a list item needs a space after its dash."""
    line = lines[row] if row < len(lines) else ""
    if re.match(r"\s*-[^\s-]", line):
        fixed = line.strip()[1:]
        return Found(
            row + 1,
            _indent(line) + 1,
            "a segment's '-' needs a space after it",
            f"write it as - {fixed}",
        )
    return None


def _misaligned_dash(lines: list[str], row: int) -> Found | None:
    """A `- ` not lined up with the items of the list above it."""
    line = lines[row] if row < len(lines) else ""
    if not line.lstrip().startswith("- "):
        return None
    for i in range(row - 1, -1, -1):
        if lines[i].lstrip().startswith("- ") and _indent(lines[i]) != _indent(line):
            return Found(
                row + 1,
                _indent(line) + 1,
                "this '- ' is not lined up with the '- ' of the segments above it",
                f"start it at column {_indent(lines[i]) + 1}, as on line {i + 1}",
            )
    return None


def _unclosed_quote(lines: list[str], row: int, col: int) -> Found | None:
    """A quote opened and never closed: the parser reads on to the end of the file."""
    if row >= len(lines) or lines[row][col : col + 1] not in ('"', "'"):
        return None
    quote = lines[row][col]
    return Found(
        row + 1,
        col + 1,
        f"the text starting with {quote} here has no closing {quote}",
        f"end it with {quote} on the same line",
    )


def _missing_colon(lines: list[str], row: int) -> Found | None:
    """`title First steps`: a line that should be `key: value` has no colon. The parser
    notices only on the next line, so look back for it."""
    for i in range(min(row, len(lines) - 1), -1, -1):
        line = lines[i]
        if _blank(line):
            continue
        if _KEY_LINE.match(line) or _BLOCK_HEADER.match(line):
            if i == row:
                continue  # the parser's line: the mistake is above it
            return None
        words = line.strip().removeprefix("- ").split(None, 1)
        key, _, rest = words[0].partition(":")
        if rest and re.fullmatch(r"[a-z_][a-z0-9_-]*", key):
            after = " ".join((rest, *words[1:]))
            return Found(
                i + 1,
                _indent(line) + 1,
                f"'{key}:' needs a space after the colon",
                f"write it as {key}: {after}",
            )
        if i < row and not re.fullmatch(r"[a-z_][a-z0-9_-]*", words[0]):
            return Found(
                i + 1,
                _indent(line) + 1,
                "this line is text on its own, not part of any key's value",
                _lone_text_hint(lines, i),
            )
        if len(words) == 2 and re.fullmatch(r"[a-z_][a-z0-9_-]*", words[0]):
            lead = line[: len(line) - len(line.lstrip())] + (
                "- " if line.strip()[:2] == "- " else ""
            )
            return Found(
                i + 1,
                _indent(line) + 1,
                f"'{words[0]}' has no colon after it",
                f"write it as {lead.strip() + ' ' if lead.strip() else ''}{words[0]}: {words[1]}",
            )
        if i < row:
            return None
    return None


def explain(source: str, error: Any) -> Found | None:
    """The layout mistake behind a parser error (ruamel's MarkedYAMLError), or None if
    the parser's own words will have to do."""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    problem, line, col = error.problem or error.context or "", mark.line, mark.column
    lines = source.splitlines()
    tabs = _tabs(lines)
    if tabs is not None and (tabs.line - 1 <= line or "\t" in problem or "tab" in problem):
        return tabs
    context = error.context_mark
    if "end of stream" in problem and "quoted scalar" in (error.context or "") and context:
        return _unclosed_quote(lines, context.line, context.column)
    if "'\\t'" in problem or "\t" in problem:
        return Found(
            line + 1,
            col + 1,
            "a tab here, where YAML allows only spaces",
            "replace it with a space",
        )
    stray = _stray_start(lines, line)
    if stray is not None:
        return stray
    block_header = "block scalar" in (error.context or "")
    if "chomping or indentation indicators" in problem or (
        block_header and "line break" in problem
    ):
        return Found(
            line + 1,
            col + 1,
            "nothing may follow '|' or '>' on its line",
            "put the text on the lines below, indented",
        )
    if "expected <block end>" in problem and "'?'" in problem:
        return _dash_without_space(lines, line) or _out_of_line(lines, line, problem)
    if "expected <block end>" in problem and "block sequence start" in problem:
        above = _stray_start(lines, line - 1) if line > 0 else None
        return _misaligned_dash(lines, line) or above or _out_of_line(lines, line, problem)
    if "mapping values are not allowed" in problem:
        return _colon_in_text(lines, line) or _colon_in_continuation(lines, line, col)
    if "expected <block end>" in problem and _dash_missing_above(lines, line):
        return _dash_missing_above(lines, line)
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        found = _under_indented(lines, line) or _missing_colon(lines, line)
        return found or _out_of_line(lines, line, problem)
    return None


def _stray_start(lines: list[str], row: int) -> Found | None:
    """A line that starts with a character no line of a script starts with (a stray
    quote, colon or dash left by an edit)."""
    line = lines[row] if row < len(lines) else ""
    text = line.lstrip(" ")
    if not text or text[0].isalnum() or text[0] in "#_'\"[{" or text.startswith("- "):
        return None
    if text.startswith(("---", "...")):
        return Found(
            row + 1,
            _indent(line) + 1,
            f"'{text[:3]}' ends the script here: a script file holds one YAML document",
            "remove this line, or move what follows into a file of its own",
        )
    if text[0] == "-" and (len(text) == 1 or text[1] in " -"):
        what = "a '-' on its own" if text.strip() == "-" else "an extra '-'"
        return Found(row + 1, _indent(line) + 1, f"{what} at the start of this line", "remove it")
    if text[0] == "-":
        return None  # `-pause`: see _dash_without_space
    return Found(
        row + 1,
        _indent(line) + 1,
        f"this line starts with '{text[0]}', which does not belong there",
        "remove it: a line starts with a key (title:) or with '- ' for a segment",
    )


def _out_of_line(lines: list[str], row: int, problem: str) -> Found | None:
    """The last resort for a line the parser could not fit in: say where, plainly."""
    if "expected <block end>" not in problem or row >= len(lines):
        return None
    return Found(
        row + 1,
        _indent(lines[row]) + 1,
        "this line is not lined up with the lines above it",
        "indent it like the keys or the '- ' segments around it",
    )


# Keys that belong in a section, and what staff type at the wrong level.
SECTION_OF = {
    **dict.fromkeys(("rate", "pitch", "volume", "engine", "name", "model"), "voice"),
    **dict.fromkeys(("sentence", "paragraph"), "pauses"),
    **dict.fromkeys(("loudness", "true_peak"), "mastering"),
}


def misplaced_key(key: object, value: object, allowed: list[str] | tuple[str, ...]) -> str:
    """A hint for a known option typed at the wrong level (`rate: 140` at the top of an
    episode belongs under `voice:`), or "" if `key` is no such option."""
    section = SECTION_OF.get(str(key))
    if section is None or section not in allowed:
        return ""
    shown = value if isinstance(value, int | float | str) and not isinstance(value, bool) else "..."
    return f"'{key}' belongs under '{section}:', e.g. {section}: {{{key}: {shown}}}"


def segment_as_text(value: object, kinds: tuple[str, ...]) -> tuple[str, str] | None:
    """`- pause 1.5s`: a segment written without its colon reads as plain text."""
    if not isinstance(value, str):
        return None
    words = value.split(None, 1)
    if words and words[0] in kinds:
        rest = words[1] if len(words) > 1 else "..."
        return f"'{words[0]}' has no colon after it", f"write it as - {words[0]}: {rest}"
    return None


def lost_dash(first: str, later: str) -> tuple[str, str]:
    """Two kinds in one segment: the later line lost its `- ` (or was typed under the
    other, e.g. a `say` under a `pause`)."""
    return (
        f"'{later}' is part of the '{first}' segment above it",
        f"each segment starts with '- ' on its own line: write - {later}: ...",
    )


def bare_number_duration(value: float, limit: float) -> str:
    """The hint for a duration written without a unit: the likely one first, and never
    one that would be over the limit (`sentence: 350` means 350ms)."""
    shown = f"{value:g}"
    if value > limit:
        return f"write {shown}ms; a number this large is milliseconds"
    return f"write {shown}s or {shown}ms"


def path_hint(value: str) -> str:
    """What may be wrong with an asset path as written, or ""."""
    if "\\" in value:
        return "write folders with / as in assets/chime.wav, not \\"
    if "\n" in value.strip() or len(value) > 120 or value.count(" ") > 4:
        return (
            "a path is a short file name such as assets/chime.wav; "
            "text after it needs its own '- say:'"
        )
    return ""


def hidden_comments(source: str) -> list[Found]:
    """Text cut short by a `#`: after a space, YAML takes `#` and the rest of the line as
    a note for people, so `title: Step #1 first` is only "Step". A `#` followed by a
    space is the usual note and is left alone; text in `|` blocks keeps its `#`."""
    found = []
    block = -1  # the key column of the `key: |` block being read, -1 outside one
    for row, line in enumerate(source.splitlines()):
        if block >= 0 and (_blank(line) or _indent(line) > block):
            continue
        block = -1
        header = _BLOCK_HEADER.match(line)
        if header:
            block = header.start("key")
            continue
        match = _KEY_LINE.match(line)
        value = match["value"] if match else None
        if not value or value[:1] in "\"'":
            continue
        cut = re.search(r"\s#\S", value)
        if match and cut and value[: cut.start()].strip():
            lost = value[cut.start() + 1 :].strip()
            whole = _quoted(value[: cut.start()].strip() + " " + lost)
            found.append(
                Found(
                    row + 1,
                    match.start("value") + cut.start() + 2,
                    f"'{lost}' is left out: after a space, # starts a note for people",
                    f"put the whole text in quotes: {match['key']}: {whole}",
                )
            )
    return found
