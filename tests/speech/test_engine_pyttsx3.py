"""The pyttsx3 engine with real espeak-ng and real audio; no mocks of pyttsx3."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from audioguide.errors import EngineError
from audioguide.model import Voice
from audioguide.speech.base import Clip, VoiceInfo
from audioguide.speech.clips import check_wav, plausible_seconds
from audioguide.speech.pyttsx3_engine import Pyttsx3Engine, pick_voice, resolve_voice
from audioguide.speech.registry import create_engine

SENTENCE = "Stand with your back to the river and look up at the two towers of the old cathedral."
WORDS = 17
LONG = (
    "Welcome to the walking tour of the old town. The cathedral was begun in twelve "
    "forty eight and took more than six hundred years to finish. Stand with your back "
    "to the river and look up at the two towers. On your left is the town hall, rebuilt "
    "after the war. Its clock still strikes every quarter of an hour. The narrow lane "
    "ahead was once the street of the tanners."
)


@pytest.fixture(scope="module")
def engine() -> Iterator[Pyttsx3Engine]:
    eng = Pyttsx3Engine("en-US")
    yield eng
    eng.close()


def samples(clip: Clip) -> np.ndarray:
    return np.frombuffer(clip.pcm, "<i2").astype(np.float64)


def median_f0(clip: Clip) -> float:
    """Median fundamental frequency of the voiced 40 ms frames, by autocorrelation."""
    x = samples(clip)
    n, lo, hi = int(0.04 * clip.rate), clip.rate // 400, clip.rate // 60
    found = []
    for i in range(0, len(x) - n, n):
        frame = x[i : i + n] - x[i : i + n].mean()
        if np.sqrt((frame**2).mean()) < 1000:
            continue
        ac = np.correlate(frame, frame, "full")[n - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.3 * ac[0]:
            found.append(clip.rate / lag)
    assert len(found) > 10, "too few voiced frames to estimate pitch"
    return float(np.median(found))


def write_wav(path: Path, pcm: bytes, rate: int = 22050, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


def tone(seconds: float, rate: int = 22050) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return bytes((np.sin(2 * np.pi * 200 * t) * 10000).astype("<i2").tobytes())


# --- real synthesis ----------------------------------------------------------------


def test_short_sentence_is_speech_of_plausible_length(engine: Pyttsx3Engine) -> None:
    clip = engine.synthesize(SENTENCE, Voice(rate=155))
    assert 8000 <= clip.rate <= 48000
    expected = WORDS / 155 * 60  # 6.6 s; espeak measured 0.9-1.3x of this with padding
    assert 0.6 * expected < clip.seconds < 1.6 * expected
    assert np.abs(samples(clip)).max() > 3000  # speech, not silence


def test_slower_rate_gives_longer_clip(engine: Pyttsx3Engine) -> None:
    slow = engine.synthesize(SENTENCE, Voice(rate=120)).seconds
    fast = engine.synthesize(SENTENCE, Voice(rate=220)).seconds
    assert slow > 1.4 * fast  # nominal 220/120 = 1.83; padding makes it a bit less


def test_nothing_reaches_stdout(engine: Pyttsx3Engine, capfd: pytest.CaptureFixture[str]) -> None:
    engine.synthesize("Nothing should be printed.", Voice())
    out, _ = capfd.readouterr()
    assert out == ""


def test_pitch_and_variant_change_the_voice(engine: Pyttsx3Engine) -> None:
    low = median_f0(engine.synthesize(SENTENCE, Voice(pitch=20)))
    high = median_f0(engine.synthesize(SENTENCE, Voice(pitch=80)))
    female = median_f0(engine.synthesize(SENTENCE, Voice(name="gmw/en-us+f3", pitch=20)))
    assert high > 1.3 * low  # measured 80 Hz vs 140 Hz
    assert female > 1.5 * low


def test_volume_scales_the_signal(engine: Pyttsx3Engine) -> None:
    loud = np.abs(samples(engine.synthesize(SENTENCE, Voice(volume=1.0)))).max()
    quiet = np.abs(samples(engine.synthesize(SENTENCE, Voice(volume=0.3)))).max()
    assert quiet < 0.5 * loud


def test_voice_by_name_and_language(engine: Pyttsx3Engine) -> None:
    clip = engine.synthesize("Bonjour et bienvenue.", Voice(name="French (France)"))
    assert clip.seconds > 0.5


def test_unknown_voice_lists_available_ids(engine: Pyttsx3Engine) -> None:
    with pytest.raises(EngineError, match=r"unknown pyttsx3 voice 'no-such-voice'.*gmw/en"):
        engine.synthesize(SENTENCE, Voice(name="no-such-voice"))
    with pytest.raises(EngineError, match="variant 'zz9'"):
        engine.synthesize(SENTENCE, Voice(name="gmw/en-us+zz9"))


def test_text_without_words_is_refused(engine: Pyttsx3Engine) -> None:
    with pytest.raises(EngineError, match="nothing to speak"):
        engine.synthesize(" ... ", Voice())


def test_voices_are_listed(engine: Pyttsx3Engine) -> None:
    voices = engine.voices()
    ids = {v.id for v in voices}
    assert {"gmw/en-us", "gmw/en"} <= ids
    us = next(v for v in voices if v.id == "gmw/en-us")
    assert us.languages == ("en-us",)


def test_timeout_fails_cleanly_and_engine_recovers() -> None:
    eng = Pyttsx3Engine(timeout=0.005)  # far below the ~10 ms one utterance takes
    try:
        with pytest.raises(EngineError, match=r"in 4 attempts.*timed out"):
            eng.synthesize(LONG, Voice())
        eng.timeout = 10.0
        assert eng.synthesize(SENTENCE, Voice()).seconds > 3
    finally:
        eng.close()


def test_crashed_worker_is_replaced(engine: Pyttsx3Engine) -> None:
    engine.synthesize("Start the worker.", Voice())
    proc = engine._worker._proc  # a real child process, killed as a crash would
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    before = engine.retries
    assert engine.synthesize(SENTENCE, Voice()).seconds > 3
    assert engine.retries == before + 1


def test_closed_engine_refuses_work() -> None:
    eng = Pyttsx3Engine()
    eng.close()
    with pytest.raises(EngineError, match="closed"):
        eng.synthesize(SENTENCE, Voice())


# --- repeatability -----------------------------------------------------------------

A = "Welcome to the first episode."
B = "When your baby babbles, points or cries, you answer with a look."
C = "It is short."


def test_same_sentence_gives_same_bytes_whatever_came_before(engine: Pyttsx3Engine) -> None:
    # libespeak-ng carries state from one utterance to the next (its pitch flutter, among
    # others): each repeat used to differ in its samples and by up to hundreds in length.
    first: dict[tuple[str, int], bytes] = {}
    for order in ((A, B, C), (C, B, A), (B, A, C)):
        for text in order:
            pcm = engine.synthesize(text, Voice()).pcm
            assert pcm == first.setdefault((text, 155), pcm), f"{text!r} changed"
        # Another rate (and a variant whose breath noise uses rand()) in between.
        pcm = engine.synthesize(SENTENCE, Voice(name="gmw/en-us+f3", rate=220)).pcm
        assert pcm == first.setdefault((SENTENCE, 220), pcm)
    assert len(first) == 4


def test_separate_engines_agree_after_different_histories(engine: Pyttsx3Engine) -> None:
    one, two = Pyttsx3Engine("en-US"), Pyttsx3Engine("en-US")
    try:
        one.synthesize(A, Voice())
        two.synthesize(B, Voice(rate=120))
        two.synthesize(C, Voice(pitch=80))
        clips = [eng.synthesize(SENTENCE, Voice()).pcm for eng in (one, two, engine)]
        assert one._worker._proc is not None and two._worker._proc is not None
        assert one._worker._proc.pid != two._worker._proc.pid  # two child processes
    finally:
        one.close()
        two.close()
    assert clips[0] == clips[1] == clips[2]


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # exited meanwhile
    return found


def test_timed_out_synthesis_leaves_no_process_behind() -> None:
    eng = Pyttsx3Engine(timeout=0.005)
    try:
        with pytest.raises(EngineError, match="timed out"):
            eng.synthesize(LONG, Voice())
        assert eng._worker.folder is not None
        # The child and the forks it synthesizes in all carry the folder in their command
        # line; the last failed attempt killed the child and any fork still running (a
        # killed process may take a moment to go).
        deadline = time.monotonic() + 5
        while processes_mentioning(str(eng._worker.folder)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_mentioning(str(eng._worker.folder)) == []
    finally:
        eng.close()


# --- fresh processes ---------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_first_call_in_fresh_process_with_long_text() -> None:
    assert 350 <= len(LONG) <= 450
    code = (
        "import json\n"
        "from audioguide.speech.pyttsx3_engine import Pyttsx3Engine\n"
        "from audioguide.model import Voice\n"
        "e = Pyttsx3Engine('en-US')\n"
        f"c = e.synthesize({LONG!r}, Voice(rate=155))\n"
        "print(json.dumps({'seconds': c.seconds, 'retries': e.retries}))\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # fails if anything else reached stdout
    expected = len(LONG.split()) / 155 * 60
    assert 0.6 * expected < result["seconds"] < 1.6 * expected
    assert result["retries"] == 0


def test_missing_espeak_names_the_install_command() -> None:
    code = (
        "import ctypes\n"
        "real = ctypes.cdll.LoadLibrary\n"
        "def load(name):\n"
        "    if 'espeak' in str(name):\n"
        "        raise OSError(f'{name}: cannot open shared object file')\n"
        "    return real(name)\n"
        "ctypes.cdll.LoadLibrary = load\n"
        "from audioguide.speech.registry import create_engine\n"
        "try:\n"
        "    create_engine('pyttsx3', 'en-US')\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = run_python(code).stdout
    assert out.startswith("ToolMissingError ")
    assert "sudo apt-get install espeak-ng" in out


def test_importing_the_engine_does_not_import_pyttsx3() -> None:
    code = (
        "import sys\n"
        "import audioguide.speech.registry, audioguide.speech.pyttsx3_engine\n"
        "print(sorted(m for m in sys.modules if m.startswith('pyttsx3')))\n"
    )
    assert run_python(code).stdout.strip() == "[]"


# --- registry ----------------------------------------------------------------------


def test_registry_makes_pyttsx3_with_a_stable_version() -> None:
    eng = create_engine("pyttsx3", "en-US")
    assert eng.name == "pyttsx3"
    assert re.fullmatch(r"pyttsx3-[\w.]+/espeak-ng-[\w.]+", eng.version)
    assert eng.version == Pyttsx3Engine().version


def test_registry_rejects_unknown_engine() -> None:
    # Not "piper" any more: that is a real engine now.
    with pytest.raises(EngineError, match="unknown engine 'no-such-engine'"):
        create_engine("no-such-engine", "en-US")


# --- pure functions ----------------------------------------------------------------

VOICES = [
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",), "male"),
    VoiceInfo("gmw/en-029", "English (Caribbean)", ("en-029",), "male"),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "male"),
    VoiceInfo("roa/fr", "French (France)", ("fr-fr",), "male"),
    VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",), "male"),
    VoiceInfo("sit/cmn", "Chinese (Mandarin)", ("cmn",), "male"),
]


@pytest.mark.parametrize(
    ("language", "voice_id"),
    [
        ("en-US", "gmw/en-us"),
        ("en_us", "gmw/en-us"),
        ("en", "gmw/en"),
        ("en-AU", "gmw/en"),
        ("fr-CA", "roa/fr"),
        ("fr-BE", "roa/fr-be"),
        ("zh-CN", "sit/cmn"),
    ],
)
def test_pick_voice(language: str, voice_id: str) -> None:
    assert pick_voice(VOICES, language).id == voice_id


def test_pick_voice_without_match() -> None:
    with pytest.raises(EngineError, match="no espeak-ng voice speaks 'xx-YY'"):
        pick_voice(VOICES, "xx-YY")


def test_resolve_voice() -> None:
    assert resolve_voice(VOICES, ["f3", "Alex"], "English (America)") == "gmw/en-us"
    assert resolve_voice(VOICES, ["f3", "Alex"], "EN-US+alex") == "gmw/en-us+Alex"
    with pytest.raises(EngineError, match="unknown pyttsx3 voice"):
        resolve_voice(VOICES, [], "klingon")


def test_check_wav_accepts_plausible_speech(tmp_path: Path) -> None:
    pcm = tone(2.0, 16000)
    clip = check_wav(write_wav(tmp_path / "ok.wav", pcm, 16000), "five words are said here", 155)
    assert clip == Clip(pcm, 16000)


def test_check_wav_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no WAV file"):
        check_wav(tmp_path / "nope.wav", "some words", 155)


def test_check_wav_rejects_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(EngineError, match="empty"):
        check_wav(tmp_path / "empty.wav", "some words", 155)


def test_check_wav_rejects_non_wav(tmp_path: Path) -> None:
    (tmp_path / "x.wav").write_bytes(b"ID3\x03\x00 this is an mp3, not a wav" * 10)
    with pytest.raises(EngineError, match="not valid"):
        check_wav(tmp_path / "x.wav", "some words", 155)


def test_check_wav_rejects_header_without_audio(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no audio"):
        check_wav(write_wav(tmp_path / "h.wav", b""), "some words", 155)


def test_check_wav_rejects_truncated_audio(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "short.wav", tone(0.5))
    with pytest.raises(EngineError, match="outside the plausible"):
        check_wav(path, SENTENCE, 155)  # 17 words cannot fit in half a second


def test_check_wav_rejects_far_too_long_audio(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", tone(20.0))
    with pytest.raises(EngineError, match="outside the plausible"):
        check_wav(path, "Two words.", 155)


def test_check_wav_converts_stereo_8bit(tmp_path: Path) -> None:
    left, right = np.array([128, 192, 64, 255], np.uint8), np.array([128, 64, 64, 1], np.uint8)
    frames = np.column_stack([left, right]).reshape(-1).tobytes() * 5000
    clip = check_wav(write_wav(tmp_path / "s.wav", frames, 8000, 2, 1), "a word", 155)
    got = np.frombuffer(clip.pcm, "<i2")[:4].tolist()
    assert got == [0, 0, -64 * 256, 0]  # channel mean, 8-bit unsigned to 16-bit signed
    assert clip.rate == 8000 and len(clip.pcm) == 2 * 4 * 5000


def test_check_wav_converts_24bit(tmp_path: Path) -> None:
    values = [0x123456, -0x123456 & 0xFFFFFF]
    frames = b"".join(v.to_bytes(3, "little") for v in values) * 10000
    clip = check_wav(write_wav(tmp_path / "24.wav", frames, 22050, 1, 3), "two words", 155)
    assert np.frombuffer(clip.pcm, "<i2")[:2].tolist() == [0x1234, -0x1235]


def test_bounds_allow_numbers_read_digit_by_digit() -> None:
    bounds = plausible_seconds("1234567890123", 155)
    assert bounds.high > 8.7  # espeak takes 8.6 s for it; one "word" would allow 2.5 s
    assert plausible_seconds("Two words.", 155).low == pytest.approx(0.3 * 2 * 60 / 155)


def test_changing_settings_between_calls_needs_no_retries(engine: Pyttsx3Engine) -> None:
    # Each settings change used to make pyttsx3 cancel about every second utterance.
    before = engine.retries
    for i in range(20):
        voice = Voice(rate=120 + 40 * (i % 3), pitch=30 + 10 * (i % 4), volume=0.6 + 0.2 * (i % 2))
        clip = engine.synthesize(f"Sentence number {i} of the stress test is here.", voice)
        assert clip.seconds > 0.6 * 9 / voice.rate * 60  # 9 words, not cut short
    assert engine.retries == before


def test_hung_worker_is_replaced_after_the_timeout() -> None:
    eng = Pyttsx3Engine(timeout=0.5)
    try:
        eng.synthesize("Start the worker.", Voice())
        proc = eng._worker._proc
        assert proc is not None
        os.kill(proc.pid, signal.SIGSTOP)  # it never answers, as if runAndWait hung
        assert eng.synthesize(SENTENCE, Voice()).seconds > 3
        assert eng.retries == 1
        assert proc.poll() is not None  # the stuck one was killed, not left behind
    finally:
        eng.close()


def _shared_engine_name(reply: Connection) -> None:
    from audioguide.speech.registry import shared_engine

    reply.send(shared_engine("pyttsx3", "en-US").name)


def test_a_forked_worker_makes_its_own_engines() -> None:
    # A thread (e.g. the one starting engines in the background) may hold the shared
    # engines' lock at the moment a worker is forked; the worker must not wait on it.
    import multiprocessing
    import threading

    from audioguide.speech import registry

    registry.shared_engine("pyttsx3", "en-US")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with registry._shared_lock:
            held.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.get_context("fork").Process(
            target=_shared_engine_name, args=(theirs,)
        )
        child.start()
        answered = ours.poll(20)
        child.kill()
        child.join()
    finally:
        release.set()
        holder.join()
    assert answered and ours.recv() == "pyttsx3"
