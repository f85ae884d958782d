"""A document's blocks made into a guide: headings become episodes and chapters,
paragraphs `say` segments, list items sentences; every new episode is a `draft`.

`plan` is pure (a `Document` in, episodes out); `import_document` writes them. Each
import records, in the guide folder's `.import.json`, the file it wrote for each
episode and the sha256 of what it wrote, so a second import of the same document knows
what it made: an episode unchanged in the document is left alone, one changed is
written again, and one edited by hand since is never overwritten: the document's new
text goes beside it, as `NN-id.yaml.imported`, and the report says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from audioguide.loader.documents import Block, Document, read_document
from audioguide.loader.episode_files import IMPORTED_SUFFIX as BESIDE
from audioguide.loader.episode_files import SCRIPT_EPISODES_DIR, episode_files
from audioguide.plan import text
from audioguide.system.fsutil import atomic_write_text

RECORD = ".import.json"
Segment = tuple[str, str]  # ("chapter", title) or ("say", text)


@dataclass(frozen=True)
class Planned:
    id: str
    title: str
    summary: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Plan:
    title: str
    author: str
    episodes: tuple[Planned, ...]
    notes: tuple[str, ...] = ()  # what became of headings with nothing under them


@dataclass
class Report:
    """What an import did, for the command to print."""

    written: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # "kept", "updated", "beside" ...
    warnings: list[str] = field(default_factory=list)  # what the document lost


def slug(title: str) -> str:
    """An episode id from a heading: "Sleep & Naps (0-3)" -> "sleep-naps-0-3"."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    found = "-".join(words)[:40].strip("-")
    return found or "episode"


def _sentence(item: str) -> str:
    # A list item is said as a sentence of its own: it needs its own full stop.
    item = item.rstrip(" ,;:")
    return item if item.endswith((".", "!", "?", "\u2026")) else item + "."


def _title_of(document: Document, headings: list[Block], fallback: str) -> tuple[str, Block | None]:
    """The document's title, and the heading that is that title (it heads no episode):
    a Word Title, or a lone top heading that opens the document."""
    if headings and headings[0].level == 0:
        return headings[0].text, headings[0]
    top = min((h.level for h in headings), default=0)
    lone = [h for h in headings if h.level == top]
    if len(lone) == 1 and document.blocks[0] is lone[0] and len(headings) > 1:
        return lone[0].text, lone[0]
    return document.title or fallback, None


def plan(document: Document, fallback_title: str) -> Plan:
    """Episodes from the document: the top level of heading left after the title makes
    episodes, every deeper one chapters; text before the first such heading is an
    episode named after the document."""
    headings = [b for b in document.blocks if b.kind == "heading"]
    title, title_block = _title_of(document, headings, fallback_title)
    blocks = [b for b in document.blocks if b is not title_block]
    levels = sorted({b.level for b in blocks if b.kind == "heading"})
    top = levels[0] if levels else None
    episodes: list[tuple[str, list[Segment]]] = []
    items: list[str] = []

    def close_items() -> None:
        if items:
            episodes[-1][1].append(("say", "\n".join(_sentence(i) for i in items)))
            items.clear()

    for block in blocks:
        if block.kind != "item":
            close_items()
        if block.kind == "heading" and block.level == top:
            episodes.append((block.text, []))
            continue
        if not episodes:
            episodes.append((title, []))
        if block.kind == "heading":
            episodes[-1][1].append(("chapter", block.text))
        elif block.kind == "item":
            items.append(block.text)
        else:
            episodes[-1][1].append(("say", block.text))
    close_items()
    return _finish(title, document.author, episodes)


def _finish(title: str, author: str, raw: list[tuple[str, list[Segment]]]) -> Plan:
    notes: list[str] = []
    done: list[Planned] = []
    used: set[str] = set()
    for heading, segments in raw:
        kept = [s for i, s in enumerate(segments) if s[0] == "say" or _has_text_after(segments, i)]
        if len(kept) < len(segments):
            notes.append(f"'{heading}': a heading with no text under it is not a chapter")
        if not any(kind == "say" for kind, _ in kept):
            notes.append(f"'{heading}' has no text of its own: it is no episode")
            continue
        if kept[0][0] != "chapter":  # players show and skip chapters: every episode has one
            kept.insert(0, ("chapter", heading))
        first = next(t for kind, t in kept if kind == "say")
        summary = text.sentences(" ".join(first.split()))[0]
        ident = base = slug(heading)
        n = 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        done.append(Planned(ident, heading, summary, tuple(kept)))
    return Plan(title, author, tuple(done), tuple(notes))


def _has_text_after(segments: list[Segment], i: int) -> bool:
    following = segments[i + 1 : i + 2]
    return bool(following) and following[0][0] == "say"


# --- writing -----------------------------------------------------------------------------


def _quoted(value: str) -> str:
    # JSON's double-quoted strings are YAML's too: colons, quotes and # are safe in them.
    return json.dumps(value, ensure_ascii=False)


def render(episode: Planned, source: str) -> str:
    """The episode file's text (stable: the same episode gives the same bytes)."""
    lines = [
        f"# Imported from {source} by `audioguide import`. Edit it freely: importing the",
        "# document again never overwrites an episode edited here.",
        f"id: {episode.id}",
        "status: draft",
        f"title: {_quoted(episode.title)}",
        f"summary: {_quoted(episode.summary)}",
        "segments:",
    ]
    for kind, value in episode.segments:
        if kind == "chapter":
            lines.append(f"  - chapter: {_quoted(value)}")
        else:
            lines.append("  - say: |")
            lines.extend(f"      {line}" for line in value.split("\n"))
    return "\n".join(lines) + "\n"


