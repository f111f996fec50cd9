"""The one immutable Result of an analysis, which every renderer reads and none changes."""

from __future__ import annotations

from collections.abc import Mapping

from ._errors import Diagnostic, SourceSpan
from .kb.enrich import Enrichment, MitreChain
from .logic.language.ast import Rule
from .logic.provenance import ProofNode
from .model.schema import ManualThreat, Model, Suppression
from .records import field, record
from .severity import SeverityBreakdown, level_rank
from .typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from .paths.result import AttackPaths

__all__ = ["RuleInfo", "Corroboration", "Threat", "Result", "RESULT_FORMAT_VERSION", "ThreatState", "AbsentThreat", "Gate",
           "RunTracking"]

RESULT_FORMAT_VERSION = "2.0"


@record(frozen=True)
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
    rule: Rule | None  # None for a hand-written threat (## Threats): the model line is its source
    source: SourceSpan | None = None
    supersedes: tuple[str, ...] = ()  # generic rules whose findings on the same target this one replaces
    data_impact: str = "no"  # "yes": the threat is about its targets' data; "no"; or the body variable bound to that data
    mitigated_by: tuple[str, ...] = ()  # model flags that, on a target, lower likelihood one step
    likelihood_down: str | None = None  # body variable bound to a reason that lowers likelihood one step, or ""
    impact_down: str | None = None  # body variable bound to a reason that lowers impact one step, or ""
    group_by: str | None = None  # head variable: findings that share its value are one finding
    no_mitre: tuple[tuple[str, str], ...] = ()  # ("capec", why no CAPEC id applies), ...

    @property
    def span(self) -> SourceSpan:
        if self.rule is not None:
            return self.rule.span
        assert self.source is not None, "a hand-written threat keeps its model line"
        return self.source


@record(frozen=True)
class Corroboration:
    """A finding of an imported threat library (the pytm pack) merged into a built-in threat
    about the same thing (tmlogic.merge): the library's rule and its own proof."""

    rule_id: str
    title: str
    threat_id: str  # the id the library finding would have had on its own
    location: SourceSpan
    proof: ProofNode
    target_names: tuple[str, ...] = ()


@record(frozen=True)
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
    manual: ManualThreat | None = None  # written in the model (## Threats), not derived by a rule
    superseded: tuple[tuple[str, str], ...] = ()  # (rule id, threat id) of generic findings this one replaced
    corroborated_by: tuple[Corroboration, ...] = ()  # library findings merged into this one (tmlogic.merge)

    def sort_key(self) -> tuple[int, float, str, tuple[str, ...]]:
        return (-level_rank(self.severity.level), -self.severity.score, self.rule.id, self.targets)


@record(frozen=True)
class ThreatState:
    """Where one threat stands in CI: against the baseline, in the risk file, at the gate."""

    baseline: str | None = None  # "new", "unchanged" or "updated" (level or score moved); None: no baseline
    previous_level: str | None = None  # in the baseline, when updated
    previous_score: float | None = None
    risk: str | None = None  # what the deciding risk entry does: accepted, mitigated, false-positive,
    #                          in-progress, or expired (its deadline passed)
    risk_entry: SourceSpan | None = None
    risk_expires: str | None = None  # YYYY-MM-DD
    fails: str | None = None  # why it fails the build (untracked, new, worse, expired, in-progress, hard-fail)


@record(frozen=True)
class AbsentThreat:
    """A threat of the baseline that this run no longer finds (resolved; SARIF's "absent")."""

    id: str
    rule_id: str
    title: str
    level: str
    score: float
    message: str
    targets: tuple[tuple[str, str], ...]  # (id, name)
    location: SourceSpan


@record(frozen=True)
class Gate:
    """What fails the build: --fail-on LEVEL, --fail-new-only, and the hard-fail rules."""

    fail_on: str  # a level, or "none"
    new_only: bool = False
    hard_fail: tuple[str, ...] = ()  # rule ids


@record(frozen=True)
class RunTracking:
    """The CI context of a run, for the renderers: baseline, risk file, gate, each threat's state."""

    baseline: str | None  # what the run was compared with (None: no baseline)
    risk_file: str | None  # the risk file read (None: none)
    gate: Gate | None
    states: Mapping[str, ThreatState]  # threat id -> state
    absent: tuple[AbsentThreat, ...] = ()  # in the baseline, gone now

    def state(self, threat_id: str) -> ThreatState:
        return self.states.get(threat_id, ThreatState())


@record(frozen=True)
class Result:
    model: Model
    threats: tuple[Threat, ...]  # sorted: worst first, then rule id, then targets
    rules: tuple[RuleInfo, ...]  # every threat rule that was evaluated
    warnings: tuple[Diagnostic, ...]
    fact_count: int
    engine: str
    kb_versions: Mapping[str, str] = field(default_factory=dict)  # versions of the MITRE data behind `mitre`, by name
    tracking: RunTracking | None = None  # set by tracking.track() for CI runs (baseline, risk file, gate)
    paths: AttackPaths | None = None  # attack paths and choke points, when asked for (tmlogic.paths)

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
