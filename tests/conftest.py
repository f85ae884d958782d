from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fakes import FakeEngine

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

# The tiers (`-m "not slow"` runs in a few minutes): marked here by file rather than in
# every file. `browser`: drives Chromium (the page, the studio). `slow`: the browser
# files, and those that build real guides with espeak-ng and ffmpeg end to end, run a
# real process tree or start Piper; `e2e` tests anywhere are slow too.
BROWSER_FILES = frozenset(
    {
        "test_page_browser.py",
        "test_page_listening.py",
        "test_page_offline.py",
        "test_studio_browser.py",
    }
)
SLOW_FILES = BROWSER_FILES | {
    "test_build_promises.py",
    "test_e2e.py",
    "test_engine_piper.py",
    "test_no_fork.py",
    "test_shipped_guide.py",
    "test_signals.py",
    "test_staff_workflows.py",
    "test_wheel_tools.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        if name in BROWSER_FILES:
            item.add_marker(pytest.mark.browser)
        if name in SLOW_FILES or item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.slow)


GUIDE = """\
title: Test Guide
description: A guide made by the tests.
author: Test Clinic
language: en-US
date: 2026-11-25
source:
  title: An Article
  author: A. Writer, LCSW
  date: February 2021
credit: A paraphrase of An Article by A. Writer, February 2021.
pauses:
  sentence: 400ms
  paragraph: 800ms
  chapter: 1.2s
intro: "{guide}. Episode {number}: {title}."
outro: This was episode {number} of {total}.
lexicon:
  LCSW: L C S W
"""

EPISODE_ONE = """\
id: first-steps
title: First steps
summary: Where it all starts.
segments:
  - chapter: Hello
  - say: |
      Welcome to the first episode. It is short.

      A new paragraph starts here.
  - chapter: More
  - say: One more sentence after a chapter.
  - pause: 1.5s
  - say: After a long pause.
"""

EPISODE_TWO = """\
id: second-steps
title: Second steps
summary: Where it goes on.
segments:
  - chapter: Only chapter
  - say: The second episode has two sentences. This is the other one.
"""


SPANISH_GUIDE = """\
title: Guía de prueba
description: Una guía hecha por las pruebas.
author: Clínica de prueba
language: es-US
date: 2026-11-25
source:
  title: Un artículo
  author: A. Writer
  date: febrero de 2021
credit: Paráfrasis de Un artículo.
"""

SPANISH_EPISODE = """\
id: primeros-pasos
title: Primeros pasos
summary: Donde empieza todo.
segments:
  - chapter: Hola
  - say: Bienvenidos al primer episodio. Es corto.
"""

# A second edition in es/, as write_guide(**SPANISH_EDITION) writes it.
SPANISH_EDITION = {
    "es__guide.yaml": SPANISH_GUIDE,
    "es__episodes__01-primeros.yaml": SPANISH_EPISODE,
}

WriteGuide = Callable[..., Path]


@pytest.fixture
def write_guide(tmp_path: Path) -> WriteGuide:
    """Write a guide folder; pass replacements as file name -> text (None removes it)."""

    def write(**files: str | None) -> Path:
        root = tmp_path / "scripts"
        contents: dict[str, str | None] = {
            "guide.yaml": GUIDE,
            "episodes/01-first.yaml": EPISODE_ONE,
            "episodes/02-second.yaml": EPISODE_TWO,
        }
        contents.update({k.replace("__", "/"): v for k, v in files.items()})
        for name, text in contents.items():
            if text is not None:
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


STUDIO_PORT = 5123  # the port a studio's test client says it was served on


@pytest.fixture
def app(guide: Path, tmp_path: Path) -> Flask:
    """The studio on the test module's own `guide` fixture (output and cache in tmp)."""
    from audioguide.studio.app import create_app

    return create_app(guide, tmp_path / "out", tmp_path / "cache", STUDIO_PORT)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c
