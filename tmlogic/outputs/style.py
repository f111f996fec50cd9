"""ANSI styling that turns itself off, so piped output stays plain text."""

from __future__ import annotations

__all__ = ["Style"]

_CODES = {"bold": "1", "dim": "2", "red": "31", "yellow": "33", "cyan": "36", "magenta": "35", "green": "32"}


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap(_CODES["bold"], text)

    def dim(self, text: str) -> str:
        return self._wrap(_CODES["dim"], text)

    def colour(self, name: str, text: str) -> str:
        return self._wrap(_CODES[name], text)
