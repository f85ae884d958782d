"""What a sentence says, as words a recognizer can be compared with.

Both sides of a proof go through `words`: the script's sentence and what the
recognizer heard. Case, punctuation and spelling of numbers must not count as a
difference ("3 hours" heard for "three hours" is right), but every word must: so
numbers, times, amounts and doses become words here, the same way on both sides, and
each word keeps what kind it came from, so a difference in a number or a dose can be
rated above a difference in "the".

English only. A number's words are the build's spoken forms' own (`plan/numbers.py`),
so the proof and the build agree on how a number is said; the rest (times as heard,
phone numbers digit by digit with "oh", units, which kind each word is) only decides
what counts as the same words, and stays here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from audioguide.plan import numbers

# The kinds of word a difference is rated by (see `compare.severity`).
WORD = "word"
NUMBER = "number"  # a number, an ordinal, a year
TIME = "time"  # 9:30, a.m., o'clock
PHONE = "phone"  # a digit string read digit by digit: phone numbers, codes
DOSE = "dose"  # a unit of measure: mg, ml, percent
NAME = "name"  # a capitalised word inside a sentence, or a lexicon entry

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
)
ONES = _ONES.split()
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS = "hundred thousand million billion point oh first second third fifth eighth"
NUMBER_WORDS = frozenset([*ONES, *TENS[2:], *_NUMBER_WORDS.split(), "ninth", "twelfth", "half"])

# Units and abbreviations as they are said; the value is the words and their kind.
UNITS = {
    "mg": "milligrams",
    "mcg": "micrograms",
    "g": "grams",
    "kg": "kilograms",
    "ml": "milliliters",
    "l": "liters",
    "oz": "ounces",
    "lb": "pounds",
    "lbs": "pounds",
    "cm": "centimeters",
    "mm": "millimeters",
    "%": "percent",
}
_DOSE_WORDS = (
    "milligram microgram gram kilogram milliliter liter ounce pound centimeter millimeter "
    "percent teaspoon teaspoons tablespoon tablespoons dose doses drops tablet tablets"
)
DOSE_WORDS = frozenset([*UNITS.values(), *_DOSE_WORDS.split()])
ABBREVIATIONS = {
    "dr": "doctor",
    "mr": "mister",
    "mrs": "missus",
    "st": "saint",
    "vs": "versus",
    "etc": "et cetera",
    "e.g": "for example",
    "i.e": "that is",
    "&": "and",
    "+": "plus",
}
# British and American spellings heard alike (the recognizer writes American).
SPELLINGS = {
    "litre": "liter",
    "litres": "liters",
    "millilitre": "milliliter",
    "millilitres": "milliliters",
    "colour": "color",
    "behaviour": "behavior",
    "centre": "center",
    "okay": "ok",
    "percent": "percent",
    "per": "per",
}
TIME_WORDS = frozenset({"o'clock", "noon", "midnight"})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}:\d{2}|\d{1,2}\d{2}(?=\s?[ap]\.?m\b))"
    r"|(?P<ampm>(?:(?<=\d)|(?<=\d\s))[ap]\.?m\b\.?)"
    r"|(?P<phone>\b\d{3}[-.]\d{3,4}(?:[-.]\d{4})?\b|\b0\d+\b)"
    r"|(?P<ordinal>\d+(?:st|nd|rd|th)\b)"
    r"|(?P<number>\d[\d,]*(?:\.\d+)?)"
    r"|(?P<sign>[%&+])"
    r"|(?P<word>[^\W\d_]+(?:['.][^\W\d_]+)*)"
)


@dataclass(frozen=True)
class Word:
    """One word as compared: its text (lower case, as said) and the kind it came from."""

    text: str
    kind: str = WORD


def _split(said: str) -> list[str]:
    """The build's words for a number as compared: "twenty-one" is two words, and the
    "and" of "one hundred and five" is dropped (people say it or not: `_tidy`)."""
    return [w for w in said.replace("-", " ").split() if w != "and"]


def number_words(n: int) -> list[str]:
    """A whole number as said: 1200 -> one thousand two hundred. The spoken forms'
    own words (`plan.numbers`), so the proof and the build say a number alike.

    A year-like number (1100-2099, not a round hundred) is said in pairs as well
    ("twenty twenty-one"); the recognizer writes either as digits, so only this form
    is needed to compare them."""
    return _split(numbers.cardinal(n, "en"))


def ordinal_words(n: int) -> list[str]:
    return _split(numbers.ordinal(n, "en"))


def time_words(hours: int, minutes: int) -> list[str]:
    """9:30 -> nine thirty; 9:05 -> nine oh five; 9:00 -> nine."""
    said = number_words(hours)
    if minutes >= 10:
        said += number_words(minutes)
    elif minutes:
        said += ["oh", ONES[minutes]]
    return said


def year_words(n: int) -> list[str]:
    """A year as said: 1995 -> nineteen ninety five, 2021 -> twenty twenty one, 2006 ->
    two thousand six, 1900 -> nineteen hundred."""
    return _split(numbers.year(n, "en"))


def _decimal(token: str) -> list[Word]:
    if token.isdigit() and len(token) == 4 and 1100 <= int(token) <= 2099:
        return [Word(w, NUMBER) for w in year_words(int(token))]
    whole, _, fraction = token.replace(",", "").partition(".")
    said = [Word(w, NUMBER) for w in number_words(int(whole))]
    if fraction:
        said += [
            Word("point", NUMBER),
            *(Word(w, NUMBER) for w in _split(numbers.digits(fraction))),
        ]
    return said


def _digits(token: str) -> list[Word]:
    return [Word("oh" if d == "0" else ONES[int(d)], PHONE) for d in token if d.isdigit()]


def _word(token: str, capitalised_name: bool) -> list[Word]:
    low = token.lower()
    if low in ABBREVIATIONS:
        return [Word(w) for w in ABBREVIATIONS[low].split()]
    if low in UNITS:
        return [Word(w, DOSE) for w in UNITS[low].split()]
    low = SPELLINGS.get(low, low).replace(".", "")
    if low in DOSE_WORDS:
        return [Word(low, DOSE)]
    if low in TIME_WORDS:
        return [Word(low, TIME)]
    if low in NUMBER_WORDS:
        return [Word(low, NUMBER)]
    return [Word(low, NAME if capitalised_name else WORD)]


def _tokens(match: re.Match[str], first: bool, names: frozenset[str]) -> list[Word]:
    kind, token = match.lastgroup, match.group(0)
    if kind == "time":
        hours, minutes = int(token[:-2].rstrip(":")), int(token[-2:])
        return [Word(w, TIME) for w in time_words(hours, minutes)]
    if kind == "ampm":
        return [Word(token.lower().replace(".", "").replace(" ", ""), TIME)]
    if kind == "phone":
        return _digits(token)
    if kind == "ordinal":
        return [Word(w, NUMBER) for w in ordinal_words(int(token[:-2]))]
    if kind == "number":
        return _decimal(token.rstrip(",."))
    if kind == "sign":
        return _word(token, False)
    named = token in names or (not first and token[:1].isupper() and token != "I")
    return _word(token, named)


def _tidy(words: list[Word]) -> list[Word]:
    """What is said alike both ways: "one hundred and five" is "one hundred five",
    "nine o'clock" is "nine", "per cent" is "percent"."""
    out: list[Word] = []
    for i, w in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else None
        if (
            w.text == "and"
            and out
            and out[-1].text in ("hundred", "thousand", "million")
            and after is not None
            and after.kind == NUMBER
        ):
            continue
        if w.text == "o'clock":
            continue
        if w.text == "cent" and out and out[-1].text == "per":
            out[-1] = Word("percent", DOSE)
            continue
        out.append(w)
    return out


_CAPS_HYPHEN = re.compile(r"\b([A-Z]+)-(?=[A-Z]+\b)")


def _letters(words_: list[tuple[str, Word]]) -> list[Word]:
    """Letters said one by one are one word: "L C S W", "L.C.S.W." and "LCSW" alike."""
    out: list[Word] = []
    run: list[tuple[str, Word]] = []
    for token, word in [*words_, ("", Word(""))]:
        if len(token) == 1 and token.isupper():
            run.append((token, word))
            continue
        if len(run) > 1:
            out.append(Word("".join(t.lower() for t, _ in run), NAME))
        else:
            out += [w for _, w in run]
        run = []
        if token:
            out.append(word)
    return out


def words(sentence: str, names: frozenset[str] = frozenset()) -> tuple[Word, ...]:
    """The words of a sentence, normalized for comparison. `names` are words to rate as
    names wherever they stand (the lexicon's entries)."""
    text = unicodedata.normalize("NFKC", sentence).translate(_APOSTROPHES)
    text = _CAPS_HYPHEN.sub(r"\1", text)  # IMH-E is IMHE, said letter by letter
    # A hyphen parts words ("two-year-old" is three), a phone number stays whole.
    found: list[tuple[str, Word]] = []
    for i, match in enumerate(_TOKEN.finditer(text)):
        found += [(match.group(0), w) for w in _tokens(match, i == 0, names)]
    return tuple(_tidy(_letters(found)))


def plain(words_: tuple[Word, ...]) -> str:
    return " ".join(w.text for w in words_)
