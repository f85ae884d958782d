"""Every edition of the shipped guide, built with --base-url, as a podcast app and a
browser would follow it: every link its feed, page, playlist, chapters and offline copy
publish must name a file in the output, and each feed must be its own (self link,
`<podcast:guid>`, image)."""

from __future__ import annotations

import io
import json
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import feedparser
import podcastparser
import pytest
from support.book_check import check_book
from support.shipped import BASE_URL, ShippedBuild

BASE = BASE_URL
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
# The namespace's own UUID for <podcast:guid> (podcast-namespace, docs/tags/guid.md).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
EDITIONS = ["", "es"]


@pytest.fixture(scope="module")
def output(shipped: ShippedBuild) -> Path:
    return shipped.output


def edition_url(edition: str) -> str:
    return BASE + (f"{edition}/" if edition else "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
                if name == "href" and value.endswith(("feed.xml", ".xml")):
                    self.feeds.append(value)


def page_links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def file_of(output: Path, edition: str, link: str) -> Path:
    """The output file a link (relative to the edition's folder, or absolute) names;
    fails for a link that leaves the published site."""
    absolute = urljoin(edition_url(edition), link)
    assert absolute.startswith(BASE), f"{edition or 'main'}: {link} leaves {BASE}"
    path = unquote(urlsplit(absolute).path)[len(urlsplit(BASE).path) :]
    return output / (path + "index.html" if path.endswith("/") or not path else path)


def feed_links(feed: ElementTree.ElementTree[ElementTree.Element]) -> list[str]:
    links = []
    for element in feed.iter():
        for attribute in ("url", "href"):
            if element.get(attribute):
                links.append(element.get(attribute, ""))
        if element.tag in ("link", "url") and element.text:
            links.append(element.text.strip())
    return links


def every_link(output: Path, edition: str) -> dict[str, list[str]]:
    """What each published file links, by file."""
    folder = output / edition
    found = {
        "feed.xml": feed_links(ElementTree.parse(folder / "feed.xml")),
        "index.html": page_links((folder / "index.html").read_text("utf-8")).links,
        "playlist.m3u8": [
            line
            for line in (folder / "playlist.m3u8").read_text("utf-8").splitlines()
            if line and not line.startswith("#")
        ],
    }
    for chapters in sorted((folder / "episodes").glob("*.chapters.json")):
        document = json.loads(chapters.read_text("utf-8"))
        rel = chapters.relative_to(folder).parent.as_posix() + "/"
        links = [rel + document["fileName"]]
        links += [rel + c[k] for c in document["chapters"] for k in ("url", "img") if k in c]
        found[chapters.relative_to(folder).as_posix()] = links
    manifest = json.loads((folder / "app.webmanifest").read_text("utf-8"))
    found["app.webmanifest"] = [icon["src"] for icon in manifest["icons"]]
    worker = (folder / "sw.js").read_text("utf-8")
    listed = worker.split("var FILES = ", 1)[1].split(";\n", 1)[0]
    found["sw.js"] = [file["path"] for file in json.loads(listed)]
    return found


@pytest.mark.e2e
@pytest.mark.timeout(900)  # a cold build of both shipped editions on a busy machine
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "es"])
def test_every_link_of_every_edition_names_a_published_file(output: Path, edition: str) -> None:
    links = every_link(output, edition)
    assert len(links["feed.xml"]) > 30 and links["playlist.m3u8"] and links["sw.js"]
    missing = [
        f"{name}: {link}"
        for name, found in links.items()
        for link in found
        if not file_of(output, edition, link.split("#")[0]).is_file()
    ]
    assert not missing, missing
    # The edition's feed names its own folder's files, never another edition's.
    here = output / edition
    for link in links["feed.xml"]:
        target = file_of(output, edition, link.split("#")[0])
        assert target.parent in (here, here / "episodes"), link


@pytest.mark.e2e
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "es"])
def test_each_feed_is_its_own(output: Path, edition: str) -> None:
    url = edition_url(edition)
    feed = ElementTree.parse(output / edition / "feed.xml")
    channel = feed.getroot().find("channel")
    assert channel is not None
    self_link = channel.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == url + "feed.xml"
    # uuid5 of the feed URL with its scheme and trailing slashes stripped (the spec).
    expected = uuid.uuid5(PODCAST_GUID_NAMESPACE, (url + "feed.xml").split("://", 1)[1])
    assert channel.findtext(f"{PODCAST}guid") == str(expected)
    image = channel.find(f"{ITUNES}image")
    assert image is not None and image.get("href") == url + "cover.png"
    assert channel.findtext("image/url") == url + "cover.png"
    assert channel.findtext("link") == url + "index.html"
    # The page's subscribe link is this edition's feed.
    page = page_links((output / edition / "index.html").read_text("utf-8"))
    assert page.feeds == [url + "feed.xml"]


@pytest.mark.e2e
def test_the_editions_feeds_differ_in_guid_and_items(output: Path) -> None:
    guids = [
        ElementTree.parse(output / e / "feed.xml").getroot().findtext(f"channel/{PODCAST}guid")
        for e in EDITIONS
    ]
    assert len(set(guids)) == len(EDITIONS)


@pytest.mark.e2e
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "es"])
def test_podcast_parsers_read_each_feed(output: Path, edition: str) -> None:
    url = edition_url(edition)
    data = (output / edition / "feed.xml").read_bytes()
    items = ElementTree.fromstring(data).findall("channel/item")
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(items) >= 7
    for entry in parsed.entries:
        assert entry.enclosures[0].href.startswith(url + "episodes/")
    podcast = podcastparser.parse(url + "feed.xml", io.BytesIO(data))
    assert len(podcast["episodes"]) == len(items)
    for episode in podcast["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert enclosure["url"].startswith(url + "episodes/")
        assert enclosure["file_size"] == file_of(output, edition, enclosure["url"]).stat().st_size


@pytest.mark.e2e
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "es"])
def test_each_edition_has_its_audiobook(output: Path, edition: str) -> None:
    check_book(output / edition)
    page = page_links((output / edition / "index.html").read_text("utf-8"))
    assert "GUIDE.m4b" in page.links
