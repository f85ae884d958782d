"""The Proof view: the last proof's flagged sentences and summary (read from the records
`audioguide proof` keeps, never heard again here), and the Proof now button.

The records are data: a field of the wrong type is shown as missing, never trusted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template

from audioguide.model import Episode, Say
from audioguide.proof.report import percent
from audioguide.studio import pipeline, rows
from audioguide.studio.app import studio
from audioguide.studio.builds import start_job
from audioguide.studio.pages import edition_key

bp = Blueprint("proofs", __name__)


@dataclass(frozen=True)
class Difference:
    expected: str
    heard: str
    severity: str


@dataclass(frozen=True)
class Flagged:
    """One flagged sentence as the page shows it; `segment` and `sentence` find it on its
    episode's page (None: it is not in a `say`, e.g. the intro)."""

    episode: str
    where: str
    expected: str
    heard: str
    severity: str
    differences: tuple[Difference, ...]
    suggestions: tuple[tuple[str, str], ...]
    segment: int | None
    sentence: int | None


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    return value if isinstance(value, str) else ""


def _places(episode: Episode) -> list[tuple[int, int, str]]:
    """(segment, sentence, text) of every sentence the episode's page shows."""
    return [
        (i, s.index, s.text)
        for i, seg in enumerate(episode.segments)
        if isinstance(seg, Say)
        for s in rows.sentences_of(seg)
    ]


def flagged(report: Mapping[str, Any], episodes: Mapping[str, Episode]) -> list[Flagged]:
    """The report's flagged sentences, in the order they are said, each placed on its
    episode's page by its words (the next sentence written so, in order)."""
    sentences = report.get("sentences")
    found: list[Flagged] = []
    after: dict[str, int] = {}  # per episode: how far its page's sentences are matched
    for item in sentences if isinstance(sentences, list) else []:
        if not isinstance(item, dict):
            continue
        episode, expected = _text(item, "episode"), _text(item, "expected")
        places = _places(episodes[episode]) if episode in episodes else []
        start = after.get(episode, 0)
        match = next((n for n in range(start, len(places)) if places[n][2] == expected), None)
        if match is not None:
            after[episode] = match + 1
        differences = item.get("differences")
        if not isinstance(differences, list) or not differences:
            continue
        fixes = item.get("lexicon_suggestions")
        found.append(
            Flagged(
                episode,
                _text(item, "where"),
                expected,
                _text(item, "heard"),
                _text(item, "severity"),
                tuple(
                    Difference(_text(d, "expected"), _text(d, "heard"), _text(d, "severity"))
                    for d in differences
                    if isinstance(d, dict)
                ),
                tuple(
                    (w, s)
                    for w, s in (fixes.items() if isinstance(fixes, dict) else ())
                    if isinstance(w, str) and isinstance(s, str)
                ),
                places[match][0] if match is not None else None,
                places[match][1] if match is not None else None,
            )
        )
    return found


def _summary(report: Mapping[str, Any]) -> dict[str, Any]:
    summary = report.get("summary")
    items = summary.items() if isinstance(summary, dict) else ()
    counts = {k: v for k, v in items if isinstance(v, int)}
    model = report.get("model")
    return {
        **{k: counts.get(k, 0) for k in ("sentences", "checked", "flagged", "skipped")},
        "wer": percent(counts.get("word_errors", 0), counts.get("words", 0)),
        "model": _text(model, "name") if isinstance(model, dict) else "",
        "not_heard_because": _text(report, "not_heard_because"),
    }


def _editions() -> Iterator[dict[str, Any]]:
    for loaded in studio().workspace.editions():
        last = pipeline.last_proof(loaded.edition)
        guide = loaded.guide
        episodes = {ep.id: ep for ep in guide.episodes} if guide else {}
        report = last.report
        yield {
            "key": edition_key(loaded.edition.name),
            "title": guide.title if guide else str(loaded.edition.scripts),
            "language": guide.language if guide else "",
            "titles": {i: ep.title for i, ep in episodes.items()},
            "status": last.status,
            "summary": _summary(report) if report else None,
            "flagged": flagged(report, episodes) if report else [],
        }


@bp.get("/proof")
def page() -> str:
    return render_template(
        "proof.html",
        editions=list(_editions()),
        token=current_app.config["STUDIO_TOKEN"],
        version="",  # the records change only by a proof, which reloads the page itself
    )


@bp.post("/api/proof")
def start() -> tuple[Response, int]:
    """Proof now: refused in one sentence when the recognizer cannot run here."""
    missing = pipeline.proof_missing()
    if missing:
        abort(503, missing)
    if studio().builder.running:
        abort(409, "a build is running: proof the audio once it is built")
    return start_job(studio().prover)


@bp.get("/api/proof")
def status() -> Response:
    return jsonify(studio().prover.status.as_json())
