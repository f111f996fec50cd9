"""ATT&CK Navigator layer (layer format 4.5, enterprise-attack): a heat map of the techniques
that the model's threats reach, for detection engineers.

Each technique is scored by the worst (highest) severity score, 0-10, of the active threats
that reach it, coloured like the HTML report by that threat's level, and commented with the
threats. Techniques come from each threat's MITRE chain (`Threat.chain`: the rule's `attack`
metadata merged with the knowledge-base enrichment). Accepted threats do not count. The ATT&CK version is the knowledge base's, when known.
"""

from __future__ import annotations

from collections import defaultdict

from ..diagram.palette import SEVERITY_COLOURS
from ..result import Result, Threat
from ..severity import LEVELS, level_rank
from ..typing_runtime import Any
from .indented_json import dumps_indented

__all__ = ["LAYER_VERSION", "NAVIGATOR_VERSION", "navigator_layer", "render_navigator"]

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.2.0"
_COMMENT_LIMIT = 20


def _technique(tid: str, threats: list[Threat]) -> dict[str, Any]:
    threats = sorted(threats, key=Threat.sort_key)
    worst = threats[0]
    lines = [f"{t.id} {t.severity.level} {t.severity.score:.1f} {t.rule.id}: {t.message}" for t in threats[:_COMMENT_LIMIT]]
    if len(threats) > _COMMENT_LIMIT:
        lines.append(f"... and {len(threats) - _COMMENT_LIMIT} more")
    return {
        "techniqueID": tid,
        "score": worst.severity.score,
        "color": SEVERITY_COLOURS[worst.severity.level],
        "comment": f"{len(threats)} threat{'' if len(threats) == 1 else 's'}, worst {worst.severity.level}:\n"
                   + "\n".join(lines),
        "enabled": True,
        "metadata": [{"name": "worst severity", "value": worst.severity.level},
                     {"name": "threats", "value": ", ".join(t.id for t in threats)},
                     {"name": "rules", "value": ", ".join(sorted({t.rule.id for t in threats}))}],
        "showSubtechniques": False,
    }


def navigator_layer(result: Result) -> dict[str, Any]:
    reached: dict[str, list[Threat]] = defaultdict(list)
    for t in result.active:
        for ref in t.chain.techniques:
            reached[ref.id].append(t)
    title = result.model.title or result.model.path
    versions: dict[str, str] = {"navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION}
    attack = result.kb_versions.get("attack")
    if attack:
        versions = {"attack": attack.split(".")[0], **versions}
    techniques = [_technique(tid, reached[tid]) for tid in sorted(reached)]
    present = sorted({t.severity.level for ts in reached.values() for t in ts}, key=level_rank, reverse=True)
    return {
        "name": f"tmlogic: {title}",
        "versions": versions,
        "domain": "enterprise-attack",
        "description": f"ATT&CK techniques reached by the threats tmlogic derived from {title}; "
                       "score = worst severity score (0-10) of those threats.",
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True, "showAggregateScores": True,
                   "countUnscored": False, "aggregateFunction": "max", "expandedSubtechniques": "annotated"},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffffff", SEVERITY_COLOURS["medium"], SEVERITY_COLOURS["high"],
                                SEVERITY_COLOURS["critical"]],
                     "minValue": 0, "maxValue": 10},
        "legendItems": [{"label": f"worst threat: {level}", "color": SEVERITY_COLOURS[level]}
                        for level in (present or list(reversed(LEVELS)))],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
        "metadata": [{"name": "model", "value": title},
                     {"name": "threats", "value": str(len(result.active))},
                     {"name": "techniques reached", "value": str(len(techniques))}],
    }


def render_navigator(result: Result) -> str:
    return dumps_indented(navigator_layer(result)) + "\n"
