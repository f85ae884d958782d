"""Where the external ffmpeg comes from: the system's if it has one, else the one the
`imageio-ffmpeg` wheel ships, so that `pip install` alone gives a working build (on
Windows, macOS, or a Linux without root). The system's is preferred: it is the one the
user installed and updates, and (measured, see README) no slower.

Only ffmpeg is needed: encoding MP3s, and pydub's decoding of a sound that is not a WAV.
"""

from __future__ import annotations

import shutil

from audioguide.errors import ToolMissingError
from audioguide.system import hostos


def find_ffmpeg() -> str | None:
    """The ffmpeg to run: the system's on PATH, else the bundled wheel's, else None."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # the wheel has no binary for this platform
        return None


def ffmpeg() -> str:
    """The ffmpeg to run; ToolMissingError (exit 1) saying how to install one."""
    found = find_ffmpeg()
    if found is None:
        raise ToolMissingError(
            f"ffmpeg is not installed; install it with: {hostos.install_hint('ffmpeg')}"
        )
    return found
