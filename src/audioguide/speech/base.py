"""The engine interface: text and voice settings in, one verified mono clip out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from audioguide.model import Voice


@dataclass(frozen=True)
class Clip:
    """Mono signed 16-bit little-endian PCM at `rate` Hz."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str


class Engine(Protocol):
    """A speech engine. `name` and `version` are part of every clip's cache key.

    `mostly_waits` is true when an utterance costs more waiting (on a child process, a
    polling loop) than computing: the build then speaks in its own process too, beside
    its workers, instead of leaving cores idle.
    """

    name: str
    version: str
    mostly_waits: bool

    def synthesize(self, text: str, voice: Voice) -> Clip: ...

    def voices(self) -> list[VoiceInfo]: ...


def package_version(dist: str) -> str:
    """An installed distribution's version, e.g. "2.99" for "pyttsx3".

    Read from the name of its `.dist-info` folder on `sys.path`: importing
    `importlib.metadata` alone costs ~40 ms, most of a no-op build's start-up budget.
    Raises PackageNotFoundError (a ModuleNotFoundError) when it is not installed.
    """
    import os
    import re
    import sys

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "_", name).lower()

    wanted = normal(dist)
    # os.scandir and plain strings: a no-op build reads this, and pathlib's glob over
    # the standard library's folder costs it tens of milliseconds.
    for folder in sys.path:
        with contextlib.suppress(OSError), os.scandir(folder or ".") as entries:
            for entry in entries:
                if entry.name.endswith(".dist-info"):
                    name, _, found = entry.name.removesuffix(".dist-info").rpartition("-")
                    if normal(name) == wanted:
                        return found
    from importlib.metadata import version  # editable or egg installs, and the error

    return version(dist)


# Makes an engine from (name, language): the registry's `create_engine`, or a test's fake.
EngineFactory = Callable[[str, str], Engine]
