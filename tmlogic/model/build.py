"""Raw form -> typed Model, with every problem of the file reported at once.

Both readers stop at syntax; this module judges meaning for both: known keys and their
values, ids, duplicates and references. It never stops at the first problem: each check adds
a Diagnostic to the DiagnosticBag and carries on with what it could resolve, so one run shows
the user everything to fix.

Id scheme (documented in docs/model-language.md): an id is slug(name), prefixed by the
model's id_prefix ("" for the root, "backend/model.md#" for a submodel). Boundaries, elements,
data assets and flows share one namespace per model; they take their ids in that order, and
when a slug is already taken by an earlier group the later item gets "-element", "-data" or
"-flow" (then "-2", "-3"... if even that is taken). Two names of the *same* group with the
same slug ("App Server", "app-server") are a duplicate-name error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .._errors import Note, SourceSpan
from ..diagnostics import DiagnosticBag, did_you_mean
from .raw import RawAttr, RawDocument, RawEntry
from .schema import (Attribute, Boundary, DataAsset, Dataflow, Element, MitreMapping, Model, Multiplier, Suppression,
                     ProtocolStyle, Value)
from .vocabulary import (SECTION_KINDS, SECTIONS, KeySpec, canonical_classification, canonical_enum,
                         canonical_protocol, canonical_type, is_extension_key, keys_for, parse_bool,
                         resolve_key, section_names, slug)

__all__ = ["SubmodelRef", "BuildResult", "build_model"]

_TECHNIQUE = re.compile(r"T\d{4}(?:\.\d{3})?")
_KIND_PREFIX = re.compile(r"(actor|server|process|datastore|external|element)\s*:\s*(.+)", re.IGNORECASE)


class _Bad:
    """A value that failed its check (already reported)."""


_BAD = _Bad()
_SECTION_OF_KIND = {kind: section for section, kind in SECTION_KINDS.items()}
_WHERE_YAML = {"boundary": "boundaries", "element": "actors, servers (or another element list)",
               "data asset": "data"}
_WHERE = {"boundary": "## Boundaries", "element": "## Actors, ## Servers (or another element section)",
          "data asset": "## Data"}


@dataclass(frozen=True)
class SubmodelRef:
    """`submodel=...` on an element: resolved and loaded by loader.py."""

    element: str  # element id
    target: str  # the path as written
    span: SourceSpan  # the value, for errors


@dataclass(frozen=True)
class BuildResult:
    model: Model
    submodel_refs: tuple[SubmodelRef, ...]


def _show(attr: RawAttr) -> str:
    return attr.raw if attr.raw else repr(attr.value)


def _number(value: Value) -> int | float | None:
    """A finite number, from a number or a numeric text ("1.5" from a quoted YAML value); else None."""
    number: int | float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None


_RULE_ID = re.compile(r"TM-[A-Z]+-[0-9]{3}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_NL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_FREE_TEXT = frozenset({"description", "notes"})


def _key_spans(special: dict[str, tuple[RawAttr, Value]]) -> tuple[tuple[str, SourceSpan], ...]:
    return tuple(sorted((key, attr.span) for key, (attr, _) in special.items()))


def _first(span: SourceSpan) -> Note:
    return Note(span, "first declared here")


class _Builder:
    def __init__(self, doc: RawDocument, bag: DiagnosticBag, prefix: str) -> None:
        self.accepts: list[tuple[int, RawAttr, Value]] = []  # (entry, accepts= attribute, value)
        self.doc, self.bag, self.prefix = doc, bag, prefix
        self.yaml = doc.syntax == "yaml"
        self.taken: set[str] = set()
        self.boundary_ids: dict[str, str] = {}  # name -> id
        self.element_ids: dict[str, str] = {}
        self.data_ids: dict[str, str] = {}
        self.flow_ids: dict[str, str] = {}
        self.submodels: list[SubmodelRef] = []

    # -- ids --------------------------------------------------------------------------------

    def assign(self, group: str, entries: list[RawEntry], names: dict[str, str]) -> dict[int, str]:
        """id per entry (by id(entry)); duplicates are reported and get no id."""
        first_by_name: dict[str, RawEntry] = {}
        first_by_slug: dict[str, RawEntry] = {}
        out: dict[int, str] = {}
        for entry in entries:
            if entry.name in first_by_name:
                self.bag.error(entry.span, f"duplicate {group} name '{entry.name}'", "duplicate-name",
                               "give every " + group + " a different name", [_first(first_by_name[entry.name].span)])
                continue
            first_by_name[entry.name] = entry
            base = slug(entry.name) or group
            if base in first_by_slug:
                other = first_by_slug[base]
                self.bag.error(entry.span, f"'{entry.name}' and '{other.name}' give the same id '{self.prefix}{base}'",
                               "duplicate-name", "rename one of them", [_first(other.span)])
                continue
            first_by_slug[base] = entry
            ident = self.prefix + base
            if ident in self.taken:
                ident = f"{self.prefix}{base}-{group}"
                n = 2
                while ident in self.taken:
                    ident, n = f"{self.prefix}{base}-{group}-{n}", n + 1
            self.taken.add(ident)
            out[id(entry)] = ident
            names[entry.name] = ident
        return out

    def fix(self, key: str, example: str) -> str:
        """How to write key=example in this file's syntax."""
        return f"write {key}: {example}" if self.yaml else f"write {key}={example}"

    def multiplier_hint(self, name: str) -> str:
        return f"write {name}: 1.5 under severity_multipliers" if self.yaml else f"write - **{name}**: 1.5"

    # -- attributes -------------------------------------------------------------------------

    def attrs(self, entry: RawEntry, section: str, consumed: frozenset[str]
              ) -> tuple[dict[str, tuple[RawAttr, Value]], tuple[Attribute, ...]]:
        """Check every key=value of an entry: (consumed key -> (attr, value), kept attributes)."""
        special: dict[str, tuple[RawAttr, Value]] = {}
        kept: list[Attribute] = []
        seen: dict[str, RawAttr] = {}
        for attr in entry.attrs:
            key, spec = resolve_key(section, attr.key)
            if key in seen:
                first = seen[key]
                self.bag.error(attr.span, f"'{attr.key}' is given twice for '{entry.name}'", "duplicate-key",
                               f"keep one of '{first.key}' and '{attr.key}'", [_first(first.span)])
                continue
            seen[key] = attr
            self.check_value(attr.value, attr.span, key)
            value: Value | _Bad
            if spec is None:
                if not is_extension_key(key):
                    known = keys_for(section)
                    pool = list(known) + [a for s in known.values() for a in s.aliases]
                    hint = did_you_mean(key, pool) or (f"the keys of {SECTIONS[section]} are listed in "
                                                       "docs/model-language.md; name your own keys x-...")
                    self.bag.warning(attr.span, f"unknown key '{attr.key}' in {SECTIONS[section]}", "unknown-key", hint)
                value = attr.value
            else:
                value = self.convert(attr, spec)
                if isinstance(value, _Bad):
                    continue
            if key == "accepts":
                self.accepts.append((id(entry), attr, value))
            elif key in consumed:
                special[key] = (attr, value)
            else:
                kept.append(Attribute(key, value, attr.span))
        return special, tuple(kept)

    def check_text(self, text: str, span: SourceSpan, what: str, allow_newline: bool) -> None:
        """Control characters would reach terminals and CI logs (ANSI escapes, forged `::` workflow
        commands), so model text may hold none, bar tabs, and newlines in free-text values."""
        bad = _CONTROL_NL if allow_newline else _CONTROL
        m = bad.search(text)
        if m:
            self.bag.error(span, f"the {what} holds the control character U+{ord(m.group()):04X}", "bad-character",
                           "remove it; names and values are plain text")

    def check_value(self, value: Value, span: SourceSpan, key: str) -> None:
        if isinstance(value, str):
            self.check_text(value, span, f"value of '{key}'", allow_newline=key in _FREE_TEXT)
        elif isinstance(value, list):
            for item in value:
                self.check_value(item, span, key)
        elif isinstance(value, dict):
            for k, item in value.items():
                self.check_value(str(k), span, key)
                self.check_value(item, span, key)

    def convert(self, attr: RawAttr, spec: KeySpec) -> Value | _Bad:
        value, kind = attr.value, spec.kind
        if kind == "bool":
            flag = parse_bool(value)
            if flag is None:
                self.bag.error(attr.value_span, f"'{attr.key}' must be True or False, not {_show(attr)}", "bad-boolean",
                               self.fix(attr.key, "true or false" if self.yaml else "True or False"))
                return _BAD
            return flag
        if kind == "enum":
            text = "none" if value is None else value if isinstance(value, str) else None
            canon = canonical_enum(text, spec) if text is not None else None
            if canon is None:
                guess = did_you_mean(str(text or _show(attr)), spec.values)
                allowed = "use one of: " + ", ".join(spec.values)
                self.bag.error(attr.value_span, f"'{_show(attr)}' is not a valid {spec.key}", "bad-enum",
                               f"{guess} ({allowed})" if guess else allowed)
                return _BAD
            return canon
        if kind in ("number", "port"):
            number = _number(value)
            if kind == "port" and number is not None and not (float(number).is_integer() and 1 <= number <= 65535):
                number = None
            if number is None:
                want = "a port number (1-65535)" if kind == "port" else "a number"
                self.bag.error(attr.value_span, f"'{attr.key}' must be {want}, not {_show(attr)}", "bad-value",
                               self.fix(attr.key, "443" if kind == "port" else "1.5"))
                return _BAD
            return int(number) if kind == "port" else number
        if kind in ("text", "ref", "path"):
            if isinstance(value, (list, dict)):
                self.bag.error(attr.value_span, f"'{attr.key}' takes a single value, not a list or dict", "bad-value",
                               self.fix(attr.key, '"..."'))
                return _BAD
            if value is None or isinstance(value, str):
                return value
            return attr.raw if attr.bare and attr.raw else str(value)  # 1.10 stays "1.10"
        if kind in ("list", "refs"):
            items = value if isinstance(value, list) else [value]
            if any(isinstance(v, (list, dict)) for v in items):
                self.bag.error(attr.value_span, f"'{attr.key}' takes a list of words or names", "bad-value",
                               self.fix(attr.key, '["A", "B"]'))
                return _BAD
            if not isinstance(value, list) and attr.bare and attr.raw:
                return [attr.raw]
            return [v if isinstance(v, str) else str(v) for v in items if v is not None]
        return value

    def unknown(self, span: SourceSpan, what: str, name: str, pool: dict[str, str], code: str,
                elsewhere: dict[str, str] | None = None, elsewhere_kind: str = "") -> None:
        hint = did_you_mean(name, pool)
        if hint is None and elsewhere is not None and name in elsewhere:
            hint = f"'{name}' is {elsewhere_kind}"
        if hint is None:
            hint = f"declare it under {_WHERE_YAML[what]}: - name: {name}" if self.yaml else \
                f"declare it under {_WHERE[what]}: - **{name}**:"
        self.bag.error(span, f"unknown {what} '{name}'", code, hint)

    # -- sections ---------------------------------------------------------------------------

    def build(self) -> BuildResult:
        doc, bag = self.doc, self.bag
        reader_errors = False
        for d in doc.diagnostics:
            if d.level.value == "warning":
                bag.warning(d.span, d.message, d.code, d.hint, d.notes)
            else:
                reader_errors = True
                bag.extend([d])
        groups: dict[str, list[RawEntry]] = {k: [] for k in SECTIONS}
        elements_raw: list[RawEntry] = []  # every element section, in document order
        kinds: dict[int, str] = {}
        parents: dict[int, RawEntry] = {}
        recognised = 0
        for section in doc.sections:
            if section.kind is None:
                known = list(SECTIONS) if self.yaml else section_names()
                hint = did_you_mean(section.heading, known) or "known sections: " + ", ".join(known)
                bag.warning(section.span, f"unknown section '{section.heading}' is ignored", "unknown-section", hint)
                continue
            recognised += 1
            for entry in section.entries:
                self.check_text(entry.name, entry.span, "name", allow_newline=False)
                groups[section.kind].append(entry)
                if section.kind in SECTION_KINDS:
                    elements_raw.append(entry)
                    kinds[id(entry)] = SECTION_KINDS[section.kind]
                if entry.parent is not None:
                    parents[id(entry)] = section.entries[entry.parent]
        if recognised == 0 and not reader_errors:
            bag.error(SourceSpan(doc.path, 1, 1), "no threat model found in this file", "empty-model",
                      "a model has sections such as '## Boundaries', '## Servers', '## Dataflows' "
                      "holding entries '- **Name**: key=value'")
        b_ids = self.assign("boundary", groups["boundaries"], self.boundary_ids)
        e_ids = self.assign("element", elements_raw, self.element_ids)
        d_ids = self.assign("data", groups["data"], self.data_ids)
        f_ids = self.assign("flow", groups["dataflows"], self.flow_ids)
        members: dict[str, tuple[str, SourceSpan]] = {}
        boundaries = self.boundaries(groups["boundaries"], b_ids, parents, members)
        elements = self.elements(elements_raw, e_ids, kinds, members)
        data = self.data(groups["data"], d_ids)
        flows = self.flows(groups["dataflows"], f_ids)
        model = Model(
            path=doc.path, title=doc.title, description=doc.description,
            boundaries=boundaries, elements=elements, data=data, flows=flows,
            protocol_styles=self.styles(groups["protocol_styles"]),
            multipliers=self.multipliers(groups["severity_multipliers"]),
            mitre_mappings=self.mitre(groups["custom_mitre_mapping"]),
            suppressions=self.suppressions(groups["accepted_threats"], {**b_ids, **e_ids, **d_ids, **f_ids}),
            id_prefix=self.prefix, title_span=doc.title_span,
        )
        return BuildResult(model, tuple(self.submodels))

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
            spans[ident] = _key_spans(special)
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
            attr, names = special.get("members", (None, []))
            for name in names if isinstance(names, list) else []:
                if attr is None or not isinstance(name, str):
                    continue
                if name not in self.element_ids:
                    self.unknown(attr.value_span, "element", name, self.element_ids, "unknown-element")
                elif name in members and members[name][0] != ident:
                    self.bag.error(attr.value_span, f"'{name}' is listed in two boundaries", "boundary-conflict",
                                   "an element sits in one innermost boundary", [_first(members[name][1])])
                else:
                    members[name] = (ident, attr.value_span)
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
            section = _SECTION_OF_KIND[kinds[id(entry)]]
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
                               key_spans=_key_spans(special)))
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
                                 _key_spans(special)))
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
                                _key_spans(special)))
        return tuple(out)

    def rule_id(self, text: str, span: SourceSpan) -> bool:
        if _RULE_ID.fullmatch(text):
            return True
        self.bag.error(span, f"'{text}' is not a rule id", "bad-value", "rule ids look like TM-NET-001 (see `tmlogic rules list`)")
        return False

    def suppressions(self, entries: list[RawEntry], owner_ids: dict[int, str]) -> tuple[Suppression, ...]:
        """Accepted threats: the Accepted Threats section, and accepts={...} on the thing itself."""
        out: list[Suppression] = []
        targets = {**self.boundary_ids, **self.data_ids, **self.flow_ids, **self.element_ids}
        for entry in entries:
            special, _ = self.attrs(entry, "accepted_threats", frozenset({"target", "reason"}))
            if not self.rule_id(entry.name.strip(), entry.span):
                continue
            reason = str(special.get("reason", (None, ""))[1] or "").strip()
            if not reason:
                self.bag.error(entry.span, f"accepted threat {entry.name} has no reason", "missing-key",
                               self.fix("reason", '"why the threat does not apply"'))
                continue
            target: str | None = None
            if "target" in special and special["target"][1] not in (None, ""):
                attr, name = special["target"]
                target = targets.get(str(name))
                if target is None:
                    self.unknown(attr.value_span, "element, flow, boundary or data asset", str(name), targets,
                                 "unknown-element")
                    continue
            out.append(Suppression(entry.name.strip(), target, reason, entry.span))
        for entry_id, attr, value in self.accepts:
            owner = owner_ids.get(entry_id)
            if not isinstance(value, dict) or not value:
                self.bag.error(attr.span, "accepts= takes a mapping of rule ids to reasons", "bad-value",
                               'write accepts={"TM-NET-001": "why it does not apply"}')
                continue
            for rule, reason in value.items():
                if not self.rule_id(str(rule).strip(), attr.span):
                    continue
                if not isinstance(reason, str) or not reason.strip():
                    self.bag.error(attr.span, f"accepting {rule} needs a reason", "missing-key",
                                   f'write accepts={{"{rule}": "why it does not apply"}}')
                    continue
                if owner is not None:
                    out.append(Suppression(str(rule).strip(), owner, reason.strip(), attr.span))
        return tuple(out)

    def styles(self, entries: list[RawEntry]) -> tuple[ProtocolStyle, ...]:
        out: list[ProtocolStyle] = []
        first: dict[str, RawEntry] = {}
        for entry in entries:
            protocol = canonical_protocol(entry.name)
            if protocol in first:
                self.bag.error(entry.span, f"duplicate protocol style '{entry.name}'", "duplicate-name",
                               "give each protocol one style", [_first(first[protocol].span)])
                continue
            first[protocol] = entry
            _, kept = self.attrs(entry, "protocol_styles", frozenset())
            out.append(ProtocolStyle(protocol, kept, entry.span))
        return tuple(out)

    def multipliers(self, entries: list[RawEntry]) -> tuple[Multiplier, ...]:
        out: list[Multiplier] = []
        first: dict[str, RawEntry] = {}
        for entry in entries:
            special, _ = self.attrs(entry, "severity_multipliers", frozenset({"factor"}))
            target = self.element_ids.get(entry.name)
            if target is None:
                extra = self.boundary_ids if entry.name in self.boundary_ids else None
                self.unknown(entry.span, "element", entry.name, self.element_ids, "unknown-element",
                             extra, "a boundary; multipliers apply to elements")
            if entry.has_value:
                value, span, shown = entry.value, entry.value_span or entry.span, entry.value_raw or repr(entry.value)
            elif "factor" in special:
                attr, value = special["factor"]
                span, shown = attr.value_span, _show(attr)
            else:
                self.bag.error(entry.span, f"severity multiplier '{entry.name}' has no value", "bad-multiplier",
                               self.multiplier_hint(entry.name))
                continue
            factor = _number(value)
            if factor is None or factor <= 0:
                self.bag.error(span, f"severity multiplier for '{entry.name}' must be a positive number, not {shown}",
                               "bad-multiplier", self.multiplier_hint(entry.name))
                continue
            if target is None:
                continue
            if target in first:
                self.bag.error(entry.span, f"duplicate severity multiplier for '{entry.name}'", "duplicate-name",
                               "give each element one multiplier", [_first(first[target].span)])
                continue
            first[target] = entry
            out.append(Multiplier(target, float(factor), entry.span))
        return tuple(out)

    def mitre(self, entries: list[RawEntry]) -> tuple[MitreMapping, ...]:
        out: list[MitreMapping] = []
        first: dict[str, RawEntry] = {}
        for entry in entries:
            fields: dict[str, tuple[Value, SourceSpan]] = {}
            if entry.has_value:
                span = entry.value_span or entry.span
                if not isinstance(entry.value, dict):
                    self.bag.error(span, f"Custom Mitre Mapping '{entry.name}' must be a dict or key=value pairs",
                                   "bad-value", 'write tactics=["Impact"], techniques=[{"id": "T1565", "name": "..."}]')
                    continue
                for key, value in entry.value.items():
                    canon, spec = resolve_key("custom_mitre_mapping", key)
                    if spec is None:
                        self.bag.warning(span, f"unknown key '{key}' in Custom Mitre Mapping", "unknown-key",
                                         "known keys: tactics, techniques, description")
                    fields[canon] = (value, span)
            else:
                special, _ = self.attrs(entry, "custom_mitre_mapping", frozenset({"tactics", "techniques"}))
                fields = {k: (v, a.value_span) for k, (a, v) in special.items()}
            tactics = self.tactics(fields.get("tactics"))
            techniques = self.techniques(fields.get("techniques"))
            if tactics is None or techniques is None:
                continue
            if entry.name in first:
                self.bag.error(entry.span, f"duplicate Custom Mitre Mapping '{entry.name}'", "duplicate-name",
                               "merge the two entries", [_first(first[entry.name].span)])
                continue
            first[entry.name] = entry
            out.append(MitreMapping(entry.name, tactics, techniques, entry.span))
        return tuple(out)

    def tactics(self, field: tuple[Value, SourceSpan] | None) -> tuple[str, ...] | None:
        if field is None or field[0] is None:
            return ()
        value, span = field
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(t, str) for t in items):
            self.bag.error(span, "tactics must be a list of ATT&CK tactic names", "bad-value",
                           'write tactics=["Impact", "Defense Evasion"]')
            return None
        return tuple(t for t in items if isinstance(t, str))

    def techniques(self, field: tuple[Value, SourceSpan] | None) -> tuple[tuple[str, str], ...] | None:
        if field is None or field[0] is None:
            return ()
        value, span = field
        out: list[tuple[str, str]] = []
        for item in value if isinstance(value, list) else [value]:
            tid, name = (item.get("id"), item.get("name", "")) if isinstance(item, dict) else (item, "")
            if not isinstance(tid, str) or not _TECHNIQUE.fullmatch(tid.strip().upper()) or not isinstance(name, str):
                self.bag.error(span, f"bad ATT&CK technique {tid!r}", "bad-value",
                               'write techniques=[{"id": "T1565", "name": "Data Manipulation"}] '
                               "(ids look like T1565 or T1565.001)")
                return None
            out.append((tid.strip().upper(), name))
        return tuple(out)


def build_model(doc: RawDocument, bag: DiagnosticBag, *, id_prefix: str = "") -> BuildResult:
    """Check a raw document and build its Model (without submodels; see loader.load_model).
    Problems go to `bag`; the Model holds everything that could be resolved."""
    return _Builder(doc, bag, id_prefix).build()

