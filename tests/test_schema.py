"""The JSON Schema of the script format: valid, generated from the model and the loader
(one source of truth), accepting every guide the loader accepts and flagging the typed
mistakes it refuses, checked by an independent validator (jsonschema)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EPISODE_ONE, EPISODE_TWO, GUIDE, SPANISH_EPISODE, SPANISH_GUIDE
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from audioguide import loader, scaffold
from audioguide.cli import cli
from audioguide.model import Voice

SCRIPTS = Path(__file__).parent.parent / "scripts"


def printed(kind: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema", kind])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    Draft7Validator.check_schema(schema)
    return dict(schema)


def as_json(value: object) -> object:
    """YAML as an editor's schema check sees it: dates are text (YAML 1.2 has none)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def problems(kind: str, text: str) -> list[str]:
    data = as_json(YAML(typ="safe").load(text))
    return [e.message for e in Draft7Validator(printed(kind)).iter_errors(data)]


def test_the_schema_is_generated_from_the_loader_and_the_model() -> None:
    guide, episode = printed("guide"), printed("episode")
    assert list(guide["properties"]) == loader.GUIDE_KEYS
    assert list(episode["properties"]) == loader.EPISODE_KEYS
    voice = guide["definitions"]["voice"]["properties"]
    assert list(voice) == [f for f in Voice.__dataclass_fields__]
    assert (voice["rate"]["minimum"], voice["rate"]["maximum"]) == loader.RANGES[(Voice, "rate")]
    assert all(p["description"] for p in guide["properties"].values())


def shipped() -> list[tuple[str, Path]]:
    found = [("guide", p) for p in sorted(SCRIPTS.rglob("guide.yaml"))]
    return found + [("episode", p) for p in sorted(SCRIPTS.rglob("episodes/*.yaml"))]


@pytest.mark.parametrize(("kind", "path"), shipped(), ids=lambda x: str(x))
def test_every_shipped_script_is_valid(kind: str, path: Path) -> None:
    assert problems(kind, path.read_text(encoding="utf-8")) == []


def test_the_test_guides_and_a_new_guide_are_valid() -> None:
    for kind, text in [
        ("guide", GUIDE),
        ("guide", SPANISH_GUIDE),
        ("episode", EPISODE_ONE),
        ("episode", EPISODE_TWO),
        ("episode", SPANISH_EPISODE),
        *((k, v) for k, v in _scaffold().items()),
    ]:
        assert problems(kind, text) == [], text


def _scaffold() -> dict[str, str]:
    made = scaffold.files("g", dt.date(2026, 11, 25))
    return {"guide": made["guide.yaml"], "episode": made["episodes/01-example.yaml"]}


@pytest.mark.parametrize(
    ("kind", "old", "new", "word"),
    [
        ("episode", "segments:", "segements:", "segements"),
        ("episode", "segments:", "rate: 140\nsegments:", "rate"),
        ("episode", "id: first-steps", "id: First Steps", "First Steps"),
        ("episode", "  - pause: 1.5s", "  - pause: 350", "350"),
        ("episode", "  - pause: 1.5s", "  - pause: 1.5s\n    say: Under.", "pause"),
        ("episode", "summary: Where", "status: done\nsummary: Where", "done"),
        ("guide", "sentence: 400ms", "sentence: 350", "350"),
        ("guide", "lexicon:", "voice: {rate: 900}\nlexicon:", "900"),
    ],
)
def test_the_schema_flags_what_the_loader_refuses(kind: str, old: str, new: str, word: str):
    good = EPISODE_ONE if kind == "episode" else GUIDE
    assert old in good
    found = problems(kind, good.replace(old, new))
    assert found and any(word in message for message in found), found


def test_init_points_each_file_at_its_schema(tmp_path: Path) -> None:
    scaffold.init_guide(tmp_path / "g")
    first = (tmp_path / "g" / "guide.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=.schema/guide.schema.json"
    episode = (tmp_path / "g" / "episodes" / "01-example.yaml").read_text().splitlines()[0]
    assert episode == "# yaml-language-server: $schema=../.schema/episode.schema.json"
    for kind in ("guide", "episode"):
        written = json.loads((tmp_path / "g" / ".schema" / f"{kind}.schema.json").read_text())
        assert written == printed(kind)
