"""A guide with one broken episode file in the studio (Flask's test client, the real
engine): the other episodes open, play, are heard and saved; the broken file shows
check's error on the list and on its own page, and is fixed there; every page a
broken guide leads to is the studio's, with a way back; nothing is built meanwhile."""

from __future__ import annotations

import hashlib
import io
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from conftest import EPISODE_ONE, EPISODE_TWO, STUDIO_PORT, WriteGuide
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from support.files import tree_hashes
from support.studio import get, post

from audioguide.build import session
from audioguide.errors import ScriptErrors
from audioguide.loader import load_healthy
from audioguide.studio.app import create_app

PORT = STUDIO_PORT
SUMMARY = "Where it goes on: the second part."
BROKEN = EPISODE_TWO.replace("summary: Where it goes on.", f"summary: {SUMMARY}")
FIXED = BROKEN.replace(f"summary: {SUMMARY}", f'summary: "{SUMMARY}"')
FIRST = {"edition": "_", "episode": "first-steps"}
BASE1 = "Welcome to the first episode. It is short.\n\nA new paragraph starts here."
BROKEN_PAGE = "/script/_/episodes/02-second.yaml"


@pytest.fixture
def guide(write_guide: WriteGuide) -> Path:
    return write_guide(**{"episodes/02-second.yaml": BROKEN})


def options(guide: Path, tmp_path: Path) -> session.BuildOptions:
    return session.BuildOptions(guide, tmp_path / "out", tmp_path / "cache")


def check_errors(guide: Path, tmp_path: Path) -> list[Any]:
    """What `audioguide check` reports for the guide: its errors."""
    [checked] = session.check_guide(options(guide, tmp_path))
    assert checked.guide is None  # the whole guide does not load
    return [d for d in checked.diagnostics if d.severity == "error"]


def esc(text: str) -> str:
    """`text` as the page's template writes it."""
    return str(escape(text))


