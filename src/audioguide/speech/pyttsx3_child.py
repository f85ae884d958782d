"""The pyttsx3 engine's child process: it loads pyttsx3 and libespeak-ng once and forks
once per utterance, so each utterance starts from a freshly loaded espeak (why: see
docs/engines.md). Run by `pyttsx3_engine._Worker` as `python -c ...serve(folder)`."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import sys
import threading
import time
from typing import Any

from audioguide.speech import espeak_library
from audioguide.speech.pyttsx3_spares import Spare
from audioguide.system import hostos

SETTINGS = ("voice", "rate", "volume", "pitch")


def serve(folder: str) -> None:
    """Child main loop: one JSON request per line on stdin, one JSON reply per line.

    This process loads pyttsx3 and libespeak-ng but never synthesizes: each utterance is
    spoken by a fork of it (`_Fork`), so each starts from the same, untouched espeak.
    End of input means the parent is gone (a pool worker may exit without running any
    cleanup), so the child removes the parent's private folder on its way out.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pyttsx3's prints (and any C-level output) vanish here

    def send(message: dict[str, Any]) -> None:
        reply.write(json.dumps(message) + "\n")
        reply.flush()

    try:
        # Loading the driver module loads libespeak-ng; only `pyttsx3.init`, which runs
        # in the forks, initialises it (and starts its thread).
        espeak_library.driver()  # the system's libespeak-ng, else the wheel's
        import pyttsx3.drivers.espeak  # noqa: F401
    except (ImportError, OSError, RuntimeError) as e:
        send({"ok": False, "kind": "missing", "error": str(e)})
        return
    read_voice_files()
    lister = _one(None, reply.fileno())
    lister.ask({"list": True})
    listing = lister.answer(_Fork.LIST_TIMEOUT)
    if not listing.get("ok"):  # espeak-ng cannot even list its voices: its data is missing
        listing["kind"] = "missing"
    send(listing)
    forks = _Forks(reply.fileno())
    try:
        for line in sys.stdin:
            send(forks.speak(json.loads(line)))
    finally:
        forks.close()
    shutil.rmtree(folder, ignore_errors=True)


def read_voice_files() -> None:
    """Have libespeak-ng read its voice files here, once, for every fork to inherit.

    Selecting a voice by name makes espeak read the header of every voice file it has
    (322 here) unless it has a list already, and a fork would make that list again for
    each utterance: about a quarter of an utterance's CPU, mostly file system calls.
    Setting espeak's data path and listing the voices neither initialises espeak nor
    starts its thread, and leaves what it speaks byte for byte as it was.
    """
    from ctypes import c_char_p

    from pyttsx3.drivers import _espeak

    try:
        set_path = _espeak.dll.espeak_ng_InitializePath
    except AttributeError:  # an espeak without the espeak-ng API: forks list for themselves
        return
    set_path.argtypes, set_path.restype = [c_char_p], None
    set_path(None)
    _espeak.ListVoices(None)


class _Forks:
    """Speaks each request in a fresh fork, with the next fork made ready in advance.

    Making the pyttsx3 engine and loading the voice take ~10 ms, and they are the same
    for every utterance with the same settings, so the fork for the next request does
    them while the current one speaks. A request with other settings gets a new fork.
    """

    def __init__(self, private: int) -> None:
        self._private = private
        self._spare: _Fork | Spare | None = None

    def speak(self, request: dict[str, Any]) -> dict[str, Any]:
        settings = {key: request[key] for key in SETTINGS}
        fork, self._spare = self._spare, None
        if fork is None or fork.settings != settings:
            if fork is not None:
                fork.discard()
            fork = _one(settings, self._private)
        fork.ask(request)
        self._spare = _one(settings, self._private)
        return fork.answer(float(request.get("timeout", _Fork.SPEAK_TIMEOUT)))

    def close(self) -> None:
        if self._spare is not None:
            self._spare.discard()
            self._spare = None


def _one(settings: dict[str, Any] | None, private: int) -> _Fork | Spare:
    """What speaks one utterance: a fork of this process, or a spare where there is no
    fork (see pyttsx3_spares)."""
    return _Fork(settings, private) if hostos.can_fork() else Spare(settings, private)


def _fork() -> int:
    return hostos.fork()  # `_one` makes a spare where there is no fork


class _Fork:
    """A fork of the child that makes a pyttsx3 engine, answers one request and exits.

    The fork starts from the child's memory as it is and takes every change that espeak
    makes to its own state with it when it exits. `settings` are applied at once, the
    request (text and WAV path, or a voice listing) waits for `ask`.
    """

    LIST_TIMEOUT = 15.0
    SPEAK_TIMEOUT = 30.0

    def __init__(self, settings: dict[str, Any] | None, private: int) -> None:
        self.settings = settings
        request_in, self._request = os.pipe()
        self._answer, answer_out = os.pipe()
        self.pid = _fork()
        if self.pid == 0:
            status = 1
            try:
                for fd in (self._request, self._answer, private):
                    os.close(fd)  # above all, never write to the parent's reply pipe
                result = fork_main(settings, request_in)
                if result is not None:
                    with os.fdopen(answer_out, "w", encoding="utf-8") as out:
                        out.write(json.dumps(result))
                status = 0
            finally:
                os._exit(status)  # no atexit handlers: espeak_Terminate can hang
        os.close(request_in)
        os.close(answer_out)

    def ask(self, request: dict[str, Any]) -> None:
        # Closing our end at once keeps later forks from inheriting it.
        try:
            os.write(self._request, json.dumps(request).encode() + b"\n")
        except OSError:
            pass  # it died; `answer` says so
        finally:
            os.close(self._request)

    def answer(self, timeout: float) -> dict[str, Any]:
        try:
            data, complete = _read_until_eof(self._answer, timeout)
        finally:
            os.close(self._answer)
        if not complete:
            hostos.kill_tree(self.pid)
        _, status = os.waitpid(self.pid, 0)
        return synthesis_reply(data, complete, os.waitstatus_to_exitcode(status), timeout)

    def discard(self) -> None:
        hostos.kill_tree(self.pid)
        os.waitpid(self.pid, 0)
        for fd in (self._request, self._answer):
            with contextlib.suppress(OSError):
                os.close(fd)


