"""What staff expect of the guide beyond its layout: no source needed, the lexicon at the
start of a sentence, voice names that work as listed, their own clinician note, a cover
credit cut at a word. Real builds, real espeak-ng, the real page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from ruamel.yaml import YAML

from audioguide.check.voicelist import usable_name
from audioguide.cli import cli
from audioguide.loader import load_guide
from audioguide.plan import text
from audioguide.publish import cover
from audioguide.speech.pyttsx3_engine import Pyttsx3Engine, resolve_voice

GUIDE = """\
title: Our Own Guide
author: Test Clinic
date: 2026-11-25
"""
EPISODE = """\
id: crib
title: The crib
summary: Where a baby sleeps.
segments:
  - chapter: Start
  - say: Plagiocephaly is a flat spot. We check for plagiocephaly at every visit.
"""


class Notes(HTMLParser):
    """The text of the page's note and source paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}
        self.current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("class")
        if tag == "p" and kind in ("note", "source"):
            self.current = kind
            self.found[kind] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            self.found[self.current] += data


def page_notes(output: Path) -> dict[str, str]:
    parser = Notes()
    parser.feed((output / "index.html").read_text(encoding="utf-8"))
    return {k: " ".join(v.split()) for k, v in parser.found.items()}


@pytest.fixture
def guide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AUDIOGUIDE_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "scripts"
    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE)
    (root / "episodes" / "01-crib.yaml").write_text(EPISODE)
    return root


def build() -> str:
    result = CliRunner().invoke(cli, ["build", "-j", "1"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_guide_without_a_source_builds_and_claims_no_paraphrase(guide: Path) -> None:
    build()
    output = guide.parent / "output"
    notes = page_notes(output)
    assert "source" not in notes  # nothing about paraphrasing
    assert "does not replace advice" in notes["note"]  # the default note, as before
    page = (output / "index.html").read_text(encoding="utf-8")
    assert "Paraphrased" not in page and "paraphrase" not in page.lower()
    assert "paraphrase" not in (output / "feed.xml").read_text(encoding="utf-8").lower()
    tags = ID3(output / "episodes" / "01-crib.mp3")
    assert not any("paraphrase" in str(frame).lower() for frame in tags.getall("COMM"))
    transcript = (output / "episodes" / "01-crib.txt").read_text(encoding="utf-8")
    assert "paraphrase" not in transcript.lower()


def test_the_clinician_note_is_set_in_guide_yaml(guide: Path) -> None:
    output = guide.parent / "output"
    with (guide / "guide.yaml").open("a") as f:
        f.write('note: "Questions? Call the clinic nurse: 555-0100."\n')
    build()
    assert page_notes(output)["note"] == "Questions? Call the clinic nurse: 555-0100."
    (guide / "guide.yaml").write_text(GUIDE + 'note: ""\n')
    build()
    assert "note" not in page_notes(output)  # an empty note: none at all


def test_a_lexicon_entry_also_fixes_the_word_starting_a_sentence(guide: Path) -> None:
    with (guide / "guide.yaml").open("a") as f:
        f.write("lexicon:\n  plagiocephaly: play-jee-oh-seff-a-lee\n")
    speak = text.compile_lexicon(load_guide(guide).lexicon)
    assert speak("Plagiocephaly is a flat spot.") == "Play-jee-oh-seff-a-lee is a flat spot."
    assert speak("We check for plagiocephaly.") == "We check for play-jee-oh-seff-a-lee."
    assert speak("\u201cPlagiocephaly,\u201d she said.").startswith("Play-jee")
    # Capitalised inside a sentence it is another word (a name): left as written.
    assert speak("Dr Plagiocephaly came.") == "Dr Plagiocephaly came."
    (guide / "episodes" / "01-crib.yaml").write_text(
        EPISODE.replace(" We check for plagiocephaly at every visit.", "")
    )
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "never said" not in result.output  # used, at the start of a sentence


@pytest.fixture(scope="module")
def engine() -> Pyttsx3Engine:
    return Pyttsx3Engine()


def test_every_listed_voice_name_works_as_written(engine: Pyttsx3Engine) -> None:
    voices = engine.voices()
    variants = engine.variants()
    for voice in voices:
        assert resolve_voice(voices, variants, usable_name(voice, voices)) == voice.id
    assert resolve_voice(voices, variants, "en-gb") == "gmw/en"
    assert resolve_voice(voices, variants, "gmw/en-gb") == "gmw/en"  # as ids are written
    assert resolve_voice(voices, variants, "en-gb+f3") == "gmw/en+f3"


def test_the_example_line_of_voices_is_valid_yaml_that_builds(guide: Path) -> None:
    result = CliRunner().invoke(cli, ["voices", "-l", "en-gb"])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1].split(":  ", 1)[1]
    assert YAML(typ="safe").load(line) == {"voice": {"name": "en-gb+f3"}}
    (guide / "guide.yaml").write_text(GUIDE + line + "\n")
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert ": error: " not in result.output


def test_the_cover_credit_is_cut_at_a_word() -> None:
    credit = " ".join(["Paraphrased from a remarkably long and carefully worded article"] * 12)
    font = cover._font(30)
    lines = cover._clip(cover._wrap(credit, font, 600), 3, font, 600)
    assert len(lines) == 3 and lines[-1].endswith("\u2026")
    kept = " ".join(lines)[:-1].split()
    assert kept == credit.split()[: len(kept)]  # whole words only, in order
