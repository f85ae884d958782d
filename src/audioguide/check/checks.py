"""What `audioguide check` reports beyond the loader's errors: warnings about a guide that
loads but may not sound right, and voices the engine does not have.

`diagnose` is pure: a loaded guide (plus, optionally, where its parts are written and
the engines' voice lists) in, diagnostics out. The functions at the end do the I/O
around it: listing an engine's voices (cached by engine version), checking the cover,
and the voice check a build runs before it touches the output.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from audioguide.build.summary import minutes
from audioguide.errors import AudioguideError, Location, ScriptError, ScriptErrors
from audioguide.loader import Sources
from audioguide.model import Chapter, Guide, Say, voices_of
from audioguide.plan import text
from audioguide.plan.estimate import SoundSeconds, no_sound, timeline_seconds
from audioguide.plan.timeline import Item, Utterance, plan_episode
from audioguide.speech.base import EngineFactory, VoiceInfo
from audioguide.system.faults import one_line

Severity = Literal["error", "warning"]

MAX_MINUTES = 6.0
MIN_MINUTES = 1.0
MAX_SENTENCE_WORDS = 35
MAX_WORD_WARNINGS = 50  # per guide; a script full of capitals would bury everything else
# Acronyms every engine says right; anything else in capitals gets a warning.
KNOWN_ACRONYMS = frozenset({"OK", "TV", "UK", "USA", "AM", "PM"})
# How far after a segment's start a word is looked for in its file (a long say).
SEARCH_CHARS = 50_000


@dataclass(frozen=True)
class Diagnostic:
    """One finding, printed as `path:line:col: severity: message (hint)`."""

    where: Location
    severity: Severity
    message: str
    hint: str = ""

    def line(self) -> str:
        text = f"{self.where}: {self.severity}: {self.message}"
        return one_line(f"{text} ({self.hint})" if self.hint else text)


def from_errors(errors: ScriptErrors) -> list[Diagnostic]:
    """The loader's errors as diagnostics, so everything prints alike."""
    return [Diagnostic(e.where, "error", e.message, e.hint) for e in errors.errors]


def diagnose(
    guide: Guide,
    sources: Sources | None = None,
    voices: Mapping[str, Sequence[VoiceInfo]] | None = None,
    sound_seconds: SoundSeconds = no_sound,
) -> list[Diagnostic]:
    """Every warning about `guide`, and errors for voices that `voices` (engine name ->
    its voices) does not hold; engines missing from `voices` are not checked.

    With `sources` (from `loader.load_with_sources`) a warning points at the very word;
    without, at the segment or the file.
    """
    find = _Finder(sources)
    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    plans = {ep.id: plan_episode(guide, ep, speak) for ep in guide.episodes}
    found = [
        *_lengths(guide, plans, sound_seconds),
        *_chapterless(guide),
        *_long_sentences(guide, find),
        *_words(guide, sources, find),
        *_lexicon(guide, sources, plans),
        *_hard_to_read(guide, find),
        *voice_diagnostics(guide, voices or {}, sources),
    ]
    return sorted(found, key=_order)


def _order(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.where.path, d.where.line, d.where.col, d.message)


# --- where in the file -------------------------------------------------------------------


class _Finder:
    """Finds a word in a script at or after a known position (e.g. its segment's)."""

    def __init__(self, sources: Sources | None) -> None:
        self.texts = sources.texts if sources else {}
        self.starts: dict[str, list[int]] = {}

    def _line_starts(self, path: str) -> list[int]:
        if path not in self.starts:
            source = self.texts[path]
            self.starts[path] = [0, *(i + 1 for i, c in enumerate(source) if c == "\n")]
        return self.starts[path]

    def find(self, where: Location, pattern: re.Pattern[str]) -> Location:
        if where.path not in self.texts or not where.line:
            return where
        source, starts = self.texts[where.path], self._line_starts(where.path)
        if where.line > len(starts):
            return where
        offset = starts[where.line - 1] + where.col - 1
        match = pattern.search(source, offset, offset + SEARCH_CHARS)
        if match is None:
            return where
        line = _bisect(starts, match.start())
        return Location(where.path, line + 1, match.start() - starts[line] + 1)


