"""The feed's directory fields (owner, lock, licence, people, medium), Apple's 255-character
limit, and the versioned audio URL, on sample episodes from ffmpeg tones; every feed is
parsed back with ElementTree, feedparser and podcastparser."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import podcastparser
import pytest
from support.publish_sample import GUIDE_YAML, build_episodes, write_guide

from audioguide.build.report import EpisodeResult
from audioguide.errors import AudioguideError
from audioguide.loader import load_guide
from audioguide.loader.schema import guide_schema
from audioguide.model import Guide, Source
from audioguide.publish import publish
from audioguide.publish.common import FIELD_LIMIT, copyright_line
from audioguide.publish.feed import ITUNES, PODCAST

NS = {"itunes": ITUNES, "podcast": PODCAST}
BASE = "https://clinic.example/guide/"
CONTACT = "contact:\n  name: Clinic front desk\n  email: desk@clinic.example\n"


def built(tmp_path: Path, tones: Path, extra: str = "") -> tuple[Guide, list[EpisodeResult]]:
    root = tmp_path / "scripts"
    write_guide(root)
    (root / "guide.yaml").write_text(GUIDE_YAML + extra, encoding="utf-8")
    return load_guide(root), build_episodes(tmp_path / "out", tones)


def channel(tmp_path: Path) -> ET.Element:
    found = ET.parse(tmp_path / "out" / "feed.xml").getroot().find("channel")
    assert found is not None
    return found


def test_owner_lock_licence_people_and_medium(tmp_path: Path, tones: Path) -> None:
    guide, episodes = built(tmp_path, tones, CONTACT + "license: CC-BY-NC-ND-4.0\n")
    publish(guide, episodes, tmp_path / "out", base_url=BASE)
    c = channel(tmp_path)
    assert c.findtext("itunes:owner/itunes:name", namespaces=NS) == "Clinic front desk"
    assert c.findtext("itunes:owner/itunes:email", namespaces=NS) == "desk@clinic.example"
    locked = c.find("podcast:locked", NS)
    assert locked is not None and locked.text == "yes"
    assert locked.get("owner") == "desk@clinic.example"
    assert c.findtext("podcast:license", namespaces=NS) == "CC-BY-NC-ND-4.0"
    people = [(p.text, p.get("role"), p.get("group")) for p in c.findall("podcast:person", NS)]
    assert people == [
        ("Test Clinic", "writer", "writing"),
        ("A. Writer, LCSW", "author", "writing"),
    ]
    assert c.findtext("podcast:medium", namespaces=NS) == "podcast"
    data = (tmp_path / "out" / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.feed.publisher_detail.email == "desk@clinic.example"
    assert len(podcastparser.parse(BASE + "feed.xml", io.BytesIO(data))["episodes"]) == 2


def test_without_a_contact_the_owner_is_the_author_and_the_feed_is_unlocked(
    tmp_path: Path, tones: Path
) -> None:
    guide, episodes = built(tmp_path, tones)
    assert guide.contact.email == "" and guide.license == ""
    publish(guide, episodes, tmp_path / "out", base_url=BASE)
    c = channel(tmp_path)
    assert c.findtext("itunes:owner/itunes:name", namespaces=NS) == "Test Clinic"
    assert c.find("itunes:owner/itunes:email", NS) is None
    assert c.findtext("podcast:locked", namespaces=NS) == "no"
    assert c.find("podcast:license", NS) is None  # no licence is claimed for the guide


def test_a_contact_that_is_no_email_address_is_a_script_error(tmp_path: Path, tones: Path) -> None:
    with pytest.raises(AudioguideError) as raised:
        built(tmp_path, tones, "contact:\n  email: the front desk\n")
    line = GUIDE_YAML.count("\n") + 2
    assert f"guide.yaml:{line}:10: error: 'email' is not an email address" in str(raised.value)


def test_contact_and_license_are_in_the_schema() -> None:
    schema = guide_schema()["properties"]
    assert set(schema["contact"]["properties"]) == {"name", "email"}
    assert "pattern" in schema["contact"]["properties"]["email"]
    assert schema["license"]["type"] == "string"


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Guide:
    return write_guide(tmp_path_factory.mktemp("stub"))


def with_source(guide: Guide, **source: str) -> Guide:
    return dataclasses.replace(guide, source=Source(**source))


@pytest.mark.parametrize("language", ["en-US", "es-US"])
def test_copyright_fits_apples_limit_and_keeps_the_author(stub: Guide, language: str) -> None:
    long_title = (
        "Infant and Toddler Mental Health: How Parents Can Create A Healthy Foundation for "
        "Social Emotional Development In the Early Years and Beyond"
    )
    guide = dataclasses.replace(
        with_source(
            stub,
            title=long_title,
            author="Jessica Taylor-Pickford, LCSW, IMH-E (Mentor Clinical)",
            date="febrero de 2021",
        ),
        language=language,
    )
    line = copyright_line(guide)
    assert len(line) <= FIELD_LIMIT
    assert line.startswith("© 2026 Test Clinic.")
    assert "Jessica Taylor-Pickford, LCSW, IMH-E (Mentor Clinical)" in line
    assert "Infant and Toddler Mental Health" in line and "2021" in line
    # A short one is left whole; a title longer than the limit on its own is cut at a word.
    short = with_source(stub, title="A Title", author="A. Writer", date="2021")
    expected = "© 2026 Test Clinic. Paraphrased from “A Title” by A. Writer, 2021."
    assert copyright_line(short) == expected
    huge = with_source(stub, title="word " * 80, author="A. Writer", date="2021")
    cut = copyright_line(huge)
    assert len(cut) <= FIELD_LIMIT and "…" in cut and "A. Writer" in cut


def test_every_channel_text_of_the_shipped_guides_fits_the_limit() -> None:
    root = Path(__file__).resolve().parents[2] / "scripts"
    for folder in (root, root / "es"):
        guide = load_guide(folder)
        assert len(copyright_line(guide)) <= FIELD_LIMIT, folder


# --- the versioned audio URL -------------------------------------------------------------


class _Audio(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.src: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "audio":
            self.src += [v or "" for k, v in attrs if k == "src"]


def links_to_first_episode(out: Path) -> dict[str, str]:
    root = ET.parse(out / "feed.xml").getroot()
    item = root.findall("channel/item")[0]
    enclosure = item.find("enclosure")
    assert enclosure is not None
    page = _Audio()
    page.feed((out / "index.html").read_text("utf-8"))
    worker = (out / "sw.js").read_text("utf-8").split("var FILES = ", 1)[1].split(";\n")[0]
    listed = [f["path"] for f in json.loads(worker) if ".mp3" in f["path"]]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    urls = [f["url"] for f in manifest["files"] if "url" in f]
    return {
        "guid": item.findtext("guid") or "",
        "feed": enclosure.get("url", "").removeprefix(BASE),
        "page": page.src[0],
        "worker": sorted(listed)[0],
        "manifest": sorted(urls)[0],
    }


def test_new_audio_gets_a_new_url_and_keeps_its_guid(tmp_path: Path, tones: Path) -> None:
    guide, episodes = built(tmp_path, tones)
    out = tmp_path / "out"
    publish(guide, episodes, out, base_url=BASE)
    before = links_to_first_episode(out)
    assert before["feed"].startswith("episodes/01-first-steps.mp3?v=")
    assert before["page"] == before["feed"] == before["worker"] == before["manifest"]
    # The same audio again: the same URL.
    publish(guide, episodes, out, base_url=BASE)
    assert links_to_first_episode(out) == before
    # New audio (a longer tone) in the same file name.
    mp3 = episodes[0].mp3
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=500:duration=3.5", "-ac", "1", "-ar", "44100", "-b:a", "64k",
         "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "mp3", str(mp3)],
        check=True,
    )  # fmt: skip
    publish(guide, episodes, out, base_url=BASE)
    after = links_to_first_episode(out)
    assert after["guid"] == before["guid"]
    assert after["feed"] != before["feed"]
    assert after["feed"].startswith("episodes/01-first-steps.mp3?v=")
    assert after["page"] == after["feed"] == after["worker"] == after["manifest"]
    # The second episode did not change: nor did its URL.
    second = [e.get("url") for e in ET.parse(out / "feed.xml").iter("enclosure")][1]
    assert second is not None and "02-second-steps.mp3?v=" in second
