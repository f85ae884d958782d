"""What one edition's build is given, decided once by the session and passed down whole
(instead of a dozen keyword arguments re-defaulted on the way)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.build.report import Alternate
from audioguide.model import Guide

if TYPE_CHECKING:
    from audioguide.build.record import OutputRecord
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
    record: OutputRecord | None = None
    """The output's record as the session read it; None: the stage runner reads it.
    Under the lock it is read again only if another build has written it since."""
    inputs: str | None = None
    """The hash of what a full build reads (`fresh.stamp`): the stage runner stamps the
    record with it when done, for the next no-op build. None: no stamp."""
