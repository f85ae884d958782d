"""Property tests: no input makes the loader or the text clean-up fail with anything but
the project's own `ScriptErrors` (or, for the text functions, fail at all).

Inputs: random bytes as a script, random YAML-looking text, and random structures dumped
to YAML with the keys the loader knows. A guide that does load is also planned and
checked, since `audioguide check` runs both on whatever loads.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EPISODE_ONE, GUIDE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from audioguide import text
from audioguide.build import plan_guide
from audioguide.checks import diagnose
from audioguide.errors import ScriptErrors
from audioguide.loader import EPISODE_KEYS, GUIDE_KEYS, SEGMENT_KINDS, load_with_sources

# AUDIOGUIDE_PROPERTY_EXAMPLES=2000 for a longer hunt than the suite's.
EXAMPLES = int(os.environ.get("AUDIOGUIDE_PROPERTY_EXAMPLES", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Structures take longer to make and to load: fewer of them.
FEWER = settings(SETTINGS, max_examples=max(1, EXAMPLES * 2 // 5))


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    # One folder for every example (hypothesis runs many per test): files are rewritten.
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "scripts"
        (root / "episodes").mkdir(parents=True)
        yield root


def load_or_script_errors(root: Path, guide: bytes, episode: bytes) -> None:
    (root / "guide.yaml").write_bytes(guide)
    (root / "episodes" / "01-first.yaml").write_bytes(episode)
    try:
        loaded, sources = load_with_sources(root)
    except ScriptErrors as exc:
        assert exc.errors, "ScriptErrors without an error"
        for error in exc.errors:
            assert error.where.path and error.message
        return
    # Whatever loads can be planned and checked without surprises.
    plan_guide(loaded)
    diagnose(loaded, sources)


YAML_BITS = st.sampled_from(
    [
        "id: ",
        "title: ",
        "summary: ",
        "segments:",
        "\n",
        "  ",
        "- ",
        "say: ",
        "pause: ",
        "chapter: ",
        "sound: ",
        "voice: ",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "&a ",
        "*a",
        "!!",
        "!!float ",
        "!!binary ",
        "? ",
        "|",
        ">",
        "'",
        '"',
        "#",
        "---",
        "...",
        "%YAML 1.2",
        "\t",
        "\r\n",
        "\ufeff",
        "\x00",
        "\\u",
        "\\x07",
        "<<: ",
        "2026-02-30",
        "1.5s",
        "800ms",
        "{title:d}",
        "{guide}",
        "LCSW",
        "Hello there. ",
        "~",
        "null",
        ".nan",
        "1e999",
    ]
)


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_as_an_episode(folder: Path, data: bytes) -> None:
    load_or_script_errors(folder, GUIDE.encode(), data)


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes_as_the_guide(folder: Path, data: bytes) -> None:
    load_or_script_errors(folder, data, EPISODE_ONE.encode())


@SETTINGS
@given(st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=60))
def test_yaml_looking_text_as_an_episode(folder: Path, bits: list[str]) -> None:
    raw = "".join(bits).encode("utf-8", "surrogatepass")
    load_or_script_errors(folder, GUIDE.encode(), raw)


@SETTINGS
@given(st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=60))
def test_yaml_looking_text_appended_to_the_guide(folder: Path, bits: list[str]) -> None:
    raw = (GUIDE + "".join(bits)).encode("utf-8", "surrogatepass")
    load_or_script_errors(folder, raw, EPISODE_ONE.encode())


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1.5s", "800ms", "-2s", "2026-11-25", "en-US", "pyttsx3", "klingon"]),
    st.dates().map(str),
)
KEYS = st.one_of(
    st.sampled_from([*EPISODE_KEYS, *GUIDE_KEYS, *SEGMENT_KINDS, "rate", "name", "engine"]),
    st.text(max_size=10),
)
STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=15,
)


def dump(value: Any) -> bytes:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.dump(value, out)
    return out.getvalue().encode("utf-8", "surrogatepass")


@FEWER
@given(st.dictionaries(KEYS, STRUCTURES, max_size=8))
def test_random_structures_as_an_episode(folder: Path, value: dict[str, Any]) -> None:
    load_or_script_errors(folder, GUIDE.encode(), dump(value))


@FEWER
@given(
    st.fixed_dictionaries(
        {"id": st.just("first"), "title": st.just("T"), "summary": st.just("S")},
        optional={"segments": st.lists(st.dictionaries(KEYS, STRUCTURES, max_size=3))},
    )
)
def test_random_segments(folder: Path, value: dict[str, Any]) -> None:
    load_or_script_errors(folder, GUIDE.encode(), dump(value))


@FEWER
@given(st.dictionaries(KEYS, STRUCTURES, max_size=10))
def test_random_structures_as_the_guide(folder: Path, value: dict[str, Any]) -> None:
    load_or_script_errors(folder, dump(value), EPISODE_ONE.encode())


# --- the text clean-up -------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=200
) | st.lists(st.sampled_from([" ", "\n", "\r\n", "\u2029", ". ", "?! ", "\u2014", "#5", "Dr. "]))
LEXICONS = st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=5)


def as_text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, LEXICONS)
def test_text_functions_take_any_string(
    raw: str | list[str], lexicon: list[tuple[str, str]]
) -> None:
    value = as_text(raw)
    cleaned = text.clean(value)
    assert text.clean(cleaned) == cleaned  # idempotent
    paras = text.paragraphs(value)
    assert all(sentence.strip() == sentence and sentence for p in paras for sentence in p)
    speak = text.compile_lexicon(lexicon)
    for sentence in (s for p in paras for s in p):
        spoken = speak(sentence)
        assert isinstance(spoken, str) and "\n" not in spoken
    assert text.word_count(value) >= 0
