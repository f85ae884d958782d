from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.clips import copy_clips
from support.fakes import FakeEngine
from support.shipped import ShippedBuild, build_shipped

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from audioguide.build.report import BuildReport

TESTS = Path(__file__).parent
# The tiers, by folder rather than in every file: `browser` (drives Chromium: the page,
# the studio) for tests/browser/; `slow` for every browser test, tests/acceptance/ (the
# promises, end to end on real audio and real processes), `e2e` tests anywhere (a real
# guide built with espeak-ng and ffmpeg) and the few files named here. `-m "not slow"`
# is the fast tier: the tests of each package.
SLOW_FOLDERS = frozenset({"acceptance", "browser"})
SLOW_FILES = frozenset({"test_engine_piper.py"})  # loads Piper's model, builds with it


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0]
        if folder == "browser":
            item.add_marker(pytest.mark.browser)
        if (
            folder in SLOW_FOLDERS
            or item.path.name in SLOW_FILES
            or item.get_closest_marker("browser") is not None
            or item.get_closest_marker("e2e") is not None
        ):
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


@pytest.fixture(scope="session")
def voice_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the session's `check`s and refused builds: the engine lists
    its voices once, not once per case."""
    return tmp_path_factory.mktemp("voices")


@pytest.fixture(scope="session")
def spoken_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip cache holding every sentence of the test guide (both editions, as
    `write_guide(**SPANISH_EDITION)` writes it) spoken by espeak-ng, once per session.
    Never built into by a test: `warm_cache` copies it."""
    from audioguide.build.session import BuildOptions, build

    tmp = tmp_path_factory.mktemp("spoken")
    files = {"guide.yaml": GUIDE, "episodes/01-first.yaml": EPISODE_ONE}
    files |= {"episodes/02-second.yaml": EPISODE_TWO}
    files |= {k.replace("__", "/"): v for k, v in SPANISH_EDITION.items()}
    for name, text in files.items():
        path = tmp / "scripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    build(BuildOptions(tmp / "scripts", tmp / "output", tmp / "cache", jobs=2))
    return tmp / "cache"


@pytest.fixture
def warm_cache(spoken_clips: Path, tmp_path: Path) -> Path:
    """`tmp_path / "c"`: this test's own clip cache, holding the test guide's clips
    already (see `spoken_clips`), for a build of real audio whose test does not count
    what was spoken. Every other cache file (guides, covers, records) starts absent."""
    return copy_clips(spoken_clips, tmp_path / "c")


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> ShippedBuild:
    """Both editions of the shipped guide, built once per session with espeak-ng (see
    support/shipped.py). Read it; copy it (support.files.copy_built) to change it."""
    return build_shipped(tmp_path_factory.mktemp("shipped"))


@pytest.fixture(scope="session")
def listening_guide(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """The page tests' guide (support/listening_site.py), built once per session with espeak-ng
    for the modules that listen to it. Read it; copy its output to change anything."""
    from support.listening_site import build_listening_guide

    return build_listening_guide(tmp_path_factory.mktemp("listening"))


@pytest.fixture(scope="session")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where publish_sample.build_episodes keeps the tone MP3s it encodes: shared, so
    each is encoded (and measured) once per session."""
    return tmp_path_factory.mktemp("tones")
