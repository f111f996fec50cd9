"""What the model says about its threats: accepted threats (the Accepted Threats section and
accepts= on an element), protocol styles, severity multipliers and custom MITRE mappings."""

from __future__ import annotations

from ..._errors import SourceSpan
from ...lazy import lazy_pattern
from ..raw import RawEntry
from ..schema import MitreMapping, Multiplier, ProtocolStyle, Suppression, Value
from ..vocabulary import canonical_protocol, resolve_key
from .entries import EntryChecker, as_number, first_note, show_value

__all__ = ["AnnotationsBuilder"]

_RULE_ID = lazy_pattern(r"TM-[A-Z]+-[0-9]{3}")


def _is_technique(text: str) -> bool:
    r"""An ATT&CK technique id, T1234 or T1234.567: re.fullmatch(r"T\d{4}(?:\.\d{3})?", text), by hand
    (compiling the pattern cost more than reading every mapping of a model)."""
    return text[:1] == "T" and text[1:5].isdecimal() and len(text) in (5, 9) and (
        len(text) == 5 or (text[5] == "." and text[6:].isdecimal()))


class AnnotationsBuilder(EntryChecker):
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
            for rule, why in value.items():
                if not self.rule_id(str(rule).strip(), attr.span):
                    continue
                if not isinstance(why, str) or not why.strip():
                    self.bag.error(attr.span, f"accepting {rule} needs a reason", "missing-key",
                                   f'write accepts={{"{rule}": "why it does not apply"}}')
                    continue
                if owner is not None:
                    out.append(Suppression(str(rule).strip(), owner, why.strip(), attr.span))
        return tuple(out)

    def styles(self, entries: list[RawEntry]) -> tuple[ProtocolStyle, ...]:
        out: list[ProtocolStyle] = []
        first: dict[str, RawEntry] = {}
        for entry in entries:
            protocol = canonical_protocol(entry.name)
            if protocol in first:
                self.bag.error(entry.span, f"duplicate protocol style '{entry.name}'", "duplicate-name",
                               "give each protocol one style", [first_note(first[protocol].span)])
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
                span, shown = attr.value_span, show_value(attr)
            else:
                self.bag.error(entry.span, f"severity multiplier '{entry.name}' has no value", "bad-multiplier",
                               self.multiplier_hint(entry.name))
                continue
            factor = as_number(value)
            if factor is None or factor <= 0:
                self.bag.error(span, f"severity multiplier for '{entry.name}' must be a positive number, not {shown}",
                               "bad-multiplier", self.multiplier_hint(entry.name))
                continue
            if target is None:
                continue
            if target in first:
                self.bag.error(entry.span, f"duplicate severity multiplier for '{entry.name}'", "duplicate-name",
                               "give each element one multiplier", [first_note(first[target].span)])
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
                               "merge the two entries", [first_note(first[entry.name].span)])
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
            if not isinstance(tid, str) or not _is_technique(tid.strip().upper()) or not isinstance(name, str):
                self.bag.error(span, f"bad ATT&CK technique {tid!r}", "bad-value",
                               'write techniques=[{"id": "T1565", "name": "Data Manipulation"}] '
                               "(ids look like T1565 or T1565.001)")
                return None
            out.append((tid.strip().upper(), name))
        return tuple(out)
