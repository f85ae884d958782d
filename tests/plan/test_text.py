"""Rules of text cleaning, sentence splitting and speech preparation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audioguide.plan import text
from audioguide.plan.text import clean, compile_lexicon, paragraphs, spoken

# Typography spelled as escapes: the characters themselves look like ASCII in review.
LSQUO, RSQUO, LDQUO, RDQUO = "\u2018", "\u2019", "\u201c", "\u201d"
EN, EM, ELLIPSIS, NBSP = "\u2013", "\u2014", "\u2026", "\u00a0"

PROPERTY = settings(max_examples=200, deadline=None)


def sentences_of(value: str) -> tuple[str, ...]:
    return tuple(s for para in paragraphs(value) for s in para)


# --- clean -------------------------------------------------------------------------------


def test_clean_composes_to_nfc() -> None:
    assert clean("Cafe\u0301") == "Caf\u00e9"


def test_clean_removes_control_characters_but_keeps_newlines() -> None:
    assert clean("a\x00b\x07c\x1bd\x7fe\x9ff\nnext") == "abcdef\nnext"


def test_clean_removes_invisible_format_characters() -> None:
    assert clean("\ufeffsoft\u00adware zero\u200bwidth") == "software zerowidth"


def test_clean_turns_tabs_and_nbsp_into_single_spaces() -> None:
    assert clean(f"a\tb{NBSP}c \u2009 d\u3000e") == "a b c d e"


def test_clean_collapses_spaces_and_strips_line_edges() -> None:
    assert clean("   many    spaces   \n  second   line  ") == "many spaces\nsecond line"


def test_clean_keeps_typography() -> None:
    value = f"{LDQUO}It{RSQUO}s{RDQUO} {EM} 3{EN}5{ELLIPSIS}"
    assert clean(value) == value


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\x85"])
def test_clean_normalizes_line_endings(newline: str) -> None:
    value = f"one{newline}two{newline}{newline}three"
    assert clean(value) == "one\ntwo\n\nthree"


def test_clean_blank_line_with_spaces_separates_paragraphs() -> None:
    assert clean("one\n   \t \ntwo") == "one\n\ntwo"


def test_clean_many_blank_lines_become_one() -> None:
    assert clean("\n\n one \n\n\n\n two \n\n") == "one\n\ntwo"


def test_clean_paragraph_separator_character() -> None:
    assert clean("one\u2029two") == "one\n\ntwo"


def test_clean_of_whitespace_is_empty() -> None:
    assert clean(" \n\t\r\n \u2029 ") == ""


# --- paragraphs --------------------------------------------------------------------------


def test_paragraphs_split_on_blank_lines_and_join_wrapped_lines() -> None:
    value = "When your baby babbles,\nyou answer. It matters.\n\nA new paragraph."
    assert paragraphs(value) == (
        ("When your baby babbles, you answer.", "It matters."),
        ("A new paragraph.",),
    )


def test_paragraphs_accept_crlf_and_blank_lines_with_spaces() -> None:
    assert paragraphs("One. Two.\r\n  \r\nThree.") == (("One.", "Two."), ("Three.",))


def test_paragraphs_of_nothing() -> None:
    assert paragraphs("") == ()
    assert paragraphs("\n \n") == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("It works. Really! Does it? Yes.", ["It works.", "Really!", "Does it?", "Yes."]),
        ("What?! No way.", ["What?!", "No way."]),
        ("Wait... What now?", ["Wait...", "What now?"]),
        (f"Wait{ELLIPSIS} What now?", [f"Wait{ELLIPSIS}", "What now?"]),
        ("Say nothing", ["Say nothing"]),
    ],
)
def test_sentence_ends(value: str, expected: list[str]) -> None:
    assert list(sentences_of(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        (f"{LDQUO}Go!{RDQUO} She went.", [f"{LDQUO}Go!{RDQUO}", "She went."]),
        (f"It{RSQUO}s {LSQUO}fine.{RSQUO} Next.", [f"It{RSQUO}s {LSQUO}fine.{RSQUO}", "Next."]),
        ("(See below.) Next one.", ["(See below.)", "Next one."]),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(
    value: str, expected: list[str]
) -> None:
    assert list(sentences_of(value)) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Dr. Lee is here.",
        "Mr. and Mrs. Smith came.",
        "Ms. Jones and Mx. Kim came.",
        "Prof. Lee spoke.",
        "St. Louis is far.",
        "Cats vs. Dogs is a game.",
        "Small things, e.g. A smile, count.",
        "One thing, i.e. The reply, counts.",
        "Toys, books, etc. are fine.",
        "At 9 a.m. we start.",
        "At 9 p.m. we stop.",
        "Room No. 5 is free.",
        "Read Fig. 3 first.",
    ],
)
def test_abbreviations_do_not_end_sentences(value: str) -> None:
    assert sentences_of(value) == (value,)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("We met at 9 a.m. The day was long.", ["We met at 9 a.m.", "The day was long."]),
        ("Toys, books, etc. Then more.", ["Toys, books, etc.", "Then more."]),
        ("Is it late? No. It never is.", ["Is it late?", "No.", "It never is."]),
    ],
)
def test_trailing_abbreviations_end_a_sentence_before_a_capital(
    value: str, expected: list[str]
) -> None:
    assert list(sentences_of(value)) == expected


@pytest.mark.parametrize(
    "value",
    ["J. Smith wrote it.", "Ask J. R. Smith today.", "J.R.R. Tolkien wrote it.", "(J. Smith) ok."],
)
def test_initials_do_not_end_sentences(value: str) -> None:
    assert sentences_of(value) == (value,)


def test_decimals_do_not_end_sentences() -> None:
    assert sentences_of("It costs 3.5 dollars. Then 10.25 more.") == (
        "It costs 3.5 dollars.",
        "Then 10.25 more.",
    )


@pytest.mark.parametrize(
    "value",
    [
        "I thought... maybe not.",
        f"I thought{ELLIPSIS} maybe not.",
        '"Really?" she asked.',
        "Wow! said nobody.",
    ],
)
def test_lowercase_continuation_does_not_end_a_sentence(value: str) -> None:
    assert sentences_of(value) == (value,)


def test_abbreviation_across_a_wrapped_line() -> None:
    assert paragraphs("Ask Dr.\nLee today. Then go.") == (("Ask Dr. Lee today.", "Then go."),)


def test_lowercase_single_letter_is_not_an_initial() -> None:
    assert sentences_of("Pick plan a. Then go.") == ("Pick plan a.", "Then go.")


def test_sentences_are_single_spaced() -> None:
    assert sentences_of("One  two.\t\tThree\n four.") == ("One two.", "Three four.")


# --- spoken ------------------------------------------------------------------------------

LEXICON = {"LCSW": "L C S W", "IMH-E": "I M H E", "IMH": "imh"}


def test_lexicon_replaces_whole_words() -> None:
    assert spoken("Jess, LCSW, reads.", LEXICON) == "Jess, L C S W, reads."


def test_lexicon_ignores_words_containing_a_key() -> None:
    assert spoken("LCSWX and XLCSW and LCSW2", LEXICON) == "LCSWX and XLCSW and LCSW2"


def test_lexicon_key_with_hyphen_matches_as_one_token() -> None:
    assert spoken("She is IMH-E.", LEXICON) == "She is I M H E."
    assert spoken("XIMH-E and IMH-EX", {"IMH-E": "I M H E"}) == "XIMH-E and IMH-EX"


def test_lexicon_key_before_a_hyphenated_suffix_still_matches() -> None:
    assert spoken("an LCSW-led group", LEXICON) == "an L C S W-led group"


def test_lexicon_is_case_sensitive() -> None:
    assert spoken("lcsw Lcsw LCSW", LEXICON) == "lcsw Lcsw L C S W"


def test_lexicon_longest_key_wins() -> None:
    lexicon = {"New": "noo", "New York": "new york city"}
    assert spoken("New York is New.", lexicon) == "new york city is noo."


def test_lexicon_is_one_pass_so_entries_cannot_loop() -> None:
    lexicon = {"cat": "cat cat", "dog": "cat"}
    assert spoken("dog cat", lexicon) == "cat cat cat"


def test_lexicon_key_with_space_matches_across_a_wrapped_line() -> None:
    assert spoken("Mentor\n  Clinical", {"Mentor Clinical": "mentor"}) == "mentor"


def test_lexicon_key_matches_either_apostrophe() -> None:
    assert spoken(f"don{RSQUO}t", {"don't": "do not"}) == "do not"


def test_lexicon_key_ending_in_punctuation() -> None:
    assert spoken("Use C++ daily.", {"C++": "C plus plus"}) == "Use C plus plus daily."


def test_lexicon_accepts_pairs_and_ignores_empty_keys() -> None:
    speak = compile_lexicon((("", "nothing"), ("LCSW", "L C S W")))
    assert speak("an LCSW") == "an L C S W"


def test_compiled_lexicon_matches_spoken() -> None:
    speak = compile_lexicon(LEXICON)
    value = f"{LDQUO}IMH-E{RDQUO} {EM} LCSW & co."
    assert speak(value) == spoken(value, LEXICON) == "I M H E, L C S W and co."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{LDQUO}Hello,{RDQUO} she said.", "Hello, she said."),
        (f"It{RSQUO}s {LSQUO}fine{RSQUO}.", "It's 'fine'."),
        ('He said "no".', "He said no."),
        (f"word{EM}word", "word, word"),
        (f"word {EM} word", "word, word"),
        (f"word {EN} word", "word, word"),
        ("word -- word", "word, word"),
        (f"Ages 3{EN}5.", "Ages 3 to 5."),
        (f"{EM}and then{EM}", "and then"),
        (f"Stop.{EM} Go.", "Stop. Go."),
        (f"Wait, {EM} no.", "Wait, no."),
        (f"Well{ELLIPSIS} fine.", "Well... fine."),
        ("Salt & pepper, R&D.", "Salt and pepper, R and D."),
        ("*Very* _much_ so.", "Very much so."),
        ("a ~ b | c < d > e `f` ^g \\h [i] {j}", "a b c d e f g h i j"),
        ("Call #1 now, # then.", "Call number 1 now, then."),
        ("  spaced   out  ", "spaced out"),
        ("line\none", "line one"),
    ],
)
def test_speech_typography(value: str, expected: str) -> None:
    assert spoken(value, {}) == expected


def test_spoken_of_symbols_only_is_empty() -> None:
    assert spoken("*** ~~~", {}) == ""


def test_typography_applies_after_the_lexicon() -> None:
    assert spoken("AT&T", {"AT&T": "A T & T"}) == "A T and T"


# --- lengths -----------------------------------------------------------------------------


def test_word_count_ignores_punctuation_tokens() -> None:
    assert text.word_count(f"Hello, world {EM} it{RSQUO}s 3.5 IMH-E! ...") == 5


def test_estimate_seconds() -> None:
    # 4 syllables (o-e, o, ee) and 11 letters at 0.2666 and 0.1049 word-minutes each
    assert text.estimate_seconds("one two three", 180) == pytest.approx(
        (4 * 0.2666 + 11 * 0.1049) * 60 / 180
    )
    assert text.estimate_seconds("One, TWO... three!", 90) == pytest.approx(
        2 * text.estimate_seconds("one two three", 180)
    )
    assert text.estimate_seconds("Canción ñandú", 150) == pytest.approx(
        (4 * 0.2666 + 12 * 0.1049) * 60 / 150  # accented vowels are vowels
    )
    assert text.estimate_seconds("7", 60) > text.estimate_seconds("a", 60) > 0
    assert text.estimate_seconds("", 155) == 0.0


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_estimate_seconds_rejects_bad_rates(rate: float) -> None:
    with pytest.raises(ValueError):
        text.estimate_seconds("words", rate)


# --- properties --------------------------------------------------------------------------

# Plain text() skips surrogates; add them, and the characters the rules care about.
SPECIAL = "\n\r\t .!?\u2026\"'()\u201c\u201d\u2019\u2014\u2013&*#_<>-" + NBSP + "\u2028\u2029\x00"
PIECES = st.one_of(
    st.characters(),
    st.sampled_from(["\ud800", "\udc80", "\udfff"]),
    st.sampled_from(SPECIAL),
    st.sampled_from(["Dr.", "e.g.", "J.", "3.5", "a.m.", "No.", "...", "?!", "\r\n", " A"]),
)
TEXT = st.lists(PIECES, max_size=60).map("".join)
LEXICONS = st.dictionaries(st.text(max_size=6), st.text(max_size=8), max_size=4)


def non_space(value: str) -> str:
    return "".join(value.split())


@PROPERTY
@given(TEXT)
def test_clean_is_total_and_idempotent(value: str) -> None:
    cleaned = clean(value)
    assert clean(cleaned) == cleaned
    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip()


@PROPERTY
@given(TEXT)
def test_sentences_are_nonempty_single_lines(value: str) -> None:
    for para in paragraphs(clean(value)):
        assert para
        for sentence in para:
            assert sentence
            assert sentence == " ".join(sentence.split())


@PROPERTY
@given(TEXT)
def test_splitting_loses_nothing(value: str) -> None:
    cleaned = clean(value)
    joined = "".join(s for para in paragraphs(cleaned) for s in para)
    assert non_space(joined) == non_space(cleaned)
    assert len(paragraphs(cleaned)) == len([p for p in cleaned.split("\n\n") if p])


@PROPERTY
@given(TEXT, LEXICONS)
def test_spoken_is_total_and_speakable(value: str, lexicon: dict[str, str]) -> None:
    result = spoken(value, lexicon)
    assert result == " ".join(result.split())
    assert not set(result) & set('*_#~|<>\u201c\u201d\u2018\u2019\u2014\u2013\u2026&"')


@PROPERTY
@given(TEXT, st.floats(min_value=1, max_value=1000))
def test_lengths_are_total(value: str, rate: float) -> None:
    assert text.word_count(value) >= 0
    assert text.estimate_seconds(value, rate) >= 0
