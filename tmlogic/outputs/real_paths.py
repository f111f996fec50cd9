"""`Path.resolve()` of the rule and fact files that the renderers name (SARIF's help links, the
report's rule locations), with each folder resolved once per process: resolving each file walks
every folder above it, a dozen system calls, for each of the hundred rules of a run."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["real_path"]


def real_path(path: str) -> Path:
    """What `Path(path).resolve()` gives, for the current folder."""
    return _real_path(path, os.getcwd())


@lru_cache(maxsize=4096)
def _real_path(path: str, cwd: str) -> Path:
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(os.path.join(cwd, path)):
        return Path(os.path.realpath(os.path.join(cwd, path)))
    # the real path of a file that is not a link is its folder's real path and its name
    return Path(_real_folder(folder, cwd), name)


@lru_cache(maxsize=1024)
def _real_folder(folder: str, cwd: str) -> str:
    return os.path.realpath(os.path.join(cwd, folder))
