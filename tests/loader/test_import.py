"""`audioguide import`: real documents made here (a Word file written with python-docx,
Markdown, HTML, text) into a guide that checks clean and builds; a second import after
an edit to the document changes only that episode, and never one edited by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from audioguide.build.session import BuildOptions, check_guide
from audioguide.cli import cli
from audioguide.loader import load_guide
from audioguide.loader.documents import read_document
from audioguide.loader.importing import import_document, plan
from audioguide.model import Chapter, Say

docx = pytest.importorskip("docx")  # the `import` extra; ./dev installs it for the tests

TODAY = dt.date(2026, 12, 6)

# Plain sentences (no names or acronyms for check to ask about), enough of them that
# each episode lasts over a minute.
SLEEP = [
    "Babies sleep a lot in the first weeks, but they wake often to feed, day and night.",
    "Put your baby down on their back, on a firm and flat mattress, with nothing else in the crib.",
    "A calm and dim room at bedtime helps your baby learn that night is for sleep.",
    "Keep the room at a comfortable warmth, and dress your baby in light layers.",
    "Your baby may fuss for a short while before falling asleep, and that is all right.",
    "Over the months, most babies sleep for longer stretches at night.",
    "Naps in the day help too: a baby who is too tired can find it harder to settle.",
    "Watch for the moment your baby starts to slow down, then start your calm routine.",
    "A short routine, the same each night, tells your baby that sleep is coming.",
    "If you are worried about how your baby sleeps, talk with your nurse at the clinic.",
]
FEEDING = [
    "Feed your baby when they show they are hungry, such as by turning to the breast or "
    "sucking on their hands.",
    "In the first weeks most babies feed eight to twelve times in a full day.",
    "Hold your baby close and look at them while they feed: this time together matters.",
    "Wet and dirty nappies each day tell you that your baby is getting enough milk.",
    "Let your baby stop when they are full, even if there is milk left in the bottle.",
    "Burp your baby gently during and after a feed, upright against your shoulder.",
    "Some babies like to feed often in the evening, and that is normal in the first weeks.",
    "Keep bottles and teats clean, and make up each feed as the packet tells you.",
    "Never prop a bottle up and leave your baby to feed alone.",
    "Ask your nurse for help if feeding hurts or your baby seems hungry all the time.",
]
SIGNS = ["Rubbing their eyes", "Yawning;", "Looking away from faces"]


def write_docx(path: Path, feeding: list[str] = FEEDING) -> Path:
    """A Word document as staff write one: a title, two episodes, a chapter with a list,
    and a table, an image, a link, a footnote mark and a tracked insertion to drop."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from PIL import Image

    document = docx.Document()
    document.core_properties.title = "Caring for a newborn"
    document.core_properties.author = "Riverside Family Clinic"
    document.add_heading("Caring for a newborn", level=0)
    document.add_heading("Sleep", level=1)
    for sentence in SLEEP[:4]:
        document.add_paragraph(sentence)
    document.add_heading("Signs of a tired baby", level=2)
    for item in SIGNS:
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph(" ".join(SLEEP[4:]))
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Age"
    image = path.with_suffix(".png")
    Image.new("RGB", (8, 8), "white").save(image)
    document.add_picture(str(image))
    document.add_heading("Feeding", level=1)
    for sentence in feeding[:-1]:
        document.add_paragraph(sentence)
    last = document.add_paragraph(feeding[-1][:-1])
    # A link, a footnote mark and a tracked insertion, as Word writes them.
    rid = last.part.relate_to("https://clinic.example/feeding", RELATIONSHIP_TYPE.HYPERLINK, True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = " (see our page)"
    run.append(text)
    link.append(run)
    last._p.append(link)
    note = OxmlElement("w:r")
    mark = OxmlElement("w:footnoteReference")
    mark.set(qn("w:id"), "1")
    note.append(mark)
    last._p.append(note)
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "7")
    inserted.set(qn("w:author"), "Editor")
    inserted_run = OxmlElement("w:r")
    inserted_text = OxmlElement("w:t")
    inserted_text.text = " at night too"
    inserted_run.append(inserted_text)
    inserted.append(inserted_run)
    last._p.append(inserted)
    last.add_run(".")
    document.save(str(path))
    return path


