"""pyttsx3 (espeak-ng driver) behind the `Engine` protocol, made reliable and repeatable.

pyttsx3's espeak driver cuts utterances off, writes WAVs late and keeps state in
libespeak-ng that changes every later utterance's bytes (the measurements are in
docs/engines.md). So a long-lived child process, which loads the library but never
speaks, forks once per utterance: each utterance starts from a freshly loaded espeak
and is the same bytes in every process. The parent times out and restarts a stuck
child, checks every WAV (`check_wav`) and retries with a fresh file name.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from audioguide.errors import EngineError
from audioguide.model import Voice
from audioguide.speech import pyttsx3_native
from audioguide.speech.base import Clip, VoiceInfo
from audioguide.speech.clips import WORD as _WORD
from audioguide.speech.clips import check_wav, short
from audioguide.speech.espeak_library import missing as _missing
from audioguide.speech.espeak_library import read_version
from audioguide.speech.registry import PYTTSX3
from audioguide.system import hostos
from audioguide.system.tempfiles import private_folder

INSTALL_HINT = PYTTSX3.install_hint

# --- the parent side -------------------------------------------------------------


class _Failed(Exception):
    """One attempt went wrong; `restart` says whether the child must be replaced."""

    def __init__(self, reason: str, *, restart: bool = False) -> None:
        super().__init__(reason)
        self.restart = restart


class _Worker:
    """One child process and its pipes; dead or stuck children are replaced."""

    START_TIMEOUT = 20.0
    STOP_TIMEOUT = 1.0

    def __init__(self) -> None:
        self.folder: Path | None = None  # made on first start: a cache hit needs none
        self._folders = contextlib.ExitStack()  # removes it
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._lines: hostos.LineReader | None = None
        self.voices: list[VoiceInfo] = []
        self.variants: list[str] = []

    def _command(self) -> list[str]:
        src = str(Path(__file__).resolve().parents[2])
        code = (
            f"import sys; sys.path.insert(0, {src!r}); "
            "from audioguide.speech.pyttsx3_child import serve as _serve; "
            f"_serve({str(self.folder)!r})"
        )
        return [sys.executable, "-c", code]

    def _adopt(self) -> None:
        # A forked copy (e.g. a pool worker) must neither use nor tear down what its
        # parent started: it starts its own child in its own folder.
        if self._owner != os.getpid():
            self._proc, self.folder, self._lines = None, None, None
            self._folders = contextlib.ExitStack()  # the parent's stay the parent's
            self._owner = os.getpid()

    def ensure(self) -> None:
        self._adopt()
        if self._proc is not None:
            return
        if self.folder is None:
            self.folder = self._folders.enter_context(private_folder("pyttsx3"))
        with open(self._log, "ab") as log:
            # Its own process group, so that `kill` takes its forks along.
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        assert self._proc.stdout is not None
        self._lines = hostos.LineReader(self._proc.stdout)
        try:
            ready = self._read(self.START_TIMEOUT)
        except _Failed as e:
            self.kill()
            raise EngineError(f"the pyttsx3 worker did not start: {e}") from e
        if not ready.get("ok"):
            self.kill()
            if ready.get("kind") == "missing":
                raise _missing(f"{ready.get('error', '')}{self._log_tail()}")
            raise EngineError(f"the pyttsx3 worker did not start: {ready.get('error')}")
        self.voices = [VoiceInfo(v[0], v[1], tuple(v[2]), v[3]) for v in ready["voices"]]
        self.variants = list(ready["variants"])

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.ensure()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(message).encode() + b"\n")
            self._proc.stdin.flush()
        except OSError as e:
            raise _Failed(f"the pyttsx3 worker is gone ({e})", restart=True) from e
        return self._read(timeout)

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._lines is not None
        line = self._lines.readline(timeout)
        if line is None:
            raise _Failed(f"timed out after {timeout:g} s", restart=True)
        if not line:
            raise _Failed(self._death(), restart=True)
        try:
            reply: dict[str, Any] = json.loads(line)
        except ValueError as e:
            raise _Failed(
                f"garbled reply from the pyttsx3 worker: {line[:80]!r}", restart=True
            ) from e
        return reply

    @property
    def _log(self) -> Path:
        assert self.folder is not None
        return self.folder / "worker.log"

    def _log_tail(self) -> str:
        """The child's last line of complaint (espeak-ng says which file it missed)."""
        with contextlib.suppress(OSError, AssertionError):
            lines = self._log.read_text(errors="replace").strip().splitlines()
            if lines:
                return f": {lines[-1].strip()}"
        return ""

    def _death(self) -> str:
        assert self._proc is not None
        code: int | None = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = self._proc.wait(timeout=5)
        tail = self._log.read_text(errors="replace").strip().splitlines()[-3:]
        return f"the pyttsx3 worker exited with code {code}" + (
            f": {' | '.join(tail)}" if tail else ""
        )

    def close(self) -> None:
        self._adopt()
        self._stop()
        self.kill()
        self._folders.close()
        self.folder = None

    def _stop(self) -> None:
        # At the end of its input the child reaps its forks and exits; a killed child's
        # forks would be left to init to reap.
        proc = self._proc
        if proc is None or proc.stdin is None or self._owner != os.getpid():
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=self.STOP_TIMEOUT)

    def kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or self._owner != os.getpid():
            return
        if proc.returncode is None:  # not reaped yet, so its PID is still its own
            hostos.kill_tree(proc.pid)  # the child and any fork or spare of it
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


