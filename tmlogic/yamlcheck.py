"""Bounds on a composed YAML document, checked before anything walks it.

PyYAML's composer turns each alias (`*name`) into a second reference to the anchored node, so a
document is a graph, and a few lines of nested aliases ("billion laughs") stand for billions of
nodes once walked as a tree. `check_document` measures the tree the document stands for without
walking it: each node is visited once, its expanded size computed from its children's, so the
check is linear in the text. It refuses a document whose aliases add more than
`yaml_alias_nodes` nodes, that nests deeper than the YAML depth allowed by `nesting_depth`, or
whose aliases refer to themselves. Readers call it right after composing (model files, the
risk file, the configuration).
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, SequenceNode

from ._errors import Diagnostic, Level, SourceSpan
from .limits import current as current_limits

__all__ = ["check_document", "too_deep", "yaml_depth_limit"]


def yaml_depth_limit() -> int:
    """YAML levels allowed: two per level of model nesting (a list, then a mapping), and the top."""
    return 2 * current_limits().nesting_depth + 8


def too_deep(path: str) -> Diagnostic:
    """The error for a document too deep for PyYAML to compose (its composer recurses per level)."""
    return Diagnostic(Level.ERROR, SourceSpan(path, 1, 1), f"the YAML nests deeper than {yaml_depth_limit()} levels",
                      "limit-exceeded", "flatten it, or raise the limit: tmlogic --limit nesting_depth=N")


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _at(path: str, node: Node, message: str, hint: str) -> Diagnostic:
    mark = node.start_mark
    return Diagnostic(Level.ERROR, SourceSpan(path, mark.line + 1, mark.column + 1), message, "limit-exceeded", hint)


def check_document(root: Node | None, path: str) -> Diagnostic | None:
    """None if the document is within bounds, else the error to report (at the node that broke them)."""
    if root is None:
        return None
    limits = current_limits()
    max_depth = yaml_depth_limit()
    size: dict[int, int] = {}  # id(node) -> nodes of its expanded tree
    height: dict[int, int] = {}  # id(node) -> levels of its expanded tree
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            if height[key] > max_depth:
                return _at(path, node, f"the YAML nests deeper than {max_depth} levels",
                           "flatten it, or raise the limit: tmlogic --limit nesting_depth=N")
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in on_path:
                return _at(path, kid, "a recursive YAML alias: it refers to the node that contains it",
                           "an anchor cannot be used inside itself; copy the value instead")
            if id(kid) not in size:
                stack.append((kid, False))
    distinct = len(size)
    added = size[id(root)] - distinct
    if added > limits.yaml_alias_nodes:
        return _at(path, root, f"YAML aliases expand this document by {added:,} nodes, more than the "
                               f"{limits.yaml_alias_nodes:,} allowed",
                   "write the values out instead of nesting aliases, or raise the limit: "
                   "tmlogic --limit yaml_alias_nodes=N")
    return None
