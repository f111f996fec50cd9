"""Drift: does the model still describe what the infrastructure as code deploys?

One engine for every deployed source (compose, Kubernetes, Terraform, and Ansible later): each
importer gives a Draft, and `compare` sets it against the Model.

Matching. A model element and a deployed one are the same when their names give the same id
(slug), when one of the model element's `deployed_as` names does, or when the deployed item's
other names (container_name, hostname, a Kubernetes Service in front of a workload, a Terraform
address) do. Several sources compared at once count together: an element deployed by any of
them is deployed.

What counts as drift (exit 1):
- an element deployed but not modelled;
- a server, process or datastore modelled but deployed by none of the sources (actors and
  external entities are never deployed; `deployed_as=[]` says an element runs elsewhere);
- a flow deployed between two modelled elements that the model lacks, in either direction;
- a flow the model has between deployed elements that the deployment cannot carry, for sources
  that list every connection (Draft.flows_complete);
- exposure: a deployed element reachable from the Internet that the model neither marks
  internet_facing nor reaches from an untrusted zone.

Deployed networks, namespaces and VPCs missing among the model's boundaries are listed as
information: trust zones and network plumbing often differ on purpose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .._errors import SourceSpan
from ..model.schema import Element, Model
from ..model.vocabulary import slug
from ..typing_runtime import Any
from .draft import Draft, DraftElement

__all__ = ["DriftItem", "DriftReport", "compare", "render_drift", "DRIFT_FORMAT_VERSION"]

DRIFT_FORMAT_VERSION = "1.0"
_DEPLOYABLE = frozenset({"server", "process", "datastore"})


@dataclass(frozen=True)
class DriftItem:
    kind: str  # element | flow | exposure | zone
    change: str  # not-modelled | not-deployed | not-exposed-in-model | information
    name: str
    detail: str
    deployed_at: SourceSpan | None = None
    model_at: SourceSpan | None = None

    def to_dict(self) -> dict[str, Any]:
        def loc(span: SourceSpan | None) -> dict[str, Any] | None:
            return None if span is None else {"file": span.path, "line": span.line}

        return {"kind": self.kind, "change": self.change, "name": self.name, "detail": self.detail,
                "deployed_at": loc(self.deployed_at), "model_at": loc(self.model_at)}


@dataclass
class DriftReport:
    model: str
    sources: list[str]  # "compose: docker-compose.yml"
    items: list[DriftItem] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (model element, deployed item)

    @property
    def drift(self) -> list[DriftItem]:
        return [i for i in self.items if i.change != "information"]

    @property
    def drifted(self) -> bool:
        return bool(self.drift)

    def to_dict(self) -> dict[str, Any]:
        return {"format": "tmlogic-drift", "version": DRIFT_FORMAT_VERSION, "model": self.model,
                "sources": self.sources, "drifted": self.drifted, "count": len(self.drift),
                "differences": [i.to_dict() for i in self.drift],
                "information": [i.to_dict() for i in self.items if i.change == "information"],
                "matched": [{"model": m, "deployed": d} for m, d in self.matched]}


def _keys(*names: str) -> set[str]:
    return {slug(n) for n in names if slug(n)}


def _deployed_as(item: Element) -> list[str] | None:
    for a in item.attrs:
        if a.key == "deployed_as":
            return [str(v) for v in a.value] if isinstance(a.value, list) else [str(a.value)]
    return None


def _flag(item: Element, key: str) -> bool:
    return any(a.key == key and a.value is True for a in item.attrs)


class _Comparison:
    def __init__(self, model: Model, drafts: list[tuple[str, Draft, list[str]]]) -> None:
        self.model = model
        self.drafts = drafts
        self.elements = [e for m in model.all_models() for e in m.elements]
        self.flows = [f for m in model.all_models() for f in m.flows]
        self.boundaries = {b.id: b for m in model.all_models() for b in m.boundaries}
        self.by_id = {e.id: e for e in self.elements}
        self.index: dict[str, Element] = {}
        for e in self.elements:
            names = _deployed_as(e)
            for key in _keys(e.name, *(names or [])):
                self.index.setdefault(key, e)
        self.report = DriftReport(model.path, [f"{fmt}: {', '.join(src)}" for fmt, _, src in drafts])

    def match(self, item: DraftElement) -> Element | None:
        for key in sorted(_keys(item.name, *item.aliases)):
            if key in self.index:
                return self.index[key]
        return None

    def untrusted_source(self, element: Element) -> bool:
        if element.kind in ("actor", "external") and element.boundary is None:
            return True
        zone = self.boundaries.get(element.boundary or "")
        return zone is not None and not zone.trusted

    def run(self) -> DriftReport:
        rep = self.report
        matched: dict[int, Element] = {}  # id(draft element) -> model element
        deployed_ids: set[str] = set()
        for fmt, draft, _ in self.drafts:
            for item in draft.elements:
                if not item.deployed:
                    continue
                found = self.match(item)
                if found is None:
                    rep.items.append(DriftItem("element", "not-modelled", item.name,
                                               f"{item.label} ({fmt}) has no element in the model: add it, or name it "
                                               "in an element's deployed_as", item.source))
                    continue
                matched[id(item)] = found
                deployed_ids.add(found.id)
                rep.matched.append((found.name, f"{fmt} {item.label}"))
        for e in self.elements:
            if e.kind not in _DEPLOYABLE or e.id in deployed_ids or _deployed_as(e) == []:
                continue
            rep.items.append(DriftItem("element", "not-deployed", e.name,
                                       f"{e.kind} '{e.name}' is not deployed by {', '.join(rep.sources)}: remove it, "
                                       "or write deployed_as=[] if it runs elsewhere", model_at=e.span))
        modelled = {(f.source, f.target) for f in self.flows}
        modelled |= {(f.target, f.source) for f in self.flows
                     if any(a.key == "bidirectional" and a.value is True for a in f.attrs)}
        incoming: dict[str, list[str]] = {}
        for f in self.flows:
            incoming.setdefault(f.target, []).append(f.source)
        seen_deployed: set[tuple[str, str]] = set()
        complete = False
        for fmt, draft, _ in self.drafts:
            complete = complete or draft.flows_complete
            names = {e.name: e for e in draft.elements}
            for fl in draft.flows:
                src, dst = names.get(fl.src), names.get(fl.dst)
                if src is None or dst is None or id(dst) not in matched:
                    continue
                target = matched[id(dst)]
                if not src.deployed:  # from the Internet
                    facing = _flag(target, "internet_facing") or any(
                        self.untrusted_source(self.by_id[s]) for s in incoming.get(target.id, []) if s in self.by_id)
                    if not facing:
                        rep.items.append(DriftItem(
                            "exposure", "not-exposed-in-model", target.name,
                            f"{dst.label} is reachable from the Internet ({fl.label}), but the model neither marks "
                            f"'{target.name}' internet_facing nor has a flow into it from an untrusted zone",
                            fl.source, target.span))
                    continue
                if id(src) not in matched:
                    continue
                source = matched[id(src)]
                pair = (source.id, target.id)
                seen_deployed.add(pair)
                if pair not in modelled and source.id != target.id:
                    protocol = fl.attrs.get("protocol")
                    rep.items.append(DriftItem(
                        "flow", "not-modelled", f"{source.name} -> {target.name}",
                        f"{fl.label}{f' ({protocol})' if protocol else ''}: the model has no flow from "
                        f"'{source.name}' to '{target.name}'", fl.source, source.span))
                    modelled.add(pair)  # one line per pair, whatever the number of deployed flows
        if complete:
            for f in self.flows:
                if f.source in deployed_ids and f.target in deployed_ids and (f.source, f.target) not in seen_deployed:
                    rep.items.append(DriftItem("flow", "not-deployed", f.name,
                                               f"flow '{f.name}' connects deployed elements, but the deployment "
                                               "allows no such connection", model_at=f.span))
        zones = _keys(*(b.name for b in self.boundaries.values()),
                      *(str(v) for b in self.boundaries.values() for a in b.attrs if a.key == "deployed_as"
                        for v in (a.value if isinstance(a.value, list) else [a.value])))
        for fmt, draft, _ in self.drafts:
            for b in draft.boundaries:
                if any(e.boundary == b.name and not e.deployed for e in draft.elements):
                    continue  # the Internet stand-in
                if not (_keys(b.name, *b.aliases) & zones):
                    rep.items.append(DriftItem("zone", "information", b.name,
                                               f"{b.label} ({fmt}) is not one of the model's boundaries", b.source))
        return rep


def compare(model: Model, drafts: list[tuple[str, Draft, list[str]]]) -> DriftReport:
    """The differences between a model and what (format, draft, source paths) deploy."""
    return _Comparison(model, drafts).run()


_TITLES = (("element", "not-modelled", "deployed, not in the model"),
           ("element", "not-deployed", "in the model, not deployed"),
           ("flow", "not-modelled", "flows deployed, not in the model"),
           ("flow", "not-deployed", "flows in the model that the deployment does not allow"),
           ("exposure", "not-exposed-in-model", "exposed to the Internet, not in the model"),
           ("zone", "information", "zones deployed, not among the model's boundaries (information)"))


def _where(item: DriftItem) -> str:
    span = item.deployed_at or item.model_at
    return span.short() if span else "-"


def render_drift(report: DriftReport, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    md = fmt == "markdown"
    n = len(report.drift)
    head = f"drift: {report.model} against {'; '.join(report.sources)}: " + \
        (f"{n} difference{'s' if n != 1 else ''}" if n else "no drift") + f" ({len(report.matched)} elements matched)"
    out = [f"## {head}" if md else head]
    for kind, change, title in _TITLES:
        group = [i for i in report.items if i.kind == kind and i.change == change]
        if not group:
            continue
        out.append("")
        out.append(f"### {title} ({len(group)})" if md else f"{title}:")
        for i in group:
            where = _where(i)
            out.append(f"- `{where}` {_md(i.detail)}" if md else f"  {where}: {i.detail}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")
