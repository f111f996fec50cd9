"""Differences between two runs: threats added / removed / changed in severity (by stable id),
and model changes (boundaries, elements, data, flows, accepted threats; added, removed, renamed,
changed field by field). Rendered as text, JSON (format tmlogic-diff 1.0, schema in
tracking/schema/) and Markdown (for a pull-request comment). Deterministic: sorted, no times."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..model.schema import Attribute, Model
from ..severity import level_rank
from ..textsafe import neutralise_mentions, terminal_safe
from ..typing_runtime import Any
from .snapshot import ThreatSnapshot

__all__ = [
    "DIFF_FORMAT_VERSION",
    "FieldChange",
    "ItemRef",
    "ItemChange",
    "GroupDiff",
    "ModelDiff",
    "ThreatChange",
    "ThreatDiff",
    "DiffReport",
    "diff_models",
    "diff_threats",
    "diff_to_dict",
    "render_diff_text",
    "render_diff_json",
    "render_diff_markdown",
    "diff_schema_path",
]

DIFF_FORMAT_VERSION = "1.0"
GROUPS = ("boundaries", "elements", "data", "flows", "acceptances")
_MISSING = object()


def diff_schema_path() -> Path:
    return Path(__file__).parent / "schema" / f"tmlogic-diff-{DIFF_FORMAT_VERSION}.schema.json"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any  # JSON value; None when absent
    new: Any


@dataclass(frozen=True)
class ItemRef:
    id: str
    name: str


@dataclass(frozen=True)
class ItemChange:
    item: ItemRef
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class GroupDiff:
    added: tuple[ItemRef, ...] = ()
    removed: tuple[ItemRef, ...] = ()
    renamed: tuple[tuple[ItemRef, ItemRef], ...] = ()  # (old, new): same content, new name
    changed: tuple[ItemChange, ...] = ()

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.renamed) + len(self.changed)


@dataclass(frozen=True)
class ModelDiff:
    title: FieldChange | None
    groups: dict[str, GroupDiff]

    def __len__(self) -> int:
        return (1 if self.title else 0) + sum(len(g) for g in self.groups.values())


@dataclass(frozen=True)
class ThreatChange:
    old: ThreatSnapshot
    new: ThreatSnapshot

    @property
    def fields(self) -> tuple[str, ...]:
        out = []
        if self.old.level != self.new.level or round(self.old.score, 1) != round(self.new.score, 1):
            out.append("severity")
        if self.old.accepted != self.new.accepted:
            out.append("accepted")
        return tuple(out)


@dataclass(frozen=True)
class ThreatDiff:
    added: tuple[ThreatSnapshot, ...] = ()
    removed: tuple[ThreatSnapshot, ...] = ()
    changed: tuple[ThreatChange, ...] = ()

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


@dataclass(frozen=True)
class DiffReport:
    old: str  # labels: a path, or REV:path
    new: str
    threats: ThreatDiff
    model: ModelDiff | None  # None when a side is a result JSON (it holds no model)
    old_kind: str = "model"
    new_kind: str = "model"


def _order(t: ThreatSnapshot) -> tuple[int, float, str, tuple[str, ...]]:
    return (-level_rank(t.level), -t.score, t.rule_id, t.targets)


def diff_threats(old: Iterable[ThreatSnapshot], new: Iterable[ThreatSnapshot]) -> ThreatDiff:
    before = {t.id: t for t in old}
    after = {t.id: t for t in new}
    changed = [ThreatChange(before[i], after[i]) for i in after if i in before]
    return ThreatDiff(
        added=tuple(sorted((t for i, t in after.items() if i not in before), key=_order)),
        removed=tuple(sorted((t for i, t in before.items() if i not in after), key=_order)),
        changed=tuple(sorted((c for c in changed if c.fields), key=lambda c: _order(c.new))),
    )


# --- model ---------------------------------------------------------------------------------------

def _attrs(attrs: tuple[Attribute, ...]) -> dict[str, Any]:
    return {a.key: a.value for a in attrs}


def _items(model: Model) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    """group -> id -> (name, {field: value}) over the model and its submodels."""
    names = model.names()
    out: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {g: {} for g in GROUPS}
    for m in model.all_models():
        for b in m.boundaries:
            out["boundaries"][b.id] = (b.name, {"trusted": b.trusted, "parent": names.get(b.parent, b.parent)
                                                if b.parent else None, **_attrs(b.attrs)})
        for e in m.elements:
            out["elements"][e.id] = (e.name, {"kind": e.kind, "type": e.type, "boundary": names.get(e.boundary, e.boundary)
                                              if e.boundary else None, "submodel": e.submodel, **_attrs(e.attrs)})
        for d in m.data:
            out["data"][d.id] = (d.name, {"classification": d.classification, **_attrs(d.attrs)})
        for f in m.flows:
            out["flows"][f.id] = (f.name, {"from": names.get(f.source, f.source), "to": names.get(f.target, f.target),
                                           "protocol": f.protocol, "data": [names.get(x, x) for x in f.data],
                                           **_attrs(f.attrs)})
        for s in m.suppressions:
            key = f"{m.id_prefix}{s.rule_id}:{s.target or '*'}"
            shown = f"{s.rule_id} on {names.get(s.target, s.target)}" if s.target else f"{s.rule_id} (every target)"
            out["acceptances"][key] = (shown, {"reason": s.reason})
    return out


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    keys = sorted(set(old) | set(new))
    return tuple(FieldChange(k, old.get(k), new.get(k)) for k in keys
                 if old.get(k, _MISSING) != new.get(k, _MISSING) and not (old.get(k) is None and new.get(k) is None))


def _signature(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, default=str)


def diff_models(old: Model, new: Model) -> ModelDiff:
    a, b = _items(old), _items(new)
    groups: dict[str, GroupDiff] = {}
    for g in GROUPS:
        before, after = a[g], b[g]
        removed = {i: v for i, v in before.items() if i not in after}
        added = {i: v for i, v in after.items() if i not in before}
        renamed: list[tuple[ItemRef, ItemRef]] = []
        if g != "acceptances":
            old_sigs: dict[str, list[str]] = {}
            new_sigs: dict[str, list[str]] = {}
            for i, (_, fields) in removed.items():
                old_sigs.setdefault(_signature(fields), []).append(i)
            for i, (_, fields) in added.items():
                new_sigs.setdefault(_signature(fields), []).append(i)
            for sig, olds in old_sigs.items():
                news = new_sigs.get(sig, [])
                if len(olds) == 1 and len(news) == 1:
                    o, n = olds[0], news[0]
                    renamed.append((ItemRef(o, removed.pop(o)[0]), ItemRef(n, added.pop(n)[0])))
        changed = []
        for i in sorted(set(before) & set(after)):
            (old_name, old_fields), (new_name, new_fields) = before[i], after[i]
            changes = _field_changes({"name": old_name, **old_fields}, {"name": new_name, **new_fields})
            if changes:
                changed.append(ItemChange(ItemRef(i, new_name), changes))
        groups[g] = GroupDiff(
            added=tuple(ItemRef(i, v[0]) for i, v in sorted(added.items())),
            removed=tuple(ItemRef(i, v[0]) for i, v in sorted(removed.items())),
            renamed=tuple(sorted(renamed, key=lambda r: r[0].id)),
            changed=tuple(changed),
        )
    title = FieldChange("title", old.title, new.title) if old.title != new.title else None
    return ModelDiff(title, groups)


# --- output --------------------------------------------------------------------------------------

def _threat_dict(t: ThreatSnapshot) -> dict[str, Any]:
    return t.to_dict()


def _ref(r: ItemRef) -> dict[str, str]:
    return {"id": r.id, "name": r.name}


def _group_dict(g: GroupDiff) -> dict[str, Any]:
    return {
        "added": [_ref(r) for r in g.added],
        "removed": [_ref(r) for r in g.removed],
        "renamed": [{"old": _ref(o), "new": _ref(n)} for o, n in g.renamed],
        "changed": [{**_ref(c.item), "changes": [{"field": f.field, "old": f.old, "new": f.new} for f in c.changes]}
                    for c in g.changed],
    }


def diff_to_dict(report: DiffReport) -> dict[str, Any]:
    model = None
    if report.model is not None:
        model = {
            "title": None if report.model.title is None else {"old": report.model.title.old, "new": report.model.title.new},
            **{g: _group_dict(report.model.groups[g]) for g in GROUPS},
        }
    return {
        "$schema": diff_schema_path().name,
        "format": "tmlogic-diff",
        "version": DIFF_FORMAT_VERSION,
        "old": {"source": report.old, "kind": report.old_kind},
        "new": {"source": report.new, "kind": report.new_kind},
        "summary": {
            "threats_added": len(report.threats.added),
            "threats_removed": len(report.threats.removed),
            "threats_changed": len(report.threats.changed),
            "model_changes": None if report.model is None else len(report.model),
        },
        "threats": {
            "added": [_threat_dict(t) for t in report.threats.added],
            "removed": [_threat_dict(t) for t in report.threats.removed],
            "changed": [{"id": c.new.id, "rule_id": c.new.rule_id, "title": c.new.title,
                         "targets": [{"id": i, "name": n} for i, n in zip(c.new.targets, c.new.target_names)],
                         "location": {"file": c.new.file, "line": c.new.line}, "changed": list(c.fields),
                         "old": {"level": c.old.level, "score": c.old.score, "accepted": c.old.accepted},
                         "new": {"level": c.new.level, "score": c.new.score, "accepted": c.new.accepted}}
                        for c in report.threats.changed],
        },
        "model": model,
    }


def render_diff_json(report: DiffReport) -> str:
    return json.dumps(diff_to_dict(report), indent=2, ensure_ascii=False) + "\n"


def _value(v: Any) -> str:
    return "(none)" if v is None else json.dumps(v, ensure_ascii=False)


def _changes_text(changes: tuple[FieldChange, ...]) -> str:
    return "; ".join(f"{c.field} {_value(c.old)} -> {_value(c.new)}" for c in changes)


def _threat_change_text(c: ThreatChange) -> str:
    parts = []
    if "severity" in c.fields:
        parts.append(f"{c.old.level} {c.old.score:g} -> {c.new.level} {c.new.score:g}")
    if "accepted" in c.fields:
        parts.append("now accepted" if c.new.accepted else "no longer accepted")
    return ", ".join(parts)


_GROUP_TITLES = {"boundaries": "Boundaries", "elements": "Elements", "data": "Data", "flows": "Dataflows",
                 "acceptances": "Accepted threats"}


def _model_lines(model: ModelDiff) -> list[tuple[str, str, str]]:
    """(group title, sign, text) for every model change, in a stable order."""
    out: list[tuple[str, str, str]] = []
    if model.title is not None:
        out.append(("Title", "~", f"{_value(model.title.old)} -> {_value(model.title.new)}"))
    for g in GROUPS:
        d = model.groups[g]
        title = _GROUP_TITLES[g]
        out += [(title, "+", f"{r.name} ({r.id})") for r in d.added]
        out += [(title, "-", f"{r.name} ({r.id})") for r in d.removed]
        out += [(title, "~", f"{o.name} renamed to {n.name} ({o.id} -> {n.id})") for o, n in d.renamed]
        out += [(title, "~", f"{c.item.name} ({c.item.id}): {_changes_text(c.changes)}") for c in d.changed]
    return out


def _threat_counts(d: ThreatDiff) -> str:
    return f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed"


def render_diff_text(report: DiffReport) -> str:
    lines = [f"tmlogic diff: {report.old} -> {report.new}", "", f"Threats: {_threat_counts(report.threats)}"]
    for sign, items in (("+", report.threats.added), ("-", report.threats.removed)):
        for t in items:
            lines.append(f"  {sign} {t.id}  {t.level.upper():<8}  {t.rule_id}  {t.title}")
            lines.append(f"      {t.message}")
            lines.append(f"      at {t.location}")
    for c in report.threats.changed:
        lines.append(f"  ~ {c.new.id}  {c.new.level.upper():<8}  {c.new.rule_id}  {c.new.title}: {_threat_change_text(c)}")
        lines.append(f"      at {c.new.location}")
    lines.append("")
    if report.model is None:
        json_side = report.old if report.old_kind == "json" else report.new
        lines.append(f"Model: not compared ({json_side} is a result JSON, which holds no model)")
    else:
        entries = _model_lines(report.model)
        lines.append(f"Model: {len(entries)} change{'s' if len(entries) != 1 else ''}" if entries else "Model: no changes")
        current = None
        for group, sign, text in entries:
            if group != current:
                lines.append(f"  {group}:")
                current = group
            lines.append(f"    {sign} {text}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell (and an HTML-rendering PR comment), mentions and
    issue references neutralised."""
    return neutralise_mentions(terminal_safe(str(text)).replace("\\", "\\\\").replace("&", "&amp;")
                               .replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")
                               .replace("`", "'"))


