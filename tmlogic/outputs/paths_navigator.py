"""ATT&CK Navigator layer (format 4.5) of the attack paths: each technique that a listed path's
steps use, scored by how many paths use it (the steps a cut would have to stop most often show
brightest), commented with those paths and the steps behind them."""

from __future__ import annotations

import json
from collections import defaultdict

from ..result import Result
from ..kb.loader import load_kb
from ..typing_runtime import Any
from .navigator import LAYER_VERSION, NAVIGATOR_VERSION

__all__ = ["paths_layer", "render_paths_navigator"]

_COMMENT_LIMIT = 20


def paths_layer(result: Result) -> dict[str, Any]:
    paths = result.paths
    assert paths is not None, "the paths layer needs a Result with paths"
    names = result.model.names()
    used: dict[str, list[str]] = defaultdict(list)  # technique -> path ids
    rules: dict[str, set[str]] = defaultdict(set)
    listed = [p for g in paths.goals for p in g.paths]
    for p in listed:
        for sid in p.steps:
            step = paths.steps[sid]
            for t in step.rule.techniques:
                if p.id not in used[t]:
                    used[t].append(p.id)
                rules[t].add(step.rule.id)
    top = max((len(v) for v in used.values()), default=1)
    techniques = []
    for tid in sorted(used):
        ids = used[tid]
        lines = [f"{pid} to '{names.get(pp.goal, pp.goal)}' ({pp.likelihood})"
                 for pid in ids[:_COMMENT_LIMIT] for pp in [paths.path(pid)] if pp is not None]
        if len(ids) > _COMMENT_LIMIT:
            lines.append(f"... and {len(ids) - _COMMENT_LIMIT} more")
        techniques.append({
            "techniqueID": tid, "score": len(ids),
            "comment": f"used by {len(ids)} of {len(listed)} attack paths:\n" + "\n".join(lines),
            "enabled": True,
            "metadata": [{"name": "paths", "value": ", ".join(ids)},
                         {"name": "steps", "value": ", ".join(sorted(rules[tid]))}],
            "showSubtechniques": False,
        })
    title = result.model.title or result.model.path
    versions: dict[str, str] = {"navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION}
    attack = result.kb_versions.get("attack") or load_kb().versions().get("attack")
    if attack:
        versions = {"attack": attack.split(".")[0], **versions}
    return {
        "name": f"tmlogic attack paths: {title}",
        "versions": versions,
        "domain": "enterprise-attack",
        "description": f"ATT&CK techniques on the {len(listed)} most likely attack paths tmlogic found in {title} "
                       f"(up to {paths.k} per goal); score = number of those paths that use the technique.",
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True, "showAggregateScores": True,
                   "countUnscored": False, "aggregateFunction": "max", "expandedSubtechniques": "annotated"},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffffff", "#ffb366", "#e60000"], "minValue": 0, "maxValue": top},
        "legendItems": [],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [{"name": "model", "value": title},
                     {"name": "attack paths", "value": str(len(listed))},
                     {"name": "goals reached", "value": str(sum(1 for g in paths.goals if g.paths))}],
    }


def render_paths_navigator(result: Result) -> str:
    return json.dumps(paths_layer(result), indent=2, ensure_ascii=False) + "\n"
