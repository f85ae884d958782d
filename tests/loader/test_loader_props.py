"""Property tests: no input makes the loader or the text clean-up fail with anything but
the project's own `ScriptErrors` (or, for the text functions, fail at all).

Inputs: random bytes as a script, random YAML-looking text, and random structures dumped
to YAML with the keys the loader knows. A guide that does load is also planned and
checked, since `audioguide check` runs both on whatever loads.
"""

from __future__ import annotations

import datetime as dt
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

from audioguide.build.stages import plan_guide
from audioguide.check.checks import diagnose
from audioguide.errors import ScriptErrors
from audioguide.loader import EPISODE_KEYS, GUIDE_KEYS, SEGMENT_KINDS, load_with_sources
from audioguide.model import Chapter, Guide, Pause, Say
from audioguide.plan import text

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


def load_or_script_errors(root: Path, guide: bytes, episode: bytes, valid: bool = False) -> None:
    """Load; a mistake must be `ScriptErrors`, a `valid` guide must load, and whatever
    loads must be what the files say."""
    (root / "guide.yaml").write_bytes(guide)
    (root / "episodes" / "01-first.yaml").write_bytes(episode)
    try:
        loaded, sources = load_with_sources(root)
    except ScriptErrors as exc:
        assert not valid, exc.errors
        assert exc.errors, "ScriptErrors without an error"
        for error in exc.errors:
            assert error.where.path and error.message
        return
    assert_loaded_as_written(loaded, guide, episode, exactly=valid)
    # Whatever loads can be planned and checked without surprises.
    plan_guide(loaded)
    diagnose(loaded, sources)


def read_independently(raw: bytes) -> dict[str, Any]:
    """A script read by ruamel's plain safe loader (not the project's parser)."""
    data = YAML(typ="safe", pure=True).load(raw.decode("utf-8-sig"))
    assert isinstance(data, dict), data
    return data


def as_written(value: object) -> str:
    assert isinstance(value, str | dt.date), value  # text, or a date YAML read as one
    return value.isoformat() if isinstance(value, dt.date) else value.strip()


def assert_loaded_as_written(loaded: Guide, guide: bytes, episode: bytes, exactly: bool) -> None:
    """The loaded guide holds the files' keys and segments, each of the kind written;
    `exactly`: and every text (the generated valid inputs hold no text that the
    clean-up changes, see `text.clean`)."""
    g, ep = read_independently(guide), read_independently(episode)
    assert set(g) <= set(GUIDE_KEYS) and set(ep) <= set(EPISODE_KEYS)
    [first] = loaded.episodes
    assert first.id == as_written(ep["id"])
    kinds = [type(s).__name__.lower() for s in first.segments]
    assert kinds == [next(k for k in SEGMENT_KINDS if k in item) for item in ep["segments"]]
    if not exactly:
        return
    assert (loaded.title, loaded.author, loaded.language) == tuple(
        as_written(g[k]) for k in ("title", "author", "language")
    )
    assert (first.title, first.summary) == (as_written(ep["title"]), as_written(ep["summary"]))
    for segment, item in zip(first.segments, ep["segments"], strict=True):
        if isinstance(segment, Chapter):
            assert segment.title == item["chapter"]
        elif isinstance(segment, Say):
            said = [s for p in segment.paragraphs for s in p]
            assert said == [f"{x.strip()}." for x in item["say"].split(".")[:-1]]
        elif isinstance(segment, Pause):
            ms = item["pause"].endswith("ms")
            number = float(item["pause"].removesuffix("ms" if ms else "s"))
            assert segment.seconds == pytest.approx(number / 1000 if ms else number)


# --- valid inputs, to mix with the random ones ---------------------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)
TITLES = st.lists(WORDS, min_size=1, max_size=4).map(lambda w: "The " + " ".join(w))
# Sentences of plain words, each ending at its only full stop, after a word that is
# never an abbreviation (which would not end the sentence).
SENTENCES = st.lists(
    st.lists(WORDS, min_size=1, max_size=6).map(lambda w: "Say " + " ".join(w) + " now."),
    min_size=1,
    max_size=3,
).map("  ".join)
GROUPS = st.tuples(
    st.one_of(st.none(), TITLES.map(lambda t: {"chapter": t})),
    SENTENCES.map(lambda t: {"say": t}),
    st.one_of(st.none(), st.integers(1, 59_999).map(lambda ms: {"pause": f"{ms}ms"})),
)
VALID_SEGMENTS = st.lists(GROUPS, min_size=1, max_size=4).map(
    lambda groups: [item for group in groups for item in group if item is not None]
)
VALID_EPISODES = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
        "title": TITLES,
        "summary": SENTENCES,
        "segments": VALID_SEGMENTS,
    }
)
VALID_GUIDES = st.fixed_dictionaries({"title": TITLES, "author": TITLES}).map(
    lambda changes: {**read_independently(GUIDE.encode()), **changes}
)


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


