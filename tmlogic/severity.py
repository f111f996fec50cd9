"""Explainable severity: impact x likelihood -> 0-10 score -> level, with every step recorded.

A rule states its impact and likelihood (or just a severity, read as that impact at
"likely"). The model then moves them: secret data raises impact and public-only data
lowers it; being marked internet-facing raises likelihood and being out of reach of every
untrusted zone lowers it. The model's severity multipliers scale the score last.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LEVELS",
    "LIKELIHOODS",
    "Adjustment",
    "Override",
    "SeverityBreakdown",
    "ModelContext",
    "score_threat",
    "stated_severity",
    "level_rank",
    "base_level",
]

LEVELS = ("low", "medium", "elevated", "high", "critical")
LIKELIHOODS = ("unlikely", "likely", "very-likely", "frequent")

# Base score of each impact level at "likely": a rule that says `severity: high` and meets a
# neutral model scores 8.0, which is "high" again.
_IMPACT_SCORE = {"low": 2.0, "medium": 4.0, "elevated": 6.0, "high": 8.0, "critical": 9.5}
_LIKELIHOOD_FACTOR = {"unlikely": 0.75, "likely": 1.0, "very-likely": 1.15, "frequent": 1.25}
_THRESHOLDS = ((9.0, "critical"), (7.0, "high"), (5.0, "elevated"), (3.0, "medium"))


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def _level_for(score: float) -> str:
    for threshold, level in _THRESHOLDS:
        if score >= threshold:
            return level
    return "low"


@dataclass(frozen=True)
class Adjustment:
    factor: str  # "impact" or "likelihood"
    steps: int  # +1 / -1
    reason: str


def base_level(impact: str, likelihood: str) -> str:
    """A rule's own level: its impact at its likelihood, before anything the model says."""
    return _level_for(_IMPACT_SCORE[impact] * _LIKELIHOOD_FACTOR[likelihood])


@dataclass(frozen=True)
class Override:
    """The project's severity for a rule (`.tmlogic.yaml`), which replaced the rule's own
    impact and likelihood before the model's adjustments."""

    rule_impact: str  # what the rule says
    rule_likelihood: str
    level: str  # what the project says (read as that impact at "likely")
    reason: str
    source: str  # file:line of the override


@dataclass(frozen=True)
class SeverityBreakdown:
    rule_impact: str
    rule_likelihood: str
    adjustments: tuple[Adjustment, ...]
    impact: str
    likelihood: str
    base_score: float
    multiplier: float
    score: float
    level: str
    override: Override | None = None  # set when the project overrides the rule's severity


@dataclass(frozen=True)
class ModelContext:
    """What severity needs to know about the targets, gathered once per analysis."""

    data_rank: dict[str, int]  # target id -> highest classification rank of data it touches (-1: none)
    exposed: frozenset[str]  # targets the model marks internet-facing (and flows touching them)
    reachable: frozenset[str]  # targets on, or reachable from, the untrusted side (any hops)
    multipliers: dict[str, float]  # element id -> factor
    endpoints: dict[str, tuple[str, str]]  # flow id -> (source, target)


def _step(scale: tuple[str, ...], value: str, steps: int) -> str:
    return scale[max(0, min(len(scale) - 1, scale.index(value) + steps))]


def score_threat(impact: str, likelihood: str, targets: tuple[str, ...], ctx: ModelContext) -> SeverityBreakdown:
    adjustments: list[Adjustment] = []
    ranks = [ctx.data_rank.get(t, -1) for t in targets]
    top = max(ranks, default=-1)
    if top >= 4:
        adjustments.append(Adjustment("impact", +1, "secret or top-secret data is involved"))
    elif top == 0:
        adjustments.append(Adjustment("impact", -1, "only public data is involved"))
    if any(t in ctx.exposed for t in targets):
        adjustments.append(Adjustment("likelihood", +1, "the model marks it internet-facing"))
    elif not any(t in ctx.reachable or t in ctx.exposed for t in targets):
        adjustments.append(Adjustment("likelihood", -1, "not reachable from any untrusted zone"))

    final_impact = impact
    final_likelihood = likelihood
    for a in adjustments:
        if a.factor == "impact":
            final_impact = _step(LEVELS, final_impact, a.steps)
        else:
            final_likelihood = _step(LIKELIHOODS, final_likelihood, a.steps)

    involved: list[str] = []
    for t in targets:
        involved.append(t)
        involved.extend(ctx.endpoints.get(t, ()))
    multiplier = max((ctx.multipliers[e] for e in involved if e in ctx.multipliers), default=1.0)
    base = _IMPACT_SCORE[final_impact] * _LIKELIHOOD_FACTOR[final_likelihood]
    score = round(min(10.0, base * multiplier), 1)
    return SeverityBreakdown(
        rule_impact=impact,
        rule_likelihood=likelihood,
        adjustments=tuple(adjustments),
        impact=final_impact,
        likelihood=final_likelihood,
        base_score=round(base, 2),
        multiplier=multiplier,
        score=score,
        level=_level_for(score),
    )


def stated_severity(impact: str, likelihood: str) -> SeverityBreakdown:
    """A severity a person stated (a hand-written threat): scored on the same scale, never adjusted."""
    base = _IMPACT_SCORE[impact] * _LIKELIHOOD_FACTOR[likelihood]
    score = round(min(10.0, base), 1)
    return SeverityBreakdown(impact, likelihood, (), impact, likelihood, round(base, 2), 1.0, score, _level_for(score))
