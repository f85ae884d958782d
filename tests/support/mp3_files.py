"""Whole-buffer MP3 writing for tests: a build feeds `EpisodeMp3` piece by piece as it
masters; tests that have the whole PCM at hand write it in one call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audioguide.export.mp3 import EpisodeMp3, Mp3Encoder, Samples, Tags, byte_view


def write_episode_mp3(
    pcm: bytes | Samples,
    rate: int,
    tags: Tags,
    dest: Path,
    pauses: Sequence[tuple[int, int]] = (),
) -> None:
    """Encode mono int16 PCM to `dest` as a tagged MP3, atomically, as a build does."""
    data = byte_view(pcm)
    with EpisodeMp3(dest, rate, tags, data.nbytes // 2, pauses) as writer:
        writer.feed(data)


def encode_mp3(pcm: bytes | Samples, rate: int, dest: Path, bitrate: str = "64k") -> None:
    """Encode mono int16 little-endian PCM at `rate` Hz to an untagged MP3 at `dest`."""
    data = byte_view(pcm)
    if data.nbytes == 0 or data.nbytes % 2:
        raise ValueError(f"need a whole number of 16-bit samples, got {data.nbytes} bytes")
    encoder = Mp3Encoder(rate, dest, bitrate)
    encoder.feed(data)
    encoder.finish()
