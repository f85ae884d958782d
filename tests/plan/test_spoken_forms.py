"""Spoken forms: figures and abbreviations said as people read them, per language,
sentence by sentence (what is written -> what the engine is given)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import WriteGuide
from hypothesis import given, settings
from hypothesis import strategies as st

from audioguide.plan import numbers, spoken_forms, text

ENGLISH_US = [
    (
        "Call 555-0123 between 9:00 a.m. and 5 p.m.",
        "Call five five five, zero one two three between nine AM and five PM.",
    ),
    ("Ages 0-3 matter most.", "Ages zero to three matter most."),
    ("Ages 0\u20133 matter most.", "Ages zero to three matter most."),
    ("We meet on 12/03/2026.", "We meet on December third, twenty twenty-six."),
    ("We meet on 2026-03-12.", "We meet on March twelfth, twenty twenty-six."),
    ("Give 5 ml twice a day.", "Give five milliliters twice a day."),
    ("Give 1 ml only.", "Give one milliliter only."),
    ("Give 2.5 mg or 2-3 ml.", "Give two point five milligrams or two to three milliliters."),
    ("About 10% of babies.", "About ten percent of babies."),
    ("Between 10-20% of babies.", "Between ten to twenty percent of babies."),
    ("Her 1st and 22nd visits.", "Her first and twenty-second visits."),
    (
        "It costs $5.50, or $1 a week.",
        "It costs five dollars and fifty cents, or one dollar a week.",
    ),
    ("Ask Dr. Lee, e.g. about sleep, etc.", "Ask Doctor Lee, for example about sleep, et cetera."),
    ("E.g. naps.", "For example naps."),
    ("From 9-11 a.m. or at 14:30.", "From nine to eleven AM or at fourteen thirty."),
    ("Come at 9:00.", "Come at nine o'clock."),
    ("On March 3, 2026 at 9:05 a.m.", "On March third, twenty twenty-six at nine oh five AM."),
    (
        "Call (555) 555-0123 or 1-800-555-0123.",
        "Call five five five, five five five, zero one two three or one, eight zero zero, "
        "five five five, zero one two three.",
    ),
    (
        "A fever over 38.5 \u00b0C or 100.4\u00b0F.",
        "A fever over thirty-eight point five degrees Celsius or one hundred point four "
        "degrees Fahrenheit.",
    ),
    ("A bottle of 4 oz lasts 3 hrs.", "A bottle of four ounces lasts three hours."),
    ("Room No. 5 is open.", "Room number 5 is open."),
    # Left as written: bare numbers and years engines read well, descending "ranges"
    # (a score, a code), impossible dates and times.
    ("Episode 1: Hello.", "Episode 1: Hello."),
    ("In 2026 there were 1,000 visits.", "In 2026 there were 1,000 visits."),
    ("The score was 10-3.", "The score was 10-3."),
    ("Not a date: 13/45/2026.", "Not a date: 13/45/2026."),
    ("Not a time: 9:75.", "Not a time: 9:75."),
    ("COVID-19 and a 2-year-old.", "COVID-19 and a 2-year-old."),
]

ENGLISH_GB = [
    ("We meet on 12/03/2026.", "We meet on the twelfth of March, twenty twenty-six."),
    ("Give 5 ml.", "Give five milliliters."),
]

SPANISH = [
    (
        "Llame al 555-0123 entre las 9:00 a. m. y las 5 p. m.",
        "Llame al cinco cinco cinco, cero uno dos tres entre las nueve de la mañana y "
        "las cinco de la tarde.",
    ),
    ("De 0-3 años.", "De cero a tres años."),
    ("Nos vemos el 12/03/2026.", "Nos vemos el doce de marzo de dos mil veintiséis."),
    ("Dé 5 ml o 1 ml.", "Dé cinco mililitros o un mililitro."),
    ("Dé 2,5 mg.", "Dé dos coma cinco miligramos."),
    ("Duerme 1 h o 21 h.", "Duerme una hora o veintiuna horas."),
    ("Un 10 % de los niños.", "Un diez por ciento de los niños."),
    (
        "La 1.ª visita, el 1.er día y el 2.º mes.",
        "La primera visita, el primer día y el segundo mes.",
    ),
    ("Cuesta 5,50 € o $21.", "Cuesta cinco euros con cincuenta céntimos o veintiún dólares."),
    (
        "Pregunte al Dr. Pérez, p. ej. sobre el sueño, etc.",
        "Pregunte al doctor Pérez, por ejemplo sobre el sueño, etcétera.",
    ),
    ("A las 14:30 o a la 1:15.", "A las catorce y media o a la una y cuarto."),
    ("A las 9 p. m.", "A las nueve de la noche."),
    ("En 2026 hubo 1.000 visitas.", "En 2026 hubo 1.000 visitas."),
]


@pytest.mark.parametrize(("written", "said"), ENGLISH_US)
def test_english_us(written: str, said: str) -> None:
    assert spoken_forms.say(written, "en-US") == said


@pytest.mark.parametrize(("written", "said"), ENGLISH_GB)
def test_english_outside_the_us_puts_the_day_first(written: str, said: str) -> None:
    assert spoken_forms.say(written, "en-GB") == said


@pytest.mark.parametrize(("written", "said"), SPANISH)
def test_spanish(written: str, said: str) -> None:
    assert spoken_forms.say(written, "es-US") == said


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("0123456789 .,:-/%$\u20ac\u00b0\u00ba\u00aaapmlgAPMDr\u0663"),
        max_size=40,
    ),
    st.sampled_from(["en-US", "en-GB", "es-US", "fr"]),
)
def test_spoken_forms_are_total_and_leave_no_figure_they_claimed(text_: str, language: str) -> None:
    said = spoken_forms.say(text_, language)
    assert isinstance(said, str)
    assert spoken_forms.say(said, language) == said  # words in, the same words out


def test_huge_figures_are_said_digit_by_digit() -> None:
    assert spoken_forms.say("$0,29 or " + "9" * 30 + " ml", "es") == (
        "cero dólares con veintinueve centavos or " + " ".join(["nueve"] * 30) + " mililitros"
    )


def test_a_language_without_rules_is_left_as_written() -> None:
    assert spoken_forms.say("Appelez le 555-0123 à 9:00.", "fr-FR") == (
        "Appelez le 555-0123 à 9:00."
    )


def test_the_lexicon_wins_over_the_rules() -> None:
    speak = text.compile_lexicon({"5 ml": "one teaspoon", "Dr.": "Doc"}, language="en-US")
    assert speak("Give 5 ml, ask Dr. Lee, then 10 ml.") == (
        "Give one teaspoon, ask Doc Lee, then ten milliliters."
    )
    # What the lexicon says is never read again by the rules.
    assert text.compile_lexicon({"dose": "2-3 ml"}, language="en-US")("A dose.") == "A 2-3 ml."


def test_without_a_language_only_the_lexicon_and_typography_apply() -> None:
    assert text.spoken("Call 555-0123.", {}) == "Call 555-0123."
    assert text.spoken("Call 555-0123.", {}, "en-US") == (
        "Call five five five, zero one two three."
    )


def test_number_words_is_a_plain_function_for_other_stages() -> None:
    assert numbers.number_words("3 of 10 babies, 2.5 ml", "en") == (
        "three of ten babies, two point five ml"
    )
    assert numbers.number_words("1.000 y 2,5", "es-US") == "mil y dos coma cinco"
    assert numbers.cardinal(1500, "en") == "one thousand five hundred"
    assert numbers.ordinal(3, "es", feminine=True) == "tercera"
    assert numbers.digits("555-0123") == "five five five zero one two three"


WRITTEN = "Call 555-0123 between 9:00 a.m. and 5 p.m. on 12/03/2026."
IN_WORDS = (
    "Call five five five, zero one two three between nine AM and five PM on December "
    "third, twenty twenty-six."
)


def _one_sentence_guide(root: Path, sentence: str) -> Path:
    from conftest import GUIDE

    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE, encoding="utf-8")
    (root / "episodes" / "01-call.yaml").write_text(
        "id: call\ntitle: Call us\nsummary: When to call.\nsegments:\n"
        f"  - chapter: Calling\n  - say: {sentence}\n",
        encoding="utf-8",
    )
    return root


@pytest.mark.e2e
def test_a_build_says_figures_exactly_as_the_words_written_out(tmp_path: Path) -> None:
    """The real engine and encoder: the episode whose script has a time, a phone number
    and a date decodes to the very samples of the one with them written in words."""
    from support.audio_measure import decode_pcm

    from audioguide.build.stages import build

    mp3s, transcripts = [], []
    for name, sentence in (("figures", WRITTEN), ("words", IN_WORDS)):
        root = _one_sentence_guide(tmp_path / name, sentence)
        out = tmp_path / f"{name}-output"
        build(root, out, cache_dir=tmp_path / f"{name}-cache")  # no clip shared
        mp3s.append(decode_pcm(out / "episodes" / "01-call.mp3"))
        transcripts.append((out / "episodes" / "01-call.txt").read_text(encoding="utf-8"))
    figures, words = mp3s
    assert len(figures) > 44_100 * 3  # intro, sentence and outro were spoken
    assert np.array_equal(figures, words)
    # What people read stays as written.
    assert WRITTEN in transcripts[0]
    assert "555-0123" not in transcripts[1]


def test_check_verbose_shows_what_will_be_said(write_guide: WriteGuide) -> None:
    from click.testing import CliRunner

    from audioguide.cli import cli

    root = write_guide(
        **{
            "episodes/02-second.yaml": (
                "id: second-steps\ntitle: Second steps\nsummary: Where it goes on.\n"
                "segments:\n  - chapter: Only chapter\n"
                "  - say: Plain words here. Give 5 ml at 9:00 a.m.\n"
            )
        }
    )
    quiet = CliRunner().invoke(cli, ["check", str(root)])
    said = CliRunner().invoke(cli, ["check", "-v", str(root)])
    assert quiet.exit_code == said.exit_code == 0, said.output
    assert "said as" not in quiet.output
    lines = [line for line in said.output.splitlines() if "said as" in line]
    assert lines == [
        f"{root / 'episodes' / '02-second.yaml'}:6:10: said as: "
        '"Give five milliliters at nine AM."  (written: "Give 5 ml at 9:00 a.m.")'
    ]


def test_a_change_to_the_rules_speaks_again_only_the_sentences_it_changes(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from support.fakes import FakeEngine

    from audioguide.build.stages import build

    class Counting:
        def __init__(self) -> None:
            self.engine = FakeEngine()

        def __call__(self, name: str, language: str) -> FakeEngine:
            return self.engine

    root = write_guide(
        **{
            "episodes/02-second.yaml": (
                "id: second-steps\ntitle: Second steps\nsummary: Where it goes on.\n"
                "segments:\n  - chapter: Only chapter\n"
                "  - say: Give 5 ml at 9:00 a.m. Then rest. Call 555-0123 at 5 p.m.\n"
            )
        }
    )
    first = Counting()
    build(root, tmp_path / "out", cache_dir=tmp_path / "c", engine_factory=first)
    assert "Give five milliliters at nine AM." in first.engine.calls
    # The rules say "ml" otherwise now: only the sentence with a dose is spoken again.
    units = {**spoken_forms.ENGLISH.units, "ml": ("millilitre", "millilitres", False)}
    monkeypatch.setitem(
        spoken_forms.RULES, "en", dataclasses.replace(spoken_forms.ENGLISH, units=units)
    )
    monkeypatch.setattr(spoken_forms, "_COMPILED", {})
    text._compiled.cache_clear()  # what a new process (new code) starts with
    again = Counting()
    report = build(root, tmp_path / "out", cache_dir=tmp_path / "c", engine_factory=again)
    assert again.engine.calls == ["Give five millilitres at nine AM."]
    assert [ep.rebuilt for ep in report.episodes] == [False, True]
