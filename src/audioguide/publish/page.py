"""`index.html`: one static page that plays the guide straight from disk, no network.

Rendered with jinja2 and autoescaping, so nothing from a script can become markup. The
chapter times reach the inline script through `data-` attributes (escaped like any
attribute), never through JavaScript built from strings. A Content-Security-Policy with
the hashes of our one style and one script blocks every other script and every
request off the page's own folder, as a second wall behind the escaping.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import jinja2
from markupsafe import Markup

from audioguide.build.report import Alternate
from audioguide.export.transcript import CueLike
from audioguide.model import Guide
from audioguide.publish.common import (
    Item,
    Links,
    Strings,
    clean,
    clock,
    one_line,
    player_clock,
    safe_href,
    strings_for,
)
from audioguide.publish.player_strings import player_strings_for
from audioguide.publish.readalong import Sentence, sentences

TEMPLATE = "index.html.j2"


@dataclass(frozen=True)
class ChapterView:
    title: str
    start: str  # seconds, as written into data-start
    clock: str


@dataclass(frozen=True)
class Part:
    """A piece of a transcript: a chapter heading, a paragraph or the credit footer."""

    kind: str  # "heading" | "paragraph" | "credit"
    text: str
    sentences: tuple[Sentence, ...] = ()  # a paragraph's, with cue times, when known


@dataclass(frozen=True)
class EpisodeView:
    id: str  # the script's id: what the page remembers positions by
    anchor: str
    player: str
    kicker: str  # "Episode 1"
    title: str
    label: str  # the player's accessible name
    summary: str
    clock: str
    mp3: str
    chapters: tuple[ChapterView, ...]
    transcript: tuple[Part, ...]
    readalong: bool  # some sentence has cue times
    path: str  # of the MP3 in the output folder, as the offline worker lists it
    seconds: str  # the length the build measured, so no player loads audio to learn it
    sha256: str  # of the MP3, when known: an old page spots that its audio was rebuilt


def transcript_parts(text: str) -> tuple[Part, ...]:
    """Read the plain-text transcript back into parts (see transcript.plain_text).

    Its 78-column lines are joined again, so the page reflows to any screen width. The
    `===` title is dropped: the episode's heading already says it.
    """
    parts: list[Part] = []
    for block in clean(text).replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0] == "---":
            if lines[1:]:
                parts.append(Part("credit", " ".join(lines[1:])))
            continue
        underline = set(lines[-1])
        if len(lines) > 1 and underline in ({"="}, {"-"}):
            if underline == {"-"}:
                parts.append(Part("heading", " ".join(lines[:-1])))
            continue
        parts.append(Part("paragraph", " ".join(lines)))
    return tuple(parts)


def with_cues(parts: tuple[Part, ...], cues: Sequence[CueLike]) -> tuple[Part, ...]:
    """`parts` with each paragraph's sentences and their cue times (see `readalong`)."""
    paragraphs = [p for p in parts if p.kind == "paragraph"]
    found = iter(sentences([p.text for p in paragraphs], cues))
    return tuple(Part(p.kind, p.text, next(found)) if p.kind == "paragraph" else p for p in parts)


def episode_view(item: Item, s: Strings, sha256: str = "") -> EpisodeView:
    kicker = s.episode.format(number=item.number)
    title = one_line(item.title)
    transcript = with_cues(transcript_parts(item.transcript), item.cues)
    return EpisodeView(
        id=item.id,
        anchor=item.anchor,
        player=f"{item.anchor}-player",
        kicker=kicker,
        title=title,
        label=f"{kicker}: {title}",
        summary=clean(item.summary),
        clock=player_clock(item.seconds),
        mp3=Links().episode(item),  # the page always links its own folder: works offline
        chapters=tuple(
            ChapterView(one_line(m.title), repr(m.start_ms / 1000), clock(m.start_ms / 1000))
            for m in sorted(item.chapters, key=lambda m: m.start_ms)
        ),
        transcript=transcript,
        readalong=any(p.sentences for p in transcript),
        path=item.mp3,
        seconds=repr(round(item.seconds, 3)),
        sha256=sha256,
    )


@cache
def _asset(name: str) -> str:
    return files("audioguide.publish").joinpath("templates", name).read_text(encoding="utf-8")


def _hash_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("audioguide.publish", "templates"),
        autoescape=True,  # every {{ }} is escaped, attributes included
        undefined=jinja2.StrictUndefined,  # a typo in the template fails, not renders ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def page_template() -> jinja2.Template:
    return _environment().get_template(TEMPLATE)


_VERSION = re.compile(r'<html [^>]*data-version="([0-9a-f]*)"')


def page_version(html: str) -> str:
    """The version `index_html` wrote into a page ("" if none)."""
    found = _VERSION.search(html)
    return found[1] if found else ""


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def index_html(
    guide: Guide,
    items: Sequence[Item],
    links: Links,
    alternates: Sequence[Alternate] = (),
    digests: Mapping[str, str] | None = None,
    audiobook: str | None = None,
) -> str:
    """The page's HTML. Pure: same guide, episodes, other editions and digests, same text.

    `digests` are the MP3s' sha256 by path. The page carries a version, a hash of its
    own text, which the offline worker repeats: an open page whose worker holds another
    version says so (see `sw.js`). `audiobook` is the audiobook's path, when there is one.
    """
    html = _render(guide, items, links, alternates, digests or {}, audiobook, "")
    version = hashlib.sha256(html.encode()).hexdigest()[:16]
    return _render(guide, items, links, alternates, digests or {}, audiobook, version)


def _render(
    guide: Guide,
    items: Sequence[Item],
    links: Links,
    alternates: Sequence[Alternate],
    digests: Mapping[str, str],
    audiobook: str | None,
    version: str,
) -> str:
    s = strings_for(guide.language)
    css, js = _asset("page.css"), _asset("page.js")
    csp = "; ".join(
        (
            "default-src 'none'",
            "img-src 'self'",
            "media-src 'self'",
            f"style-src {_hash_source(css)}",
            f"script-src {_hash_source(js)}",
            # The offline copy (sw.js) and the install manifest, both files beside the
            # page; the script adds them only when served over http(s).
            "worker-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    source = guide.source
    return page_template().render(
        lang=guide.language,
        # Where the page keeps positions and settings (localStorage is one store for
        # every page opened from disk): per guide and edition, not per file path.
        store=f"audioguide:{guide.language}:{one_line(guide.title)}",
        s=s,
        title=one_line(guide.title),
        description=clean(guide.description),
        author=one_line(guide.author),
        date=guide.date,
        credit=clean(guide.credit),
        note=clean(s.note if guide.note is None else guide.note),
        source_title=one_line(source.title),
        source_author=one_line(source.author),
        source_date=one_line(source.date),
        source_href=safe_href(source.url),
        feed=links.url("feed.xml"),
        playlist=Links().url("playlist.m3u8"),
        audiobook=Links().url(audiobook) if audiobook else None,
        episodes=[episode_view(item, s, digests.get(item.mp3, "")) for item in items],
        p=player_strings_for(guide.language),
        version=version,
        offline_bytes=sum(item.size for item in items),
        offline_size=megabytes(sum(item.size for item in items)),
        alternates=[
            (one_line(a.title), a.language, Links().url(a.page))
            for a in sorted(alternates, key=lambda a: a.folder)
        ],
        csp=csp,
        # Our own package files, not script text: trusted, and hashed into the CSP above.
        css=Markup(css),
        js=Markup(js),
    )
