"""Problems with knowledge-base input: errors stop a build, warnings are reported and the build goes on.

    TmlogicError (tmlogic._errors)
    └── KbError                 a source file or a knowledge-base folder cannot be used (exit code 2)

Both print the way compilers do: `file:line:col: error: what; how to fix`. Line and column are
given when the format tells them (JSON, XML and Turtle syntax errors).
"""

from __future__ import annotations

from pathlib import Path

from .._errors import TmlogicError, display_path
from ..records import record

__all__ = ["KbError", "KbWarning"]


def _where(path: Path | str, line: int | None, col: int | None) -> str:
    where = display_path(path)
    if line is not None:
        where += f":{line}"
        if col is not None:
            where += f":{col}"
    return where


class KbError(TmlogicError):
    """A source file or knowledge-base folder that cannot be used, with what to do about it."""

    def __init__(self, path: Path | str, message: str, hint: str | None = None,
                 line: int | None = None, col: int | None = None) -> None:
        self.path = Path(path)
        self.message = message
        self.hint = hint
        self.line = line
        self.col = col
        super().__init__(self.headline())

    def headline(self) -> str:
        text = f"{_where(self.path, self.line, self.col)}: error: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text

    def render(self) -> str:
        """As the CLI prints it: the headline, one line."""
        return self.headline() + "\n"


@record(frozen=True, order=True)
class KbWarning:
    """Something in the sources that the build skipped or changed: a reference to nothing, a disagreement."""

    source: str  # the file the reference was read from, as given
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.source)}: warning: {self.message}"
