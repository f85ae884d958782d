"""Engines by name, as scripts write them in `voice: engine:`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from audioguide.engines.base import Engine
from audioguide.errors import EngineError

T = TypeVar("T")


def _pyttsx3(language: str) -> Engine:
    # Imported here so that loading the registry does not load any speech engine.
    from audioguide.engines.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(language)


def _piper(language: str) -> Engine:
    # Piper is an optional extra (GPL-3.0-or-later): imported only when a guide asks for it.
    from audioguide.engines.piper_engine import PiperEngine

    return PiperEngine(language)


def _pyttsx3_version() -> str:
    from audioguide.engines.pyttsx3_engine import read_version

    return read_version()


def _piper_version() -> str:
    from audioguide.engines.piper_engine import read_version

    return read_version()


ENGINES: dict[str, Callable[[str], Engine]] = {"pyttsx3": _pyttsx3, "piper": _piper}
VERSIONS: dict[str, Callable[[], str]] = {"pyttsx3": _pyttsx3_version, "piper": _piper_version}


def _lookup(table: dict[str, T], name: str) -> T:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table))
        raise EngineError(f"unknown engine {name!r} (known: {known})") from None


def create_engine(name: str, language: str) -> Engine:
    """A new engine `name` that picks its default voice for `language` (e.g. "en-US")."""
    return _lookup(ENGINES, name)(language)


def engine_version(name: str) -> str:
    """The version engine `name` reports (part of every clip key), without starting it."""
    return _lookup(VERSIONS, name)()
