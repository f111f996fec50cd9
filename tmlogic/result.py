"""The one immutable Result of an analysis, which every renderer reads and none changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from collections.abc import Mapping

from ._errors import Diagnostic, SourceSpan
from .kb.enrich import Enrichment, MitreChain
from .logic.language.ast import Rule
from .logic.provenance import ProofNode
from .model.schema import Model, Suppression
from .severity import SeverityBreakdown, level_rank

__all__ = ["RuleInfo", "Threat", "Result", "RESULT_FORMAT_VERSION"]

RESULT_FORMAT_VERSION = "1.0"


@dataclass(frozen=True)
class RuleInfo:
    """A threat rule's metadata, parsed from its `///` block."""

    id: str
    title: str
    stride: str
    severity: str
    impact: str
    likelihood: str
    confidence: str
    message: str
    mitigation: str
    capec: tuple[str, ...]
    cwe: tuple[str, ...]
    attack: tuple[str, ...]
    references: tuple[str, ...]
    tags: tuple[str, ...]
    description: str | None
    rule: Rule

    @property
    def span(self) -> SourceSpan:
        return self.rule.span


@dataclass(frozen=True)
class Threat:
    id: str  # stable: hash of rule id and target ids
    rule: RuleInfo
    targets: tuple[str, ...]  # ids of the elements / flows / boundaries the threat is about
    target_names: tuple[str, ...]
    message: str
    severity: SeverityBreakdown
    location: SourceSpan  # the model line of the first target
    proof: ProofNode
    suppression: Suppression | None = None  # the model accepts this threat; reported, never dropped
    mitre: Enrichment | None = None  # CAPEC -> ATT&CK -> mitigations -> D3FEND, CWE, each link with its "via"
    chain: MitreChain = MitreChain()  # what renderers show: the rule's own ids merged with `mitre`, named

    def sort_key(self) -> tuple[int, float, str, tuple[str, ...]]:
        return (-level_rank(self.severity.level), -self.severity.score, self.rule.id, self.targets)


@dataclass(frozen=True)
class Result:
    model: Model
    threats: tuple[Threat, ...]  # sorted: worst first, then rule id, then targets
    rules: tuple[RuleInfo, ...]  # every threat rule that was evaluated
    warnings: tuple[Diagnostic, ...]
    fact_count: int
    engine: str
    kb_versions: Mapping[str, str] = field(default_factory=dict)  # versions of the MITRE data behind `mitre`, by name

    @property
    def active(self) -> tuple[Threat, ...]:
        """Threats the model does not accept: the ones that count for --fail-on and summaries."""
        return tuple(t for t in self.threats if t.suppression is None)

    def find(self, reference: str) -> list[Threat]:
        """Threats matching an id, a unique id prefix, or `RULE-ID:target-id`."""
        exact = [t for t in self.threats if t.id == reference]
        if exact:
            return exact
        if ":" in reference:
            rule_id, _, target = reference.partition(":")
            return [t for t in self.threats if t.rule.id == rule_id and target in t.targets]
        return [t for t in self.threats if t.id.startswith(reference)]
