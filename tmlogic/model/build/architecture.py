"""The architecture: boundaries (nesting, members, loops), elements (type, boundary, submodel
references), data assets and dataflows (endpoints, carried data)."""

from __future__ import annotations

import re

from ..._errors import Note, SourceSpan
from ...lazy import lazy_pattern
from ..raw import RawAttr, RawEntry
from ..schema import Attribute, Boundary, DataAsset, Dataflow, Element, Value
from ..vocabulary import SECTION_KINDS, canonical_classification, canonical_protocol, canonical_type, resolve_key
from .entries import EntryChecker, SubmodelRef, first_note, key_spans

__all__ = ["ArchitectureBuilder"]

_KIND_PREFIX = lazy_pattern(r"(actor|server|process|datastore|external|element)\s*:\s*(.+)", re.IGNORECASE)
SECTION_OF_KIND = {kind: section for section, kind in SECTION_KINDS.items()}


class ArchitectureBuilder(EntryChecker):
    def boundaries(self, entries: list[RawEntry], ids: dict[int, str], parents: dict[int, RawEntry],
                   members: dict[str, tuple[str, SourceSpan]]) -> tuple[Boundary, ...]:
        consumed = frozenset({"is_trusted", "trust_level", "boundary", "members"})
        parent_of: dict[str, str | None] = {}
        spans: dict[str, tuple[tuple[str, SourceSpan], ...]] = {}
        pending: list[tuple[RawEntry, str, bool, tuple[Attribute, ...]]] = []
        for entry in entries:
            ident = ids.get(id(entry))
            if ident is None:
                continue
            special, kept = self.attrs(entry, "boundaries", consumed)
            spans[ident] = key_spans(special)
            trusted = special["is_trusted"][1] if "is_trusted" in special else \
                special.get("trust_level", (None, "untrusted"))[1] == "trusted"
            outer = parents.get(id(entry))
            outer_name = outer.name if outer is not None else ""
            parent = self.boundary_ids.get(outer_name) if outer is not None else None
            if "boundary" in special and special["boundary"][1] is not None:
                attr, name = special["boundary"]
                named = self.boundary_ids.get(str(name))
                if named is None:
                    self.unknown(attr.value_span, "boundary", str(name), self.boundary_ids, "unknown-boundary")
                elif named == ident:
                    self.bag.error(attr.value_span, f"boundary '{entry.name}' cannot be inside itself", "boundary-cycle",
                                   "remove boundary= or name the enclosing boundary")
                elif parent is not None and named != parent:
                    self.bag.error(attr.value_span, f"'{entry.name}' is nested under '{outer_name}' by indentation "
                                   f"but says boundary={name}", "boundary-conflict", "keep one of the two")
                else:
                    parent = named
            parent_of[ident] = parent
            member_attr, names = special["members"] if "members" in special else (None, [])
            for name in names if isinstance(names, list) else []:
                if member_attr is None or not isinstance(name, str):
                    continue
                if name not in self.element_ids:
                    self.unknown(member_attr.value_span, "element", name, self.element_ids, "unknown-element")
                elif name in members and members[name][0] != ident:
                    self.bag.error(member_attr.value_span, f"'{name}' is listed in two boundaries", "boundary-conflict",
                                   "an element sits in one innermost boundary", [first_note(members[name][1])])
                else:
                    members[name] = (ident, member_attr.value_span)
            pending.append((entry, ident, bool(trusted), kept))
        self.break_cycles(parent_of, {ident: e for e, ident, _, _ in pending})
        return tuple(Boundary(ident, e.name, trusted, parent_of[ident], kept, e.span, spans[ident])
                     for e, ident, trusted, kept in pending)

    def break_cycles(self, parent_of: dict[str, str | None], entry_of: dict[str, RawEntry]) -> None:
        """boundary= keys can form a loop (A in B, B in A): report it once and cut it."""
        done: set[str] = set()
        for start in parent_of:
            path: list[str] = []
            on_path: set[str] = set()
            node: str | None = start
            while node is not None and node not in done and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = parent_of.get(node)
            if node is not None and node in on_path:
                loop = path[path.index(node):]
                names = " -> ".join(entry_of[b].name for b in loop + [node])
                self.bag.error(entry_of[node].span, f"boundaries are nested in a loop: {names}", "boundary-cycle",
                               "remove one of the boundary= keys")
                parent_of[loop[-1]] = None
            done.update(path)

    def elements(self, entries: list[RawEntry], ids: dict[int, str], kinds: dict[int, str],
                 members: dict[str, tuple[str, SourceSpan]]) -> tuple[Element, ...]:
        out: list[Element] = []
        for entry in entries:
            ident = ids.get(id(entry))
            if ident is None:
                continue
            section = SECTION_OF_KIND[kinds[id(entry)]]
            # `stereotype` gives the type only when there is no `type`; otherwise it stays an attribute.
            has_type = any(resolve_key(section, a.key)[0] == "type" for a in entry.attrs)
            consumed = frozenset({"type", "boundary", "submodel"} | (set() if has_type else {"stereotype"}))
            special, kept = self.attrs(entry, section, consumed)
            type_text = special.get("type", special.get("stereotype", (None, None)))[1]
            etype = canonical_type(str(type_text)) or None if type_text is not None else None
            boundary = None
            if "boundary" in special and special["boundary"][1] is not None:
                attr, name = special["boundary"]
                boundary = self.boundary_ids.get(str(name))
                if boundary is None:
                    self.unknown(attr.value_span, "boundary", str(name), self.boundary_ids, "unknown-boundary",
                                 self.element_ids, "an element, not a boundary")
            if entry.name in members:
                listed, span = members[entry.name]
                if boundary is not None and boundary != listed:
                    self.bag.error(span, f"'{entry.name}' is listed in a boundary other than its boundary=",
                                   "boundary-conflict", "keep one of the two", [Note(entry.span, "declared here")])
                boundary = boundary or listed
            if "submodel" in special and special["submodel"][1]:
                attr, target = special["submodel"]
                self.submodels.append(SubmodelRef(ident, str(target), attr.value_span))
            out.append(Element(ident, entry.name, kinds[id(entry)], etype, boundary, kept, entry.span,
                               key_spans=key_spans(special)))
        return tuple(out)

    def data(self, entries: list[RawEntry], ids: dict[int, str]) -> tuple[DataAsset, ...]:
        out: list[DataAsset] = []
        for entry in entries:
            ident = ids.get(id(entry))
            if ident is None:
                continue
            special, kept = self.attrs(entry, "data", frozenset({"classification"}))
            level = special["classification"][1] if "classification" in special else "unknown"
            out.append(DataAsset(ident, entry.name, canonical_classification(str(level)) or "unknown", kept, entry.span,
                                 key_spans(special)))
        return tuple(out)

    def endpoint(self, entry: RawEntry, special: dict[str, tuple[RawAttr, Value]], key: str) -> str | None:
        if key not in special or special[key][1] in (None, ""):
            self.bag.error(entry.span, f"dataflow '{entry.name}' has no {key}", "missing-key",
                           self.fix(key, '"Source Element"' if key == "from" else '"Target Element"'))
            return None
        attr, name = special[key]
        text = str(name)
        ident = self.element_ids.get(text)
        if ident is None:
            m = _KIND_PREFIX.fullmatch(text)  # Ansible form: "server:WebServer"
            ident = self.element_ids.get(m.group(2).strip()) if m else None
        if ident is not None:
            return ident
        if text in self.boundary_ids:
            self.bag.error(attr.value_span, f"'{text}' is a boundary; a dataflow connects elements", "boundary-endpoint",
                           "name an actor, server, process, datastore or external entity inside it")
        else:
            self.unknown(attr.value_span, "element", text, self.element_ids, "unknown-element")
        return None

    def flows(self, entries: list[RawEntry], ids: dict[int, str]) -> tuple[Dataflow, ...]:
        out: list[Dataflow] = []
        consumed = frozenset({"from", "to", "protocol", "data"})
        for entry in entries:
            ident = ids.get(id(entry))
            if ident is None:
                continue
            special, kept = self.attrs(entry, "dataflows", consumed)
            source, target = self.endpoint(entry, special, "from"), self.endpoint(entry, special, "to")
            proto = special.get("protocol", (None, None))[1]
            carried: list[str] = []
            if "data" in special:
                attr, names = special["data"]
                for name in names if isinstance(names, list) else []:
                    if not isinstance(name, str):
                        continue
                    did = self.data_ids.get(name)
                    if did is None:
                        parts = [p.strip() for p in name.split(",")]
                        if len(parts) > 1 and all(p in self.data_ids for p in parts):
                            self.bag.error(attr.value_span, f"unknown data asset '{name}'", "unknown-data",
                                           "for several assets write data=[" + ", ".join(f'"{p}"' for p in parts) + "]")
                        else:
                            self.unknown(attr.value_span, "data asset", name, self.data_ids, "unknown-data")
                    elif did not in carried:
                        carried.append(did)
            if source is None or target is None:
                continue
            protocol = canonical_protocol(str(proto)) or None if proto is not None else None
            out.append(Dataflow(ident, entry.name, source, target, protocol, tuple(carried), kept, entry.span,
                                key_spans(special)))
        return tuple(out)
