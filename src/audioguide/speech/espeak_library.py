"""Which libespeak-ng pyttsx3 loads: the system's if it has one, else the one the
`espeakng-loader` wheel ships (the library and its voice data), so that `pip install`
alone gives a speaking build on Windows, macOS, or a Linux without root.

pyttsx3's espeak driver loads the library when its module is imported, trying a fixed
list of system paths. So the driver is imported here: first as it is; where that finds
no library, again with the wheel's library put in place of every path it tries, and the
wheel's data named in `ESPEAK_DATA_PATH` (which this process's children inherit: the
forks and spares that speak). A different library is a different espeak-ng version,
which the clip key already holds (`read_version`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
from collections.abc import Iterator
from types import ModuleType

from audioguide.errors import ToolMissingError
from audioguide.speech.base import package_version
from audioguide.speech.registry import PYTTSX3

DATA_ENV = "ESPEAK_DATA_PATH"


def driver() -> ModuleType:
    """pyttsx3's low-level espeak module (`pyttsx3.drivers._espeak`), library loaded;
    ImportError, OSError or RuntimeError when there is no usable libespeak-ng at all."""
    try:
        from pyttsx3.drivers import _espeak
    except (OSError, RuntimeError) as system_error:
        wheel = _wheel()
        if wheel is None:
            raise system_error from None
        library, data = wheel
        os.environ[DATA_ENV] = data
        sys.modules.pop("pyttsx3.drivers._espeak", None)  # a failed import leaves nothing
        with _only(library):
            from pyttsx3.drivers import _espeak
    module: ModuleType = _espeak
    return module


def missing(detail: str) -> ToolMissingError:
    return ToolMissingError(
        "the pyttsx3 speech engine needs espeak-ng, which is not installed or not usable"
        f" ({detail.strip() or 'libespeak-ng could not be loaded'}); install it with:"
        f" {PYTTSX3.install_hint}"
    )


# Here, not with the engine: a no-op build reads the version for its stamp, and the
# engine's module (its child processes, WAV checks) is more than that needs.
@functools.cache  # the same in every engine of a process; reading it loads the library
def read_version() -> str:
    """pyttsx3 and espeak-ng versions, read without starting a synthesizer."""
    try:
        _espeak = driver()
    except (ImportError, OSError, RuntimeError) as e:
        raise missing(str(e)) from e
    raw = _espeak.Info(None) or b"unknown"
    espeak = raw.decode("utf-8", "replace").split()[0]
    return f"pyttsx3-{package_version('pyttsx3')}/espeak-ng-{espeak}"


def _wheel() -> tuple[str, str] | None:
    try:
        import espeakng_loader
    except ImportError:
        return None
    try:
        return str(espeakng_loader.get_library_path()), str(espeakng_loader.get_data_path())
    except RuntimeError:  # no data in this wheel
        return None


@contextlib.contextmanager
def _only(library: str) -> Iterator[None]:
    """While inside, ctypes loads `library` whatever path it is asked for."""
    loader = ctypes.cdll
    original = loader.LoadLibrary

    def load(_path: str) -> ctypes.CDLL:
        return original(library)

    loader.LoadLibrary = load  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        loader.LoadLibrary = original  # type: ignore[method-assign]
