"""Script text: cleaning it, splitting it into sentences, and preparing it for speech.

Everything here is pure and total: any str goes in, a value comes out, nothing raises
(except `estimate_seconds` for a rate that is not a positive number).

Two renderings of one sentence exist. `clean`/`paragraphs` give the *display* text that
people read in transcripts, so typography (curly quotes, dashes) is kept. `compile_lexicon`
gives the *spoken* text sent to the engine: lexicon applied, typography flattened.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from audioguide.plan import spoken_forms

Lexicon = Mapping[str, str] | Iterable[tuple[str, str]]

# --- clean -------------------------------------------------------------------------------

# Non-whitespace C0/C1 controls, lone surrogates (they cannot be written as UTF-8), and
# invisible format characters that break sentence and lexicon matching or get read aloud.
# ZWJ/ZWNJ are kept: emoji sequences and some scripts need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff"
    "\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
# Every line ending an editor or another OS may produce; U+2029 is handled separately.
_LINE_BREAK = re.compile("\r\n|[\r\x85\u2028]")
_BLANK_LINES = re.compile(r"\n{2,}")


def clean(text: str) -> str:
    """Display text: NFC, no controls, single spaces, paragraphs split by one blank line.

    Lines inside a paragraph are kept (joined later by `paragraphs`); any run of lines
    that are empty or hold only whitespace becomes exactly one blank line.
    """
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = _LINE_BREAK.sub("\n", text.replace("\u2029", "\n\n"))
    # str.split() knows every Unicode space (tab, NBSP, thin space...), so this also
    # turns them into plain spaces.
    lines = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return "\n\n".join(p for p in _BLANK_LINES.split(lines.strip("\n")) if p)


# --- sentences ---------------------------------------------------------------------------

_CLOSERS = "\"')]}\u2019\u201d\u00bb\u203a"
_OPENERS = "\"'([{\u2018\u201c\u00ab\u2039\u00bf\u00a1"
# Terminal punctuation (any run: ?!, ..., ...?), closing quotes/brackets, then a space.
_END = re.compile(f"([.!?\u2026\u203d]+)([{re.escape(_CLOSERS)}]*)(\\s+)")

# Abbreviations that introduce what follows; a sentence never ends after them.
_LEADING_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "prof", "st", "vs", "e.g", "i.e", "cf", "approx", "fig"}
)
# Abbreviations that often end a sentence too ("at 9 a.m. The next day"): they end one
# only when the next word is capitalised. "No. 5" stays whole; "No. It is not." splits.
_TRAILING_ABBREVIATIONS = frozenset(
    {"etc", "a.m", "p.m", "no", "jr", "sr", "inc", "ltd", "co", "ph.d"}
)
# Initials: "J", "J.R.R", "U.S" (checked for upper case separately).
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")


def _next_letter(text: str, pos: int) -> str:
    """The first character of the next word, looking past opening quotes and brackets."""
    while pos < len(text) and text[pos] in _OPENERS:
        pos += 1
    return text[pos : pos + 1]


def _ends_sentence(text: str, end: re.Match[str]) -> bool:
    following = _next_letter(text, end.end())
    # A lowercase continuation means the punctuation was not a sentence end:
    # '"Really?" she asked', 'I thought... maybe', 'approx. two'.
    if following.islower():
        return False
    if end.group(1) != ".":
        return True
    word = text[text.rfind(" ", 0, end.start()) + 1 : end.start()].lstrip(_OPENERS)
    key = word.lower()
    if key in _LEADING_ABBREVIATIONS:
        return False
    if word.isupper() and _INITIALS.fullmatch(word):
        return False
    if key in _TRAILING_ABBREVIATIONS:
        return following.isupper()
    return True


def sentences(line: str) -> tuple[str, ...]:
    """Split one line of cleaned text (single spaces, no newlines) into sentences."""
    found: list[str] = []
    start = 0
    for end in _END.finditer(line):
        if _ends_sentence(line, end):
            found.append(line[start : end.start(3)].strip())
            start = end.end()
    found.append(line[start:].strip())
    return tuple(s for s in found if s)


def paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    """Paragraphs of sentences. Cleans first (idempotent), so any str is accepted."""
    blocks = (block.replace("\n", " ") for block in clean(text).split("\n\n"))
    return tuple(s for s in (sentences(b) for b in blocks) if s)


# --- speech ------------------------------------------------------------------------------

# Lexicon keys match as whole tokens: not next to a letter, digit or underscore. A hyphen
# counts as a boundary so "LCSW-led" still finds LCSW; longest-first alternation makes a
# key like "IMH-E" win over a shorter "IMH".
_WORD_BEFORE = r"(?<!\w)"
_WORD_AFTER = r"(?!\w)"

_DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a'
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b"
# Characters engines spell out ("asterisk", "underscore") or choke on.
_UNSPEAKABLE = "*_#~|<>`^\\[]{}"
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(_DOUBLE_QUOTES, ""),
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_UNSPEAKABLE, " "),
        "\u2026": "...",
        "&": " and ",
    }
)
_NUMBER_SIGN = re.compile(r"#(?=\d)")
_RANGE = re.compile(r"(?<=\d)\s*\u2013\s*(?=\d)")
_DASH = re.compile(r"\s*(?:[\u2013\u2014\u2015]+|-{2,})\s*")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[,.;:!?])")
_REPEATED_COMMA = re.compile(r",(?: ?,)+")


def _dash(match: re.Match[str]) -> str:
    before = match.string[match.start() - 1 : match.start()]
    after = match.string[match.end() : match.end() + 1]
    # Only a dash between two words is a spoken pause; next to punctuation or at an edge
    # a comma would double up or dangle.
    if not before or not after or before in ",;:.!?(" or after in ",;:.!?)":
        return " "
    return ", "


def _typography(text: str) -> str:
    text = _NUMBER_SIGN.sub("number ", text)
    text = _RANGE.sub(" to ", text)
    text = _DASH.sub(_dash, text)
    text = " ".join(text.translate(_TYPOGRAPHY).split())
    return _REPEATED_COMMA.sub(",", _SPACE_BEFORE_PUNCT.sub("", text))


_APOSTROPHES = str.maketrans(dict.fromkeys(_SINGLE_QUOTES, "'"))


def _one_line(text: str) -> str:
    # Curly and straight apostrophes are folded before lexicon matching, so a key
    # typed as "don't" still finds "don\u2019t" in the script.
    return " ".join(clean(text).split()).translate(_APOSTROPHES)


def _entries(lexicon: Lexicon) -> dict[str, str]:
    pairs = lexicon.items() if isinstance(lexicon, Mapping) else lexicon
    table = {_one_line(key): _one_line(value) for key, value in pairs}
    table.pop("", None)  # an empty key would match between every two characters
    return table


# What may come before the first word of a sentence: space, quotes, brackets.
_OPENING = re.compile("[\\s\"'\u201c\u2018\u00ab(\u00bf\u00a1-]+")


def _initials(table: Mapping[str, str]) -> dict[str, str]:
    """Capitalised forms of the lower-case entries that are not entries themselves."""
    found = {}
    for key, said in table.items():
        upper = key[:1].upper() + key[1:]
        if key[:1].islower() and upper not in table:
            found[upper] = said[:1].upper() + said[1:]
    return found


def _lexicon_pattern(keys: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(keys, key=lambda k: (-len(k), k))
    if not ordered:
        return None
    # Spaces inside a key match any run of whitespace, as script text may wrap there.
    words = (r"\s+".join(map(re.escape, key.split(" "))) for key in ordered)
    return re.compile(f"{_WORD_BEFORE}(?:{'|'.join(words)}){_WORD_AFTER}")


def compile_lexicon(
    lexicon: Lexicon, *, initials: bool = True, language: str = ""
) -> Callable[[str], str]:
    """Build the display-to-spoken function for one guide (the regex is compiled once).

    The returned function applies the lexicon in a single pass (whole tokens,
    case-sensitive, longest key first, replacements never rescanned), then, with a
    `language`, says figures and abbreviations as words (`spoken_forms.say`) everywhere
    the lexicon did not (an entry wins: "5 ml" in the lexicon is said as it says), then
    flattens typography for the engine. It may return "" for a sentence of symbols only.
    With `initials`, an entry written in lower case also matches its capitalised form
    at the start of a sentence (`plagiocephaly` fixes `Plagiocephaly.` too), said with
    its first letter capitalised.

    The same lexicon and language give the same function, which remembers what it
    said: the loader, the checks and the planner each ask for every sentence.
    """
    pairs = lexicon.items() if isinstance(lexicon, Mapping) else lexicon
    return _compiled(tuple(pairs), initials, language)


@functools.lru_cache(maxsize=32)
def _compiled(
    lexicon: tuple[tuple[str, str], ...], initials: bool, language: str
) -> Callable[[str], str]:
    table = _entries(lexicon)
    starts = _initials(table) if initials else {}
    pattern = _lexicon_pattern([*table, *starts])

    def replace(match: re.Match[str]) -> str:
        key = " ".join(match.group(0).split())
        if key in table:
            return table[key]
        if not _OPENING.sub("", match.string[: match.start()]):
            return starts[key]
        return match.group(0)  # a capitalised word inside a sentence: another word

    @functools.lru_cache(maxsize=8192)
    def speak(sentence: str) -> str:
        line = _one_line(sentence)
        if not language:
            return _typography(pattern.sub(replace, line) if pattern is not None else line)
        said: list[str] = []
        if pattern is not None:
            # What the lexicon says stands in as one placeholder character (no letter, no
            # digit) while the spoken forms run, so no rule reads or splits it.
            def hold(match: re.Match[str]) -> str:
                said.append(replace(match))
                return chr(_HELD + len(said) - 1)

            line = pattern.sub(hold, line)
        line = spoken_forms.say(line, language)
        if said:
            line = _HELD_CHAR.sub(lambda m: said[ord(m.group(0)) - _HELD], line)
        return _typography(line)

    return speak


# Supplementary private use plane: never in a script (clean() keeps them, but no engine
# says them and the loader refuses a sentence of nothing sayable).
_HELD = 0x100000
_HELD_CHAR = re.compile("[\U00100000-\U0010fffd]")


def spoken(sentence: str, lexicon: Lexicon, language: str = "") -> str:
    """The text sent to the engine; prefer `compile_lexicon` in loops."""
    return compile_lexicon(lexicon, language=language)(sentence)


def has_words(spoken_text: str) -> bool:
    """Whether a voice has anything to say in `spoken_text` (a letter or a digit): emoji
    and symbols alone are not spoken. The one rule `check`, the build and the studio
    apply to a sentence and to a lexicon entry's pronunciation."""
    return any(ch.isalnum() for ch in spoken_text)


