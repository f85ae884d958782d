"""A clinic's handout (.docx, .md, .txt, .html) read into plain blocks: headings,
paragraphs and list items, in order, with the document's title and author.

What cannot be heard (tables, images, link addresses, footnotes, tracked changes, code)
is left out, and each thing left out is recorded with where it was, so `import` can
say so: nothing is dropped without a word. The parsers for Word and Markdown are the
optional extra `import` (python-docx, markdown-it-py), imported only here and only
for their own kind of file; HTML and text need only the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from audioguide.errors import AudioguideError

Kind = Literal["heading", "paragraph", "item"]
SUFFIXES = (".docx", ".md", ".markdown", ".txt", ".html", ".htm")
EXTRA_HINT = "install the import extra: pip install 'audioguide[import]'"


@dataclass(frozen=True)
class Block:
    kind: Kind
    text: str
    level: int = 0  # a heading's level, 1 the highest
    where: str = ""  # "line 12", "paragraph 7": where staff find it in their document


@dataclass(frozen=True)
class Dropped:
    what: str  # "a table of 3 rows", "a link to https://..."
    where: str


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    dropped: tuple[Dropped, ...] = ()
    title: str = ""
    author: str = ""


class DocumentError(AudioguideError):
    """A document that cannot be imported: not a kind we read, or not what it says."""

    exit_code = 2


class MissingParser(AudioguideError):
    """The optional extra that reads this kind of document is not installed."""

    exit_code = 1


@dataclass
class _Collect:
    blocks: list[Block] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    def add(self, kind: Kind, text: str, where: str, level: int = 0) -> None:
        text = " ".join(text.split())
        if not re.search(r"[^\W_]", text):
            if text:
                self.dropped.append(Dropped(f"a line with no words ('{text[:20]}')", where))
            return
        self.blocks.append(Block(kind, text, level, where))

    def drop(self, what: str, where: str) -> None:
        self.dropped.append(Dropped(what, where))


def _short(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 3] + "..."


def read_document(path: Path) -> Document:
    """The blocks of the document at `path`, by its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx(path)
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if suffix in (".md", ".markdown"):
        return _markdown(text)
    if suffix in (".html", ".htm"):
        return _html(text)
    if suffix == ".txt":
        return _text(text)
    raise DocumentError(f"cannot import a '{suffix}' file; use one of {', '.join(SUFFIXES)}")


# --- Word --------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _docx(path: Path) -> Document:
    try:
        import docx
        from docx.text.paragraph import Paragraph
    except ImportError as exc:
        raise MissingParser(f"reading .docx needs python-docx ({EXTRA_HINT})") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError kinds
        raise DocumentError(f"{path.name} is not a Word document ({exc})") from exc
    out = _Collect()
    links = {rid: rel.target_ref for rid, rel in document.part.rels.items() if rel.is_external}
    number = tables = 0
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}tbl":
            tables += 1
            rows = len(element.findall(f"{_W}tr"))
            out.drop(f"a table of {rows} rows", f"table {tables}, after paragraph {number}")
        elif element.tag == f"{_W}p":
            number += 1
            _docx_paragraph(Paragraph(element, document), number, links, out)
    props = document.core_properties
    return Document(tuple(out.blocks), tuple(out.dropped), props.title or "", props.author or "")


def _docx_paragraph(paragraph: Any, number: int, links: dict[str, str], out: _Collect) -> None:
    parts: list[str] = []
    where = f"paragraph {number}"
    _docx_runs(paragraph._p, parts, links, out, where)
    text = "".join(parts)
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    has_number = paragraph._p.find(f"{_W}pPr/{_W}numPr") is not None
    if style == "Title":
        out.add("heading", text, where, level=0)
    elif style.startswith("Heading") and style[7:].strip().isdigit():
        out.add("heading", text, where, level=int(style[7:]))
    elif has_number or style.startswith("List"):
        out.add("item", text, where)
    else:
        out.add("paragraph", text, where)