def _bisect(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset) - 1


def _word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    # Words of a sentence may wrap onto the next line in the file.
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


# --- episodes ----------------------------------------------------------------------------


def _lengths(
    guide: Guide, plans: Mapping[str, tuple[Item, ...]], sound_seconds: SoundSeconds
) -> Iterator[Diagnostic]:
    for ep in guide.episodes:
        seconds = timeline_seconds(plans[ep.id], sound_seconds)
        if seconds > MAX_MINUTES * 60:
            yield Diagnostic(
                ep.where,
                "warning",
                f"episode '{ep.id}' would last about {minutes(seconds)}, "
                f"over {MAX_MINUTES:g} minutes",
                "split it in two: short episodes are easier to finish",
            )
        elif seconds < MIN_MINUTES * 60:
            yield Diagnostic(
                ep.where,
                "warning",
                f"episode '{ep.id}' would last only about {minutes(seconds)}, "
                f"under {MIN_MINUTES:g} minute",
                "add to it, or merge it with another episode",
            )


def _chapterless(guide: Guide) -> Iterator[Diagnostic]:
    for ep in guide.episodes:
        if not any(isinstance(s, Chapter) for s in ep.segments):
            yield Diagnostic(
                ep.where,
                "warning",
                f"episode '{ep.id}' has no chapter",
                "start it with '- chapter: <title>' so players can show and skip parts",
            )


def _long_sentences(guide: Guide, find: _Finder) -> Iterator[Diagnostic]:
    for ep in guide.episodes:
        for say in (s for s in ep.segments if isinstance(s, Say)):
            for sentence in (s for para in say.paragraphs for s in para):
                count = text.word_count(sentence)
                if count > MAX_SENTENCE_WORDS:
                    opening = sentence.split()[:4]
                    yield Diagnostic(
                        find.find(say.where, _word_pattern(opening)),
                        "warning",
                        f"a sentence of {count} words: '{' '.join(opening)} ...'",
                        f"split it: over {MAX_SENTENCE_WORDS} words is hard to follow by ear",
                    )


def _hard_to_read(guide: Guide, find: _Finder) -> Iterator[Diagnostic]:
    from audioguide.check import readability

    target = guide.reading_level
    hint = f"reading_level: {target:g} in guide.yaml is the target grade"
    grades = readability.episode_grades(guide)
    for ep in guide.episodes:
        grade = grades.get(ep.id, 0.0)
        if grade > target:
            yield Diagnostic(
                ep.where,
                "warning",
                f"episode '{ep.id}' reads at grade {grade:.1f}, over the target {target:g}",
                f"use shorter sentences and words; {hint}",
            )
    for say, sentence, grade, long_words in readability.hard_sentences(guide):
        opening = sentence.split()[:4]
        named = ", ".join(f"'{w}'" for w in long_words) or "none"
        yield Diagnostic(
            find.find(say.where, _word_pattern(opening)),
            "warning",
            f"a sentence at reading grade {grade:.1f}, well over the target {target:g}: "
            f"'{' '.join(opening)} ...' (long words: {named})",
            f"split it, or say the long words more simply; {hint}",
        )


# --- words the engine may say wrongly ----------------------------------------------------

# Lexicon entries are swapped for markers (private-use characters around the entry's
# number) through the lexicon's own matching, so "is this word covered" and "was this
# entry used" are answered exactly as the build would answer them.
_MARK = re.compile("\ue000(\\d+)\ue001")
_TOKEN = re.compile(r"[^\W\d_](?:[\w'\u2019]|-(?=\w))*")
_POSSESSIVE = re.compile("['\u2019]s\\Z")


