"""Engines by name, as scripts write them in `voice: engine:`."""

from __future__ import annotations

from collections.abc import Callable

from audioguide.engines.base import Engine
from audioguide.errors import EngineError


def _pyttsx3(language: str) -> Engine:
    # Imported here so that loading the registry does not load any speech engine.
    from audioguide.engines.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(language)


def _piper(language: str) -> Engine:
    # Piper is an optional extra (GPL-3.0-or-later): imported only when a guide asks for it.
    from audioguide.engines.piper_engine import PiperEngine

    return PiperEngine(language)


ENGINES: dict[str, Callable[[str], Engine]] = {"pyttsx3": _pyttsx3, "piper": _piper}


def create_engine(name: str, language: str) -> Engine:
    """A new engine `name` that picks its default voice for `language` (e.g. "en-US")."""
    try:
        factory = ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(ENGINES))
        raise EngineError(f"unknown engine {name!r} (known: {known})") from None
    return factory(language)
