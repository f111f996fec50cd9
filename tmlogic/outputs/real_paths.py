"""`Path.resolve()` of the rule and fact files that the renderers name (SARIF's help links, the
report's rule locations), with each folder resolved once inside a `folders_resolved_once()` block
(render_format opens one per format): resolving a file walks every folder above it, a dozen system
calls, for each of the hundred rules of a run. Outside a block nothing is remembered, so a
long-running process (`tmlogic serve`) never sees a stale folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["folders_resolved_once", "real_path"]

# absolute folder -> its real path, inside a block
_FOLDERS: ContextVar[dict[str, str] | None] = ContextVar("tmlogic_real_folders", default=None)


@contextmanager
def folders_resolved_once() -> Iterator[None]:
    if _FOLDERS.get() is not None:  # nested: the outer block's table
        yield
        return
    token = _FOLDERS.set({})
    try:
        yield
    finally:
        _FOLDERS.reset(token)


def real_path(path: str) -> Path:
    """What `Path(path).resolve()` gives."""
    folders = _FOLDERS.get()
    absolute = os.path.join(os.getcwd(), path)
    folder, name = os.path.split(absolute)
    if folders is None or name in ("", ".", "..") or os.path.islink(absolute):
        return Path(path).resolve()
    # the real path of a file that is not a link is its folder's real path and its name
    # (Path.resolve takes each ".." after the links before it)
    if folder not in folders:
        folders[folder] = str(Path(folder).resolve())
    return Path(folders[folder], name)
