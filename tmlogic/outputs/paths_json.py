"""The `paths` section of the JSON result (schema tmlogic-result-2.0): goals, paths, the steps
they are made of (each condition's proof an index into the shared proof table) and the choke points."""

from __future__ import annotations

from ..kb.loader import load_kb
from ..logic.provenance import ProofNode
from ..model.schema import Model
from ..paths.changes import ModelChange, Wording
from ..paths.result import AttackPath, AttackPaths, Cut, PathStep
from ..typing_runtime import Any, Callable

__all__ = ["paths_to_dict"]


def _change(change: ModelChange, words: Wording) -> dict[str, Any]:
    return {**change.to_dict(), "text": words(change)}


def _cut(cut: Cut, words: Wording) -> dict[str, Any]:
    return {"scope": list(cut.scope), "status": cut.status, "changes": [_change(c, words) for c in cut.changes],
            "cost": cut.cost, "exact": cut.exact, "lower_bound": cut.lower_bound, "removes": list(cut.removes)}


AddProof = Callable[[ProofNode], int]
"""Adds a proof to the result's shared proof table and returns its node index."""


def _step(step: PathStep, words: Wording, technique_name: Any, add_proof: AddProof) -> dict[str, Any]:
    rule = step.rule
    conditions = []
    for c in step.conditions:
        out: dict[str, Any] = {"fact": c.fact}
        if c.threat:
            out["threat"] = c.threat
        if c.proof is not None:
            out["proof"] = add_proof(c.proof)
        conditions.append(out)
    return {
        "rule": {"id": rule.id, "title": rule.title, "kind": rule.kind, "text": rule.rule.text,
                 "file": rule.rule.span.path, "line": rule.rule.span.line, "column": rule.rule.span.col},
        "state": step.state, "shows": step.shows, "sources": list(step.sources), "message": step.message,
        "likelihood": step.likelihood, "probability": step.probability,
        "techniques": [{"id": t, "name": technique_name(t) or ""} for t in rule.techniques],
        "bindings": dict(step.bindings), "conditions": conditions, "absent": list(step.absent),
        "constraints": list(step.constraints), "threats": list(step.threats), "elements": list(step.elements),
        "flows": list(step.flows),
        "stopped_by": [[_change(c, words) for c in control] for control in step.stopped_by],
    }


def _path(p: AttackPath, names: dict[str, str]) -> dict[str, Any]:
    return {"id": p.id, "goal": p.goal, "rank": p.rank, "likelihood": p.likelihood,
            "probability": round(p.probability, 6), "length": p.length,
            "entry": {"id": p.entry, "name": names.get(p.entry, p.entry)}, "profile": p.profile,
            "spine": list(p.spine), "steps": list(p.steps), "needs": {s: list(n) for s, n in p.needs},
            "elements": list(p.elements), "flows": list(p.flows), "techniques": list(p.techniques)}


def paths_to_dict(paths: AttackPaths, model: Model, add_proof: AddProof) -> dict[str, Any]:
    words = Wording(model)
    names = words.names
    kb = load_kb()
    classes = {d.id: d.classification for m in model.all_models() for d in m.data}
    comparison = paths.comparison
    return {
        "k": paths.k,
        "attackers": [{"id": e, "name": names.get(e, e), "profile": p} for e, p in paths.attackers],
        "graph": {"states": paths.states, "steps": paths.firings},
        "goals": [{"id": g.goal, "name": g.name,
                   "data": [{"id": d, "name": names.get(d, d), "classification": classes.get(d, "unknown")} for d in g.data],
                   "marked": g.marked, "reachable": g.reachable, "paths": [p.id for p in g.paths],
                   "choke_points": _cut(g.cut, words), "known_choke_points": _cut(g.known_cut, words)}
                  for g in paths.goals],
        "paths": [_path(p, names) for g in paths.goals for p in g.paths],
        "steps": {sid: _step(s, words, lambda t: kb.name("technique", t), add_proof) for sid, s in paths.steps.items()},
        "all_goals": _cut(paths.all_goals, words),
        "all_goals_known": _cut(paths.all_goals_known, words),
        "top_controls": [{"changes": [_change(c, words) for c in control], "paths": list(ids)}
                         for control, ids in paths.top_controls],
        "notes": list(paths.notes),
        "comparison": None if comparison is None else {
            "baseline": comparison.baseline, "new_paths": list(comparison.new_paths),
            "newly_reachable": list(comparison.newly_reachable),
            "no_longer_reachable": list(comparison.no_longer_reachable)},
    }
