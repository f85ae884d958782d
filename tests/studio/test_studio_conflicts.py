"""No save of the studio ever loses another edit: two tabs racing, a text editor saving
between load and save (or during the trial), a part removed above the one being edited.
Each lost-update path ends either with both edits in the file or with a conflict that
names what happened in words, carries both versions, and wrote nothing."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import EPISODE_ONE, STUDIO_PORT, WriteGuide
from flask import Flask
from flask.testing import FlaskClient
from support.files import tree_hashes
from support.studio import BASE1, ORIGIN, WHERE, post, token

from audioguide.studio.workspace import Workspace

PORT = STUDIO_PORT
THIRD = "One more sentence after a chapter."


@pytest.fixture
def guide(write_guide: WriteGuide) -> Path:
    return write_guide()


def episode(guide: Path) -> Path:
    return guide / "episodes/01-first.yaml"


def sentence(text: str, index: int = 1, old: str = "It is short.", **more: Any) -> dict[str, Any]:
    return {
        **WHERE,
        "segment": 1,
        "base": BASE1,
        "sentence": index,
        "old": old,
        "text": text,
        **more,
    }


def in_words(answer: Any) -> str:
    """The conflict's message: a sentence that says what happened, not a status number."""
    message = answer.json["message"]
    assert message.startswith("Not saved: ") and "409" not in message
    return str(message)


