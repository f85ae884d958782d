"""Voice model files: what identifies one is its content, hashed once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from audioguide.errors import EngineError
from audioguide.system.fsutil import sha256_file


def model_sha256(path: str) -> str:
    """The sha256 of a voice model file, hashed once per process while the file is as it was.

    Every clip key of a build needs it and a model is tens of megabytes (~0.1 s to hash).
    """
    try:
        st = os.stat(path)
    except OSError as e:
        raise EngineError(f"voice model {path} cannot be read: {e.strerror}") from e
    return _hash_file(path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _hash_file(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime are only part of the cache key: a replaced file is hashed afresh.
    try:
        return sha256_file(path)
    except OSError as e:
        raise EngineError(f"voice model {path} cannot be read: {e.strerror}") from e


MEMO_FORMAT = "audioguide-model-hashes/1"


def remembered_sha256(path: str, memo: Path) -> str:
    """`model_sha256`, remembered across processes in the JSON file `memo` by the file's
    path, size, modification time and inode: a proof that hears one sentence need not
    read a model of tens of megabytes first. A file changed in any of those is hashed
    afresh; a memo of the wrong shape is ignored (and rewritten)."""
    import json

    from audioguide.system.fsutil import atomic_write

    try:
        st = os.stat(path)
    except OSError as e:
        raise EngineError(f"voice model {path} cannot be read: {e.strerror}") from e
    stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
    try:
        data = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        data = None
    known = data.get("hashes") if isinstance(data, dict) else None
    known = known if isinstance(known, dict) and data.get("format") == MEMO_FORMAT else {}
    entry = known.get(path)
    if isinstance(entry, dict) and entry.get("stat") == stamp:
        digest = entry.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            return digest
    digest = _hash_file(path, st.st_size, st.st_mtime_ns)
    known[path] = {"stat": stamp, "sha256": digest}
    body = json.dumps({"format": MEMO_FORMAT, "hashes": known}, indent=1, sort_keys=True)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(memo, (body + "\n").encode())
    except OSError:
        pass  # only a memo: the next proof hashes the model again
    return digest
