"""The build: the only module that knows the order of the stages.

load -> plan every episode -> synthesize missing clips into the cache -> for each
episode: render, master, export MP3 + transcripts. Nothing is written to the output
folder until the whole guide has loaded and every clip exists, so a mistake in the
scripts or a failing engine leaves the earlier outputs as they were.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from audioguide import master, text, transcript
from audioguide.assemble import RATE, render
from audioguide.cache import ClipCache, clip_key
from audioguide.engines.base import Clip, Engine
from audioguide.engines.registry import create_engine
from audioguide.errors import ToolMissingError
from audioguide.export import Tags, write_episode_mp3
from audioguide.fsutil import atomic_write_text
from audioguide.loader import load_guide
from audioguide.model import Episode, Guide
from audioguide.timeline import Item, Utterance, plan_episode, utterances
from audioguide.report import BuildReport, ChapterMark, EpisodeResult

EngineFactory = Callable[[str, str], Engine]
Progress = Callable[[str, int, int], None]
EPISODES_DIR = "episodes"


def episode_stem(episode: Episode) -> str:
    return f"{episode.number:02d}-{episode.id}"


def require_tools() -> None:
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise ToolMissingError(
                f"{tool} is not installed; install it with: sudo apt-get install ffmpeg"
            )


class _Voices:
    """Engines by name, created on first use so a warm cache starts none."""

    def __init__(self, factory: EngineFactory, language: str) -> None:
        self.factory = factory
        self.language = language
        self.engines: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        if name not in self.engines:
            self.engines[name] = self.factory(name, self.language)
        return self.engines[name]


def _key(voices: _Voices, u: Utterance) -> str:
    engine = voices.get(u.voice.engine)
    return clip_key(engine.name, engine.version, u.voice, u.spoken)


def synthesize(
    plans: Mapping[str, tuple[Item, ...]],
    cache: ClipCache,
    voices: _Voices,
    progress: Progress | None = None,
) -> tuple[dict[Utterance, str], int]:
    """Make sure every utterance has a clip in the cache; return keys and clips spoken."""
    keys: dict[Utterance, str] = {}
    for items in plans.values():
        for u in utterances(items):
            keys.setdefault(u, _key(voices, u))
    missing = {key: u for u, key in keys.items() if key not in cache}
    for done, (key, u) in enumerate(sorted(missing.items()), start=1):
        cache.put(key, voices.get(u.voice.engine).synthesize(u.spoken, u.voice))
        if progress:
            progress("speaking", done, len(missing))
    return keys, len(missing)


def _transcript_blocks(items: tuple[Item, ...]) -> list[transcript.TranscriptBlock]:
    return transcript.blocks_from_timeline(items)


def build_episode(
    guide: Guide,
    episode: Episode,
    items: tuple[Item, ...],
    clip_for: Callable[[Utterance], Clip],
    out_dir: Path,
    cover: bytes | None = None,
) -> EpisodeResult:
    rendered = render(items, clip_for, RATE)
    mastered, report = master.master(rendered.samples, rendered.rate, guide.mastering)
    end_ms = round(rendered.seconds * 1000)
    starts = [round(c.start * 1000) for c in rendered.chapters]
    chapters = tuple(
        ChapterMark(c.title, start, (starts[i + 1] if i + 1 < len(starts) else end_ms))
        for i, (c, start) in enumerate(zip(rendered.chapters, starts, strict=True))
    )
    tags = Tags(
        title=episode.title,
        album=guide.title,
        artist=guide.author,
        track=episode.number,
        track_total=len(guide.episodes),
        year=episode.date[:4],
        language=guide.language,
        comment=guide.credit,
        chapters=chapters,
        cover=cover,
    )
    stem = out_dir / episode_stem(episode)
    mp3 = stem.with_suffix(".mp3")
    write_episode_mp3(mastered.tobytes(), rendered.rate, tags, mp3)
    atomic_write_text(stem.with_suffix(".vtt"), transcript.vtt(rendered.cues))
    atomic_write_text(
        stem.with_suffix(".txt"),
        transcript.plain_text(episode.title, _transcript_blocks(items), guide.credit),
    )
    return EpisodeResult(
        id=episode.id,
        number=episode.number,
        title=episode.title,
        summary=episode.summary,
        date=episode.date,
        mp3=mp3,
        vtt=stem.with_suffix(".vtt"),
        txt=stem.with_suffix(".txt"),
        seconds=rendered.seconds,
        loudness=report.output_loudness,
        true_peak=report.output_true_peak,
        size=mp3.stat().st_size,
        chapters=chapters,
    )


def plan_guide(guide: Guide) -> dict[str, tuple[Item, ...]]:
    speak = text.compile_lexicon(dict(guide.lexicon))
    return {ep.id: plan_episode(guide, ep, speak) for ep in guide.episodes}


def build(
    scripts: Path,
    output: Path,
    *,
    cache_dir: Path,
    engine_factory: EngineFactory = create_engine,
    progress: Progress | None = None,
) -> BuildReport:
    """Build every episode of the guide in `scripts` into `output`."""
    guide = load_guide(scripts)
    require_tools()
    plans = plan_guide(guide)
    cache = ClipCache(cache_dir)
    voices = _Voices(engine_factory, guide.language)
    keys, spoken = synthesize(plans, cache, voices, progress)

    def clip_for(u: Utterance) -> Clip:
        clip = cache.get(keys[u])
        if clip is None:  # removed or damaged since it was written: speak it again
            clip = voices.get(u.voice.engine).synthesize(u.spoken, u.voice)
            cache.put(keys[u], clip)
        return clip

    cover = guide.cover.read_bytes() if guide.cover else None
    out_dir = output / EPISODES_DIR
    results = []
    for done, episode in enumerate(guide.episodes, start=1):
        results.append(build_episode(guide, episode, plans[episode.id], clip_for, out_dir, cover))
        if progress:
            progress("encoding", done, len(guide.episodes))
    return BuildReport(guide, output, tuple(results), spoken, len(keys) - spoken)
