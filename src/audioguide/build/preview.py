"""`audioguide preview`: render one episode, or one segment or chapter of it, to a WAV.

What to preview and its plan; `session.preview` renders it through the build's clip
source (the clip cache, or speech into it, so the next build reuses it) and masters it
to the guide's loudness: nothing is encoded or published. A part of an episode is
planned without the chime, intro and outro, so staff hear just the lines they are
working on.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import ScriptError
from audioguide.model import Chapter, Episode, Guide, Pause, Segment
from audioguide.plan import text
from audioguide.plan.timeline import Item, plan_episode
from audioguide.system import hostos

PREVIEW_DIR = Path("output") / "preview"
# Tried in this order; the arguments make each play the file once and exit.
PLAYERS = hostos.players()


@dataclass(frozen=True)
class Part:
    """What to preview: an episode, whole or some of its segments."""

    episode: Episode
    segments: tuple[Segment, ...]
    label: str  # "" for the whole episode, else e.g. "seg3" or "ch-serve-and-return"

    @property
    def whole(self) -> bool:
        return not self.label


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:40] or "chapter"


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def select(
    guide: Guide, episode_id: str, *, segment: int | None = None, chapter: str | None = None
) -> Part:
    """The part of an episode to preview; ScriptError (exit 2) naming what there is."""
    episode = next((ep for ep in guide.episodes if ep.id == episode_id), None)
    if episode is None:
        raise ScriptError(
            guide.where,
            f"no episode with id '{episode_id}'",
            "episodes: " + ", ".join(ep.id for ep in guide.episodes),
        )
    segments = episode.segments
    if segment is not None:
        if not 1 <= segment <= len(segments):
            raise ScriptError(
                episode.where,
                f"episode '{episode.id}' has {len(segments)} segments, no segment {segment}",
                f"pick 1 to {len(segments)}",
            )
        chosen = segments[segment - 1]
        if isinstance(chosen, Pause):
            raise ScriptError(
                chosen.where, f"segment {segment} is a pause: nothing to hear", "pick another"
            )
        if isinstance(chosen, Chapter):  # a chapter mark alone is silent: play its chapter
            return Part(episode, _chapter_segments(segments, segment - 1), f"seg{segment}")
        return Part(episode, (chosen,), f"seg{segment}")
    if chapter is not None:
        for i, seg in enumerate(segments):
            if isinstance(seg, Chapter) and _same_title(seg.title, chapter):
                return Part(episode, _chapter_segments(segments, i), f"ch-{_slug(seg.title)}")
        titles = [s.title for s in segments if isinstance(s, Chapter)]
        raise ScriptError(
            episode.where,
            f"episode '{episode.id}' has no chapter '{chapter}'",
            "chapters: " + "; ".join(titles) if titles else "it has no chapters",
        )
    return Part(episode, segments, "")


def _chapter_segments(segments: tuple[Segment, ...], start: int) -> tuple[Segment, ...]:
    """From the chapter mark at `start` up to the next chapter mark."""
    end = next(
        (i for i in range(start + 1, len(segments)) if isinstance(segments[i], Chapter)),
        len(segments),
    )
    return segments[start:end]


def plan_part(guide: Guide, part: Part) -> tuple[Item, ...]:
    """The part's timeline (pure). Its sentences are the build's own, with the same
    voices and spoken text, so their clips are shared with the build through the cache."""
    if part.whole:
        speak = text.compile_lexicon(guide.lexicon, language=guide.language)
        return plan_episode(guide, part.episode, speak)
    bare = dataclasses.replace(guide, chime=False, intro="", outro="")
    episode = dataclasses.replace(part.episode, segments=part.segments)
    return plan_episode(bare, episode, text.compile_lexicon(guide.lexicon, language=guide.language))


def default_path(part: Part, folder: Path = PREVIEW_DIR) -> Path:
    name = part.episode.id + (f"-{part.label}" if part.label else "")
    return folder / f"{name}.wav"


def find_player(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The command that plays a file with the first player installed, or None."""
    for name, args in PLAYERS:
        found = which(name)
        if found:
            return [found, *args]
    return None


def play(path: Path, say: Callable[[str], None]) -> None:
    """Play `path` with the first player installed, telling `say` which (or that none is)."""
    import contextlib
    import subprocess

    if hostos.play_in_process(path):  # Windows: winsound, no player to find
        say("Played.")
        return
    command = find_player()
    if command is None:
        names = ", ".join(name for name, _ in PLAYERS)
        say(f"No audio player found (looked for {names}); open {path} yourself.")
        return
    say(f"Playing with {Path(command[0]).name} (Ctrl-C stops).")
    with contextlib.suppress(KeyboardInterrupt):  # stopping the player is not an error
        subprocess.run([*command, str(path)], check=False)
