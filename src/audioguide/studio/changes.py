"""The edits staff make, each checked against what it replaces (a compare-and-swap).

Each function here returns an `Edit`: a function of a script's text *as it is at write
time* to its new text. It first finds what the page showed (the part's text, the
sentence, the entry, the status) in that text and raises `Conflict` if it is not there
any more, with both versions and the request that keeps the staff member's own. So a
colleague's save, an editor's save or a part removed above can never be overwritten or
redirect a save: the worst case is a conflict, shown in words.

A part (`say`) is found by its text, not only by its position: if the part at the
position the page knew holds other words, the one part that holds exactly the words the
page showed is edited (a part removed or added above moved it); if there is none, it is
a conflict.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata

from audioguide.plan import text
from audioguide.studio import yamledit
from audioguide.studio.workspace import Conflict, Edit, Retry

DEFAULT_STATUS = "approved"


def shown(value: str) -> str:
    """A part's text as the page shows it: paragraphs of cleaned sentences."""
    return "\n\n".join(" ".join(p) for p in text.paragraphs(value))


def _closest(texts: list[str | None], base: str) -> int | None:
    """The part most like `base` (what the page showed), if any is much like it."""
    scored = [
        (difflib.SequenceMatcher(None, shown(t), base).ratio(), i)
        for i, t in enumerate(texts)
        if t is not None
    ]
    best = max(scored, default=(0.0, -1))
    return best[1] if best[0] >= 0.5 else None


def locate(source: str, segment: int, base: str, mine: str, name: str) -> int:
    """The index of the part whose text is `base` (preferably at `segment`); else the
    conflict that offers to save `mine` over the part most like it."""
    texts = yamledit.say_texts(source)
    here = texts[segment] if segment < len(texts) else None
    if here is not None and shown(here) == base:
        return segment
    same = [i for i, t in enumerate(texts) if t is not None and shown(t) == base]
    if len(same) == 1:
        return same[0]
    near = _closest(texts, base)
    if near is None:
        raise Conflict(
            f"this part is no longer in {name} (it was changed or removed on disk); "
            "your text is below: copy it, reload, and put it where it belongs",
            mine=mine,
        )
    theirs = texts[near] or ""
    raise Conflict(
        f"this part of {name} was changed by someone else since you opened it: "
        "keep your version, keep theirs, or merge the two by hand",
        mine=mine,
        theirs=shown(theirs),
        retry=Retry("/api/say", {"segment": near, "base": shown(theirs), "text": mine}, "text"),
    )


def _with_sentence(base: str, old: str, new: str, nth: int) -> str:
    """`base` (a part as the page showed it) with its `nth` sentence `old` replaced."""
    at = -1
    for _ in range(nth + 1):
        at = base.find(old, at + 1)
        if at < 0:
            return base
    return base[:at] + " ".join(new.split()) + base[at + len(old) :]


def sentence(segment: int, base: str, old: str, new: str, nth: int, name: str) -> Edit:
    def edit(source: str) -> str:
        mine = _with_sentence(base, old, new, nth)
        where = locate(source, segment, base, mine, name)
        return yamledit.replace_sentence(source, where, old, new, nth)

    return edit


def say(segment: int, base: str, new: str, name: str) -> Edit:
    def edit(source: str) -> str:
        where = locate(source, segment, base, new, name)
        return yamledit.replace_say(source, where, new)

    return edit


def status(old: str, new: str, name: str) -> Edit:
    def edit(source: str) -> str:
        now = yamledit.value_of(source, "status") or DEFAULT_STATUS
        if now != old:
            raise Conflict(
                f"the status of {name} was changed to '{now}' since you opened the page",
                mine=new,
                theirs=str(now),
                retry=Retry("/api/status", {"status": new, "old": now}, ""),
            )
        return yamledit.set_status(source, new)

    return edit


