"""Ansible's values, read without Ansible: Jinja is never rendered, only looked at.

A playbook's strings may hold `{{ var }}` expressions and templates `{% ... %}` blocks. Nothing
here evaluates them. `resolve` replaces a plain `{{ name }}` (or `{{ name | filter }}`) by the
variable's literal value when the scope has one, and leaves anything else as written;
`group_refs` and `host_refs` find `groups['db']`, `groups.db`, `hostvars[...]` and loop
variables by pattern. Module arguments in the old `key=value` form are split here too.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping as TypingMapping
from dataclasses import dataclass

from ..located import Mapping, Node, Scalar, Sequence

__all__ = ["Scope", "resolve", "plain", "group_refs", "kv_args", "texts_of", "JINJA", "scalar_text"]

JINJA = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.S)
_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\|.*)?$", re.S)
_GROUP = re.compile(r"groups\s*(?:\[\s*['\"]([A-Za-z0-9_.:-]+)['\"]\s*\]|\.([A-Za-z_][A-Za-z0-9_]*))")


@dataclass
class Scope:
    """Variables visible on a host, lowest precedence first; values are located nodes."""

    layers: list[TypingMapping[str, Node]]

    def get(self, name: str) -> Node | None:
        for layer in reversed(self.layers):
            if name in layer:
                return layer[name]
        return None

    def names(self) -> Iterator[tuple[str, Node]]:
        seen: set[str] = set()
        for layer in reversed(self.layers):
            for name, node in layer.items():
                if name not in seen:
                    seen.add(name)
                    yield name, node


def scalar_text(node: Node | None) -> str | None:
    if isinstance(node, Scalar) and node.value is not None:
        return node.text()
    return None


def resolve(text: str, scope: Scope | None, depth: int = 0) -> str:
    """`text` with each `{{ name }}` whose variable holds a literal replaced by it (a few levels
    deep, for variables defined through others); other expressions stay as written."""
    if scope is None or "{{" not in text or depth > 5:
        return text

    def sub(m: re.Match[str]) -> str:
        found = _NAME.match(m.group(1))
        if not found:
            return m.group(0)
        value = scalar_text(scope.get(found.group(1)))
        if value is None:
            return m.group(0)
        return resolve(value, scope, depth + 1)

    return JINJA.sub(sub, text)


def plain(text: str) -> bool:
    """True when the text has no Jinja left in it."""
    return "{{" not in text and "{%" not in text


def group_refs(text: str) -> list[str]:
    """Inventory groups a Jinja text refers to: groups['db'], groups["db"], groups.db."""
    return list(dict.fromkeys(a or b for a, b in _GROUP.findall(text)))


def texts_of(node: Node | None) -> list[tuple[str, Scalar]]:
    """Every scalar below a node, with its node (for spans)."""
    out: list[tuple[str, Scalar]] = []
    if isinstance(node, Scalar):
        if node.value is not None:
            out.append((node.text(), node))
    elif isinstance(node, Sequence):
        for item in node:
            out += texts_of(item)
    elif isinstance(node, Mapping):
        for _, value in node.items():
            out += texts_of(value)
    return out


def kv_args(text: str) -> dict[str, str]:
    """Module arguments in the free form: `name=haproxy state=present` (quotes allowed)."""
    out: dict[str, str] = {}
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:  # `{{ item }}` holds blanks: keep it whole while splitting
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    protected = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", hold, text, flags=re.S)
    try:
        parts = shlex.split(protected, posix=True)
    except ValueError:  # an unclosed quote: split on blanks
        parts = protected.split()
    for part in parts:
        key, sep, value = part.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            out[key] = re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], value)
    return out
