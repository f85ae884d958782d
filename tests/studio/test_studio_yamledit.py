"""The studio's edits change only the characters staff changed: comments, quoting and
every other line stay byte for byte."""

from __future__ import annotations

import difflib

import pytest
from ruamel.yaml import YAML

from audioguide.plan import text
from audioguide.studio import yamledit

EPISODE = """\
# Reviewed by the clinic nurse, 2026-11-20.
id: first-steps   # names the MP3
title: First steps
summary: "Where it all starts."
segments:
  - chapter: Hello
  - say: |
      Welcome to the first episode. It is short.
      A second line of the paragraph.

      A new paragraph starts here.   # not a comment: inside the text
  - say: Plain text here. Another plain sentence.  # a note for people
  - say: "Quoted \\"text\\" here. Second one."
  - say: 'Single ''quoted''. Second.'
  - say: >-
      Folded text that
      wraps here.

      Last one.
  # a comment between segments
  - pause: 1s
"""

GUIDE = """\
title: Test   # the title
lexicon:
  # how to say words
  LCSW: L C S W   # letters
  IMH-E: I M H E
note: hello
"""


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def say(source: str, segment: int) -> tuple[tuple[str, ...], ...]:
    value = YAML(typ="rt").load(source)["segments"][segment]["say"]
    return text.paragraphs(value)


def test_a_sentence_in_a_block_changes_only_its_line() -> None:
    new = yamledit.replace_sentence(EPISODE, 1, "It is short.", "It is quite short: ten minutes.")
    assert changed_lines(EPISODE, new) == [
        "-      Welcome to the first episode. It is short.",
        "+      Welcome to the first episode. It is quite short: ten minutes.",
    ]
    assert say(new, 1)[0][1] == "It is quite short: ten minutes."


def test_a_plain_sentence_keeps_the_comment_and_quotes_only_when_needed() -> None:
    new = yamledit.replace_sentence(EPISODE, 2, "Another plain sentence.", "A calm one.")
    assert changed_lines(EPISODE, new) == [
        "-  - say: Plain text here. Another plain sentence.  # a note for people",
        "+  - say: Plain text here. A calm one.  # a note for people",
    ]
    # A colon would end plain text in YAML: the value is quoted, on the same line.
    new = yamledit.replace_sentence(EPISODE, 2, "Another plain sentence.", "Note: calm #1.")
    [_, added] = changed_lines(EPISODE, new)
    assert added == '+  - say: "Plain text here. Note: calm #1."  # a note for people'
    assert say(new, 2) == (("Plain text here.", "Note: calm #1."),)


@pytest.mark.parametrize(("segment", "old"), [(3, 'Quoted "text" here.'), (4, "Single 'quoted'.")])
def test_quoted_text_stays_quoted_the_same_way(segment: int, old: str) -> None:
    new = yamledit.replace_sentence(EPISODE, segment, old, 'It\'s "new".')
    [removed, added] = changed_lines(EPISODE, new)
    assert removed[1:].split(":")[0] == added[1:].split(":")[0]
    quote = removed.split("say: ")[1][0]
    assert added.split("say: ")[1][0] == quote
    assert say(new, segment)[0][0] == 'It\'s "new".'


def test_a_folded_sentence_over_two_lines() -> None:
    new = yamledit.replace_sentence(EPISODE, 5, "Folded text that wraps here.", "Folded anew.")
    assert changed_lines(EPISODE, new) == [
        "-      Folded text that",
        "-      wraps here.",
        "+      Folded anew.",
    ]


def test_the_same_sentence_twice_changes_the_one_asked_for() -> None:
    source = "id: x\nsegments:\n  - say: |\n      Yes.\n      No.\n      Yes.\n"
    new = yamledit.replace_sentence(source, 0, "Yes.", "Indeed.", nth=1)
    assert new == "id: x\nsegments:\n  - say: |\n      Yes.\n      No.\n      Indeed.\n"


def test_a_whole_say_keeps_its_block_and_indentation() -> None:
    new = yamledit.replace_say(EPISODE, 1, "One.\n\nTwo.")
    assert "  - say: |\n      One.\n\n      Two.\n  - say: Plain" in new
    assert new.startswith("# Reviewed by the clinic nurse") and "# a comment between" in new
    # Paragraphs in a one-line say become a block; the note stays on its line.
    new = yamledit.replace_say(EPISODE, 2, "First.\n\nSecond.")
    assert "  - say: |  # a note for people\n      First.\n\n      Second.\n" in new
    assert say(new, 2) == (("First.",), ("Second.",))


def test_empty_text_and_missing_segments_are_refused() -> None:
    with pytest.raises(yamledit.EditError, match="empty"):
        yamledit.replace_say(EPISODE, 1, "  \n ")
    with pytest.raises(yamledit.EditError, match="not a 'say'"):
        yamledit.replace_say(EPISODE, 0, "Text.")
    with pytest.raises(yamledit.EditError, match="no longer in the file"):
        yamledit.replace_sentence(EPISODE, 1, "Not there.", "Text.")


def test_status_replaced_or_added_under_the_id() -> None:
    added = yamledit.set_status(EPISODE, "draft")
    assert changed_lines(EPISODE, added) == ["+status: draft"]
    assert added.index("status: draft") > added.index("id: first-steps")
    again = yamledit.set_status(added, "review")
    assert changed_lines(added, again) == ["-status: draft", "+status: review"]


def test_lexicon_entry_added_after_the_last_one() -> None:
    new = yamledit.add_lexicon(GUIDE, "toddler", "todd ler")
    assert changed_lines(GUIDE, new) == ["+  toddler: todd ler"]
    assert new.index("toddler") > new.index("IMH-E") and new.index("toddler") < new.index("note")
    # An existing word gets its new sound in place, its comment kept.
    new = yamledit.add_lexicon(GUIDE, "LCSW", "el see")
    assert changed_lines(GUIDE, new) == [
        "-  LCSW: L C S W   # letters",
        "+  LCSW: el see   # letters",
    ]
    # A word YAML would misread is quoted.
    new = yamledit.add_lexicon(GUIDE, "No:", "number")
    assert changed_lines(GUIDE, new) == ['+  "No:": number']


def test_lexicon_made_when_the_guide_has_none() -> None:
    new = yamledit.add_lexicon("title: Test\n", "ACE", "A C E")
    assert new == "title: Test\nlexicon:\n  ACE: A C E\n"