def add_entry(word: str, say_as: str, replace: str | None) -> Edit:
    """Add `word: say_as`; an entry for the word already there is replaced only if the
    page says what it replaces (`replace`, the entry's words as the staff member saw)."""
    say_as = " ".join(say_as.split())

    def edit(source: str) -> str:
        now = yamledit.lexicon_entry(source, word)
        if now is not None and now != say_as and now != replace:
            raise Conflict(
                f"'{word}' is already in the lexicon, said as '{now}': "
                "replace it with yours, or keep it",
                mine=say_as,
                theirs=now,
                retry=Retry(
                    "/api/lexicon", {"word": word, "say_as": say_as, "replace": now}, "say_as"
                ),
                extra={"word": word},
            )
        return yamledit.add_lexicon(source, word, say_as)

    return edit


def remove_entry(word: str, old: str) -> Edit:
    def edit(source: str) -> str:
        now = yamledit.lexicon_entry(source, word)
        if now is None:
            raise Conflict(f"'{word}' is no longer in the lexicon: someone removed it already")
        if now != old:
            raise Conflict(
                f"'{word}' is now said as '{now}' (changed since you opened the page): "
                "remove it anyway, or keep it",
                mine=None,
                theirs=now,
                retry=Retry("/api/lexicon/remove", {"word": word, "old": now}, ""),
                extra={"word": word},
            )
        return yamledit.remove_lexicon(source, word)

    return edit


def field(key: str, segment: int | None, old: str, new: str, name: str) -> Edit:
    """An episode's title or summary, or a chapter's name (`segment`), if it still
    reads `old` (as the page showed it)."""

    def edit(source: str) -> str:
        now = yamledit.field_value(source, key, segment)
        if now is None or " ".join(now.split()) != " ".join(old.split()):
            what = "chapter name" if segment is not None else key
            retry = None
            if now is not None:
                data = {"field": key, "old": now, "text": new}
                retry = Retry(
                    "/api/field",
                    data | ({"segment": segment} if segment is not None else {}),
                    "text",
                )
            raise Conflict(
                f"the {what} in {name} was changed by someone else since you opened it",
                mine=new,
                theirs=now,
                retry=retry,
            )
        return yamledit.set_field(source, key, new, segment)

    return edit


def digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def whole_file(edition: str, rel: str, base: str, new: str) -> Edit:
    """A script's whole text, for a file that does not load (a colon in a summary):
    written only if the file is still the one the box was opened on (`base`, its hash)."""

    def edit(source: str) -> str:
        if digest(source) != base:
            data = {"edition": edition, "path": rel, "base": digest(source), "text": new}
            raise Conflict(
                f"{rel} was changed by someone else since you opened it",
                mine=new,
                theirs=source,
                retry=Retry("/api/file", data, "text"),
            )
        return new

    return edit


def add_part(segment: int, kind: str, base: str, new: str, name: str) -> Edit:
    """A new part right after segment `segment`: a say found by its text (`base`), or a
    chapter by its name, as the page showed them."""

    def edit(source: str) -> str:
        if kind == "say":
            where = locate(source, segment, base, new, name)
        elif yamledit.field_value(source, "chapter", segment) == base:
            where = segment
        else:
            raise Conflict(
                f"the chapter '{base}' is no longer where it was in {name}; "
                "your text is below: copy it, reload, and add it again",
                mine=new,
            )
        return yamledit.insert_say(source, where, new)

    return edit


def slug(title: str) -> str:
    """An episode id from its title: lower-case letters, digits and dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower()))[:40].strip("-")


def new_episode(
    title: str, summary: str, words: str, taken: set[str], names: list[str]
) -> tuple[str, str, str]:
    """(id, file name, text) of a new draft episode after the last one: its number one
    more than the last file's, its id from the title (made unique among `taken`)."""
    numbers = [int(m.group(0)) for m in (re.match(r"\d+", n) for n in names) if m]
    number = max(numbers, default=0) + 1
    base = slug(title) or f"episode-{number}"
    found, n = base, 2
    while found in taken:
        found, n = f"{base}-{n}", n + 1
    one = [" ".join(v.split()) for v in (title, summary)]
    source = (
        f"id: {found}\n"
        f"title: {yamledit.quoted_if_needed(one[0])}\n"
        f"summary: {yamledit.quoted_if_needed(one[1])}\n"
        "status: draft\n"
        "segments:\n"
        "  - say: |\n" + yamledit.render_scalar(words.strip("\n"), "|", 6)
    )
    return found, f"{number:02d}-{found}.yaml", source