MARKDOWN = "\n\n".join(
    [
        "# Caring for a newborn",
        "## Sleep",
        *SLEEP[:4],
        "### Signs of a tired baby",
        "\n".join(f"- {item}" for item in SIGNS),
        " ".join(SLEEP[4:]),
        "| Age | Hours |\n|---|---|\n| 0-3 months | 14-17 |",
        "## Feeding",
        *FEEDING[:-1],
        FEEDING[-1][:-1] + " ([our page](https://clinic.example/feeding)).[^1]",
        "![A bottle](bottle.png)",
        "[^1]: From the clinic's notes.",
    ]
)

HTML = f"""<!doctype html>
<html><head><title>Caring for a newborn</title>
<meta name="author" content="Riverside Family Clinic"><style>p {{ color: red }}</style></head>
<body><h1>Sleep</h1>
{"".join(f"<p>{s}</p>" for s in SLEEP[:4])}
<h2>Signs of a tired baby</h2><ul>{"".join(f"<li>{i}</li>" for i in SIGNS)}</ul>
<p>{" ".join(SLEEP[4:])}</p>
<table><tr><td>Age</td><td>Hours</td></tr></table>
<h1>Feeding</h1>
{"".join(f"<p>{s}</p>" for s in FEEDING[:-1])}
<p>{FEEDING[-1][:-1]} <a href="https://clinic.example/feeding">(see our page)</a><sup>1</sup>.</p>
<img src="bottle.png" alt="A bottle">
<script>alert("not heard")</script>
</body></html>
"""


