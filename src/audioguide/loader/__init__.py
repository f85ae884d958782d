"""Load `guide.yaml` and its episodes into a checked `Guide`.

Every mistake is collected with its file, line and column, then raised together as one
`ScriptErrors`, so staff see all of them after one run (mkdocs does the same).

`reading` reads YAML safely (files checked before they are parsed, one parser per
load), `values` converts values key by key, `voices` checks engines and voice models
against the registry, `assembly` puts segments, episodes and the guide together.

The names load on first use (PEP 562): `guidecache` and `editions` are what a no-op
build reads, and importing them must not load the YAML parser with this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "DATE_RE": "audioguide.loader.values",
    "DURATION_RE": "audioguide.loader.values",
    "EMAIL_RE": "audioguide.loader.values",
    "EPISODE_KEYS": "audioguide.loader.values",
    "GUIDE_FILE": "audioguide.loader.reading",
    "GUIDE_KEYS": "audioguide.loader.values",
    "ID_RE": "audioguide.loader.values",
    "LANGUAGE_RE": "audioguide.loader.values",
    "MAX_DEPTH": "audioguide.loader.reading",
    "MAX_PAUSE_SECONDS": "audioguide.loader.values",
    "MAX_SCRIPT_BYTES": "audioguide.loader.reading",
    "MAX_VALUES": "audioguide.loader.reading",
    "RANGES": "audioguide.loader.values",
    "SCRIPT_EPISODES_DIR": "audioguide.loader.episode_files",
    "SEGMENT_KINDS": "audioguide.model",
    "Sources": "audioguide.loader.reading",
    "TEMPLATE_FIELDS": "audioguide.loader.values",
    "VoiceUse": "audioguide.loader.reading",
    "check_files": "audioguide.loader.reading",
    "guide_name": "audioguide.loader.reading",
    "load_guide": "audioguide.loader.assembly",
    "load_healthy": "audioguide.loader.assembly",
    "load_with_sources": "audioguide.loader.assembly",
    "parse_duration": "audioguide.loader.values",
}

__all__ = [
    "DATE_RE",
    "DURATION_RE",
    "EMAIL_RE",
    "EPISODE_KEYS",
    "GUIDE_FILE",
    "GUIDE_KEYS",
    "ID_RE",
    "LANGUAGE_RE",
    "MAX_DEPTH",
    "MAX_PAUSE_SECONDS",
    "MAX_SCRIPT_BYTES",
    "MAX_VALUES",
    "RANGES",
    "SCRIPT_EPISODES_DIR",
    "SEGMENT_KINDS",
    "TEMPLATE_FIELDS",
    "Sources",
    "VoiceUse",
    "check_files",
    "guide_name",
    "load_guide",
    "load_healthy",
    "load_with_sources",
    "parse_duration",
]

if TYPE_CHECKING:
    from audioguide.loader.assembly import load_guide, load_healthy, load_with_sources
    from audioguide.loader.episode_files import SCRIPT_EPISODES_DIR
    from audioguide.loader.reading import (
        GUIDE_FILE,
        MAX_DEPTH,
        MAX_SCRIPT_BYTES,
        MAX_VALUES,
        Sources,
        VoiceUse,
        check_files,
        guide_name,
    )
    from audioguide.loader.values import (
        DATE_RE,
        DURATION_RE,
        EMAIL_RE,
        EPISODE_KEYS,
        GUIDE_KEYS,
        ID_RE,
        LANGUAGE_RE,
        MAX_PAUSE_SECONDS,
        RANGES,
        TEMPLATE_FIELDS,
        parse_duration,
    )
    from audioguide.model import SEGMENT_KINDS


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'audioguide.loader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
