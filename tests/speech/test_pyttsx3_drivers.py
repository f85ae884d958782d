"""pyttsx3's own platform drivers (`voice: driver: sapi5|nsss`), with fakes at the
pyttsx3 driver boundary (tests/fake_drivers): pyttsx3's engine and driver proxy run as
on Windows and macOS, in the fresh interpreter the build starts for each request; the
fake writes what the real driver writes (SAPI5 a WAV, NSSpeech an AIFF). The real
drivers run in CI on windows-latest and macos-latest (.github/workflows/ci.yml)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import wave
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import GUIDE, WriteGuide

from audioguide.cli import cli
from audioguide.errors import EngineError
from audioguide.model import Voice
from audioguide.speech import pyttsx3_native
from audioguide.speech.cache import CACHE_FORMAT, clip_key
from audioguide.speech.pyttsx3_engine import Pyttsx3Engine

FAKES = Path(__file__).parent / "fake_drivers"


@pytest.fixture
def speech(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A real spoken WAV (espeak-ng at 22050 Hz), the same as AIFF, and the fakes' log."""
    engine = Pyttsx3Engine("en-US")
    try:
        clip = engine.synthesize("Hello from the system voice.", Voice())
    finally:
        engine.close()
    wav, aiff, log = tmp_path / "said.wav", tmp_path / "said.aiff", tmp_path / "log.jsonl"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(clip.rate)
        w.writeframes(clip.pcm)
    # AIFF as NSSpeechSynthesizer writes it: big-endian PCM, read back only by ffmpeg.
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), str(aiff)], check=True)
    assert aiff.read_bytes()[:4] == b"FORM"
    monkeypatch.setenv("PYTHONPATH", str(FAKES))
    monkeypatch.setenv("FAKE_SPEECH_WAV", str(wav))
    monkeypatch.setenv("FAKE_SPEECH_AIFF", str(aiff))
    monkeypatch.setenv("FAKE_SPEECH_LOG", str(log))
    return {"wav": wav, "log": log, "pcm": tmp_path / "pcm"}


@pytest.mark.parametrize(("driver", "platform"), [("sapi5", "win32"), ("nsss", "darwin")])
def test_a_system_driver_speaks_through_pyttsx3(
    speech: dict[str, Path], monkeypatch: pytest.MonkeyPatch, driver: str, platform: str
) -> None:
    monkeypatch.setattr(pyttsx3_native, "PLATFORM", platform)
    engine = Pyttsx3Engine("en-US")
    try:
        voice = Voice(driver=driver, name=f"{driver}.zira", rate=170, volume=0.8)
        clip = engine.synthesize("Hello from the system voice.", voice)
    finally:
        engine.close()
    with wave.open(str(speech["wav"]), "rb") as w:
        expected = w.readframes(w.getnframes())
        assert clip.rate == w.getframerate()
    # The AIFF (big-endian) comes back as the same samples: nothing lost or swapped.
    assert np.array_equal(np.frombuffer(clip.pcm, "<i2"), np.frombuffer(expected, "<i2"))
    asked = [json.loads(line) for line in speech["log"].read_text().splitlines()]
    assert asked == [
        {
            "driver": driver,
            "text": "Hello from the system voice.",
            "voice": f"{driver}.zira",
            "rate": 170,
            "volume": 0.8,
            "file": asked[0]["file"],
        }
    ]
    assert asked[0]["file"].endswith(".aiff" if driver == "nsss" else ".wav")


def test_a_driver_of_another_system_is_refused(speech: dict[str, Path]) -> None:
    engine = Pyttsx3Engine("en-US")
    try:
        with pytest.raises(EngineError, match="sapi5 driver speaks only on win32"):
            engine.synthesize("Hello.", Voice(driver="sapi5"))
    finally:
        engine.close()


def test_voices_lists_a_drivers_voices(
    speech: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pyttsx3_native, "PLATFORM", "win32")
    done = CliRunner().invoke(cli, ["voices", "--driver", "sapi5", "--language", "es"])
    assert done.exit_code == 0, done.output
    assert "sapi5 driver" in done.output
    assert "Fake Jorge" in done.output and "Fake Zira" not in done.output
    assert "voice: {driver: sapi5, name: es-ES}" in done.output


def test_the_driver_is_in_the_clip_key() -> None:
    keys = {d: clip_key("pyttsx3", "v1", Voice(driver=d), "Hello.") for d in ("espeak", "sapi5")}
    assert keys["espeak"] != keys["sapi5"]
    # The default leaves the key as it was before drivers (no cache is thrown away).
    before = {k: v for k, v in asdict(Voice()).items() if k != "driver"}
    payload = {
        "format": CACHE_FORMAT,
        "engine": "pyttsx3",
        "engine_version": "v1",
        "voice": before,
        "text": "Hello.",
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert keys["espeak"] == hashlib.sha256(blob).hexdigest()


def test_an_unknown_driver_is_a_script_error(write_guide: WriteGuide) -> None:
    root = write_guide(**{"guide.yaml": GUIDE + "voice:\n  driver: sapi\n"})
    done = CliRunner().invoke(cli, ["check", str(root)])
    assert done.exit_code == 2
    line = done.output.strip().splitlines()[0]
    assert line.endswith("error: unknown driver 'sapi' (espeak, sapi5, nsss)"), line
    assert f":{GUIDE.count(chr(10)) + 2}:11:" in line
