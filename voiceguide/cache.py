"""The on-disk cache: spoken phrases (WAV), what levelling learnt of each sound (NPZ), each
sound's MP3 frames at its place in a frame (FRAMES) and the voice engine's list of voices (JSON).

Entries are content-addressed: a file's name is the hash of everything that shapes what it
holds. Each is written atomically (temp file, then os.replace), so a reader sees a whole entry
or none; an entry that cannot be read is a miss and is written again. The cache only saves
time: a read-only or full cache folder never fails a build.

The cache lives in a folder of its own, marked with a CACHEDIR.TAG (the Cache Directory Tagging
convention, which backup tools honour): with VOICEGUIDE_CACHE_DIR=X it is X/voiceguide, so a
folder shared with other files is never emptied. `clear` deletes only entries, only in a folder
that carries the tag.
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

from voiceguide.errors import VoiceguideError

SUFFIXES = (".wav", ".npz", ".json", ".frames")  # phrases, sound analyses, the voice list, encoded sounds
TAG = "CACHEDIR.TAG"
TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is voiceguide's cache of spoken phrases; `voiceguide cache clear` empties it.\n"
)
OWN_FOLDER = "voiceguide"  # the cache's folder inside VOICEGUIDE_CACHE_DIR


def folder() -> Path:
    configured = os.environ.get("VOICEGUIDE_CACHE_DIR")
    if configured:
        return Path(configured) / OWN_FOLDER
    return _default()


def _default() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voiceguide")) / "clips"


def entry(where: Path, key: Any, suffix: str, data: bytes = b"") -> Path:
    """The entry for `key` (anything JSON can hold) and, if given, the bytes it was made from."""
    digest = hashlib.sha256(json.dumps(key).encode())
    digest.update(data)
    return where / f"{digest.hexdigest()}{suffix}"


def entries(where: Path) -> list[Path]:
    """The cache's own entries: files named by a hash, with one of the cache's suffixes."""
    try:
        return [path for path in where.iterdir() if _is_entry(path.name)] if where.is_dir() else []
    except OSError:
        return []


def _is_entry(name: str) -> bool:
    stem, dot, suffix = name.partition(".")
    return f"{dot}{suffix}" in SUFFIXES and len(stem) == 64 and all(c in "0123456789abcdef" for c in stem)


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write an entry through `write(file)`; on any OSError leave nothing and carry on."""
    temp: str | None = None
    try:
        try:
            path.parent.mkdir(parents=True)
        except FileExistsError:
            pass  # a folder that was there before is not claimed: only one made here is tagged
        else:
            (path.parent / TAG).write_text(TAG_TEXT, encoding="utf-8")
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def usage(where: Path) -> tuple[int, int]:
    """How many phrases the cache holds, and the bytes of all its entries."""
    phrases = size = 0
    for path in entries(where):
        with contextlib.suppress(OSError):  # an entry removed meanwhile by another build
            size += path.stat().st_size
            phrases += path.suffix == ".wav"
    return phrases, size


def clear(where: Path) -> int:
    """Delete the cache's entries (and temporary files a killed build left); return how many
    phrases went. Refuses a folder without the tag: it may hold someone's own files."""
    if not where.is_dir():
        return 0
    if not (where / TAG).is_file() and where != _default():
        raise VoiceguideError(
            f"{where}: not made by voiceguide (it has no {TAG}), so nothing was deleted; "
            "delete it yourself or set VOICEGUIDE_CACHE_DIR to another folder"
        )
    removed = 0
    try:
        for path in [*entries(where), *where.glob(".tmp-*")]:
            path.unlink(missing_ok=True)
            removed += path.suffix == ".wav" and not path.name.startswith(".tmp-")
    except OSError as error:
        raise VoiceguideError(
            f"{where}: cannot delete cached entries ({error.strerror or error}); check the folder's permissions"
        ) from None
    return removed
