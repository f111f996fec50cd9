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


_NEGATIVE = ("", "none", "false", "no", "off")


def _read(attrs: tuple[Attribute, ...], marker: str) -> tuple[dict[str, str], frozenset[str], dict[str, str], bool]:
    """What severity reads of a target's attributes, in one pass: its CIA ratings; its flags (keys
    set True, and the keys set to a kind other than none, which `mitigated-by` can name); those
    kinds (authorization=rbac); and whether `marker` is set True."""
    ratings: dict[str, str] = {}
    kinds: dict[str, str] = {}
    true: list[str] = []
    for a in attrs:
        key, value = a.key, a.value
        if value is True:
            true.append(key)
        elif isinstance(value, str):
            if key in _RATINGS:
                ratings[key] = value
            if value.lower() not in _NEGATIVE:
                kinds[key] = value
    return ratings, frozenset(true) | kinds.keys(), kinds, marker in true


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
        d.id: DataFacts(d.name, _RANKS.get(d.classification, 1), _read(d.attrs, "")[0], _is_credential(d.attrs))
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
        ratings, flags, kinds, facing = _read(e.attrs, "internet_facing")
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
                                    ratings, flags, (e.id,), kinds)
    for f in flows:
        _, flags, kinds, public = _read(f.attrs, "is_public")
        if public:
            direct = f"flow '{f.name}' crosses the public internet (is_public=True)"
        elif f.source in untrusted:
            direct = f"it comes from '{names[f.source]}' on the untrusted side"
        elif f.target in untrusted:
            direct = f"it goes to '{names[f.target]}' on the untrusted side"
        else:
            direct = None
        targets[f.id] = TargetFacts("flow", f.name, f.data, direct, f.source in reachable,
                                    f.source in unauthenticated, {}, flags, (f.source, f.target), kinds)
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
            ratings, flags, _, _ = _read(b.attrs, "")
            targets[b.id] = TargetFacts("boundary", b.name, (), direct, any(t.reachable for t in members),
                                        any(t.unauthenticated for t in members), ratings, flags)
        for d in m.data:
            carriers = carried_by.get(d.id, [])
            direct = next((f"it travels on a flow where {t.direct}" for t in carriers if t.direct), None)
            ratings, flags, _, _ = _read(d.attrs, "")
            targets[d.id] = TargetFacts("data", d.name, (d.id,), direct, any(t.reachable for t in carriers),
                                        any(t.unauthenticated for t in carriers), ratings, flags)
    multipliers = {mult.target: mult.factor for m in models for mult in m.multipliers}
    return ModelContext(targets=targets, data=data, multipliers=multipliers, names=names)
