"""A proof as people read it: `check`-style lines, a summary with word error rates,
the JSON record and a small HTML page (kept beside the records, never published).

Pure: results in, text out. The record holds no time, so the same audio heard by the
same model gives the same bytes; a sign-off adds its time in its own file.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from audioguide.build.summary import plural
from audioguide.proof.compare import SEVERITIES

if TYPE_CHECKING:
    from audioguide.proof.recognizer import Model
    from audioguide.proof.run import EditionProof, Result


def _quoted(words: Iterable[str]) -> str:
    said = " ".join(words)
    return f'"{said}"' if said else "nothing"


def what_differs(result: Result) -> str:
    """`heard "maybe" for "baby"; heard nothing for "three"`."""
    assert result.comparison is not None
    return "; ".join(
        f"heard {_quoted(d.heard)} for {_quoted(d.expected)}" for d in result.comparison.differences
    )


def line(result: Result) -> str:
    """One flagged sentence, as `check` prints a finding."""
    assert result.comparison is not None
    severity = result.comparison.severity
    s = result.sentence
    text = f"{s.where}: {severity}: {what_differs(result)} (in '{s.display}'"
    if result.suggestions:
        text += "; lexicon: " + ", ".join(f"{w}: {r}" for w, r in result.suggestions)
    return text + ")"


def wer(results: Iterable[Result]) -> tuple[int, int]:
    """(word errors, expected words) of the sentences that were heard."""
    errors = words = 0
    for r in results:
        if r.comparison is not None:
            errors += r.comparison.errors
            words += r.comparison.words
    return errors, words


def percent(errors: int, words: int) -> str:
    return f"{100 * errors / words:.1f} %" if words else "-"


def episodes(proofed: EditionProof) -> list[dict[str, Any]]:
    audio = dict(proofed.audio)
    rows = []
    for ep in proofed.guide.episodes:
        mine = [r for r in proofed.results if r.sentence.episode == ep.id]
        errors, words = wer(mine)
        rows.append(
            {
                "id": ep.id,
                "title": ep.title,
                "mp3_sha256": audio.get(ep.id, ""),
                "sentences": len(mine),
                "checked": sum(r.comparison is not None for r in mine),
                "flagged": sum(r.flagged for r in mine),
                "word_errors": errors,
                "words": words,
            }
        )
    return rows


def record_of(proofed: EditionProof, model: Model) -> dict[str, Any]:
    errors, words = wer(proofed.results)
    sentences = []
    for r in proofed.results:
        item: dict[str, Any] = {
            "episode": r.sentence.episode,
            "where": str(r.sentence.where),
            "expected": r.sentence.display,
            "heard": r.heard,
            "clip": r.sentence.key,
        }
        if r.comparison is not None:
            item["severity"] = r.comparison.severity
            item["differences"] = [
                {
                    "expected": " ".join(d.expected),
                    "heard": " ".join(d.heard),
                    "severity": d.severity,
                }
                for d in r.comparison.differences
            ]
        if r.suggestions:
            item["lexicon_suggestions"] = dict(r.suggestions)
        sentences.append(item)
    return {
        "guide": proofed.guide.title,
        "language": proofed.guide.language,
        "model": {"name": model.name, "sha256": model.digest, "decoding": model.identity},
        "not_heard_because": proofed.skipped,
        "summary": {
            "sentences": len(proofed.results),
            "checked": sum(r.comparison is not None for r in proofed.results),
            "flagged": sum(r.flagged for r in proofed.results),
            "skipped": sum(r.comparison is None for r in proofed.results),
            "word_errors": errors,
            "words": words,
        },
        "episodes": episodes(proofed),
        "sentences": sentences,
    }


def summary_lines(proofed: EditionProof, data: Mapping[str, Any]) -> list[str]:
    """Each episode's counts and word error rate, then the edition's."""
    name = proofed.edition.name or proofed.guide.language
    total = data["summary"]
    if proofed.skipped:
        return [
            f"{proofed.edition.output}/: warning: {name}: not proofed: {proofed.skipped} "
            f"({plural(total['sentences'], 'sentence')} not heard)"
        ]
    width = max((len(ep["id"]) for ep in data["episodes"]), default=0)
    lines = []
    for ep in data["episodes"]:
        lines.append(
            f"  {ep['id']:<{width}}  {ep['checked']:>4} checked  {ep['flagged']:>3} flagged  "
            f"WER {percent(ep['word_errors'], ep['words'])}"
        )
    lines.append(
        f"{name}: {plural(total['checked'], 'sentence')} checked, {total['flagged']} flagged, "
        f"WER {percent(total['word_errors'], total['words'])}"
        + (f", {total['skipped']} not heard" if total["skipped"] else "")
    )
    return lines


_STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;
text-align:left;vertical-align:top}.error{color:#a00}.warning{color:#850}.note{color:#555}
.sign{border:1px solid #888;padding:1rem;margin-top:2rem}"""


def _rows(results: Iterable[Result]) -> str:
    out = []
    for r in results:
        if not r.flagged:
            continue
        assert r.comparison is not None
        sev = r.comparison.severity or ""
        fixes = ", ".join(f"{w}: {s}" for w, s in r.suggestions)
        cells = [str(r.sentence.where), r.sentence.display, what_differs(r), fixes]
        out.append(
            f'<tr class="{sev}"><td>{html.escape(sev)}</td>'
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    return "\n".join(out)


def render_html(proofed: EditionProof, model: Model, data: Mapping[str, Any]) -> str:
    """A page to read and sign: every flagged sentence, the counts, what was not heard."""
    e = html.escape
    total = data["summary"]
    episode_rows = "\n".join(
        f"<tr><td>{e(ep['id'])}</td><td>{ep['checked']}</td><td>{ep['flagged']}</td>"
        f"<td>{percent(ep['word_errors'], ep['words'])}</td></tr>"
        for ep in data["episodes"]
    )
    skipped = f"<p><strong>Not heard:</strong> {e(proofed.skipped)}</p>" if proofed.skipped else ""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    flagged = sorted(
        (r for r in proofed.results if r.flagged),
        key=lambda r: order.get((r.comparison.severity if r.comparison else None) or "", 9),
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proof: {e(proofed.guide.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>{_STYLE}</style></head><body>
<h1>Proof-listening: {e(proofed.guide.title)} ({e(proofed.guide.language)})</h1>
<p>Every sentence of the built audio was heard by {e(model.name)}, a speech recognizer, and
compared with the script. {total["checked"]} of {total["sentences"]} sentences heard,
{total["flagged"]} flagged; word error rate {percent(total["word_errors"], total["words"])}.
A flagged sentence is one to listen to: the recognizer may be wrong, the voice may be.
A sentence not flagged was heard as written, which is not the same as sounding right.</p>
{skipped}
<h2>Episodes</h2>
<table><tr><th>episode</th><th>checked</th><th>flagged</th><th>WER</th></tr>
{episode_rows}</table>
<h2>Flagged sentences, most serious first</h2>
<table><tr><th>severity</th><th>where</th><th>written</th><th>heard</th><th>lexicon fix</th></tr>
{_rows(flagged)}</table>
<div class="sign"><p>To sign this audio off after listening to the flagged sentences:
<code>audioguide proof --sign "Your Name"</code>. The sign-off records your name, the time
and the hash of the published manifest.</p></div>
</body></html>
"""
