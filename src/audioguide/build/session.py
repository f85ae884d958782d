"""The one library entry point: load a guide folder, check it, build, preview or speak.

Every front end (the `build`, `check`, `watch` and `preview` commands, the studio) calls
these functions; none of them repeats the order of the steps:

load every edition -> check (owner of each output folder, voices, content) -> decide
once which editions are stale -> start the engines they need -> build (`build.build`
runs the stages of one edition), preview, or report diagnostics.

    from pathlib import Path
    from audioguide.build.session import BuildOptions, build, check_guide, preview, speak

    options = BuildOptions(Path("scripts"), Path("output"), Path(".audioguide-cache"), jobs=2)
    for checked in check_guide(options):  # never raises for a mistake in the scripts
        print(*(d.line() for d in checked.diagnostics), sep="\\n")
    reports = build(options, progress=lambda stage, done, total: print(stage, done, total))
    wav = preview(options, "welcome", chapter="Before we begin")
    clip = speak(options, "Hello there.", episode="welcome")  # a WAV in the clip cache

Mistakes in the scripts raise `ScriptError`/`ScriptErrors` (file:line:col), missing
tools and engine failures other `AudioguideError`s; nothing is written before every
edition has loaded and been checked.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# Only what a no-op build needs is imported here (it is answered from the record, and
# its time is a benchmark goal); the parser, the checks and the stages load on first use.
from audioguide.build import fresh
from audioguide.build.report import Alternate, BuildReport
from audioguide.errors import Location, ScriptError, ScriptErrors
from audioguide.loader import guidecache
from audioguide.loader.editions import Edition, alternates_of, editions
from audioguide.model import Guide, Say, Voice

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from audioguide.build.stages import Progress
    from audioguide.check.checks import Diagnostic
    from audioguide.loader import Sources
    from audioguide.speech.base import EngineFactory, VoiceInfo

Reports = list[tuple[Edition, BuildReport]]
Note = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What a build (or check, watch, preview) of a guide folder is given."""

    scripts: Path
    """The guide folder: its guide.yaml, and a sub-folder per other edition (es/)."""
    output: Path
    """The output folder of the main edition; another edition's is output/<name>/."""
    cache_dir: Path
    """The clip cache, shared by every edition (also guides, voice lists)."""
    jobs: int = 1
    """Worker processes for speech and encoding; 1 builds in this process."""
    force: bool = False
    """Rebuild every episode, even one the last build left unchanged."""
    episodes: tuple[str, ...] = ()
    """Build only these episode ids; empty: every episode (and stamp the record)."""
    drafts: bool = False
    """Publish draft and review episodes too, not only approved ones."""
    base_url: str | None = None
    """Where the folder will be served; makes the feed's links absolute."""
    engine_factory: EngineFactory | None = None
    """Makes an engine from (name, language); None: the registry's shared engines.
    Tests pass a fake here."""

    @property
    def full(self) -> bool:
        """A build of every episode: the only kind that may be answered from, and leaves,
        the stamp in the output's record (`fresh`)."""
        return not self.episodes

    def factory(self) -> EngineFactory:
        if self.engine_factory is not None:
            return self.engine_factory
        from audioguide.speech.registry import shared_engine

        return shared_engine


