"""SecOpsTM's `threat_model_metadata` block: a model written inside the playbook.

When a play's vars hold one, it is the model: it is read by the model language's own YAML
reader and builder (the same as `tmlogic analyze playbook.yml`), so the import gives exactly
the model that reading the block gives; each item keeps the playbook line it is written on.
"""

from __future__ import annotations

from pathlib import Path

from ...diagnostics import DiagnosticBag
from ...model.build import build_model
from ...model.schema import Model, Value
from ...model.yaml_reader import read_yaml
from ..base import ImportContext
from ..draft import Draft, DraftBoundary, DraftData, DraftElement, DraftFlow
from ..located import InputError

__all__ = ["read_metadata"]

# Keys that are the Model item's own fields (and the Draft item's): not repeated as attributes.
_FIELDS = {"boundary": frozenset({"is_trusted", "boundary", "members"}), "element": frozenset({"boundary", "type"}),
           "data": frozenset({"classification"}), "flow": frozenset({"from", "to", "protocol", "data"})}


def _attrs(item: object, kind: str) -> dict[str, Value]:
    return {a.key: a.value for a in getattr(item, "attrs") if a.key not in _FIELDS[kind]}


def read_metadata(ctx: ImportContext, playbook: Path) -> Draft:
    """The model of the playbook's metadata block, as a Draft."""
    shown = ctx.shown(playbook)
    bag = DiagnosticBag()
    model: Model = build_model(read_yaml(ctx.text(playbook), shown), bag).model
    errors = [d for d in bag.items if d.level.value == "error"]
    if errors:
        first = errors[0]
        raise InputError(first.span, f"the threat_model_metadata block is not a valid model: {first.message}",
                         first.hint or "fix the block; `tmlogic validate` on the playbook lists every problem")
    names = model.names()
    draft = Draft("ansible", title=model.title, description=model.description)
    for b in model.boundaries:
        draft.add_boundary(DraftBoundary(b.name, b.span, f"metadata boundary '{b.name}'",
                                         {"is_trusted": b.trusted, **_attrs(b, "boundary")},
                                         parent=names.get(b.parent) if b.parent else None))
    for e in model.elements:
        attrs = _attrs(e, "element")
        if e.type:
            attrs = {"type": e.type, **attrs}
        draft.add_element(DraftElement(e.name, e.span, f"metadata {e.kind} '{e.name}'", attrs, kind=e.kind,
                                       boundary=names.get(e.boundary) if e.boundary else None))
    for d in model.data:
        attrs = _attrs(d, "data")
        if d.classification != "unknown":
            attrs = {"classification": d.classification, **attrs}
        draft.add_data(DraftData(d.name, d.span, f"metadata data '{d.name}'", attrs))
    for f in model.flows:
        attrs = _attrs(f, "flow")
        if f.protocol:
            attrs = {"protocol": f.protocol, **attrs}
        if f.data:
            attrs["data"] = [names[x] for x in f.data]
        draft.add_flow(DraftFlow(f.name, f.span, f"metadata flow '{f.name}'", attrs, src=names[f.source],
                                 dst=names[f.target]))
    for kind, items in (("severity multipliers", model.multipliers), ("protocol styles", model.protocol_styles),
                        ("custom MITRE mappings", model.mitre_mappings), ("accepted threats", model.suppressions),
                        ("hand-written threats", model.threats)):
        if items:
            first = getattr(items[0], "span")
            ctx.report.skip(f"metadata {kind} ({len(items)})", first, "an import writes architecture only: copy them "
                            "into the model, outside the generated block, where a re-import keeps them")
    return draft
