"""The served folder: the only files `tmlogic serve` reads or writes, and how it writes them.

A path from the browser is a relative POSIX path naming a model file (.md, .markdown, .yaml,
.yml) inside the folder. Refused: empty paths, absolute paths (`/etc`, `C:\\x`, `\\\\host`),
backslashes, `..`, NUL and control characters, hidden components (`.git/...`), and anything
whose real path (symlinks followed) leaves the folder. Reads and writes go through tmlogic's
guarded file access (fileaccess.py): only regular files are read (a FIFO or a device named like
a model is refused at once instead of blocking the server), and writes are atomic: a temporary
file in the same folder, flushed and synced, then renamed over the target, so a crash or a full
disk never leaves half a model behind.

This is the server's whole file-access surface; keep it in this one module.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..fileaccess import FileAccessError, WriteRefused, read_bytes, write_bytes
from ..model.loader import MODEL_SUFFIXES

__all__ = ["FileRefused", "ServedFolder", "content_hash"]

MAX_FILE_BYTES = 2 * 1024 * 1024  # a model is text written by people: 2 MiB is far beyond any real one
_MAX_LISTED = 2000
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv"})


class FileRefused(Exception):
    """A path the server will not touch, or a file it cannot read or write; the message says why."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def content_hash(data: bytes) -> str:
    """What the editor compares to notice that a file changed under it."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class ServedFolder:
    root: Path  # resolved

    @classmethod
    def at(cls, folder: Path) -> "ServedFolder":
        return cls(Path(folder).resolve(strict=True))

    def key(self, path: Path) -> str | None:
        """The relative key of a resolved path, or None when it is outside the folder."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            return None

    def resolve(self, key: str) -> Path:
        """The real path of `key`, or FileRefused. The file need not exist (a new file)."""
        if not isinstance(key, str) or not key or len(key) > 1024:
            raise FileRefused("give the path of a model file inside the served folder")
        if any(ord(c) < 32 or c == "\x7f" for c in key):
            raise FileRefused("control characters are not allowed in a path")
        if "\\" in key or key.startswith("/") or (len(key) > 1 and key[1] == ":"):
            raise FileRefused(f"'{key}' is not a relative path inside the served folder")
        parts = PurePosixPath(key).parts
        if any(p in ("..", ".") for p in key.split("/")):
            raise FileRefused(f"'{key}' leaves the served folder ('..' is not allowed)")
        if any(p.startswith(".") for p in parts):
            raise FileRefused(f"'{key}' is hidden; only model files are served")
        if PurePosixPath(key).suffix.lower() not in MODEL_SUFFIXES:
            raise FileRefused(f"'{key}' is not a model file (.md, .markdown, .yaml, .yml)")
        target = (self.root / Path(*parts)).resolve()  # symlinks followed
        if not target.is_relative_to(self.root):
            raise FileRefused(f"'{key}' leads outside the served folder (through a symbolic link)")
        if target.suffix.lower() not in MODEL_SUFFIXES:
            raise FileRefused(f"'{key}' links to a file that is not a model")
        return target

    def read(self, key: str) -> tuple[str, str]:
        """(text, hash) of a model file."""
        data = self._bytes(key, self.resolve(key))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileRefused(f"'{key}' is not UTF-8 text", 415) from None
        return text, content_hash(data)

    def _bytes(self, key: str, path: Path) -> bytes:
        if not os.path.lexists(path):
            raise FileRefused(f"'{key}' does not exist", 404)
        try:
            data = read_bytes(path, what="model", root=self.root, shown=key)
        except FileAccessError as exc:
            problem = exc.diagnostics[0]
            status = {"not-a-file": 400, "too-large": 413}.get(problem.code, 500)
            raise FileRefused(f"cannot read '{key}': {problem.message}", status) from None
        if len(data) > MAX_FILE_BYTES:
            raise FileRefused(f"'{key}' is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", 413)
        return data

    def disk_hash(self, key: str) -> str | None:
        try:
            return content_hash(self._bytes(key, self.resolve(key)))
        except FileRefused:
            return None

    def write(self, key: str, text: str) -> str:
        """Write atomically; returns the new hash. Keeps the file's permission bits."""
        path = self.resolve(key)
        data = text.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise FileRefused(f"the text is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", 413)
        if not path.parent.is_dir():
            raise FileRefused(f"the folder of '{key}' does not exist", 404)
        try:
            # Editing the models it serves is the server's job: they are inputs it may replace.
            write_bytes(path, data, replace_input=True)
        except WriteRefused as exc:
            raise FileRefused(str(exc), 500) from None
        return content_hash(data)

    def model_files(self) -> list[str]:
        """Model files under the folder (sorted keys), not descending into hidden or tool folders
        nor following links out of it."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS)
            for name in filenames:
                if name.startswith(".") or Path(name).suffix.lower() not in MODEL_SUFFIXES:
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                try:
                    self.resolve(key)
                except FileRefused:
                    continue
                found.append(key)
                if len(found) >= _MAX_LISTED:
                    return sorted(found)
        return sorted(found)
