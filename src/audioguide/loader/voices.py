"""Voices as scripts write them: the engine's name checked against the registry, and
the model file of an engine that needs one (`engines.registry.EngineInfo`)."""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path

from audioguide.errors import short
from audioguide.loader.reading import VoiceUse, guide_name
from audioguide.loader.values import MapReader, options_of
from audioguide.model import PYTTSX3_DRIVERS, Voice
from audioguide.speech.registry import ENGINES, EngineInfo, info


def voice_of(root: Path, section: MapReader | None, base: Voice) -> Voice:
    """`options_of` for a voice, then its model checked where the YAML sets engine or model."""
    voice = options_of(Voice, section, base, "voice")
    if section is None:
        return voice
    _engine_name(section, voice)
    _driver(section, voice)
    if not ({"engine", "model"} & set(section.data)):
        return voice  # inherited as it is: checked where it was set
    return _voice_model(root, section, voice)


def _engine_name(m: MapReader, voice: Voice) -> None:
    """An unknown engine would fail only when the build first speaks (exit 1, no line):
    catch it here. Where a voice name is set, record it for the voice checks."""
    if "engine" in m.data and voice.engine not in ENGINES:
        close = difflib.get_close_matches(voice.engine, list(ENGINES), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(sorted(ENGINES))
        m.errors.fail(m.value_loc("engine"), f"unknown engine '{short(voice.engine)}'", hint)
    # The voices of a system's own driver (SAPI5, NSSpeech) are that system's to check.
    if "name" in m.data and voice.driver == "espeak":
        use = VoiceUse(voice.engine, voice.name, m.value_loc("name"))
        m.errors.voices.append(use)


def _driver(m: MapReader, voice: Voice) -> None:
    if "driver" in m.data and voice.driver not in PYTTSX3_DRIVERS:
        known = ", ".join(PYTTSX3_DRIVERS)
        m.errors.fail(m.value_loc("driver"), f"unknown driver '{short(voice.driver)}'", known)


def _first_model_engine() -> EngineInfo:
    return next(e for e in ENGINES.values() if e.needs_model)


def _model_path(root: Path, m: MapReader, raw: str, engine: EngineInfo) -> Path | None:
    """The model file `raw` names, as an absolute path inside the guide, with what it
    needs beside it; None (and an error) if it is not there."""
    where = m.value_loc("model")
    path = Path(os.path.abspath(root / raw))
    if not path.is_relative_to(os.path.abspath(root)):
        m.errors.fail(
            where,
            f"voice model '{raw}' is outside the guide folder",
            "put it in the guide, e.g. in voices/ (a symlink there will do)",
        )
        return None
    if not path.is_file():
        m.errors.fail(
            where,
            f"voice model '{raw}' not found",
            f"looked in the guide folder {guide_name(root)}; {engine.models_hint}",
        )
        return None
    config = engine.model_config(path) if engine.model_config else None
    if config is not None and not config.is_file():
        m.errors.fail(
            where, f"voice model '{raw}' has no {config.name} beside it", engine.model_config_hint
        )
        return None
    return path


def _voice_model(root: Path, m: MapReader, voice: Voice) -> Voice:
    """Resolve `model` to an absolute path and check what an engine that needs one needs.

    Engines do not know the guide folder, so the model is stored as an absolute path; clip
    keys hash the file instead (`cache.clip_key`), so they do not depend on the folder.
    The path must lie inside the guide as written; a symlink there may point elsewhere
    (voice models are tens of megabytes, worth sharing between guides).
    """
    engine = info(voice.engine)
    needs_model = engine is not None and engine.needs_model
    if not needs_model and not ("model" in m.data and voice.model):
        return voice  # nothing to check
    if "model" in m.data and voice.model:
        # A model on another engine's voice is checked as the first engine that reads one.
        reads = (
            engine if engine and needs_model else next(e for e in ENGINES.values() if e.needs_model)
        )
        checked = _model_path(root, m, voice.model, reads)
        if checked is None:
            return voice
        voice = dataclasses.replace(voice, model=str(checked))
    if engine is None or not needs_model:
        return voice
    where = m.value_loc("engine") if "engine" in m.data else m.value_loc("model")
    if not voice.model:
        m.errors.fail(
            where,
            f"the {engine.name} engine needs a voice model",
            f"add model: voices/NAME.onnx to this voice; {engine.models_hint}",
        )
    reason = engine.missing()
    message = f"the {engine.name} engine is not installed ({reason})"
    # Once per load: every voice that names the engine would repeat it.
    if reason and not any(e.message == message for e in m.errors.items):
        m.errors.fail(where, message, f"install it with: {engine.install_hint}")
    return voice
