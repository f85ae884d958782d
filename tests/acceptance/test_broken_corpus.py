"""The corpus of broken guides: every mistake is caught before any audio is made.

Each folder in tests/broken/ is a small guide with one mistake and an `expected.txt`:
the place of the error (path:line:col inside the guide) and part of its message.
Guides too big or too odd to commit (a 50 MB script, a pipe, a symlink loop, raw
control bytes) are written at test time by GENERATED below.

For every case, `audioguide check` and `audioguide build` both print that error line,
exit with status 2, leave `output/` byte for byte as it was, and take well under a
second of CPU (wall time is only bounded loosely: other work may share the machine).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, GUIDE
from support.files import tree_hashes

from audioguide.cli import cli
from audioguide.errors import ScriptErrors
from audioguide.loader import load_guide
from audioguide.model import Guide, Say
from audioguide.plan import text

BROKEN = Path(__file__).parent / "broken"
EP = "episodes/01-first.yaml"
CPU_LIMIT = 1.0
WALL_LIMIT = 5.0
MEMORY_LIMIT = 8_000_000  # bytes of Python allocations while loading


def base_guide(root: Path) -> None:
    (root / "episodes").mkdir(parents=True)
    (root / "guide.yaml").write_text(GUIDE)
    (root / EP).write_text(EPISODE_ONE)


# --- guides written at test time -----------------------------------------------------


def huge_script(root: Path) -> None:
    # 50 MB of ordinary-looking segments: rejected from its size, never read whole.
    chunk = b"  - say: A sentence that is perfectly fine on its own.\n" * 1000
    with open(root / EP, "ab") as f:
        for _ in range(50_000_000 // len(chunk) + 1):
            f.write(chunk)


def deep_flow(root: Path) -> None:
    (root / EP).write_text(EPISODE_ONE + "extra: " + "[" * 10_000 + "\n")


def deep_flow_closed(root: Path) -> None:
    (root / EP).write_text(EPISODE_ONE + "extra: " + "[" * 10_000 + "]" * 10_000 + "\n")


def deep_block(root: Path) -> None:
    nested = "".join(" " * (2 * i) + f"k{i}:\n" for i in range(200)) + " " * 400 + "end\n"
    (root / EP).write_text(EPISODE_ONE + "extra:\n" + "  " + nested.replace("\n", "\n  "))


def too_many_values(root: Path) -> None:
    (root / EP).write_text(EPISODE_ONE + "  - pause: 1s\n" * 3000)


def non_utf8(root: Path) -> None:
    (root / EP).write_bytes(EPISODE_ONE.replace("Hello", "H\xe9llo").encode("latin-1"))


def raw_control_char(root: Path) -> None:
    (root / EP).write_text(EPISODE_ONE.replace("It is short.", "It is\x07 short."))


def pipe_for_script(root: Path) -> None:
    os.mkfifo(root / "episodes" / "02-pipe.yaml")  # reading it would block for ever


def device_for_script(root: Path) -> None:
    (root / "episodes" / "02-zero.yaml").symlink_to("/dev/zero")  # endless bytes


def symlink_loop(root: Path) -> None:
    (root / "episodes" / "02-loop.yaml").symlink_to("02-loop.yaml")


def asset_symlink_loop(root: Path) -> None:
    (root / EP).write_text(EPISODE_ONE + "  - sound: assets/loop.wav\n")
    (root / "assets").mkdir()
    (root / "assets" / "loop.wav").symlink_to("loop.wav")


def folder_for_script(root: Path) -> None:
    (root / "episodes" / "02-folder.yaml").mkdir()


Writer = Callable[[Path], None]
# name: (writer, where, message)
GENERATED: dict[str, tuple[Writer, str, str]] = {
    "huge-script-50mb": (huge_script, f"{EP}:1:1", "more than the 250,000 allowed"),
    "deep-nesting-10000-brackets": (deep_flow, f"{EP}:14:48", "nested more than 40 deep"),
    "deep-nesting-closed": (deep_flow_closed, f"{EP}:14:48", "nested more than 40 deep"),
    # k39, at column 81: the mapping that opens the 41st level
    "deep-nesting-indentation": (deep_block, f"{EP}:54:81", "nested more than 40 deep"),
    # the pause whose values go past the limit
    "too-many-values": (too_many_values, f"{EP}:505:5", "more than 2,000 YAML values"),
    "non-utf8-bytes": (non_utf8, f"{EP}:5:15", "not valid UTF-8 text"),
    "raw-control-character": (raw_control_char, f"{EP}:7:42", "control character U+0007"),
    "pipe-as-script": (pipe_for_script, "episodes/02-pipe.yaml:1:1", "not a regular file"),
    "device-as-script": (device_for_script, "episodes/02-zero.yaml:1:1", "not a regular file"),
    "symlink-loop-script": (symlink_loop, "episodes/02-loop.yaml:1:1", "cannot read"),
    "symlink-loop-asset": (asset_symlink_loop, f"{EP}:14:12", "symlink loop"),
    "folder-as-script": (folder_for_script, "episodes/02-folder.yaml:1:1", "not a regular file"),
}
BIG = {"huge-script-50mb", "deep-nesting-10000-brackets", "deep-nesting-closed", "too-many-values"}

COMMITTED = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.txt").is_file())


def test_the_corpus_is_large_enough() -> None:
    assert len(COMMITTED) + len(GENERATED) >= 30


def run_timed(args: list[str]) -> tuple[int, str, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(cli, args)
    return (
        result.exit_code,
        result.output,
        time.perf_counter() - wall,
        time.process_time() - cpu,
    )


def assert_caught(tmp_path: Path, cache: Path, where: str, message: str) -> None:
    assert re.fullmatch(r"[^:]+:[1-9][0-9]*:[1-9][0-9]*", where), where  # line and column
    output = tmp_path / "output"
    (output / "episodes").mkdir(parents=True)
    (output / "episodes" / "01-first-steps.mp3").write_bytes(b"earlier build")
    (output / "feed.xml").write_text("<rss/>")
    before = tree_hashes(output)
    for args in (
        ["check", "scripts", "--cache-dir", str(cache)],
        ["build", "scripts", "-o", "output", "--cache-dir", str(cache)],
    ):
        code, out, wall, cpu = run_timed(args)
        assert code == 2, (args[0], out)
        assert "Traceback" not in out
        lines = [x for x in out.splitlines() if ": error: " in x]
        assert len(lines) == 1, (args[0], out)  # one clear message per mistake
        assert message in lines[0], (args[0], out)
        assert lines[0].startswith(f"scripts/{where}: error: "), (args[0], lines[0])
        assert cpu < CPU_LIMIT and wall < WALL_LIMIT, (args[0], cpu, wall)
        assert tree_hashes(output) == before, args[0]


@pytest.mark.parametrize("case", COMMITTED)
def test_committed_case(
    case: str, tmp_path: Path, voice_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where, message = (BROKEN / case / "expected.txt").read_text().splitlines()[:2]
    shutil.copytree(BROKEN / case, tmp_path / "scripts", ignore=shutil.ignore_patterns("*.txt"))
    monkeypatch.chdir(tmp_path)
    assert_caught(tmp_path, voice_cache, where, message)


@pytest.mark.parametrize("case", GENERATED)
def test_generated_case(
    case: str, tmp_path: Path, voice_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, where, message = GENERATED[case]
    base_guide(tmp_path / "scripts")
    writer(tmp_path / "scripts")
    monkeypatch.chdir(tmp_path)
    assert_caught(tmp_path, voice_cache, where, message)


@pytest.mark.parametrize("case", [*sorted(BIG), "alias-bomb"])
def test_big_cases_load_in_bounded_memory(case: str, tmp_path: Path) -> None:
    root = tmp_path / "scripts"
    if case in GENERATED:
        base_guide(root)
        GENERATED[case][0](root)
    else:
        shutil.copytree(BROKEN / case, root)
    tracemalloc.start()
    try:
        with pytest.raises(ScriptErrors):
            load_guide(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, peak


# --- not mistakes ----------------------------------------------------------------------


def test_byte_order_mark_and_windows_line_endings_load_as_usual(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    base_guide(plain)
    windows = tmp_path / "windows"
    (windows / "episodes").mkdir(parents=True)
    for name in ("guide.yaml", EP):
        data = (plain / name).read_text().replace("\n", "\r\n").encode()
        (windows / name).write_bytes(b"\xef\xbb\xbf" + data)
    a, b = load_guide(plain), load_guide(windows)

    def said(g: Guide) -> list[object]:
        return [s.paragraphs for ep in g.episodes for s in ep.segments if isinstance(s, Say)]

    def places(g: Guide) -> list[tuple[int, int]]:
        return [(s.where.line, s.where.col) for ep in g.episodes for s in ep.segments]

    assert said(a) == said(b) and said(a)
    assert (a.title, a.lexicon, a.intro, a.outro) == (b.title, b.lexicon, b.intro, b.outro)
    # A BOM is not a column, and CR LF is one line break: errors point at the same place.
    assert places(a) == places(b)


def test_a_lexicon_entry_that_holds_its_own_word_is_said_once() -> None:
    # The lexicon is one pass over the text: a replacement is never scanned again, so
    # an entry that "loops" cannot hang, and its word is said as written inside it.
    said = text.spoken("Ask the LCSW today.", {"LCSW": "L C S W, your LCSW"})
    assert said == "Ask the L C S W, your LCSW today."
    chained = text.spoken("A and B.", {"A": "B", "B": "C"})
    assert chained == "B and C."
