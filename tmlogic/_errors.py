"""Source spans, diagnostics and the one exception tree of tmlogic.

    TmlogicError
    ├── DiagnosticsError      one or more located problems in user input (exit code 2)
    │   ├── ModelError        a model file: syntax, schema, unresolved reference, submodels
    │   └── RuleError         a rule pack: syntax, metadata, undeclared relation, safety
    ├── UsageError            the command line or the environment is wrong: one line (exit code 2)
    ├── EngineError           a logic backend failed on a program that passed the checks
    └── OutputError           a renderer could not write its output

Every user mistake is a `Diagnostic` with a `SourceSpan`; the CLI prints them and exits 2.
Anything else that escapes is a bug in tmlogic, not in the user's input.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from .records import record
from .resolution import resolve, resolve_folder

__all__ = [
    "SourceSpan",
    "Level",
    "Note",
    "Diagnostic",
    "TmlogicError",
    "DiagnosticsError",
    "ModelError",
    "RuleError",
    "UsageError",
    "EngineError",
    "OutputError",
]


@record(frozen=True, order=True)
class SourceSpan:
    """A place in a source file: 1-based line and column; end_col is exclusive."""

    path: str
    line: int
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def short(self) -> str:
        """file:line, as shown next to facts in proofs."""
        return f"{self.path}:{self.line}"


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@record(frozen=True)
class Note:
    """A secondary location that helps explain a diagnostic (Soufflé's extra messages)."""

    span: SourceSpan
    message: str


@record(frozen=True)
class Diagnostic:
    """One problem in user input. `code` names the check, so warnings can be toggled."""

    level: Level
    span: SourceSpan
    message: str
    code: str
    hint: str | None = None
    notes: tuple[Note, ...] = ()

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.span.path, self.span.line, self.span.col, 0 if self.level is Level.ERROR else 1, self.message)

    def headline(self) -> str:
        where = "tmlogic" if self.span.path == "<command line>" else str(self.span)  # a flag has no line
        text = f"{where}: {self.level.value}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return f"{text} [{self.code}]"


class TmlogicError(Exception):
    """Root of every error tmlogic raises on purpose."""


class DiagnosticsError(TmlogicError):
    """Raised with every problem found at once, never just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        errors = [d for d in self.diagnostics if d.level is Level.ERROR]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        super().__init__(first.headline() if first else "invalid input")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]

    def render(self) -> str:
        """How the problems are shown: each with its source line and a caret (tmlogic.diagnostics)."""
        from .diagnostics import render_diagnostics

        return render_diagnostics(self.diagnostics)


class ModelError(DiagnosticsError):
    """Problems in a model file (Markdown or YAML) or its submodels."""


class RuleError(DiagnosticsError):
    """Problems in a rule pack or a fact declaration file."""


class UsageError(TmlogicError):
    """A mistake in the command line or the environment, not located in a file: exit code 2.
    The message says what is wrong and how to fix it, in one line."""


class EngineError(TmlogicError):
    """A logic backend failed on a program that passed the static checks."""


class OutputError(TmlogicError):
    """A renderer could not produce or write its output."""


def display_path(path: Path | str) -> str:
    """The path as the user is likely to recognise it: relative to the working directory if inside it."""
    p = Path(path)
    try:
        return str(resolve(p).relative_to(resolve_folder(os.getcwd())))
    except (ValueError, OSError, RuntimeError):  # outside the working folder, or a link loop
        return str(p)
