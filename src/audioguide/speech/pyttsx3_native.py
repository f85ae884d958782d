"""pyttsx3 with the system's own speech: SAPI5 on Windows, NSSpeechSynthesizer on macOS
(`voice: driver: sapi5|nsss`).

These drivers keep none of espeak's state between utterances that we know of, but they
need the main thread of their process (COM apartments, the Cocoa run loop), so each
request runs in a fresh interpreter (`main`), started when it is needed. SAPI5 writes
a WAV; NSSpeech writes AIFF, which Python 3.13 can no longer read (`aifc` is gone), so
every file the driver writes is turned into a mono 16-bit WAV by ffmpeg, the decoder
the build has anyway, and checked like any other clip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from audioguide.errors import EngineError, ToolMissingError
from audioguide.model import PYTTSX3_DRIVERS, Voice
from audioguide.speech.base import Clip, VoiceInfo
from audioguide.speech.clips import check_wav
from audioguide.system import hostos, tools

# What each driver writes, whatever the file is called.
SUFFIX = {"sapi5": ".wav", "nsss": ".aiff"}
TIMEOUT = 60.0
PLATFORM = hostos.PLATFORM  # the system this runs on (a test may pretend another)


def answer(pyttsx3: Any, driver: str, request: dict[str, Any]) -> dict[str, Any]:
    """One request, with the pyttsx3 module given (a fake in tests): the driver's voices,
    or `text` spoken to `path` with `voice`, `rate` and `volume`."""
    engine = pyttsx3.init(driver)
    if request.get("list"):
        voices = [
            [v.id, v.name, [str(x) for x in (v.languages or [])], str(v.gender or "").lower()]
            for v in engine.getProperty("voices")
        ]
        return {"ok": True, "voices": voices}
    if request.get("voice"):
        engine.setProperty("voice", request["voice"])
    engine.setProperty("rate", request["rate"])
    engine.setProperty("volume", request["volume"])
    engine.save_to_file(request["text"], request["path"])
    engine.runAndWait()
    if not Path(request["path"]).is_file():
        return {"ok": False, "error": f"the {driver} driver wrote no file"}
    return {"ok": True}


def main(driver: str) -> None:
    """A fresh interpreter's life: one JSON request on stdin, one reply on stdout."""
    request = json.loads(sys.stdin.readline())
    try:
        import pyttsx3

        reply = answer(pyttsx3, driver, request)
    except Exception as e:  # the driver's own failure, reported to the building process
        reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    os._exit(0)  # a driver's atexit handlers can hang, as espeak's do


def ask(driver: str, request: dict[str, Any], timeout: float = TIMEOUT) -> dict[str, Any]:
    """`main` in a new interpreter; EngineError when it cannot answer."""
    if PYTTSX3_DRIVERS.get(driver, "") not in ("", PLATFORM):
        raise EngineError(
            f"pyttsx3's {driver} driver speaks only on {PYTTSX3_DRIVERS[driver]}; "
            "use driver: espeak here"
        )
    src = str(Path(__file__).resolve().parents[2])
    code = (
        f"import sys; sys.path.insert(0, {src!r}); "
        f"from audioguide.speech.pyttsx3_native import main; main({driver!r})"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(request) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        reply: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as e:
        raise EngineError(f"pyttsx3's {driver} driver did not answer ({e})") from e
    if not reply.get("ok"):
        raise EngineError(f"pyttsx3's {driver} driver failed: {reply.get('error')}")
    return reply


def voices(driver: str) -> list[VoiceInfo]:
    found = ask(driver, {"list": True})["voices"]
    return [VoiceInfo(v[0], v[1], tuple(v[2]), v[3]) for v in found]


def speak(driver: str, text: str, voice: Voice, folder: Path, stem: str) -> Clip:
    """`text` spoken by `driver` into `folder`, read back as a checked clip."""
    written = folder / f"{stem}{SUFFIX.get(driver, '.wav')}"
    wav = folder / f"{stem}.pcm.wav"
    request = {
        "text": text,
        "path": str(written),
        "voice": voice.name,
        "rate": voice.rate,
        "volume": voice.volume,
    }
    try:
        ask(driver, request)
        to_wav(written, wav)
        return check_wav(wav, text, voice.rate)
    finally:
        for path in (written, wav):
            path.unlink(missing_ok=True)


def to_wav(source: Path, dest: Path) -> None:
    """Any file the driver wrote (AIFF, a WAV in another format) as a mono 16-bit WAV."""
    try:
        ffmpeg = tools.ffmpeg()
    except ToolMissingError as e:
        raise EngineError(str(e)) from e
    command = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source)]
    done = subprocess.run(
        [*command, "-ac", "1", "-acodec", "pcm_s16le", "-f", "wav", str(dest)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise EngineError(f"the driver's file cannot be read: {done.stderr.strip()[-200:]}")
