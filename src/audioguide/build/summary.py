"""The words a build ends with, and the warnings of `bundle`: pure text from reports and
the records an output folder keeps (see `outputs`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from audioguide.build.report import BuildReport, Published
from audioguide.model import STATUSES, Guide


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def minutes(seconds: float) -> str:
    """`m:ss`, rounded to the second (never `1:60`)."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def table(report: BuildReport) -> list[str]:
    lines = [f"{'episode':<38} {'length':>6} {'LUFS':>6} {'peak':>6} {'size':>7}  status"]
    for ep in report.episodes:
        lines.append(
            f"{ep.mp3.name:<38} {minutes(ep.seconds):>6} {ep.loudness:>6.1f} "
            f"{ep.true_peak:>6.1f} {ep.size / 1e6:>6.2f}M  {'built' if ep.rebuilt else 'reused'}"
        )
    return lines


def outcome(report: BuildReport, output: Path) -> str:
    """What the build did: built, only republished, or nothing."""
    count = len(report.episodes)
    built = sum(ep.rebuilt for ep in report.episodes)
    if built == 0 and not report.republished:
        return f"Nothing changed: {plural(count, 'episode')} up to date in {output}/."
    if built == 0:
        return f"No episode needed building; what {output}/ publishes changed."
    total = sum(ep.seconds for ep in report.episodes)
    return (
        f"{built} of {plural(count, 'episode')} built, {minutes(total)} in all, in {output}/ "
        f"({plural(report.spoken, 'sentence')} spoken, {report.cached} from the cache)"
    )


def _listed(items: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{i} ({status})" for i, status in items)


def published_line(published: Published) -> str:
    """Which episodes went out to the feed, page and playlist, and which did not."""
    count = len(published.episodes)
    line = f"Published {len(published.ids)} of {plural(count, 'episode')}"
    if not published.ids:
        line += " (the page and the feed list none)"
    if published.drafts:
        line += "; not yet approved but published with --drafts: " + ", ".join(published.drafts)
    if published.held_back:
        return (
            f"{line}; not published: {_listed(published.held_back)}. To publish, set "
            "status: approved in the episode, or build with --drafts."
        )
    return line + "."


def summary_lines(report: BuildReport, output: Path) -> list[str]:
    lines = [*table(report), outcome(report, output)]
    if report.published is not None:
        lines.append(published_line(report.published))
        lines += proof_lines(report.published, output)
    return [*lines, ""]


def proof_lines(published: Published, output: Path) -> list[str]:
    """Whether the published audio has a current proof and sign-off (`proof.status`)."""
    from audioguide.build.record import read_record
    from audioguide.proof.status import status_lines

    audio = {
        episode: digest
        for episode, recorded in read_record(output).episodes.items()
        for rel, digest in recorded.files
        if rel.endswith(".mp3")
    }
    return status_lines(output, published.ids, audio)


def bundle_warnings(output: Path) -> list[str]:
    """A warning for each edition in `output` whose published episodes include drafts."""
    from audioguide.build.record import RECORD_DIR, read_record

    found = []
    for records in sorted(output.glob(f"**/{RECORD_DIR}")):
        folder = records.parent
        published = read_record(folder).published
        if published and published.drafts:
            found.append(
                f"{folder}/: warning: the bundle holds "
                f"{plural(len(published.drafts), 'episode')} not approved: "
                f"{', '.join(published.drafts)} (they were built with --drafts; "
                "approve them, or build without --drafts before bundling)"
            )
    return found


def episode_lines(guide: Guide, sound_seconds: Callable[[Path], float]) -> list[str]:
    """`check`'s list: number, id, status, estimated length, reading grade (where the
    language has a formula) and title of each episode."""
    from audioguide.check.readability import episode_grades
    from audioguide.plan import text
    from audioguide.plan.estimate import episode_seconds

    speak = text.compile_lexicon(guide.lexicon, language=guide.language)
    width = max(len(ep.id) for ep in guide.episodes)
    grades = episode_grades(guide)
    lines = []
    for ep in guide.episodes:
        length = "~" + minutes(episode_seconds(guide, ep, speak, sound_seconds))
        grade = f"  grade {grades[ep.id]:4.1f}" if ep.id in grades else ""
        lines.append(
            f"  {ep.number:02d}  {ep.id:<{width}}  {ep.status:<8}  {length:>6}{grade}  {ep.title}"
        )
    return lines


def status_summary(guide: Guide) -> str:
    """`2 episodes (1 approved, 1 draft)`."""
    counts = {s: sum(ep.status == s for ep in guide.episodes) for s in reversed(STATUSES)}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"{plural(len(guide.episodes), 'episode')} ({parts})"
