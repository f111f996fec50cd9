"""Baselines: compare this run with an earlier one (by stable threat id), and decide which
threats fail the build under `--fail-on` / `--fail-new-only`."""

from __future__ import annotations

from ..model.schema import Suppression
from ..records import field, record, replace
from ..result import Result, Threat
from ..severity import LEVELS, level_rank
from ..typing_runtime import Literal
from .risks import RiskEntry, RiskReview
from .snapshot import ResultSnapshot, ThreatSnapshot, snapshot

__all__ = ["SeverityChange", "Comparison", "Failure", "compare", "fail_threats", "apply_risks"]


@record(frozen=True)
class SeverityChange:
    id: str
    old: ThreatSnapshot
    new: ThreatSnapshot

    @property
    def worse(self) -> bool:
        return (level_rank(self.new.level), self.new.score) > (level_rank(self.old.level), self.old.score)

    def describe(self) -> str:
        return f"{self.old.level} {self.old.score:g} -> {self.new.level} {self.new.score:g}"


@record(frozen=True)
class Comparison:
    """This run against a baseline: every current threat is new or unchanged (by id); threats only
    in the baseline are resolved; threats in both whose level or score moved are changed."""

    baseline: ResultSnapshot
    new: tuple[str, ...]  # ids, in the result's order
    unchanged: tuple[str, ...]
    resolved: tuple[ThreatSnapshot, ...]  # in the baseline, gone now
    changed: tuple[SeverityChange, ...]
    _new: frozenset[str] = field(init=False, repr=False, compare=False)
    _changes: dict[str, SeverityChange] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_new", frozenset(self.new))
        object.__setattr__(self, "_changes", {c.id: c for c in self.changed})

    def status(self, threat_id: str) -> Literal["new", "unchanged"]:
        return "new" if threat_id in self._new else "unchanged"

    def change(self, threat_id: str) -> SeverityChange | None:
        return self._changes.get(threat_id)

    def to_dict(self) -> dict[str, object]:
        return {
            "baseline": self.baseline.source,
            "new": list(self.new),
            "unchanged": list(self.unchanged),
            "resolved": [t.to_dict() for t in self.resolved],
            "changed": [{"id": c.id, "old": {"level": c.old.level, "score": c.old.score},
                         "new": {"level": c.new.level, "score": c.new.score}} for c in self.changed],
        }


def compare(result: Result | ResultSnapshot, baseline: ResultSnapshot) -> Comparison:
    current = [snapshot(t) for t in result.threats] if isinstance(result, Result) else list(result.threats)
    old = baseline.by_id()
    now = {t.id for t in current}
    changed = tuple(SeverityChange(t.id, old[t.id], t) for t in current
                    if t.id in old and (old[t.id].level != t.level or round(old[t.id].score, 1) != round(t.score, 1)))
    return Comparison(
        baseline=baseline,
        new=tuple(t.id for t in current if t.id not in old),
        unchanged=tuple(t.id for t in current if t.id in old),
        resolved=tuple(sorted((t for i, t in old.items() if i not in now), key=lambda t: (-level_rank(t.level), t.rule_id, t.targets))),
        changed=changed,
    )


@record(frozen=True)
class Failure:
    """A threat that fails the build, and why it counts."""

    threat: Threat
    reason: Literal["untracked", "new", "worse", "expired", "in-progress", "hard-fail"]
    baseline_status: str | None = None  # "new" / "unchanged" when a baseline was given
    previous_level: str | None = None  # for "worse": the level in the baseline
    entry: RiskEntry | None = None  # the risk entry: expired, or in-progress

    def explain(self) -> str:
        entry = self.entry
        if self.reason == "hard-fail":
            return f"rule {self.threat.rule.id} fails the build at any level (hard_fail in the project config)"
        if self.reason == "expired" and entry is not None:
            return f"its {entry.status} entry ({entry.span.short()}) expired on {entry.expires}"
        if self.reason == "in-progress" and entry is not None:
            return f"in progress ({entry.span.short()}), not yet resolved"
        if self.reason == "worse":
            return f"was {self.previous_level} in the baseline"
        if self.reason == "new":
            return "new since the baseline" if self.baseline_status == "new" else "new (not in the risk file)"
        return "not accepted in the model or the risk file"


def _baseline_comparison(result: Result, baseline: ResultSnapshot | Comparison | None) -> Comparison | None:
    if baseline is None or isinstance(baseline, Comparison):
        return baseline
    return compare(result, baseline)


def fail_threats(result: Result, baseline: ResultSnapshot | Comparison | None, risks: RiskReview | None,
                 fail_on: str | None, new_only: bool = False, hard_fail: frozenset[str] = frozenset()) -> list[Failure]:
    """The threats that fail the build, worst first.

    A threat counts when its level is at or above `fail_on` and it is not resolved: not accepted
    in the model, and not accepted / mitigated / false-positive by a live risk-file entry.
    With `new_only`, it must also be new: not in the baseline (without a baseline, every threat
    is), not covered by a live in-progress entry. Two things count even with `new_only`: a threat
    whose risk-file entry has expired (the team set that deadline), and a threat that was below
    `fail_on` in the baseline and is now at or above it (it newly crosses the gate).

    A threat of a `hard_fail` rule fails at any level, with or without `fail_on` and `new_only`,
    unless it is accepted (in the model, or by a live resolving risk entry).
    """
    gated = fail_on is not None and fail_on != "none"
    if not gated and not hard_fail:
        return []
    threshold = level_rank(fail_on) if gated else len(LEVELS)  # type: ignore[arg-type]
    comparison = _baseline_comparison(result, baseline)
    failures: list[Failure] = []
    for t in result.threats:
        if t.suppression is not None:
            continue
        status = comparison.status(t.id) if comparison is not None else None
        if t.rule.id in hard_fail and not (risks is not None and risks.resolved(t.id)):
            failures.append(Failure(t, "hard-fail", status))
            continue
        if level_rank(t.severity.level) < threshold:
            continue
        if risks is not None:
            if risks.resolved(t.id):
                continue
            expired = risks.expired_entry(t.id)
            if expired is not None:
                failures.append(Failure(t, "expired", status, entry=expired))
                continue
            progress = risks.live_entry(t.id) if risks.in_progress(t.id) else None
        else:
            progress = None
        if not new_only:
            if progress is not None:
                failures.append(Failure(t, "in-progress", status, entry=progress))
            else:
                failures.append(Failure(t, "untracked", status))
            continue
        if progress is not None:
            continue
        if comparison is None or status == "new":
            failures.append(Failure(t, "new", status))
            continue
        change = comparison.change(t.id)
        if change is not None and level_rank(change.old.level) < threshold:
            failures.append(Failure(t, "worse", status, previous_level=change.old.level))
    return failures


def apply_risks(result: Result, risks: RiskReview) -> Result:
    """The same Result with every threat resolved by a live risk entry (accepted, mitigated,
    false-positive) marked accepted, so every renderer, summary count and `Result.active` honour
    the risk file. The entry's file:line becomes the acceptance's location, and its origin
    "risk-file" (SARIF's "external"); the model's own acceptance wins when both exist."""
    threats = []
    for t in result.threats:
        entry = risks.live_entry(t.id)
        if t.suppression is None and entry is not None and entry.resolves:
            reason = f"{entry.note()}: {entry.justification}"
            target = t.targets[0] if entry.target is not None and t.targets else None
            t = replace(t, suppression=Suppression(t.rule.id, target, reason, entry.span, origin="risk-file"))
        threats.append(t)
    return replace(result, threats=tuple(threats))

