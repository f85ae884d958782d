"""The podcast feed: RSS 2.0 with Apple's `itunes` and the Podcasting 2.0 `podcast` tags.

Built as an ElementTree, so every title and summary is escaped by construction; no
string is ever pasted into XML. The output is a pure function of the guide and the
episodes: dates come from the scripts, never from the clock.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

from audioguide.model import Guide
from audioguide.publish.chapters import MEDIA_TYPE as CHAPTERS_TYPE
from audioguide.publish.common import Item, Links, clean, copyright_line, one_line

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
NAMESPACES = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}

# Apple's category names (they are identifiers, the same in every language).
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kids & Family", ("Parenting",)),
    ("Health & Fitness", ()),
)
# Episodes carry no time of day; a fixed morning hour in UTC keeps the date the same
# for listeners from the Americas to Europe.
PUBLISH_HOUR = 8
# Namespace for episode guids: uuid5 of guide title + episode id, nothing else, so a
# guid survives any edit to the episode's words, summary, audio or the feed's URL.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://audioguide.invalid/episode-guid")
# The Podcasting 2.0 namespace's own UUID for `<podcast:guid>` (uuid5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def episode_guid(guide_title: str, episode_id: str) -> str:
    """The `<guid>` of an episode: stable for as long as the guide's title and the id are."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{guide_title}\n{episode_id}"))


def podcast_guid(feed_url: str) -> str:
    """`<podcast:guid>` as the namespace defines it: uuid5 of the URL without its scheme."""
    parts = urlsplit(feed_url)
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, (parts.netloc + parts.path).rstrip("/")))


def pub_date(day: str, number: int) -> str:
    """RFC 2822 date at 08:00 UTC on `day`, plus one minute per episode number.

    Many apps sort by date alone; on a day when several episodes come out, the minutes
    keep them in the guide's order instead of an arbitrary one.
    """
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
    moment += timedelta(hours=PUBLISH_HOUR, minutes=number - 1)
    return format_datetime(moment, usegmt=True)


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _add(parent: ET.Element, tag: str, content: str | None = None, /, **attrs: str) -> ET.Element:
    # Positional-only, so `text=` (itunes:category's attribute) is an attribute too.
    element = ET.SubElement(parent, tag, {name: clean(value) for name, value in attrs.items()})
    if content is not None:
        element.text = clean(content)
    return element


def feed_xml(guide: Guide, items: Sequence[Item], links: Links) -> bytes:
    """The feed document as UTF-8 bytes (deterministic: same input, same bytes)."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _add(rss, "channel")
    home = links.url("index.html")
    _add(channel, "title", one_line(guide.title))
    _add(channel, "link", home)
    _add(channel, "description", guide.description or guide.title)
    _add(channel, "language", guide.language)
    _add(channel, "copyright", copyright_line(guide))
    if items:
        latest = max(items, key=lambda i: (i.date, i.number))
        _add(channel, "pubDate", pub_date(latest.date, latest.number))
    _add(channel, "generator", "audioguide")
    image = _add(channel, "image")
    _add(image, "url", links.url("cover.png"))
    _add(image, "title", one_line(guide.title))
    _add(image, "link", home)
    if links.base_url:  # only a feed with a home on the web has a self link and a guid
        feed_url = links.url("feed.xml")
        _add(channel, _q(ATOM, "link"), href=feed_url, rel="self", type="application/rss+xml")
        _add(channel, _q(PODCAST, "guid"), podcast_guid(feed_url))
    _add(channel, _q(ITUNES, "author"), one_line(guide.author))
    _add(channel, _q(ITUNES, "summary"), guide.description or guide.title)
    _add(channel, _q(ITUNES, "image"), href=links.url("cover.png"))
    for name, subcategories in CATEGORIES:
        category = _add(channel, _q(ITUNES, "category"), text=name)
        for sub in subcategories:
            _add(category, _q(ITUNES, "category"), text=sub)
    _add(channel, _q(ITUNES, "explicit"), "false")
    # A guide is heard in order: "serial" makes apps list episode 1 first.
    _add(channel, _q(ITUNES, "type"), "serial")
    _directory_fields(channel, guide)
    for item in items:
        _item(channel, guide, item, links)
    ET.indent(rss, space="  ")
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _directory_fields(channel: ET.Element, guide: Guide) -> None:
    """What directories read to know who owns the feed, its licence and who made it.

    `itunes:owner` is where Apple writes (contact: in guide.yaml); `podcast:locked` is
    "yes" only when that owner has an address to prove it by, since a locked feed can
    be moved to another host only by its owner. The people are the guide's author
    (who wrote it for listening) and the source's author (who wrote the work).
    """
    contact = guide.contact
    owner = _add(channel, _q(ITUNES, "owner"))
    _add(owner, _q(ITUNES, "name"), one_line(contact.name or guide.author))
    if contact.email:
        _add(owner, _q(ITUNES, "email"), contact.email)
        _add(channel, _q(PODCAST, "locked"), "yes", owner=contact.email)
    else:
        _add(channel, _q(PODCAST, "locked"), "no")
    if guide.license:
        _add(channel, _q(PODCAST, "license"), guide.license)
    _add(channel, _q(PODCAST, "person"), one_line(guide.author), role="writer", group="writing")
    if guide.source.author:
        author = one_line(guide.source.author)
        _add(channel, _q(PODCAST, "person"), author, role="author", group="writing")
    _add(channel, _q(PODCAST, "medium"), "podcast")


def _item(channel: ET.Element, guide: Guide, item: Item, links: Links) -> None:
    entry = _add(channel, "item")
    _add(entry, "title", one_line(item.title))
    _add(entry, "description", item.summary or item.title)
    _add(entry, "link", f"{links.url('index.html')}#{item.anchor}")
    _add(entry, "guid", episode_guid(guide.title, item.id), isPermaLink="false")
    _add(entry, "pubDate", pub_date(item.date, item.number))
    _add(entry, "enclosure", url=links.episode(item), length=str(item.size), type="audio/mpeg")
    _add(entry, _q(ITUNES, "title"), one_line(item.title))
    _add(entry, _q(ITUNES, "duration"), str(item.whole_seconds))
    _add(entry, _q(ITUNES, "episode"), str(item.number))
    _add(entry, _q(ITUNES, "episodeType"), "full")
    _add(entry, _q(ITUNES, "explicit"), "false")
    # Both transcripts, the captions last: readers that keep one tag (feedparser) keep it.
    _add(entry, _q(PODCAST, "transcript"), url=links.url(item.txt), type="text/plain")
    _add(entry, _q(PODCAST, "transcript"), url=links.url(item.vtt), type="text/vtt", rel="captions")
    _add(entry, _q(PODCAST, "chapters"), url=links.url(item.chapters_file), type=CHAPTERS_TYPE)
