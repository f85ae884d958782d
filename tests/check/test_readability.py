"""Reading level: grades of sentences and episodes, and what `check` says about them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide

from audioguide.check import readability as r
from audioguide.check.checks import diagnose
from audioguide.cli import cli
from audioguide.errors import ScriptErrors
from audioguide.loader import load_guide, load_with_sources

ROOT = Path(__file__).parents[2]

# Sentences whose counts are known word by word (every count checked by hand), and so
# their Flesch-Kincaid grade: 0.39 * words/sentence + 11.8 * syllables/word - 15.59.
ENGLISH = [
    # 14 words of one syllable: 0.39 * 14 + 11.8 - 15.59
    ("The dog ran to the big red ball and then sat down by me.", 14, 14, 1.67),
    # 4 words, 1 + 1 + 1 + 5 syllables
    ("This guide is educational.", 4, 8, 9.57),
    # 12 words, 21 syllables (un-der-stand-ing, fam-i-ly, beau-ti-ful, chil-dren, ev-ery)
    (
        "Understanding your family takes time, and beautiful children need you every day.",
        12,
        21,
        9.74,
    ),
]


@pytest.mark.parametrize(("sentence", "words", "syllables", "grade"), ENGLISH)
def test_flesch_kincaid_on_sentences_of_known_counts(
    sentence: str, words: int, syllables: int, grade: float
) -> None:
    counted = r.counts([sentence], "en-US")
    assert (counted.words, counted.syllables) == (words, syllables)
    assert r.grade(counted, "en-US") == pytest.approx(grade, abs=0.01)


def test_fernandez_huerta_is_turned_into_a_grade_by_its_own_table() -> None:
    # 10 words a sentence, 2 syllables a word: ease 206.84 - 120 - 10.2 = 76.64, in the
    # 6th-grade band (70-80), a little easier than its middle (75 -> grade 6).
    assert r.grade(r.Counts(1, 10, 20), "es-US") == pytest.approx(5.836, abs=0.001)
    # Very easy (ease over 100) and very hard (under 0) stay on the table's ends.
    assert r.grade(r.Counts(1, 5, 5), "es") == 3.5
    assert r.grade(r.Counts(1, 60, 240), "es") == 18.0
    # A sentence of two-syllable words reads easier than one of four-syllable words.
    easy = r.counts(["Mamá come pan con su niño en la casa."], "es")
    hard = r.counts(["Las habilidades de comunicación necesitan relacionarse."], "es")
    assert (easy.words, easy.syllables) == (9, 13)
    assert r.grade(easy, "es") < 6 < r.grade(hard, "es")


def test_long_words_are_named_once_in_order() -> None:
    sentence = "Educational material helps, and educational games too."
    assert r.long_words(sentence, "en") == ["Educational", "material", "educational"]
    assert r.long_words("Las habilidades de comunicación.", "es") == [
        "habilidades",
        "comunicación",
    ]


# 15 words, 35 syllables: grade 17.8 alone.
HARD = (
    "Understanding the development of relationships takes collaboration between "
    "families and the organizations in their cities."
)


def _guide_with(write_guide: WriteGuide, sentence: str, level: str = "") -> Path:
    from conftest import GUIDE

    return write_guide(
        **{
            "guide.yaml": GUIDE + level,
            "episodes/02-second.yaml": (
                "id: second-steps\ntitle: Second steps\nsummary: Where it goes on.\n"
                f"segments:\n  - chapter: Only chapter\n  - say: The cat sat. {sentence}\n"
            ),
        }
    )


def test_check_warns_about_a_hard_sentence_naming_its_long_words(
    write_guide: WriteGuide,
) -> None:
    root = _guide_with(write_guide, HARD)
    guide, sources = load_with_sources(root)
    assert guide.reading_level == 6
    found = [d for d in diagnose(guide, sources) if "reading grade" in d.message]
    assert len(found) == 1
    d = found[0]
    assert (Path(d.where.path).name, d.where.line, d.where.col) == ("02-second.yaml", 6, 23)
    assert "reading grade 17.8" in d.message
    assert "'Understanding the development of ...'" in d.message
    for word in ("development", "relationships", "collaboration", "organizations"):
        assert f"'{word}'" in d.message
    assert "reading_level: 6 in guide.yaml" in d.hint
    # The episode as a whole is over the target too, and says its grade.
    episode = [d for d in diagnose(guide, sources) if "reads at grade" in d.message]
    assert [d.message.split(" reads")[0] for d in episode] == ["episode 'second-steps'"]


def test_a_higher_target_takes_the_warnings_away(write_guide: WriteGuide) -> None:
    root = _guide_with(write_guide, HARD, "reading_level: 16\n")
    guide, sources = load_with_sources(root)
    assert guide.reading_level == 16
    assert not [d for d in diagnose(guide, sources) if "grade" in d.message]


def test_a_short_sentence_is_not_judged_alone(write_guide: WriteGuide) -> None:
    root = _guide_with(write_guide, "This guide is educational.")  # grade 9.6, 4 words
    guide, sources = load_with_sources(root)
    assert not [d for d in diagnose(guide, sources) if "reading grade" in d.message]


def test_a_reading_level_out_of_range_is_a_script_error(write_guide: WriteGuide) -> None:
    from conftest import GUIDE

    root = write_guide(**{"guide.yaml": GUIDE + "reading_level: 40\n"})
    with pytest.raises(ScriptErrors) as caught:
        load_guide(root)
    [error] = caught.value.errors
    assert error.where.line == GUIDE.count("\n") + 1
    assert "'reading_level' is 40, outside 1 to 16" in error.message


def test_check_prints_each_episode_grade(write_guide: WriteGuide) -> None:
    root = _guide_with(write_guide, HARD)
    result = CliRunner().invoke(cli, ["check", str(root)])
    lines = [line for line in result.output.splitlines() if line.startswith("  0")]
    assert len(lines) == 2
    grades = {line.split()[1]: float(line.split("grade")[1].split()[0]) for line in lines}
    assert grades["first-steps"] < 6 < grades["second-steps"]


@pytest.mark.parametrize("edition", ["scripts", "scripts/es"])
def test_the_shipped_guide_reads_at_its_target_without_a_warning(edition: str) -> None:
    guide, sources = load_with_sources(ROOT / edition)
    assert guide.reading_level == 6
    grades = r.episode_grades(guide)
    assert len(grades) == 9
    assert all(2 < g < 6 for g in grades.values()), grades
    assert not [d for d in diagnose(guide, sources) if "grade" in d.message]


def test_the_studio_shows_each_long_sentence_grade_as_check_judges_it(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    from audioguide.studio.app import create_app

    root = _guide_with(
        write_guide, HARD + " The dog ran after the ball in the garden all day long."
    )
    app = create_app(root, tmp_path / "out", tmp_path / "cache", 5124)
    with app.test_client() as client:
        page = client.get("/episode/_/second-steps", base_url="http://127.0.0.1:5124")
        html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The hard sentence: its grade, over the target, its long words, as check says.
    assert (
        '<span class="grade hard">Grade 17.8: above the target grade 6 (long words: '
        "Understanding, development, relationships, collaboration, families, organizations)</span>"
    ) in html
    # A plain sentence of 12 words or more: its grade alone; a short one: none.
    plain = r.sentence_grade("The dog ran after the ball in the garden all day long.", "en-US", 6)
    assert plain is not None and not plain.hard
    assert f'<span class="grade">Grade {plain.grade:.1f}</span>' in html
    assert html.count('class="grade') == 2  # "The cat sat." is too short to judge
