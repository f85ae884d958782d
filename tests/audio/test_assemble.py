"""The timeline and its rendering, exact to the sample with the fake engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import WriteGuide
from support.audio_measure import write_wav
from support.fakes import RATE as FAKE_RATE
from support.fakes import FakeEngine, spoken_seconds

from audioguide.audio.assemble import RATE, render, resample, trim
from audioguide.audio.chime import chime
from audioguide.loader import load_guide
from audioguide.plan import text
from audioguide.plan.timeline import (
    LEAD_IN,
    TAIL,
    Chime,
    Mark,
    Play,
    Silence,
    Utterance,
    plan_episode,
)


def plan_first(write_guide: WriteGuide) -> tuple[object, ...]:
    guide = load_guide(write_guide())
    speak = text.compile_lexicon(dict(guide.lexicon))
    return plan_episode(guide, guide.episodes[0], speak)


def test_plan_resolves_every_pause(write_guide: WriteGuide) -> None:
    items = plan_first(write_guide)
    silences = [i.seconds for i in items if isinstance(i, Silence)]
    said = [i.display for i in items if isinstance(i, Utterance)]
    assert isinstance(items[1], Chime)
    assert said == [
        "Test Guide.",
        "Episode 1: First steps.",
        "Welcome to the first episode.",
        "It is short.",
        "A new paragraph starts here.",
        "One more sentence after a chapter.",
        "After a long pause.",
        "This was episode 1 of 2.",
    ]
    # lead-in, chime->intro, intro sentence, chapter, sentence, paragraph, chapter,
    # explicit pause, outro (a chapter pause), tail
    assert silences == [LEAD_IN, 0.8, 0.4, 1.2, 0.4, 0.8, 1.2, 1.5, 1.2, TAIL]
    marks = [i for i in items if isinstance(i, Mark)]
    assert [m.title for m in marks] == ["Hello", "More"]


def test_chapter_mark_comes_after_the_pause_before_it(write_guide: WriteGuide) -> None:
    items = list(plan_first(write_guide))
    first_mark = next(i for i, item in enumerate(items) if isinstance(item, Mark))
    assert isinstance(items[first_mark - 1], Silence)
    assert isinstance(items[first_mark + 1], Utterance)


def test_lexicon_changes_only_the_spoken_text(write_guide: WriteGuide) -> None:
    root = write_guide(
        **{
            "episodes__02-second.yaml": None,
            "episodes__01-first.yaml": (
                "id: a\ntitle: A\nsummary: S\nsegments:\n  - say: Ask an LCSW today.\n"
            ),
        }
    )
    guide = load_guide(root)
    items = plan_episode(guide, guide.episodes[0], text.compile_lexicon(dict(guide.lexicon)))
    u = next(i for i in items if isinstance(i, Utterance) and "today" in i.display)
    assert u.display == "Ask an LCSW today."
    assert u.spoken == "Ask an L C S W today."


def test_render_is_exact(write_guide: WriteGuide) -> None:
    items = plan_first(write_guide)
    engine = FakeEngine()
    rendered = render(items, lambda u: engine.synthesize(u.spoken, u.voice))
    said = [i for i in items if isinstance(i, Utterance)]
    speech = sum(spoken_seconds(u.spoken) for u in said)
    pauses = sum(i.seconds for i in items if isinstance(i, Silence))
    expected = speech + pauses + len(chime(FAKE_RATE)) / FAKE_RATE
    assert rendered.rate == FAKE_RATE  # the speech's own rate: nothing was resampled
    assert rendered.seconds == pytest.approx(expected, abs=0.002 * len(said))
    assert len(rendered.cues) == len(said)
    # each cue starts where the previous ended plus the silence between them
    for cue, u in zip(rendered.cues, said, strict=True):
        assert cue.text == u.display
        assert cue.end - cue.start == pytest.approx(spoken_seconds(u.spoken), abs=0.002)
    starts = {c.title: c.start for c in rendered.chapters}
    assert starts["Hello"] == rendered.cues[2].start
    assert starts["More"] == rendered.cues[5].start
    gap = rendered.cues[6].start - rendered.cues[5].end
    assert gap == pytest.approx(1.5, abs=1e-4)  # the explicit pause, not the automatic one


def test_render_the_silences_are_silent(write_guide: WriteGuide) -> None:
    items = plan_first(write_guide)
    engine = FakeEngine()
    rendered = render(items, lambda u: engine.synthesize(u.spoken, u.voice))
    for before, after in zip(rendered.cues, rendered.cues[1:], strict=False):
        a, b = round(before.end * rendered.rate) + 5, round(after.start * rendered.rate) - 5
        assert np.max(np.abs(rendered.samples[a:b].astype(np.int32))) == 0


def test_a_sound_at_a_higher_rate_sets_the_episodes_rate(write_guide: WriteGuide) -> None:
    items = plan_first(write_guide)
    engine = FakeEngine()
    speech_only = render(items, lambda u: engine.synthesize(u.spoken, u.voice))
    sound = Path(write_guide()) / "tone.wav"
    t = np.arange(RATE // 2) / RATE
    write_wav(sound, np.round(np.sin(2 * np.pi * 8000 * t) * 8000).astype(np.int16), RATE)
    rendered = render((*items, Play(sound)), lambda u: engine.synthesize(u.spoken, u.voice))
    assert rendered.rate == RATE
    assert rendered.seconds == pytest.approx(speech_only.seconds + 0.5, abs=0.01)
    # the 8 kHz tone (above 22050 Hz's Nyquist frequency) is kept, not filtered away
    tail = rendered.samples[-RATE // 4 :].astype(np.float64)
    assert np.argmax(np.abs(np.fft.rfft(tail))) * 4 == pytest.approx(8000, abs=8)
    assert render(items, lambda u: engine.synthesize(u.spoken, u.voice), 16000).rate == 16000


def test_trim_keeps_a_margin_and_drops_pure_silence() -> None:
    x = np.zeros(1000, dtype=np.int16)
    x[400:500] = 10000
    out = trim(x, 1000)  # 15 ms margin at 1 kHz = 15 samples
    assert len(out) == 100 + 30
    assert trim(np.zeros(50, dtype=np.int16), 1000).size == 0


def test_resample_keeps_duration_and_pitch() -> None:
    t = np.arange(22050) / 22050
    tone = np.round(np.sin(2 * np.pi * 440 * t) * 16000).astype(np.int16)
    out = resample(tone, 22050, RATE)
    assert len(out) == RATE
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert np.argmax(spectrum) == pytest.approx(440, abs=1)
