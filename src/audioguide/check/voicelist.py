"""What `audioguide voices` prints: each voice under a name that works as written in a
script, espeak-ng's variants (which change the voice: `+f3` speaks female), and an
example line that is valid YAML to copy.

espeak-ng reports every voice as male and files British English as `gmw/en`; what staff
need is the short name to type (`en-gb`), so that is the first column, and genders come
from the variants, not from the voices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audioguide.speech.base import Engine, VoiceInfo


def usable_name(voice: VoiceInfo, voices: Sequence[VoiceInfo]) -> str:
    """The shortest name that picks `voice`: its language tag, if no voice with a smaller
    id has that tag too (the engine takes the first by id), else its id."""
    for tag in voice.languages:
        holders = [v.id for v in voices if tag.lower() in (x.lower() for x in v.languages)]
        if min(holders) == voice.id:
            return tag
    return voice.id


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def voice_table(shown: Sequence[VoiceInfo], every: Sequence[VoiceInfo]) -> list[str]:
    """One line per voice in `shown`; names are worked out against `every` voice."""
    genders = {v.gender for v in every}
    header = ("NAME (voice: name:)", "DESCRIPTION", "ID", "LANGUAGES")
    rows: list[tuple[str, ...]] = [(*header, "GENDER") if len(genders) > 1 else header]
    for v in sorted(shown, key=lambda v: usable_name(v, every)):
        row = (usable_name(v, every), v.name, v.id, ", ".join(v.languages))
        rows.append((*row, v.gender or "-") if len(genders) > 1 else row)
    return _columns(rows)


def variant_lines(variants: Sequence[str]) -> list[str]:
    """espeak-ng's variants grouped as female (f1...), male (m1...) and others."""
    if not variants:
        return []
    groups: dict[str, list[str]] = {"female": [], "male": [], "other": []}
    for name in sorted(variants, key=lambda n: (n.rstrip("0123456789").lower(), len(n), n)):
        kind = re.fullmatch(r"([fm])\d+", name)
        groups[{"f": "female", "m": "male"}[kind[1]] if kind else "other"].append(name)
    lines = ["Variants change any voice; add one after a +, e.g. en-gb+f3:"]
    lines += [f"  {kind}: {', '.join(names)}" for kind, names in groups.items() if names]
    return lines


def example_line(
    shown: Sequence[VoiceInfo],
    every: Sequence[VoiceInfo],
    variants: Sequence[str],
    driver: str = "espeak",
) -> str:
    name = min((usable_name(v, every) for v in shown), key=lambda n: (len(n), n))
    female = next((v for v in ("f3", "f2", "f1") if v in variants), "")
    spelled = f"{name}+{female}" if female else name
    chosen = "" if driver == "espeak" else f"driver: {driver}, "
    return f"In a script (guide.yaml, an episode or a segment):  voice: {{{chosen}name: {spelled}}}"


def listing(engine: Engine, language: str | None, driver: str, *, quiet: bool) -> list[str]:
    """What `audioguide voices` prints for `engine` (with pyttsx3's `driver`)."""
    every = engine.voices() if driver == "espeak" else engine.driver_voices(driver)  # type: ignore[attr-defined]
    found, primary = matching(every, language)
    lines = []
    if primary and found and not quiet:
        lines.append(f"No voice is marked '{language}'; these speak '{primary}':")
    if not found:
        return [f"No {engine.name} voice speaks '{language}'."]
    if driver != "espeak" and not quiet:
        lines.append(f"pyttsx3's {driver} driver (voice: driver: {driver}):")
    lines += voice_table(found, every)
    variants = engine.variants() if driver == "espeak" and hasattr(engine, "variants") else []
    if not quiet:
        lines += ["", *variant_lines(variants), example_line(found, every, variants, driver)]
    return lines


def speaking(voices: Sequence[VoiceInfo], prefix: str) -> list[VoiceInfo]:
    """The voices with a language tag starting with `prefix` (`en` takes `en-gb`)."""
    return [v for v in voices if any(x.lower().startswith(prefix) for x in v.languages)]


def matching(voices: Sequence[VoiceInfo], language: str | None) -> tuple[list[VoiceInfo], str]:
    """The voices for a language tag, and the primary language they speak if none is
    marked with the whole tag: as a build picks a voice, es-US falls back to Spanish."""
    if not language:
        return list(voices), ""
    found = speaking(voices, language.lower().replace("_", "-"))
    if found or "-" not in language:
        return found, ""
    primary = language.split("-")[0].lower()
    return speaking(voices, primary), primary
