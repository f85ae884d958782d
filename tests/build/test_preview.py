"""`audioguide preview`: choosing the part, its timeline, the WAV, the cache, the player."""

from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide
from support.fakes import FakeEngine, spoken_seconds

from audioguide.build.preview import default_path, find_player, plan_part, select
from audioguide.build.session import render_preview
from audioguide.build.stages import build
from audioguide.cli import cli
from audioguide.errors import ScriptError
from audioguide.loader import load_guide
from audioguide.model import Chapter, Guide, Say
from audioguide.plan.timeline import LEAD_IN, TAIL, Chime, Silence, Utterance


class Counting:
    """One fake engine for every request, so its calls can be counted."""

    def __init__(self) -> None:
        self.engine = FakeEngine()

    def __call__(self, name: str, language: str) -> FakeEngine:
        return self.engine


@pytest.fixture
def guide(write_guide: WriteGuide) -> Guide:
    return load_guide(write_guide())


# The test guide's first episode: 1 chapter Hello, 2 say, 3 chapter More, 4 say,
# 5 pause 1.5s, 6 say.


def test_select_a_segment(guide: Guide) -> None:
    part = select(guide, "first-steps", segment=4)
    assert part.label == "seg4" and len(part.segments) == 1
    assert isinstance(part.segments[0], Say)


def test_select_a_chapter_by_title_in_any_case(guide: Guide) -> None:
    part = select(guide, "first-steps", chapter="  more ")
    assert part.label == "ch-more"
    assert [type(s).__name__ for s in part.segments] == ["Chapter", "Say", "Pause", "Say"]
    first = select(guide, "first-steps", chapter="HELLO")
    assert [type(s).__name__ for s in first.segments] == ["Chapter", "Say"]


def test_a_chapter_segment_previews_its_chapter(guide: Guide) -> None:
    part = select(guide, "first-steps", segment=3)
    assert isinstance(part.segments[0], Chapter) and len(part.segments) == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"segment": 7}, "has 6 segments, no segment 7"),
        ({"segment": 5}, "segment 5 is a pause"),
        ({"chapter": "Nope"}, "has no chapter 'Nope'"),
    ],
)
def test_wrong_parts_are_script_errors(
    guide: Guide, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ScriptError) as caught:
        select(guide, "first-steps", **options)  # type: ignore[arg-type]
    assert message in caught.value.message
    if "chapter" in options:
        assert caught.value.hint == "chapters: Hello; More"


def test_an_unknown_episode_names_the_ones_there_are(guide: Guide) -> None:
    with pytest.raises(ScriptError) as caught:
        select(guide, "third")
    assert caught.value.hint == "episodes: first-steps, second-steps"


def test_a_part_has_no_chime_intro_or_outro(guide: Guide) -> None:
    items = plan_part(guide, select(guide, "first-steps", segment=4))
    assert not any(isinstance(i, Chime) for i in items)
    said = [i.display for i in items if isinstance(i, Utterance)]
    assert said == ["One more sentence after a chapter."]
    whole = plan_part(guide, select(guide, "first-steps"))
    assert isinstance(whole[1], Chime)
    assert "Episode 1: First steps." in [i.display for i in whole if isinstance(i, Utterance)]


def test_default_paths(guide: Guide) -> None:
    assert default_path(select(guide, "first-steps")) == Path("output/preview/first-steps.wav")
    seg = select(guide, "first-steps", segment=4)
    assert default_path(seg).name == "first-steps-seg4.wav"
    assert default_path(select(guide, "first-steps", chapter="more")).name == (
        "first-steps-ch-more.wav"
    )


def test_render_a_segment_exactly_and_through_the_cache(
    guide: Guide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    factory = Counting()
    path = render_preview(
        guide, "first-steps", chapter="more", cache_dir=tmp_path / "c", engine_factory=factory
    )
    assert path == Path("output/preview/first-steps-ch-more.wav") and path.is_file()
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (
            1,
            2,
            22050,
        )  # the speech's own rate
        seconds = w.getnframes() / w.getframerate()
    items = plan_part(guide, select(guide, "first-steps", chapter="more"))
    said = [i.spoken for i in items if isinstance(i, Utterance)]
    silences = sum(i.seconds for i in items if isinstance(i, Silence))
    expected = sum(spoken_seconds(s) for s in said) + silences
    assert seconds == pytest.approx(expected, abs=0.002)
    assert silences == pytest.approx(LEAD_IN + 1.5 + TAIL)
    assert factory.engine.calls == said
    # Again: everything comes from the cache.
    again = Counting()
    render_preview(
        guide, "first-steps", chapter="more", cache_dir=tmp_path / "c", engine_factory=again
    )
    assert again.engine.calls == []
    # And the build reuses what the preview spoke.
    third = Counting()
    report = build(guide.root, tmp_path / "out", cache_dir=tmp_path / "c", engine_factory=third)
    assert report.cached == len(said)
    assert not set(said) & set(third.engine.calls)


def test_render_to_a_given_file(guide: Guide, tmp_path: Path) -> None:
    dest = tmp_path / "mine.wav"
    path = render_preview(
        guide, "second-steps", dest=dest, cache_dir=tmp_path / "c", engine_factory=Counting()
    )
    assert path == dest and dest.stat().st_size > 44
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over


def test_find_player_takes_the_first_installed() -> None:
    installed = {"aplay": "/usr/bin/aplay", "paplay": "/usr/bin/paplay"}
    assert find_player(installed.get) == ["/usr/bin/aplay", "-q"]
    assert find_player({"ffplay": "/x/ffplay"}.get)[:2] == ["/x/ffplay", "-nodisp"]  # type: ignore[index]
    assert find_player({}.get) is None


# --- the command (the real engine, one short sentence) ----------------------------------


def fake_player(folder: Path, name: str) -> Path:
    """A player that writes its arguments to a file instead of playing."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    log = folder / "played.txt"
    script.write_text(f'#!/bin/sh\necho "$@" > {log}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


def test_cli_preview_and_play(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)
    log = fake_player(tmp_path / "bin", "aplay")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    args = ["preview", "first-steps", "--segment", "4", "--cache-dir", "c", "--play"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    wav = os.path.join("output", "preview", "first-steps-seg4.wav")
    assert wav in result.output.splitlines()
    assert "Playing with aplay" in result.output
    assert log.read_text().split() == ["-q", wav]
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "No audio player found" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["preview", "nope"], "no episode with id 'nope'"),
        (["preview", "first-steps", "--segment", "9"], "no segment 9"),
        (["preview", "first-steps", "--segment", "1", "--chapter", "x"], "not both"),
        (["preview", "first-steps", "--segment", "0"], "--segment"),
    ],
)
def test_cli_preview_mistakes_exit_2(
    args: list[str],
    message: str,
    write_guide: WriteGuide,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_guide()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--cache-dir", "c"])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "output").exists()
