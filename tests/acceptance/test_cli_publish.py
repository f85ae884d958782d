"""The CLI's publishing options, end to end with the real engine on a tiny guide."""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import EPISODE_TWO, SPANISH_EDITION, WriteGuide
from support.cli import run


def enclosures(feed: Path) -> list[str]:
    """The enclosures' URLs without the audio's version (`?v=`, tested in test_feed_fields)."""
    return [e.get("url", "").split("?v=")[0] for e in ElementTree.parse(feed).iter("enclosure")]


@pytest.fixture
def built(write_guide: WriteGuide, tmp_path: Path, warm_cache: Path) -> Path:
    root = write_guide(**{"episodes__02-second.yaml": "status: draft\n" + EPISODE_TWO})
    code, out = run("build", root, "-o", tmp_path / "out", "--cache-dir", warm_cache, "-q")
    assert code == 0, out
    return tmp_path / "out"


def test_drafts_are_built_but_not_published(built: Path, tmp_path: Path) -> None:
    assert (built / "episodes" / "02-second-steps.mp3").is_file()
    assert enclosures(built / "feed.xml") == ["episodes/01-first-steps.mp3"]
    assert "02-second-steps" not in (built / "playlist.m3u8").read_text()
    root = tmp_path / "scripts"
    code, _ = run("build", root, "-o", built, "--cache-dir", tmp_path / "c", "--drafts", "-q")
    assert code == 0
    assert len(enclosures(built / "feed.xml")) == 2


def test_base_url_makes_links_absolute(built: Path, tmp_path: Path) -> None:
    args = ["build", tmp_path / "scripts", "-o", built, "--cache-dir", tmp_path / "c", "-q"]
    code, _ = run(*args, "--base-url", "https://clinic.example/guide")
    assert code == 0
    assert enclosures(built / "feed.xml") == [
        "https://clinic.example/guide/episodes/01-first-steps.mp3"
    ]
    code, out = run(*args, "--base-url", "javascript:alert(1)")
    assert code == 1 and "Traceback" not in out and "error" in out.lower()


def test_bundle_is_the_manifest_and_deterministic(built: Path, tmp_path: Path) -> None:
    code, out = run("bundle", "-o", built, tmp_path / "a.zip")
    assert code == 0, out
    run("bundle", "-o", built, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    names = zipfile.ZipFile(tmp_path / "a.zip").namelist()
    assert "manifest.json" in names and "episodes/01-first-steps.mp3" in names
    assert not any(n.startswith(".") or "/." in n for n in names)
    assert "episodes/02-second-steps.mp3" not in names  # a draft is not handed out


def test_bundle_before_a_build_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("bundle", "-o", tmp_path / "nothing")
    assert code == 1 and "build the guide first" in out and "Traceback" not in out


def test_summary_table(write_guide: WriteGuide, tmp_path: Path, warm_cache: Path) -> None:
    root = write_guide()
    args = ["build", root, "-o", tmp_path / "o", "--cache-dir", warm_cache]
    code, out = run(*args)
    assert code == 0
    assert "01-first-steps.mp3" in out and "built" in out and "2 of 2 episodes built" in out
    code, out = run(*args)
    assert "Nothing changed: 2 episodes up to date" in out and "reused" in out


def test_editions_link_each_other_and_bundle_together(
    write_guide: WriteGuide, tmp_path: Path, warm_cache: Path
) -> None:
    root = write_guide(**SPANISH_EDITION)
    out = tmp_path / "out"
    code, text = run("build", root, "-o", out, "--cache-dir", warm_cache, "-q")
    assert code == 0, text
    top, es = (out / "index.html").read_text(), (out / "es" / "index.html").read_text()
    assert '<a href="es/index.html" hreflang="es-US" lang="es-US">Guía de prueba</a>' in top
    assert '<link rel="alternate" hreflang="es-US" href="es/index.html">' in top
    assert '<a href="../index.html" hreflang="en-US" lang="en-US">Test Guide</a>' in es
    assert "Esta guía en otros idiomas:" in es and "This guide in other languages:" in top
    assert json.loads((out / "manifest.json").read_text())["editions"] == ["es"]
    assert json.loads((out / "es" / "manifest.json").read_text())["editions"] == []

    code, text = run("bundle", "-o", out, tmp_path / "guide.zip")
    assert code == 0, text
    names = set(zipfile.ZipFile(tmp_path / "guide.zip").namelist())
    assert {"index.html", "es/index.html", "es/manifest.json", "es/cover.png"} <= names
    assert "es/episodes/01-primeros-pasos.mp3" in names
    # Every local link on both pages points at a file the zip holds.
    for page, prefix in ((top, ""), (es, "es/")):
        for href in re.findall(r'(?:href|src)="([^"#:?]+)', page):
            assert posixpath.normpath(prefix + href) in names, href

    # An edition folder that has lost its files is refused, not half-bundled.
    (out / "es" / "manifest.json").unlink()
    code, text = run("bundle", "-o", out, tmp_path / "again.zip")
    assert code == 1 and "es/manifest.json not found" in text
    assert not (tmp_path / "again.zip").exists()
