"""One plan per edition, passed down: what the session checked is not checked again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import SPANISH_EDITION, WriteGuide
from support.fakes import fake_factory

from audioguide.build import outputs
from audioguide.build.edition_plan import EditionPlan
from audioguide.build.record import OutputRecord, Owner, write_record
from audioguide.build.session import BuildOptions, build
from audioguide.build.stages import run


def test_each_output_owner_is_checked_once_and_again_under_the_lock(
    write_guide: WriteGuide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_guide(**SPANISH_EDITION)
    calls: Counter[Path] = Counter()
    real = outputs.check_owner

    def counting(output: Path, record: OutputRecord, scripts: Path, force: bool = False) -> None:
        calls[output] += 1
        real(output, record, scripts, force)

    monkeypatch.setattr(outputs, "check_owner", counting)
    options = BuildOptions(root, tmp_path / "out", tmp_path / "c", engine_factory=fake_factory)
    reports = build(options)
    assert len(reports) == 2
    # The session's check, then `claim` under the lock: not the stage runner's own too.
    assert calls == {tmp_path / "out": 2, tmp_path / "out" / "es": 2}


def test_an_unchecked_plan_is_checked_by_the_stage_runner(
    write_guide: WriteGuide, tmp_path: Path
) -> None:
    """A plan nobody checked (a library caller's) gets the checks before the lock."""
    root, out = write_guide(), tmp_path / "out"
    write_record(out, OutputRecord(owner=Owner("/elsewhere", "X")))
    plan = EditionPlan(root, out, tmp_path / "c", engine_factory=fake_factory)
    with pytest.raises(outputs.OutputOwnedError):
        run(plan)
    assert not (out / ".audioguide" / "lock").exists()  # refused before the lock
    assert sorted(p.name for p in out.iterdir()) == [".audioguide"]
