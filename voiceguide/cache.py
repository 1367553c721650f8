"""The on-disk cache: spoken phrases (WAV), what levelling learnt of each sound (NPZ), each
sound's MP3 frames at its place in a frame (FRAMES) and the voice engine's list of voices (JSON).

Entries are content-addressed: a file's name is the hash of everything that shapes what it
holds. Each is written atomically (temp file, then os.replace), so a reader sees a whole entry
or none; an entry that cannot be read is a miss and is written again. The cache only saves
time: a read-only or full cache folder never fails a build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

SUFFIXES = (".wav", ".npz", ".json", ".frames")  # phrases, sound analyses, the voice list, encoded sounds


def folder() -> Path:
    configured = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voiceguide")) / "clips"


def entry(where: Path, key: Any, suffix: str, data: bytes = b"") -> Path:
    """The entry for `key` (anything JSON can hold) and, if given, the bytes it was made from."""
    digest = hashlib.sha256(json.dumps(key).encode())
    digest.update(data)
    return where / f"{digest.hexdigest()}{suffix}"


def entries(where: Path) -> list[Path]:
    try:
        return [path for path in where.iterdir() if path.suffix in SUFFIXES] if where.is_dir() else []
    except OSError:
        return []


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write an entry through `write(file)`; on any OSError leave nothing and carry on."""
    temp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
