"""Run the studio: waitress on 127.0.0.1, the URL on the first line, Ctrl-C to stop.

waitress is a pure-Python WSGI server (no compiler, the same on Windows, macOS and
Linux) that serves on a few threads: staff's page polls while a sentence is spoken.
The studio holds a lock in the output's record folder while it runs, so a second
studio of the same guide says so instead of starting.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from audioguide.build.record import RECORD_DIR
from audioguide.system import tempfiles
from audioguide.system.lock import build_lock

STUDIO_LOCK = "studio-lock"
HOST = "127.0.0.1"
# What one request, and an idle page or a stray client, may cost. Bodies are refused
# (413) by waitress before they are read, and so before any spooling to disk; a page
# polls every 1.5 s, so a connection idle for 20 s is closed, and the limit of open
# connections is far above what pages open, so idle ones cannot lock staff out.
MAX_BODY = 512 * 1024
LIMITS: dict[str, Any] = {
    "threads": 6,
    "max_request_body_size": MAX_BODY,
    "max_request_header_size": 64 * 1024,
    "connection_limit": 500,
    "channel_timeout": 20,
    "cleanup_interval": 5,
}


def studio_lock(output: Path) -> contextlib.AbstractContextManager[None]:
    return build_lock(
        output / RECORD_DIR,
        STUDIO_LOCK,
        f"another studio (process {{pid}}) has this guide open ({output}); "
        "use that one (its address is in its window), or stop it there with Ctrl-C",
    )


def guide_lock(scripts: Path) -> contextlib.AbstractContextManager[None]:
    """One studio per guide *folder*, however it is named: through a symlink or another
    relative path the same folder has another output folder (so another `studio_lock`),
    so the lock is also taken on the folder's real path, in the temp folder."""
    real = os.path.normcase(str(scripts.resolve()))
    key = hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return build_lock(
        tempfiles.shared_folder("studio-locks"),
        key,
        f"another studio (process {{pid}}) has this guide open ({scripts.resolve()}), "
        "perhaps under another name; use that one, or stop it there with Ctrl-C",
    )


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM (a service manager's stop) and SIGINT end the studio as Ctrl-C does.

    SIGINT too, explicitly: a process started in the background by a shell without job
    control inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


def serve(
    scripts: Path,
    output: Path,
    cache_dir: Path,
    *,
    port: int = 0,
    open_browser: bool = True,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the studio until Ctrl-C (or SIGTERM); then stop everything it started."""
    from waitress import create_server

    from audioguide.studio.app import create_app, studio

    with guide_lock(scripts), studio_lock(output):
        tempfiles.sweep(output, cache_dir)  # what a studio or build killed outright left
        app = create_app(scripts, output, cache_dir, port)
        server: Any = create_server(app, host=HOST, port=port, **LIMITS)
        app.config["STUDIO_PORT"] = server.effective_port
        url = f"http://{HOST}:{server.effective_port}/"
        echo(url)
        with app.app_context():
            the_studio = studio()
        the_studio.workspace.editions()  # load now: the first page opens at once
        echo(f"Studio for {scripts}/ (built into {output}/). Ctrl-C stops it.")
        if open_browser:
            open_in_browser(url)
        try:
            with _stop_on_signals():
                server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            the_studio.builder.stop()
            the_studio.prover.stop()
            _leave_nothing(output, cache_dir)
        echo("Studio stopped.")


# Starts the opener in a session of its own and ends at once: the opener (which may wait
# for the browser it runs) and the browser are then no descendants of the studio.
_DETACH = (
    "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
    "'import sys, webbrowser; webbrowser.open(sys.argv[1])', sys.argv[1]], "
    "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, "
    "start_new_session=True)"
)


def open_in_browser(url: str) -> None:
    """Open `url` in the staff's browser, which is not the studio's to stop: Ctrl-C stops
    everything the studio started, but leaves the browser open."""
    helper = subprocess.Popen(
        [sys.executable, "-c", _DETACH, url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    helper.wait(timeout=30)


def _leave_nothing(output: Path, cache_dir: Path) -> None:
    """No process of ours lives on (the speech engine, a build), no temp file stays."""
    from audioguide.system import stopping

    gone = stopping.stop_tree() | {os.getpid()}
    tempfiles.sweep(output, cache_dir, gone=gone)
    sys.stdout.flush()
