"""audioguide: turn short YAML scripts into a podcast-style audio guide, offline.

The library, as the command line, `watch`, the studio and the benchmarks use it:

    from pathlib import Path
    import audioguide

    options = audioguide.BuildOptions(Path("scripts"), Path("output"), Path(".audioguide-cache"))
    for checked in audioguide.check_guide(options):  # never raises for a script mistake
        print(*(d.line() for d in checked.diagnostics), sep="\\n")
    reports = audioguide.build_guide(options)
    wav = audioguide.preview(options, "welcome", chapter="Before we begin")

The names load on first use (PEP 562), so `import audioguide` stays as light as
`audioguide --version` needs: the parser, the engines and the audio stack load only
when a build reaches them. (`build_guide` is `build.session.build`: `audioguide.build`
is the package of the build's stages.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it (and its name there, if another).
_RENAMED = {"build_guide": "build"}
_API = {
    "BuildOptions": "audioguide.build.session",
    "Checked": "audioguide.build.session",
    "build_guide": "audioguide.build.session",
    "check_guide": "audioguide.build.session",
    "default_jobs": "audioguide.build.session",
    "preview": "audioguide.build.session",
    "speak": "audioguide.build.session",
    "BuildReport": "audioguide.build.report",
    "EpisodeResult": "audioguide.build.report",
    "Edition": "audioguide.loader.editions",
    "editions": "audioguide.loader.editions",
    "load_guide": "audioguide.loader",
    "Guide": "audioguide.model",
    "AudioguideError": "audioguide.errors",
    "Failure": "audioguide.errors",
    "Location": "audioguide.errors",
    "ScriptError": "audioguide.errors",
    "ScriptErrors": "audioguide.errors",
    "failure_of": "audioguide.errors",
}

__all__ = [
    "AudioguideError",
    "BuildOptions",
    "BuildReport",
    "Checked",
    "Edition",
    "EpisodeResult",
    "Failure",
    "Guide",
    "Location",
    "ScriptError",
    "ScriptErrors",
    "__version__",
    "build_guide",
    "check_guide",
    "default_jobs",
    "editions",
    "failure_of",
    "load_guide",
    "preview",
    "speak",
]

if TYPE_CHECKING:
    from audioguide.build.report import BuildReport, EpisodeResult
    from audioguide.build.session import (
        BuildOptions,
        Checked,
        check_guide,
        default_jobs,
        preview,
        speak,
    )
    from audioguide.build.session import build as build_guide
    from audioguide.errors import (
        AudioguideError,
        Failure,
        Location,
        ScriptError,
        ScriptErrors,
        failure_of,
    )
    from audioguide.loader import load_guide
    from audioguide.loader.editions import Edition, editions
    from audioguide.model import Guide


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'audioguide' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value  # once: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
