"""The guide cache holds data, never code, and its locations belong to the guide folder."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import WriteGuide
from support.fakes import fake_factory

from audioguide.build.session import BuildOptions, build
from audioguide.cli import cli
from audioguide.loader import guidecache, load_guide


class _Planted:
    """Unpickling this touches a file: what a cache writer could make every build run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "guides").iterdir())


def test_a_planted_pickle_is_not_run_and_the_build_still_succeeds(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, cache, marker = write_guide(), tmp_path / "c", tmp_path / "ran"
    guidecache.load(cache, root)
    (entry,) = _entries(cache)
    planted = pickle.dumps((guidecache.digest(root), _Planted(marker)))
    entry.write_bytes(planted)
    entry.with_suffix(".pickle").write_bytes(planted)  # the old format's name too
    options = BuildOptions(root, tmp_path / "out", cache, engine_factory=fake_factory)
    ((_, report),) = build(options)
    assert not marker.exists()
    assert [ep.id for ep in report.episodes] == ["first-steps", "second-steps"]
    assert all(ep.mp3.stat().st_size > 0 for ep in report.episodes)
    # Rebuilt as data: the next build reads it back whole.
    assert json.loads(entry.read_bytes())["format"] == guidecache.FORMAT
    assert guidecache.cached_guide(cache, root) == load_guide(root)


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry.write_bytes(b"\x80\x05garbage"),
        lambda entry: entry.write_text("[1, 2, 3]"),
        # The right key, a field of the wrong type: refused, not half-trusted.
        lambda entry: entry.write_text(
            entry.read_text().replace('"title": "Test Guide"', '"title": 12')
        ),
        lambda entry: entry.write_text(
            entry.read_text().replace('"kind": "Chapter"', '"kind": "Exec"', 1)
        ),
        # A path that would lead out of the guide folder.
        lambda entry: entry.write_text(
            entry.read_text().replace('["guide.yaml", ', '["/etc/passwd", ', 1)
        ),
    ],
    ids=["pickle-bytes", "not-a-mapping", "wrong-type", "unknown-kind", "absolute-path"],
)
def test_an_entry_that_is_not_a_guide_is_refused_and_rebuilt(
    write_guide: WriteGuide, tmp_path: Path, damage: object
) -> None:
    root, cache = write_guide(), tmp_path / "c"
    loaded = guidecache.load(cache, root)
    (entry,) = _entries(cache)
    assert guidecache.cached_guide(cache, root) == loaded  # a whole entry is used
    damage(entry)  # type: ignore[operator]
    assert guidecache.cached_guide(cache, root) is None
    assert guidecache.last_guide(cache, root) is None
    assert guidecache.load(cache, root) == loaded
    assert guidecache.cached_guide(cache, root) == loaded


def test_the_entry_holds_paths_relative_to_the_guide(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    root, cache = write_guide(), tmp_path / "c"
    (root / "assets").mkdir()
    (root / "assets" / "ding.wav").write_bytes(b"RIFF" + bytes(40))
    path = root / "episodes" / "02-second.yaml"
    path.write_text(path.read_text() + "  - sound: assets/ding.wav\n")
    guidecache.load(cache, root)
    text = _entries(cache)[0].read_text()
    assert str(tmp_path) not in text
    assert '"assets/ding.wav"' in text and '"episodes/02-second.yaml"' in text


def _build_errors(args: list[str]) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["build", *args])
    return result.exit_code, result.output.splitlines()


def test_the_same_error_text_from_any_working_folder(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`audioguide build scripts` from the parent, then `cd scripts && audioguide build`:
    each names the files as they are found from where it runs."""
    root = write_guide()
    (root / "assets").mkdir()
    # A sound the loader takes (a RIFF header) that the content check refuses.
    (root / "assets" / "ding.wav").write_bytes(b"RIFF" + bytes(40))
    path = root / "episodes" / "02-second.yaml"
    path.write_text(path.read_text() + "  - sound: assets/ding.wav\n")
    monkeypatch.chdir(tmp_path)
    code, outside = _build_errors(["scripts"])
    assert code == 2
    assert any(line.startswith("scripts/episodes/02-second.yaml:") for line in outside)
    assert list((tmp_path / ".audioguide-cache" / "guides").iterdir())  # the memo was kept
    monkeypatch.chdir(root)
    code, inside = _build_errors([])
    assert code == 2
    assert inside == [line.removeprefix("scripts/") for line in outside]
    for line in inside:
        if ": error: " in line:
            assert Path(line.split(":", 1)[0]).is_file()  # valid from where it runs


def test_the_memo_gives_back_the_guide_the_scripts_give_to_the_type(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    # `true_peak: -2` is an int in YAML. Loaded, it was kept as one while the memo gave
    # back -2.0: equal guides, but episode keys differ, so a build whose guide came from
    # the memo rebuilt every episode another build had just made.
    from dataclasses import asdict

    from audioguide.build.stages import episode_keys, plan_guide
    from audioguide.plan.timeline import Utterance
    from audioguide.speech.sources import Voices

    guide_yaml = (write_guide() / "guide.yaml").read_text("utf-8")
    root = write_guide(
        **{"guide.yaml": guide_yaml + "mastering:\n  loudness: -16\n  true_peak: -2\n"}
    )
    cache = tmp_path / "c"
    loaded = load_guide(root)
    guidecache.load(cache, root)  # stores it
    remembered = guidecache.load(cache, root)
    assert loaded == remembered  # equal as values: 2 == 2.0
    assert json.dumps(asdict(loaded.mastering)) == json.dumps(asdict(remembered.mastering))
    assert type(loaded.mastering.true_peak) is float

    def keys(guide: object) -> dict[str, str]:
        plans = plan_guide(guide)  # type: ignore[arg-type]
        voices = Voices(fake_factory, "en-US")
        said = {u: voices.key(u) for p in plans.values() for u in p if isinstance(u, Utterance)}
        return episode_keys(guide, cache, plans, said)  # type: ignore[arg-type]

    assert keys(loaded) == keys(remembered)