# --- length ------------------------------------------------------------------------------

_HAS_WORD = re.compile(r"[^\W_]")


def word_count(text: str) -> int:
    """Whitespace-separated tokens holding at least one letter or digit."""
    return sum(1 for token in text.split() if _HAS_WORD.search(token))


# What a syllable (a run of vowels), a letter and a digit cost, in minutes at a rate of
# one word per minute. Fitted to espeak-ng's speech of the shipped guide, 18 episodes in
# English (140 wpm) and Spanish (150 wpm): every episode's speech came within 2.5 % of
# it. Counting words instead was 11-17 % long in English and up to 10 % off in Spanish,
# whose words are longer. A digit is read out as a short word.
_PER_SYLLABLE = 0.2666
_PER_LETTER = 0.1049
_PER_DIGIT = _PER_SYLLABLE + 4 * _PER_LETTER
_SYLLABLE = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ]+")


def estimate_seconds(text: str, rate_wpm: float) -> float:
    """Speaking time at `rate_wpm` words per minute, pauses not included."""
    if not (math.isfinite(rate_wpm) and rate_wpm > 0):
        raise ValueError(f"speaking rate must be a positive number, not {rate_wpm!r}")
    lower = text.lower()
    letters = sum(ch.isalpha() for ch in lower)
    digits = sum(ch.isdigit() for ch in lower)
    syllables = len(_SYLLABLE.findall(lower))
    units = syllables * _PER_SYLLABLE + letters * _PER_LETTER + digits * _PER_DIGIT
    return units * 60.0 / rate_wpm


