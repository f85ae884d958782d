"""Which files in a guide's `episodes/` folder are scripts, and which only look like one.

A script is `*.yaml` or `*.yml` (any capitals). Staff save from Notepad or TextEdit, which
add `.txt` (`02-safe-crib.yaml.txt`) or save plain `.txt`; such a file would be skipped
without a word and its episode would vanish from the next build, so each is named in a
warning with the name to give it. Editors' own leftovers (`x.yaml~`, `.#x.yaml`,
`x.swp`, hidden files) are passed over quietly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from audioguide.errors import Location

SCRIPT_EPISODES_DIR = "episodes"  # in a guide folder: the episode scripts
SCRIPT_SUFFIXES = (".yaml", ".yml")
# What a word processor or a plain-text editor saves a script as by mistake.
TEXT_SUFFIXES = (".txt", ".text", ".rtf", ".doc", ".docx", ".odt", ".pages", ".md", ".json")
EDITOR_LEFTOVERS = ("~", ".swp", ".swo", ".swx", ".bak", ".orig", ".tmp", "#")


def is_script(path: Path) -> bool:
    return path.suffix.lower() in SCRIPT_SUFFIXES and not path.name.startswith(".")


def scripts_under(root: Path) -> list[Path]:
    """Every file under `root` named like a script, hidden ones too (the loader
    refuses a pipe or a huge file among them before anything reads it)."""
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in SCRIPT_SUFFIXES)


# `audioguide import` writes a document's new text beside an episode edited by hand as
# `NN-id.yaml.imported`: staff were told where it is, it is not a forgotten script.
IMPORTED_SUFFIX = ".imported"


def _leftover(name: str) -> bool:
    lower = name.lower()
    return name.startswith((".", "#", "~$")) or lower.endswith((*EDITOR_LEFTOVERS, IMPORTED_SUFFIX))


def episode_files(root: Path) -> list[Path]:
    """The episode scripts of the guide in `root`, in file-name order."""
    folder = root / SCRIPT_EPISODES_DIR
    try:
        found = [p for p in folder.iterdir() if is_script(p)]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name)


def fixed_name(name: str) -> str:
    """The name a mistaken script file should have: `x.yaml.txt` -> `x.yaml`."""
    lower = name.lower()
    for suffix in SCRIPT_SUFFIXES:
        at = lower.rfind(suffix)
        if at > 0:
            return name[: at + len(suffix)]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem + ".yaml"


def _looks_like_script(path: Path) -> bool:
    name = path.name
    if is_script(path) or _leftover(name) or not path.is_file():
        return False
    lower = name.lower()
    return any(s in lower for s in SCRIPT_SUFFIXES) or path.suffix.lower() in (*TEXT_SUFFIXES, "")


def strays(root: Path) -> Iterator[tuple[Location, str, str]]:
    """(where, message, hint) for each file in `episodes/` that looks like a script
    but will not be read."""
    folder = root / SCRIPT_EPISODES_DIR
    try:
        names = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for path in names:
        if _looks_like_script(path):
            yield (
                Location(_shown(path), 1, 1),
                f"'{path.name}' is not read: episode scripts end in .yaml",
                f"rename it to {fixed_name(path.name)}",
            )


def _shown(path: Path) -> str:
    from audioguide.build.places import display_path

    return display_path(path)
