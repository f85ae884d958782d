"""The mistakes staff make in the layout of a YAML script, by hand in Notepad or TextEdit.

Each case applies one mistake to the small good guide of conftest (GUIDE, EPISODE_ONE)
and asserts, for both `audioguide check` and `audioguide build`: exit status 2, exactly
one error line, at the `file:line:col` of the mistake's own line (not the line after,
not past the end of the file), with the plain-words hint, and no traceback. The
committed corpus in tests/broken/ covers the typed values; this one the layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, GUIDE

from audioguide.cli import cli

EP = "episodes/01-first.yaml"


@dataclass(frozen=True)
class Case:
    file: str  # "guide.yaml" or EP
    old: str  # text of the good file to replace ("" appends `new`)
    new: str
    where: str  # line:col of the mistake
    hint: str  # part of the error line, usually the hint in its parentheses


CASES: dict[str, Case] = {
    "colon-in-summary": Case(
        EP,
        "summary: Where it all starts.",
        "summary: Remember: a bare crib is safest.",
        "3:10",
        '(put the whole text in quotes: summary: "Remember: a bare crib is safest.")',
    ),
    "colon-in-title": Case(
        EP,
        "title: First steps",
        "title: Episode 2: First steps",
        "2:8",
        '(put the whole text in quotes: title: "Episode 2: First steps")',
    ),
    "colon-in-say": Case(
        EP,
        "  - say: One more sentence after a chapter.",
        "  - say: Remember: one more sentence.",
        "11:10",
        '(put the whole text in quotes: - say: "Remember: one more sentence.")',
    ),
    "colon-in-second-line-of-text": Case(
        EP,
        "  - say: After a long pause.",
        "  - say: After a long pause\n      and then: more.",
        "14:15",
        "(put the whole text in quotes, or write say: | and the text",
    ),
    "colon-in-guide-description": Case(
        "guide.yaml",
        "description: A guide made by the tests.",
        "description: Note: a guide.",
        "2:14",
        '(put the whole text in quotes: description: "Note: a guide.")',
    ),
    "curly-quotes": Case(
        EP,
        "summary: Where it all starts.",
        "summary: \u201cWhere it starts: at home.\u201d",
        "3:10",
        '(use straight quotes: summary: "Where it starts: at home.")',
    ),
    "tabs-on-three-lines": Case(
        EP,
        "  - chapter: More\n  - say: One more sentence after a chapter.\n  - pause: 1.5s",
        "\t- chapter: More\n\t- say: One more sentence after a chapter.\n\t- pause: 1.5s",
        "10:1",
        "3 lines are indented with tabs (lines 10, 11, 12) (indent with spaces, not tabs",
    ),
    "missing-colon-after-key": Case(
        EP, "title: First steps", "title First steps", "2:1", "(write it as title: First steps)"
    ),
    "missing-colon-in-segment": Case(
        EP, "  - pause: 1.5s", "  - pause 1.5s", "12:5", "(write it as - pause: 1.5s)"
    ),
    "empty-say": Case(
        EP,
        "  - say: One more sentence after a chapter.",
        "  - say:",
        "11:5",
        "'say' is empty (write the words to speak after it)",
    ),
    "say-text-indented-too-little": Case(
        EP,
        "      A new paragraph starts here.",
        "    A new paragraph starts here.",
        "9:5",
        "(indent every line of the text by 6 spaces, as on line 7)",
    ),
    "say-text-not-indented": Case(
        EP,
        "      Welcome to the first",
        "  Welcome to the first",
        "7:3",
        "must be indented more than 'say' (indent every line of the text by at least 6",
    ),
    "say-text-indented-too-little-at-end-of-file": Case(
        EP,
        "",
        "  - say: |\n      Good line.\n    Under line.\n",
        "16:5",
        "(indent every line of the text by 6 spaces, as on line 15)",
    ),
    "segment-lost-its-dash": Case(
        EP,
        "  - say: After a long pause.",
        "    say: After a long pause.",
        "13:5",
        "(each segment starts with '- ' on its own line: write - say: ...)",
    ),
    "say-typed-under-a-pause": Case(
        EP,
        "  - pause: 1.5s\n",
        "  - pause: 1.5s\n    say: Under the pause.\n",
        "13:5",
        "'say' is part of the 'pause' segment above it (each segment starts with '- '",
    ),
    "first-segment-lost-its-dash": Case(
        EP,
        "  - chapter: Hello",
        "  chapter: Hello",
        "5:3",
        "(each segment starts with '- ': write - chapter: ...)",
    ),
    "text-line-on-its-own": Case(
        EP,
        "",
        "  - chapter: End\n    Then some text that was meant to be said and more\n",
        "15:5",
        "this line is text on its own",
    ),
    "rate-at-episode-top": Case(
        EP,
        "segments:",
        "rate: 140\nsegments:",
        "4:1",
        "('rate' belongs under 'voice:', e.g. voice: {rate: 140})",
    ),
    "sentence-pause-without-unit": Case(
        "guide.yaml",
        "sentence: 400ms",
        "sentence: 350",
        "12:13",
        "(write 350ms; a number this large is milliseconds)",
    ),
    "over-long-asset-name": Case(
        EP,
        "",
        "  - sound: " + "a" * 300 + ".wav\n",
        "14:12",
        "cannot be a file name (File name too long)",
    ),
    "asset-swallowed-a-paragraph": Case(
        EP,
        "",
        "  - sound: assets/chime.wav\n      Then some text that was meant to be said here\n",
        "14:12",
        "(a path is a short file name such as assets/chime.wav; text after it needs its own",
    ),
    "missing-sound-names-the-guide-folder": Case(
        EP, "", "  - sound: assets/chime.wav\n", "14:12", "(looked in the guide folder scripts)"
    ),
    "backslash-in-path": Case(
        EP,
        "",
        "  - sound: assets\\chime.wav\n",
        "14:12",
        "(write folders with / as in assets/chime.wav, not \\)",
    ),
    "segment-dash-not-lined-up": Case(
        EP, "  - pause: 1.5s", " - pause: 1.5s", "12:2", "(start it at column 3, as on line 11)"
    ),
    "segment-dash-without-space": Case(
        EP, "  - pause: 1.5s", "  -pause: 1.5s", "12:3", "(write it as - pause: 1.5s)"
    ),
    "no-space-after-colon": Case(
        EP,
        "title: First steps",
        "title:First steps",
        "2:1",
        "'title:' needs a space after the colon (write it as title: First steps)",
    ),
    "quote-never-closed": Case(
        EP,
        "title: First steps",
        'title: "First steps',
        "2:8",
        '(end it with " on the same line)',
    ),
    "say-text-on-the-next-line-not-indented": Case(
        EP,
        "  - say: After a long pause.",
        "  - say:\n    After a long pause.",
        "14:5",
        "(put it on the line of 'say:', or indent it more than 'say')",
    ),
    "block-text-under-indented-in-guide-yaml": Case(
        "guide.yaml",
        "description: A guide made by the tests.",
        "description: |\n    Line one.\n  Line two.",
        "4:3",
        "(indent every line of the text by 4 spaces, as on line 3)",
    ),
    "tab-after-a-colon": Case(
        EP, "title: First steps", "title:\tFirst steps", "2:7", "(replace it with a space)"
    ),
    "stray-quote-at-line-start": Case(
        EP,
        "  - pause: 1.5s",
        "  \u201c- pause: 1.5s",
        "12:3",
        "this line starts with '\u201c', which does not belong there (remove it",
    ),
    "text-after-the-bar-of-say": Case(
        EP,
        "  - say: |\n      Welcome",
        "  - say: | Welcome\n      Welcome",
        "6:12",
        "nothing may follow '|' or '>' on its line",
    ),
    "segments-misspelt": Case(
        EP, "segments:", "segements:", "4:1", "unknown key 'segements' in an episode (did you"
    ),
}


def write_case(root: Path, case: Case) -> None:
    (root / "episodes").mkdir(parents=True)
    files = {"guide.yaml": GUIDE, EP: EPISODE_ONE}
    good = files[case.file]
    if case.old:
        assert good.count(case.old) == 1, case.old  # the case must apply exactly once
        files[case.file] = good.replace(case.old, case.new)
    else:
        files[case.file] = good + case.new
    for name, content in files.items():
        (root / name).write_text(content, encoding="utf-8")


def test_the_good_guide_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this, a case could pass on a mistake of the base guide itself.
    root = tmp_path / "scripts"
    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE)
    (root / EP).write_text(EPISODE_ONE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "scripts", "--cache-dir", "c"])
    assert result.exit_code == 0, result.output
    assert ": error: " not in result.output


@pytest.mark.parametrize("name", CASES)
def test_layout_mistake(
    name: str, tmp_path: Path, voice_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    write_case(tmp_path / "scripts", case)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "feed.xml").write_text("<rss/>")
    for args in (
        ["check", "scripts", "--cache-dir", str(voice_cache)],
        ["build", "scripts", "-o", "output", "--cache-dir", str(voice_cache)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args[0], result.output)
        assert "Traceback" not in result.output
        errors = [x for x in result.output.splitlines() if ": error: " in x]
        assert len(errors) == 1, (args[0], result.output)
        assert errors[0].startswith(f"scripts/{case.file}:{case.where}: error: "), errors[0]
        assert case.hint in errors[0], errors[0]
        assert sorted(p.name for p in (tmp_path / "output").iterdir()) == ["feed.xml"]
        assert (tmp_path / "output" / "feed.xml").read_text() == "<rss/>"


def test_text_cut_short_by_a_hash_is_a_warning(
    tmp_path: Path, voice_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Valid YAML, so no error: but "#1 first" would vanish from the title without a word.
    case = Case(EP, "title: First steps", "title: Step #1 first", "", "")
    write_case(tmp_path / "scripts", case)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "scripts", "--cache-dir", str(voice_cache)])
    assert result.exit_code == 0, result.output
    warned = [x for x in result.output.splitlines() if "left out" in x]
    assert warned == [
        f"scripts/{EP}:2:13: warning: '#1 first' is left out: after a space, # starts a note "
        'for people (put the whole text in quotes: title: "Step #1 first")'
    ]