# Each test draws (bytes or structure, whether it is valid): a random input, or one of the
# generated valid ones (which must load, and load as written).
def random(inputs: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, bool]]:
    return inputs.map(lambda value: (value, False))


def valid(inputs: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, bool]]:
    return inputs.map(lambda value: (value, True))


@SETTINGS
@given(random(st.binary(max_size=600)) | valid(VALID_EPISODES.map(lambda v: dump(v))))
def test_random_bytes_as_an_episode(folder: Path, drawn: tuple[bytes, bool]) -> None:
    data, is_valid = drawn
    load_or_script_errors(folder, GUIDE.encode(), data, is_valid)


@SETTINGS
@given(random(st.binary(max_size=600)) | valid(VALID_GUIDES.map(lambda v: dump(v))))
def test_random_bytes_as_the_guide(folder: Path, drawn: tuple[bytes, bool]) -> None:
    data, is_valid = drawn
    load_or_script_errors(folder, data, EPISODE_ONE.encode(), is_valid)


BITS = st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=60)


@SETTINGS
@given(random(BITS) | valid(VALID_EPISODES.map(lambda v: [dump(v).decode()])))
def test_yaml_looking_text_as_an_episode(folder: Path, drawn: tuple[list[str], bool]) -> None:
    bits, is_valid = drawn
    raw = "".join(bits).encode("utf-8", "surrogatepass")
    load_or_script_errors(folder, GUIDE.encode(), raw, is_valid)


@SETTINGS
@given(random(BITS) | valid(st.lists(st.sampled_from(["\n", "# a comment", "  ", "\r\n"]))))
def test_yaml_looking_text_appended_to_the_guide(
    folder: Path, drawn: tuple[list[str], bool]
) -> None:
    bits, is_valid = drawn
    raw = (GUIDE + "".join(bits)).encode("utf-8", "surrogatepass")
    load_or_script_errors(folder, raw, EPISODE_ONE.encode(), is_valid)


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


def changed(
    valid: st.SearchStrategy[dict[str, Any]], changes: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[tuple[dict[str, Any], bool]]:
    """A valid mapping with random changes: valid (must load) only if there are none."""
    return st.tuples(valid, changes).map(lambda vc: ({**vc[0], **vc[1]}, not vc[1]))


@FEWER
@given(
    random(st.dictionaries(KEYS, STRUCTURES, max_size=8))
    | changed(VALID_EPISODES, st.dictionaries(KEYS, STRUCTURES, max_size=2))
)
def test_random_structures_as_an_episode(folder: Path, drawn: tuple[dict[str, Any], bool]) -> None:
    value, is_valid = drawn
    load_or_script_errors(folder, GUIDE.encode(), dump(value), is_valid)


def mixed_in(segments: tuple[list[Any], list[Any]]) -> st.SearchStrategy[tuple[list[Any], bool]]:
    valid, noise = segments
    if not noise:
        return st.just((valid, True))
    return st.permutations(valid + noise).map(lambda mixed: (mixed, False))


@FEWER
@given(
    VALID_EPISODES,
    st.tuples(
        VALID_SEGMENTS, st.lists(st.dictionaries(KEYS, STRUCTURES, max_size=3), max_size=3)
    ).flatmap(mixed_in),
)
def test_random_segments(
    folder: Path, episode: dict[str, Any], drawn: tuple[list[Any], bool]
) -> None:
    segments, is_valid = drawn
    load_or_script_errors(folder, GUIDE.encode(), dump({**episode, "segments": segments}), is_valid)


@FEWER
@given(
    random(st.dictionaries(KEYS, STRUCTURES, max_size=10))
    | changed(VALID_GUIDES, st.dictionaries(KEYS, STRUCTURES, max_size=2))
)
def test_random_structures_as_the_guide(folder: Path, drawn: tuple[dict[str, Any], bool]) -> None:
    value, is_valid = drawn
    load_or_script_errors(folder, dump(value), EPISODE_ONE.encode(), is_valid)


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
