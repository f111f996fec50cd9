"""Explainable severity: impact x likelihood -> level and 0-10 score, with every step recorded.

A rule states its impact and likelihood (or just a severity, read as that impact at
"likely"). The model then moves them, each move recorded with its reason:

- impact, for asset value, at most one step up: the data the threat is about is secret (or
  rated high integrity, for tampering), the element is rated critical for the property at
  stake, or the model gives it a severity multiplier; a multiplier alone never makes impact
  critical. Disclosure of public data only steps impact down; for disclosure, a confidentiality
  rating stated on the data (low, medium) outweighs its classification. Data counts only for rules
  whose metadata says the threat is about that data (`data-impact`).
- likelihood: up one step when the target is reached directly from the untrusted side, down
  one when it is reached only from trusted zones or only through authenticated hops; down one
  when the model records a mitigation the rule names (`mitigated-by`); down one for a rule of
  low confidence.
- a rule may bind a reason for one step down in its body (`likelihood-down`, `impact-down`):
  what the model says that makes this finding less likely or less damaging than the rule's
  rating (an unstated flag rather than a stated False, a proximity-only protocol, ...).

The level comes from a fixed matrix (critical needs high impact that is at least very likely)
and the score from the same cell, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Mapping

from .records import field, record

__all__ = [
    "LEVELS",
    "LIKELIHOODS",
    "Adjustment",
    "Override",
    "SeverityBreakdown",
    "RuleSeverity",
    "TargetFacts",
    "DataFacts",
    "ModelContext",
    "score_threat",
    "stated_severity",
    "cell_score",
    "level_for",
    "level_rank",
    "base_level",
]

LEVELS = ("low", "medium", "elevated", "high", "critical")
LIKELIHOODS = ("unlikely", "likely", "very-likely", "frequent")

# Score of each impact (row) at each likelihood (column); the level is read from the score
# with _THRESHOLDS. Reading across a row moves at most one level per step, and critical needs
# high impact at "frequent" or critical impact at "very-likely" or above.
_SCORES = {
    "low": (1.5, 2.5, 3.5, 4.0),
    "medium": (2.8, 4.0, 5.2, 5.8),
    "elevated": (4.5, 6.0, 7.0, 7.6),
    "high": (6.2, 7.8, 8.6, 9.2),
    "critical": (7.5, 8.8, 9.4, 10.0),
}
_THRESHOLDS = ((9.0, "critical"), (7.0, "high"), (5.0, "elevated"), (3.0, "medium"))
# A severity multiplier at or above this factor raises impact one step (asset value); at or
# below the inverse it lowers it one step.
MULTIPLIER_STEP = 1.25


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def level_for(score: float) -> str:
    for threshold, level in _THRESHOLDS:
        if score >= threshold:
            return level
    return "low"


def cell_score(impact: str, likelihood: str) -> float:
    return _SCORES[impact][LIKELIHOODS.index(likelihood)]


@record(frozen=True)
class Adjustment:
    factor: str  # "impact" or "likelihood"
    steps: int  # +1 / -1, or 0 for a reason that applied but was not counted (one step at most)
    reason: str


def base_level(impact: str, likelihood: str) -> str:
    """A rule's own level: its impact at its likelihood, before anything the model says."""
    return level_for(cell_score(impact, likelihood))


@record(frozen=True)
class Override:
    """The project's severity for a rule (`.tmlogic.yaml`), which replaced the rule's own
    impact and likelihood before the model's adjustments."""

    rule_impact: str  # what the rule says
    rule_likelihood: str
    level: str  # what the project says (read as that impact at "likely")
    reason: str
    source: str  # file:line of the override


@record(frozen=True)
class SeverityBreakdown:
    rule_impact: str
    rule_likelihood: str
    adjustments: tuple[Adjustment, ...]
    impact: str
    likelihood: str
    base_score: float  # the matrix cell of the final impact and likelihood
    multiplier: float  # the model's severity multiplier that applied (1.0: none); it moves impact, never the score
    score: float
    level: str
    override: Override | None = None  # set when the project overrides the rule's severity


@record(frozen=True)
class RuleSeverity:
    """What severity needs from a rule's metadata."""

    impact: str
    likelihood: str
    confidence: str = "medium"
    stride: str = ""
    data_impact: bool = False  # the threat is about the data of its targets (or of `data`)
    mitigated_by: tuple[str, ...] = ()  # flags that, set on a target element, lower likelihood


