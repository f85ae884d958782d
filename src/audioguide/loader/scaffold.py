"""`audioguide init`: a new guide folder that loads, checks and builds as it is.

The templates are plain strings, commented for clinic staff rather than programmers;
tests/loader/test_init.py loads, checks and builds what they make.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from audioguide.build.places import default_output
from audioguide.errors import AudioguideError
from audioguide.system.fsutil import atomic_write_text

SCHEMA_DIR = ".schema"
# For editors with YAML support (VS Code's YAML extension and others built on
# yaml-language-server): they then complete keys and underline mistakes as staff type.
GUIDE_SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_DIR}/guide.schema.json\n"
EPISODE_SCHEMA_LINE = f"# yaml-language-server: $schema=../{SCHEMA_DIR}/episode.schema.json\n"

GUIDE_YAML = """\
# guide.yaml: the settings every episode of this guide shares.
# Lines that start with # are notes for people; the guide ignores them.
#
# Find mistakes (in a second, no audio made):  audioguide check {folder}
# Listen to the example episode:               audioguide preview example -s {folder} --play
# Make the MP3s, the podcast feed and a page:  audioguide build {folder}

title: My Audio Guide          # the guide's name, said at the start of every episode
description: >-
  A short audio guide for the families we see. Replace this with one or two
  sentences about what listeners will learn.
author: Our Clinic             # who publishes the guide
language: en-US                # language and region of the voice: en-US, en-GB, es-US...
date: {date}               # publication date, written YYYY-MM-DD

# The work this guide retells, credited in every episode. If the guide is your
# clinic's own material, delete these four lines: nothing then speaks of a source.
source:
  title: The Article This Guide Retells
  author: Its Author, with credentials
  date: January 2026           # as printed on the source

voice:
  engine: pyttsx3              # the offline speech engine
  rate: 150                    # words a minute: 140 is calm, 170 is brisk
  # name: en-us+f3             # a particular voice (+f3: a female variant); see `audioguide voices`

pauses:
  sentence: 350ms              # after each sentence
  paragraph: 900ms             # at a blank line in the text
  chapter: 1.4s                # before each new chapter

# Said after the opening chime, and at the very end. You may use {{guide}},
# {{number}}, {{total}} and {{title}} (the episode's title).
intro: "{{guide}}. Episode {{number}}: {{title}}."
outro: "This was episode {{number}} of {{total}}. Thank you for listening."

lexicon:                       # words the voice says wrongly, and how to say them
  FAQ: F A Q                   # whole words only, and the capitals must match
                               # (a word in small letters also matches at a sentence's start)

# `check` warns about writing harder than this school grade (6 suits patient material).
reading_level: 6

# The note under the title of the web page. Without this line it says that the guide
# does not replace advice from a health professional.
# note: "Questions? Call us on 555-0100."
"""

EPISODE_YAML = """\
# An episode. Each file in episodes/ is one episode, played in file-name order
# (01-..., 02-...). To start a new one, copy this file, rename it (for example
# 02-sleep.yaml) and give it its own id.
id: example                    # lowercase letters, digits and dashes; names the MP3
status: draft                  # draft, review or approved: only approved episodes are published
title: How an episode is written
summary: A short example that shows what an episode file can hold.
segments:
  - chapter: Writing for the ear       # a chapter mark: players show it and can skip to it
  - say: |
      Hello, and welcome to this example episode.
      Everything you hear was written in a plain text file.
      Each sentence is spoken on its own, with a short pause after it.

      A blank line starts a new paragraph, with a slightly longer pause.
      Short sentences are the easiest to follow by ear.
  - pause: 1s                          # a silence, here one second long
  - chapter: Words the voice gets wrong
  - say: |
      Sometimes the voice says a word wrongly, such as a name or the letters FAQ.
      The lexicon, at the end of the guide file, tells it how to say those words.
      Add a line there, then listen to the episode again with audioguide preview.
  - chapter: Before you publish
  - say: |
      When this episode is ready, ask a colleague to listen, and set its status to review.
      Once it is approved, the next build publishes it with the rest of the guide.
      Before every build, run audioguide check, and fix anything it reports.
      Thank you for keeping this guide up to date.
