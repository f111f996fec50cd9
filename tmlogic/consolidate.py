"""One root cause, one finding: merge and drop threats after the rules have fired.

Three steps, each visible in the result:
- pools: replicas of one pool (elements with the same `pool=` name, or of identical shape: same
  kind, type, zone, attributes and flows to the same peers, named as replicas are, "App 1" and
  "App 2") are one target; a rule's findings on them become one finding that lists every replica;
- `group-by: V`: a rule's findings that share the value of head variable V are one finding;
- `supersedes: RULE`: a finding of a specific rule replaces the findings of the generic RULE
  that share one of its targets (same STRIDE category, checked by the linter); the replaced
  findings are named on the one that stays (`superseded`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

from .model.schema import Attribute, Element, Model
from .result import Threat
from .severity import level_rank
from .records import replace

__all__ = ["element_pools", "merge_pools", "merge_groups", "apply_supersedes"]

# Keys that describe how an element looks, not what it is: replicas may differ in them.
_COSMETIC = frozenset({"description", "notes", "owner", "tags", "color", "is_filled", "line_style", "version",
                       "port", "accepts", "pool", "replicas"})


# A replica's name: a common stem and an index ("App Server 2", "node-b", "web_03").
_INDEX = re.compile(r"[\s_-]*(?:\d+|(?<=[\s_-])[a-z])$")


def _replica_stem(name: str) -> str | None:
    """The stem of a name that ends in an index, else None."""
    text = name.strip().lower()
    stem = _INDEX.sub("", text)
    return stem if stem and stem != text else None


def _attrs_key(attrs: tuple[Attribute, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((a.key, repr(a.value)) for a in attrs if a.key not in _COSMETIC))


def element_pools(model: Model) -> dict[str, str]:
    """element id -> id of its pool's first member, for elements that are replicas of another.

    A pool is the elements of one model file that share a `pool=` name, or that have an
    identical shape (at least one flow, and the same kind, type, zone, non-cosmetic attributes
    and flows, peer for peer) whose names differ only by their index: two different services that
    happen to look alike in a sparse model are not replicas."""
    pools: dict[str, str] = {}
    for m in model.all_models():
        shapes: dict[Hashable, list[Element]] = defaultdict(list)
        flows: dict[str, list[Hashable]] = defaultdict(list)
        for f in m.flows:
            flow_key = (f.protocol, tuple(sorted(f.data)), _attrs_key(f.attrs))
            flows[f.source].append(("out", f.target, flow_key))
            flows[f.target].append(("in", f.source, flow_key))
        for e in m.elements:
            named = next((str(a.value) for a in e.attrs if a.key == "pool" and isinstance(a.value, str)), None)
            if named is not None:
                shapes[("pool", named)].append(e)
            elif flows.get(e.id) and e.submodel is None and (stem := _replica_stem(e.name)) is not None:
                shapes[(stem, e.kind, e.type, e.boundary, _attrs_key(e.attrs),
                        tuple(sorted(flows[e.id], key=repr)))].append(e)
        for members in shapes.values():
            if len(members) > 1:
                for e in members:
                    pools[e.id] = members[0].id
    return pools


def _flow_pools(model: Model, pools: dict[str, str]) -> dict[str, Hashable]:
    """flow id -> its shape with pooled endpoints replaced by their pool: flows of replicas match."""
    out: dict[str, Hashable] = {}
    for m in model.all_models():
        for f in m.flows:
            if f.source in pools or f.target in pools:
                out[f.id] = (pools.get(f.source, f.source), pools.get(f.target, f.target), f.protocol,
                             tuple(sorted(f.data)), _attrs_key(f.attrs))
    return out


def _merge(group: list[Threat], make_id: Callable[[str, tuple[str, ...]], str]) -> Threat:
    first = group[0]
    if len(group) == 1:
        return first
    targets: list[str] = []
    names: list[str] = []
    for t in group:
        for i, n in zip(t.targets, t.target_names):
            if i not in targets:
                targets.append(i)
                names.append(n)
    others = [n for n in names if n not in first.target_names]
    message = first.message
    if others:
        message += " The same holds for " + ", ".join(f"'{n}'" for n in others) + "."
    worst = max(group, key=lambda t: (level_rank(t.severity.level), t.severity.score))
    return replace(first, id=make_id(first.rule.id, tuple(targets)), targets=tuple(targets),
                   target_names=tuple(names), message=message, severity=worst.severity)


def _grouped(threats: Sequence[Threat], key: Callable[[Threat], Hashable],
             make_id: Callable[[str, tuple[str, ...]], str]) -> list[Threat]:
    groups: dict[Hashable, list[Threat]] = {}
    for t in threats:
        groups.setdefault(key(t), []).append(t)
    return [_merge(g, make_id) for g in groups.values()]


def merge_pools(threats: Sequence[Threat], model: Model, make_id: Callable[[str, tuple[str, ...]], str]) -> list[Threat]:
    pools = element_pools(model)
    if not pools:
        return list(threats)
    flows = _flow_pools(model, pools)

    def canonical(t: Threat) -> Hashable:
        shape: tuple[Hashable, ...] = tuple(pools.get(x) or flows.get(x) or x for x in t.targets)
        return (t.rule.id, *shape)

    return _grouped(threats, canonical, make_id)


def merge_groups(threats: Sequence[Threat], make_id: Callable[[str, tuple[str, ...]], str]) -> list[Threat]:
    def key(t: Threat) -> Hashable:
        variable = t.rule.group_by
        if variable is None:
            return ("own", t.id)
        head = [a.name for a in t.rule.rule.head.args]  # type: ignore[union-attr]
        return ("group", t.rule.id, t.targets[head.index(variable)])

    return _grouped(threats, key, make_id)


def apply_supersedes(threats: Sequence[Threat]) -> list[Threat]:
    """Drop findings superseded by a more specific rule's finding on a shared target."""
    by_target: dict[tuple[str, str], list[Threat]] = defaultdict(list)
    for t in threats:
        for x in t.targets:
            by_target[(t.rule.id, x)].append(t)
    dropped: dict[str, list[Threat]] = defaultdict(list)  # winner id -> findings it replaces
    gone: set[str] = set()
    for t in threats:
        for generic in t.rule.supersedes:
            for x in t.targets:
                for other in by_target.get((generic, x), []):
                    if other.id not in gone:
                        gone.add(other.id)
                        dropped[t.id].append(other)
    out: list[Threat] = []
    for t in threats:
        if t.id in gone:
            continue
        replaced = tuple(sorted({(o.rule.id, o.id) for o in dropped.get(t.id, [])}))
        out.append(replace(t, superseded=replaced) if replaced else t)
    return out