class Session:
    """One run over a guide folder: every edition loaded once, checked once, and the
    stale ones decided once; then built. Each output's record is read once (`memo`)."""

    def __init__(self, options: BuildOptions, memo: fresh.Memo | None = None) -> None:
        self.options = options
        self.memo = memo or fresh.Memo()
        self.found: list[tuple[Edition, Guide]] = []
        self.stale: list[tuple[Edition, Guide]] = []
        self.others: dict[Edition, tuple[Alternate, ...]] = {}
        self.inputs: dict[Edition, str] = {}  # of a full build: what stamps its record
        self.checked = False

    def settings(self, edition: Edition) -> fresh.Options:
        return fresh.settings(self.options.drafts, self.options.base_url, self.others[edition])

    def prestart(self) -> None:
        """Start the engines the last build used while the scripts load (after the
        workers are forked: the start runs in a thread). Only engines that are cheap to
        start for nothing; not for an edition unchanged since its last build: it will not
        be built, and on a small machine its engine would take CPU from one that is."""
        from audioguide.speech.registry import prestart

        o = self.options
        guessed, unchanged = [], set()
        for edition in editions(o.scripts, o.output):
            guide = guidecache.last_guide(o.cache_dir, edition.scripts)
            if guide is None:
                continue
            # The guide as the scripts are now, if the cache has it (they are unchanged).
            now = guidecache.cached_guide(o.cache_dir, edition.scripts)
            guessed.append((edition, now or guide))
            if now is not None:
                unchanged.add(edition)
        others = alternates_of(guessed)
        wanted = [
            (guide.voice.engine, guide.language)
            for edition, guide in guessed
            if _cheap_start(guide.voice.engine)
            and (
                edition not in unchanged
                or not self.memo.is_fresh(
                    edition, guide, fresh.settings(o.drafts, o.base_url, others[edition])
                )
            )
        ]
        if wanted:
            prestart(wanted)

    def load(self) -> Session:
        """Load every edition (through the guide cache) and decide which are stale."""
        from audioguide.loader import check_files

        o = self.options
        self.found = []
        for edition in editions(o.scripts, o.output):
            check_files(edition.scripts)  # before the guide cache reads every script
            self.found.append((edition, guidecache.load(o.cache_dir, edition.scripts)))
        self.others = alternates_of(self.found)
        if o.force or not o.full:
            self.stale = list(self.found)
        else:
            self.stale = [
                (e, g) for e, g in self.found if not self.memo.is_fresh(e, g, self.settings(e))
            ]
        if o.full:
            self.inputs = {e: self.memo.inputs(e, g, self.settings(e)) for e, g in self.stale}
        return self

    def check(self) -> Session:
        """Raise for what would stop a build, before any output is touched: voices the
        engines lack, an output folder that belongs to another guide, content the build
        refuses (of the stale editions: a fresh one was checked when it was built)."""
        from audioguide.build.outputs import WRITTEN_FOLDERS, check_owner
        from audioguide.check.checks import check_voices
        from audioguide.check.content import check_content
        from audioguide.speech.registry import create_engine
        from audioguide.system.trust import check_folders

        o = self.options
        factory = o.engine_factory or create_engine
        for edition, guide in self.stale:
            locate = functools.partial(_sources_of, edition.scripts)
            check_voices(guide, factory, o.cache_dir, locate)
        for edition, _ in self.found:  # every edition's folder, before any is written
            check_folders(edition.output, WRITTEN_FOLDERS)
            check_owner(edition.output, self.memo.record(edition.output), edition.scripts, o.force)
        for _, guide in self.stale:
            check_content(guide)
        self.checked = True
        return self

    def build(self, progress: Progress | None = None, pool: Executor | None = None) -> Reports:
        """Build the stale editions side by side on one pool of workers (`pool`, or one
        made here); the others are answered from their records. A full build stamps
        its record, which `fresh` answers the next no-op build from."""
        from concurrent.futures import ThreadPoolExecutor, wait

        from audioguide.build.stages import workers

        building = {edition for edition, _ in self.stale}
        reports = {
            e: fresh.report_of(e, g, self.memo.record(e.output))
            for e, g in self.found
            if e not in building
        }
        jobs = self.options.jobs
        if jobs <= 1 or not self.stale:
            reports |= {e: self._one(e, g, None, progress) for e, g in self.stale}
        else:
            with contextlib.ExitStack() as stack:
                shared = pool or stack.enter_context(workers(jobs))
                threads = stack.enter_context(ThreadPoolExecutor(len(self.stale)))
                futures = {
                    e: threads.submit(self._one, e, g, shared, progress) for e, g in self.stale
                }
                wait(futures.values())
                reports |= {edition: future.result() for edition, future in futures.items()}
        return [(edition, reports[edition]) for edition, _ in self.found]

    def _one(
        self, edition: Edition, guide: Guide, pool: Executor | None, progress: Progress | None
    ) -> BuildReport:
        from audioguide.build import stages
        from audioguide.build.edition_plan import EditionPlan

        o = self.options
        if progress is not None and len(self.stale) > 1:
            progress = functools.partial(_named_progress, progress, edition.name or "main")
        plan = EditionPlan(
            edition.scripts,
            edition.output,
            o.cache_dir,
            guide,
            o.jobs,
            o.force,
            o.episodes,
            o.drafts,
            edition.base_url(o.base_url),
            self.others[edition],
            o.factory(),
            checked=self.checked,  # by `check`: content, voices, every output's owner
            record=self.memo.record(edition.output),
            inputs=self.inputs.get(edition),
        )
        return stages.run(plan, progress, pool)


