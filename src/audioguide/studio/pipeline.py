"""The studio's one door to the pipeline: every load, check, sentence, preview and build
the studio makes goes through here, and here only calls the library's entry point
(`audioguide.build.session`), as the commands do. Nothing here knows the order of the stages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audioguide.build import session
from audioguide.build.stages import Progress
from audioguide.check.checks import Diagnostic
from audioguide.loader.editions import Edition, editions
from audioguide.model import Episode, Guide
from audioguide.speech.base import Clip
from audioguide.speech.cache import decode_wav, wav_bytes

Checked = session.Checked


def options(scripts: Path, output: Path, cache_dir: Path) -> session.BuildOptions:
    """The studio's build options: what `audioguide build SCRIPTS` would be given."""
    return session.BuildOptions(scripts, output, cache_dir, jobs=session.default_jobs())


def find_editions(scripts: Path, output: Path) -> list[Edition]:
    return editions(scripts, output)


def check_edition(edition: Edition, cache_dir: Path) -> session.Checked:
    """One edition as `audioguide check` sees it; never raises for a script's mistake.
    If an episode file does not load, the others stay usable (`Checked.usable`) and
    checked: the studio keeps them open while that file is fixed."""
    from audioguide.speech.registry import create_engine

    return session.check_edition(edition, cache_dir, create_engine, healthy=True)


def remember(checked: session.Checked, cache_dir: Path) -> None:
    """Keep a guide the studio loaded in the guide cache, where the session's speech and
    previews (and the next build) look first: a sentence played after a save does not
    parse every script again."""
    from audioguide.loader import guidecache

    if checked.guide is not None:
        guidecache.remember(cache_dir, checked.edition.scripts, checked.guide)
    elif checked.healthy is not None:  # in an entry of its own, which builds never read
        guidecache.remember(cache_dir, checked.edition.scripts, checked.healthy, healthy=True)


def errors_of(checked: session.Checked) -> tuple[Diagnostic, ...]:
    return tuple(d for d in checked.diagnostics if d.severity == "error")


def estimated_seconds(guide: Guide, episode: Episode) -> float:
    from audioguide.plan import text
    from audioguide.plan.estimate import episode_seconds, sound_file_seconds

    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    return episode_seconds(guide, episode, speak, sound_file_seconds)


_speaking = threading.Lock()  # one engine process speaks one sentence at a time


@dataclass(frozen=True)
class Spoken:
    wav: bytes
    seconds: float
    sentences: int


def speak(
    build: session.BuildOptions,
    edition: str,
    episode: str,
    segment: int,
    words: str,
    trying: tuple[tuple[str, str], ...] = (),
) -> Spoken:
    """`words` as the build says them in that segment: sentence by sentence (as the
    build splits a `say`), each through `session.speak` (the build's engine, voice,
    lexicon and clip cache), joined by the guide's sentence pause when several.
    `trying`: lexicon entries not saved yet, applied first (they win over the guide's)."""
    from audioguide.plan import text

    sentences = [s for paragraph in text.paragraphs(words) for s in paragraph]
    if trying:
        first = text.compile_lexicon(trying)
        sentences = [first(s) for s in sentences]
    if not sentences:
        raise ValueError("nothing to say")
    with _speaking:
        paths = [
            session.speak(
                build, s, edition=edition, episode=episode, segment=segment + 1, healthy=True
            )
            for s in sentences
        ]
        _, guide = session.load_edition(build, edition, healthy=True)
    clips = [decode_wav(p.read_bytes()) for p in paths]
    rate = clips[0].rate
    gap = b"\0\0" * round(guide.pauses.sentence * rate)
    joined = Clip(gap.join(c.pcm for c in clips), rate)
    return Spoken(wav_bytes(joined), joined.seconds, len(clips))


def preview(build: session.BuildOptions, edition: str, episode: str, chapter: str | None) -> Path:
    """The mastered preview of an episode or one chapter, as `audioguide preview`
    renders it (in OUTPUT/preview/)."""
    with _speaking:
        return session.preview(build, episode, chapter=chapter, edition=edition, healthy=True)


def build(build: session.BuildOptions, progress: Progress) -> list[str]:
    """Build every edition as `audioguide build` does; its summary lines.

    For a process of its own (see `studio.building`): the build forks workers, which a
    process serving requests on several threads must not do.
    """
    from audioguide.build.summary import summary_lines

    reports = session.build(build, progress)
    lines: list[str] = []
    for edition, report in reports:
        if len(reports) > 1:
            lines.append(f"{report.guide.title} ({report.guide.language}) -> {edition.output}/")
        lines += summary_lines(report, edition.output)
    return [line.replace(*STUDIO_ADVICE) for line in lines]


# The build's advice names a command-line flag; the studio has the Status box instead.
STUDIO_ADVICE = (
    "set status: approved in the episode, or build with --drafts.",
    "set its Status to approved on the episode's page.",
)


def proof(build: session.BuildOptions, progress: Progress) -> list[str]:
    """Proof every edition as `audioguide proof --suggest` does; its summary lines.
    For a process of its own, as `build` is (the recognizer runs threads of its own)."""
    from audioguide.proof import report
    from audioguide.proof.run import ProofOptions
    from audioguide.proof.run import proof as run_proof

    options = ProofOptions(
        build.scripts, build.output, build.cache_dir, suggest=True, threads=build.jobs
    )
    result = run_proof(options, progress)
    lines: list[str] = []
    for proofed in result.editions:
        lines += report.summary_lines(proofed, report.record_of(proofed, result.model))
    return lines


def proof_missing() -> str | None:
    """Why the studio cannot proof (the `proof` extra or its model is missing), or None."""
    from importlib.util import find_spec

    from audioguide.proof.recognizer import INSTALL_HINT, ProofUnavailable, find_model

    try:
        found = find_spec("faster_whisper")
    except ValueError:  # hidden from this process (sys.modules holds None)
        found = None
    if found is None:
        return f"proof needs the recognizer, faster-whisper, not installed ({INSTALL_HINT})"
    try:
        find_model()
    except ProofUnavailable as e:
        return str(e)
    return None


@dataclass(frozen=True)
class LastProof:
    """An edition's last proof as its records hold it (report.json: read as data, never
    trusted) and what `build` would say of it (current or not, signed off or not)."""

    report: dict[str, Any] | None
    status: list[str]


def last_proof(edition: Edition) -> LastProof:
    from audioguide.build.record import read_record
    from audioguide.build.summary import proof_lines
    from audioguide.proof.record import load_report

    published = read_record(edition.output).published
    status = proof_lines(published, edition.output) if published else []
    return LastProof(load_report(edition.output), status)
