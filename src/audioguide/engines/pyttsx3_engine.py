"""pyttsx3 (espeak-ng driver) behind the `Engine` protocol, made reliable and repeatable.

pyttsx3 2.99's espeak driver on Linux is fragile in ways measured on espeak-ng 1.51:

* The first `runAndWait` of a process returns ~10 ms after starting synthesis, so a
  long utterance's WAV appears only some 20 ms later ("no file").
* `setProperty` only queues the change until a run loop starts; `runAndWait` then hands it
  to espeak's asynchronous command queue and, finding that queue busy, calls
  `espeak_Cancel`, which cuts off the utterance (empty or truncated WAV, yet reported as
  completed; ~half the calls that changed a setting in a long-lived process).
* A watchdog thread calling `engine.stop()` left the run loop stuck inside
  `espeak_Cancel` (C code) for good, so an in-process watchdog cannot regain control;
  killing the process can.
* Only the last queued `save_to_file` is written, it prints "Audio saved to ..." with
  `print`, and the WAV rate is whatever the driver hard-codes (22050 Hz).

And libespeak-ng itself is not repeatable within a process: an utterance's samples
depend on everything the process synthesized before. Same text, same settings, other
history: different bytes, and lengths that differ by tens to hundreds of samples. The
sequence is the same in every run and identical in espeak's synchronous and retrieval
modes, and pyttsx3's driver writes exactly the samples espeak hands its callback (checked
chunk by chunk), so it is library state, not a race. The main part is the pitch "flutter"
of wavegen.c: a `static int Flutter_ix` inside `AdvanceParameters`, stepped every 64
samples and never reset; the first differing sample is number 64, and a voice variant
with `flutter 0` makes the lengths repeat. What is left still depends on the previous
utterances (e.g. "It is short." is 264 samples longer after "Welcome to the first
episode."). Nothing in the API resets this: setting voice, rate, volume, pitch, range,
punctuation, capitals, word gap and intonation before every utterance (calling
`espeak_SetVoiceByName` again too), `srand`, waiting for idle, and `espeak_Terminate` +
`espeak_Initialize` (0.8 ms; it deadlocks in synchronous mode) all leave the output
exactly as it was.

So every utterance starts from the state of a freshly loaded library, the one state
that is the same in every process. A long-lived child process (started on first use)
imports pyttsx3, which loads libespeak-ng but neither initialises it nor starts a
thread, so it can fork safely; it forks once per utterance. The fork makes the pyttsx3
engine, sets the voice through the driver (at once, not via the run loop's queue),
waits for espeak to be idle so that the run loop finds nothing to cancel, synthesizes
one utterance with `save_to_file` and `runAndWait`, waits for "finished-utterance" and
exits, taking its espeak state with it. A fresh engine and voice cost a few ms of CPU,
so the fork for the next utterance is made, with the same settings, while the current
one speaks; other settings get a new fork. The child reads espeak's voice list before
it forks (`_read_voice_files`), which every fork would otherwise read again. Measured
over 100 sentences: ~14 ms per call (the driver's run loop polls every 10 ms), and
10-12 ms of CPU, against ~3 ms of CPU per sentence when one espeak-ng speaks them all;
half of it is the kernel copying and tearing down the fork's ~300 memory mappings
(libespeak-ng brings its audio libraries). pyttsx3's ctypes binding in synchronous
mode would cost less but would replace the driver's callback and WAV writing, and the
driver was never the cause.

The child's fd 1 points at /dev/null, which silences the chatter without touching the
parent's `sys.stdout`. The child limits each fork's time; the parent times each request
out as well, kills a stuck child together with its forks (they share a process group)
and restarts it, checks every WAV (`check_wav`) and retries with a fresh file name.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from audioguide.engines.base import Clip, VoiceInfo, package_version
from audioguide.engines.clips import WORD as _WORD
from audioguide.engines.clips import check_wav, short
from audioguide.engines.registry import PYTTSX3
from audioguide.errors import EngineError, ToolMissingError
from audioguide.model import Voice
from audioguide.stopping import private_folder

INSTALL_HINT = PYTTSX3.install_hint

# --- the child process -----------------------------------------------------------

SETTINGS = ("voice", "rate", "volume", "pitch")


def _serve(folder: str) -> None:
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
        import pyttsx3.drivers.espeak  # noqa: F401
    except (ImportError, OSError, RuntimeError) as e:
        send({"ok": False, "kind": "missing", "error": str(e)})
        return
    _read_voice_files()
    lister = _Fork(None, reply.fileno())
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


def _read_voice_files() -> None:
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
        self._spare: _Fork | None = None

    def speak(self, request: dict[str, Any]) -> dict[str, Any]:
        settings = {key: request[key] for key in SETTINGS}
        fork, self._spare = self._spare, None
        if fork is None or fork.settings != settings:
            if fork is not None:
                fork.discard()
            fork = _Fork(settings, self._private)
        fork.ask(request)
        self._spare = _Fork(settings, self._private)
        return fork.answer(float(request.get("timeout", _Fork.SPEAK_TIMEOUT)))

    def close(self) -> None:
        if self._spare is not None:
            self._spare.discard()
            self._spare = None


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
        self.pid = os.fork()
        if self.pid == 0:
            status = 1
            try:
                for fd in (self._request, self._answer, private):
                    os.close(fd)  # above all, never write to the parent's reply pipe
                result = _fork_main(settings, request_in)
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
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        if not complete:
            return {
                "ok": False,
                "kind": "failed",
                "error": f"synthesis timed out after {timeout:g} s",
            }
        try:
            reply: dict[str, Any] = json.loads(data)
        except ValueError:
            code = os.waitstatus_to_exitcode(status)
            return {"ok": False, "kind": "failed", "error": f"synthesis exited with code {code}"}
        return reply

    def discard(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        for fd in (self._request, self._answer):
            with contextlib.suppress(OSError):
                os.close(fd)


def _fork_main(settings: dict[str, Any] | None, request_in: int) -> dict[str, Any] | None:
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
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._buf = b""
        self.voices: list[VoiceInfo] = []
        self.variants: list[str] = []

    def _command(self) -> list[str]:
        src = str(Path(__file__).resolve().parents[2])
        code = (
            f"import sys; sys.path.insert(0, {src!r}); "
            f"from audioguide.engines.pyttsx3_engine import _serve; _serve({str(self.folder)!r})"
        )
        return [sys.executable, "-c", code]

    def _adopt(self) -> None:
        # A forked copy (e.g. a pool worker) must neither use nor tear down what its
        # parent started: it starts its own child in its own folder.
        if self._owner != os.getpid():
            self._proc, self.folder, self._buf = None, None, b""
            self._owner = os.getpid()

    def ensure(self) -> None:
        self._adopt()
        if self._proc is not None:
            return
        self._buf = b""
        if self.folder is None:
            self.folder = private_folder()  # named for its owner: see stopping.py
        with open(self._log, "ab") as log:
            # Its own process group, so that `kill` takes its forks along.
            self._proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
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
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Failed(f"timed out after {timeout:g} s", restart=True)
            if select.select([fd], [], [], left)[0]:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise _Failed(self._death(), restart=True)
                self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
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
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
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
        if proc.returncode is None:  # not reaped yet, so its group id is still its own
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)  # the child and any fork of it
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _missing(detail: str) -> ToolMissingError:
    return ToolMissingError(
        "the pyttsx3 speech engine needs espeak-ng, which is not installed or not usable"
        f" ({detail.strip() or 'libespeak-ng could not be loaded'}); on Debian/Ubuntu"
        f" install it with: {INSTALL_HINT}"
    )


@functools.cache  # the same in every engine of a process; reading it loads the library
def read_version() -> str:
    """pyttsx3 and espeak-ng versions, read without starting a synthesizer."""
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, OSError, RuntimeError) as e:
        raise _missing(str(e)) from e
    raw = _espeak.Info(None) or b"unknown"
    espeak = raw.decode("utf-8", "replace").split()[0]
    return f"pyttsx3-{package_version('pyttsx3')}/espeak-ng-{espeak}"


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

    def synthesize(self, text: str, voice: Voice) -> Clip:
        if not _WORD.search(text):
            raise EngineError(f"nothing to speak in {short(text)!r}")
        with self._lock:
            self._ensure()
            voice_id = self._voice_id(voice)
            return self._retry(text, voice, voice_id)

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