@record(frozen=True)
class TargetFacts:
    """What the model says about one target (element, flow, boundary or data asset)."""

    kind: str  # element | flow | boundary | data
    name: str
    data: tuple[str, ...] = ()  # data assets it carries, holds or handles
    direct: str | None = None  # why it is reached directly from the untrusted side, if it is
    reachable: bool = False  # some path from the untrusted side reaches it
    unauthenticated: bool = False  # some path from the untrusted side reaches it with no authenticated hop
    ratings: Mapping[str, str] = field(default_factory=dict)  # confidentiality / integrity / availability
    flags: frozenset[str] = frozenset()  # keys set True, or set to a kind other than none
    elements: tuple[str, ...] = ()  # element ids involved (itself, or a flow's endpoints)
    kinds: Mapping[str, str] = field(default_factory=dict)  # the keys among `flags` set to a kind (authorization=rbac)


@record(frozen=True)
class DataFacts:
    name: str
    rank: int  # classification rank: public 0, unknown 1 .. top-secret 5
    ratings: Mapping[str, str]  # confidentiality / integrity / availability -> low..critical
    credential: bool = False  # a secret that authenticates: its theft is a spoofing threat, judged by those rules


@record(frozen=True)
class ModelContext:
    """What severity needs to know about the model, gathered once per analysis."""

    targets: Mapping[str, TargetFacts]
    data: Mapping[str, DataFacts]
    multipliers: Mapping[str, float]  # element id -> factor
    names: Mapping[str, str]  # id -> display name


_STRIDE_RATING = {"InformationDisclosure": "confidentiality", "Tampering": "integrity", "DenialOfService": "availability"}
_HIGH = ("high", "critical")
_MODEST = ("low", "medium")  # confidentiality ratings below high


def _step(scale: tuple[str, ...], value: str, steps: int, top: str | None = None) -> str:
    limit = scale.index(top) if top is not None else len(scale) - 1
    index = scale.index(value)
    return scale[max(0, min(max(limit, index), index + steps))]


def _asset_value(rule: RuleSeverity, targets: list[TargetFacts], data: list[DataFacts],
                 ctx: ModelContext) -> tuple[list[Adjustment], float, bool]:
    """Impact adjustments for asset value (at most one step up), and the multiplier that applied.

    Returns (adjustments, multiplier, multiplier_only): multiplier_only says the one step up
    comes from the multiplier alone (which may not make impact critical)."""
    reasons: list[str] = []
    down: str | None = None
    if rule.data_impact and data:
        if rule.stride == "Tampering":
            rated = [d for d in data if d.ratings.get("integrity") in _HIGH]
            if rated:
                d = max(rated, key=lambda d: _HIGH.index(d.ratings["integrity"]))
                reasons.append(f"data '{d.name}' is rated integrity={d.ratings['integrity']}")
        # For disclosure, a confidentiality rating stated on the data is the owner's own measure of
        # what its exposure costs: a secret asset rated confidentiality=low or medium raises nothing.
        valued = [d for d in data if not (rule.stride == "InformationDisclosure"
                                          and d.ratings.get("confidentiality") in _MODEST)]
        top = max(data, key=lambda d: d.rank)
        top_valued = max(valued, key=lambda d: d.rank) if valued else None
        if top_valued is not None and top_valued.rank >= 4:
            reasons.append(f"{'top-secret' if top_valued.rank == 5 else 'secret'} data '{top_valued.name}' is involved")
        elif rule.stride == "InformationDisclosure" and top.rank == 0:
            down = "only public data is involved"
        elif rule.stride == "InformationDisclosure" and all(d.ratings.get("confidentiality") == "low" for d in data):
            down = f"data '{top.name}' is rated confidentiality=low"
        if rule.stride == "InformationDisclosure" and not reasons and top.rank != 0:
            rated = [d for d in data if d.ratings.get("confidentiality") == "critical"]
            if rated:
                reasons.append(f"data '{rated[0].name}' is rated confidentiality=critical")
    rating_key = _STRIDE_RATING.get(rule.stride)
    if rating_key is not None and (rule.data_impact or rule.stride == "DenialOfService"):
        for t in targets:
            if t.ratings.get(rating_key) == "critical":
                reasons.append(f"'{t.name}' is rated {rating_key}=critical")
                break
    # The asset whose value counts: the threatened element, or both ends of a threatened flow;
    # for a threat about data, the data decides for a flow, not the value of the hosts it joins.
    involved = [e for t in targets for e in t.elements if not (rule.data_impact and t.kind == "flow")]
    factors = [(ctx.multipliers[e], e) for e in involved if e in ctx.multipliers]
    multiplier = 1.0
    multiplier_only = False
    if factors:
        multiplier, owner = max(factors)
        if multiplier >= MULTIPLIER_STEP:
            multiplier_only = not reasons
            reasons.append(f"the model rates '{ctx.names.get(owner, owner)}' as a valuable asset (multiplier x{multiplier:g})")
        elif multiplier <= 1 / MULTIPLIER_STEP and not reasons:
            down = down or f"the model rates '{ctx.names.get(owner, owner)}' as a low-value asset (multiplier x{multiplier:g})"
    out = [Adjustment("impact", +1 if i == 0 else 0,
                      r if i == 0 else f"{r} (not counted: asset value moves impact one step at most)")
           for i, r in enumerate(reasons)]
    if not reasons and down is not None:
        out.append(Adjustment("impact", -1, down))
    return out, multiplier, multiplier_only