def race(app: Flask, payloads: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Send every request at once, each from a thread and client of its own."""
    answers: list[Any] = [None] * len(payloads)
    start = threading.Barrier(len(payloads))

    def send(i: int, url: str, data: dict[str, Any]) -> None:
        c = app.test_client()
        start.wait()
        answers[i] = c.post(
            url,
            json=data,
            headers={"Origin": ORIGIN, "X-Studio-Token": token(app)},
            base_url=ORIGIN,
        )

    threads = [threading.Thread(target=send, args=(i, *p)) for i, p in enumerate(payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_two_tabs_saving_one_sentence_at_once_lose_nothing(app: Flask, guide: Path) -> None:
    answers = race(
        app,
        [("/api/sentence", sentence("It is brief.")), ("/api/sentence", sentence("It is tiny."))],
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.json for a in answers]
    _, lost = sorted(answers, key=lambda a: a.status_code)
    saved = episode(guide).read_text()
    winner = "It is brief." if "It is brief." in saved else "It is tiny."
    loser = "It is tiny." if winner == "It is brief." else "It is brief."
    assert winner in saved and loser not in saved and "It is short." not in saved
    # The other tab is told, with both versions: nothing it typed is lost.
    assert "changed by someone else" in in_words(lost)
    conflict = lost.json["conflict"]
    assert loser in conflict["mine"] and winner in conflict["theirs"]
    # "Keep mine" is the request the conflict carries: it saves over what it saw.
    retry = conflict["retry"]
    kept = post(app.test_client(), app, retry["url"], {**WHERE, **retry["data"]})
    assert kept.status_code == 200, kept.json
    assert loser in episode(guide).read_text() and winner not in episode(guide).read_text()


def test_two_tabs_saving_different_parts_at_once_both_land(app: Flask, guide: Path) -> None:
    answers = race(
        app,
        [
            ("/api/sentence", sentence("It is brief.")),
            ("/api/say", {**WHERE, "segment": 3, "base": THIRD, "text": "A later part, changed."}),
            ("/api/lexicon", {"edition": "_", "word": "toddler", "say_as": "tod ler"}),
            ("/api/lexicon", {"edition": "_", "word": "WIC", "say_as": "wick"}),
        ],
    )
    assert [a.status_code for a in answers] == [200, 200, 200, 200], [a.json for a in answers]
    saved = episode(guide).read_text()
    assert "It is brief." in saved and "A later part, changed." in saved
    lexicon = (guide / "guide.yaml").read_text()
    assert "toddler: tod ler" in lexicon and "WIC: wick" in lexicon and "LCSW: L C S W" in lexicon


def test_a_whole_text_box_opened_before_a_colleagues_save_does_not_overwrite_it(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    opened = post(client, app, "/api/say-text", {**WHERE, "segment": 1}).json
    assert post(client, app, "/api/sentence", sentence("A colleague wrote this.")).json["ok"]
    colleague = episode(guide).read_text()
    mine = opened["text"].replace("Welcome", "Hello")
    answer = post(
        client, app, "/api/say", {**WHERE, "segment": 1, "base": opened["base"], "text": mine}
    )
    assert answer.status_code == 409 and "changed by someone else" in in_words(answer)
    assert episode(guide).read_text() == colleague
    conflict = answer.json["conflict"]
    assert conflict["mine"] == mine and "A colleague wrote this." in conflict["theirs"]
    # Merge by hand: the merged text, sent with the conflict's request, keeps both.
    merged = conflict["theirs"].replace("Welcome", "Hello")
    retry = conflict["retry"]
    data = {**WHERE, **retry["data"], retry["field"]: merged}
    assert post(client, app, retry["url"], data).json["ok"]
    assert "Hello to the first episode. A colleague wrote this." in episode(guide).read_text()


def test_a_file_changed_on_disk_between_load_and_save_is_kept(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    client.get("/episode/_/first-steps", base_url=ORIGIN)  # the page is loaded
    path.write_text(path.read_text().replace("It is short.", "An editor wrote this."))
    before = tree_hashes(guide)
    answer = post(client, app, "/api/sentence", sentence("It is brief."))
    assert answer.status_code == 409, answer.json
    assert tree_hashes(guide) == before
    assert "An editor wrote this." in answer.json["conflict"]["theirs"]
    # An edit on disk elsewhere in the file is no conflict: both are kept.
    path.write_text(path.read_text().replace("After a long pause.", "After a pause."))
    third = {**WHERE, "segment": 3, "base": THIRD, "text": "Changed in the studio."}
    assert post(client, app, "/api/say", third).json["ok"]
    saved = path.read_text()
    assert "After a pause." in saved and "An editor wrote this." in saved
    assert "Changed in the studio." in saved


def test_a_part_removed_above_cannot_redirect_a_save(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    # A text editor removes the first chapter and its part: every part below moves up.
    source = path.read_text()
    cut = source.index("  - chapter: Hello")
    path.write_text(source[:cut] + source[source.index("  - chapter: More") :])
    answer = post(
        client,
        app,
        "/api/say",
        {**WHERE, "segment": 3, "base": THIRD, "text": "Saved where it was."},
    )
    assert answer.status_code == 200, answer.json
    saved = path.read_text()
    assert "  - say: Saved where it was.\n" in saved and "After a long pause." in saved
    # The part the page knew at position 5 is now at 3: a sentence save still finds it.
    one = {**WHERE, "segment": 5, "base": "After a long pause.", "sentence": 0}
    one |= {"old": "After a long pause.", "text": "After the pause."}
    assert post(client, app, "/api/sentence", one).json["ok"]
    assert "Saved where it was." in path.read_text() and "After the pause." in path.read_text()
    # The removed part itself: a conflict that hands back the typed text.
    before = tree_hashes(guide)
    gone = post(client, app, "/api/sentence", sentence("It is brief."))
    assert gone.status_code == 409 and "no longer in" in in_words(gone)
    assert gone.json["conflict"]["mine"].startswith("Welcome to the first episode. It is brief.")
    assert tree_hashes(guide) == before


def test_a_file_saved_on_disk_during_the_trial_is_not_replaced(
    client: FlaskClient, app: Flask, guide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process saves the file while the studio checks its edit: the studio's
    edit is made again on that text (elsewhere in the file), or is a conflict."""
    path = episode(guide)
    tried = Workspace._try
    # One save each: its first trial (the editor saves), the trial made again (not).
    edits = iter(["After a long pause.", None, "It is brief."])

    def editor_saves_meanwhile(self: Workspace, *args: Any) -> Any:
        found = tried(self, *args)
        old = next(edits, None)
        if old is not None:
            new = "An editor saved this."
            code = "import pathlib, sys; p = pathlib.Path(sys.argv[1]); "
            code += "p.write_text(p.read_text().replace(sys.argv[2], sys.argv[3]))"
            subprocess.run([sys.executable, "-c", code, str(path), old, new], check=True)
        return found

    monkeypatch.setattr(Workspace, "_try", editor_saves_meanwhile)
    first = post(client, app, "/api/sentence", sentence("It is brief."))
    assert first.json["ok"], first.json
    saved = path.read_text()
    assert "It is brief." in saved and "  - say: An editor saved this.\n" in saved
    # This time the editor saves the same sentence: a conflict, the editor's text stays.
    later = {**WHERE, "segment": 1, "sentence": 1, "old": "It is brief.", "text": "Mine."}
    later["base"] = BASE1.replace("It is short.", "It is brief.")
    answer = post(client, app, "/api/sentence", later)
    assert answer.status_code == 409, answer.json
    assert "An editor saved this." in path.read_text() and "Mine." not in path.read_text()


def test_a_lexicon_word_that_exists_is_a_choice_not_a_replace(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    guide_file = guide / "guide.yaml"
    before = tree_hashes(guide)
    entry = {"edition": "_", "word": "LCSW", "say_as": "el see ess double you"}
    answer = post(client, app, "/api/lexicon", entry)
    assert answer.status_code == 409 and "already in the lexicon" in in_words(answer)
    assert answer.json["conflict"]["theirs"] == "L C S W" and tree_hashes(guide) == before
    retry = answer.json["conflict"]["retry"]
    assert post(client, app, retry["url"], {"edition": "_", **retry["data"]}).json["ok"]
    assert "  LCSW: el see ess double you\n" in guide_file.read_text()
    # Removed, only if it still says what the page showed.
    stale = post(
        client, app, "/api/lexicon/remove", {"edition": "_", "word": "LCSW", "old": "L C S W"}
    )
    assert stale.status_code == 409 and "el see ess double you" in in_words(stale)
    removed = post(
        client,
        app,
        "/api/lexicon/remove",
        {"edition": "_", "word": "LCSW", "old": "el see ess double you"},
    )
    assert removed.json["ok"], removed.json
    assert "  LCSW:" not in guide_file.read_text()
    again = post(client, app, "/api/lexicon/remove", {"edition": "_", "word": "LCSW", "old": "x"})
    assert again.status_code == 409 and "no longer in the lexicon" in in_words(again)


def test_a_status_changed_meanwhile_is_a_conflict(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    path.write_text(
        path.read_text().replace("title: First steps\n", "title: First steps\nstatus: review\n")
    )
    before = tree_hashes(guide)
    answer = post(client, app, "/api/status", {**WHERE, "status": "draft", "old": "approved"})
    assert answer.status_code == 409 and "changed to 'review'" in in_words(answer)
    assert tree_hashes(guide) == before


def test_titles_summaries_and_chapter_names_are_edited_in_place(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    summary = {
        **WHERE,
        "field": "summary",
        "old": "Where it all starts.",
        "text": "Sleep: what to expect.",
    }
    assert post(client, app, "/api/field", summary).json["ok"]
    chapter = {**WHERE, "field": "chapter", "segment": 2, "old": "More", "text": "Even more"}
    assert post(client, app, "/api/field", chapter).json["ok"]
    title = {**WHERE, "field": "title", "old": "First steps", "text": "The first steps"}
    assert post(client, app, "/api/field", title).json["ok"]
    saved = path.read_text()
    # The colon that breaks a plain summary is quoted; every other line is as it was.
    assert 'summary: "Sleep: what to expect."\n' in saved and "  - chapter: Even more\n" in saved
    assert (
        saved.replace('"Sleep: what to expect."', "Where it all starts.")
        .replace("Even more", "More")
        .replace("The first steps", "First steps")
        == EPISODE_ONE
    )
    # A stale title is a conflict that carries both.
    stale = post(client, app, "/api/field", {**title, "text": "Mine"})
    assert stale.status_code == 409 and "changed by someone else" in in_words(stale)
    assert stale.json["conflict"]["theirs"] == "The first steps"


def test_a_file_that_does_not_load_is_fixed_here(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    path.write_text(
        EPISODE_ONE.replace("summary: Where it all starts.", "summary: Sleep: what to expect.")
    )
    page = client.get("/", base_url=ORIGIN).get_data(as_text=True)
    assert "does not load" in page and 'data-path="episodes/01-first.yaml"' in page
    opened = post(
        client, app, "/api/file-text", {"edition": "_", "path": "episodes/01-first.yaml"}
    ).json
    fixed = opened["text"].replace(
        "summary: Sleep: what to expect.", 'summary: "Sleep: what to expect."'
    )
    # Someone else saves first: the box's save is a conflict, with their text.
    path.write_text(path.read_text() + "# a note\n")
    data = {"edition": "_", "path": "episodes/01-first.yaml", "base": opened["base"], "text": fixed}
    answer = post(client, app, "/api/file", data)
    assert answer.status_code == 409 and answer.json["conflict"]["theirs"].endswith("# a note\n")
    retry = answer.json["conflict"]["retry"]
    assert post(client, app, retry["url"], retry["data"]).json["ok"]
    assert 'summary: "Sleep: what to expect."' in path.read_text()
    assert 'href="/episode/_/first-steps"' in client.get("/", base_url=ORIGIN).get_data(
        as_text=True
    )
    for outside in ("../scripts/guide.yaml", "/etc/passwd", "episodes/../../x.yaml"):
        bad = post(client, app, "/api/file-text", {"edition": "_", "path": outside})
        assert bad.status_code == 404, outside


def test_a_new_part_is_added_below_a_text_or_a_heading(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    path = episode(guide)
    below = {**WHERE, "segment": 3, "kind": "say", "base": THIRD, "text": "A new part: added."}
    assert post(client, app, "/api/add-part", below).json["ok"]
    heading = {**WHERE, "segment": 0, "kind": "chapter", "base": "Hello", "text": "First of all."}
    assert post(client, app, "/api/add-part", heading).json["ok"]
    saved = path.read_text()
    assert saved == EPISODE_ONE.replace(
        "  - say: One more sentence after a chapter.\n",
        '  - say: One more sentence after a chapter.\n  - say: "A new part: added."\n',
    ).replace("  - chapter: Hello\n", "  - chapter: Hello\n  - say: First of all.\n")
    # The page now shows it, and check still finds nothing new (it was tried first).
    page = client.get("/episode/_/first-steps", base_url=ORIGIN).get_data(as_text=True)
    assert "A new part: added." in page and "First of all." in page
    # Under a heading renamed meanwhile: a conflict that hands the text back.
    stale = {**heading, "base": "Hi", "text": "Lost?"}
    answer = post(client, app, "/api/add-part", stale)
    assert answer.status_code == 409 and answer.json["conflict"]["mine"] == "Lost?"
    assert path.read_text() == saved


def test_a_new_episode_is_added_after_the_last_as_a_draft(
    client: FlaskClient, app: Flask, guide: Path, tmp_path: Path
) -> None:
    new = {
        "edition": "_",
        "title": "Sleep: the basics",
        "summary": "How babies sleep.",
        "text": "Sleep comes in cycles.",
    }
    answer = post(client, app, "/api/episode", new)
    assert answer.json["ok"], answer.json
    assert answer.json["url"] == "/episode/_/sleep-the-basics"
    made = guide / "episodes/03-sleep-the-basics.yaml"
    assert made.read_text() == (
        'id: sleep-the-basics\ntitle: "Sleep: the basics"\nsummary: How babies sleep.\n'
        "status: draft\nsegments:\n  - say: |\n      Sleep comes in cycles.\n"
    )
    page = client.get(answer.json["url"], base_url=ORIGIN).get_data(as_text=True)
    assert "Sleep comes in cycles." in page
    # The same title again: a new id and file, the first one untouched.
    before = made.read_bytes()
    again = post(client, app, "/api/episode", new)
    assert again.json["url"] == "/episode/_/sleep-the-basics-2"
    assert (guide / "episodes/04-sleep-the-basics-2.yaml").is_file() and made.read_bytes() == before
    # A file of that name made meanwhile by someone else is never replaced.
    theirs = guide / "episodes/05-late.yaml"
    original = Workspace._try

    def someone_makes_it(self: Workspace, edition: Any, path: Path, source: str) -> Any:
        found = original(self, edition, path, source)
        if path.name == theirs.name:
            theirs.write_text("# theirs\n")
        return found

    Workspace._try = someone_makes_it  # type: ignore[method-assign]
    try:
        late = post(client, app, "/api/episode", {**new, "title": "Late"})
    finally:
        Workspace._try = original  # type: ignore[method-assign]
    assert late.status_code == 409 and theirs.read_text() == "# theirs\n"
    assert "made by someone else" in in_words(late)


def test_episodes_are_reordered_by_their_file_numbers(
    client: FlaskClient, app: Flask, guide: Path
) -> None:
    first, second = guide / "episodes/01-first.yaml", guide / "episodes/02-second.yaml"
    texts = first.read_text(), second.read_text()
    data = {**WHERE, "file": "01-first.yaml", "neighbour": "02-second.yaml"}
    answer = post(client, app, "/api/move", data)
    assert answer.json["ok"], answer.json
    assert (guide / "episodes/02-first.yaml").read_text() == texts[0]
    assert (guide / "episodes/01-second.yaml").read_text() == texts[1]
    assert sorted(p.name for p in (guide / "episodes").iterdir()) == [
        "01-second.yaml",
        "02-first.yaml",
    ]
    page = client.get("/", base_url=ORIGIN).get_data(as_text=True)
    assert page.index("Second steps") < page.index("First steps")
    # The page's names are stale now: nothing moves.
    again = post(client, app, "/api/move", data)
    assert again.status_code == 409 and "renamed on disk" in again.json["message"]
    assert sorted(p.name for p in (guide / "episodes").iterdir()) == [
        "01-second.yaml",
        "02-first.yaml",
    ]