def guide_yaml(plan_: Plan, source: str, language: str, today: dt.date) -> str:
    author = plan_.author or "Our clinic"
    return "\n".join(
        [
            f"# Made by `audioguide import` from {source}: check the title and author.",
            f"title: {_quoted(plan_.title)}",
            f"description: {_quoted(f'An audio guide made from {source}.')}",
            f"author: {_quoted(author)}" + ("" if plan_.author else "  # your clinic's name"),
            f"language: {language}",
            f"date: {today.isoformat()}",
            "lexicon: {}",
            "",
        ]
    )


def _proposal(guide_text: str, planned: Plan) -> str:
    """ "title: ..., author: ..." where the document's differ from the guide's own."""
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(guide_text)
    except Exception:  # a guide.yaml with a mistake: check will say which
        data = None
    data = data if isinstance(data, dict) else {}
    wanted = {"title": planned.title, "author": planned.author}
    return ", ".join(
        f"{key}: {_quoted(value)}"
        for key, value in wanted.items()
        if value and data.get(key) != value
    )


def _sha(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _read_record(root: Path) -> dict[str, dict[str, dict[str, str]]]:
    """Document name -> episode id -> {"file", "sha256"}; anything malformed is empty."""
    try:
        data = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, dict):
        return {}
    clean: dict[str, dict[str, dict[str, str]]] = {}
    for name, episodes in documents.items():
        if isinstance(episodes, dict):
            clean[name] = {
                k: v
                for k, v in episodes.items()
                if isinstance(v, dict)
                and isinstance(v.get("file"), str)
                and isinstance(v.get("sha256"), str)
                and "/" not in v["file"]
                and "\\" not in v["file"]
                and not v["file"].startswith(".")
            }
    return clean


def _existing_ids(root: Path) -> dict[str, Path]:
    found = {}
    for path in episode_files(root):
        try:
            match = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
        except (OSError, UnicodeDecodeError):
            continue
        if match:
            found[match.group(1).strip("'\"")] = path
    return found


def import_document(
    path: Path, root: Path, language: str = "en-US", today: dt.date | None = None
) -> Report:
    """Import the document at `path` into the guide folder `root` (made if need be)."""
    document = read_document(path)
    planned = plan(document, path.stem.replace("-", " ").replace("_", " ").strip().capitalize())
    report = Report()
    report.warnings = [f"{path.name}: {d.where}: dropped {d.what}" for d in document.dropped]
    report.warnings += [f"{path.name}: {note}" for note in planned.notes]
    episodes_dir = root / SCRIPT_EPISODES_DIR
    episodes_dir.mkdir(parents=True, exist_ok=True)
    guide = root / "guide.yaml"
    if not guide.exists():
        atomic_write_text(guide, guide_yaml(planned, path.name, language, today or dt.date.today()))
        report.written.append(guide)
    else:
        proposal = _proposal(guide.read_text(encoding="utf-8"), planned)
        if proposal:
            report.lines.append(f"guide.yaml kept; the document proposes {proposal}")
        if re.search(r"^episodes:", guide.read_text(encoding="utf-8"), re.M):
            report.warnings.append(
                "guide.yaml lists its episodes: add the new files to its 'episodes:' list"
            )
    records = _read_record(root)
    record = records.setdefault(path.name, {})
    _write_episodes(planned, path.name, episodes_dir, record, report)
    for gone in sorted(set(record) - {e.id for e in planned.episodes}):
        report.lines.append(f"{record[gone]['file']}: no longer in {path.name}; kept as it is")
    body = {"documents": {k: records[k] for k in sorted(records)}}
    atomic_write_text(root / RECORD, json.dumps(body, indent=2, sort_keys=True) + "\n")
    return report


def _write_episodes(
    planned: Plan, source: str, folder: Path, record: dict[str, dict[str, str]], report: Report
) -> None:
    others = _existing_ids(folder.parent)
    taken = {p.name for p in folder.iterdir()}
    number = max((int(m.group(1)) for n in taken if (m := re.match(r"(\d+)-", n))), default=0)
    for episode in planned.episodes:
        new = render(episode, source)
        known = record.get(episode.id)
        if known is None:
            ident = episode.id
            while ident in others:  # an episode of the guide's own already has the id
                ident += "-imported"
            if ident != episode.id:
                new = render(
                    Planned(ident, episode.title, episode.summary, episode.segments), source
                )
            number += 1
            dest = folder / f"{number:02d}-{ident}.yaml"
            atomic_write_text(dest, new)
            record[episode.id] = {"file": dest.name, "sha256": _sha(new)}
            report.written.append(dest)
            report.lines.append(f"{dest.name}: new episode (draft)")
            continue
        dest = folder / known["file"]
        ident = re.sub(r"^\d+-", "", Path(known["file"]).stem)
        if ident != episode.id:
            new = render(Planned(ident, episode.title, episode.summary, episode.segments), source)
        try:
            current = dest.read_text(encoding="utf-8")
        except OSError:
            report.lines.append(f"{dest.name}: removed from the guide; not imported again")
            continue
        if _sha(current) == known["sha256"]:  # as the last import wrote it
            if current != new:
                atomic_write_text(dest, new)
                report.written.append(dest)
                report.lines.append(f"{dest.name}: updated from the document")
        elif _sha(new) != known["sha256"]:  # edited by hand, and the document changed
            beside = dest.with_name(dest.name + BESIDE)
            atomic_write_text(beside, new)
            report.written.append(beside)
            report.lines.append(
                f"{dest.name}: edited by hand, so left as it is; the document's new text "
                f"is in {beside.name}"
            )
        else:
            report.lines.append(f"{dest.name}: edited by hand; unchanged in the document")
        record[episode.id] = {"file": dest.name, "sha256": _sha(new)}
