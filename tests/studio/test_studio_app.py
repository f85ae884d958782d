"""Every route of the studio through Flask's test client, with the real engine: what
staff see, hear and save, and what a foreign page cannot do."""

from __future__ import annotations

import io
import os
import time
import wave
from pathlib import Path

import pytest
from conftest import EPISODE_ONE, WriteGuide
from flask import Flask
from flask.testing import FlaskClient
from support.files import tree_hashes
from support.studio import BASE1, PORT, WHERE, get, post

from audioguide.speech.cache import ClipCache

COMMENTED = EPISODE_ONE.replace("id: first-steps", "# Checked by the nurse.\nid: first-steps")


@pytest.fixture
def guide(write_guide: WriteGuide) -> Path:
    return write_guide(**{"episodes/01-first.yaml": COMMENTED})


def test_the_list_shows_episodes_with_status_length_and_checks(client: FlaskClient) -> None:
    page = get(client, "/").get_data(as_text=True)
    assert "First steps" in page and "Second steps" in page
    assert "approved" in page and "~0:" in page  # the estimated length
    # The short episodes are under a minute: check's warning, counted per episode.
    assert "warning" in page
    assert 'href="/episode/_/first-steps"' in page


def test_the_episode_shows_every_sentence_with_a_play_control(client: FlaskClient) -> None:
    page = get(client, "/episode/_/first-steps").get_data(as_text=True)
    for sentence in (
        "Welcome to the first episode.",
        "It is short.",
        "A new paragraph starts here.",
        "After a long pause.",
    ):
        assert sentence in page
    assert page.count('data-action="play"') == 5
    assert "Listen to this chapter" in page and "Pause of 1.5 s" in page
    assert get(client, "/episode/_/nothing").status_code == 404


