"""The stat manifest: the key (a content digest) of a set of files, found from their stats, so a
warm run need not read and hash them.

Reading and hashing files for a cache key (the ~115 rule files, the knowledge base's ~350 KB, the
enrichment code) costs more than the rest of a warm run's file work. So each such key is also
kept in a small manifest in the cache folder, named by what it is for (`kind`, a `context` text
such as the tmlogic version, and the files' names, in order), that records each file's stat:
size, modification and change times in nanoseconds, inode and device. A later run that finds the
same files with the same stats uses the recorded key without reading them; any other stat (an
edit, a file replaced, touched or moved, a file missing) is a miss, and the files are read and
hashed as before. The change time cannot be set back by a user (touch and tar set only the
modification time), and any write or rename sets it. A manifest is written only after the files
were read, from stats taken after the read, and only if every file was last changed well before
the read began (_SETTLED_NS): a file changed during the read, or within a coarse file system's
time step of it, would otherwise show a stat that matches content the hash never saw (git calls
such entries "racily clean"). A manifest that does not decode, or names a key of another shape,
is a miss like any other.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ... import __version__
from ..._errors import UsageError
from ...fileaccess import FileAccessError, read_text, write_text
from ...sha256 import sha256
from .cache import cache_dir

__all__ = ["FileState", "file_state", "keyed", "stated_key", "write_stated_key"]

_FORMAT = 1
_KEEP = 8  # manifests of one kind kept (one per rule set, knowledge base, working folder); older ones are removed
_SETTLED_NS = 3_000_000_000  # older than this at the start of the read (FAT's time step is 2 s)
_HEX = frozenset("0123456789abcdef")
FileState = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def _path(kind: str, context: str, names: Sequence[str]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = sha256(f"tmlogic {__version__} {kind} manifest {_FORMAT}\n{context}\n".encode("utf-8", "surrogateescape"))
    for name in names:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
    return folder / f"{kind}-{digest.hexdigest()[:32]}.json"


def file_state(path: str) -> FileState | None:
    """The stat of a regular file at `path` (links followed), or None."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def stated_key(kind: str, context: str, names: Sequence[str],
               paths: Sequence[str]) -> tuple[str, list[FileState]] | None:
    """The key (64 hex digits) recorded for the files `paths` (named `names`) in `context`, with
    their stats, if every one still has the stat it had when it was read; else None."""
    where = _path(kind, context, names)
    if where is None:
        return None
    try:
        data = json.loads(read_text(where, what="cache manifest", anywhere=True, track=False))
    except (FileAccessError, ValueError, RecursionError):
        return None
    if type(data) is not dict or type(data.get("files")) is not list or len(data["files"]) != len(paths):
        return None
    key = data.get("key")
    if type(key) is not str or len(key) != 64 or not set(key) <= _HEX:
        return None
    states: list[FileState] = []
    for path, stored in zip(paths, data["files"]):
        state = file_state(path)
        if state is None or type(stored) is not list or len(stored) != 5 or list(state) != stored:
            return None
        states.append(state)
    return key, states


def write_stated_key(kind: str, context: str, names: Sequence[str], paths: Sequence[str], key: str,
                     read_at: int) -> None:
    """Record `key` for the files `paths`, read (and hashed) from time `read_at` (time.time_ns()),
    unless one of them is missing or changed too near that time to be sure the hash saw it."""
    where = _path(kind, context, names)
    if where is None:
        return
    states = [file_state(path) for path in paths]
    settled = read_at - _SETTLED_NS
    if any(s is None or s[1] >= settled or s[2] >= settled for s in states):
        return
    text = json.dumps({"key": key, "files": states}, separators=(",", ":"))
    try:
        write_text(where, text, anywhere=True, replace_input=True)
        olders = sorted(where.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in olders[_KEEP:]:
            old.unlink(missing_ok=True)
    except (UsageError, OSError):  # a manifest that cannot be written is simply not used
        pass


def keyed(kind: str, context: str, names: Sequence[str], paths: Sequence[str],
          compute: Callable[[], str | None]) -> str | None:
    """The key of the files `paths`: the manifest's if their stats still match, else `compute()`
    (which reads and hashes them; None: no key), then recorded for the next run."""
    found = stated_key(kind, context, names, paths)
    if found is not None:
        return found[0]
    read_at = time.time_ns()
    key = compute()
    if key is not None:
        write_stated_key(kind, context, names, paths, key, read_at)
    return key
