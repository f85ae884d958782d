"""The studio on an unlucky or hostile day: no guide, the same guide under two names,
links in the guide, invisible characters, a full disk, huge or deep requests, a build
stopped with Ctrl-C. Each ends in one sentence and an intact guide."""

from __future__ import annotations

import errno
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import pytest
from conftest import EPISODE_ONE, WriteGuide
from flask import Flask
from flask.testing import FlaskClient
from support.files import tree_hashes
from support.studio import BASE1, ORIGIN, PORT, WHERE, get, post, token

from audioguide.studio import pipeline, server, workspace
from audioguide.studio.app import create_app
from audioguide.system.lock import LockedError


def studio_app(guide: Path, tmp_path: Path) -> tuple[Flask, FlaskClient]:
    app = create_app(guide, tmp_path / "out", tmp_path / "cache", PORT)
    return app, app.test_client()


def test_a_folder_without_a_guide_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for args, said in (
        ([], "scripts: error: guide folder not found"),
        (["scirpts"], "scirpts: error: guide folder not found"),
        (["empty"], "empty/guide.yaml: error: file not found"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "audioguide", "studio", *args, "--no-browser"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and done.stdout == "", done
        [line] = done.stderr.splitlines()
        assert line.startswith(said), line
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["empty"]


def test_one_guide_under_two_names_shares_one_lock(write_guide: WriteGuide, tmp_path: Path) -> None:
    guide = write_guide()
    link = tmp_path / "same-guide"
    link.symlink_to(guide)
    with server.guide_lock(guide), pytest.raises(LockedError) as refused, server.guide_lock(link):
        pass
    message = str(refused.value)
    assert f"another studio (process {os.getpid()})" in message and "Ctrl-C" in message
    with server.guide_lock(link):  # free again once the first studio stops
        pass


def test_a_symlinked_sound_inside_the_guide_does_not_stop_saves(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    guide = write_guide(**{"episodes/01-first.yaml": EPISODE_ONE + "  - sound: sounds/bell.wav\n"})
    (guide / "sounds").mkdir()
    with wave.open(str(guide / "sounds/real.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes(b"\1\0" * 22050)
    (guide / "sounds/bell.wav").symlink_to("real.wav")
    app, client = studio_app(guide, tmp_path)
    answer = post(client, app, "/api/sentence", sentence("It is brief."))
    assert answer.status_code == 200, answer.json
    assert "It is brief." in (guide / "episodes/01-first.yaml").read_text()
    assert (guide / "sounds/bell.wav").is_symlink()


def sentence(
    text: str, index: int = 1, old: str = "It is short.", base: str = BASE1
) -> dict[str, Any]:
    return {**WHERE, "segment": 1, "base": base, "sentence": index, "old": old, "text": text}


@pytest.mark.parametrize(
    "written",
    [
        "Cafe\u0301 au lait is served.",  # an accent written as two code points (NFD)
        "A long\u00adword is split.",  # a soft hyphen
        "A zero\u200bwidth space hides.",
    ],
)
def test_invisible_characters_do_not_make_a_sentence_uneditable(
    write_guide: WriteGuide, tmp_path: Path, written: str
) -> None:
    episode = EPISODE_ONE.replace("It is short.", written)
    guide = write_guide(**{"episodes/01-first.yaml": episode})
    app, client = studio_app(guide, tmp_path)
    page = get(client, "/episode/_/first-steps").get_data(as_text=True)
    shown = re.search(r'data-base="([^"]*Welcome[^"]*)"', page)
    assert shown
    base = html.unescape(shown.group(1))
    old = base.split("\n\n")[0].split(". ", 1)[1]
    answer = post(client, app, "/api/sentence", sentence("It is plain now.", old=old, base=base))
    assert answer.status_code == 200, answer.json
    saved = (guide / "episodes/01-first.yaml").read_text()
    assert "It is plain now." in saved and "Welcome to the first episode." in saved


def test_a_full_disk_on_save_is_one_line_and_the_file_stays(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    guide = write_guide()
    app, client = studio_app(guide, tmp_path)
    before = tree_hashes(guide)

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(workspace, "atomic_write", full)
    answer = post(client, app, "/api/sentence", sentence("It is brief."))
    assert answer.status_code == 500 and answer.is_json
    assert (
        "Nothing was changed" in answer.json["message"]
        and "01-first.yaml" in answer.json["message"]
    )
    assert tree_hashes(guide) == before
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and err.startswith("audioguide studio: error: ")
        and "Traceback" not in err
    )

    def no_room(*args: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "cache/x.wav"))

    monkeypatch.setattr(pipeline, "speak", no_room)
    heard = post(client, app, "/api/speak", {**WHERE, "segment": 1, "text": "Hello."})
    assert heard.status_code == 500 and heard.is_json and "x.wav" in heard.json["message"]


def test_a_symlinked_guide_yaml_is_refused_in_words(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    guide = write_guide()
    elsewhere = tmp_path / "shared-guide.yaml"
    shutil.move(guide / "guide.yaml", elsewhere)
    (guide / "guide.yaml").symlink_to(elsewhere)
    app, client = studio_app(guide, tmp_path)
    before = elsewhere.read_bytes()
    answer = post(client, app, "/api/lexicon", {"edition": "_", "word": "WIC", "say_as": "wick"})
    assert answer.status_code == 422 and "does not write through links" in answer.json["message"]
    assert elsewhere.read_bytes() == before and (guide / "guide.yaml").is_symlink()


def test_deep_json_and_long_hear_text_are_refused_early(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    guide = write_guide()
    app, client = studio_app(guide, tmp_path)
    headers = {"Origin": ORIGIN, "X-Studio-Token": token(app), "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/say", data=deep, headers=headers, base_url=ORIGIN)
    assert answer.status_code == 400 and answer.is_json, answer.data[:200]
    long = "Hello there. " * 400
    heard = post(client, app, "/api/speak", {**WHERE, "segment": 1, "text": long})
    assert heard.status_code == 413 and "at most 3,000 characters" in heard.json["message"]
    missing = get(client, "/episode/_/nothing")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and 'href="/"' in page and "studio.css" in page


def test_an_edition_folder_named_underscore_is_reachable(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    from conftest import EPISODE_TWO, GUIDE

    guide = write_guide(
        **{
            "_/guide.yaml": GUIDE,
            "_/episodes/01-own.yaml": EPISODE_TWO.replace("second-steps", "own-steps"),
        }
    )
    _, client = studio_app(guide, tmp_path)
    index = get(client, "/").get_data(as_text=True)
    assert 'href="/episode/__/own-steps"' in index
    page = get(client, "/episode/__/own-steps")
    assert page.status_code == 200 and "The second episode has two sentences." in page.get_data(
        as_text=True
    )
    assert get(client, "/episode/_/own-steps").status_code == 404  # the top one has no such


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_stopping_during_a_build_prints_one_line(tmp_path: Path, stop: str) -> None:
    from support.studio import REPO

    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    process = subprocess.Popen(
        [sys.executable, "-m", "audioguide", "studio", "scripts", "--no-browser"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a group of its own: Ctrl-C reaches all of it, as in a terminal
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    import urllib.request

    html = urllib.request.urlopen(url, timeout=30).read().decode()
    key = re.search(r'studio-token" content="([^"]+)"', html)
    assert key
    request = urllib.request.Request(
        url + "api/build",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Studio-Token": key.group(1),
            "Origin": url.rstrip("/"),
        },
    )
    assert urllib.request.urlopen(request, timeout=30).status == 202
    time.sleep(4)  # speaking by now
    if stop == "SIGKILL":  # the studio alone: its orphaned build ends itself, silently
        os.kill(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=60)  # EOF once the orphan is gone too
        assert out.splitlines()[1:] == [], out
        return
    os.killpg(process.pid, getattr(signal, stop))
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    assert out.splitlines()[1:] == ["Studio stopped."], out


def test_idle_connections_and_huge_bodies_do_not_lock_staff_out(tmp_path: Path) -> None:
    import socket

    from support.studio import REPO, start_studio

    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    studio = start_studio(tmp_path)
    idle: list[socket.socket] = []
    try:
        for _ in range(150):  # more than waitress's default limit of open connections
            idle.append(socket.create_connection(("127.0.0.1", studio.port), timeout=10))
        huge = socket.create_connection(("127.0.0.1", studio.port), timeout=10)
        huge.sendall(
            f"POST /api/say HTTP/1.1\r\nHost: 127.0.0.1:{studio.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 600000000\r\n\r\n".encode()
        )
        started = time.monotonic()
        answer = huge.recv(200).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413"), answer  # refused before it is sent
        assert time.monotonic() - started < 5
        huge.close()
        import urllib.request

        started = time.monotonic()
        page = urllib.request.urlopen(studio.url, timeout=10)  # staff's own page still opens
        assert page.status == 200 and time.monotonic() - started < 5
    finally:
        for s in idle:
            s.close()
        studio.process.send_signal(signal.SIGINT)
        studio.process.communicate(timeout=30)
