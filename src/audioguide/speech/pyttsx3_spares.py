"""Speech without fork: each utterance in a fresh interpreter started ahead of need.

Where the system has no `os.fork` (Windows), or `AUDIOGUIDE_NO_FORK=1` asks for this
path, the pyttsx3 child cannot fork a copy of itself per utterance. A spare stands in
for the fork: a new Python process that loads pyttsx3 and libespeak-ng, has espeak read
its voice files exactly as the child does before it forks, applies the voice settings
and waits for one request. So each utterance again starts from a freshly loaded espeak
in the same state, and its bytes are those of the forked path. A spare takes a few
tenths of a second to start; `_Forks` starts the next one while the current one speaks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from audioguide.system import hostos


class Spare:
    """A fresh interpreter that answers one request and exits (the fork's interface)."""

    def __init__(self, settings: dict[str, Any] | None, private: int = -1) -> None:
        self.settings = settings
        src = str(Path(__file__).resolve().parents[2])
        code = (
            f"import sys; sys.path.insert(0, {src!r}); "
            "from audioguide.speech.pyttsx3_spares import main; "
            f"main({json.dumps(settings)!r})"
        )
        # stderr is inherited: the child's own, its log file.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def ask(self, request: dict[str, Any]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            stdin.flush()  # `communicate` closes it (and cannot flush a closed one)
        except OSError:
            pass  # it died; `answer` says so

    def answer(self, timeout: float) -> dict[str, Any]:
        from audioguide.speech.pyttsx3_child import synthesis_reply

        try:
            data, _ = self._proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.discard()
            return synthesis_reply(b"", False, -1, timeout)
        return synthesis_reply(data, True, self._proc.returncode, timeout)

    def discard(self) -> None:
        hostos.kill_tree(self._proc.pid)
        self._proc.communicate()


def main(settings_json: str) -> None:
    """A spare's life: load espeak as the child does, then what a fork of it does."""
    from audioguide.speech import espeak_library, pyttsx3_child

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pyttsx3's prints (and any C-level output) vanish here
    result: dict[str, Any] | None
    try:
        espeak_library.driver()  # the system's libespeak-ng, else the wheel's
        import pyttsx3.drivers.espeak  # noqa: F401
    except (ImportError, OSError, RuntimeError) as e:
        result = {"ok": False, "kind": "missing", "error": str(e)}
    else:
        pyttsx3_child.read_voice_files()
        result = pyttsx3_child.fork_main(json.loads(settings_json), os.dup(0))
    if result is not None:
        reply.write(json.dumps(result))
        reply.flush()
    os._exit(0)  # no atexit handlers: espeak_Terminate can hang
