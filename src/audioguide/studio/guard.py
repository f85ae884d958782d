"""What keeps a web page elsewhere from driving the studio, and requests inside their
folders.

- DNS rebinding: a page on evil.example whose name is made to point at 127.0.0.1 sends
  `Host: evil.example:PORT`; only `127.0.0.1:PORT` and `localhost:PORT` are served.
- Cross-site requests: every request that changes something (any method but GET, HEAD)
  needs the session's token (in a header, which another origin cannot set without the
  browser asking us first, and we never say yes) and an `Origin` that is the studio's.
- Paths: no route takes a file path but the published page's, which
  `system.trust.file_inside` resolves (symlinks included) and refuses unless it stays
  in its folder.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, abort, current_app, request

SAFE_METHODS = frozenset({"GET", "HEAD"})
TOKEN_HEADER = "X-Studio-Token"
PUBLISHED = "/published/"
# The page's own scripts and styles only; audio from here or from the page's own blobs.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def allowed_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def check_request() -> None:
    """Refuse a foreign Host (421), or a change without the token and our Origin (403)."""
    port = current_app.config["STUDIO_PORT"]
    host = request.headers.get("Host", "")
    if host not in allowed_hosts(port):
        abort(421, "this studio answers only at 127.0.0.1 or localhost on its own port")
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin", "")
    if origin not in {f"http://{h}" for h in allowed_hosts(port)}:
        abort(403, "a change must come from the studio's own page")
    token = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(token.encode(), current_app.config["STUDIO_TOKEN"].encode()):
        abort(403, "a change needs this session's token: reload the studio page")


def secure_headers(response: Response) -> Response:
    if request.path.startswith(PUBLISHED):
        # The published page brings its own policy (an inline script with its hash); it
        # runs sandboxed, in an origin of its own, so it could not call the studio even
        # if it tried. Its sounds load from here, so no same-origin-only resource rule.
        response.headers["Content-Security-Policy"] = "sandbox allow-scripts"
    else:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(secure_headers)
