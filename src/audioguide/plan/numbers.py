"""Numbers as words, per language: pure functions any stage may use.

The spoken-forms step (`spoken_forms.py`) says times, dates and doses with these; a
proof-listening step can use the same functions to bring recognised text and script
text to one form before comparing them. num2words does the counting (English and
Spanish and many more); what it leaves to the caller (decimals said digit by digit,
the short Spanish "un" before a noun, digits one by one) is here.

Every function takes a BCP 47 tag or a bare language (`en-US`, `es`) and falls back to
English for a language num2words does not know.
"""

from __future__ import annotations

import functools
import re
from typing import Any


# num2words takes some 40 ms to import: only when a number is said, not for every
# command that loads a guide.
@functools.cache
def _num2words() -> Any:
    import num2words

    return num2words


# Past a thousand million million no one says a number: it is a code, said digit by
# digit (num2words also refuses some of them: Spanish stops at 10**27).
_LARGEST = 10**15


def num2words(value: int, lang: str, to: str = "cardinal") -> str:
    if abs(value) >= _LARGEST:
        return digits(str(value), lang)
    return str(_num2words().num2words(value, lang=lang, to=to))


_POINT = {"en": "point", "es": "coma"}
_DIGITS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "es": ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
}
# The decimal mark and the thousands separator of each language ("1,000.5" / "1.000,5").
_MARKS = {"en": (".", ","), "es": (",", ".")}


def _number_pattern(code: str) -> re.Pattern[str]:
    point, thousands = _MARKS.get(code, _MARKS["en"])
    grouped = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+(?!\d)"
    return re.compile(rf"({grouped}|\d+)(?:{re.escape(point)}(\d+))?")


_NUMBER = {code: _number_pattern(code) for code in (*_MARKS, "")}


def base_language(language: str) -> str:
    """`es-US` -> `es`; a language num2words does not know -> `en`."""
    code = language.replace("_", "-").split("-")[0].lower()
    return code if code in _num2words().CONVERTER_CLASSES else "en"


def cardinal(value: int, language: str = "en") -> str:
    """21 -> "twenty-one" / "veintiuno"; 1500 -> "one thousand five hundred"."""
    # num2words writes "one thousand, five hundred": a comma would be a spoken pause.
    return num2words(value, lang=base_language(language)).replace(",", "")


def ordinal(value: int, language: str = "en", *, feminine: bool = False) -> str:
    """21 -> "twenty-first" / "vigésimo primero" (feminine: "vigésima primera")."""
    code = base_language(language)
    words = num2words(value, lang=code, to="ordinal")
    if code == "es" and feminine:
        words = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in words.split())
    return words


def year(value: int, language: str = "en") -> str:
    """2026 -> "twenty twenty-six" (English reads years in pairs) / "dos mil veintiséis"."""
    code = base_language(language)
    if code == "en":
        return num2words(value, lang="en", to="year")
    return cardinal(value, code)


def digits(text: str, language: str = "en") -> str:
    """ "0123" -> "zero one two three": each digit of `text`, other characters dropped."""
    names = _DIGITS.get(base_language(language), _DIGITS["en"])
    return " ".join(names[int(d)] for d in text if d.isascii() and d.isdigit())


def decimal(text: str, language: str = "en") -> str:
    """A number as written in the language: "12" -> "twelve", "1,500" -> "one thousand
    five hundred", "2.5" -> "two point five", "2,5" (es) ->
    "dos coma cinco", "0.25" -> "zero point two five"; the decimals are said digit by
    digit, as people read a dose. Text that is no number comes back unchanged."""
    code = base_language(language)
    match = _NUMBER.get(code, _NUMBER[""]).fullmatch(text.strip())
    if match is None:
        return text
    whole = cardinal(int(re.sub(r"\D", "", match.group(1))), code)
    if match.group(2) is None:
        return whole
    return f"{whole} {_POINT.get(code, 'point')} {digits(match.group(2), code)}"


def before_noun(words: str, language: str = "en", *, feminine: bool = False) -> str:
    """A cardinal said before a noun: Spanish shortens "uno" ("un mililitro",
    "veintiún días") or makes it feminine ("una hora"); English is unchanged."""
    if base_language(language) != "es":
        return words
    if words.endswith("iuno"):  # veintiuno
        return words[:-3] + ("una" if feminine else "ún")
    if words == "uno" or words.endswith(" uno"):
        return words[:-3] + ("una" if feminine else "un")
    return words


def number_words(text: str, language: str = "en") -> str:
    """Every run of digits in `text` said as words ("3 of 10" -> "three of ten"), decimals
    included; for comparing recognised speech with a script. Not the spoken-forms step:
    no times, dates or units, only the numbers."""
    code = base_language(language)
    return _NUMBER.get(code, _NUMBER[""]).sub(lambda m: decimal(m.group(0), code), text)
