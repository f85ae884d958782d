"""What is written in figures and abbreviations, said as a person reads it aloud.

`say(sentence, language)` turns times, dates, number ranges, phone numbers, doses and
units, percentages, ordinals, currency and common abbreviations into words, before any
engine sees the text: espeak-ng, Piper and a system voice would each read `555-0123` or
`5 ml` their own way ("five hundred fifty-five dash...", "five M L"). Pure and total.

One `Rules` table per language holds the words; the patterns are shared. Another
language is one more table in `RULES`. A language without a table is left as written.
The rules run in a fixed order, each on what the ones before left: every replacement
is words without digits, so no later rule reads it again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from audioguide.plan import numbers

Unit = tuple[str, str, bool]  # singular, plural, feminine (Spanish "una hora")
Money = tuple[str, str, str, str]  # unit singular, plural, cent singular, plural


@dataclass(frozen=True)
class Rules:
    """How one language says figures and abbreviations."""

    code: str
    months: tuple[str, ...]
    to: str  # "0-3" -> "zero to three"
    units: Mapping[str, Unit]
    money: Mapping[str, Money]
    and_cents: str
    abbreviations: Mapping[str, str]
    number_word: str  # "No. 5" -> "number five"
    time: Callable[[int, int, str], str]  # hour, minute, "am" | "pm" | ""
    date: Callable[[int, int, int | None, str], str]  # day, month, year, order
    ordinal: re.Pattern[str]
    ordinal_feminine: Callable[[re.Match[str]], bool]
    date_order: Mapping[str, str] = field(default_factory=dict)  # region -> "mdy" | "dmy"


# --- English -----------------------------------------------------------------------------


def _en_time(hour: int, minute: int, half: str) -> str:
    words = numbers.cardinal(hour, "en")
    if minute:
        said = numbers.cardinal(minute, "en")
        words += f" oh {said}" if minute < 10 else f" {said}"
    elif not half:
        words += " o'clock"
    # In capitals espeak-ng (and Piper's phonemizer) say the letters "ay em".
    return f"{words} {half.upper()}" if half else words


_EN_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def _en_date(day: int, month: int, year: int | None, order: str) -> str:
    name = _EN_MONTHS[month - 1]
    said = (
        f"{name} {numbers.ordinal(day, 'en')}"
        if order == "mdy"
        else f"the {numbers.ordinal(day, 'en')} of {name}"
    )
    return f"{said}, {numbers.year(year, 'en')}" if year is not None else said


_EN_UNITS: dict[str, Unit] = {
    "mg": ("milligram", "milligrams", False),
    "mcg": ("microgram", "micrograms", False),
    "µg": ("microgram", "micrograms", False),
    "g": ("gram", "grams", False),
    "kg": ("kilogram", "kilograms", False),
    "ml": ("milliliter", "milliliters", False),
    "mL": ("milliliter", "milliliters", False),
    "cc": ("cubic centimeter", "cubic centimeters", False),
    "L": ("liter", "liters", False),
    "oz": ("ounce", "ounces", False),
    "fl oz": ("fluid ounce", "fluid ounces", False),
    "lb": ("pound", "pounds", False),
    "lbs": ("pound", "pounds", False),
    "mm": ("millimeter", "millimeters", False),
    "cm": ("centimeter", "centimeters", False),
    "km": ("kilometer", "kilometers", False),
    "°C": ("degree Celsius", "degrees Celsius", False),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit", False),
    "°": ("degree", "degrees", False),
    "%": ("percent", "percent", False),
    "hr": ("hour", "hours", False),
    "hrs": ("hour", "hours", False),
    "min": ("minute", "minutes", False),
    "mins": ("minute", "minutes", False),
    "wk": ("week", "weeks", False),
    "wks": ("week", "weeks", False),
    "mo": ("month", "months", False),
    "mos": ("month", "months", False),
    "yr": ("year", "years", False),
    "yrs": ("year", "years", False),
    "IU": ("international unit", "international units", False),
}

ENGLISH = Rules(
    code="en",
    months=_EN_MONTHS,
    to="to",
    units=_EN_UNITS,
    money={
        "$": ("dollar", "dollars", "cent", "cents"),
        "€": ("euro", "euros", "cent", "cents"),
        "£": ("pound", "pounds", "penny", "pence"),
    },
    and_cents="and",
    abbreviations={
        "e.g.": "for example",
        "i.e.": "that is",
        "etc.": "et cetera",
        "approx.": "approximately",
        "vs.": "versus",
        "a.k.a.": "also known as",
        "Dr.": "Doctor",
        "Mr.": "Mister",
        "Mrs.": "Missus",
        "Ms.": "Miz",
        "Prof.": "Professor",
        "Jr.": "Junior",
        "Sr.": "Senior",
        "tel.": "telephone",
        "Tel.": "Telephone",
        "ext.": "extension",
    },
    number_word="number",
    time=_en_time,
    date=_en_date,
    ordinal=re.compile(r"(?<![\w.,])(\d+)(?:st|nd|rd|th)(?!\w)"),
    ordinal_feminine=lambda m: False,
    # The United States (and the few that follow it) write the month first.
    date_order={"us": "mdy", "ph": "mdy", "fm": "mdy"},
)


# --- Spanish -----------------------------------------------------------------------------


def _es_time(hour: int, minute: int, half: str) -> str:
    words = numbers.before_noun(numbers.cardinal(hour, "es"), "es", feminine=True)
    if minute == 15:
        words += " y cuarto"
    elif minute == 30:
        words += " y media"
    elif minute:
        words += " y " + numbers.cardinal(minute, "es")
    if half == "am":
        words += " de la noche" if hour == 12 else " de la mañana"
    elif half == "pm":
        words += " del mediodía" if hour == 12 else " de la noche" if hour >= 8 else " de la tarde"
    return words


_ES_MONTHS = (
    *("enero", "febrero", "marzo", "abril", "mayo", "junio"),
    *("julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
)


def _es_date(day: int, month: int, year: int | None, order: str) -> str:
    said = f"{numbers.cardinal(day, 'es')} de {_ES_MONTHS[month - 1]}"
    return f"{said} de {numbers.year(year, 'es')}" if year is not None else said


SPANISH = Rules(
    code="es",
    months=_ES_MONTHS,
    to="a",
    units={
        "mg": ("miligramo", "miligramos", False),
        "mcg": ("microgramo", "microgramos", False),
        "µg": ("microgramo", "microgramos", False),
        "g": ("gramo", "gramos", False),
        "kg": ("kilo", "kilos", False),
        "ml": ("mililitro", "mililitros", False),
        "mL": ("mililitro", "mililitros", False),
        "cc": ("centímetro cúbico", "centímetros cúbicos", False),
        "l": ("litro", "litros", False),
        "L": ("litro", "litros", False),
        "mm": ("milímetro", "milímetros", False),
        "cm": ("centímetro", "centímetros", False),
        "km": ("kilómetro", "kilómetros", False),
        "°C": ("grado centígrado", "grados centígrados", False),
        "°F": ("grado Fahrenheit", "grados Fahrenheit", False),
        "°": ("grado", "grados", False),
        "%": ("por ciento", "por ciento", False),
        "h": ("hora", "horas", True),
        "hr": ("hora", "horas", True),
        "min": ("minuto", "minutos", False),
        "sem.": ("semana", "semanas", True),
        "UI": ("unidad internacional", "unidades internacionales", True),
    },
    money={
        "$": ("dólar", "dólares", "centavo", "centavos"),
        "US$": ("dólar", "dólares", "centavo", "centavos"),
        "€": ("euro", "euros", "céntimo", "céntimos"),
    },
    and_cents="con",
    abbreviations={
        "p. ej.": "por ejemplo",
        "p.ej.": "por ejemplo",
        "etc.": "etcétera",
        "aprox.": "aproximadamente",
        "Dr.": "doctor",
        "Dra.": "doctora",
        "Sr.": "señor",
        "Sra.": "señora",
        "Srta.": "señorita",
        "Ud.": "usted",
        "Uds.": "ustedes",
        "tel.": "teléfono",
        "Tel.": "Teléfono",
        "EE. UU.": "Estados Unidos",
        "EE.UU.": "Estados Unidos",
    },
    number_word="número",
    time=_es_time,
    date=_es_date,
    ordinal=re.compile(r"(?<![\w.,])(\d+)(?:\.?([ºª])|\.?er)(?!\w)"),
    ordinal_feminine=lambda m: m.group(2) == "ª",
)

RULES: dict[str, Rules] = {rules.code: rules for rules in (ENGLISH, SPANISH)}


def rules_for(language: str) -> Rules | None:
    """The table for a BCP 47 tag (`es-US` -> Spanish), or None: say it as written."""
    return RULES.get(language.replace("_", "-").split("-")[0].lower())


# --- the rules ---------------------------------------------------------------------------

_MARKS = {"en": (r"\.", ","), "es": (",", r"\.")}  # decimal mark, thousands separator


def _number(code: str) -> str:
    point, thousands = _MARKS.get(code, _MARKS["en"])
    return rf"(?:\d{{1,3}}(?:{thousands}\d{{3}})+|\d+)(?:{point}\d+)?"


def _alternation(words: Mapping[str, object]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def _value(text: str, code: str) -> Decimal:
    # Decimal, not float: "$0.29" is 29 cents, not 28.999...
    point, thousands = _MARKS.get(code, _MARKS["en"])
    plain = re.sub(thousands, "", text)
    return Decimal(re.sub(point, ".", plain))


Step = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _money(rules: Rules, num: str) -> Step:
    symbols = _alternation(rules.money)
    pattern = re.compile(
        rf"(?<![\w$€£])(?:(?P<s1>{symbols})\s?(?P<n1>{num})|(?P<n2>{num})\s?(?P<s2>{symbols}))"
        r"(?!\w)"
    )
    code = rules.code

    def say(m: re.Match[str]) -> str:
        symbol, figure = (m["s1"], m["n1"]) if m["s1"] else (m["s2"], m["n2"])
        one, many, cent, cents = rules.money[symbol]
        amount = round(_value(figure, code) * 100)
        whole, part = divmod(amount, 100)
        said = f"{numbers.before_noun(numbers.cardinal(whole, code), code)} "
        said += one if whole == 1 else many
        if part:
            words = numbers.before_noun(numbers.cardinal(part, code), code)
            said += f" {rules.and_cents} {words} {cent if part == 1 else cents}"
        return said

    return pattern, say


def _phone(rules: Rules) -> Step:
    # 555-0123, 555.0123, (555) 555-0123, 1-800-555-0123, +1 555 555 0123: digit groups
    # with at least one dash or dot or a bracketed area code, seven digits or more.
    pattern = re.compile(
        r"(?<![\w+.,/-])(?:\+?\d{1,3}[ .-])?(?:\(\d{2,4}\) ?|\d{2,4}[ .-])?\d{3}[.-]\d{4}"
        r"(?![\w/]|[.,-]\d)"
    )

    def say(m: re.Match[str]) -> str:
        groups = re.findall(r"\d+", m.group(0))
        return ", ".join(numbers.digits(g, rules.code) for g in groups)

    return pattern, say


def _numeric_date(compiled_rules: Rules, order: str) -> Step:
    pattern = re.compile(
        r"(?<![\w/.-])(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
        r"|(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2}))"
        r"(?![\w/]|[.-]\d)"
    )

    def say(m: re.Match[str]) -> str:
        if m["y"]:
            year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
        else:
            a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
            month, day = (a, b) if order == "mdy" else (b, a)
            year += 2000 if len(m["year"]) == 2 else 0
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return m.group(0)
        return compiled_rules.date(day, month, year, order)

    return pattern, say


_HALF = r"(?P<half>[AaPp])\.? ?[Mm]\b\.?"


def _times(rules: Rules) -> tuple[Step, Step]:
    """9:00 a.m., 5 p.m., 9-11 a.m. (a range), and 14:30 (a clock time, no a.m./p.m.)."""
    clock = r"(?P<h>\d{1,2})(?::(?P<mm>\d{2}))?"
    with_half = re.compile(
        rf"(?<![\w:.,])(?:(?P<h0>\d{{1,2}})(?::(?P<m0>\d{{2}}))? ?[-\u2013] ?)?{clock} ?{_HALF}"
    )
    bare = re.compile(r"(?<![\w:.,])(?P<h>\d{1,2}):(?P<mm>\d{2})(?![\w:]|[.,]\d)")

    def said(hour: str, minute: str | None, half: str) -> str | None:
        h, mm = int(hour), int(minute or 0)
        if mm > 59 or h > (12 if half else 24):
            return None
        return rules.time(h, mm, half)

    def say_half(m: re.Match[str]) -> str:
        half = m["half"].lower() + "m"
        end = said(m["h"], m["mm"], half)
        start = said(m["h0"], m["m0"], "") if m["h0"] else ""
        if end is None or start is None:
            return m.group(0)
        if start:  # "nine to eleven AM": the first time without its own half
            start = start.removesuffix(" o'clock") + f" {rules.to} "
        return start + end

    def say_bare(m: re.Match[str]) -> str:
        return said(m["h"], m["mm"], "") or m.group(0)

    return (with_half, say_half), (bare, say_bare)


def _units(rules: Rules, num: str) -> Step:
    """5 ml, 2.5 mg, 2-3 ml, 38.5 °C, 10%: the figures in words, the unit spelled out."""
    units = _alternation(rules.units)
    pattern = re.compile(
        rf"(?<![\w.,])(?P<a>{num})(?: ?[-\u2013] ?(?P<b>{num}))? ?(?P<u>{units})(?!\w)"
    )
    code = rules.code

    def say(m: re.Match[str]) -> str:
        one, many, feminine = rules.units[m["u"]]
        last = m["b"] or m["a"]
        words = [numbers.decimal(m["a"], code)]
        if m["b"]:
            words += [rules.to, numbers.decimal(m["b"], code)]
        if "," not in last and "." not in last:
            words[-1] = numbers.before_noun(words[-1], code, feminine=feminine)
        single = not m["b"] and _value(last, code) == 1
        return " ".join([*words, one if single else many])

    return pattern, say


def _ranges(rules: Rules, num: str) -> Step:
    """0-3 -> zero to three (only a rising range: 10-3 may be a score or a code)."""
    pattern = re.compile(rf"(?<![\w.,/:-])(?P<a>{num}) ?[-\u2013] ?(?P<b>{num})(?![\w/:-]|[.,]\d)")
    code = rules.code

    def say(m: re.Match[str]) -> str:
        if _value(m["a"], code) >= _value(m["b"], code):
            return m.group(0)
        return f"{numbers.decimal(m['a'], code)} {rules.to} {numbers.decimal(m['b'], code)}"

    return pattern, say


def _ordinals(rules: Rules) -> Step:
    def say(m: re.Match[str]) -> str:
        words = numbers.ordinal(int(m.group(1)), rules.code, feminine=rules.ordinal_feminine(m))
        # Spanish "1.er", "3er" are the short forms before a noun: primer, tercer.
        return words[:-1] if m.group(0).endswith("er") else words

    return rules.ordinal, say


def _month_days(rules: Rules) -> Step:
    """English "March 3, 2026" -> "March third, twenty twenty-six"."""
    months = "|".join(rules.months)
    pattern = re.compile(
        rf"\b(?P<month>{months}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<y>\d{{4}}))?(?!\w)"
    )

    def say(m: re.Match[str]) -> str:
        day = int(m["d"])
        if not 1 <= day <= 31:
            return m.group(0)
        said = f"{m['month']} {numbers.ordinal(day, rules.code)}"
        return f"{said}, {numbers.year(int(m['y']), rules.code)}" if m["y"] else said

    return pattern, say


def _abbreviations(rules: Rules) -> tuple[Step, Step]:
    table = dict(rules.abbreviations)
    for key, said in rules.abbreviations.items():  # "E.g." at the start of a sentence
        upper = key[:1].upper() + key[1:]
        table.setdefault(upper, said[:1].upper() + said[1:])
    pattern = re.compile(rf"(?<![\w.])(?:{_alternation(table)})(?!\w)")
    number = re.compile(
        r"(?<![\w.])(?:No|no|Nº|N\.º|n\.º|núm)\. ?(?=\d)|(?<![\w.])(?:Nº|n\.º) ?(?=\d)"
    )
    return (
        (pattern, lambda m: table[m.group(0)]),
        (number, lambda m: rules.number_word + " "),
    )


def _steps(rules: Rules, order: str) -> tuple[Step, ...]:
    num = _number(rules.code)
    with_half, bare = _times(rules)
    abbreviations, number_sign = _abbreviations(rules)
    month_days = (_month_days(rules),) if rules.code == "en" else ()
    return (
        _money(rules, num),
        _phone(rules),
        _numeric_date(rules, order),
        *month_days,
        with_half,
        bare,
        _units(rules, num),
        _ranges(rules, num),
        _ordinals(rules),
        number_sign,
        abbreviations,
    )


_COMPILED: dict[tuple[str, str], tuple[Step, ...]] = {}


def _order(rules: Rules, language: str) -> str:
    region = language.replace("_", "-").split("-")[1:2]
    return rules.date_order.get(region[0].lower(), "dmy") if region else "dmy"


def say(sentence: str, language: str) -> str:
    """`sentence` with its figures and abbreviations as words in `language` (BCP 47),
    e.g. "Call 555-0123 at 9:00 a.m." -> "Call five five five, zero one two three at
    nine AM." A language without rules comes back as written."""
    rules = rules_for(language)
    if rules is None:
        return sentence
    order = _order(rules, language)
    steps = _COMPILED.get((rules.code, order))
    if steps is None:
        steps = _COMPILED[(rules.code, order)] = _steps(rules, order)
    for pattern, replace in steps:
        sentence = pattern.sub(_keeping_full_stop(replace), sentence)
    return sentence


def _keeping_full_stop(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    # "...until 5 p.m." ends the sentence with the abbreviation's own dot: keep one.
    def wrapped(m: re.Match[str]) -> str:
        said = replace(m)
        ends = m.group(0).endswith(".") and m.end() == len(m.string)
        return said + "." if ends and said != m.group(0) and not said.endswith(".") else said

    return wrapped
