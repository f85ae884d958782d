"""The guide shipped in scripts/: its structure, its credit, and that it is a paraphrase."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from support.audio_measure import decode_pcm, ebur128
from support.shipped import ShippedBuild

from audioguide.build.stages import plan_guide
from audioguide.loader import load_guide
from audioguide.model import Guide, Say
from audioguide.plan import text
from audioguide.plan.timeline import Silence, Utterance

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
# CI clones the repository beside shared/, which holds the source article.
ARTICLE = ROOT.parent / "shared" / "article" / "infant-toddler-mental-health.txt"
CHIME_SECONDS = 1.0


@pytest.fixture(scope="module")
def guide() -> Guide:
    return load_guide(SCRIPTS)


def estimated_seconds(guide: Guide, episode_id: str) -> float:
    items = plan_guide(guide)[episode_id]
    speech = sum(
        text.estimate_seconds(u.spoken, u.voice.rate) for u in items if isinstance(u, Utterance)
    )
    return speech + sum(i.seconds for i in items if isinstance(i, Silence)) + CHIME_SECONDS


def said(guide: Guide) -> str:
    return " ".join(
        sentence
        for ep in guide.episodes
        for seg in ep.segments
        if isinstance(seg, Say)
        for para in seg.paragraphs
        for sentence in para
    )


def test_episode_count_and_order(guide: Guide) -> None:
    assert 7 <= len(guide.episodes) <= 9  # a welcome, then 6 to 8 episodes
    assert guide.episodes[0].id.startswith("welcome")
    assert [ep.number for ep in guide.episodes] == list(range(1, len(guide.episodes) + 1))


def test_every_episode_has_title_summary_and_chapters(guide: Guide) -> None:
    for ep in guide.episodes:
        assert ep.title and ep.summary, ep.id
        chapters = [s for s in ep.segments if type(s).__name__ == "Chapter"]
        assert chapters, f"{ep.id} has no chapter"
        assert type(ep.segments[0]).__name__ == "Chapter", f"{ep.id} does not open a chapter"


def test_estimated_lengths_fit_a_short_moment(guide: Guide) -> None:
    for ep in guide.episodes:
        seconds = estimated_seconds(guide, ep.id)
        low = 60 if ep.number == 1 else 120
        assert low <= seconds <= 300, f"{ep.id}: {seconds:.0f} s"


def test_credit_names_the_article(guide: Guide) -> None:
    assert "Infant and Toddler Mental Health" in guide.source.title
    assert "Jessica Taylor-Pickford" in guide.source.author
    assert "LCSW" in guide.source.author and "IMH-E" in guide.source.author
    assert "2021" in guide.source.date
    assert "paraphrase" in guide.credit.lower()
    assert "Taylor-Pickford" in guide.credit
    welcome = " ".join(
        s
        for seg in guide.episodes[0].segments
        if isinstance(seg, Say)
        for p in seg.paragraphs
        for s in p
    )
    assert "Taylor-Pickford" in welcome and "2021" in welcome.replace("twenty twenty-one", "2021")
    assert "paraphrase" in welcome.lower()
    assert re.search(r"not a substitute|does not replace|doesn't replace|instead of", welcome)


def test_acronyms_are_in_the_lexicon(guide: Guide) -> None:
    words = dict(guide.lexicon)
    assert "LCSW" in words and "IMH-E" in words
    spoken = text.compile_lexicon(guide.lexicon)
    assert "LCSW" not in spoken("Jessica Taylor-Pickford, LCSW, IMH-E.")


def shingles(words: list[str], n: int = 8) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def normal_words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", s.lower().replace("\u2019", "").replace("'", ""))


def test_no_eight_word_run_is_copied_from_the_article(guide: Guide) -> None:
    if not ARTICLE.is_file():
        pytest.skip(f"the source article is not at {ARTICLE} (CI has it)")
    article = shingles(normal_words(ARTICLE.read_text(encoding="utf-8")))
    definition = shingles(
        normal_words(
            "the developing capacity of a child from birth to age three to experience, regulate "
            "and express emotions; form close and secure interpersonal relationships; and explore "
            "the environment and learn"
        )
    )
    title = shingles(normal_words(guide.source.title))  # the credit names the article
    copied = (shingles(normal_words(said(guide))) & article) - definition - title
    assert not copied, sorted(" ".join(c) for c in copied)[:5]


@pytest.mark.e2e
def test_shipped_guide_builds(shipped: ShippedBuild) -> None:
    report = shipped.reports[0]  # the session's build (conftest), the main edition's
    assert [ep.id for ep in report.episodes] == [ep.id for ep in load_guide(SCRIPTS).episodes]
    for ep in report.episodes:
        low = 60 if ep.number == 1 else 120
        seconds = len(decode_pcm(ep.mp3)) / 44100
        assert low <= seconds <= 300, f"{ep.id}: {seconds:.0f} s"
        # measured by ffmpeg, not by the meter that mastered it
        lufs, peak = ebur128(ep.mp3)
        assert lufs == pytest.approx(-16.0, abs=0.5), ep.id
        assert peak <= -1.0 + 0.1, ep.id  # the ceiling; ffmpeg prints one decimal
        tags = ID3(ep.mp3)
        assert "Taylor-Pickford" in str(tags.getall("COMM")[0])
        assert len(tags.getall("CHAP")) == len(ep.chapters) >= 1


@pytest.mark.parametrize("folder", ["", "es"], ids=["en", "es"])
def test_the_length_estimate_is_close_to_the_spoken_episode(folder: str) -> None:
    # `check` warns about length from the estimate; here espeak-ng really speaks one.
    from audioguide.audio.assemble import render
    from audioguide.plan.estimate import sound_file_seconds, timeline_seconds
    from audioguide.speech.pyttsx3_engine import Pyttsx3Engine

    guide = load_guide(SCRIPTS / folder)
    items = plan_guide(guide)[guide.episodes[4].id]
    engine = Pyttsx3Engine(guide.language)
    try:
        rendered = render(items, lambda u: engine.synthesize(u.spoken, u.voice))
    finally:
        engine.close()
    estimate = timeline_seconds(items, sound_file_seconds)
    assert estimate == pytest.approx(rendered.seconds, rel=0.05)