def render_diff_markdown(report: DiffReport, model_section: bool = True) -> str:
    d = report.threats
    lines = [f"### Threat model changes: `{_md(report.old)}` → `{_md(report.new)}`", ""]
    worst_added = [t for t in d.added if level_rank(t.level) >= level_rank("high")]
    headline = f"**{len(d.added)} threat{'s' if len(d.added) != 1 else ''} added**"
    if worst_added:
        headline += f" ({len(worst_added)} high or critical)"
    lines.append(f"{headline}, {len(d.removed)} removed, {len(d.changed)} changed.")
    lines.append("")
    if len(d):
        lines += ["| | Severity | Threat | Rule | Where | Id |", "|---|---|---|---|---|---|"]
        for sign, items in (("added", d.added), ("removed", d.removed)):
            for t in items:
                lines.append(f"| {sign} | {t.level} {t.score:g} | {_md(t.message)} | {t.rule_id} | `{_md(t.location)}` | `{t.id}` |")
        for c in d.changed:
            lines.append(f"| changed | {_md(_threat_change_text(c))} | {_md(c.new.message)} | {c.new.rule_id} | "
                         f"`{_md(c.new.location)}` | `{c.new.id}` |")
        lines.append("")
    if not model_section:
        pass
    elif report.model is None:
        lines.append("Model changes: not compared (a result JSON holds no model).")
    else:
        entries = _model_lines(report.model)
        if not entries:
            lines.append("Model changes: none.")
        else:
            lines += ["<details><summary>Model changes (" + str(len(entries)) + ")</summary>", ""]
            words = {"+": "added", "-": "removed", "~": "changed"}
            for group, sign, text in entries:
                lines.append(f"- **{group}** {words[sign]}: {_md(text.replace(' -> ', ' → '))}")
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
