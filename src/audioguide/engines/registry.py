"""Engines by name, as scripts write them in `voice: engine:`."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from audioguide.engines.base import Engine
from audioguide.errors import AudioguideError, EngineError

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


_shared: dict[tuple[str, str], Engine] = {}
_shared_lock = threading.Lock()


def _forget_in_child() -> None:
    # A forked worker must not use its parent's engines: another thread may have held
    # their locks (or this one) at the moment of the fork, and would never release them.
    global _shared_lock
    _shared.clear()
    _shared_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def shared_engine(name: str, language: str) -> Engine:
    """One engine per name and language in this process, made on first use: what a
    build uses, so an engine started early (`prestart`) is the one that speaks."""
    with _shared_lock:
        if (name, language) not in _shared:
            _shared[name, language] = create_engine(name, language)
        return _shared[name, language]


def prestart(engines: Iterable[tuple[str, str]]) -> threading.Thread:
    """Start these pyttsx3 engines in a background thread (each launches its speech
    process, ~0.3 s), so a build that needs them finds them ready. Failures are left
    for the build to meet and report."""

    def start() -> None:
        for name, language in engines:
            with contextlib.suppress(AudioguideError):
                shared_engine(name, language).voices()

    thread = threading.Thread(target=start, name="prestart-engines", daemon=True)
    thread.start()
    return thread
