"""A fake speech engine whose clips have exactly known lengths.

Each word becomes a 120 ms tone burst, words are 40 ms apart, and the clip is padded
with 100 ms of silence on both sides, like a real engine's padding, so trimming is
exercised too. The clip's rate is 22050 Hz, as espeak-ng's is.
"""

from __future__ import annotations

import hashlib
import time
from typing import ClassVar

import numpy as np

from audioguide.model import Voice
from audioguide.speech.base import Clip, VoiceInfo

RATE = 22050
WORD = 0.12
GAP = 0.04
PAD = 0.10


def words(text: str) -> int:
    return max(1, len(text.split()))


def spoken_seconds(text: str) -> float:
    """The clip's length once the assembler trims the padding (margin 15 ms each side)."""
    n = words(text)
    return n * WORD + (n - 1) * GAP + 2 * 0.015


class FakeEngine:
    name = "fake"
    version = "1"
    mostly_waits = False

    def __init__(self) -> None:
        self.calls: list[str] = []

    def synthesize(self, text: str, voice: Voice) -> Clip:
        self.calls.append(text)
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        freq = 200 + seed % 300
        t = np.arange(int(WORD * RATE)) / RATE
        burst = 0.5 * np.sin(2 * np.pi * freq * t) * np.minimum(1, np.minimum(t, t[::-1]) / 0.002)
        gap = np.zeros(int(GAP * RATE))
        pad = np.zeros(int(PAD * RATE))
        parts = [pad]
        for i in range(words(text)):
            parts += [gap] if i else []
            parts.append(burst)
        parts.append(pad)
        pcm = np.round(np.concatenate(parts) * 32767).astype("<i2").tobytes()
        return Clip(pcm, RATE)

    def voices(self) -> list[VoiceInfo]:
        # A Spanish one too: a build checks every edition's voices against its engine.
        return [
            VoiceInfo("fake", "Fake", ("en",), "none"),
            VoiceInfo("fake-es", "Fake", ("es",), "none"),
        ]


def fake_factory(name: str, language: str) -> FakeEngine:
    """An engine factory that worker processes can import (a lambda cannot be pickled)."""
    return FakeEngine()


class WaitingFake(FakeEngine):
    """A fake that, like pyttsx3, spends an utterance mostly waiting."""

    mostly_waits = True
    made: ClassVar[list[WaitingFake]] = []  # the instances this process made

    def __init__(self) -> None:
        super().__init__()
        WaitingFake.made.append(self)

    def synthesize(self, text: str, voice: Voice) -> Clip:
        time.sleep(0.02)
        return super().synthesize(text, voice)


def waiting_factory(name: str, language: str) -> WaitingFake:
    return WaitingFake()


def loaded_here(module: str) -> tuple[int, bool]:
    """This process's id and whether `module` is loaded in it: what a worker inherited
    (module-level, so that a worker process can run it)."""
    import os
    import sys

    return os.getpid(), module in sys.modules