def _docx_runs(
    element: Any, parts: list[str], links: dict[str, str], out: _Collect, where: str
) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag == f"{_W}r":
            _docx_run(child, parts, out, where)
        elif tag == f"{_W}hyperlink":
            start = len(parts)
            _docx_runs(child, parts, links, out, where)
            target = links.get(child.get(f"{_R}id", ""), "") or child.get(f"{_W}anchor", "")
            shown = _short("".join(parts[start:]))
            out.drop(
                f"a link to {target or 'a place in the document'} (its text '{shown}' is kept)",
                where,
            )
        elif tag == f"{_W}ins":
            inserted = "".join(t.text or "" for t in child.iter(f"{_W}t"))
            out.drop(
                f"a tracked insertion '{_short(inserted)}' (the text before it is kept)", where
            )
        elif tag == f"{_W}del":
            deleted = "".join(t.text or "" for t in child.iter(f"{_W}delText"))
            parts.append(deleted)
            out.drop(f"a tracked deletion (its text '{_short(deleted)}' is kept)", where)
        elif tag in (f"{_W}smartTag", f"{_W}fldSimple", f"{_W}sdt", f"{_W}sdtContent"):
            _docx_runs(child, parts, links, out, where)


def _docx_run(run: Any, parts: list[str], out: _Collect, where: str) -> None:
    for child in run.iterchildren():
        tag = child.tag
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
        elif tag in (f"{_W}drawing", f"{_W}pict", f"{_W}object"):
            names = [d.get("descr") or d.get("name") or "" for d in child.iter() if d.get("descr")]
            alt = f" ('{_short(names[0])}')" if names else ""
            out.drop(f"an image{alt}", where)
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
            kind = "footnote" if "foot" in tag else "endnote"
            out.drop(f"a {kind} (number {child.get(f'{_W}id')}) and its mark", where)


# --- Markdown ----------------------------------------------------------------------------

_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]+\](?!:)")
_FOOTNOTE_TEXT = re.compile(r"^\s*\[\^[^\]\s]+\]:")


def _markdown(text: str) -> Document:
    try:
        from markdown_it import MarkdownIt
    except ImportError as exc:
        raise MissingParser(f"reading Markdown needs markdown-it-py ({EXTRA_HINT})") from exc
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    out = _Collect()
    skip_until: str | None = None
    kind: Kind = "paragraph"
    level = 0
    in_item = 0
    for token in tokens:
        where = f"line {token.map[0] + 1}" if token.map else ""
        if skip_until:
            if token.type == skip_until:
                skip_until = None
            continue
        if token.type == "table_open":
            rows = token.map[1] - token.map[0] - 1 if token.map else 0  # less the --- line
            out.drop(f"a table of {rows} rows", where)
            skip_until = "table_close"
        elif token.type in ("fence", "code_block"):
            out.drop("a block of code", where)
        elif token.type == "html_block":
            out.drop(f"HTML ('{_short(token.content)}')", where)
        elif token.type == "heading_open":
            kind, level = "heading", int(token.tag[1:])
        elif token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "inline":
            _markdown_inline(
                token, "item" if in_item and kind != "heading" else kind, level, where, out
            )
            kind, level = "paragraph", 0
    # No title of its own: `importing.plan` takes a lone top heading that opens it.
    return Document(tuple(out.blocks), tuple(out.dropped))


def _markdown_inline(token: Any, kind: Kind, level: int, where: str, out: _Collect) -> None:
    if _FOOTNOTE_TEXT.match(token.content):
        out.drop(f"a footnote ('{_short(token.content)}')", where)
        return
    parts: list[str] = []
    link: str | None = None
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "link_open":
            link, start = str(child.attrs.get("href", "")), len(parts)
        elif child.type == "link_close" and link is not None:
            out.drop(
                f"a link to {link} (its text '{_short(''.join(parts[start:]))}' is kept)", where
            )
            link = None
        elif child.type == "image":
            out.drop(
                f"an image ('{_short(child.content or str(child.attrs.get('src', '')))}')", where
            )
        elif child.type == "html_inline":
            out.drop(f"HTML ('{_short(child.content)}')", where)
    text = "".join(parts)
    for mark in _FOOTNOTE_MARK.findall(text):
        out.drop(f"a footnote mark {mark}", where)
    out.add(kind, _FOOTNOTE_MARK.sub("", text), where, level)


