"""Environment faults (a full disk, a read-only folder, a file where a folder should
be) as one readable line: what the CLI prints instead of an OSError's traceback.

Every command funnels an unhandled OSError through `describe` (cli.py does it once, for
all of them), so no writer needs its own try/except: the atomic writes already leave
earlier files whole, and all that is left to do is to say what happened, where, and
what to do about it.
"""

from __future__ import annotations

import errno
import unicodedata

_ADVICE = {
    errno.ENOSPC: "no space left on the device; free some space and run it again",
    errno.EDQUOT: "the disk quota is used up; free some space and run it again",
    errno.EROFS: "the file system is read-only; choose a writable folder (-o, --cache-dir)",
    errno.EACCES: "permission denied; choose a folder you may write to, or fix its permissions",
    errno.EPERM: "not permitted; choose a folder you may write to, or fix its permissions",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file is in the way of a folder or file to be made",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error: the disk or network share failed",
}


def one_line(text: str) -> str:
    """`text` with control characters (a newline in a file name) escaped, so an error
    stays one line."""
    if not any(unicodedata.category(ch) == "Cc" for ch in text):
        return text
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) == "Cc" else ch for ch in text)


def describe(exc: OSError) -> str:
    """One line for an OSError: the file it concerns and what to do."""
    what = _ADVICE.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__)
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    where = " -> ".join(one_line(str(p)) for p in paths)
    return f"{where}: {what}" if where else one_line(what)