def _marked(guide: Guide) -> Callable[[str], str]:
    return text.compile_lexicon(
        [(word, f"\ue000{i}\ue001") for i, (word, _) in enumerate(guide.lexicon)]
    )


def _spoken_texts(guide: Guide, sources: Sources | None) -> Iterator[tuple[str, Location]]:
    """Everything the guide says, with where to start looking for a word of it."""
    places = sources.places if sources else {}
    for ep in guide.episodes:
        for say in (s for s in ep.segments if isinstance(s, Say)):
            for sentence in (s for para in say.paragraphs for s in para):
                yield sentence, say.where
    fields = "{guide}", "{title}", "{number}", "{total}"
    templates = [(t, k) for t, k in ((guide.intro, "intro"), (guide.outro, "outro")) if t]
    for template, key in templates:
        plain = template
        for field in fields:
            plain = plain.replace(field, " ")
        yield plain, places.get(key, guide.where)
    if any("{guide}" in t for t, _ in templates):
        yield guide.title, places.get("title", guide.where)
    if any("{title}" in t for t, _ in templates):
        for ep in guide.episodes:
            yield ep.title, ep.where


def classify(word: str, language: str) -> str:
    """'acronym', 'name' or '' for a word not covered by the lexicon.

    Pragmatic: capitals (LCSW, IMH-E), hyphenated names (Taylor-Pickford), capitals
    inside a word (McDonald, O'Brien) and, in an English guide, accented names (Zoë).
    An ordinary capitalised word, at the start of a sentence or not, is left alone.
    """
    if word[1:].islower() and word.isascii() and word.isalpha():
        return ""  # the common case, decided at once: "hello", "Hello"
    parts = word.split("-")
    for part in parts:
        upper = sum(c.isupper() for c in part)
        letters = sum(c.isalpha() for c in part)
        if upper >= 2 and upper * 2 >= letters and word not in KNOWN_ACRONYMS:
            return "acronym"
    if len(parts) > 1 and all(p[:1].isupper() and p[1:].islower() for p in parts):
        return "name"
    if re.search(r"[^\W\d_][A-Z]|['\u2019][A-Z]", word) and not word.isupper():
        return "name"
    english = language.lower().split("-")[0] == "en"
    if english and word[:1].isupper() and not word.isascii():
        return "name"
    return ""


def _words(guide: Guide, sources: Sources | None, find: _Finder) -> Iterator[Diagnostic]:
    marked = _marked(guide)
    seen: set[str] = set()  # each word once, where it is first said
    flagged = 0
    for sentence, where in _spoken_texts(guide, sources):
        for token in _TOKEN.findall(_MARK.sub(" ", marked(sentence))):
            word = _POSSESSIVE.sub("", token).rstrip("'\u2019")  # the NICU's -> NICU
            if word in seen:
                continue
            seen.add(word)
            kind = classify(word, guide.language)
            if kind == "acronym":
                spelled = " ".join(c for c in word if c.isalpha())
                noun, example = "an acronym", f"{word}: {spelled}"
            elif kind == "name":
                noun, example = "a name", f"{word}: {word.replace('-', ' ')}"
            else:
                continue
            flagged += 1
            if flagged > MAX_WORD_WARNINGS:
                continue  # counted, not located: finding each costs a search of its file
            yield Diagnostic(
                find.find(where, _word_pattern([word])),
                "warning",
                f"'{word}' looks like {noun} with no lexicon entry",
                f"if the voice says it wrongly, add how it sounds to the lexicon, e.g. {example}",
            )
    if flagged > MAX_WORD_WARNINGS:
        yield Diagnostic(
            guide.where,
            "warning",
            f"{flagged - MAX_WORD_WARNINGS} more words look like acronyms or names with no "
            "lexicon entry",
            "add the ones above to the lexicon, then check again to see the rest",
        )