def fork_main(settings: dict[str, Any] | None, request_in: int) -> dict[str, Any] | None:
    """The fork's work: the answer to its request, or None if none came."""
    try:
        speaker = _Speaker()
    except (ImportError, OSError, RuntimeError) as e:
        ready: dict[str, Any] = {"ok": False, "kind": "missing", "error": str(e)}
    except Exception as e:
        ready = {"ok": False, "kind": "failed", "error": f"{type(e).__name__}: {e}"}
    else:
        ready = speaker.configure(settings) if settings is not None else {"ok": True}
    with os.fdopen(request_in, "r", encoding="utf-8") as requests:
        line = requests.readline()
    if not line:
        return None  # not needed after all
    request = json.loads(line)
    if not ready["ok"]:
        return ready
    try:
        if request.get("list"):
            return {"ok": True, "voices": speaker.voices(), "variants": speaker.variants()}
        return speaker.speak(request)
    except Exception as e:
        return {"ok": False, "kind": "failed", "error": f"{type(e).__name__}: {e}"}


def _read_until_eof(fd: int, timeout: float) -> tuple[bytes, bool]:
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


class _Speaker:
    """A fresh pyttsx3 engine in a fork, driven so that none of its known races can bite."""

    IDLE_WAIT = 2.0
    FINISH_WAIT = 30.0

    def __init__(self) -> None:
        import pyttsx3
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver

        self._espeak = _espeak
        self._driver = EspeakDriver
        self._engine = pyttsx3.init("espeak")
        self._finished = threading.Event()
        self._completed: list[bool] = []
        self._errors: list[str] = []
        self._engine.connect("finished-utterance", self._on_finished)
        self._engine.connect("error", self._on_error)

    def _on_finished(self, completed: bool = True, **_: object) -> None:
        self._completed.append(completed)
        self._finished.set()

    def _on_error(self, exception: object = None, **_: object) -> None:
        self._errors.append(str(exception))

    def _wait_idle(self) -> bool:
        deadline = time.monotonic() + self.IDLE_WAIT
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.0005)
        return True

    def voices(self) -> list[list[Any]]:
        return [
            [v.id, v.name, list(v.languages or []), (v.gender or "").lower()]
            for v in self._engine.getProperty("voices")
        ]

    def variants(self) -> list[str]:
        # pyttsx3 lists no variants ("+f3"), and espeak ignores unknown ones silently.
        spec = self._espeak.VOICE()
        spec.languages = b"variant"
        found = self._espeak.ListVoices(spec)
        return [v.identifier.decode("utf-8").split("/", 1)[-1] for v in found]

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        # `engine.setProperty` would only queue these until `runAndWait`, whose stop
        # check then races with espeak applying them; the driver's own `setProperty`
        # passes them to espeak now, and `speak` waits until espeak has applied them.
        try:
            self._driver.setProperty("voice", settings["voice"])
        except ValueError as e:
            return {"ok": False, "kind": "voice", "error": str(e)}
        for name in ("rate", "volume", "pitch"):
            self._driver.setProperty(name, settings[name])
        return {"ok": True}

    def speak(self, req: dict[str, Any]) -> dict[str, Any]:
        if not self._wait_idle():
            return {"ok": False, "kind": "failed", "error": "espeak-ng stayed busy"}
        self._engine.save_to_file(req["text"], req["path"])
        self._engine.runAndWait()  # may return before the WAV is written (first loop)
        return self._outcome()

    def _outcome(self) -> dict[str, Any]:
        if not self._finished.wait(self.FINISH_WAIT):
            return {"ok": False, "kind": "failed", "error": "synthesis never finished"}
        if self._errors or False in self._completed:
            why = self._errors[0] if self._errors else "synthesis was cancelled"
            return {"ok": False, "kind": "failed", "error": why}
        return {"ok": True}


def synthesis_reply(data: bytes, complete: bool, code: int, timeout: float) -> dict[str, Any]:
    """What the process that spoke one utterance (a fork or a spare) answered: its JSON
    reply, or why there is none."""
    if not complete:
        return {"ok": False, "kind": "failed", "error": f"synthesis timed out after {timeout:g} s"}
    try:
        reply: dict[str, Any] = json.loads(data)
    except ValueError:
        return {"ok": False, "kind": "failed", "error": f"synthesis exited with code {code}"}
    return reply
