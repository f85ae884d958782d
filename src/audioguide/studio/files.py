"""The built folder, read-only: the published page and its files, and the previews.

Only files inside the guide's output folder are served, whatever the path's spelling:
`system.trust.file_inside` refuses `..`, absolute paths, backslashes, hidden names (the build's
records) and any symlink that leads out.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from audioguide.studio.app import studio
from audioguide.system.trust import file_inside

bp = Blueprint("files", __name__)


@bp.get("/published/")
@bp.get("/published/<path:rel>")
def published(rel: str = "index.html") -> Response:
    path = file_inside(studio().workspace.output, rel)
    if path is None:
        abort(404, "no such file in the built guide")
    return send_file(path, conditional=True, max_age=0)
