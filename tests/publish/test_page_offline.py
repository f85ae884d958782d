"""What `publish` writes for the listening page, checked on the files (no browser):
read-along times, the offline worker and web app manifest, numbering and lengths.
The browser side is tests/browser/test_page_listening.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import zipfile
from html import unescape
from pathlib import Path

import feedparser
import pytest
from PIL import Image
from support.publish_sample import build_episodes, write_guide

from audioguide.build.report import EpisodeResult
from audioguide.export.transcript import Cue, read_vtt, vtt
from audioguide.model import Guide
from audioguide.publish import bundle, publish
from audioguide.publish.common import player_clock
from audioguide.publish.offline import png_size
from audioguide.publish.readalong import sentences

Site = tuple[Path, Guide, list[EpisodeResult]]


@pytest.fixture
def site(tmp_path: Path, tones: Path) -> Site:
    guide = write_guide(tmp_path / "scripts")
    episodes = build_episodes(tmp_path / "out", tones)
    publish(guide, episodes, tmp_path / "out")
    return tmp_path / "out", guide, episodes


def worker_files(output: Path) -> list[dict[str, str]]:
    return listed_in((output / "sw.js").read_text(encoding="utf-8"))


def listed_in(text: str) -> list[dict[str, str]]:
    match = re.search(r"var FILES = (\[.*?\]);", text, re.S)
    assert match, "sw.js lists no files"
    files: list[dict[str, str]] = json.loads(match[1])
    return files


def test_vtt_reads_back_what_it_wrote() -> None:
    cues = [Cue(0, 1.5, "Tom & <Jerry>."), Cue(1.5, 61.25, "Two  words."), Cue(3700, 3701, "")]
    assert read_vtt(vtt(cues)) == (
        Cue(0.0, 1.5, "Tom & <Jerry>."),
        Cue(1.5, 61.25, "Two words."),
        Cue(3700.0, 3701.0, ""),
    )
    assert read_vtt("WEBVTT\n\nnot a time --> line\nText\n") == ()


def test_sentences_take_their_cues_in_order_and_skip_what_does_not_fit() -> None:
    cues = [
        Cue(0, 1, "Intro."),  # a caption the transcript leaves out
        Cue(1, 2, "One."),
        Cue(2, 3.25, "Two & three."),
        Cue(3.25, 4, "Four."),
    ]
    found = sentences(["One. Two & three.", "Something else.", "Four."], cues)
    assert [[(s.text, s.start, s.end) for s in p] for p in found] == [
        [("One.", "1.0", "2.0"), ("Two & three.", "2.0", "3.25")],
        [],
        [("Four.", "3.25", "4.0")],
    ]
    # Half a paragraph is not a match: no times rather than wrong ones.
    assert sentences(["One. Two & three. Extra."], cues) == [()]


def test_the_page_carries_each_sentences_cue_times(tmp_path: Path, tones: Path) -> None:
    guide = write_guide(tmp_path / "scripts")
    episodes = build_episodes(tmp_path / "out", tones)
    # The sample's VTT holds other words than its transcript: give it matching cues.
    first = episodes[0]
    first.vtt.write_text(
        vtt([Cue(0.25, 1.1, "Sentence in Hello."), Cue(1.3, 2.9, "Sentence in More to say.")]),
        encoding="utf-8",
    )
    publish(guide, episodes, tmp_path / "out")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    spans = re.findall(
        r'<span class="cue" data-player="([^"]+)" data-start="([^"]+)"'
        r' data-end="([^"]+)">([^<]+)</span>',
        html,
    )
    assert spans == [
        ("episode-01-player", "0.25", "1.1", "Sentence in Hello."),
        ("episode-01-player", "1.3", "2.9", "Sentence in More to say."),
    ]
    # The second episode's VTT does not match its transcript: plain paragraphs, no times.
    assert "Sentence in Only." in html and html.count('class="cue"') == 2


def test_page_and_feed_number_episodes_among_the_published(tmp_path: Path, tones: Path) -> None:
    guide = write_guide(tmp_path / "scripts")
    episodes = build_episodes(tmp_path / "out", tones)
    publish(guide, episodes[1:], tmp_path / "out")  # episode 1 still a draft
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Episode 1</span> Second steps" in html and "Episode 2" not in html
    assert 'id="episode-01"' in html
    feed = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes())
    assert [e.itunes_episode for e in feed.entries] == ["1"]


def test_length_is_cut_to_whole_seconds_like_the_player() -> None:
    assert [player_clock(s) for s in (0, 2.6, 59.99, 62.6, 3599.9, 3600.4)] == [
        "0:00",
        "0:02",
        "0:59",
        "1:02",
        "59:59",
        "1:00:00",
    ]


def test_worker_lists_every_published_file_with_its_hash(site: Site) -> None:
    output = site[0]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    # The audio under the URL the page plays it from (its version in the query).
    listed = {f.get("url", f["path"]): f["sha256"] for f in manifest["files"]}
    assert {"sw.js", "app.webmanifest"} <= set(listed)
    kept = {f["path"]: f["sha256"] for f in worker_files(output)}
    # Everything but itself and manifest.json (which hold its hash), with the same hashes.
    assert kept == {p: h for p, h in listed.items() if p != "sw.js"}
    for path, digest in kept.items():
        file = path.split("?v=")[0]
        assert hashlib.sha256((output / file).read_bytes()).hexdigest() == digest
    names = set(zipfile.ZipFile(bundle(output, output.parent / "g.zip")).namelist())
    assert {"sw.js", "app.webmanifest"} <= names


def test_a_rebuilt_episode_changes_the_worker_and_nothing_else_does(site: Site) -> None:
    output, guide, episodes = site
    before = {p: p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}
    publish(guide, episodes, output)
    after = {p: p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}
    assert after == before  # same inputs, same bytes
    old_worker = (output / "sw.js").read_text(encoding="utf-8")
    old_files = listed_in(old_worker)
    mp3 = episodes[1].mp3
    mp3.write_bytes(mp3.read_bytes() + b"\0")  # as if the episode had been built again
    rebuilt = [*episodes[:1], dataclasses.replace(episodes[1], size=mp3.stat().st_size)]
    publish(guide, rebuilt, output)
    new_worker = (output / "sw.js").read_text(encoding="utf-8")
    assert new_worker != old_worker
    changed = {f["path"] for f in worker_files(output) if f not in old_files}
    # The MP3 (under its new version), the feed (which states its size and links that
    # version) and the page (which plays it): only these are fetched again.
    version = hashlib.sha256(mp3.read_bytes()).hexdigest()[:12]
    new_url = f"{mp3.relative_to(output).as_posix()}?v={version}"
    assert new_url in changed
    assert changed <= {new_url, "feed.xml", "index.html"}


def test_web_app_manifest(site: Site) -> None:
    output = site[0]
    document = json.loads((output / "app.webmanifest").read_text(encoding="utf-8"))
    assert document["name"] == "Test Guide" and document["lang"] == "en-US"
    assert document["scope"] == "./" and document["start_url"] == "./index.html"
    assert document["display"] == "standalone"
    # Icons Chromium accepts for install (144 to 1024 px), one maskable, all the cover.
    assert document["icons"] == [
        {"src": "icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    cover = Image.open(output / "cover.png").convert("RGB")
    for icon in document["icons"]:
        with Image.open(output / icon["src"]) as image:
            assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
            assert png_size((output / icon["src"]).read_bytes()) == image.size
            # The cover, scaled: its middle pixel's colour, within resampling's error.
            middle = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
            expected = cover.getpixel((cover.width // 2, cover.height // 2))
            assert all(abs(a - b) <= 24 for a, b in zip(middle, expected, strict=True))
    with Image.open(output / "icon-maskable-512.png") as image:
        # The safe zone's margin is the cover's edge colour, not transparent or black.
        assert image.convert("RGB").getpixel((10, 256)) == cover.getpixel((0, 0))
    # Listed with their hashes, so the offline copy and bundles take them.
    listed = {f["path"] for f in json.loads((output / "manifest.json").read_text())["files"]}
    assert {"icon-192.png", "icon-512.png", "icon-maskable-512.png"} <= listed
    assert {"icon-192.png", "icon-512.png"} <= {f["path"] for f in worker_files(output)}
    assert document["background_color"] == "#fbfaf7"
    dark = document["user_preferences"]["color_scheme_dark"]
    assert dark["background_color"] == "#151b20"
    html = (output / "index.html").read_text(encoding="utf-8")
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert found
    csp = unescape(found[1])
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Added by the script over http(s) only: a file:// page must not ask for them.
    assert 'rel="manifest"' not in html


def test_without_javascript_the_controls_it_needs_stay_hidden(site: Site) -> None:
    html = (site[0] / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<div class="settings" id="settings"[^>]* hidden>', html)
    assert re.search(r'<div class="bar" id="bar"[^>]* hidden', html)
    assert len(re.findall(r'<p class="play-row" hidden>', html)) == len(site[2])
    # The players themselves keep the browser's controls and fetch nothing until played.
    players = re.findall(r"<audio [^>]*>", html)
    assert len(players) == len(site[2])
    assert all(" controls " in p and 'preload="none"' in p for p in players)
    progress = re.findall(r'<p class="progress"( hidden)?>', html)
    assert progress == [" hidden"] * len(site[2])
    assert all(" hidden" in hint for hint in re.findall(r'<p class="hint"[^>]*>', html))


def test_icons_follow_the_cover(site: Site) -> None:
    output, guide, episodes = site
    before = (output / "icon-192.png").read_bytes()
    # A new cover (the guide's title changed): new icons, drawn from it.
    renamed = dataclasses.replace(guide, title="Another Title")
    publish(renamed, episodes, output)
    after = (output / "icon-192.png").read_bytes()
    assert after != before
    cover = Image.open(output / "cover.png").convert("RGB").resize((192, 192))
    icon = Image.open(output / "icon-192.png").convert("RGB")
    differences = [
        abs(a - b)
        for x in range(0, 192, 16)
        for y in range(0, 192, 16)
        for a, b in zip(icon.getpixel((x, y)), cover.getpixel((x, y)), strict=True)
    ]
    assert max(differences) < 64 and sum(differences) / len(differences) < 8
    # Publishing again with the same cover keeps the same bytes.
    publish(renamed, episodes, output)
    assert (output / "icon-192.png").read_bytes() == after