# --- HTML --------------------------------------------------------------------------------

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "li", "div", "blockquote", "dd", "dt", "figcaption", *_HEADINGS}
_SILENT = {"script", "style", "template", "noscript", "svg", "head"}


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Collect()
        self.parts: list[str] = []
        self.block: tuple[str, str] | None = None  # tag, where it started
        self.skip: list[str] = []  # tags whose content is not heard
        self.title = self.author = ""
        self.in_title = False
        self.link: tuple[str, int] | None = None

    def where(self) -> str:
        return f"line {self.getpos()[0]}"

    def flush(self) -> None:
        if self.block is not None:
            tag, where = self.block
            kind: Kind = "heading" if tag in _HEADINGS else "item" if tag == "li" else "paragraph"
            self.out.add(kind, "".join(self.parts), where, _HEADINGS.get(tag, 0))
        self.parts, self.block = [], None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "title":
            self.in_title = True
        elif tag == "meta" and (values.get("name") or "").lower() == "author":
            self.author = values.get("content") or ""
        if self.skip:
            if tag in ("table", "sup", *_SILENT):
                self.skip.append(tag)
            return
        if tag in _SILENT:
            self.skip.append(tag)
        elif tag == "table":
            self.out.drop("a table", self.where())
            self.skip.append(tag)
        elif tag == "sup":
            self.out.drop("a superscript (a footnote mark)", self.where())
            self.skip.append(tag)
        elif tag == "img":
            self.out.drop(
                f"an image ('{_short(values.get('alt') or values.get('src') or '')}')", self.where()
            )
        elif tag == "a" and values.get("href"):
            self.link = (values.get("href") or "", len(self.parts))
        elif tag == "br":
            self.parts.append(" ")
        elif tag in _BLOCKS:
            self.flush()
            self.block = (tag, self.where())

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "a" and self.link is not None:
            href, start = self.link
            text = _short("".join(self.parts[start:]))
            self.out.drop(f"a link to {href} (its text '{text}' is kept)", self.where())
            self.link = None
        elif tag in _BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.skip:
            return
        if self.block is None and data.strip():
            self.block = ("p", self.where())
        self.parts.append(data)


def _html(text: str) -> Document:
    parser = _Html()
    parser.feed(text)
    parser.close()
    parser.flush()
    blocks = parser.out.blocks
    title = " ".join(parser.title.split())
    return Document(tuple(blocks), tuple(parser.out.dropped), title, parser.author.strip())


# --- plain text --------------------------------------------------------------------------

_ITEM = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d{1,2}[.)])\s+")
_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")


def _text(text: str) -> Document:
    """Blank lines part paragraphs; a short line alone before one (no full stop), or a line
    underlined with === or ---, is a heading; lines starting '- ', '* ', '1. ' are items."""
    out = _Collect()
    lines = text.splitlines()
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if not block:
            return
        start, first = block[0]
        where = f"line {start}"
        if len(block) == 2 and _UNDERLINE.match(block[1][1]):
            out.add("heading", first, where, 1 if "=" in block[1][1] else 2)
        elif (
            len(block) == 1
            and len(first) < 80
            and not first.rstrip().endswith((".", "?", "!", ":", ","))
            and not _ITEM.match(first)
        ):
            out.add("heading", first, where, 2)
        elif any(_ITEM.match(line) for _, line in block):
            for number, line in block:
                if _ITEM.match(line):
                    out.add("item", _ITEM.sub("", line), f"line {number}")
                elif out.blocks and out.blocks[-1].kind == "item":
                    last = out.blocks.pop()
                    out.add("item", f"{last.text} {line}", last.where)
                else:
                    out.add("paragraph", line, f"line {number}")
        else:
            out.add("paragraph", " ".join(line for _, line in block), where)
        block.clear()

    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        else:
            flush()
    flush()
    return Document(tuple(out.blocks), tuple(out.dropped))
