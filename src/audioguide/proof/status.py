"""What `build`'s summary says about proof-listening: whether the published audio has a
current proof and sign-off, and which episodes changed since. Reads records only
(no recognizer, no audio), so a build pays a few file reads for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from audioguide.proof import record


def _changed(heard: Mapping[str, str], now: Mapping[str, str], ids: Sequence[str]) -> list[str]:
    return [i for i in ids if not now.get(i) or heard.get(i) != now.get(i)]


def _names(ids: Sequence[str]) -> str:
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


def status_lines(output: Path, published: Sequence[str], audio: Mapping[str, str]) -> list[str]:
    """Two lines, on the proof and on the sign-off of the `published` episodes, whose
    MP3s now have the sha256s in `audio` (episode id -> sha256)."""
    if not published:
        return []
    report = record.load_report(output)
    if report is None:
        return [
            "Proof: none yet: no machine has heard this audio "
            "(run audioguide proof before parents hear it)."
        ]
    if report.get("not_heard_because"):
        return [f"Proof: none: {report['not_heard_because']}."]
    changed = _changed(record.episode_audio(report), audio, published)
    where = record.folder(output) / record.HTML
    if changed:
        lines = [
            f"Proof: out of date: {len(changed)} of {len(published)} published episodes "
            f"changed since the last proof ({_names(changed)}); run audioguide proof."
        ]
    else:
        summary = report.get("summary", {})
        lines = [
            f"Proof: current for every published episode: {summary.get('checked', 0)} "
            f"sentences heard, {summary.get('flagged', 0)} flagged, "
            f"{summary.get('skipped', 0)} not heard ({where})."
        ]
    signoffs = record.load_signoffs(output)
    if not signoffs:
        return [*lines, "Sign-off: none (audioguide proof --sign NAME, after reading the report)."]
    last = signoffs[-1]
    episodes = last.get("episodes")
    signed: dict[str, str] = episodes if isinstance(episodes, dict) else {}
    moved = _changed(signed, audio, published)
    who = f"{last.get('name', '?')} on {last.get('signed_at', '?')}"
    if moved:
        return [
            *lines,
            f"Sign-off: {who}, but {len(moved)} published episodes changed since "
            f"({_names(moved)}): sign again after the next proof.",
        ]
    return [*lines, f"Sign-off: {who}, for this audio."]
