"""How the studio answers when something goes wrong: one error handler for every route.

The page shows the studio's own sentence, never a status number: every failure of an
`/api/` route is JSON `{"ok": false, "message": ...}` (plus `errors`, the lines a save
would add, or `conflict`, both versions of a text someone else changed). Other routes
get a short page in the studio's style with a way back. A failure of the computer (a
read-only folder, a full disk) is one line on the terminal too, never a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from audioguide.errors import failure_of
from audioguide.studio.workspace import Conflict, SaveRefused
from audioguide.studio.yamledit import EditError
from audioguide.system.faults import one_line


@dataclass(frozen=True)
class Answer:
    """What one failure sends: its status, its sentence, and what else the page needs."""

    status: int
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


def _answer(exc: Exception) -> Answer:
    if isinstance(exc, Conflict):
        return Answer(409, f"Not saved: {exc.message}", {"conflict": exc.as_json()})
    if isinstance(exc, SaveRefused):
        return Answer(
            422,
            f"Not saved: the {exc.what} would break the guide. Nothing was written.",
            {"errors": [e.line() for e in exc.errors]},
        )
    if isinstance(exc, EditError):
        return Answer(422, f"Not saved: {exc}")
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if code == 413 and exc.description == type(exc).description:  # werkzeug's words
            return Answer(413, "That is more than the studio takes in one request.")
        return Answer(code, _sentence(exc.description or exc.name))
    if isinstance(exc, RecursionError):
        return Answer(400, "The request is nested too deeply to read.")
    failure = failure_of(exc)  # worded as the command line words it
    if failure is not None and failure.scripted:
        return Answer(422, failure.text)
    if failure is not None:
        unchanged = " Nothing was changed." if isinstance(exc, OSError) else ""
        return Answer(500, failure.text + unchanged)
    return Answer(500, f"error: the studio failed ({type(exc).__name__}: {one_line(str(exc))})")


def _sentence(text: str) -> str:
    text = one_line(text)
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def answer_error(exc: Exception) -> tuple[Response | str, int]:
    """The one error handler: JSON for the page's requests, a page for a person."""
    found = _answer(exc)
    if found.status >= 500:
        # One line where the studio was started, as the commands print it.
        print(f"audioguide studio: {found.message}", file=sys.stderr, flush=True)
    if request.path.startswith("/api/"):
        sent = {"ok": False, "message": found.message, "errors": [], **found.extra}
        return jsonify(sent), found.status
    return render_template("problem.html", message=found.message), found.status


def install(app: Flask) -> None:
    app.register_error_handler(Exception, answer_error)
