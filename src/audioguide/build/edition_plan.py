"""What one edition's build is given, decided once by the session and passed down whole
(instead of a dozen keyword arguments re-defaulted on the way)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.build.report import Alternate
from audioguide.model import Guide

if TYPE_CHECKING:
    from audioguide.speech.base import EngineFactory


@dataclass(frozen=True)
class EditionPlan:
    """One edition to build: its folders, its loaded guide and how to publish it."""

    scripts: Path
    output: Path
    cache_dir: Path
    guide: Guide | None = None
    """The guide loaded from `scripts`; None: the stage runner loads it (guide cache)."""
    jobs: int = 1
    force: bool = False
    only: tuple[str, ...] = ()
    """Build only these episode ids; empty: every episode."""
    drafts: bool = False
    base_url: str | None = None
    alternates: tuple[Alternate, ...] = ()
    """The other editions, which the page links."""
    engine_factory: EngineFactory | None = None
    checked: bool = False
    """The session has checked the guide's content and the output's owner: the stage
    runner does not check them again before it takes the lock."""