def _write(kind: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "docx":
        return write_docx(folder / "newborn.docx")
    path = folder / f"newborn.{kind}"
    path.write_text(MARKDOWN if kind == "md" else HTML, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["docx", "md", "html"])
def test_a_document_becomes_a_guide_that_checks_clean(kind: str, tmp_path: Path) -> None:
    source = _write(kind, tmp_path / "docs")
    root = tmp_path / "guide"
    report = import_document(source, root, today=TODAY)
    guide = load_guide(root)
    assert guide.title == "Caring for a newborn"
    if kind != "md":  # Markdown has no author
        assert guide.author == "Riverside Family Clinic"
    assert [(ep.id, ep.title, ep.status) for ep in guide.episodes] == [
        ("sleep", "Sleep", "draft"),
        ("feeding", "Feeding", "draft"),
    ]
    sleep, feeding = guide.episodes
    chapters = [s.title for s in sleep.segments if isinstance(s, Chapter)]
    assert chapters == ["Sleep", "Signs of a tired baby"]
    said = [s.paragraphs for s in sleep.segments if isinstance(s, Say)]
    # Each list item is a sentence of its own, with its own full stop.
    assert (("Rubbing their eyes.", "Yawning.", "Looking away from faces."),) in said
    assert said[0] == ((SLEEP[0],),)
    last = [s for s in feeding.segments if isinstance(s, Say)][-1].paragraphs[0][-1]
    assert "https" not in last and "at night too" not in last and "1" not in last
    assert feeding.summary == FEEDING[0]
    # Everything left out is named, with where it was.
    dropped = "\n".join(report.warnings)
    for what in ("table", "image", "link to https://clinic.example/feeding"):
        assert what in dropped, dropped
    assert ("footnote" if kind != "html" else "superscript") in dropped
    if kind == "docx":
        assert "tracked insertion 'at night too'" in dropped
        assert "paragraph" in dropped
    else:
        assert "line " in dropped
    # ... and check finds nothing to say about the guide.
    [checked] = check_guide(BuildOptions(root, tmp_path / "out", tmp_path / "cache"))
    assert [d.line() for d in checked.diagnostics] == []


def test_reimport_after_an_edit_changes_only_that_episode(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "newborn.docx")
    root = tmp_path / "guide"
    import_document(source, root, today=TODAY)
    files = sorted((root / "episodes").iterdir())
    before = {p.name: p.read_bytes() for p in files}
    stamps = {p.name: p.stat().st_mtime_ns for p in files}
    again = import_document(source, root, today=TODAY)
    assert again.written == []  # the same document: nothing written
    edited = [*FEEDING[:2], "Feeding is a time to rest together.", *FEEDING[3:]]
    write_docx(source, feeding=edited)
    report = import_document(source, root, today=TODAY)
    assert [p.name for p in report.written] == ["02-feeding.yaml"]
    assert report.lines == ["02-feeding.yaml: updated from the document"]
    after = {p.name: p.read_bytes() for p in sorted((root / "episodes").iterdir())}
    assert after["01-sleep.yaml"] == before["01-sleep.yaml"]
    assert (root / "episodes" / "01-sleep.yaml").stat().st_mtime_ns == stamps["01-sleep.yaml"]
    assert b"Feeding is a time to rest together." in after["02-feeding.yaml"]
    assert load_guide(root).episodes[1].segments != ()


def test_an_episode_edited_by_hand_is_never_overwritten(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "newborn.docx")
    root = tmp_path / "guide"
    import_document(source, root, today=TODAY)
    episode = root / "episodes" / "02-feeding.yaml"
    by_hand = episode.read_text(encoding="utf-8").replace("status: draft", "status: review")
    episode.write_text(by_hand, encoding="utf-8")
    # The document has not changed: the edit is kept, and nothing is written beside it.
    quiet = import_document(source, root, today=TODAY)
    assert quiet.written == []
    assert quiet.lines == ["02-feeding.yaml: edited by hand; unchanged in the document"]
    write_docx(source, feeding=[*FEEDING[:-2], "Feeding is a time to rest together."])
    report = import_document(source, root, today=TODAY)
    beside = root / "episodes" / "02-feeding.yaml.imported"
    assert report.written == [beside]
    assert "edited by hand, so left as it is" in report.lines[0]
    assert episode.read_text(encoding="utf-8") == by_hand
    assert "Feeding is a time to rest together (see our page)." in beside.read_text("utf-8")
    # The file beside it is no stray script to check.
    [checked] = check_guide(BuildOptions(root, tmp_path / "out", tmp_path / "cache"))
    assert [d.line() for d in checked.diagnostics] == []


def test_import_into_an_existing_guide_adds_drafts_after_its_episodes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "guide"
    CliRunner().invoke(cli, ["init", str(root)])
    guide_before = (root / "guide.yaml").read_bytes()
    source = _write("md", tmp_path / "docs")
    result = CliRunner().invoke(cli, ["import", str(source), str(root)])
    assert result.exit_code == 0, result.output
    assert (root / "guide.yaml").read_bytes() == guide_before
    assert 'the document proposes title: "Caring for a newborn"' in result.output
    names = sorted(p.name for p in (root / "episodes").iterdir())
    assert names == ["01-example.yaml", "02-sleep.yaml", "03-feeding.yaml"]
    assert "warning: newborn.md: line" in result.output


def test_text_files_and_wrong_files(tmp_path: Path) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text(
        "Caring for a newborn\n====================\n\nSleep\n\n"
        + " ".join(SLEEP)
        + "\n\n- Rubbing their eyes\n- Yawning\n",
        encoding="utf-8",
    )
    document = read_document(plain)
    assert [(b.kind, b.level) for b in document.blocks] == [
        ("heading", 1),
        ("heading", 2),
        ("paragraph", 0),
        ("item", 0),
        ("item", 0),
    ]
    assert plan(document, "Notes").title == "Caring for a newborn"
    assert [ep.id for ep in plan(document, "Notes").episodes] == ["sleep"]
    several = tmp_path / "several.md"
    several.write_text("# Sleep\n\nSleep well.\n\n# Feeding\n\nFeed well.\n", encoding="utf-8")
    planned = plan(read_document(several), "Several")
    assert planned.title == "Several"  # two top headings: both are episodes
    assert [ep.id for ep in planned.episodes] == ["sleep", "feeding"]
    odd = tmp_path / "notes.pdf"
    odd.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(cli, ["import", str(odd), str(tmp_path / "g")])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot import a '.pdf' file")
    assert not (tmp_path / "g").exists()
    fake = tmp_path / "fake.docx"
    fake.write_text("not a zip", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(fake), str(tmp_path / "g")])
    assert result.exit_code == 2
    assert "fake.docx is not a Word document" in result.output
    assert "Traceback" not in result.output


def test_without_the_import_extra_word_files_say_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    source = write_docx(tmp_path / "newborn.docx")
    monkeypatch.setitem(sys.modules, "docx", None)  # as if python-docx were not installed
    result = CliRunner().invoke(cli, ["import", str(source), str(tmp_path / "g")])
    assert result.exit_code == 1
    assert result.output.strip().endswith("pip install 'audioguide[import]')")
    assert not (tmp_path / "g").exists()


@pytest.mark.e2e
def test_an_imported_guide_builds(tmp_path: Path) -> None:
    from audioguide.build.stages import build

    source = _write("md", tmp_path / "docs")
    root = tmp_path / "guide"
    import_document(source, root, today=TODAY)
    report = build(root, tmp_path / "out", cache_dir=tmp_path / "cache", drafts=True)
    mp3s = sorted((tmp_path / "out" / "episodes").glob("*.mp3"))
    assert [p.name for p in mp3s] == ["01-sleep.mp3", "02-feeding.mp3"]
    assert report is not None
