"""The engine interface: text and voice settings in, one verified mono clip out."""

from __future__ import annotations

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
    """A speech engine. `name` and `version` are part of every clip's cache key."""

    name: str
    version: str

    def synthesize(self, text: str, voice: Voice) -> Clip: ...

    def voices(self) -> list[VoiceInfo]: ...