def default_jobs() -> int:
    """Worker processes when none are asked for: the CPUs this process may use."""
    from audioguide.system.hostos import usable_cpus

    return usable_cpus()


def _cheap_start(engine: str) -> bool:
    from audioguide.speech.registry import info

    found = info(engine)
    return found is not None and found.cheap_start


def _named_progress(progress: Progress, name: str, stage: str, done: int, total: int) -> None:
    progress(f"{name}: {stage}", done, total)


def _sources_of(root: Path) -> Sources:
    from audioguide.loader import load_healthy, load_with_sources

    try:
        return load_with_sources(root)[1]
    except ScriptErrors:  # the studio's guide with a broken episode file
        part = load_healthy(root)
        if part is None:
            raise
        return part[1]


def build(
    options: BuildOptions,
    progress: Progress | None = None,
    note: Note | None = None,
    pool: Executor | None = None,
) -> Reports:
    """Build every edition of the guide; return each edition's report.

    A full build that the record of the last one shows would change nothing returns
    that build's reports at once, before any parser or engine is loaded. Otherwise the
    workers start first (they load the audio stack while the scripts load), then the
    engines, then every edition is loaded and checked before any is built. `progress`
    hears (stage, done, total); `note` hears what the build decided, for -v.
    """
    say = note or (lambda _: None)
    memo = fresh.Memo()
    if options.full and not options.force:
        reports = fresh.up_to_date(
            options.scripts,
            options.output,
            cache_dir=options.cache_dir,
            drafts=options.drafts,
            base_url=options.base_url,
            memo=memo,
        )
        say(f"{'nothing' if reports else 'something'} changed, by the record of the last build")
        if reports is not None:
            return reports
    from audioguide.build.stages import workers  # after the shortcut: a no-op never loads it

    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if pool is None and options.jobs > 1:
            pool = stack.enter_context(workers(options.jobs))
        session = Session(options, memo)
        if options.engine_factory is None:
            session.prestart()
        session.load().check()
        say(f"voices checked in {time.monotonic() - started:.2f} s")
        return session.build(progress, pool)


# --- check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """One edition as `audioguide check` sees it: its guide (None if it did not load)
    and every error and warning, each with its file:line:col."""

    edition: Edition
    guide: Guide | None
    diagnostics: tuple[Diagnostic, ...]
    timings: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Seconds to load, to list the voices, and to check."""
    healthy: Guide | None = None
    """When asked for and the guide does not load only because of some episode files:
    the guide without them (`loader.load_healthy`), its checks in `diagnostics` too.
    Never built: for the studio, which keeps the other episodes open."""

    @property
    def usable(self) -> Guide | None:
        """The guide, or else its healthy part."""
        return self.guide or self.healthy

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)


def check_guide(options: BuildOptions, strict: bool = False) -> list[Checked]:
    """Every edition of the guide with its diagnostics, without raising for a mistake
    in the scripts and without making any audio. `strict` counts warnings as errors."""
    from audioguide.speech.registry import create_engine

    factory = options.engine_factory or create_engine
    return [
        check_edition(edition, options.cache_dir, factory, strict)
        for edition in editions(options.scripts, options.output)
    ]


