"""Where a composed YAML node is, as a SourceSpan (1-based; the end kept when on the same line)."""

from __future__ import annotations

from yaml.nodes import Node

from .._errors import SourceSpan

__all__ = ["node_span"]


def node_span(path: str, node: Node) -> SourceSpan:
    s, e = node.start_mark, node.end_mark
    if e is not None and e.line == s.line and e.column > s.column:
        return SourceSpan(path, s.line + 1, s.column + 1, e.line + 1, e.column + 1)
    return SourceSpan(path, s.line + 1, s.column + 1)
