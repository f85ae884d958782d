"""The proof's conductor: every edition's sentences, the clips the last build made of
them, each clip heard once per model (results kept by clip key and model), what was
heard compared with what is written, and the records written.

    from audioguide.proof.run import ProofOptions, proof

    result = proof(ProofOptions(Path("scripts"), Path("output"), Path(".audioguide-cache")))
    print(result.recognized, "sentences heard now")

Only this module (through `recognizer`) loads the recognizer, and only when a
sentence has not been heard before by this model.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import AudioguideError, short
from audioguide.loader.editions import Edition, editions
from audioguide.model import Guide
from audioguide.proof import normalize, record
from audioguide.proof.compare import Comparison, compare
from audioguide.proof.recognizer import MEMO, Model, Recognizer, find_model
from audioguide.proof.sentences import Planned, Sentence, plan
from audioguide.speech.base import Clip, EngineFactory

Progress = Callable[[str, int, int], None]


class ProofError(AudioguideError):
    """The audio to proof is not there or not readable (exit status 1)."""


@dataclass(frozen=True)
class ProofOptions:
    scripts: Path
    output: Path
    cache_dir: Path
    model: Path | None = None
    """A Whisper model folder in CTranslate2 format; None: the `proof` extra's."""
    sign: str | None = None
    """Sign the proofed audio off in this name."""
    suggest: bool = False
    """Try respellings of misheard words (speech and recognition for each)."""
    threads: int = 2
    engine_factory: EngineFactory | None = None


@dataclass(frozen=True)
class Result:
    """One sentence: what was heard (None: not heard, see the edition's reason)."""

    sentence: Sentence
    heard: str | None
    comparison: Comparison | None
    suggestions: tuple[tuple[str, str], ...] = ()

    @property
    def flagged(self) -> bool:
        return self.comparison is not None and bool(self.comparison.differences)


@dataclass(frozen=True)
class EditionProof:
    edition: Edition
    guide: Guide
    results: tuple[Result, ...]
    skipped: str = ""
    """Why this edition was not heard ("" when it was)."""
    audio: tuple[tuple[str, str], ...] = ()
    """(episode id, sha256 of its MP3) of the audio heard."""


@dataclass(frozen=True)
class ProofReport:
    model: Model
    editions: tuple[EditionProof, ...]
    recognized: int
    """Clips heard by the recognizer in this run (the others were heard before)."""


def _load(edition: Edition, options: ProofOptions) -> Planned:
    from audioguide.loader import check_files, load_with_sources

    check_files(edition.scripts)
    guide, sources = load_with_sources(edition.scripts)
    return plan(guide, sources, engine_factory_of(options), options.cache_dir)


def engine_factory_of(options: ProofOptions) -> EngineFactory:
    if options.engine_factory is not None:
        return options.engine_factory
    from audioguide.speech.registry import shared_engine

    return shared_engine


def built_audio(edition: Edition, planned: Planned) -> tuple[tuple[str, str], ...]:
    """(episode, MP3 sha256) of each episode, checked to be built from these scripts.

    Raises ProofError naming the episodes the last build did not make as they are now:
    a proof hears the clips the published audio was made of, so it must be built first.
    """
    from audioguide.build.record import read_record

    states = read_record(edition.output).episodes
    if not states:
        raise ProofError(f"{edition.output}/: nothing built here yet; run audioguide build first")
    stale = [
        ep.id
        for ep in planned.guide.episodes
        if ep.id not in states or states[ep.id].key != planned.episode_keys[ep.id]
    ]
    if stale:
        raise ProofError(
            f"{edition.output}/: {len(stale)} episode(s) changed since the last build "
            f"({', '.join(stale[:5])}); run audioguide build first: proof hears the built audio"
        )
    audio = []
    for ep in planned.guide.episodes:
        mp3 = [digest for rel, digest in states[ep.id].files if rel.endswith(".mp3")]
        audio.append((ep.id, mp3[0] if mp3 else ""))
    return tuple(audio)


def read_clip(cache_dir: Path, sentence: Sentence) -> Clip:
    from audioguide.speech.cache import ClipCache

    cache = ClipCache(cache_dir)
    clip = cache.get(sentence.key)
    if clip is None:
        raise ProofError(
            f"{cache.wav_path(sentence.key)}: the clip of {sentence.where} "
            f"({short(sentence.display)!r}) is missing or unreadable; run "
            f"audioguide build --force -e {sentence.episode} to speak it again"
        )
    return clip


