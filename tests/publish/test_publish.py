"""Publishing: real files from ffmpeg tones, every output parsed back and checked.

The feed is read by feedparser and podcastparser (what podcast apps are built on), and
by ElementTree for the Podcasting 2.0 tags those do not know; the page by html.parser;
the chapters, manifest and zip by json and zipfile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import struct
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import feedparser
import podcastparser
import pytest
from PIL import Image, ImageFont
from support.publish_sample import build_episodes, write_guide

from audioguide.build.report import ChapterMark, EpisodeResult
from audioguide.errors import ScriptError
from audioguide.model import Guide
from audioguide.publish import PublishError, bundle, check_base_url, cover_png, publish
from audioguide.publish.common import clock
from audioguide.publish.cover import _draw_line, _has_glyph
from audioguide.publish.feed import ITUNES, PODCAST, episode_guid, pub_date
from audioguide.publish.page import transcript_parts

NASTY = "Tom & Jerry <b>bold</b> \"quoted\" 'single' <script>alert(1)</script>"
PUBLISHED = (
    "cover.png",
    "feed.xml",
    "index.html",
    "playlist.m3u8",
    "app.webmanifest",
    "icon-192.png",
    "icon-512.png",
    "icon-maskable-512.png",
    "sw.js",
    "manifest.json",
)
NS = {"itunes": ITUNES, "podcast": PODCAST}


@dataclasses.dataclass
class Sample:
    guide: Guide
    episodes: list[EpisodeResult]
    output: Path


Make = Callable[..., Sample]


@pytest.fixture
def make(tmp_path: Path, tones: Path) -> Make:
    """Build a sample guide into `tmp_path/<name>` (episodes only; publish is the test's)."""

    def _make(name: str = "out", **options: object) -> Sample:
        guide = write_guide(tmp_path / f"{name}-scripts")
        output = tmp_path / name
        return Sample(guide, build_episodes(output, tones, **options), output)  # type: ignore[arg-type]

    return _make


def items(feed_bytes: bytes) -> list[ET.Element]:
    return ET.fromstring(feed_bytes).findall("./channel/item")


# --- feed --------------------------------------------------------------------------------


def test_feed_read_by_feedparser(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    parsed = feedparser.parse((s.output / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    feed = parsed.feed
    assert feed.title == "Test Guide"
    assert feed.subtitle == "A guide made by the tests."
    assert feed.language == "en-US"
    assert feed.link == "index.html"
    assert feed.author == "Test Clinic"
    assert feed.image.href == "cover.png"
    assert "An Article" in feed.rights and "A. Writer" in feed.rights
    assert [t.term for t in feed.tags] == ["Kids & Family", "Parenting", "Health & Fitness"]
    assert len(parsed.entries) == len(s.episodes)
    for entry, episode in zip(parsed.entries, s.episodes, strict=True):
        assert entry.title == episode.title
        assert entry.summary == episode.summary
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == episode.mp3.stat().st_size
        path, version = enclosure.href.split("?v=")
        assert (s.output / path).resolve() == episode.mp3.resolve()
        assert hashlib.sha256(episode.mp3.read_bytes()).hexdigest().startswith(version)
        assert entry.itunes_duration == str(round(episode.seconds))
        assert entry.itunes_episode == str(episode.number)
        assert not entry.guidislink
        assert entry.published_parsed[:6] == (2026, 11, 25, 8, episode.number - 1, 0)


def test_feed_read_by_podcastparser(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    feed_path = s.output / "feed.xml"
    with feed_path.open("rb") as stream:
        parsed = podcastparser.parse(feed_path.as_uri(), stream)
    assert parsed["title"] == "Test Guide"
    assert parsed["itunes_author"] == "Test Clinic"
    assert parsed["itunes_categories"] == [["Kids & Family", "Parenting"], ["Health & Fitness"]]
    assert parsed["explicit"] is False
    assert parsed["cover_url"] == (s.output / "cover.png").as_uri()
    by_number = {e["number"]: e for e in parsed["episodes"]}
    assert sorted(by_number) == [e.number for e in s.episodes]
    for episode in s.episodes:
        got = by_number[episode.number]
        assert got["title"] == episode.title
        assert got["total_time"] == round(episode.seconds)
        (enclosure,) = got["enclosures"]
        assert enclosure["file_size"] == episode.mp3.stat().st_size
        assert enclosure["url"].split("?v=")[0] == episode.mp3.as_uri()
        assert got["guid"] == episode_guid("Test Guide", episode.id)


def test_feed_podcast_namespace_tags_point_at_files(make: Make) -> None:
    # podcastparser 0.6.11 knows only the namespace's old URI, so read these by hand.
    s = make()
    publish(s.guide, s.episodes, s.output)
    root = ET.fromstring((s.output / "feed.xml").read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.find("itunes:image", NS).get("href") == "cover.png"
    for item, episode in zip(items((s.output / "feed.xml").read_bytes()), s.episodes, strict=True):
        captions = [
            t for t in item.findall("podcast:transcript", NS) if t.get("type") == "text/vtt"
        ]
        assert len(captions) == 1 and captions[0].get("rel") == "captions"
        assert (s.output / captions[0].get("url", "")).resolve() == episode.vtt.resolve()
        chapters_tag = item.find("podcast:chapters", NS)
        assert chapters_tag is not None
        assert chapters_tag.get("type") == "application/json+chapters"
        chapters_file = s.output / chapters_tag.get("url", "")
        assert chapters_file.name == episode.mp3.name.replace(".mp3", ".chapters.json")
        document = json.loads(chapters_file.read_text(encoding="utf-8"))
        assert document["version"] == "1.2.0"
        assert document["title"] == episode.title
        assert document["podcastName"] == "Test Guide"
        assert document["fileName"] == episode.mp3.name
        assert [(c["title"], c["startTime"], c["endTime"]) for c in document["chapters"]] == [
            (m.title, m.start_ms / 1000, m.end_ms / 1000) for m in episode.chapters
        ]
        assert all(
            isinstance(c["startTime"], int | float) for c in document["chapters"]
        )  # numbers, not strings


def test_guid_survives_changed_content_but_not_a_new_id(make: Make) -> None:
    first, second = (
        make("a"),
        make(
            "b",
            titles={"first-steps": "A new title"},
            summaries={"first-steps": "A rewritten summary.", "second-steps": "Also changed."},
        ),
    )
    publish(first.guide, first.episodes, first.output)
    publish(second.guide, second.episodes, second.output)
    guids_a = [i.findtext("guid") for i in items((first.output / "feed.xml").read_bytes())]
    guids_b = [i.findtext("guid") for i in items((second.output / "feed.xml").read_bytes())]
    assert guids_a == guids_b
    assert len(set(guids_a)) == len(guids_a)
    titles = [i.findtext("title") for i in items((second.output / "feed.xml").read_bytes())]
    assert titles[0] == "A new title"
    assert episode_guid("Test Guide", "first-steps") != episode_guid("Other", "first-steps")


def test_pub_date_is_rfc2822_from_the_script_date() -> None:
    assert pub_date("2026-11-25", 1) == "Wed, 25 Nov 2026 08:00:00 GMT"
    assert pub_date("2026-01-02", 3) == "Fri, 02 Jan 2026 08:02:00 GMT"


def test_xml_forbidden_characters_are_dropped(make: Make) -> None:
    s = make(summaries={"first-steps": "Vertical\x0btab and bell\x07 here."})
    publish(s.guide, s.episodes, s.output)
    (first, _) = items((s.output / "feed.xml").read_bytes())
    assert first.findtext("description") == "Verticaltab and bell here."


# --- escaping ----------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects what a browser would see: elements with attributes, and text by element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.texts: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "br", "link", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.texts.append((self.stack[-1] if self.stack else "", data))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]

    def text(self) -> str:
        return "".join(data for tag, data in self.texts if tag not in ("script", "style"))


def nasty_sample(make: Make) -> Sample:
    s = make(titles={"first-steps": NASTY}, summaries={"first-steps": NASTY})
    source = dataclasses.replace(s.guide.source, title=NASTY, url="javascript:alert(1)")
    guide = dataclasses.replace(s.guide, description=NASTY, source=source)
    episodes = [
        dataclasses.replace(s.episodes[0], chapters=(ChapterMark(NASTY, 0, 3000),)),
        *s.episodes[1:],
    ]
    return Sample(guide, episodes, s.output)


def test_markup_in_scripts_is_escaped_in_the_feed(make: Make) -> None:
    s = nasty_sample(make)
    publish(s.guide, s.episodes, s.output)
    raw = (s.output / "feed.xml").read_bytes()
    assert b"<script>" not in raw and b"<b>" not in raw
    root = ET.fromstring(raw)
    (first, _) = root.findall("./channel/item")
    assert first.findtext("title") == NASTY
    assert first.findtext("description") == NASTY
    assert root.findtext("./channel/description") == NASTY
    assert first.find("title") is not None and len(first.find("title")) == 0
    assert feedparser.parse(raw).entries[0].title == NASTY
    chapters = json.loads((s.output / "episodes/01-first-steps.chapters.json").read_text())
    assert chapters["chapters"][0]["title"] == NASTY


def test_markup_in_scripts_is_escaped_in_the_page(make: Make) -> None:
    s = nasty_sample(make)
    publish(s.guide, s.episodes, s.output)
    html = (s.output / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.all("script")) == 1  # ours, and nothing made from the text
    assert page.all("b") == []
    assert NASTY in page.text()  # shown as text, every character intact
    labels = [a["aria-label"] for a in page.all("audio")]
    assert labels[0] == f"Episode 1: {NASTY}"
    buttons = [a for a in page.all("button") if "data-start" in a]
    assert buttons[0]["data-start"] == "0.0"
    assert all(not (a.get("href") or "").startswith("javascript") for a in page.all("a"))
    assert "javascript:" not in html


# --- page --------------------------------------------------------------------------------


def test_page_content_and_accessibility(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    html = (s.output / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.all("html")[0]["lang"] == "en-US"
    assert any(m.get("name") == "viewport" for m in page.all("meta"))
    # One heading per episode, and the episodes' index.
    assert len(page.all("h1")) == 1 and len(page.all("h2")) == len(s.episodes) + 1
    text = page.text()
    for needle in ("Test Guide", "An Article", "A. Writer, LCSW", "February 2021", "Paraphrased"):
        assert needle in text
    assert "does not replace advice" in text  # the educational note
    players = page.all("audio")
    assert [p["src"].split("?v=")[0] for p in players] == [
        f"episodes/{e.mp3.name}" for e in s.episodes
    ]
    # Nothing fetched before a tap: the lengths come from the build.
    assert all(p["preload"] == "none" and "controls" in p for p in players)
    for episode in s.episodes:
        assert f"Length: {clock(episode.seconds)}" in text
        assert episode.summary in text
    buttons = [b for b in page.all("button") if "data-start" in b]
    assert [b["data-start"] for b in buttons] == ["0.0", "1.2", "0.0"]
    assert all(b["type"] == "button" and b["data-player"] for b in buttons)
    assert {b["data-player"] for b in buttons} == {p["id"] for p in players}
    assert len(page.all("details")) == len(s.episodes)
    assert "Sentence in More to say." in text  # the transcript, reflowed
    # Nothing on the page may reach the network: only relative links, except the source.
    for tag, attr in (("audio", "src"), ("img", "src"), ("script", "src"), ("link", "href")):
        for attrs in page.all(tag):
            assert not urlsplit(attrs.get(attr) or "").scheme
    assert "http-equiv" in html and "default-src 'none'" in html.replace("&#39;", "'")


def test_page_in_spanish_for_a_spanish_guide(make: Make) -> None:
    s = make()
    guide = dataclasses.replace(s.guide, language="es-US")
    publish(guide, s.episodes, s.output)
    page = Page((s.output / "index.html").read_text(encoding="utf-8"))
    assert page.all("html")[0]["lang"] == "es-US"
    assert "No reemplaza el consejo del pediatra" in page.text()
    assert "Paráfrasis de An Article, de A. Writer" in page.text()
    assert page.all("audio")[0]["aria-label"] == "Episodio 1: First steps"


def test_transcript_parts_read_back_plain_text() -> None:
    text = (
        "Title\n=====\n\nChapter one\n-----------\n\nFirst line of a\nparagraph.\n\n"
        "Second.\n\n---\nA credit\nline.\n"
    )
    assert [(p.kind, p.text) for p in transcript_parts(text)] == [
        ("heading", "Chapter one"),
        ("paragraph", "First line of a paragraph."),
        ("paragraph", "Second."),
        ("credit", "A credit line."),
    ]


# --- playlist ----------------------------------------------------------------------------


def test_playlist_is_extended_m3u_with_relative_paths(make: Make) -> None:
    s = make(titles={"second-steps": "Niños, ¿listos?\nYes"})
    publish(s.guide, s.episodes, s.output, base_url="https://clinic.example/guide/")
    lines = (s.output / "playlist.m3u8").read_bytes().decode("utf-8").split("\n")
    assert lines[0] == "#EXTM3U" and lines[-1] == ""
    entries = [line for line in lines if line and not line.startswith("#")]
    infos = [line for line in lines if line.startswith("#EXTINF:")]
    assert entries == [f"episodes/{e.mp3.name}" for e in s.episodes]
    assert all((s.output / entry).is_file() for entry in entries)
    assert infos == ["#EXTINF:3,First steps", "#EXTINF:4,Niños, ¿listos? Yes"]


# --- links -------------------------------------------------------------------------------


def feed_links(raw: bytes) -> list[str]:
    root = ET.fromstring(raw)
    links = [e.text or "" for e in root.iter("link")] + [e.text or "" for e in root.iter("url")]
    for element in root.iter():
        links += [v for k, v in element.attrib.items() if k in ("url", "href")]
    return links


def test_links_are_relative_without_a_base_url(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    links = feed_links((s.output / "feed.xml").read_bytes())
    assert len(links) > 10
    for link in links:
        parts = urlsplit(link)
        assert not parts.scheme and not parts.netloc and not link.startswith("/")
        assert (s.output / unquote(parts.path)).is_file(), link
    assert "podcast:guid" not in (s.output / "feed.xml").read_text()


def test_base_url_makes_every_feed_link_absolute(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output, base_url="https://clinic.example/guide")
    raw = (s.output / "feed.xml").read_bytes()
    base = "https://clinic.example/guide/"
    for link in feed_links(raw):
        assert link.startswith(base), link
        assert (s.output / unquote(urlsplit(link).path[len("/guide/") :])).is_file(), link
    root = ET.fromstring(raw)
    self_link = root.find("./channel/{http://www.w3.org/2005/Atom}link")
    assert self_link is not None and self_link.get("href") == base + "feed.xml"
    assert root.findtext("./channel/podcast:guid", namespaces=NS)
    page = Page((s.output / "index.html").read_text(encoding="utf-8"))
    assert base + "feed.xml" in [a.get("href") for a in page.all("a")]  # subscribe link
    assert not urlsplit(page.all("audio")[0]["src"] or "").scheme  # still plays from disk


@pytest.mark.parametrize("bad", ["clinic.example/guide", "ftp://clinic.example/", "https://"])
def test_bad_base_url_is_refused(make: Make, bad: str) -> None:
    s = make()
    with pytest.raises(PublishError, match="base URL"):
        publish(s.guide, s.episodes, s.output, base_url=bad)
    assert check_base_url("https://a.example/x") == "https://a.example/x/"


# --- determinism, manifest, bundle -------------------------------------------------------


def test_same_input_gives_the_same_bytes(make: Make, tmp_path: Path) -> None:
    one, two = make("one"), make("two")
    paths_one = publish(one.guide, one.episodes, one.output).files
    paths_two = publish(two.guide, two.episodes, two.output).files
    assert [p.relative_to(one.output) for p in paths_one] == [
        p.relative_to(two.output) for p in paths_two
    ]
    for path in paths_one:
        rel = path.relative_to(one.output)
        assert path.read_bytes() == (two.output / rel).read_bytes(), rel
        if path.suffix != ".png":  # no absolute path of either folder leaks into a file
            assert str(tmp_path) not in path.read_text(encoding="utf-8")
    zip_one = bundle(one.output, tmp_path / "one.zip").read_bytes()
    zip_two = bundle(two.output, tmp_path / "nested" / "two.zip").read_bytes()
    assert zip_one == zip_two


def test_publish_returns_what_it_replaced_and_removed(make: Make) -> None:
    s = make()
    first = publish(s.guide, s.episodes, s.output)
    assert first.files[-1] == s.output / "manifest.json"
    assert first.changed == first.files and first.removed == ()
    times = {p: p.stat().st_mtime_ns for p in first.files}
    again = publish(s.guide, s.episodes, s.output)
    assert again.files == first.files
    assert again.changed == () and again.removed == ()
    assert {p: p.stat().st_mtime_ns for p in again.files} == times  # none written
    fewer = publish(s.guide, s.episodes[:1], s.output)
    dropped = s.output / "episodes" / f"{s.episodes[1].mp3.stem}.chapters.json"
    assert fewer.removed == (dropped,) and not dropped.exists()
    assert dropped not in fewer.files
    changed = {p.relative_to(s.output).as_posix() for p in fewer.changed}
    assert {"feed.xml", "index.html", "playlist.m3u8", "manifest.json", "sw.js"} <= changed
    assert "cover.png" not in changed  # the same bytes: left alone
    for path in fewer.changed:
        assert times.get(path) != path.stat().st_mtime_ns


def test_manifest_lists_every_published_file_but_itself(make: Make) -> None:
    s = make()
    # What a build leaves that must never be published: its state and a temp file.
    (s.output / ".audioguide").mkdir()
    (s.output / ".audioguide" / "record.json").write_text("{}")
    (s.output / "episodes" / ".01-first-steps.mp3.123.tmp").write_bytes(b"half")
    written = publish(s.guide, s.episodes, s.output).files
    assert {p.relative_to(s.output).as_posix() for p in written} >= set(PUBLISHED)
    manifest = json.loads((s.output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"] == "Test Guide"
    assert manifest["version"].startswith("2026-11-25+")
    paths = [f["path"] for f in manifest["files"]]
    expected = {"cover.png", "feed.xml", "index.html", "playlist.m3u8"}
    expected |= {"app.webmanifest", "sw.js"}  # installable, offline (see publish.offline)
    expected |= {"icon-192.png", "icon-512.png", "icon-maskable-512.png"}  # publish.icons
    for e in s.episodes:
        stem = f"episodes/{e.mp3.stem}"
        expected |= {f"{stem}.mp3", f"{stem}.vtt", f"{stem}.txt", f"{stem}.chapters.json"}
    assert paths == sorted(expected)
    for entry in manifest["files"]:
        data = (s.output / entry["path"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert not PurePosixPath(entry["path"]).is_absolute()


def test_bundle_is_a_deterministic_zip_of_the_manifest(make: Make, tmp_path: Path) -> None:
    s = make()
    (s.output / ".audioguide").mkdir()
    (s.output / ".audioguide" / "record.json").write_text("{}")
    publish(s.guide, s.episodes, s.output)
    dest = bundle(s.output, tmp_path / "guide.zip")
    manifest = json.loads((s.output / "manifest.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(dest) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted([f["path"] for f in manifest["files"]] + ["manifest.json"])
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(info) == (s.output / info.filename).read_bytes()
    # Published into the folder it zips, the zip does not zip itself.
    inside = bundle(s.output, s.output / "guide.zip")
    assert inside.read_bytes() == dest.read_bytes()


def test_bundle_refuses_a_changed_or_missing_file(make: Make, tmp_path: Path) -> None:
    s = make()
    with pytest.raises(PublishError, match="build the guide first"):
        bundle(s.output, tmp_path / "x.zip")
    publish(s.guide, s.episodes, s.output)
    (s.output / "playlist.m3u8").write_text("#EXTM3U\n")
    with pytest.raises(PublishError, match="changed since"):
        bundle(s.output, tmp_path / "x.zip")
    publish(s.guide, s.episodes, s.output)
    s.episodes[0].vtt.unlink()
    with pytest.raises(PublishError, match="missing"):
        bundle(s.output, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_bundle_refuses_paths_outside_the_folder(make: Make, tmp_path: Path) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    manifest = json.loads((s.output / "manifest.json").read_text())
    manifest["files"].append({"path": "../secret", "size": 1, "sha256": "0" * 64})
    (s.output / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PublishError, match="unsafe path"):
        bundle(s.output, tmp_path / "x.zip")


def test_republish_leaves_unchanged_files_and_drops_stale_chapters(make: Make) -> None:
    s = make()
    publish(s.guide, s.episodes, s.output)
    feed = s.output / "feed.xml"
    os.utime(feed, ns=(1_000_000_000, 1_000_000_000))
    stale = s.output / "episodes" / "09-removed.chapters.json"
    stale.write_text("{}")
    publish(s.guide, s.episodes, s.output)
    assert feed.stat().st_mtime_ns == 1_000_000_000
    assert not stale.exists()


def test_episode_outside_the_output_folder_is_refused(make: Make, tmp_path: Path) -> None:
    s = make()
    other = make("elsewhere")
    with pytest.raises(PublishError, match="not inside"):
        publish(s.guide, [*s.episodes[:1], other.episodes[1]], s.output)
    s.episodes[0].mp3.unlink()
    with pytest.raises(PublishError, match="missing"):
        publish(s.guide, s.episodes, s.output)


# --- cover -------------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def test_drawn_cover_is_a_deterministic_square_png(make: Make) -> None:
    s = make()
    data = cover_png(s.guide)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size, image.mode) == ("PNG", (1400, 1400), "RGB")
    assert set(png_chunks(data)) == {b"IHDR", b"IDAT", b"IEND"}  # no time, text or profile
    assert cover_png(dataclasses.replace(s.guide)) == data
    other = cover_png(dataclasses.replace(s.guide, title="Another Guide"))
    assert other != data
    publish(s.guide, s.episodes, s.output)
    assert (s.output / "cover.png").read_bytes() == data


def test_drawn_cover_composes_letters_the_font_lacks() -> None:
    # Pillow's built-in font has no "ñ" or "¿"; they are drawn from "n" + "~" and "?".
    assert not _has_glyph("ñ") and not _has_glyph("¿") and _has_glyph("n")
    font = ImageFont.load_default(size=80)
    assert isinstance(font, ImageFont.FreeTypeFont)

    def ink(text: str) -> bytes:
        mask = Image.new("L", (400, 200))
        _draw_line(mask, (10, 50), text, font)
        return mask.tobytes()

    box = ink("\ue000")
    assert ink("ñ") not in (box, ink("n")) and ink("¿") not in (box, ink("?"))
    assert ink("é") != ink("e") and ink("í") != ink("i")


def write_image(path: Path, size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG") -> None:
    Image.new(mode, size, "#336699" if mode != "1" else 1).save(path, format=fmt)


def test_own_cover_is_checked_and_copied_as_png(make: Make, tmp_path: Path) -> None:
    s = make()
    jpeg = tmp_path / "cover.jpg"
    image = Image.new("RGB", (1500, 1500), (40, 90, 140))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # metadata that must not reach the published PNG
    image.save(jpeg, format="JPEG", quality=95, exif=exif)
    guide = dataclasses.replace(s.guide, cover=jpeg)
    data = cover_png(guide)
    copied = Image.open(io.BytesIO(data))
    assert (copied.format, copied.size, copied.mode) == ("PNG", (1500, 1500), "RGB")
    assert set(png_chunks(data)) == {b"IHDR", b"IDAT", b"IEND"}
    pixel = copied.getpixel((700, 700))
    assert isinstance(pixel, tuple)
    assert max(abs(a - b) for a, b in zip(pixel, (40, 90, 140), strict=True)) <= 2
    publish(guide, s.episodes, s.output)
    assert (s.output / "cover.png").read_bytes() == data


@pytest.mark.parametrize(
    ("size", "mode", "fmt", "message"),
    [
        ((1400, 1500), "RGB", "PNG", "not square"),
        ((1000, 1000), "RGB", "PNG", "outside 1400-3000"),
        ((3200, 3200), "RGB", "JPEG", "outside 1400-3000"),
        ((1400, 1400), "RGBA", "PNG", "colour mode RGBA"),
        ((1400, 1400), "P", "PNG", "colour mode P"),
        ((1400, 1400), "CMYK", "JPEG", "colour mode CMYK"),
        ((1400, 1400), "RGB", "GIF", "not PNG or JPEG"),
    ],
)
def test_own_cover_that_apple_would_refuse_is_a_script_error(
    make: Make, tmp_path: Path, size: tuple[int, int], mode: str, fmt: str, message: str
) -> None:
    s = make()
    path = tmp_path / f"cover.{fmt.lower()}"
    write_image(path, size, mode, fmt)
    with pytest.raises(ScriptError) as caught:
        cover_png(dataclasses.replace(s.guide, cover=path))
    assert message in caught.value.message
    assert caught.value.where == s.guide.where
    assert caught.value.hint
    assert str(caught.value.where) in caught.value.line()


def test_own_cover_that_is_not_an_image(make: Make, tmp_path: Path) -> None:
    s = make()
    path = tmp_path / "cover.png"
    path.write_bytes(b"not an image at all")
    with pytest.raises(ScriptError, match="not an image"):
        cover_png(dataclasses.replace(s.guide, cover=path))
