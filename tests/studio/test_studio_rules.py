"""One rule set: what the studio refuses to save is what `audioguide check` refuses in a
file, in the same words, and what check accepts the studio saves. Each rule is tried
from both sides: typed into the studio, and written into a file and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, GUIDE, WriteGuide
from flask import Flask
from flask.testing import FlaskClient
from support.files import tree_hashes
from support.studio import BASE1, WHERE, post

from audioguide import cli


@pytest.fixture
def guide(write_guide: WriteGuide) -> Path:
    return write_guide()


def check(scripts: Path, cache: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli.cli, ["check", str(scripts), "--cache-dir", str(cache)])
    return result.exit_code, result.output


def studio_sentence(client: FlaskClient, app: Flask, index: int, old: str, new: str) -> object:
    data = {**WHERE, "segment": 1, "base": BASE1, "sentence": index, "old": old, "text": new}
    return post(client, app, "/api/sentence", data)


def test_an_emoji_only_sentence_is_refused_by_both(
    client: FlaskClient, app: Flask, guide: Path, write_guide: WriteGuide, tmp_path: Path
) -> None:
    before = tree_hashes(guide)
    answer = studio_sentence(client, app, 1, "It is short.", "\U0001f476\U0001f37c.")
    assert answer.status_code == 422, answer.json  # type: ignore[attr-defined]
    [line] = answer.json["errors"]  # type: ignore[attr-defined]
    assert ": error: nothing a voice can say in" in line and tree_hashes(guide) == before
    # The same text written into the file: check refuses it, in the same words.
    write_guide(
        **{"episodes/01-first.yaml": EPISODE_ONE.replace("It is short.", "\U0001f476\U0001f37c.")}
    )
    code, out = check(guide, tmp_path / "cache")
    assert code == 2 and line.split(": error: ")[1] in out, out


def test_a_sentence_without_a_full_stop_is_not_joined_to_the_next(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path
) -> None:
    before = tree_hashes(guide)
    answer = studio_sentence(client, app, 0, "Welcome to the first episode.", "Welcome all")
    assert answer.status_code == 422
    message = answer.json["message"]  # type: ignore[attr-defined]
    assert "would run into the sentence next to it" in message and "full stop" in message
    assert tree_hashes(guide) == before
    # At the end of its paragraph nothing runs into it: saved, and check agrees.
    answer = studio_sentence(client, app, 1, "It is short.", "It is short and sweet")
    assert answer.json["ok"], answer.json  # type: ignore[attr-defined]
    assert "It is short and sweet\n" in (guide / "episodes/01-first.yaml").read_text()
    code, out = check(guide, tmp_path / "cache")
    assert code == 0, out


def test_a_lexicon_entry_said_as_emoji_is_refused_by_both(
    client: FlaskClient, app: Flask, guide: Path, write_guide: WriteGuide, tmp_path: Path
) -> None:
    before = tree_hashes(guide)
    entry = {"edition": "_", "word": "toddler", "say_as": "\U0001f476"}
    answer = post(client, app, "/api/lexicon", entry)
    assert answer.status_code == 422, answer.json
    [line] = answer.json["errors"]
    assert "lexicon entry 'toddler' is said as" in line and "which a voice cannot say" in line
    assert tree_hashes(guide) == before
    write_guide(**{"guide.yaml": GUIDE + "  toddler: \U0001f476\n"})
    code, out = check(guide, tmp_path / "cache")
    assert code == 2 and line.split(": error: ")[1] in out, out
    # What check accepts, the studio saves.
    write_guide(**{"guide.yaml": GUIDE})
    entry["say_as"] = "tod ler"
    assert post(client, app, "/api/lexicon", entry).json["ok"]
    assert check(guide, tmp_path / "cache")[0] == 0


def test_hear_says_a_pronunciation_before_it_is_added(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    import io
    import wave

    before = tree_hashes(guide)

    def seconds(**more: object) -> float:
        data = {**WHERE, "segment": 1, "text": "It is short.", **more}
        answer = post(client, app, "/api/speak", data)
        assert answer.status_code == 200, answer.json
        with wave.open(io.BytesIO(answer.data)) as w:
            return w.getnframes() / w.getframerate()

    plain = seconds()
    trying = {"word": "short", "say_as": "not long at all, in any way whatsoever"}
    assert seconds(lexicon=trying) > plain + 1.0  # seven more words, said
    assert seconds() == pytest.approx(plain)  # nothing was saved
    assert tree_hashes(guide) == before
