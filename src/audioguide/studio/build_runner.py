"""The studio's Build and Proof now buttons: the real build (or proof), in a process of
its own, with progress.

The build forks worker processes; a fork taken while another of the server's threads
holds a lock copies that lock held, for ever. So the build runs in a *spawned* process
(a fresh interpreter with one thread), which reports its progress and summary through
a queue, and stops with its whole tree (as `audioguide build` does) when told to.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from audioguide.build.session import BuildOptions
from audioguide.build.stages import Progress
from audioguide.studio import pipeline

Job = Callable[[BuildOptions, Progress], list[str]]
"""What runs in the child: `pipeline.build` or `pipeline.proof` (top-level, so a spawned
process can import it); returns the summary lines."""


@dataclass
class BuildStatus:
    """What the page shows: running or not, the stage, and how it ended."""

    state: str = "idle"  # idle | running | done | failed
    stage: str = ""
    done: int = 0
    total: int = 0
    steps: int = 0  # progress reports heard
    lines: list[str] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "steps": self.steps,
            "lines": self.lines,
            "error": self.error,
        }


def _child(job: Job, options: BuildOptions, out: Any) -> None:
    """The build (or proof) process: progress, then ("done", lines) or ("failed", message)."""
    from audioguide.errors import AudioguideError, failure_of
    from audioguide.system.stopping import follow_parent, on_stop

    follow_parent()  # a studio killed outright takes its build along

    def tell(*message: Any) -> None:
        # A studio killed outright closed the pipe: this build ends soon (follow_parent)
        # and has no one to tell.
        with contextlib.suppress(OSError):
            out.send(message)

    def progress(stage: str, done: int, total: int) -> None:
        tell("progress", stage, done, total)

    try:
        # Stopped by the studio (SIGTERM), which says so in its one line; Ctrl-C in the
        # studio's window reaches this process too, and is the studio's to handle.
        with on_stop(options.output, options.cache_dir, quiet=True):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            lines = job(options, progress)
        tell("done", lines)
    except (AudioguideError, OSError) as exc:
        failure = failure_of(exc)
        if failure is None:
            raise
        tell("failed", failure.text)


class Builder:
    """At most one build (or proof) at a time; `status` is safe to read from any thread."""

    def __init__(
        self, options: BuildOptions, job: Job = pipeline.build, what: str = "build"
    ) -> None:
        self.options = options
        self.job = job
        self.what = what
        self.status = BuildStatus()
        self._lock = threading.Lock()
        self._process: Any = None

    def start(self) -> bool:
        """Start a build; False if one is running."""
        with self._lock:
            if self.status.state == "running":
                return False
            self.status = BuildStatus(state="running", stage="starting")
            context = multiprocessing.get_context("spawn")
            # A pipe, not a Queue: a Queue's semaphores are registered with
            # multiprocessing's resource tracker, which the studio's stop ends with its
            # other children, and then prints tracebacks about them.
            messages, sent = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child,
                args=(self.job, self.options, sent),
                name=f"audioguide-studio-{self.what}",
            )
            self._process.start()
            sent.close()  # the child's end: EOF here once the child is gone
        threading.Thread(target=self._follow, args=(self._process, messages), daemon=True).start()
        return True

    def _follow(self, process: Any, messages: Any) -> None:
        status = self.status
        while True:
            try:
                if not messages.poll(0.2):
                    continue
                message = messages.recv()
            except (EOFError, OSError):
                break
            if message[0] == "progress":
                status.stage, status.done, status.total = message[1:]
                status.steps += 1
            elif message[0] == "done":
                status.lines = list(message[1])
                status.state = "done"
            else:
                status.error = message[1]
                status.state = "failed"
        process.join()
        if status.state == "running":
            status.state = "failed"
            status.error = f"error: the {self.what} stopped (exit status {process.exitcode})"
        messages.close()

    @property
    def running(self) -> bool:
        return self.status.state == "running"

    def stop(self) -> None:
        """Stop a running build with its tree (its own SIGTERM handler kills the tree)."""
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(10)
            if process.is_alive():
                with contextlib.suppress(OSError):
                    process.kill()
                process.join(5)
