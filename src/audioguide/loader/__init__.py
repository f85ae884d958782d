"""Load `guide.yaml` and its episodes into a checked `Guide`.

Every mistake is collected with its file, line and column, then raised together as one
`ScriptErrors`, so staff see all of them after one run (mkdocs does the same).

`reading` reads YAML safely (files checked before they are parsed, one parser per
load), `values` converts values key by key, `voices` checks engines and voice models
against the registry, `assembly` puts segments, episodes and the guide together.
"""

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
