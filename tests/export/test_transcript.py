"""WebVTT and plain-text transcripts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from audioguide.export.transcript import (
    ChapterCue,
    Cue,
    TranscriptBlock,
    blocks_from_timeline,
    chapters_vtt,
    plain_text,
    timestamp,
    vtt,
)

PROPERTY = settings(max_examples=200, deadline=None)
TIMING = re.compile(r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2,}):(\d{2}):(\d{2})\.(\d{3})")


def parse_vtt(document: str) -> list[tuple[int, int, str]]:
    """A strict reader for what `vtt` writes: (start ms, end ms, payload) per cue."""
    assert document.startswith("WEBVTT\n")
    assert document.endswith("\n") and "\r" not in document
    blocks = document.rstrip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        timing, *payload = block.split("\n")
        match = TIMING.fullmatch(timing)
        assert match, timing
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, match.groups())
        assert m1 < 60 and s1 < 60 and m2 < 60 and s2 < 60
        assert len(payload) <= 1
        cues.append(
            (
                ((h1 * 60 + m1) * 60 + s1) * 1000 + f1,
                ((h2 * 60 + m2) * 60 + s2) * 1000 + f2,
                payload[0] if payload else "",
            )
        )
    return cues


# --- vtt ---------------------------------------------------------------------------------


def test_vtt_exact_output() -> None:
    cues = [Cue(0.25, 1.5, "Hello there."), Cue(1.85, 3661.0004, "Second one.")]
    assert vtt(cues) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.250 --> 00:00:01.500\n"
        "Hello there.\n"
        "\n"
        "00:00:01.850 --> 01:01:01.000\n"
        "Second one.\n"
    )


def test_vtt_without_cues_is_just_the_header() -> None:
    assert vtt([]) == "WEBVTT\n"


def test_vtt_escapes_markup_characters() -> None:
    assert parse_vtt(vtt([Cue(0, 1, "A & B <i>x</i> --> y")]))[0][2] == (
        "A &amp; B &lt;i&gt;x&lt;/i&gt; --&gt; y"
    )


def test_vtt_cue_text_is_one_line() -> None:
    document = vtt([Cue(0, 1, "one\n\ntwo\r\nthree  four")])
    assert parse_vtt(document)[0][2] == "one two three four"


def test_vtt_rounds_to_milliseconds() -> None:
    assert parse_vtt(vtt([Cue(1.0004, 1.0006, "x")]))[0][:2] == (1000, 1001)


def test_vtt_never_ends_before_it_starts_and_never_overlaps() -> None:
    cues = parse_vtt(vtt([Cue(2, 1, "backwards"), Cue(1.5, 4, "overlaps"), Cue(4, 4, "empty")]))
    assert [c[:2] for c in cues] == [(2000, 2001), (2001, 4000), (4000, 4001)]


def test_vtt_survives_nonsense_times() -> None:
    cues = parse_vtt(vtt([Cue(float("nan"), float("inf"), "x"), Cue(-5, -1, "y")]))
    assert [c[:2] for c in cues] == [(0, 1), (1, 2)]


def test_vtt_accepts_any_cue_shaped_object() -> None:
    @dataclass(frozen=True)
    class OtherCue:
        start: float
        end: float
        text: str

    assert vtt([OtherCue(0, 1, "x")]) == vtt([Cue(0, 1, "x")])


def test_timestamp_beyond_a_day() -> None:
    assert timestamp(100 * 3_600_000 + 5) == "100:00:00.005"


def test_chapters_vtt_runs_each_chapter_to_the_next() -> None:
    document = chapters_vtt([ChapterCue("Intro", 0), ChapterCue("Serve & return", 62.5)], 90)
    assert parse_vtt(document) == [(0, 62500, "Intro"), (62500, 90000, "Serve &amp; return")]


# --- plain text --------------------------------------------------------------------------

LONG = "When your baby babbles and you answer, you are doing important work."


def test_plain_text_exact_output() -> None:
    blocks = [
        TranscriptBlock(None, (("Small Moments. Episode 1.",),)),
        TranscriptBlock("Serve and return", ((LONG, LONG), ("Each reply counts.",))),
        TranscriptBlock("Empty chapter", ()),
    ]
    assert plain_text("Everyday moments", blocks, "A paraphrase, 2021.") == (
        "Everyday moments\n"
        "================\n"
        "\n"
        "Small Moments. Episode 1.\n"
        "\n"
        "Serve and return\n"
        "----------------\n"
        "\n"
        "When your baby babbles and you answer, you are doing important work. When your\n"
        "baby babbles and you answer, you are doing important work.\n"
        "\n"
        "Each reply counts.\n"
        "\n"
        "Empty chapter\n"
        "-------------\n"
        "\n"
        "---\n"
        "A paraphrase, 2021.\n"
    )


def test_plain_text_without_credit_has_no_footer() -> None:
    result = plain_text("T", [TranscriptBlock(None, (("One.",),))])
    assert result == "T\n=\n\nOne.\n"


def test_plain_text_keeps_hyphenated_words_whole() -> None:
    credit = "x " * 30 + "Jessica Taylor-Pickford, LCSW, IMH-E"
    lines = plain_text("T", [], credit).splitlines()
    assert "Taylor-Pickford," in " ".join(lines).split()
    assert not any(line.endswith(("Taylor-", "IMH-")) for line in lines)


def test_plain_text_wraps_long_titles_and_underlines_the_longest_line() -> None:
    lines = plain_text("word " * 30, []).splitlines()
    assert max(len(line) for line in lines) <= 78
    assert lines[2] == "=" * max(len(lines[0]), len(lines[1]))


@PROPERTY
@given(
    st.text(),
    st.lists(
        st.builds(
            TranscriptBlock,
            st.none() | st.text(max_size=20),
            st.lists(st.lists(st.text(max_size=30), max_size=4).map(tuple), max_size=3).map(tuple),
        ),
        max_size=4,
    ),
    st.text(max_size=40),
)
def test_plain_text_is_lf_wrapped_and_ends_in_one_newline(
    title: str, blocks: list[TranscriptBlock], credit: str
) -> None:
    result = plain_text(title, blocks, credit)
    assert result.endswith("\n") and not result.endswith("\n\n")
    assert "\r" not in result
    for line in result.split("\n"):
        assert line == line.strip()
        assert len(line) <= 78 or " " not in line


# --- timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    display: str
    new_paragraph: bool


@dataclass(frozen=True)
class Mark:
    title: str


@dataclass(frozen=True)
class Silence:
    seconds: float


def test_blocks_from_timeline() -> None:
    items = [
        Silence(0.25),
        Utterance("Intro.", True),
        Mark("One"),
        Silence(1.4),
        Utterance("A.", True),
        Utterance("B.", False),
        Utterance("C.", True),
        Mark("Two"),
        Mark("Three"),
        Utterance("D.", False),
    ]
    assert blocks_from_timeline(items) == [
        TranscriptBlock(None, (("Intro.",),)),
        TranscriptBlock("One", (("A.", "B."), ("C.",))),
        TranscriptBlock("Two", ()),
        TranscriptBlock("Three", (("D.",),)),
    ]


def test_blocks_from_empty_timeline() -> None:
    assert blocks_from_timeline([Silence(1)]) == []


# --- vtt properties ----------------------------------------------------------------------

TIMES = st.floats(min_value=0, max_value=36_000, allow_nan=False)


def unescape(payload: str) -> str:
    return payload.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@PROPERTY
@given(st.lists(st.builds(Cue, TIMES, TIMES, st.text(max_size=40)), max_size=20))
def test_vtt_round_trips_count_times_and_text(cues: list[Cue]) -> None:
    parsed = parse_vtt(vtt(cues))
    assert len(parsed) == len(cues)
    previous_end = 0
    for (start, end, payload), cue in zip(parsed, cues, strict=True):
        # The documented rule: rounded, no earlier than the previous end, at least 1 ms.
        expected_start = max(round(cue.start * 1000), previous_end)
        assert (start, end) == (expected_start, max(round(cue.end * 1000), expected_start + 1))
        assert unescape(payload) == " ".join(cue.text.split())
        assert "<" not in payload and ">" not in payload
        previous_end = end


@PROPERTY
@given(st.sets(st.integers(min_value=0, max_value=10_000_000), min_size=2, max_size=12))
def test_vtt_keeps_well_formed_times_exactly(marks: set[int]) -> None:
    ms = sorted(marks)
    cues = [Cue(a / 1000, b / 1000, "x") for a, b in pairwise(ms)]
    assert [p[:2] for p in parse_vtt(vtt(cues))] == list(pairwise(ms))


@PROPERTY
@given(st.lists(st.builds(Cue, st.floats(), st.floats(), st.text(max_size=10)), max_size=10))
def test_vtt_is_total_and_deterministic(cues: list[Cue]) -> None:
    assert vtt(cues) == vtt(cues)
    assert len(parse_vtt(vtt(cues))) == len(cues)
