"""The attack-paths panel of the HTML report: per goal, its ranked paths with every step (its
proof down to the model lines, what removes it) and the choke points; the script draws a
selected path on the diagram from the element and flow ids given here."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from ..result import Result
from ..typing_runtime import TYPE_CHECKING, Any
from .paths_summary import paths_view

if TYPE_CHECKING:
    from ..logic.provenance import ProofNode

__all__ = ["paths_panel"]


def paths_panel(result: Result, proof: Callable[[ProofNode], list[SimpleNamespace]],
                owner: dict[str, int]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The template's `paths` context (None without paths) and the script's `paths` data."""
    paths = result.paths
    view = paths_view(result)
    if paths is None or view is None:
        return None, {}
    from ..paths.changes import Wording  # only for a Result with paths

    words = Wording(result.model)
    goals = []
    script: dict[str, Any] = {}
    for row, g in zip(view.goals, paths.goals):
        listed = []
        for p in g.paths:
            spine = set(p.spine)
            steps = []
            for n, sid in enumerate(p.steps, start=1):
                s = paths.steps[sid]
                steps.append({
                    "n": n, "s": s, "side": sid not in spine,
                    "conditions": [{"fact": c.fact, "threat": c.threat,
                                    "proof": proof(c.proof) if c.proof is not None else None} for c in s.conditions],
                    "stopped_by": ["; ".join(words(c) for c in control) for control in s.stopped_by],
                })
            items = list(p.elements) + list(p.flows)
            views = sorted({owner.get(i, 0) for i in items}) or [0]
            script[p.id] = {"ids": items, "view": views[0], "entry": p.entry, "goal": p.goal}
            listed.append({"p": p, "entry": words.names.get(p.entry, p.entry), "steps": steps})
        goals.append({"row": row, "g": g, "paths": listed})
    context = {"view": view, "goals": goals, "notes": list(paths.notes), "k": paths.k}
    return context, script