def _lexicon(
    guide: Guide, sources: Sources | None, plans: Mapping[str, tuple[Item, ...]]
) -> Iterator[Diagnostic]:
    if not guide.lexicon:
        return
    marked = _marked(guide)
    used: set[int] = set()
    for items in plans.values():
        for u in (i for i in items if isinstance(i, Utterance)):
            used.update(int(n) for n in _MARK.findall(marked(u.display)))
    fallback = sources.places.get("lexicon", guide.where) if sources else guide.where
    places = sources.lexicon if sources and len(sources.lexicon) == len(guide.lexicon) else ()
    for i, (word, said) in enumerate(guide.lexicon):
        where = places[i] if places else fallback
        if i not in used:
            yield Diagnostic(
                where,
                "warning",
                f"lexicon entry '{word}' is never said",
                "remove it, or match the script's spelling and capitals exactly",
            )
        inner = [guide.lexicon[int(n)][0] for n in _MARK.findall(marked(said))]
        if inner:
            # One pass, so no entry can loop: the inner word is said as written.
            yield Diagnostic(
                where,
                "warning",
                f"lexicon entry '{word}' is said as '{said}', which holds the lexicon "
                f"word '{inner[0]}'",
                f"the lexicon is applied once, so that '{inner[0]}' is said as written; "
                "write out how it sounds",
            )


# --- voices ------------------------------------------------------------------------------


def _tag_matches(spoken: str, language: str) -> bool:
    from audioguide.speech.registry import language_aliases

    tag = language.lower().replace("_", "-")
    primary = tag.split("-")[0]
    primary = language_aliases().get(primary, primary)
    spoken = spoken.lower()
    return spoken in (tag, primary) or spoken.startswith(primary + "-")


def knows_voice(voices: Sequence[VoiceInfo], name: str) -> bool:
    """Whether `name` (an id, name or language tag, maybe with `+variant`) is a voice."""
    key = name.strip().partition("+")[0].lower()
    return any(
        key in (v.id.lower(), v.name.lower(), *(lang.lower() for lang in v.languages))
        for v in voices
    )


def voice_diagnostics(
    guide: Guide, voices: Mapping[str, Sequence[VoiceInfo]], sources: Sources | None = None
) -> list[Diagnostic]:
    """Errors for voice names the engines lack, and for a language no voice speaks.

    Voices with a model file (piper) are checked by the loader; engines missing from
    `voices` are not checked.
    """
    found: list[Diagnostic] = []
    done: set[tuple[str, str]] = set()
    uses = sources.voices if sources else ()
    for voice, fallback in voices_of(guide):
        key = (voice.engine, voice.name)
        if key in done or voice.model or voice.engine not in voices:
            continue
        done.add(key)
        listed = voices[voice.engine]
        if voice.name and not knows_voice(listed, voice.name):
            where = next((u.where for u in uses if (u.engine, u.name) == key), fallback)
            found.append(
                Diagnostic(
                    where,
                    "error",
                    f"the {voice.engine} engine has no voice '{voice.name}'",
                    f"e.g. {_samples(listed, guide.language)}; `audioguide voices` lists them",
                )
            )
        elif not voice.name and not any(
            _tag_matches(lang, guide.language) for v in listed for lang in v.languages
        ):
            where = sources.places.get("language", guide.where) if sources else guide.where
            found.append(
                Diagnostic(
                    where,
                    "error",
                    f"no {voice.engine} voice speaks '{guide.language}'",
                    "fix the language tag, or pick a voice by name (`audioguide voices`)",
                )
            )
    return found


def _samples(voices: Sequence[VoiceInfo], language: str, count: int = 4) -> str:
    near = [v for v in voices if any(_tag_matches(lang, language) for lang in v.languages)]
    tag = language.lower()
    # The voices for the very tag first (en-us for en-US), then the rest of the language.
    chosen = sorted(near or voices, key=lambda v: (tag not in v.languages, v.id))[:count]
    return ", ".join(v.id for v in chosen) or "none installed"


# --- I/O at the edges --------------------------------------------------------------------