# BCP 47 primary tags that espeak-ng files under another code.
LANGUAGE_ALIASES = PYTTSX3.language_aliases


def pick_voice(voices: list[VoiceInfo], language: str) -> VoiceInfo:
    """The voice for a language tag: exact language, else same primary language."""
    tag = language.strip().lower().replace("_", "-")
    primary = tag.split("-")[0]
    primary = LANGUAGE_ALIASES.get(primary, primary)
    exact = [v for v in voices if tag in (lang.lower() for lang in v.languages)]
    related = [v for v in voices if any(_same_language(lang, primary) for lang in v.languages)]
    # A voice named after the bare language ("gmw/en", "roa/fr") is its standard one.
    plain = [v for v in related if v.id.rsplit("/", 1)[-1] == primary]
    for group in (exact, plain, related):
        if group:
            return min(group, key=lambda v: v.id)
    raise EngineError(f"no espeak-ng voice speaks {language!r}; for example: {sample_ids(voices)}")


def _same_language(lang: str, primary: str) -> bool:
    lang = lang.lower()
    return lang == primary or lang.startswith(primary + "-")


def sample_ids(voices: list[VoiceInfo], prefer: str = "en") -> str:
    first = sorted(v.id for v in voices if v.languages and v.languages[0].startswith(prefer))
    rest = sorted(v.id for v in voices if v.id not in first)
    ids = (first + rest)[:8]
    return ", ".join(ids) + f" ({len(voices)} voices installed)"


def resolve_voice(voices: list[VoiceInfo], variants: list[str], wanted: str) -> str:
    """The espeak id for a voice id, name or language tag, with an optional `+variant`."""
    base, plus, variant = wanted.strip().partition("+")
    key = base.lower()
    matches = [v for v in voices if v.id.lower() == key] or [
        v
        for v in voices
        if key == v.name.lower()
        # a language tag, alone or after a family as ids are written ("gmw/en-gb")
        or key.rpartition("/")[2] in (x.lower() for x in v.languages)
    ]
    if not matches:
        raise EngineError(f"unknown pyttsx3 voice {wanted!r}; available: {sample_ids(voices)}")
    voice_id = min(matches, key=lambda v: v.id).id
    if not plus:
        return voice_id
    spelled = {v.lower(): v for v in variants}
    if variant.lower() not in spelled:
        some = ", ".join(sorted(variants, key=str.lower)[:8])
        raise EngineError(f"unknown espeak-ng variant {variant!r} in {wanted!r}; e.g. {some}")
    return f"{voice_id}+{spelled[variant.lower()]}"


