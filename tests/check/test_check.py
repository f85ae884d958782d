"""`audioguide check`: the pure diagnostics, the length estimate, and the command."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import EPISODE_ONE, EPISODE_TWO, GUIDE, WriteGuide
from support.cli import run as run_cli

from audioguide.audio.assemble import RATE
from audioguide.audio.chime import chime
from audioguide.build.summary import minutes
from audioguide.check import checks
from audioguide.cli import console
from audioguide.errors import Location, ScriptErrors, ToolMissingError
from audioguide.loader import load_with_sources
from audioguide.model import Voice
from audioguide.plan import text
from audioguide.plan.estimate import CHIME_SECONDS, episode_seconds, timeline_seconds
from audioguide.plan.timeline import Chime, Mark, Silence, Utterance
from audioguide.speech.base import VoiceInfo

ROOT = Path(__file__).resolve().parents[2]
HEAD = "id: first-steps\ntitle: First steps\nsummary: Where it all starts.\nsegments:\n"
EP1 = "episodes__01-first.yaml"
VOICES = {
    "pyttsx3": [
        VoiceInfo("gmw/en-us", "English (America)", ("en-us", "en"), "male"),
        VoiceInfo("roa/es-419", "Spanish (Latin America)", ("es-419", "es"), "male"),
    ]
}


def diagnose(root: Path, **options: object) -> list[checks.Diagnostic]:
    guide, sources = load_with_sources(root)
    return checks.diagnose(guide, sources, **options)  # type: ignore[arg-type]


def messages(found: list[checks.Diagnostic]) -> list[str]:
    return [d.line() for d in found]


def one(found: list[checks.Diagnostic], part: str) -> checks.Diagnostic:
    hits = [d for d in found if part in d.message]
    assert len(hits) == 1, messages(found)
    return hits[0]


# --- the estimate -------------------------------------------------------------------------


def test_chime_seconds_is_the_chime() -> None:
    assert abs(len(chime(RATE)) / RATE - CHIME_SECONDS) < 0.005


def test_estimate_is_the_speech_at_the_rate_plus_silences_and_chime() -> None:
    u = Utterance("One two three four.", "One two three four.", Voice(rate=120), True)
    items = (Silence(0.25), Chime(), Silence(0.9), Mark("A"), u, Silence(0.8))
    speech = text.estimate_seconds("One two three four.", 120)
    assert speech > 1.0
    assert timeline_seconds(items) == pytest.approx(0.25 + CHIME_SECONDS + 0.9 + speech + 0.8)


def test_episode_estimate_uses_the_plan(write_guide: WriteGuide) -> None:
    guide, _ = load_with_sources(write_guide(**{"guide.yaml": GUIDE + "chime: false\n"}))
    seconds = episode_seconds(guide, guide.episodes[1])
    # intro (6 words) + 2 sentences (11 words) + outro (6 words) at 155 wpm, and pauses.
    words = 23 * 60 / 155
    pauses = 0.25 + 0.4 + 0.8 + 0.4 + 1.2 + 0.4 + 0.8  # lead-in ... tail, see timeline.py
    assert seconds == pytest.approx(words + pauses, abs=1.0)
    assert minutes(59.6) == "1:00" and minutes(61) == "1:01"


# --- warnings -----------------------------------------------------------------------------


def test_the_test_guide_is_short_and_its_lexicon_unused(write_guide: WriteGuide) -> None:
    found = diagnose(write_guide())
    assert [d.severity for d in found] == ["warning"] * 3
    short = [d for d in found if "under 1 minute" in d.message]
    assert [Path(d.where.path).parts[-2:] for d in short] == [
        ("episodes", "01-first.yaml"),
        ("episodes", "02-second.yaml"),
    ]
    unused = one(found, "lexicon entry 'LCSW' is never said")
    assert (unused.where.line, unused.where.col) == (18, 3)


def test_a_long_episode_is_a_warning(write_guide: WriteGuide) -> None:
    words = "This sentence has exactly eight words in it. " * 120  # 960 words, > 6 min
    root = write_guide(**{EP1: HEAD + "  - chapter: Long\n  - say: " + words + "\n"})
    found = one(diagnose(root), "over 6 minutes")
    assert found.where.path.endswith("01-first.yaml") and found.where.line == 1
    assert "first-steps" in found.message and "split" in found.hint


def test_acronyms_and_names_point_at_the_word(write_guide: WriteGuide) -> None:
    body = (
        "  - chapter: People\n"
        "  - say: |\n"
        "      Hello there.\n"
        "      Our NICU team and Dr. Taylor-Pickford help.\n"
        "      So do Ms. McDonald, Mr. O'Brien and Zoë.\n"
        "      When in doubt, ask the LCSW. It is OK to watch TV.\n"
        "      The NICU's nurses help too.\n"
    )
    found = diagnose(write_guide(**{EP1: HEAD + body}))
    nicu = one(found, "'NICU' looks like an acronym")
    assert (nicu.where.line, nicu.where.col) == (8, 11)
    assert "NICU: N I C U" in nicu.hint
    name = one(found, "'Taylor-Pickford' looks like a name")
    assert (name.where.line, name.where.col) == (8, 29)
    for word in ("McDonald", "O'Brien", "Zoë"):
        one(found, f"'{word}' looks like a name")
    flagged = " ".join(d.message for d in found)
    # Ordinary words at the start of a sentence, common acronyms, and lexicon words.
    for word in ("'Hello'", "'When'", "'Our'", "'So'", "'It'", "'OK'", "'TV'", "'LCSW'"):
        assert word not in flagged


def test_accents_are_not_names_outside_english(write_guide: WriteGuide) -> None:
    guide = GUIDE.replace("language: en-US", "language: es-US")
    body = "  - chapter: Uno\n  - say: Hola, José y Zoë.\n"
    found = diagnose(write_guide(**{"guide.yaml": guide, EP1: HEAD + body}))
    assert not any("looks like a name" in d.message for d in found), messages(found)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("LCSW", "acronym"),
        ("IMH-E", "acronym"),
        ("PhD", "acronym"),
        ("COVID-19", "acronym"),
        ("Taylor-Pickford", "name"),
        ("McDonald", "name"),
        ("O'Brien", "name"),
        ("iPhone", "name"),
        ("Zoë", "name"),
        ("Hello", ""),
        ("I", ""),
        ("I'm", ""),
        ("Self-care", ""),
        ("well-being", ""),
        ("OK", ""),
        ("café", ""),
    ],
)
def test_classify(word: str, kind: str) -> None:
    assert checks.classify(word, "en-US") == kind


def test_a_long_sentence_points_at_its_start(write_guide: WriteGuide) -> None:
    sentence = " ".join(["word"] * 20) + " and then " + " ".join(["more"] * 20) + "."
    body = "  - chapter: Long\n  - say: |\n      Short one.\n      Then " + sentence + "\n"
    found = one(diagnose(write_guide(**{EP1: HEAD + body})), "a sentence of 43 words")
    assert (found.where.line, found.where.col) == (8, 7)


def test_an_episode_without_a_chapter(write_guide: WriteGuide) -> None:
    found = diagnose(write_guide(**{EP1: HEAD + "  - say: Just words.\n"}))
    assert one(found, "has no chapter").where.line == 1


def test_a_lexicon_chain_is_a_warning(write_guide: WriteGuide) -> None:
    guide = GUIDE + "  NICU: the newborn ICU\n  ICU: I C U\n"
    body = "  - chapter: Words\n  - say: The NICU and the ICU.\n"
    found = diagnose(write_guide(**{"guide.yaml": guide, EP1: HEAD + body}))
    chain = one(found, "which holds the lexicon word 'ICU'")
    assert (chain.where.line, chain.where.col) == (19, 3)
    assert "applied once" in chain.hint


def test_strict_makes_warnings_errors() -> None:
    d = checks.Diagnostic(Location("a.yaml", 1, 2), "warning", "m", "h")
    assert [x.line() for x in checks.strict([d])] == ["a.yaml:1:2: error: m (h)"]


# --- voices -------------------------------------------------------------------------------


def test_unknown_voice_name_is_an_error_where_it_is_written(write_guide: WriteGuide) -> None:
    root = write_guide(**{EP1: EPISODE_ONE + "  - say: Another voice.\n    voice: {name: zz}\n"})
    found = diagnose(root, voices=VOICES)
    error = one(found, "has no voice 'zz'")
    assert error.severity == "error"
    assert (error.where.path.endswith("01-first.yaml"), error.where.line) == (True, 15)
    assert "gmw/en-us" in error.hint


@pytest.mark.parametrize("name", ["gmw/en-us", "English (America)", "en-us", "es", "en-us+f3"])
def test_known_voice_names(name: str, write_guide: WriteGuide) -> None:
    root = write_guide(**{"guide.yaml": GUIDE + f"voice:\n  name: {name}\n"})
    assert not [d for d in diagnose(root, voices=VOICES) if d.severity == "error"]


def test_a_language_no_voice_speaks(write_guide: WriteGuide) -> None:
    root = write_guide(**{"guide.yaml": GUIDE.replace("en-US", "fr-FR")})
    error = one(diagnose(root, voices=VOICES), "no pyttsx3 voice speaks 'fr-FR'")
    assert (error.where.line, error.where.col) == (4, 11)
    # A named voice speaks whatever the tag says: no error then.
    named = GUIDE.replace("en-US", "fr-FR") + "voice:\n  name: gmw/en-us\n"
    assert not [d for d in diagnose(write_guide(**{"guide.yaml": named}), voices=VOICES)
                if d.severity == "error"]  # fmt: skip


def test_engines_not_listed_are_not_checked(write_guide: WriteGuide) -> None:
    root = write_guide(**{"guide.yaml": GUIDE + "voice:\n  name: zz\n"})
    assert not [d for d in diagnose(root) if d.severity == "error"]


def test_check_voices_raises_located_errors(write_guide: WriteGuide) -> None:
    root = write_guide(**{"guide.yaml": GUIDE + "voice:\n  name: zz\n"})
    guide, sources = load_with_sources(root)

    class Engine:
        name, version = "listed", "1"

        def voices(self) -> list[VoiceInfo]:
            return VOICES["pyttsx3"]

    with pytest.raises(ScriptErrors) as caught:
        checks.check_voices(guide, lambda n, lang: Engine(), None, lambda: sources)  # type: ignore[arg-type,return-value]
    assert str(
        Path("scripts/guide.yaml")
    ) + ":20:9: error: the pyttsx3 engine has no voice 'zz'" in str(caught.value)


# --- the command --------------------------------------------------------------------------


def run(args: list[str], cache: Path, **kw: object) -> tuple[int, str]:
    return run_cli(*args, "--cache-dir", cache, **kw)


def test_check_lists_statuses_and_sums_up(
    write_guide: WriteGuide, voice_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_guide(**{"episodes__02-second.yaml": "status: draft\n" + EPISODE_TWO})
    monkeypatch.chdir(tmp_path)
    code, out = run(["check", "scripts"], voice_cache)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[-1] == "2 episodes (1 approved, 1 draft), 0 errors, 3 warnings"
    assert any(" first-steps " in x and " approved " in x for x in lines)
    assert any(" second-steps " in x and " draft " in x for x in lines)
    assert sum(": warning: " in x for x in lines) == 3
    code, out = run(["check", "scripts", "--strict"], voice_cache)
    assert code == 2 and ": warning: " not in out and out.count(": error: ") == 3
    assert out.splitlines()[-1].endswith("3 errors, 0 warnings")


def test_check_of_a_broken_guide_exits_2(
    write_guide: WriteGuide, voice_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_guide(**{EP1: EPISODE_ONE.replace("summary:", "sumary:")})
    monkeypatch.chdir(tmp_path)
    code, out = run(["check", "scripts"], voice_cache)
    assert code == 2
    assert out.startswith(str(Path("scripts/episodes/01-first.yaml")) + ":3:1: error: unknown key")
    assert out.splitlines()[-1] == "the guide did not load: 1 error"
    assert not (tmp_path / "output").exists()


def test_quiet_and_verbose(
    write_guide: WriteGuide, voice_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)
    code, out = run(["-q", "check", "scripts"], voice_cache)
    # the warnings, and nothing else: no episode list, no summary
    places = [x.split(": warning: ")[0] for x in out.splitlines() if ": warning: " in x]
    assert code == 0 and len(places) == len(out.splitlines())
    assert places == [
        "scripts/episodes/01-first.yaml:1:1",
        "scripts/episodes/02-second.yaml:1:1",
        "scripts/guide.yaml:18:3",
    ]
    code, out = run(["-v", "check", "scripts"], voice_cache)
    assert code == 0 and "loaded in" in out and "voices listed in" in out


def test_colour_only_on_a_terminal_without_no_color(
    write_guide: WriteGuide, voice_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, plain = run(["check", "scripts"], voice_cache)
    assert "\x1b[" not in plain  # not a terminal
    monkeypatch.setattr(console, "_isatty", lambda stream: True)
    _, coloured = run(["check", "scripts"], voice_cache)
    assert "\x1b[" in coloured and "warning" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _, no_color = run(["check", "scripts"], voice_cache)
    assert "\x1b[" not in no_color


def test_an_engine_that_cannot_list_voices_is_a_warning(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)

    def broken(name: str, language: str) -> object:
        raise ToolMissingError("espeak-ng is not installed")

    monkeypatch.setattr("audioguide.speech.registry.create_engine", broken)
    code, out = run(["check", "scripts"], tmp_path / "c")
    assert code == 0
    assert "could not list the voices of the pyttsx3 engine: espeak-ng is not installed" in out


def test_the_shipped_guide_checks_fast_and_clean(voice_cache: Path) -> None:
    if not (ROOT / "scripts" / "guide.yaml").is_file():
        pytest.skip("no shipped guide")
    run(["check", str(ROOT / "scripts")], voice_cache)  # lists the voices into the cache
    started = time.process_time()
    code, out = run(["check", str(ROOT / "scripts")], voice_cache)
    assert time.process_time() - started < 1.0
    assert code == 0, out
    assert ": error: " not in out
    # The shipped guide is clean: every name and acronym it says has a lexicon entry,
    # and no ordinary word is taken for one.
    assert ": warning: " not in out, out
    assert out.count("0 errors, 0 warnings") == 2


def test_a_script_full_of_acronyms_stays_quick_and_readable(write_guide: WriteGuide) -> None:
    # 3,000 different acronyms: each located one would mean a search of the file each.
    words = " ".join(f"Q{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}X{i}" for i in range(3000))
    body = "  - chapter: Letters\n  - say: " + words + ".\n"
    started = time.process_time()
    found = diagnose(write_guide(**{EP1: HEAD + body}))
    assert time.process_time() - started < 5.0  # quadratic took minutes
    flagged = [d for d in found if "looks like an acronym" in d.message]
    assert len(flagged) == checks.MAX_WORD_WARNINGS
    rest = one(found, "more words look like acronyms or names")
    assert rest.message.startswith(f"{3000 - checks.MAX_WORD_WARNINGS} more")