def lexicon_loops(entries: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Groups of entries whose spoken texts lead back to themselves (A says B, B says A),
    in file order. The lexicon is applied in one pass, so a loop cannot hang a build,
    but it shows the writer expected a chain of replacements that does not happen."""
    words = [w for w, _ in entries]
    marks = [(w, f"\ue000{i}\ue001") for i, w in enumerate(words)]
    mark = compile_lexicon(marks, initials=False)
    holds = [{int(n) for n in re.findall("\ue000(\\d+)\ue001", mark(said))} for _, said in entries]
    # Kosaraju: finish order on the graph, then components on the reversed graph.
    order: list[int] = []
    visited: set[int] = set()
    for root in range(len(words)):
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(sorted(holds[root])))]
        while stack:
            node, children = stack[-1]
            child = next((c for c in children if c not in visited), None)
            if child is None:
                order.append(node)
                stack.pop()
            else:
                visited.add(child)
                stack.append((child, iter(sorted(holds[child]))))
    held_by: list[set[int]] = [set() for _ in words]
    for i, targets in enumerate(holds):
        for j in targets:
            held_by[j].add(i)
    loops: list[list[int]] = []
    placed: set[int] = set()
    for root in reversed(order):
        if root in placed:
            continue
        group, todo = {root}, [root]
        while todo:
            for j in held_by[todo.pop()] - placed - group:
                group.add(j)
                todo.append(j)
        placed |= group
        if len(group) > 1 or root in holds[root]:
            loops.append(sorted(group))
    return [tuple(words[j] for j in group) for group in sorted(loops)]