def test_a_sentence_plays_alone_from_the_build_cache(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    sentence = "Welcome to the first episode."
    response = post(client, app, "/api/speak", {**WHERE, "segment": 1, "text": sentence})
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    with wave.open(io.BytesIO(response.data)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
    assert float(response.headers["X-Seconds"]) == pytest.approx(seconds, abs=1e-3)
    assert 1.0 < seconds < 4.0  # five words at 155 words a minute
    # The very clip the build will use is in its cache now.
    clips = list((tmp_path / "cache").glob("*/*.wav"))
    assert len(clips) == 1 and clips[0].read_bytes() == response.data
    assert ClipCache(tmp_path / "cache").get(clips[0].stem) is not None


def test_edited_text_of_two_sentences_is_heard_with_the_sentence_pause(
    client: FlaskClient, app: Flask
) -> None:
    one = post(client, app, "/api/speak", {**WHERE, "segment": 1, "text": "Hello there."})
    two = post(
        client, app, "/api/speak", {**WHERE, "segment": 1, "text": "Hello there. Hello there."}
    )
    assert two.headers["X-Sentences"] == "2"
    gap = 0.4  # the test guide's sentence pause
    assert float(two.headers["X-Seconds"]) == pytest.approx(
        2 * float(one.headers["X-Seconds"]) + gap, abs=0.01
    )


def test_saving_a_sentence_changes_only_its_line(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = guide / "episodes/01-first.yaml"
    before = path.read_text()
    response = post(
        client,
        app,
        "/api/sentence",
        {
            **WHERE,
            "segment": 1,
            "base": BASE1,
            "sentence": 1,
            "old": "It is short.",
            "text": "It is brief.",
        },
    )
    assert response.status_code == 200 and response.json["ok"], response.json
    after = path.read_text()
    assert after == before.replace("It is short.", "It is brief.")
    assert after.startswith("# Checked by the nurse.")
    # The page shows it at once.
    assert "It is brief." in get(client, "/episode/_/first-steps").get_data(as_text=True)


def test_a_stale_sentence_is_not_saved(client: FlaskClient, app: Flask, guide: Path) -> None:
    before = tree_hashes(guide)
    response = post(
        client,
        app,
        "/api/sentence",
        {**WHERE, "segment": 1, "base": BASE1, "sentence": 1, "old": "Not it.", "text": "New."},
    )
    assert response.status_code == 409 and tree_hashes(guide) == before


def test_a_whole_say_round_trips(client: FlaskClient, app: Flask, guide: Path) -> None:
    got = post(client, app, "/api/say-text", {**WHERE, "segment": 3})
    assert got.json["text"] == got.json["base"] == "One more sentence after a chapter."
    response = post(
        client, app, "/api/say", {**WHERE, "segment": 3, "base": got.json["base"], "text": "Two."}
    )
    assert response.json["ok"]
    assert "  - say: Two.\n" in (guide / "episodes/01-first.yaml").read_text()


def test_a_save_that_breaks_the_guide_is_refused_at_its_line(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    before = tree_hashes(guide)
    # A lexicon entry that says the word again: the loader's error, at guide.yaml's line.
    entry = {"edition": "_", "word": "LCSW", "say_as": "LCSW", "replace": "L C S W"}
    response = post(client, app, "/api/lexicon", entry)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error.startswith(f"{guide}/guide.yaml:") and ": error: lexicon entry 'LCSW'" in error
    line = int(error.split(":")[1])
    assert (guide / "guide.yaml").read_text().splitlines()[line - 1].strip() == "LCSW: L C S W"
    assert tree_hashes(guide) == before
    # An empty text is refused before anything is tried.
    response = post(client, app, "/api/say", {**WHERE, "segment": 1, "base": BASE1, "text": " \n"})
    assert response.status_code == 422 and tree_hashes(guide) == before


def test_warnings_show_next_to_their_segment(client: FlaskClient, app: Flask, guide: Path) -> None:
    long = " ".join(["word"] * 40) + "."
    data = {**WHERE, "segment": 5, "base": "After a long pause.", "text": long}
    response = post(client, app, "/api/say", data)
    assert response.json["ok"]  # a warning does not stop a save
    page = get(client, "/episode/_/first-steps").get_data(as_text=True)
    segment = page.split('id="segment-5"')[1].split('id="segment-6"')[0]
    assert "over 35 words" in segment or "words" in segment
    assert f"{guide}/episodes/01-first.yaml:" in segment and "warning" in segment


def test_status_and_lexicon_are_saved(client: FlaskClient, app: Flask, guide: Path) -> None:
    assert post(client, app, "/api/status", {**WHERE, "status": "draft", "old": "approved"}).json[
        "ok"
    ]
    assert "status: draft\n" in (guide / "episodes/01-first.yaml").read_text()
    bogus = {**WHERE, "status": "bogus", "old": "draft"}
    assert post(client, app, "/api/status", bogus).status_code == 400
    response = post(
        client, app, "/api/lexicon", {"edition": "_", "word": "toddler", "say_as": "tod ler"}
    )
    assert response.json["ok"], response.json
    assert (guide / "guide.yaml").read_text().endswith("  LCSW: L C S W\n  toddler: tod ler\n")


def test_an_edit_made_on_disk_shows_up(client: FlaskClient, guide: Path) -> None:
    first = get(client, "/api/version").json["version"]
    path = guide / "episodes/01-first.yaml"
    path.write_text(path.read_text().replace("It is short.", "Changed elsewhere."))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))  # a coarse clock
    assert get(client, "/api/version").json["version"] != first
    assert "Changed elsewhere." in get(client, "/episode/_/first-steps").get_data(as_text=True)
    # A mistake made on disk is shown at its line.
    path.write_text(path.read_text().replace("id: first-steps", "id: [first"))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    page = get(client, "/").get_data(as_text=True)
    assert "does not load" in page and f"{path}:" in page


def test_preview_of_a_chapter_is_served_from_the_output(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    response = post(client, app, "/api/preview", {**WHERE, "chapter": "More"})
    assert response.json["ok"], response.json
    assert response.json["url"] == "/published/preview/first-steps-ch-more.wav"
    wav = get(client, response.json["url"])
    assert wav.status_code == 200
    with wave.open(io.BytesIO(wav.data)) as w:
        assert w.getnframes() / w.getframerate() > 2.0  # two sentences and a 1.5 s pause
    assert (tmp_path / "out/preview/first-steps-ch-more.wav").read_bytes() == wav.data


def test_preview_of_the_whole_episode(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    response = post(client, app, "/api/preview", WHERE)
    assert response.json["ok"], response.json
    assert response.json["url"] == "/published/preview/first-steps.wav"
    with wave.open(str(tmp_path / "out/preview/first-steps.wav")) as w:
        seconds = w.getnframes() / w.getframerate()
    # Chime, intro, six sentences, outro and the pauses: longer than any chapter.
    assert seconds > 8.0


def test_pages_carry_a_strict_policy(client: FlaskClient) -> None:
    response = get(client, "/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert get(client, "/static/studio.js").status_code == 200


# --- safety ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:1", "localhost"]
)
def test_a_foreign_host_is_refused(client: FlaskClient, host: str) -> None:
    assert get(client, "/", host=host).status_code == 421
    assert get(client, "/api/version", host=host).status_code == 421


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": f"http://evil.example:{PORT}"},
        {"Origin": "null"},
        {"Origin": ""},  # none at all
        {"X-Studio-Token": ""},
        {"X-Studio-Token": "guessed"},
    ],
)
def test_a_change_from_elsewhere_is_refused_and_nothing_written(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path, headers: dict[str, str]
) -> None:
    before, output = tree_hashes(guide), tree_hashes(tmp_path)
    changes = [
        (
            "/api/sentence",
            {**WHERE, "segment": 1, "sentence": 1, "old": "It is short.", "text": "X."},
        ),
        ("/api/say", {**WHERE, "segment": 1, "text": "X."}),
        ("/api/status", {**WHERE, "status": "draft"}),
        ("/api/lexicon", {"edition": "_", "word": "A", "say_as": "B"}),
        ("/api/speak", {**WHERE, "segment": 1, "text": "X."}),
        ("/api/preview", WHERE),
        ("/api/build", {}),
    ]
    for url, data in changes:
        assert post(client, app, url, data, **headers).status_code == 403, url
    assert tree_hashes(guide) == before and tree_hashes(tmp_path) == output


@pytest.mark.parametrize(
    "path",
    [
        "/published/../scripts/guide.yaml",
        "/published/%2e%2e/scripts/guide.yaml",
        "/published/..%2fscripts%2fguide.yaml",
        "/published/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/published//etc/passwd",
        "/published/%2fetc%2fpasswd",
        "/published/..%5cscripts%5cguide.yaml",
        "/published/.audioguide/record.json",
        "/published/outside",
        "/published/preview/%00x",
        "/static/..%2f..%2fcli.py",
    ],
)
def test_no_file_outside_the_output_is_served(
    client: FlaskClient, guide: Path, tmp_path: Path, path: str
) -> None:
    out = tmp_path / "out"
    (out / ".audioguide").mkdir(parents=True, exist_ok=True)
    (out / ".audioguide/record.json").write_text("{}")
    (out / "outside").symlink_to(guide / "guide.yaml")  # a symlink that leads out
    response = get(client, path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert b"title: Test Guide" not in response.data and b"root:" not in response.data


def test_the_published_page_is_served(client: FlaskClient, tmp_path: Path) -> None:
    (tmp_path / "out/episodes").mkdir(parents=True)
    (tmp_path / "out/index.html").write_text("<p>page</p>")
    (tmp_path / "out/episodes/01-x.txt").write_text("text")
    assert get(client, "/published/").data == b"<p>page</p>"
    assert get(client, "/published/episodes/01-x.txt").data == b"text"


def test_the_build_runs_and_reports(client: FlaskClient, app: Flask, tmp_path: Path) -> None:
    started = post(client, app, "/api/build", {})
    assert started.status_code == 202
    assert post(client, app, "/api/build", {}).status_code == 409  # one at a time
    deadline = time.monotonic() + 180
    status = get(client, "/api/build").json
    while status["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = get(client, "/api/build").json
    assert status["state"] == "done", status
    assert status["steps"] > 0  # the page was told how the build went, stage by stage
    assert any("Published 2 of 2 episodes" in line for line in status["lines"])
    assert (tmp_path / "out/episodes/01-first-steps.mp3").stat().st_size > 10_000
    assert "It is short." in (tmp_path / "out/episodes/01-first-steps.txt").read_text()
    assert get(client, "/published/index.html").status_code == 200
