"""Hand-written threats (## Threats) as Threats of the Result, next to the derived ones.

A person's threat has no rule and no derivation: its rule id is MANUAL, its severity is the one
written (scored on the same scale, never adjusted by the model), and its proof is one input
fact, `manual_threat(threat, target)`, whose source is the model line that states it. A status
other than open marks it the way an acceptance does, so it stays in every report and no longer
counts for --fail-on. Its id hashes MANUAL, its key (`id=`, else the slug of its name) and its
target, so risk files and baselines follow it across unrelated edits.
"""

from __future__ import annotations

from .logic.provenance import ProofNode
from .model.schema import ManualThreat, Model, Suppression
from .result import RuleInfo, Threat
from .severity import stated_severity

__all__ = ["MANUAL_RULE_ID", "manual_threats"]

MANUAL_RULE_ID = "MANUAL"
_STATUS_REASON = {"mitigated": "mitigated", "accepted": "accepted", "not-applicable": "not applicable"}


def _info(m: ManualThreat) -> RuleInfo:
    return RuleInfo(
        id=MANUAL_RULE_ID, title=m.name, stride=m.stride, severity=m.severity, impact=m.severity,
        likelihood=m.likelihood, confidence="high", message=m.description or m.name,
        mitigation=m.mitigation or "", capec=m.capec, cwe=m.cwe, attack=(), references=(),
        tags=("manual",), description=m.description, rule=None, source=m.span,
    )


def manual_threats(model: Model) -> list[Threat]:
    from .analysis import threat_id

    names = model.names()
    out: list[Threat] = []
    for sub in model.all_models():
        for m in sub.threats:
            tid = threat_id(MANUAL_RULE_ID, (m.key, m.target))
            proof = ProofNode("manual_threat", (m.name, m.target), 0, origin=m.span)
            suppression = None
            if m.status != "open":
                reason = f"{_STATUS_REASON[m.status]} in the model" + (f": {m.mitigation}" if m.mitigation else "")
                suppression = Suppression(MANUAL_RULE_ID, m.target, reason, m.span)
            out.append(Threat(
                id=tid, rule=_info(m), targets=(m.target,), target_names=(names.get(m.target, m.target),),
                message=m.description or m.name, severity=stated_severity(m.severity, m.likelihood),
                location=m.span, proof=proof, suppression=suppression, manual=m,
            ))
    return out
