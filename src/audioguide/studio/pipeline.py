"""The studio's one door to the pipeline: every load, check, sentence, preview and build
the studio makes goes through this module, and this module only calls the library's
own steps (the loader and checks as `check` runs them, the clip cache and engines as
the build speaks, `preview.render_preview`, `build.build_all`). Nothing here knows the
build's order of stages.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from audioguide.checks import Diagnostic
from audioguide.editions import Edition, editions
from audioguide.engines.base import Clip
from audioguide.errors import ScriptErrors
from audioguide.loader import Sources
from audioguide.model import Episode, Guide, Say, Voice

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Loaded:
    """One edition as `check` sees it: its guide (None if it does not load) and every
    error and warning, each with its file:line:col."""

    edition: Edition
    guide: Guide | None
    diagnostics: tuple[Diagnostic, ...]
    sources: Sources | None = None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


def find_editions(scripts: Path, output: Path) -> list[Edition]:
    return editions(scripts, output)


def load_edition(edition: Edition, cache_dir: Path) -> Loaded:
    """Load and check one edition as `audioguide check` does; never raises for a
    mistake in the scripts."""
    from audioguide import checks, content
    from audioguide.engines.registry import create_engine
    from audioguide.estimate import sound_file_seconds
    from audioguide.loader import check_files, load_with_sources

    try:
        check_files(edition.scripts)
        guide, sources = load_with_sources(edition.scripts)
    except ScriptErrors as exc:
        found = checks.from_errors(exc) + checks.stray_diagnostics(edition.scripts)
        return Loaded(edition, None, tuple(sorted(found, key=_order)))
    voices, failed = checks.voices_for(guide, create_engine, cache_dir)
    found = checks.diagnose(guide, sources, voices, sound_file_seconds)
    found += checks.cover_diagnostics(guide)
    found += checks.stray_diagnostics(edition.scripts)
    found += checks.comment_diagnostics(sources)
    found += checks.from_errors(ScriptErrors(content.guide_errors(guide, sound_file_seconds)))
    found += [
        Diagnostic(guide.where, "warning", f"could not list the voices of {name}: {why}")
        for name, why in failed.items()
    ]
    return Loaded(edition, guide, tuple(sorted(found, key=_order)), sources)


def _order(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.where.path, d.where.line, d.where.col, d.message)


def estimated_seconds(guide: Guide, episode: Episode) -> float:
    from audioguide import text
    from audioguide.estimate import episode_seconds, sound_file_seconds

    speak = text.compile_lexicon(guide.lexicon)
    return episode_seconds(guide, episode, speak, sound_file_seconds)


_speaking = threading.Lock()  # one engine process speaks one sentence at a time


@dataclass(frozen=True)
class Spoken:
    wav: bytes
    seconds: float
    sentences: int


def speak(
    guide: Guide, voice: Voice, words: str, cache_dir: Path, lexicon: tuple[tuple[str, str], ...]
) -> Spoken:
    """`words` as the build speaks them in a `say` with `voice`: split into sentences,
    each through the guide's lexicon and engine, taken from the clip cache or spoken
    into it (so the next build reuses it); joined by the sentence pause when several."""
    from audioguide import text
    from audioguide.build import Voices
    from audioguide.cache import ClipCache, wav_bytes
    from audioguide.engines.registry import shared_engine
    from audioguide.timeline import Utterance, plan_episode, utterances

    bare = replace(guide, chime=False, intro="", outro="", lexicon=lexicon)
    say = Say(text.paragraphs(words), voice, guide.where)
    episode = Episode("studio", 1, "", "", guide.date, (say,), voice, guide.where)
    items = plan_episode(bare, episode, text.compile_lexicon(lexicon))
    cache = ClipCache(cache_dir)
    voices = Voices(shared_engine, guide.language)
    clips: list[Clip] = []
    with _speaking:
        for u in utterances(items):
            assert isinstance(u, Utterance)
            key = voices.key(u)
            clip = cache.get(key)
            if clip is None:
                clip = voices.speak(u)
                cache.put(key, clip)
            clips.append(clip)
    if not clips:
        raise ValueError("nothing to say")
    rate = clips[0].rate
    gap = b"\0\0" * round(guide.pauses.sentence * rate)
    pcm = gap.join(c.pcm for c in clips)
    joined = Clip(pcm, rate)
    return Spoken(wav_bytes(joined), joined.seconds, len(clips))


def preview(
    guide: Guide, episode_id: str, chapter: str | None, folder: Path, cache_dir: Path
) -> Path:
    """The mastered preview of an episode or one chapter of it, as `audioguide preview`
    renders it, in `folder`."""
    from audioguide.engines.registry import shared_engine
    from audioguide.preview import render_preview

    with _speaking:
        return render_preview(
            guide,
            episode_id,
            chapter=chapter,
            folder=folder,
            cache_dir=cache_dir,
            engine_factory=shared_engine,
        )


def build(scripts: Path, output: Path, cache_dir: Path, progress: Progress) -> list[str]:
    """Build every edition as `audioguide build` does; return its summary lines.

    Meant for a process of its own (see `studio.building`): the build forks workers,
    which a process serving requests on many threads must not do.
    """
    from audioguide.build import build_all, default_jobs, workers
    from audioguide.checks import check_voices
    from audioguide.engines.registry import create_engine
    from audioguide.loader import check_files, load_with_sources
    from audioguide.summary import summary_lines

    jobs = default_jobs()
    with workers(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
        for edition in editions(scripts, output):
            check_files(edition.scripts)
            guide, _ = load_with_sources(edition.scripts)
            locate = functools.partial(_sources, edition.scripts)
            check_voices(guide, create_engine, cache_dir, locate)
        reports = build_all(
            scripts, output, cache_dir=cache_dir, jobs=jobs, pool=pool, progress=progress
        )
    lines: list[str] = []
    for edition, report in reports:
        if len(reports) > 1:
            lines.append(f"{report.guide.title} ({report.guide.language}) -> {edition.output}/")
        lines += summary_lines(report, edition.output)
    return lines


def _sources(root: Path) -> Sources:
    from audioguide.loader import load_with_sources

    return load_with_sources(root)[1]