def check_edition(
    edition: Edition,
    cache_dir: Path,
    factory: EngineFactory,
    strict: bool = False,
    healthy: bool = False,
) -> Checked:
    """Check one edition: what `audioguide check` prints for it. `healthy`: if it does
    not load, check the episodes that do too (`Checked.healthy`)."""
    from audioguide.check import checks
    from audioguide.loader import check_files, load_healthy, load_with_sources

    started = time.monotonic()
    try:
        check_files(edition.scripts)  # as a build does: the same mistakes, the same words
        guide, sources = load_with_sources(edition.scripts)
    except ScriptErrors as exc:
        found = checks.from_errors(exc)
        part = load_healthy(edition.scripts) if healthy else None
        if part is None:
            return Checked(edition, None, tuple(found + checks.stray_diagnostics(edition.scripts)))
        voices, failed = checks.voices_for(part[0], factory, cache_dir)
        found += _diagnose(part[0], part[1], voices, failed, edition.scripts)
        found.sort(key=lambda d: (d.where.path, d.where.line, d.where.col))
        return Checked(edition, None, tuple(found), healthy=part[0])
    loaded = time.monotonic()
    voices, failed = checks.voices_for(guide, factory, cache_dir)
    listed = time.monotonic()
    diagnostics = _diagnose(guide, sources, voices, failed, edition.scripts)
    if strict:
        diagnostics = checks.strict(diagnostics)
    diagnostics.sort(key=lambda d: (d.where.path, d.where.line, d.where.col))
    timings = (loaded - started, listed - loaded, time.monotonic() - listed)
    return Checked(edition, guide, tuple(diagnostics), timings)


def _diagnose(
    guide: Guide,
    sources: Sources,
    voices: dict[str, list[VoiceInfo]],
    failed: dict[str, str],
    root: Path,
) -> list[Diagnostic]:
    from audioguide.check import checks, content
    from audioguide.check.checks import Diagnostic
    from audioguide.plan.estimate import sound_file_seconds

    found = checks.diagnose(guide, sources, voices, sound_file_seconds)
    found += checks.cover_diagnostics(guide)
    found += checks.stray_diagnostics(root)
    found += checks.comment_diagnostics(sources)
    found += checks.from_errors(ScriptErrors(content.guide_errors(guide, sound_file_seconds)))
    found += [
        Diagnostic(
            guide.where,
            "warning",
            f"could not list the voices of the {engine} engine: {reason}",
            "voice names and the language were not checked",
        )
        for engine, reason in failed.items()
    ]
    return found


def stray_warnings(scripts: Path) -> list[str]:
    """A warning line for each file in an episodes/ folder of any edition that looks like
    a script but is not read (`02-x.yaml.txt`), naming the name to give it."""
    from audioguide.loader.episode_files import strays  # not checks: it would load the parser

    return [
        f"{w}: warning: {m} ({h})"
        for e in editions(scripts, scripts)
        for w, m, h in strays(e.scripts)
    ]


# --- preview and speech -----------------------------------------------------------------


def load_edition(
    options: BuildOptions, edition: str = "", healthy: bool = False
) -> tuple[Path, Guide]:
    """One edition's folder and guide (`""`: the main one, else e.g. "es"), loaded
    through the guide cache as a build loads it. `healthy`: a guide that does not load
    only because of some episode files is taken without them (`loader.load_healthy`)."""
    from audioguide.loader import check_files

    found = {e.name: e for e in editions(options.scripts, options.output)}
    if edition not in found:
        raise ScriptError(
            Location(str(options.scripts / "guide.yaml"), 1, 1),
            f"no edition '{edition}'",
            "editions: " + ", ".join(repr(name) for name in found),
        )
    root = found[edition].scripts
    check_files(root)  # before the guide cache reads every script
    part = guidecache.cached_guide(options.cache_dir, root, healthy=True) if healthy else None
    if part is not None:  # the scripts are as they were when it did not load
        return root, part
    try:
        return root, guidecache.load(options.cache_dir, root)
    except ScriptErrors:
        part = guidecache.load_healthy(options.cache_dir, root) if healthy else None
        if part is None:
            raise
        return root, part


