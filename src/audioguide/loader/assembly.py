"""Guide assembly: segments, episodes and the guide, loaded and checked together, so
every mistake of a guide is raised at once as one `ScriptErrors`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from audioguide.build import places
from audioguide.build.places import display_path
from audioguide.errors import Location, ScriptErrors, short
from audioguide.loader import yaml_hints as layout
from audioguide.loader.episode_files import SCRIPT_EPISODES_DIR, episode_files, strays
from audioguide.loader.reading import (
    GUIDE_FILE,
    Collector,
    Sources,
    error_order,
    location_of,
    read_yaml,
)
from audioguide.loader.values import (
    DATE_RE,
    EPISODE_KEYS,
    GUIDE_KEYS,
    ID_RE,
    LANGUAGE_RE,
    MapReader,
    asset_path,
    is_audio,
    kind_of,
    lexicon_of,
    options_of,
    parse_duration,
    template_of,
    top_level_number,
)
from audioguide.loader.voices import voice_of
from audioguide.model import (
    SEGMENT_KINDS,
    STATUSES,
    Chapter,
    Contact,
    Episode,
    Guide,
    Mastering,
    Pause,
    Pauses,
    Say,
    Segment,
    Sound,
    Source,
    Voice,
)
from audioguide.plan import text


def _segment(
    item: object, where: Location, path: str, root: Path, voice: Voice, errors: Collector
) -> Segment | None:
    if not isinstance(item, CommentedMap):
        told = layout.segment_as_text(item, SEGMENT_KINDS)
        message = f"a segment must be a mapping like 'say: ...', not {kind_of(item)}"
        errors.fail(where, *(told or (message,)))
        return None
    m = MapReader(item, path, errors)
    kinds = [k for k in SEGMENT_KINDS if k in item]
    if not kinds:
        before = len(errors.items)
        m.check_keys([*SEGMENT_KINDS, "voice"], "a segment")
        if len(errors.items) == before:
            errors.fail(m.where, "a segment needs one of say, pause, chapter or sound")
        return None
    if len(kinds) > 1:
        first, *_, later = sorted(kinds, key=lambda k: item.lc.key(k))
        errors.fail(m.key_loc(later), *layout.lost_dash(first, later))
        return None
    kind = kinds[0]
    m.check_keys([kind, "voice"] if kind == "say" else [kind], f"a '{kind}' segment")
    value = item[kind]
    at = m.value_loc(kind)
    if kind == "say":
        seg_voice = voice_of(root, m.section("voice"), voice)
        if value is None:  # its place would be the next line's
            errors.fail(m.key_loc(kind), "'say' is empty", "write the words to speak after it")
            return None
        if not isinstance(value, str):
            errors.fail(at, f"'say' must be text, not {kind_of(value)}", "put the text in quotes")
            return None
        paras = text.paragraphs(text.clean(value))
        if not paras:
            errors.fail(at, "'say' is empty", "write the words to speak, or remove the segment")
            return None
        return Say(paras, seg_voice, at)
    if kind == "pause":
        seconds, message, hint = parse_duration(value)
        if seconds is None:
            errors.fail(at, f"pause: {message}", hint)
            return None
        return Pause(seconds, at)
    if kind == "chapter":
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
            errors.fail(at, "'chapter' needs a title", "e.g. chapter: Serve and return")
            return None
        return Chapter(" ".join(str(value).split()), at)
    asset = asset_path(root, m, "sound", value)
    if asset is None:
        return None
    try:
        with open(asset, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        errors.fail(at, f"cannot read '{value}': {exc.strerror or exc}")
        return None
    if not is_audio(head):
        errors.fail(at, f"'{value}' is not an audio file", "use a WAV, MP3, FLAC or Ogg file")
        return None
    return Sound(asset, at)


def _episode(
    path: Path, number: int, root: Path, guide_voice: Voice, guide_date: str, errors: Collector
) -> Episode | None:
    shown = display_path(path)
    data = read_yaml(path, errors, "an episode needs id, title, summary and segments")
    if data is None:
        return None
    if not isinstance(data, CommentedMap):
        errors.fail(Location(shown, 1, 1), "an episode must be a mapping with id, title, ...")
        return None
    m = MapReader(data, shown, errors)
    m.check_keys(EPISODE_KEYS, "an episode")
    ep_id = m.string("id", required=True)
    if ep_id and not ID_RE.match(ep_id):
        m.errors.fail(
            m.value_loc("id"),
            f"id '{ep_id}' may hold only lowercase letters, digits and single dashes",
            "e.g. everyday-moments; ids name the output files",
        )
    title = m.string("title", required=True)
    summary = m.string("summary", required=True)
    date = m.string("date", guide_date)
    if m.has("date") and not DATE_RE.match(date):
        m.errors.fail(m.value_loc("date"), f"date '{short(date)}' is not YYYY-MM-DD")
    elif m.has("date") and not _real_date(date):
        m.errors.fail(m.value_loc("date"), f"date '{date}' is not a real date")
    status = m.string("status", "approved")
    if status not in STATUSES:
        m.errors.fail(
            m.value_loc("status"), f"status '{status}' is not one of " + ", ".join(STATUSES)
        )
    voice = voice_of(root, m.section("voice"), guide_voice)
    raw_segments = data.get("segments")
    segments: list[Segment] = []
    if "segments" not in data and "segments" in m.suggested:
        pass  # the did-you-mean for a misspelt 'segments' says it all
    elif not isinstance(raw_segments, CommentedSeq) or not raw_segments:
        where = m.value_loc("segments") if "segments" in data else m.where
        m.errors.fail(where, "an episode needs a non-empty list of 'segments'")
    else:
        for i, item in enumerate(raw_segments):
            where = location_of(shown, raw_segments.lc.item(i))
            seg = _segment(item, where, shown, root, voice, errors)
            if seg is not None:
                segments.append(seg)
        audible = [s for s in segments if not isinstance(s, Pause)]
        if raw_segments and not any(isinstance(s, Say | Sound) for s in segments):
            m.errors.fail(m.value_loc("segments"), "an episode needs something to say or play")
        else:
            for here, after in zip(audible, [*audible[1:], None], strict=True):
                if isinstance(here, Chapter) and not isinstance(after, Say | Sound):
                    m.errors.fail(
                        here.where,
                        f"chapter '{here.title}' has nothing in it",
                        "put something to say or play after it",
                    )
    return Episode(
        id=ep_id,
        number=number,
        title=title,
        summary=summary,
        date=date,
        status=status,
        voice=voice,
        segments=tuple(segments),
        where=m.where,
    )


def _episode_paths(root: Path, m: MapReader) -> Iterator[tuple[Path, Location | None]]:
    listed = m.data.get("episodes")
    if listed is None:
        for path in episode_files(root):  # hidden ones are editors' lock and backup files
            yield path, None
        return
    if not isinstance(listed, CommentedSeq):
        m.errors.fail(m.value_loc("episodes"), "'episodes' must be a list of file paths")
        return
    for i, item in enumerate(listed):
        where = location_of(m.path, listed.lc.item(i))
        if not isinstance(item, str):
            m.errors.fail(where, "an episode entry must be a file path")
            continue
        if "\0" in item:  # reported as a control character; no path can hold one
            continue
        try:
            path = (root / item).resolve()
        except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
            m.errors.fail(where, f"'{short(item)}' cannot be resolved (a symlink loop?)")
            continue
        if not path.is_relative_to(root.resolve()):
            m.errors.fail(where, f"'{item}' is outside the guide folder")
        elif not path.is_file():
            m.errors.fail(where, f"episode file '{item}' not found")
        else:
            yield root / item, where


def load_guide(root: Path) -> Guide:
    """Load and check the guide in `root`; raise `ScriptErrors` listing every mistake."""
    return load_with_sources(root)[0]


def load_with_sources(root: Path) -> tuple[Guide, Sources]:
    """`load_guide`, and where its parts are written (for `audioguide check`)."""
    errors = Collector()
    guide = _load(root, errors)
    if errors.items or guide is None:
        if not errors.items:  # pragma: no cover - _load returns None only with errors
            errors.fail(Location(display_path(root)), "could not load the guide")
        raise ScriptErrors(sorted(errors.items, key=error_order))
    return guide, errors.sources()


def load_healthy(root: Path) -> tuple[Guide, Sources] | None:
    """The guide in `root` without its episode files that have a mistake, when those
    files hold every mistake (guide.yaml loads) and at least one episode is sound; else
    None. The mistakes are those `load_with_sources` raises (one load, one rule set):
    the studio keeps the other episodes open while a file is fixed, and a build, which
    loads with `load_with_sources`, still refuses the guide."""
    errors = Collector()
    guide = _load(root, errors)
    if guide is None or not errors.items:
        return None
    broken = {e.where.path for e in errors.items}
    guide_file = display_path(root / GUIDE_FILE)
    if any(p == guide_file or Path(p).suffix.lower() not in (".yaml", ".yml") for p in broken):
        return None
    sound = tuple(ep for ep in guide.episodes if ep.where.path not in broken)
    if not sound:
        return None
    return dataclasses.replace(guide, episodes=sound), errors.sources()


def _real_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _load(root: Path, errors: Collector) -> Guide | None:
    guide_path = root / GUIDE_FILE
    if not root.is_dir():
        errors.fail(
            Location(display_path(root)), "guide folder not found", places.folder_hint(root)
        )
        return None
    data = read_yaml(guide_path, errors, "a guide needs title, author, date and source")
    if data is None:
        return None
    shown = display_path(guide_path)
    if not isinstance(data, CommentedMap):
        errors.fail(Location(shown, 1, 1), "guide.yaml must be a mapping with title, author, ...")
        return None
    m = MapReader(data, shown, errors)
    m.check_keys(GUIDE_KEYS, "guide.yaml")
    errors.places.update({k: m.value_loc(k) for k in GUIDE_KEYS if k in data})
    date = m.string("date", required=True)
    if date and not DATE_RE.match(date):
        errors.fail(
            m.value_loc("date"), f"date '{short(date)}' is not YYYY-MM-DD", "e.g. 2026-11-25"
        )
    elif date and not _real_date(date):
        errors.fail(m.value_loc("date"), f"date '{date}' is not a real date", "e.g. 2026-11-25")
    language = _language(m)
    source_section = m.section("source")
    source = options_of(Source, source_section, Source(), "source")
    # A clinic's own material has no source: then nothing is said about paraphrasing.
    if source_section is not None and not (source.title and source.author and source.date):
        errors.fail(source_section.where, "'source' needs title, author and date")
    paraphrase = f"A paraphrase of {source.title} by {source.author}." if source.title else ""
    credit = m.string("credit", paraphrase)
    voice = voice_of(root, m.section("voice"), Voice())
    chime, audiobook = (_flag(m, data, name) for name in ("chime", "audiobook"))
    cover = asset_path(root, m, "cover", data["cover"]) if "cover" in data else None
    episodes: list[Episode] = []
    seen: dict[str, Location] = {}
    for number, (path, _) in enumerate(_episode_paths(root, m), start=1):
        ep = _episode(path, number, root, voice, date, errors)
        if ep is None:
            continue
        if ep.id and ep.id in seen:
            errors.fail(ep.where, f"episode id '{ep.id}' is used twice", f"also at {seen[ep.id]}")
        seen.setdefault(ep.id, ep.where)
        episodes.append(ep)
    if not episodes and not errors.items:
        stray = next(strays(root), None)
        hint = f"{stray[1]}: {stray[2]}" if stray else f"add files to {SCRIPT_EPISODES_DIR}/"
        errors.fail(m.where, "the guide has no episodes", hint)
    lexicon = lexicon_of(m)
    _check_speakable(episodes, lexicon, language, errors)
    return Guide(
        root=root,
        title=m.string("title", required=True),
        description=m.string("description"),
        author=m.string("author", required=True),
        language=language,
        date=date,
        source=source,
        credit=credit,
        voice=voice,
        pauses=options_of(Pauses, m.section("pauses"), Pauses(), "pauses"),
        mastering=options_of(Mastering, m.section("mastering"), Mastering(), "mastering"),
        intro=template_of(m, "intro", "{guide}. Episode {number}: {title}."),
        outro=template_of(m, "outro", ""),
        chime=chime,
        lexicon=lexicon,
        cover=cover,
        cover_where=m.value_loc("cover") if cover else None,
        episodes=tuple(episodes),
        where=m.where,
        note=m.string("note") if "note" in data else None,
        reading_level=top_level_number(m, Guide, "reading_level"),
        contact=options_of(Contact, m.section("contact"), Contact(), "contact"),
        license=m.string("license"),
        audiobook=audiobook,
    )


def _language(m: MapReader) -> str:
    language = m.string("language", "en-US")
    if not LANGUAGE_RE.match(language):
        m.errors.fail(
            m.value_loc("language"), f"'{short(language)}' is not a language tag", "e.g. en-US"
        )
    return language


def _flag(m: MapReader, data: CommentedMap, name: str) -> bool:
    """A true/false option of the guide, true unless set."""
    value = data.get(name, True)
    if not isinstance(value, bool):
        m.errors.fail(m.value_loc(name), f"'{name}' must be true or false")
        return True
    return value


def _check_speakable(
    episodes: list[Episode],
    lexicon: tuple[tuple[str, str], ...],
    language: str,
    errors: Collector,
) -> None:
    """A sentence of symbols only would reach the engine as nothing: say so now."""
    speak = text.compile_lexicon(lexicon, language=language)
    for episode in episodes:
        for segment in episode.segments:
            if not isinstance(segment, Say):
                continue
            for sentence in (s for para in segment.paragraphs for s in para):
                if not speak(sentence).strip():
                    errors.fail(segment.where, f"nothing to say in '{sentence[:40]}'", "use words")
                    break


# --- voice models (the piper engine) ----------------------------------------------------