def seconds_of(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def styled_with_a_way_back(page: str) -> None:
    assert '<link rel="stylesheet" href="/static/studio.css">' in page
    assert '<nav aria-label="Breadcrumb"><a href="/">All episodes</a></nav>' in page
    assert "<h1" in page and "Not Found" not in page


def test_the_list_shows_the_broken_file_with_checks_error_and_the_other_episodes(
    client: FlaskClient, guide: Path, tmp_path: Path
) -> None:
    [error] = check_errors(guide, tmp_path)
    assert error.where.path.endswith("episodes/02-second.yaml") and error.where.line == 3
    page = get(client, "/").get_data(as_text=True)
    # check's very words: file:line:col, the message and the hint.
    assert f"<code>{error.where}</code>" in page
    assert esc(error.message) in page and esc(error.hint) in page
    assert f'href="{BROKEN_PAGE}"' in page and 'data-path="episodes/02-second.yaml"' in page
    assert "1 file of this guide does not load" in page
    # The other episode is listed, with its length, and opens.
    assert 'href="/episode/_/first-steps"' in page and "First steps" in page
    assert "~0:" in page
    opened = get(client, "/episode/_/first-steps")
    assert opened.status_code == 200
    episode = opened.get_data(as_text=True)
    assert "Welcome to the first episode." in episode and 'data-action="play"' in episode
    assert f'href="{BROKEN_PAGE}"' in episode and "does not load" in episode
    # Adding an episode waits for the fix (the new one's number and id need every file).
    assert "Add an episode" not in page


def test_the_other_episodes_are_heard_and_listened_to(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    played = post(client, app, "/api/speak", {**FIRST, "segment": 1, "text": "It is short."})
    assert played.status_code == 200 and played.mimetype == "audio/wav", played.data[:300]
    assert 0.5 < seconds_of(played.data) < 3.0
    two = post(
        client, app, "/api/speak", {**FIRST, "segment": 1, "text": "It is short. It is short."}
    )
    gap = 0.4  # the test guide's sentence pause
    assert seconds_of(two.data) == pytest.approx(2 * seconds_of(played.data) + gap, abs=0.01)
    listened = post(client, app, "/api/preview", {**FIRST, "chapter": "More"})
    assert listened.json["ok"], listened.json
    wav = get(client, listened.json["url"])
    assert wav.status_code == 200 and seconds_of(wav.data) > 2.0  # two sentences, a pause
    # Nothing of the broken episode can be heard: it is not loaded.
    second = {"edition": "_", "episode": "second-steps", "segment": 1, "text": "Hello."}
    assert post(client, app, "/api/speak", second).status_code == 404


def test_the_other_episodes_are_saved_and_a_save_adding_an_error_is_refused(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path
) -> None:
    path = guide / "episodes/01-first.yaml"
    saved = post(
        client,
        app,
        "/api/sentence",
        {
            **FIRST,
            "segment": 1,
            "base": BASE1,
            "sentence": 1,
            "old": "It is short.",
            "text": "It is brief.",
        },
    )
    assert saved.status_code == 200 and saved.json["ok"], saved.json
    assert path.read_text() == EPISODE_ONE.replace("It is short.", "It is brief.")
    assert "It is brief." in get(client, "/episode/_/first-steps").get_data(as_text=True)
    title = post(
        client,
        app,
        "/api/field",
        {**FIRST, "field": "summary", "old": "Where it all starts.", "text": "Start: here."},
    )
    assert title.json["ok"] and 'summary: "Start: here."\n' in path.read_text()
    entry = post(
        client, app, "/api/lexicon", {"edition": "_", "word": "NICU", "say_as": "nick you"}
    )
    assert entry.json["ok"] and "NICU: nick you" in (guide / "guide.yaml").read_text()
    # A save that adds an error is still refused, with check's line, and writes nothing.
    before = tree_hashes(guide)
    new_text = BASE1.replace("It is short.", "It is brief.")
    refused = post(client, app, "/api/say", {**FIRST, "segment": 1, "base": new_text, "text": "🙂"})
    assert refused.status_code == 422, refused.json
    [added] = refused.json["errors"]
    assert added.startswith(f"{guide}/episodes/01-first.yaml:")
    assert "nothing a voice can say" in added
    assert tree_hashes(guide) == before
    # The broken file's own error is not the save's: it is never listed as added.
    assert "02-second.yaml" not in " ".join(refused.json["errors"])


def test_the_broken_file_is_fixed_on_its_own_page_and_everything_loads(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path
) -> None:
    # The episode's page, open when its file broke, leads to the file's page.
    moved = get(client, "/episode/_/second-steps")
    assert moved.status_code == 302 and moved.headers["Location"] == BROKEN_PAGE
    page = get(client, BROKEN_PAGE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    styled_with_a_way_back(text)
    [error] = check_errors(guide, tmp_path)
    assert f"<code>{error.where}</code>" in text and esc(error.hint) in text
    # Its whole text is in the box, with the hash a save says it replaces.
    source = (guide / "episodes/02-second.yaml").read_text()
    assert f">\n{esc(source)}</textarea>" in text
    base = hashlib.sha256(source.encode()).hexdigest()
    assert f'data-base="{base}"' in text
    fixed = post(
        client,
        app,
        "/api/file",
        {"edition": "_", "path": "episodes/02-second.yaml", "base": base, "text": FIXED},
    )
    assert fixed.json == {"ok": True, "message": "Saved episodes/02-second.yaml."}
    assert (guide / "episodes/02-second.yaml").read_text() == FIXED
    # The page reloads onto the episode, which now opens, plays and is built.
    back = get(client, BROKEN_PAGE)
    assert back.status_code == 302 and back.headers["Location"] == "/episode/_/second-steps"
    episode = get(client, "/episode/_/second-steps").get_data(as_text=True)
    assert SUMMARY in episode and "does not load" not in episode
    listed = get(client, "/").get_data(as_text=True)
    assert "does not load" not in listed and 'href="/episode/_/second-steps"' in listed
    assert "Add an episode" in listed
    heard = post(
        client,
        app,
        "/api/speak",
        {"edition": "_", "episode": "second-steps", "segment": 1, "text": "This is the other one."},
    )
    assert heard.status_code == 200 and seconds_of(heard.data) > 0.5
    [checked] = session.check_guide(options(guide, tmp_path))
    assert checked.guide is not None and checked.errors == 0


def test_a_fix_that_is_still_broken_is_refused_with_the_new_error(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    source = (guide / "episodes/02-second.yaml").read_text()
    base = hashlib.sha256(source.encode()).hexdigest()
    still = FIXED.replace("title: Second steps", "title: Second: steps")
    refused = post(
        client,
        app,
        "/api/file",
        {"edition": "_", "path": "episodes/02-second.yaml", "base": base, "text": still},
    )
    assert refused.status_code == 422
    [error] = refused.json["errors"]
    assert error.startswith(f"{guide}/episodes/02-second.yaml:2:") and "title:" in error
    assert (guide / "episodes/02-second.yaml").read_text() == source


def test_pages_a_broken_guide_leads_to_are_styled_with_a_way_back(
    client: FlaskClient, write_guide: WriteGuide, tmp_path: Path
) -> None:
    for url in (
        "/episode/_/no-such-episode",
        "/script/_/guide.yaml",
        "/script/_/../x.yaml",
        "/script/_/episodes/03-none.yaml",
        "/episode/zz/first-steps",
    ):
        answer = get(client, url)
        assert answer.status_code == 404, url
        styled_with_a_way_back(answer.get_data(as_text=True))
    # A file that loads names its episode's page.
    fine = get(client, "/script/_/episodes/01-first.yaml")
    assert fine.status_code == 302 and fine.headers["Location"] == "/episode/_/first-steps"
    # guide.yaml itself broken: no episode loads; each page says so, in the studio's style.
    guide = write_guide(**{"guide.yaml": "title: A: B\n"})
    assert load_healthy(guide) is None
    broken_app = create_app(guide, tmp_path / "out2", tmp_path / "cache2", PORT)
    with broken_app.test_client() as other:
        listed = get(other, "/").get_data(as_text=True)
        assert "This guide does not load" in listed and 'href="/script/_/guide.yaml"' in listed
        answer = get(other, "/episode/_/first-steps")
        assert answer.status_code == 404
        styled_with_a_way_back(answer.get_data(as_text=True))
        page = get(other, "/script/_/guide.yaml")
        assert page.status_code == 200 and "title: A: B" in page.get_data(as_text=True)
        styled_with_a_way_back(page.get_data(as_text=True))


def test_no_build_while_a_file_is_broken(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path
) -> None:
    get(client, "/")  # the studio loaded the healthy episodes (and keeps them in the cache)
    assert any((tmp_path / "cache/guides").glob("*-healthy.json"))
    [error] = check_errors(guide, tmp_path)
    # The library's build refuses with check's line, the studio's cache notwithstanding.
    with pytest.raises(ScriptErrors) as refused:
        session.build(options(guide, tmp_path))
    assert [e.line() for e in refused.value.errors] == [error.line()]
    # So does the studio's Build button, in check's words, and nothing is written.
    started = post(client, app, "/api/build", {})
    assert started.status_code == 202
    deadline = time.monotonic() + 120
    status = get(client, "/api/build").json
    while status["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = get(client, "/api/build").json
    assert status["state"] == "failed" and status["error"] == error.line()
    assert not (tmp_path / "out/episodes").exists()
    assert (
        post(
            client,
            app,
            "/api/episode",
            {"edition": "_", "title": "T", "summary": "S.", "text": "Hi."},
        ).status_code
        == 409
    )
