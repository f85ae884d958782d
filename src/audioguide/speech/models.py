"""Voice model files: what identifies one is its content, hashed once per process."""

from __future__ import annotations

import os
from functools import lru_cache

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
