"""What a proof keeps in the output's own folder (`OUTPUT/.audioguide/proof/`), never
published: what was heard of each clip (`heard.json`, by the clip's key and the
model, so the next proof hears only new clips), the last proof's record
(`report.json`, and `report.html` for people) and every sign-off (`signoff.json`).

Everything read back is checked as data: a record of the wrong shape is ignored (the
proof then hears everything again), never trusted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from audioguide.system.fsutil import atomic_write

PROOF_DIR = Path(".audioguide") / "proof"
HEARD = "heard.json"
REPORT = "report.json"
HTML = "report.html"
SIGNOFF = "signoff.json"
HEARD_FORMAT = "audioguide-proof-heard/1"
REPORT_FORMAT = "audioguide-proof/1"
SIGNOFF_FORMAT = "audioguide-signoff/1"


def folder(output: Path) -> Path:
    return output / PROOF_DIR


def _write(output: Path, name: str, data: bytes) -> None:
    """Write a record, never through a symlink that leads out of the output folder."""
    from audioguide.proof.run import ProofError

    target = folder(output)
    for step in (target.parent, target):  # checked before anything is made in it
        if step.is_symlink() and not step.resolve().is_relative_to(output.resolve()):
            raise ProofError(f"{step}/: leads outside {output}/; remove the link, proof again")
        step.mkdir(exist_ok=True)
    if not target.resolve().is_relative_to(output.resolve()):
        raise ProofError(f"{target}/: leads outside {output}/; remove the link, proof again")
    atomic_write(target / name, data)


def _dump(data: object) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def heard_key(clip_key: str, model: str) -> str:
    return f"{clip_key}|{model}"


def load_heard(output: Path) -> dict[str, str]:
    """What earlier proofs heard, by `heard_key`; {} when missing or damaged."""
    data = _read(folder(output) / HEARD)
    if not isinstance(data, dict) or data.get("format") != HEARD_FORMAT:
        return {}
    heard = data.get("heard")
    if not isinstance(heard, dict):
        return {}
    return {k: v for k, v in heard.items() if isinstance(k, str) and isinstance(v, str)}


def save_heard(output: Path, heard: Mapping[str, str]) -> None:
    _write(output, HEARD, _dump({"format": HEARD_FORMAT, "heard": dict(heard)}))


def save_report(output: Path, report: Mapping[str, Any], html: str) -> None:
    _write(output, REPORT, _dump({"format": REPORT_FORMAT, **report}))
    _write(output, HTML, html.encode("utf-8"))


def load_report(output: Path) -> dict[str, Any] | None:
    data = _read(folder(output) / REPORT)
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        return None
    if not isinstance(data.get("episodes"), list):
        return None
    return data


def load_signoffs(output: Path) -> list[dict[str, Any]]:
    data = _read(folder(output) / SIGNOFF)
    if not isinstance(data, dict) or data.get("format") != SIGNOFF_FORMAT:
        return []
    found = data.get("signoffs")
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def add_signoff(output: Path, signoff: Mapping[str, Any]) -> None:
    """Append a sign-off: earlier ones are kept, as a paper trail would be."""
    signoffs = [*load_signoffs(output), dict(signoff)]
    _write(output, SIGNOFF, _dump({"format": SIGNOFF_FORMAT, "signoffs": signoffs}))


def episode_audio(report: Mapping[str, Any]) -> dict[str, str]:
    """Episode id -> sha256 of the MP3 the proof heard the clips of."""
    found = {}
    for ep in report.get("episodes", []):
        if isinstance(ep, dict) and isinstance(ep.get("id"), str):
            found[ep["id"]] = str(ep.get("mp3_sha256", ""))
    return found
