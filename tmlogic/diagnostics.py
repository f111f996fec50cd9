"""Collecting diagnostics, and showing them the way compilers do: headline, source line, caret."""

from __future__ import annotations

from collections.abc import Iterable

from ._errors import Diagnostic, Level, Note, SourceSpan
from .fileaccess import QUOTE_WIDTH, source_line
from .textsafe import terminal_safe

__all__ = ["DiagnosticBag", "render_diagnostics", "did_you_mean", "summary_line"]


class DiagnosticBag:
    """Gathers problems while a stage keeps going, so the user sees all of them at once."""

    def __init__(self, strict: bool = False) -> None:
        self.items: list[Diagnostic] = []
        self.strict = strict

    def error(self, span: SourceSpan, message: str, code: str, hint: str | None = None,
              notes: Iterable[Note] = ()) -> None:
        self.items.append(Diagnostic(Level.ERROR, span, message, code, hint, tuple(notes)))

    def warning(self, span: SourceSpan, message: str, code: str, hint: str | None = None,
                notes: Iterable[Note] = ()) -> None:
        """A warning; in strict mode it counts as an error."""
        level = Level.ERROR if self.strict else Level.WARNING
        self.items.append(Diagnostic(level, span, message, code, hint, tuple(notes)))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.level is Level.ERROR for d in self.items)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level is Level.WARNING]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known spelling, or None if nothing is close."""
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f'did you mean "{lowered[word.lower()]}"?'
    import difflib  # here: a run without a misspelling never needs it (some 4.7 M instructions to import)

    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        near = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[near[0]]] if near else []
    return f'did you mean "{matches[0]}"?' if matches else None


def _snippet(span: SourceSpan) -> list[str]:
    """The source line under a diagnostic, with a caret under the column.

    Only lines of files this run read inside their project are shown (fileaccess.source_line),
    and at most QUOTE_WIDTH characters of one line, around the column: a file reached through a
    link out of the project (/proc/self/environ...) is never echoed into a build log."""
    text = source_line(span.path, span.line)
    if text is None:
        return []
    text = text.expandtabs(1)
    start = max(span.col, 1)
    width = 1
    if span.end_col is not None and (span.end_line in (None, span.line)) and span.end_col > start:
        width = span.end_col - start
    if len(text) > QUOTE_WIDTH:
        first = max(0, min(start - 1 - QUOTE_WIDTH // 4, len(text) - QUOTE_WIDTH))
        text = text[first:first + QUOTE_WIDTH]
        start -= first
    width = max(1, min(width, max(1, len(text) - start + 1)))
    marker = " " * (start - 1) + "^" + "~" * (width - 1)
    return ["    " + terminal_safe(text), "    " + marker]


def render_diagnostics(diagnostics: Iterable[Diagnostic], show_source: bool = True) -> str:
    """Diagnostics sorted by place, each with its source line and a caret under the column."""
    out: list[str] = []
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    for d in ordered:
        out.append(d.headline())
        if show_source:
            out.extend(_snippet(d.span))
        for note in d.notes:
            out.append(f"{note.span}: note: {note.message}")
            if show_source:
                out.extend(_snippet(note.span))
    out.append(summary_line(ordered))
    return "\n".join(out) + "\n"


def summary_line(diagnostics: Iterable[Diagnostic]) -> str:
    items = list(diagnostics)
    errors = sum(1 for d in items if d.level is Level.ERROR)
    warnings = len(items) - errors
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