def engines_to_list(guide: Guide) -> list[str]:
    """The engines whose voice lists the voice check needs (not model-based voices)."""
    return sorted({v.engine for v, _ in voices_of(guide) if not v.model})


def list_voices(
    engine: str, language: str, factory: EngineFactory, cache_dir: Path | None = None
) -> list[VoiceInfo]:
    """The engine's voices, kept in `cache_dir` by engine name and version.

    Listing pyttsx3's voices starts espeak-ng (~0.3 s); the cached list costs a file
    read, so a build can check its voices without slowing a build that changes nothing.
    Raises AudioguideError when the engine cannot start.
    """
    made = factory(engine, language)
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256(f"{made.name}\0{made.version}".encode()).hexdigest()[:24]
        path = cache_dir / "voices" / f"{digest}.json"
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [VoiceInfo(r[0], r[1], tuple(r[2]), r[3]) for r in rows]
        except (OSError, ValueError, TypeError, IndexError, KeyError):
            pass
    listed = made.voices()
    if path is not None:
        from audioguide.system.fsutil import atomic_write_text

        rows = [[v.id, v.name, list(v.languages), v.gender] for v in listed]
        atomic_write_text(path, json.dumps(rows, ensure_ascii=False))
    return listed


def voices_for(
    guide: Guide, factory: EngineFactory, cache_dir: Path | None = None
) -> tuple[dict[str, list[VoiceInfo]], dict[str, str]]:
    """The voice lists of every engine the guide uses, and why others could not be listed."""
    listed: dict[str, list[VoiceInfo]] = {}
    failed: dict[str, str] = {}
    for engine in engines_to_list(guide):
        try:
            listed[engine] = list_voices(engine, guide.language, factory, cache_dir)
        except AudioguideError as exc:
            failed[engine] = str(exc)
    return listed, failed


def check_voices(
    guide: Guide,
    factory: EngineFactory,
    cache_dir: Path | None,
    locate: Callable[[], Sources | None],
) -> None:
    """Raise ScriptErrors, before a build writes anything, for voices the engines lack.

    Without this an unknown voice fails while speaking: exit 1 and no line to fix.
    An engine that cannot list its voices is not checked here: the build then says why
    it cannot start. `locate` loads the sources, called only to place an error.
    """
    listed, _ = voices_for(guide, factory, cache_dir)
    if not voice_diagnostics(guide, listed):
        return
    found = voice_diagnostics(guide, listed, locate())
    raise ScriptErrors([ScriptError(d.where, d.message, d.hint) for d in found])


def cover_diagnostics(guide: Guide) -> list[Diagnostic]:
    """The build's own cover check (a square RGB PNG or JPEG), as diagnostics."""
    if guide.cover is None:
        return []
    from audioguide.publish.cover import cover_png  # Pillow: only for a guide with a cover

    try:
        cover_png(guide)
    except ScriptError as exc:
        return [Diagnostic(exc.where, "error", exc.message, exc.hint)]
    return []


def strict(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`--strict`: every warning becomes an error."""
    return [
        Diagnostic(d.where, "error", d.message, d.hint) if d.severity == "warning" else d
        for d in diagnostics
    ]


def stray_diagnostics(root: Path) -> list[Diagnostic]:
    """A warning for each file in episodes/ that looks like a script but is not read
    (`02-x.yaml.txt`): its episode would silently drop out of the guide."""
    from audioguide.loader.episode_files import strays

    return [Diagnostic(where, "warning", message, hint) for where, message, hint in strays(root)]


def comment_diagnostics(sources: Sources) -> list[Diagnostic]:
    """A warning for text cut short by ` #` (`title: Step #1 first` is only "Step")."""
    from audioguide.loader.yaml_hints import hidden_comments

    return [
        Diagnostic(Location(path, f.line, f.col), "warning", f.message, f.hint)
        for path, source in sorted(sources.texts.items())
        for f in hidden_comments(source)
    ]
