"""Podcasting 2.0 JSON chapters (format 1.2.0), one file beside each episode's MP3.

Spec: github.com/Podcastindex-org/podcast-namespace, chapters/jsonChapters.md. Served as
`application/json+chapters` and linked from the feed's `<podcast:chapters>`.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from audioguide.model import Guide
from audioguide.publish.common import Item, one_line

VERSION = "1.2.0"
MEDIA_TYPE = "application/json+chapters"


def chapters_json(guide: Guide, item: Item) -> str:
    """The chapters file of one episode: LF, UTF-8 text, fixed key order, trailing newline."""
    document = {
        "version": VERSION,
        "title": one_line(item.title),
        "podcastName": one_line(guide.title),
        "author": one_line(guide.author),
        "fileName": PurePosixPath(item.mp3).name,
        "chapters": [
            {
                # Seconds as numbers, from the exact milliseconds the MP3's CHAP frames hold.
                "startTime": mark.start_ms / 1000,
                "endTime": mark.end_ms / 1000,
                "title": one_line(mark.title),
            }
            for mark in sorted(item.chapters, key=lambda m: m.start_ms)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
