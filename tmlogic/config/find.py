"""Where the project configuration is: the nearest `.tmlogic.yaml` at or above a folder.

Apart from the loader, so that a run without a configuration file does not import the YAML parser.
"""

from __future__ import annotations

from pathlib import Path

from .settings import CONFIG_NAMES

__all__ = ["find_config"]


def find_config(start: Path | None = None) -> Path | None:
    """`.tmlogic.yaml` (or `.yml`) in `start` (default: the working folder) or the nearest folder
    above it, stopping at the repository root (a folder with `.git`)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        if (folder / ".git").exists():
            return None
    return None