"""

README_MD = """\
# {title}

This folder is an audio guide: plain text files that the `audioguide` program turns
into spoken episodes (MP3 files), a podcast feed and a web page. You edit the text;
the program does the rest, on this computer, without the internet.

## What is here

| file | what it holds |
| --- | --- |
| `guide.yaml` | the settings all episodes share: title, credits, voice, pauses, lexicon |
| `episodes/01-example.yaml` | one episode: its title, status and what is said |
| `assets/` (optional) | sounds and a cover picture, if you add any |

Open the files with any plain text editor (Notepad, TextEdit, VS Code). Keep the
indentation as it is: two spaces per level, never tabs. Save episodes with names ending
in `.yaml` (Notepad may add `.txt`: `check` warns if it did). In VS Code with the YAML
extension, keys are completed and mistakes underlined as you type: the first line of
each file points it at the format, kept in the hidden `.schema/` folder.

## Everyday tasks

```sh
audioguide check {folder}              # find mistakes; takes a second, makes no audio
audioguide preview example -s {folder} --play     # listen to the example episode
audioguide preview example -s {folder} --chapter "Before you publish"
audioguide build {folder}              # make the episodes in {output}/
audioguide watch {folder}              # rebuild every time you save a file (Ctrl-C stops)
```

`check` prints each problem as `file:line:column: error: what is wrong (how to fix it)`.
Open that file at that line, fix it, and run `check` again. Warnings (a very long
sentence, a word that may be said wrongly) do not stop a build, but are worth a look.

## Writing an episode

- One sentence is one breath: keep sentences short (under 35 words).
- A blank line starts a new paragraph, with a longer pause.
- `- chapter: Title` marks a chapter; listeners can skip between chapters.
- `- pause: 2s` adds a silence.
- If the voice says a word wrongly, add it to the `lexicon` in `guide.yaml`,
  spelled the way it sounds (`LCSW: L C S W`).

## Publishing

Each episode has a `status`: `draft` while it is written, `review` while a colleague
listens, `approved` when it may go out. Only approved episodes are published in the
feed and the web page; `audioguide build --drafts` includes the others for listening.
The example episode is a draft, so the first build publishes nothing: its summary says
`Published 0 of 1 episode`. Set `status: approved` when an episode is ready.
"""


class GuideExistsError(AudioguideError):
    """The folder already holds a guide (`init` never overwrites one), or cannot hold one."""

    exit_code = 2


def files(folder: str, today: dt.date) -> dict[str, str]:
    """The new guide's files by path relative to its folder (pure)."""
    from audioguide.loader.schema import schema_json

    return {
        "guide.yaml": GUIDE_SCHEMA_LINE + GUIDE_YAML.format(folder=folder, date=today.isoformat()),
        "episodes/01-example.yaml": EPISODE_SCHEMA_LINE + EPISODE_YAML,
        "README.md": README_MD.format(
            title="My Audio Guide", folder=folder, output=default_output(Path(folder)).as_posix()
        ),
        f"{SCHEMA_DIR}/guide.schema.json": schema_json("guide"),
        f"{SCHEMA_DIR}/episode.schema.json": schema_json("episode"),
    }


def init_guide(dest: Path, today: dt.date | None = None) -> list[Path]:
    """Write a new guide into `dest`; return the files written.

    Refuses, before writing anything, if `dest` already holds any of them.
    """
    planned = files(dest.as_posix(), today or dt.date.today())
    taken = [name for name in planned if (dest / name).exists()]
    if taken:
        raise GuideExistsError(
            f"{dest / taken[0]} already exists; `init` never overwrites a guide "
            "(choose a new folder, e.g. audioguide init my-guide)"
        )
    written: list[Path] = []
    try:
        for name, content in planned.items():
            atomic_write_text(dest / name, content)
            written.append(dest / name)
    except OSError as exc:
        # All or nothing: a half-made guide would block the next `init` in that folder.
        for path in written:
            path.unlink(missing_ok=True)
        raise GuideExistsError(f"cannot create the guide in {dest}: {exc.strerror or exc}") from exc
    return written
