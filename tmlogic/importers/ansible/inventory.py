"""Ansible inventories, read as data: INI and YAML files, folders of them, `host1,host2,` lists,
and the group_vars/ and host_vars/ beside them.

INI: `[group]` host lines (`web[01:03] ansible_host=10.0.0.1 key=value`), `[group:vars]`,
`[group:children]`; `#` and `;` comments. YAML: `all:` (or any group) with `hosts`, `vars` and
`children`. group_vars/NAME and host_vars/NAME are a YAML file (with or without .yml/.yaml/.json)
or a folder of them. Every host, group and variable keeps its file:line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..._errors import SourceSpan
from ..base import ImportContext
from ..located import Mapping, Node, Scalar, describe

__all__ = ["Host", "Group", "Inventory", "read_inventories", "read_vars_dirs"]

_SECTION = re.compile(r"^\[([^\]:]+)(?::(vars|children))?\]\s*$")
_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")
_YAML_SUFFIXES = (".yml", ".yaml", ".json")


@dataclass
class Host:
    name: str
    span: SourceSpan
    vars: dict[str, Node] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)


@dataclass
class Group:
    name: str
    span: SourceSpan
    vars: dict[str, Node] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@dataclass
class Inventory:
    hosts: dict[str, Host] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)

    def group(self, name: str, span: SourceSpan) -> Group:
        if name not in self.groups:
            self.groups[name] = Group(name, span)
        return self.groups[name]

    def host(self, name: str, span: SourceSpan, group: str | None) -> Host:
        h = self.hosts.setdefault(name, Host(name, span))
        if group is not None:
            g = self.group(group, span)
            if name not in g.hosts:
                g.hosts.append(name)
            if group not in h.groups:
                h.groups.append(group)
        return h

    def link(self, parent: str, child: str, span: SourceSpan) -> None:
        p, c = self.group(parent, span), self.group(child, span)
        if child not in p.children:
            p.children.append(child)
        if parent not in c.parents:
            c.parents.append(parent)

    def members(self, group: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """Hosts of a group and of its children (all: every host)."""
        if group == "all":
            return list(self.hosts)
        g = self.groups.get(group)
        if g is None or group in seen:
            return []
        out = list(g.hosts)
        for child in g.children:
            out += [h for h in self.members(child, seen | {group}) if h not in out]
        return out

    def ancestry(self, host: str) -> list[str]:
        """The host's groups, outermost first (all, then parents before children), as Ansible
        applies group_vars."""
        depth: dict[str, int] = {}

        def walk(name: str, d: int, seen: frozenset[str]) -> None:
            if name in seen:
                return
            depth[name] = max(depth.get(name, d), d)
            for parent in self.groups[name].parents if name in self.groups else []:
                walk(parent, d - 1, seen | {name})

        for g in self.hosts[host].groups:
            walk(g, 0, frozenset())
        ordered = sorted(depth, key=lambda g: (depth[g], list(self.groups).index(g) if g in self.groups else 0))
        return ["all"] + [g for g in ordered if g != "all"]

    def match(self, pattern: str) -> list[str]:
        """Hosts an Ansible host pattern selects: names, groups, `all`/`*`, wildcards, `a:b` or
        `a,b` unions, `!x` exclusions, `&x` intersections."""
        chosen: list[str] = []
        parts = [p.strip() for p in re.split(r"[,:](?![^\[]*\])", pattern) if p.strip()]
        for part in parts:
            if part.startswith(("!", "&")):
                continue
            chosen += [h for h in self._one(part) if h not in chosen]
        for part in parts:
            if part.startswith("!"):
                drop = set(self._one(part[1:]))
                chosen = [h for h in chosen if h not in drop]
            elif part.startswith("&"):
                keep = set(self._one(part[1:]))
                chosen = [h for h in chosen if h in keep]
        return chosen

    def _one(self, part: str) -> list[str]:
        if part in ("all", "*"):
            return list(self.hosts)
        if part in self.groups:
            return self.members(part)
        if part in self.hosts:
            return [part]
        if any(c in part for c in "*?["):
            regex = re.compile("^" + re.escape(part).replace(r"\*", ".*").replace(r"\?", ".") + "$")
            out = [h for h in self.hosts if regex.match(h)]
            for g in self.groups:
                if regex.match(g):
                    out += [h for h in self.members(g) if h not in out]
            return out
        return []


def _expand(name: str) -> list[str]:
    """web[01:03] -> web01, web02, web03; db-[a:c] -> db-a, db-b, db-c."""
    m = _RANGE.search(name)
    if not m:
        return [name]
    start, end, step = m.group(1), m.group(2), int(m.group(3) or 1)
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, max(step, 1))]
    elif len(start) == 1 and len(end) == 1:
        values = [chr(c) for c in range(ord(start), ord(end) + 1, max(step, 1))]
    else:
        return [name]
    return [v for value in values for v in _expand(name[:m.start()] + value + name[m.end():])][:1000]


def _ini(ctx: ImportContext, path: Path, inv: Inventory) -> None:
    shown = ctx.shown(path)
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(ctx.text(path).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        span = SourceSpan(shown, number, len(raw) - len(raw.lstrip()) + 1)
        m = _SECTION.match(line)
        if m:
            section, kind = m.group(1).strip(), m.group(2) or "hosts"
            inv.group(section, span)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            ctx.fail(span, "an unclosed quote in this inventory line", "close the quote")
        if not words:
            continue
        if kind == "children":
            inv.link(section, words[0], span)
        elif kind == "vars":
            key, sep, value = line.partition("=")
            if not sep:
                ctx.fail(span, f"[{section}:vars] holds `key=value` lines, not {line!r}", "write key=value")
            inv.group(section, span).vars[key.strip()] = Scalar(_ini_value(value.strip()), span)
        else:
            for name in _expand(words[0]):
                host = inv.host(name, span, section if section != "ungrouped" else None)
                for word in words[1:]:
                    key, sep, value = word.partition("=")
                    if sep:
                        host.vars[key] = Scalar(_ini_value(value), span)


def _ini_value(text: str) -> str | bool | int:
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text.strip("'\"")


def _yaml_group(ctx: ImportContext, inv: Inventory, name: str, node: Node, span: SourceSpan) -> None:
    group = inv.group(name, span)
    if isinstance(node, Scalar) and node.value is None:
        return
    body = ctx.mapping(node, f"inventory group '{name}'", span, "a group holds hosts:, vars: and children:")
    for key, value in body.items():
        where = body.where(key)
        if key == "hosts":
            if isinstance(value, Scalar) and value.value is None:
                continue
            hosts = ctx.mapping(value, f"the hosts of group '{name}'", where, "hosts: is a mapping of host names")
            for host_name, host_vars in hosts.items():
                for expanded in _expand(host_name):
                    h = inv.host(expanded, hosts.where(host_name), name if name != "all" else None)
                    if isinstance(host_vars, Mapping):
                        h.vars.update(host_vars.entries)
        elif key == "vars":
            if isinstance(value, Mapping):
                group.vars.update(value.entries)
            elif not (isinstance(value, Scalar) and value.value is None):
                ctx.fail(value.span, f"the vars of group '{name}' must be a mapping, not {describe(value)}")
        elif key == "children":
            if isinstance(value, Scalar) and value.value is None:
                continue
            children = ctx.mapping(value, f"the children of group '{name}'", where, "children: maps group names")
            for child, child_body in children.items():
                inv.link(name, child, children.where(child))
                _yaml_group(ctx, inv, child, child_body, children.where(child))
        else:
            ctx.report.skip(f"inventory group '{name}' key '{key}'", where,
                            "not an inventory key (hosts, vars, children)")


def _yaml(ctx: ImportContext, path: Path, inv: Inventory) -> None:
    for doc in ctx.yaml(path):
        root = ctx.mapping(doc, "a YAML inventory", doc.span, "a YAML inventory maps group names (all:) to hosts:")
        for name, body in root.items():
            _yaml_group(ctx, inv, name, body, root.where(name))


def read_vars_dirs(ctx: ImportContext, folder: Path, inv: Inventory) -> None:
    """group_vars/ and host_vars/ in `folder`, into the inventory's groups and hosts."""
    for kind in ("group_vars", "host_vars"):
        base = folder / kind
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            name = entry.stem if entry.suffix in _YAML_SUFFIXES else entry.name
            files = sorted(p for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else [entry]
            for file in files:
                if file.name.startswith(".") or (file.suffix and file.suffix not in _YAML_SUFFIXES):
                    continue
                span = SourceSpan(ctx.shown(file), 1, 1)
                target = inv.group(name, span).vars if kind == "group_vars" else \
                    (inv.hosts[name].vars if name in inv.hosts else None)
                if target is None:
                    ctx.report.skip(f"host_vars for '{name}'", span, "no such host in the inventory")
                    continue
                for doc in ctx.yaml(file):
                    if isinstance(doc, Scalar) and doc.value is None:
                        continue
                    body = ctx.mapping(doc, f"{kind}/{name}", doc.span, "a vars file is a mapping of variables")
                    target.update(body.entries)


def read_inventories(ctx: ImportContext, sources: list[str], playbook_dirs: list[Path]) -> Inventory:
    """Every inventory given (-i), then the vars folders beside them and beside the playbooks."""
    inv = Inventory()
    folders: list[Path] = []
    for source in sources:
        path = Path(source)
        if not path.exists() and "," in source:
            span = SourceSpan("<command line>", 1, 1)
            for name in (s.strip() for s in source.split(",")):
                if name:
                    inv.host(name, span, None)
            continue
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() \
            else [path]
        for file in files:
            inv.sources.append(file)
            (_yaml if file.suffix.lower() in _YAML_SUFFIXES else _ini)(ctx, file, inv)
        folders.append(path if path.is_dir() else path.parent)
    seen: set[Path] = set()
    for folder in folders + playbook_dirs:  # later folders win, as the playbook's group_vars do in Ansible
        if folder.resolve() not in seen:
            seen.add(folder.resolve())
            read_vars_dirs(ctx, folder, inv)
    for h in inv.hosts.values():
        for g in h.groups:
            inv.group(g, h.span)
    return inv