def _exposure(rule: RuleSeverity, targets: list[TargetFacts]) -> list[Adjustment]:
    out: list[Adjustment] = []
    direct = next((t.direct for t in targets if t.direct), None)
    if direct is not None:
        out.append(Adjustment("likelihood", +1, direct))
    elif not any(t.reachable for t in targets):
        out.append(Adjustment("likelihood", -1, "reached only from trusted zones"))
    elif not any(t.unauthenticated for t in targets):
        out.append(Adjustment("likelihood", -1, "every path from the untrusted side to it authenticates"))
    for flag in rule.mitigated_by:
        owner = next((t for t in targets if flag in t.flags), None)
        if owner is not None:
            value = owner.kinds.get(flag, "True")
            out.append(Adjustment("likelihood", -1, f"'{owner.name}' says {flag}={value}"))
            break
    if rule.confidence == "low":
        out.append(Adjustment("likelihood", -1, "the rule's confidence is low"))
    return out


def score_threat(rule: RuleSeverity, targets: tuple[str, ...], ctx: ModelContext,
                 data: tuple[str, ...] | None = None, lowered: Mapping[str, str] | None = None) -> SeverityBreakdown:
    """Score one threat. `data` names the data assets the threat is about when the rule binds
    them (its `data-impact` variable); by default, the data of its targets. `lowered` maps
    "impact" / "likelihood" to the reason the rule's body bound for one step down
    (`impact-down`, `likelihood-down`)."""
    facts = [ctx.targets[t] for t in targets if t in ctx.targets]
    # By default the data of the targets, credentials aside (what a stolen credential allows is
    # the subject of the spoofing rules); a rule that binds its data names exactly that data.
    if data is None:
        data_facts = [ctx.data[d] for d in dict.fromkeys(d for t in facts for d in t.data)
                      if d in ctx.data and not ctx.data[d].credential]
    else:
        data_facts = [ctx.data[d] for d in dict.fromkeys(data) if d in ctx.data]
    impact_adj, multiplier, multiplier_only = _asset_value(rule, facts, data_facts, ctx)
    lowered = lowered or {}
    if "impact" in lowered:
        impact_adj.append(Adjustment("impact", -1, lowered["impact"]))
    adjustments = impact_adj + _exposure(rule, facts)
    if "likelihood" in lowered:
        adjustments.append(Adjustment("likelihood", -1, lowered["likelihood"]))

    impact = rule.impact
    for a in impact_adj:
        if a.steps:
            impact = _step(LEVELS, impact, a.steps, "high" if multiplier_only and a.steps > 0 else None)
    likelihood = rule.likelihood
    for a in adjustments:
        if a.factor == "likelihood" and a.steps:
            likelihood = _step(LIKELIHOODS, likelihood, a.steps)
    score = cell_score(impact, likelihood)
    return SeverityBreakdown(
        rule_impact=rule.impact,
        rule_likelihood=rule.likelihood,
        adjustments=tuple(adjustments),
        impact=impact,
        likelihood=likelihood,
        base_score=score,
        multiplier=multiplier,
        score=score,
        level=level_for(score),
    )


def stated_severity(impact: str, likelihood: str) -> SeverityBreakdown:
    """A severity a person stated (a hand-written threat): scored on the same matrix, never adjusted."""
    score = cell_score(impact, likelihood)
    return SeverityBreakdown(impact, likelihood, (), impact, likelihood, score, 1.0, score, level_for(score))
