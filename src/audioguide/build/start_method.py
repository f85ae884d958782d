"""How the build's worker processes start: forked when that is safe, else a fork server.

A fork copies the whole process but only the thread that forks. onnxruntime (under the
Piper engine) keeps mutexes and thread pools of its own; a worker forked while one of
them was held waits on it for ever, e.g. when it frees a session it inherited. So once
onnxruntime is loaded in this process, workers start from a fork server: a fresh Python
that has never loaded it, whose own forks are safe. A session freed later still leaves
onnxruntime's threads and state behind, so "loaded" is the test, not "a session exists".

Where there is no fork (Windows; or `AUDIOGUIDE_NO_FORK=1`, see hostos) workers spawn:
each a fresh interpreter. The method is always asked for by name, never left to
Python's default (which Python 3.14 changes on Linux).

Fork stays the default otherwise: a forked worker has the audio stack already loaded,
and starting one costs a few milliseconds where a fresh interpreter costs a second.
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
from collections.abc import Mapping
from multiprocessing.context import BaseContext

from audioguide.system import hostos

# Native libraries that must never be inherited by a fork (see the module docstring).
FORK_UNSAFE = ("onnxruntime",)

# What a fork server loads once, so that each worker it forks starts with the audio stack.
PRELOAD = [
    "audioguide.build.stages",
    "audioguide.audio.assemble",
    "audioguide.export.mp3",
    "audioguide.audio.master",
]


def start_method(modules: Mapping[str, object] | None = None) -> str:
    """Fork, unless something in `modules` (this process's) makes forking unsafe."""
    loaded = sys.modules if modules is None else modules
    if not hostos.can_fork():
        return "spawn"
    available = multiprocessing.get_all_start_methods()
    if "fork" in available and not any(name in loaded for name in FORK_UNSAFE):
        return "fork"
    return "forkserver" if "forkserver" in available else "spawn"


def pool_context() -> BaseContext:
    """The multiprocessing context a worker pool made now should start its workers with."""
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


def warm_worker() -> None:
    """Each worker, as it starts: it dies with the build, and keeps mastering's memory."""
    from audioguide.system.stopping import follow_parent

    follow_parent()
    keep_freed_memory()


@functools.cache
def keep_freed_memory() -> None:
    """Let glibc keep the memory mastering frees for its next chunk.

    Mastering makes and drops arrays of a few MB per minute of audio; by default glibc
    hands such memory back to the system at once, and every chunk then faults its pages
    in again: a sixth to a quarter of the mastering time, all in the kernel. Other C
    libraries are left as they are.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    mallopt(m_mmap_threshold, 64 << 20)  # larger blocks (whole long episodes) still go back
    mallopt(m_trim_threshold, 512 << 20)
