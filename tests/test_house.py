"""The house rules the code itself can be held to: rooms small enough to read in one
sitting, engines behind the registry, one conductor, a thin command line."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "audioguide"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
ENGINE_MODULES = {
    "pyttsx3_engine",
    "pyttsx3_child",
    "pyttsx3_spares",
    "espeak_library",
    "piper_engine",
}
AUDIO_STAGES = {
    "audio.assemble",
    "audio.master",
    "audio.dsp",
    "export.mp3",
    "export.splice",
    "export.transcript",
    "build.stages",
}


def modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text("utf-8"))) for p in sorted(SRC.rglob("*.py"))]


def imported(tree: ast.Module) -> set[str]:
    """Every audioguide module a module imports, anywhere in it (functions too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.startswith("audioguide")}


def test_no_module_over_600_lines() -> None:
    long = {
        p.relative_to(SRC).as_posix(): n
        for p, _ in modules()
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines() -> None:
    long = [
        f"{p.relative_to(SRC).as_posix()}:{node.lineno} {node.name} ({n} lines)"
        for p, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (n := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_nothing_outside_engines_imports_a_specific_engine() -> None:
    leaks = [
        f"{p.relative_to(SRC).as_posix()} imports {name}"
        for p, tree in modules()
        if p.parent.name != "speech"
        for name in imported(tree)
        if any(f"speech.{engine}" in name for engine in ENGINE_MODULES)
    ]
    assert leaks == []


def test_the_command_line_imports_no_audio_stage() -> None:
    stages = {f"audioguide.{stage}" for stage in AUDIO_STAGES}
    found = {
        f"{p.name} imports {name}"
        for p in sorted((SRC / "cli").glob("*.py"))
        for name in imported(ast.parse(p.read_text("utf-8"))) & stages
    }
    assert sorted(found) == []


def test_only_build_renders_or_masters() -> None:
    """One module runs the stages: plans an episode and renders or masters it."""
    runners = {
        p.relative_to(SRC).as_posix()
        for p, tree in modules()
        if imported(tree) & {"audioguide.audio.assemble.render", "audioguide.audio.master.master"}
    }
    assert runners == {"build/stages.py"}


# --- the layout: a newcomer finds their room from the tree -----------------------------

MAX_ROOT_MODULES = 5  # a handful: __init__, __main__, and the few every stage shares
PLATFORM_MODULE = "system/hostos.py"


def test_a_handful_of_modules_at_the_package_root() -> None:
    """Everything else lives in the package of its stage (loader/, plan/, build/...)."""
    root = sorted(p.name for p in SRC.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


def test_every_package_says_what_lives_there() -> None:
    missing = [
        p.parent.relative_to(SRC).as_posix() or "audioguide"
        for p, tree in modules()
        if p.name == "__init__.py" and not (ast.get_docstring(tree) or "").strip()
    ]
    assert missing == []


def test_no_module_imports_another_modules_private_name() -> None:
    """A leading underscore means "this module only": a name others need is public."""
    private = [
        f"{p.relative_to(SRC).as_posix()} imports {node.module}.{a.name}"
        for p, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("audioguide")
        for a in node.names
        if a.name.startswith("_") and not a.name.startswith("__")
    ]
    assert private == []


def test_exceptions_become_messages_in_one_place() -> None:
    """`errors.failure_of` is the one mapping; no front end words an OSError itself."""
    describers = {
        p.relative_to(SRC).as_posix()
        for p, tree in modules()
        if "audioguide.system.faults.describe" in imported(tree)
    }
    assert describers == {"errors.py"}
    defined = [
        p.relative_to(SRC).as_posix()
        for p, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "failure_of"
    ]
    assert defined == ["errors.py"]


def _asks_the_platform(node: ast.AST) -> bool:
    """`sys.platform`, `os.name` or `hasattr(os, ...)`: a question only hostos asks."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return (node.value.id, node.attr) in {("sys", "platform"), ("os", "name")}
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "hasattr"
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "os"
    )


def test_platform_branches_only_in_the_platform_module() -> None:
    askers = sorted(
        {
            p.relative_to(SRC).as_posix()
            for p, tree in modules()
            for node in ast.walk(tree)
            if _asks_the_platform(node)
        }
    )
    assert askers == [PLATFORM_MODULE]