class Ears:
    """The recognizer, loaded on first use, and what it heard (by clip key and model)."""

    def __init__(self, model: Model, threads: int) -> None:
        self.model = model
        self.threads = max(1, threads)
        self._recognizer: Recognizer | None = None
        self.recognized = 0

    def recognizer(self) -> Recognizer:
        if self._recognizer is None:
            self._recognizer = Recognizer(self.model, self.threads)
        return self._recognizer

    def hear(self, clips: list[Clip], language: str, progress: Progress | None) -> list[str]:
        if not clips:
            return []
        recognizer = self.recognizer()
        done = 0

        def one(clip: Clip) -> str:
            nonlocal done
            text = recognizer.hear(clip, language)
            done += 1
            if progress:
                progress("hearing", done, len(clips))
            return text

        # Threads, each with a one-thread decoder: the model's workers run side by side
        # (a fifth faster than one decoder on two threads, measured here).
        with ThreadPoolExecutor(self.threads) as pool:
            heard = list(pool.map(one, clips))
        self.recognized += len(clips)
        return heard


def judge(sentence: Sentence, heard: str, names: frozenset[str]) -> Comparison:
    """Compare what was heard with the sentence as written. Never with the lexicon's
    respelling: a respelling heard as written ("1 8 0" for 180, a typo for a name) is
    what the listener hears, and it is the respelling that must be caught."""
    return compare(normalize.words(sentence.display, names), normalize.words(heard))


def _edition(
    edition: Edition,
    planned: Planned,
    ears: Ears,
    heard: dict[str, str],
    options: ProofOptions,
    progress: Progress | None,
) -> EditionProof:
    guide = planned.guide
    audio = built_audio(edition, planned)
    if not ears.model.hears(guide.language):
        reason = (
            f"no recognizer model for {guide.language} is installed ({ears.model.name} "
            "hears English only); give --model a multilingual Whisper model to proof it"
        )
        unheard = tuple(Result(s, None, None) for s in planned.sentences)
        return EditionProof(edition, guide, unheard, reason, audio)
    identity = ears.model.identity
    todo: dict[str, Sentence] = {}
    for s in planned.sentences:
        if record.heard_key(s.key, identity) not in heard:
            todo.setdefault(s.key, s)
    clips = [read_clip(options.cache_dir, s) for s in todo.values()]  # all, before hearing
    for key, text in zip(todo, ears.hear(clips, guide.language, progress), strict=True):
        heard[record.heard_key(key, identity)] = text
    names = frozenset(word for word, _ in guide.lexicon)
    results: list[Result] = []
    for s in planned.sentences:
        text = heard[record.heard_key(s.key, identity)]
        results.append(Result(s, text, judge(s, text, names)))
    if options.suggest:
        from audioguide.proof.suggest import suggest_all

        results = suggest_all(results, guide, ears, options, names)
    return EditionProof(edition, guide, tuple(results), "", audio)


def proof(options: ProofOptions, progress: Progress | None = None) -> ProofReport:
    """Proof every edition; write each one's records; sign if asked. Raises for a
    missing recognizer or model, unbuilt audio or an unreadable clip before any report
    is written (what was heard until then is kept: the next proof need not hear it)."""
    from audioguide.proof.report import record_of, render_html

    model = find_model(options.model, options.cache_dir / MEMO)
    ears = Ears(model, options.threads)
    found = editions(options.scripts, options.output)
    planned = [(edition, _load(edition, options)) for edition in found]  # every mistake first
    done = []
    for edition, plans in planned:
        heard = record.load_heard(edition.output)
        proofed = _edition(edition, plans, ears, heard, options, progress)
        used = {record.heard_key(r.sentence.key, model.identity) for r in proofed.results}
        record.save_heard(edition.output, {k: v for k, v in heard.items() if k in used})
        done.append(proofed)
    result = ProofReport(model, tuple(done), ears.recognized)
    for proofed in done:
        data = record_of(proofed, model)
        record.save_report(proofed.edition.output, data, render_html(proofed, model, data))
        if options.sign:
            sign(proofed, options.sign, data)
    return result


def sign(proofed: EditionProof, name: str, data: dict[str, object]) -> None:
    """Record who signed the proofed audio off, when, and the manifest it was part of."""
    from audioguide.system.fsutil import sha256_file

    manifest = proofed.edition.output / "manifest.json"
    if not manifest.is_file():
        raise ProofError(f"{manifest}: no published audio to sign (run audioguide build)")
    when = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    record.add_signoff(
        proofed.edition.output,
        {
            "name": name,
            "signed_at": when.isoformat().replace("+00:00", "Z"),
            "manifest_sha256": sha256_file(manifest),
            "episodes": dict(proofed.audio),
            "summary": data["summary"],
        },
    )
