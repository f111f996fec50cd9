"""The structure of a Jinja template, read without rendering it.

Two things matter for a model: which parts of a template apply to a given host, and which
inventory groups a part iterates over.

- `{% if inventory_hostname in groups.web %}` ... `{% endif %}` (with `or`, `and`, `not in`,
  `elif`, `else`): for a host, the lines under a condition that only tests group membership
  are kept or blanked by that host's groups; a condition on anything else counts as true.
- `{% for host in groups['db'] %}` ... `{% endfor %}`: the lines of the loop, and the group.

Line numbers never move (blanked lines stay as empty lines), so findings point at the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .values import group_refs

__all__ = ["for_host", "GroupLoop", "group_loops"]

_TAG = re.compile(r"\{%-?\s*(if|elif|else|endif|for|endfor)\b(.*?)-?%\}", re.S)
_MEMBER = re.compile(r"inventory_hostname\s+(not\s+)?in\s+groups\s*(?:\[\s*['\"]([^'\"]+)['\"]\s*\]|\.(\w+))")
_FOR = re.compile(r"^\s*(\w+)(?:\s*,\s*\w+)?\s+in\s+(.+)$", re.S)


def _holds(condition: str, groups: set[str]) -> bool:
    """Whether a condition holds for a host in `groups`: only group membership is decided."""
    text = condition.replace("(", " ").replace(")", " ")
    if not _MEMBER.search(text):
        return True

    def atom(part: str) -> bool:
        m = _MEMBER.search(part)
        if not m:
            return True
        inside = (m.group(2) or m.group(3)) in groups
        return not inside if m.group(1) else inside

    return any(all(atom(p) for p in re.split(r"\band\b", alt)) for alt in re.split(r"\bor\b", text))


def for_host(text: str, groups: set[str]) -> str:
    """The template with the lines that do not apply to a host in `groups` blanked."""
    lines = text.split("\n")
    out: list[str] = []
    # stack of (this branch is active, some branch of this if was taken)
    stack: list[tuple[bool, bool]] = []

    def active() -> bool:
        return all(a for a, _ in stack)

    for line in lines:
        was_active = active()
        for m in _TAG.finditer(line):
            kind, rest = m.group(1), m.group(2)
            if kind == "if":
                ok = _holds(rest, groups)
                stack.append((ok, ok))
            elif kind == "elif" and stack:
                _, taken = stack.pop()
                ok = not taken and _holds(rest, groups)
                stack.append((ok, taken or ok))
            elif kind == "else" and stack:
                _, taken = stack.pop()
                stack.append((not taken, True))
            elif kind == "endif" and stack:
                stack.pop()
        out.append(line if was_active or active() else "")  # tag lines stay; content under a false test goes
    return "\n".join(out)


@dataclass(frozen=True)
class GroupLoop:
    group: str
    first_only: bool  # groups['db'][0]: only the group's first host
    line: int  # line of the {% for %}
    body: tuple[tuple[int, str], ...]  # (line, text) inside the loop


def group_loops(text: str) -> list[GroupLoop]:
    """Every `{% for x in groups[...] %}` loop, with its body lines."""
    lines = text.split("\n")
    out: list[GroupLoop] = []
    open_loops: list[tuple[list[str], bool, int, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, 1):
        for body in (b for _, _, _, b in open_loops):
            body.append((number, line))
        for m in _TAG.finditer(line):
            if m.group(1) == "for":
                f = _FOR.match(m.group(2))
                groups = group_refs(f.group(2)) if f else []
                first = bool(f and re.search(r"\]\s*\[\s*0\s*\]|\|\s*first", f.group(2)))
                open_loops.append((groups, first, number, []))
            elif m.group(1) == "endfor" and open_loops:
                groups, first, start, body = open_loops.pop()
                out += [GroupLoop(g, first, start, tuple(body[:-1])) for g in groups]
    return out
