"""Resolving paths (following symbolic links), with the folders' resolutions shared inside a block.

`Path.resolve` walks every component of a path with one `lstat` each, in Python. Reading the ~90
rule files of the built-in packs resolved each of them several times (for de-duplication, for
the guarded reader, for the path shown in messages): most of the time of loading a cached
program. Inside `shared_folders()`, a folder is resolved once and a file in it costs one `lstat`:

    with shared_folders():
        for file in files:
            resolved = resolve(file, strict=True)   # same result as file.resolve(strict=True)

Other facts about a folder that hold while the files do not move (the project root above it, for
the guarded reader) are shared the same way, through `remembered`.

The result is always that of `Path.resolve`: a file that is itself a symbolic link, a path with
`..` (which must be taken after the links before it), or any error falls back to the full
resolution, so error messages and the checks built on the result do not change. Outside a block,
or after it, nothing is remembered: a long-lived process (the live editor) never sees a stale
folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .typing_runtime import Any, TypeVar

__all__ = ["shared_folders", "remembered", "remembered_at", "resolve", "resolve_text", "resolve_folder"]

T = TypeVar("T")

# (what, absolute folder) -> the fact, inside a shared_folders() block; None outside one.
_FOLDERS: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("tmlogic_folder_facts", default=None)


@contextmanager
def shared_folders() -> Iterator[None]:
    """Resolve each folder once for the block (nested blocks share the outer one's table)."""
    if _FOLDERS.get() is not None:
        yield
        return
    token = _FOLDERS.set({})
    try:
        yield
    finally:
        _FOLDERS.reset(token)


def remembered(what: str, folder: Path | str, compute: Callable[[], T]) -> T:
    """`compute()`, once per (what, folder) inside a shared_folders() block; every time outside one.
    An exception is not remembered."""
    if _FOLDERS.get() is None:
        return compute()
    return remembered_at(what, os.path.abspath(folder), compute)


def remembered_at(what: str, absolute: str, compute: Callable[[], T]) -> T:
    """`remembered` for a folder given as `os.path.abspath` gives it (absolute, normalised): a
    reader that has that text already need not make it again for each file."""
    table = _FOLDERS.get()
    if table is None:
        return compute()
    key = (what, absolute)
    if key not in table:
        table[key] = compute()
    return table[key]  # type: ignore[no-any-return]


def resolve_folder(folder: Path | str) -> Path:
    """`Path(folder).resolve()`, once per folder inside a shared_folders() block."""
    return remembered("resolved", folder, lambda: _resolve_folder(folder))


def _resolve_folder_at(absolute: str) -> Path:
    """resolve_folder(absolute), `absolute` as os.path.abspath gives it."""
    return remembered_at("resolved", absolute, lambda: _resolve_folder(absolute))


def _resolve_folder(folder: Path | str) -> Path:
    """Inside a block, a folder that is not a link is its parent's resolution and its own name:
    one `lstat`, and the ~15 folders of the rule packs share every folder above them. A link, a
    path with `..` or any error: the full resolution."""
    text = os.fspath(folder)
    if _FOLDERS.get() is not None and not (".." in text and ".." in Path(text).parts):
        absolute = os.path.abspath(text)
        parent, name = os.path.split(absolute)
        if name:
            try:
                if not stat.S_ISLNK(os.lstat(absolute).st_mode):
                    return Path(os.path.join(str(_resolve_folder_at(parent)), name))
            except (OSError, RuntimeError):
                pass  # missing, unreadable or looping: the full resolution raises (or answers) as it would alone
    return Path(folder).resolve()


def resolve(path: Path | str, strict: bool = False) -> Path:
    """`Path(path).resolve(strict)`; inside a shared_folders() block its folder's resolution is reused."""
    if _FOLDERS.get() is None:
        return Path(path).resolve(strict=strict)
    return Path(resolve_text(path, strict))


def resolve_text(path: Path | str, strict: bool = False) -> str:
    """`str(resolve(path, strict))`, without building a Path where the folder's resolution is shared."""
    text = os.fspath(path)
    if _FOLDERS.get() is None or (".." in text and ".." in Path(text).parts):
        return str(Path(path).resolve(strict=strict))
    parent, name = os.path.split(os.path.abspath(text))
    try:
        folder = str(_resolve_folder_at(parent))
        if not name:
            return folder
        resolved = os.path.join(folder, name)
        if not stat.S_ISLNK(os.lstat(resolved).st_mode):
            return resolved
    except (OSError, RuntimeError):
        pass  # missing, unreadable or looping: the full resolution raises (or answers) as it would alone
    return str(Path(path).resolve(strict=strict))