def check_voices(options: BuildOptions, root: Path, guide: Guide) -> None:
    """Raise ScriptErrors for a voice the engines lack, as a build does before speaking."""
    from audioguide.check import checks
    from audioguide.speech.registry import create_engine

    factory = options.engine_factory or create_engine
    checks.check_voices(guide, factory, options.cache_dir, functools.partial(_sources_of, root))


def preview(
    options: BuildOptions,
    episode: str,
    *,
    segment: int | None = None,
    chapter: str | None = None,
    dest: Path | None = None,
    edition: str = "",
    healthy: bool = False,
) -> Path:
    """Render an episode, or one segment or chapter of it, mastered, to a WAV file at
    `dest` (default: OUTPUT/preview/EPISODE[-PART].wav); return its path. `healthy`:
    as `load_edition`'s (the studio's, while another episode's file is broken)."""
    from audioguide.build.preview import select
    from audioguide.speech.registry import create_engine

    root, guide = load_edition(options, edition, healthy)
    select(guide, episode, segment=segment, chapter=chapter)  # a wrong name fails at once
    check_voices(options, root, guide)
    return render_preview(
        guide,
        episode,
        segment=segment,
        chapter=chapter,
        dest=dest,
        folder=options.output / "preview",
        cache_dir=options.cache_dir,
        engine_factory=options.engine_factory or create_engine,
    )


def render_preview(
    guide: Guide,
    episode_id: str,
    *,
    segment: int | None = None,
    chapter: str | None = None,
    dest: Path | None = None,
    folder: Path | None = None,
    cache_dir: Path,
    engine_factory: EngineFactory,
) -> Path:
    """Render the chosen part of a loaded guide to a mastered mono WAV at `dest`
    (default: in `folder`), its sentences through the build's clip source."""
    from audioguide.build.preview import PREVIEW_DIR, default_path, plan_part, select
    from audioguide.build.stages import render_wav
    from audioguide.speech.cache import ClipCache
    from audioguide.speech.sources import ClipSource, Voices

    part = select(guide, episode_id, segment=segment, chapter=chapter)
    source = ClipSource(ClipCache(cache_dir), Voices(engine_factory, guide.language))
    path = dest or default_path(part, folder or PREVIEW_DIR)
    return render_wav(guide, plan_part(guide, part), source, path)


def speak(
    options: BuildOptions,
    sentence: str,
    *,
    edition: str = "",
    episode: str | None = None,
    segment: int | None = None,
    healthy: bool = False,
) -> Path:
    """Speak one sentence as the build would say it in that edition (and episode, and
    segment: their voice), through the same engine, lexicon and clip cache; return the
    path of the WAV in the cache (mono 16-bit; read it, never write it). `healthy`: as
    `load_edition`'s."""
    from audioguide.plan import text
    from audioguide.plan.timeline import Utterance
    from audioguide.speech.cache import ClipCache
    from audioguide.speech.sources import ClipSource, Voices

    root, guide = load_edition(options, edition, healthy)
    voice = _voice_for(guide, episode, segment)
    check_voices(options, root, guide)
    cleaned = " ".join(text.clean(sentence).split())
    spoken = text.compile_lexicon(guide.lexicon, language=guide.language)(cleaned)
    u = Utterance(cleaned, spoken, voice, new_paragraph=True)
    cache = ClipCache(options.cache_dir)
    source = ClipSource(cache, Voices(options.factory(), guide.language))
    source(u)
    return cache.wav_path(source.key(u))


def _voice_for(guide: Guide, episode: str | None, segment: int | None) -> Voice:
    """The voice a sentence gets in the guide, the episode or the segment."""
    from audioguide.build.preview import select

    if episode is None:
        return guide.voice
    part = select(guide, episode, segment=segment)
    chosen = part.segments[0] if segment is not None and part.segments else None
    return chosen.voice if isinstance(chosen, Say) else part.episode.voice
