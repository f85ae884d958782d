"""Read-along: which sentences of a transcript paragraph are which caption cues.

The page marks the sentence being spoken and seeks when one is tapped. Chromium will not
`fetch` a `.vtt` beside a page opened from disk, so the cue times are written into the
page itself, on each sentence, from the same cues as the episode's VTT.

The plain-text transcript and the VTT are made from the same sentences (see
`transcript.plain_text` and `transcript.vtt`): a paragraph is its cues' texts joined by
single spaces. A paragraph that does not split that way (an older build, an edited
file) is shown without times rather than with wrong ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audioguide.export.transcript import CueLike
from audioguide.publish.common import clean


@dataclass(frozen=True)
class Sentence:
    text: str
    start: str  # seconds, as written into data-start
    end: str


def _seconds(value: float) -> str:
    return repr(round(float(value), 3))


def _split(paragraph: str, cues: Sequence[CueLike], first: int) -> tuple[Sentence, ...] | None:
    """The cues from `first` on that make up `paragraph` exactly, or None."""
    rest, found = paragraph, []
    for cue in cues[first:]:
        text = " ".join(clean(cue.text).split())
        if not text or not rest.startswith(text):
            break
        found.append(Sentence(text, _seconds(cue.start), _seconds(cue.end)))
        rest = rest[len(text) :].lstrip(" ")
        if not rest:
            return tuple(found)
    return None


def sentences(paragraphs: Sequence[str], cues: Sequence[CueLike]) -> list[tuple[Sentence, ...]]:
    """For each paragraph (in order), its sentences with times; () where none fit.

    Cues are used in order; one that belongs to no paragraph (a caption the transcript
    leaves out) is skipped.
    """
    out: list[tuple[Sentence, ...]] = []
    next_cue = 0
    for paragraph in paragraphs:
        for first in range(next_cue, len(cues)):
            found = _split(paragraph, cues, first)
            if found:
                out.append(found)
                next_cue = first + len(found)
                break
        else:
            out.append(())
    return out
