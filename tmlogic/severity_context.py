"""What severity needs to know about a model: for every element, flow, boundary and data asset,
its data, its ratings, and how the untrusted side reaches it. Built once per analysis from the
model and the prelude's exposure relations (in_untrusted, reachable_from_untrusted,
reachable_unauthenticated, internet_facing_zone)."""

from __future__ import annotations

from collections import defaultdict

from .logic.engines.base import Session
from .model.schema import Attribute, Model
from .severity import DataFacts, ModelContext, TargetFacts

__all__ = ["model_context"]

_RANKS = {"public": 0, "unknown": 1, "restricted": 2, "sensitive": 3, "secret": 4, "top-secret": 5}
_RATINGS = ("confidentiality", "integrity", "availability")


def _unary(session: Session, predicate: str) -> frozenset[str]:
    return frozenset(str(r[0]) for r in session.query(predicate, (None,)))


def _ratings(attrs: tuple[Attribute, ...]) -> dict[str, str]:
    return {a.key: str(a.value) for a in attrs if a.key in _RATINGS and isinstance(a.value, str)}


_NEGATIVE = ("", "none", "false", "no", "off")


def _kinds(attrs: tuple[Attribute, ...]) -> dict[str, str]:
    """Keys set to a kind other than none (authorization=rbac)."""
    return {a.key: a.value for a in attrs if isinstance(a.value, str) and a.value.lower() not in _NEGATIVE}


def _flags(attrs: tuple[Attribute, ...]) -> frozenset[str]:
    """Keys a target says it has: flags set True, and the keys of _kinds, which `mitigated-by` can name."""
    return frozenset(a.key for a in attrs if a.value is True) | _kinds(attrs).keys()


def _is_credential(attrs: tuple[Attribute, ...]) -> bool:
    return any((a.key == "is_credentials" and a.value is True)
               or (a.key == "credentials_life" and a.value not in (None, "none")) for a in attrs)


def model_context(model: Model, session: Session) -> ModelContext:
    untrusted = _unary(session, "in_untrusted")
    reachable = _unary(session, "reachable_from_untrusted") | untrusted
    unauthenticated = _unary(session, "reachable_unauthenticated") | untrusted
    facing_zones = _unary(session, "internet_facing_zone")
    network_devices = _unary(session, "network_device")
    names = model.names()

    models = model.all_models()
    elements = {e.id: e for m in models for e in m.elements}
    flows = [f for m in models for f in m.flows]
    data: dict[str, DataFacts] = {
        d.id: DataFacts(d.name, _RANKS.get(d.classification, 1), _ratings(d.attrs), _is_credential(d.attrs))
        for m in models for d in m.data
    }

    handled: dict[str, list[str]] = defaultdict(list)
    entered_from: dict[str, tuple[str, str]] = {}  # element -> (untrusted source, flow) reaching it directly
    for f in flows:
        for end in (f.source, f.target):
            handled[end].extend(f.data)
        if f.source in untrusted and f.target not in untrusted:
            entered_from.setdefault(f.target, (f.source, f.id))

    targets: dict[str, TargetFacts] = {}
    for e in elements.values():
        facing = any(a.key == "internet_facing" and a.value is True for a in e.attrs)
        if facing:
            direct: str | None = f"the model marks '{e.name}' internet-facing"
        elif e.boundary in facing_zones:
            direct = f"'{e.name}' sits in internet-facing zone '{names.get(e.boundary, e.boundary)}'"
        elif e.id in untrusted:
            direct = f"'{e.name}' is on the untrusted side"
        elif e.id in entered_from:
            source, flow = entered_from[e.id]
            direct = f"'{names[source]}' on the untrusted side reaches it directly (flow '{names[flow]}')"
        else:
            direct = None
        holds = () if e.id in network_devices else tuple(dict.fromkeys(handled.get(e.id, ())))
        targets[e.id] = TargetFacts("element", e.name, holds, direct, e.id in reachable, e.id in unauthenticated,
                                    _ratings(e.attrs), _flags(e.attrs), (e.id,), _kinds(e.attrs))
    for f in flows:
        public = any(a.key == "is_public" and a.value is True for a in f.attrs)
        if public:
            direct = f"flow '{f.name}' crosses the public internet (is_public=True)"
        elif f.source in untrusted:
            direct = f"it comes from '{names[f.source]}' on the untrusted side"
        elif f.target in untrusted:
            direct = f"it goes to '{names[f.target]}' on the untrusted side"
        else:
            direct = None
        targets[f.id] = TargetFacts("flow", f.name, f.data, direct, f.source in reachable,
                                    f.source in unauthenticated, {}, _flags(f.attrs), (f.source, f.target), _kinds(f.attrs))
    inside: dict[str, list[TargetFacts]] = defaultdict(list)
    for e in elements.values():
        if e.boundary is not None:
            inside[e.boundary].append(targets[e.id])
    # The flows carrying each data item, in flow order: one pass over the flows, not one per data
    # item (data items grow with the model too, so that was quadratic).
    carried_by: dict[str, list[TargetFacts]] = defaultdict(list)
    for f in flows:
        for data_id in dict.fromkeys(f.data):
            carried_by[data_id].append(targets[f.id])
    for m in models:
        for b in m.boundaries:
            members = inside.get(b.id, [])
            direct = next((f"'{t.name}' in it is reached directly: {t.direct}" for t in members if t.direct), None)
            targets[b.id] = TargetFacts("boundary", b.name, (), direct, any(t.reachable for t in members),
                                        any(t.unauthenticated for t in members), _ratings(b.attrs), _flags(b.attrs))
        for d in m.data:
            carriers = carried_by.get(d.id, [])
            direct = next((f"it travels on a flow where {t.direct}" for t in carriers if t.direct), None)
            targets[d.id] = TargetFacts("data", d.name, (d.id,), direct, any(t.reachable for t in carriers),
                                        any(t.unauthenticated for t in carriers), _ratings(d.attrs), _flags(d.attrs))
    multipliers = {mult.target: mult.factor for m in models for mult in m.multipliers}
    return ModelContext(targets=targets, data=data, multipliers=multipliers, names=names)