class Pyttsx3Engine:
    """Offline speech with pyttsx3's espeak-ng driver; see the module docstring."""

    name = "pyttsx3"
    mostly_waits = True  # its run loop polls every 10 ms; espeak needs ~4 ms a sentence

    def __init__(
        self, language: str = "en-US", *, attempts: int = 4, timeout: float = 10.0
    ) -> None:
        self.version = read_version()
        self.language = language
        self.attempts = attempts
        self.timeout = timeout
        self._lock = threading.Lock()
        self._worker = _Worker()
        self._count = 0
        self._native_folder: Path | None = None
        self.retries = 0  # failed attempts that a later attempt made good or gave up on
        self._close = weakref.finalize(self, self._worker.close)

    def close(self) -> None:
        """Stop the child process and remove the private temp dir (also done at exit)."""
        self._close()

    def voices(self) -> list[VoiceInfo]:
        with self._lock:
            self._ensure()
            return list(self._worker.voices)

    def variants(self) -> list[str]:
        """espeak-ng's voice variants (`f3`, `m2`, `klatt`...), for `name: en-gb+f3`."""
        with self._lock:
            self._ensure()
            return list(self._worker.variants)

    def driver_voices(self, driver: str) -> list[VoiceInfo]:
        """The voices of pyttsx3's `driver` (`espeak`, or the system's: see model)."""
        return self.voices() if driver == "espeak" else pyttsx3_native.voices(driver)

    def synthesize(self, text: str, voice: Voice) -> Clip:
        if not _WORD.search(text):
            raise EngineError(f"nothing to speak in {short(text)!r}")
        if voice.driver != "espeak":
            return self._native(text, voice)
        with self._lock:
            self._ensure()
            voice_id = self._voice_id(voice)
            return self._retry(text, voice, voice_id)

    def _native(self, text: str, voice: Voice) -> Clip:
        """The system's own voices (SAPI5, NSSpeech): see pyttsx3_native."""
        with self._lock:
            if self._native_folder is None:
                folders = contextlib.ExitStack()
                self._native_folder = folders.enter_context(private_folder("pyttsx3-native"))
                weakref.finalize(self, folders.close)
            self._count += 1
            stem = f"n{self._count:06d}"
            return pyttsx3_native.speak(voice.driver, text, voice, self._native_folder, stem)

    def _ensure(self) -> None:
        if not self._close.alive:
            raise EngineError("the pyttsx3 engine was closed")
        self._worker.ensure()

    def _voice_id(self, voice: Voice) -> str:
        voices = self._worker.voices
        if voice.name:
            return resolve_voice(voices, self._worker.variants, voice.name)
        return pick_voice(voices, self.language).id

    def _retry(self, text: str, voice: Voice, voice_id: str) -> Clip:
        reason = ""
        for attempt in range(1, self.attempts + 1):
            try:
                return self._attempt(text, voice, voice_id)
            except _Failed as e:
                self.retries += 1
                reason = str(e)
                # Two failures in a row without a restart: start from a fresh espeak.
                if e.restart or attempt % 2 == 0:
                    self._worker.kill()
                time.sleep(0.02 * attempt)
        raise EngineError(
            f"pyttsx3 could not synthesize {short(text)!r} in {self.attempts} attempts"
            f" (last error: {reason})"
        )

    def _attempt(self, text: str, voice: Voice, voice_id: str) -> Clip:
        self._count += 1
        assert self._worker.folder is not None
        path = self._worker.folder / f"u{self._count:06d}.wav"
        message = {
            "text": text,
            "path": str(path),
            "voice": voice_id,
            "rate": voice.rate,
            "volume": voice.volume,
            "pitch": voice.pitch,
            "timeout": self.timeout,
        }
        try:
            reply = self._worker.request(message, self.timeout)
            if reply.get("kind") == "voice":
                raise EngineError(
                    f"pyttsx3 rejected voice {voice_id!r}: {reply.get('error')}; "
                    f"available: {sample_ids(self._worker.voices)}"
                )
            if not reply.get("ok"):
                raise _Failed(str(reply.get("error")))
            try:
                return check_wav(path, text, voice.rate)
            except EngineError as e:
                raise _Failed(str(e)) from e
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
