"""The build: the only module that knows the order of the stages.

load -> plan every episode -> key every clip and episode -> (under the output lock)
skip what the last build already made -> speak the missing clips into the cache ->
render, master and export the episodes that changed -> publish.

Nothing is written to the output folder until the whole guide has loaded, so a
mistake in the scripts leaves earlier outputs as they were; every file is written
atomically and the output's record (`build.record`) is saved after each episode, so a
build killed at any moment leaves whole files and the next build finishes the job.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    as_completed,
)
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide import __version__
from audioguide.build import fresh, outputs
from audioguide.build.cached import cover_of, embedded_cover_of
from audioguide.build.edition_plan import EditionPlan
from audioguide.build.outputs import (
    OUTPUT_EPISODES_DIR,
    WRITTEN_FOLDERS,
    book_piece,
    drop_old_pieces,
    episode_stem,
    files_match,
    result_of,
)
from audioguide.build.record import (
    RECORD_DIR,
    EpisodeRecord,
    OutputRecord,
    forget_legacy,
    read_record,
    write_record,
)
from audioguide.build.report import (
    Alternate,
    BookSource,
    BuildReport,
    EpisodeResult,
    Published,
    chapter_marks,
)
from audioguide.build.start_method import keep_freed_memory, pool_context, warm_worker
from audioguide.check.content import check_content
from audioguide.errors import ScriptError
from audioguide.loader import guidecache
from audioguide.model import Episode, Guide
from audioguide.plan import text
from audioguide.plan.timeline import (
    Chime,
    Item,
    Mark,
    Play,
    Silence,
    Utterance,
    plan_episode,
)
from audioguide.speech.base import Clip, EngineFactory
from audioguide.speech.cache import ClipCache
from audioguide.speech.sources import ClipSource, Voices
from audioguide.system import tools
from audioguide.system.fsutil import sha256_file
from audioguide.system.lock import build_lock
from audioguide.system.trust import check_folders, inside

if TYPE_CHECKING:
    from audioguide.publish import Publication

Progress = Callable[[str, int, int], None]
# Part of every episode key: bump when the rendering or encoding changes.
# v3: pieces encoded side by side, limiter windows near peaks; v4: the intro's chapter,
# the small embedded cover; v5: LAME at quality 7.
BUILD_FORMAT = "episode-v5"


def require_tools() -> None:
    # Only ffmpeg (the system's or the wheel's): ffprobe is no requirement.
    tools.ffmpeg()


def render_wav(guide: Guide, items: tuple[Item, ...], source: ClipSource, dest: Path) -> Path:
    """Render and master `items` to a mono WAV at `dest` (a preview: nothing encoded)."""
    from audioguide.audio.assemble import render
    from audioguide.audio.master import LOSSLESS, master
    from audioguide.speech.cache import wav_bytes
    from audioguide.system.fsutil import atomic_write

    if any(isinstance(item, Play) for item in items):
        require_tools()  # sounds are decoded with ffmpeg
    rendered = render(items, source)
    # A WAV is not encoded, so no allowance for a codec's level change or overshoot.
    mastered, _ = master(rendered.samples, rendered.rate, guide.mastering, codec=LOSSLESS)
    atomic_write(dest, wav_bytes(Clip(mastered.astype("<i2").tobytes(), rendered.rate)))
    return dest


def plan_guide(guide: Guide) -> dict[str, tuple[Item, ...]]:
    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    return {ep.id: plan_episode(guide, ep, speak) for ep in guide.episodes}


def episode_key(
    guide: Guide,
    episode: Episode,
    items: tuple[Item, ...],
    keys: dict[Utterance, str],
    cover: bytes | None = None,
) -> str:
    """A hash over every input that can change the episode's files."""
    timeline: list[object] = []
    for item in items:
        if isinstance(item, Utterance):
            timeline.append(["say", keys[item], item.display, item.new_paragraph])
        elif isinstance(item, Silence):
            timeline.append(["silence", item.seconds])
        elif isinstance(item, Mark):
            timeline.append(["chapter", item.title])
        elif isinstance(item, Play):
            timeline.append(["sound", sha256_file(item.path)])
        elif isinstance(item, Chime):
            timeline.append(["chime"])
    payload = {
        "format": BUILD_FORMAT,
        "audioguide": __version__,
        "guide": [guide.title, guide.author, guide.credit, guide.language, len(guide.episodes)],
        "episode": [episode.number, episode.id, episode.title, episode.date],
        "mastering": asdict(guide.mastering),
        "cover": hashlib.sha256(cover).hexdigest() if cover else "",
        "timeline": timeline,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def episode_keys(
    guide: Guide,
    cache_dir: Path,
    plans: dict[str, tuple[Item, ...]],
    keys: dict[Utterance, str],
) -> dict[str, str]:
    """Each episode's key as `build` makes it (`proof` compares them with the record's)."""
    embedded = embedded_cover_of(cover_of(guide, cache_dir), cache_dir)
    return {ep.id: episode_key(guide, ep, plans[ep.id], keys, embedded) for ep in guide.episodes}


@dataclass(frozen=True)
class EpisodeJob:
    """Everything one worker needs to render, master and export one episode."""

    guide: Guide
    episode: Episode
    items: tuple[Item, ...]
    keys: dict[Utterance, str]
    key: str
    cache_dir: Path
    output: Path
    cover: bytes | None
    engine_factory: EngineFactory
    aac: Path | None = None  # where the audiobook's piece of this episode goes
    # Encoders fed during mastering's first pass, before it is known to be final: when
    # the build has idle cores (an edit), not when every core has an episode.
    speculate: bool = False


def build_episode(job: EpisodeJob) -> EpisodeRecord:
    """Render, master and export one episode; return what the record keeps of it."""
    # Imported here: the audio stack costs a second of start-up a no-op build never pays.
    from audioguide.audio.assemble import render
    from audioguide.audio.master import Remaster, master
    from audioguide.export import transcript
    from audioguide.export.m4b import AacPiece, Tee
    from audioguide.export.mp3 import EpisodeMp3, Tags

    keep_freed_memory()
    guide, episode = job.guide, job.episode
    clip_for = ClipSource(ClipCache(job.cache_dir), Voices(job.engine_factory, guide.language))
    rendered = render(job.items, functools.partial(clip_for, keys=job.keys))
    starts = [(c.title, c.start) for c in rendered.chapters]
    chapters = chapter_marks(starts, rendered.seconds, episode.title)
    tags = Tags(
        title=episode.title,
        album=guide.title,
        artist=guide.author,
        track=episode.number,
        track_total=len(guide.episodes),
        year=episode.date[:4],
        language=guide.language,
        comment=guide.credit,
        cover=job.cover,
        chapters=chapters,
    )
    stem = job.output / OUTPUT_EPISODES_DIR / episode_stem(episode)
    mp3, vtt, txt = (stem.with_suffix(s) for s in (".mp3", ".vtt", ".txt"))
    # LAME gets the mastered audio straight from memory, a long episode in pieces
    # encoded side by side, cut in its pauses; the audiobook's AAC encoder gets the same.
    samples, gain = len(rendered.samples), None
    while True:  # twice at most: once more if a speculative first pass was not final
        book = AacPiece(job.aac, rendered.rate, samples, rendered.pauses) if job.aac else None
        try:
            with EpisodeMp3(mp3, rendered.rate, tags, samples, rendered.pauses) as encoder:
                sink = Tee(encoder, book) if book is not None else encoder
                early = job.speculate and gain is None
                _, report = master(
                    rendered.samples, rendered.rate, guide.mastering, sink=sink, speculate=early,
                    gain_db=gain,
                )  # fmt: skip
            break
        except Remaster as again:  # its encoders are stopped; start them at the gain
            if book is not None:
                book.abort(again)
            gain = again.gain_db
        except BaseException as error:
            if book is not None:
                book.abort(error)
            raise
    if book is not None:
        book.finish()
    from audioguide.system.fsutil import atomic_write_text

    atomic_write_text(vtt, transcript.vtt(rendered.cues))
    blocks = transcript.blocks_from_timeline(job.items)
    atomic_write_text(txt, transcript.plain_text(episode.title, blocks, guide.credit))
    files = tuple(
        sorted((p.relative_to(job.output).as_posix(), sha256_file(p)) for p in (mp3, vtt, txt))
    )
    return EpisodeRecord(
        key=job.key,
        files=files,
        seconds=round(rendered.seconds, 4),
        loudness=round(report.delivered_lufs, 2),
        true_peak=round(report.output_true_peak, 2),
        chapters=chapters,
    )


# Worker-process side of the speech pool: one engine set per worker and language, made
# on first use and kept, so each worker starts an engine once.
_worker_voices: dict[tuple[EngineFactory, str], Voices] = {}


def _speak_into_cache(
    factory: EngineFactory, language: str, cache_dir: Path, key: str, u: Utterance
) -> str:
    voices = _worker_voices.setdefault((factory, language), Voices(factory, language))
    ClipCache(cache_dir).put(key, voices.speak(u))
    return key


def synthesize(
    missing: dict[str, Utterance],
    cache_dir: Path,
    voices: Voices,
    jobs: int,
    progress: Progress | None,
    pool: Executor | None = None,
) -> None:
    """Speak every missing clip into the cache, in `jobs` worker processes (or `pool`)."""
    order = sorted(missing)
    if jobs <= 1 or len(order) < 2 * jobs:  # a pool's round trips would cost more
        cache = ClipCache(cache_dir)
        for done, key in enumerate(order, start=1):
            cache.put(key, voices.speak(missing[key]))
            if progress:
                progress("speaking", done, len(order))
        return
    done = 0

    def one_more() -> None:
        nonlocal done
        done += 1
        if progress:
            progress("speaking", done, len(order))

    with _pool(pool, jobs) as workers:
        common = (voices.factory, voices.language, cache_dir)
        futures = {k: workers.submit(_speak_into_cache, *common, k, missing[k]) for k in order}
        try:
            # An engine that mostly waits (pyttsx3) leaves the workers' cores idle part
            # of the time, so this process speaks too: from the end of the list, each
            # utterance no worker has started, until it meets them. A clip is the same
            # whoever speaks it.
            cache = ClipCache(cache_dir)
            for key in reversed(order):
                engine = voices.get(missing[key].voice.engine)
                if not engine.mostly_waits or not futures[key].cancel():
                    break
                cache.put(key, voices.speak(missing[key]))
                one_more()
            for future in as_completed(f for f in futures.values() if not f.cancelled()):
                future.result()
                one_more()
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise


@contextlib.contextmanager
def _pool(shared: Executor | None, jobs: int) -> Iterator[Executor]:
    """The build's shared worker pool, or one of `jobs` processes for this stage."""
    if shared is not None:
        yield shared
        return
    from audioguide.system.stopping import follow_parent

    with ProcessPoolExecutor(jobs, mp_context=pool_context(), initializer=follow_parent) as own:
        yield own


def sweep_temp_files(*folders: Path) -> None:
    from audioguide.system import tempfiles

    tempfiles.sweep(*folders)  # and a killed build's private folders


def _select(guide: Guide, only: Sequence[str]) -> list[Episode]:
    ids = {ep.id for ep in guide.episodes}
    for wanted in only:
        if wanted not in ids:
            raise ScriptError(
                guide.where,
                f"no episode with id '{wanted}'",
                "episodes: " + ", ".join(ep.id for ep in guide.episodes),
            )
    return [ep for ep in guide.episodes if not only or ep.id in only]


def _prune(
    output: Path, old: Mapping[str, EpisodeRecord], new: Mapping[str, EpisodeRecord]
) -> None:
    """Remove files the last build wrote that no episode has now (renamed or removed);
    never one outside the output folder, whatever the record says."""
    keep = {rel for episode in new.values() for rel, _ in episode.files}
    for episode in old.values():
        for rel, _ in episode.files:
            path = inside(output, rel) if rel not in keep else None
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def build(
    scripts: Path,
    output: Path,
    *,
    cache_dir: Path,
    jobs: int = 1,
    force: bool = False,
    only: Sequence[str] = (),
    engine_factory: EngineFactory | None = None,
    progress: Progress | None = None,
    guide: Guide | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    alternates: Sequence[Alternate] = (),
    pool: Executor | None = None,
) -> BuildReport:
    """Build the guide in `scripts` into `output`, redoing only what changed: `run` with
    an `EditionPlan` of these (for callers that have not checked the guide)."""
    plan = EditionPlan(
        scripts,
        output,
        cache_dir,
        guide,
        jobs,
        force,
        tuple(only),
        drafts,
        base_url,
        tuple(alternates),
        engine_factory,
    )
    return run(plan, progress, pool)


def run(
    plan: EditionPlan, progress: Progress | None = None, pool: Executor | None = None
) -> BuildReport:
    """Build one edition as `plan` says, redoing only what changed; only approved
    episodes are published unless `plan.drafts`. `pool`, if given, runs speech and
    episodes instead of pools of `plan.jobs` processes made for this build."""
    engine_factory = plan.engine_factory
    if engine_factory is None:
        from audioguide.speech.registry import shared_engine

        engine_factory = shared_engine
    scripts, output, cache_dir, force = plan.scripts, plan.output, plan.cache_dir, plan.force
    guide = plan.guide or guidecache.load(cache_dir, scripts)
    selected = _select(guide, plan.only)
    require_tools()
    plans = plan_guide(guide)
    if not plan.checked:
        check_content(guide, plans)
    voices = Voices(engine_factory, guide.language)
    keys = {u: voices.key(u) for items in plans.values() for u in items if isinstance(u, Utterance)}
    cover = cover_of(guide, cache_dir)
    embedded = embedded_cover_of(cover, cache_dir)
    ep_keys = {ep.id: episode_key(guide, ep, plans[ep.id], keys, embedded) for ep in guide.episodes}
    pieces = {e.id: book_piece(output, ep_keys[e.id]) for e in guide.episodes if guide.audiobook}

    # Before the lock file is touched: nothing may be written through a link out.
    check_folders(output, WRITTEN_FOLDERS)
    record = plan.record
    if not plan.checked:
        record = read_record(output) if record is None else record
        outputs.check_owner(output, record, scripts, force)
    with build_lock(output / RECORD_DIR):
        record = outputs.claim(output, scripts, guide, record, force)
        if record.legacy:  # in the record now: the files of older builds go
            forget_legacy(output, cache_dir)
        sweep_temp_files(output, cache_dir)
        old = record.episodes
        todo = [e for e in selected if force or not _unchanged(output, old, e, ep_keys, pieces)]
        missing = _missing_clips(ClipCache(cache_dir), todo, plans, keys)
        synthesize(missing, cache_dir, voices, plan.jobs, progress, pool)
        job_list = [
            EpisodeJob(
                guide,
                ep,
                plans[ep.id],
                {u: keys[u] for u in plans[ep.id] if isinstance(u, Utterance)},
                ep_keys[ep.id],
                cache_dir,
                output,
                embedded,
                engine_factory,
                pieces.get(ep.id),
                speculate=len(todo) < plan.jobs,
            )
            for ep in todo
        ]
        states = {k: v for k, v in old.items() if k in ep_keys}
        record = _encode(job_list, record, states, output, plan.jobs, pool, progress)
        _prune(output, old, states)
        rebuilt = {job.episode.id for job in job_list}
        results = tuple(
            result_of(ep, states[ep.id], output, ep.id in rebuilt)
            for ep in guide.episodes
            if ep.id in states
        )
        book = BookSource(pieces, embedded) if guide.audiobook else None
        went_out, publication = _publish(
            guide, output, results, plan.drafts, plan.base_url, cover, plan.alternates, book
        )
        drop_old_pieces(output, pieces.values())
        # Again: an encoder orphaned by a killed build finishes its (hidden) file when
        # its input ends, which may be after the sweep at the start.
        sweep_temp_files(output)
        _finish(plan, replace(record, published=went_out), publication.files)
    cached = len(keys) - len(missing)
    # The manifest hashes every published file: it changes with whatever went out.
    republished = output / "manifest.json" in publication.changed
    return BuildReport(guide, output, results, len(missing), cached, went_out, republished)


def _finish(plan: EditionPlan, record: OutputRecord, published: Sequence[Path]) -> None:
    """Write the record at the end of the build; stamped after a full one (the session
    gives the hash of its inputs), for the next no-op build."""
    if plan.inputs is not None:
        files = [rel for episode in record.episodes.values() for rel, _ in episode.files]
        files += [path.relative_to(plan.output).as_posix() for path in published]
        record = fresh.sealed(plan.output, record, plan.inputs, files)
    write_record(plan.output, record)


def _encode(
    job_list: list[EpisodeJob],
    record: OutputRecord,
    states: dict[str, EpisodeRecord],
    output: Path,
    jobs: int,
    pool: Executor | None,
    progress: Progress | None,
) -> OutputRecord:
    """Build the episodes into `states`, saving the record after each one."""
    built = _run_jobs(job_list, jobs, pool, meanwhile=_prepare_publish)
    for done, (job, episode) in enumerate(built, start=1):
        states[job.episode.id] = episode
        write_record(output, replace(record, episodes=states))
        if progress:
            progress("encoding", done, len(job_list))
    record = replace(record, episodes=dict(states))
    write_record(output, record)  # without the removed episodes, before their files go
    return record


def _unchanged(
    output: Path,
    states: Mapping[str, EpisodeRecord],
    ep: Episode,
    ep_keys: dict[str, str],
    pieces: dict[str, Path],
) -> bool:
    """Whether the last build made this episode from the same inputs, its files whole
    (its audiobook piece too: one gone with a cleaned cache is made again)."""
    state = states.get(ep.id)
    if ep.id in pieces and not pieces[ep.id].is_file():
        return False
    return state is not None and state.key == ep_keys[ep.id] and files_match(output, state)


def _publish(
    guide: Guide,
    output: Path,
    results: tuple[EpisodeResult, ...],
    drafts: bool,
    base_url: str | None,
    cover: bytes,
    alternates: Sequence[Alternate],
    book: BookSource | None = None,
) -> tuple[Published, Publication]:
    """Publish the approved episodes (all with `drafts`); return what went out and
    what publishing wrote and removed."""
    from audioguide.publish import publish

    status = {ep.id: ep.status for ep in guide.episodes}
    published = [r for r in results if drafts or status[r.id] == "approved"]
    publication = publish(guide, published, output, base_url, cover, alternates, book)
    return outputs.published_of(guide, [r.id for r in published]), publication


def _missing_clips(
    cache: ClipCache,
    episodes: Sequence[Episode],
    plans: dict[str, tuple[Item, ...]],
    keys: dict[Utterance, str],
) -> dict[str, Utterance]:
    """The clips the episodes to build need and the cache lacks, or holds damaged.

    Each clip is read and checked (`ClipCache.get`, which drops a damaged one), so a
    damaged clip is spoken again here and counted as spoken, not "from the cache". The
    episodes' workers read the same files moments later, from the page cache.
    """
    wanted = {keys[u]: u for ep in episodes for u in plans[ep.id] if isinstance(u, Utterance)}
    return {key: u for key, u in wanted.items() if key not in cache or cache.get(key) is None}


def _run_jobs(
    jobs_list: list[EpisodeJob],
    jobs: int,
    pool: Executor | None = None,
    meanwhile: Callable[[], None] = lambda: None,
) -> Iterator[tuple[EpisodeJob, EpisodeRecord]]:
    """Build the episodes, in worker processes if there are workers; `meanwhile` runs
    here while they work."""
    if pool is None and (jobs <= 1 or len(jobs_list) < 2):
        for job in jobs_list:
            yield job, build_episode(job)
        meanwhile()
        return
    with _pool(pool, min(jobs, len(jobs_list))) as workers:
        futures: dict[Future[EpisodeRecord], EpisodeJob] = {
            workers.submit(build_episode, job): job for job in jobs_list
        }
        meanwhile()
        for future in as_completed(futures):
            yield futures[future], future.result()


@contextlib.contextmanager
def workers(jobs: int) -> Iterator[Executor]:
    """The worker processes of a build, started at once: each loads the audio stack
    while this process reads the scripts and plans."""
    with ProcessPoolExecutor(jobs, mp_context=pool_context(), initializer=warm_worker) as pool:
        # The first task starts every worker now, while this process has one thread: a
        # fork taken while another thread holds a lock would copy it held, for ever.
        # (Forked only while that is safe at all: see `start_method`.)
        pool.submit(os.getpid)
        yield pool


def _prepare_publish() -> None:
    from audioguide import publish  # the import and the page's template take a while

    publish.prepare()
