"""Content-addressed clip cache: one WAV per utterance key, checked on every read."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import wave
from dataclasses import asdict
from pathlib import Path

from audioguide.model import Voice
from audioguide.speech.base import Clip
from audioguide.speech.models import model_sha256
from audioguide.system.fsutil import atomic_write

# Bump when the stored format or what a key covers changes, so old entries are ignored.
CACHE_FORMAT = "clip-v1:s16le-mono-wav"


def clip_key(engine: str, engine_version: str, voice: Voice, spoken: str) -> str:
    """The content key: everything that can change the audio of one utterance.

    A voice model counts by its content, not its path: the loader stores the model as an
    absolute path, and keys must not change when the guide folder moves or is copied.
    """
    fields = asdict(voice)
    if fields["driver"] == "espeak":
        del fields["driver"]  # the default: keys made before drivers existed stay valid
    if voice.model:
        fields["model"] = "sha256:" + model_sha256(voice.model)
    payload = {
        "format": CACHE_FORMAT,
        "engine": engine,
        "engine_version": engine_version,
        "voice": fields,
        "text": spoken,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def wav_bytes(clip: Clip) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(clip.rate)
        w.writeframes(clip.pcm)
    return buf.getvalue()


def decode_wav(data: bytes) -> Clip:
    with wave.open(io.BytesIO(data), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise wave.Error("not mono 16-bit")
        frames = w.readframes(w.getnframes())
        if len(frames) != w.getnframes() * 2:
            raise wave.Error("truncated")
        return Clip(frames, w.getframerate())


class ClipCache:
    """Clips under `root/ab/<key>.wav`, with the WAV's sha256 recorded beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.wav", folder / f"{key}.json"

    def wav_path(self, key: str) -> Path:
        """Where the clip of `key` is kept (a mono 16-bit WAV), whether or not it is."""
        return self._paths(key)[0]

    def get(self, key: str) -> Clip | None:
        """The clip, or None when absent or damaged (a damaged entry is removed)."""
        wav_path, meta_path = self._paths(key)
        try:
            data = wav_path.read_bytes()
            meta = json.loads(meta_path.read_text("utf-8"))
            if meta.get("sha256") != hashlib.sha256(data).hexdigest():
                raise ValueError("hash differs")
            clip = decode_wav(data)
            if clip.seconds <= 0:
                raise ValueError("empty clip")
            return clip
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError, wave.Error, json.JSONDecodeError):
            for path in (wav_path, meta_path):
                with contextlib.suppress(OSError):
                    path.unlink()
            return None

    def put(self, key: str, clip: Clip) -> None:
        wav_path, meta_path = self._paths(key)
        data = wav_bytes(clip)
        atomic_write(wav_path, data)
        # The hash goes last: an entry whose record is missing is treated as absent.
        meta = {"sha256": hashlib.sha256(data).hexdigest(), "rate": clip.rate}
        atomic_write(meta_path, json.dumps(meta, sort_keys=True).encode("utf-8"))

    def __contains__(self, key: str) -> bool:
        return all(p.exists() for p in self._paths(key))
