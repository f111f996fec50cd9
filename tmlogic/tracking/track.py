"""One call that puts a Result in context: the risk file next to the model and an optional
baseline. The CLI, the pre-commit hook and library users go through `track`."""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import Diagnostic, SourceSpan, display_path
from ..records import record, replace
from ..result import AbsentThreat, Gate, Result, RunTracking, ThreatState
from ..typing_runtime import TYPE_CHECKING, Any
from .baseline import Comparison, Failure, apply_risks, compare, fail_threats
from .risks import RiskFile, RiskReview, find_risk_file, load_risks, resolve_today, review_risks, risk_path_for
from .risks.read import TODAY_ENV
from .snapshot import ResultSnapshot, snapshot

if TYPE_CHECKING:
    import datetime as _dt

__all__ = ["Tracking", "track"]


@record(frozen=True)
class Tracking:
    result: Result  # the analysis result with live risk-file resolutions marked accepted (render this one)
    raw: Result  # the result as the analysis produced it
    risk_path: Path  # where the risk file is (or would be)
    risks: RiskReview | None  # None with use_risk_file=False
    comparison: Comparison | None  # None without a baseline
    warnings: tuple[Diagnostic, ...]  # expired and stale risk entries

    @property
    def risk_file_shown(self) -> str:
        return display_path(self.risk_path)

    def failures(self, fail_on: str | None, new_only: bool = False, hard_fail: frozenset[str] = frozenset()) -> list[Failure]:
        return fail_threats(self.raw, self.comparison, self.risks, fail_on, new_only, hard_fail)

    def annotated(self, gate: Gate | None = None) -> Result:
        """The result to render, carrying each threat's CI state (baseline, risk entry, gate) and the
        threats of the baseline that are gone: JSON, SARIF, JUnit and the summaries read it."""
        failing = {} if gate is None else {
            f.threat.id: f.reason for f in self.failures(gate.fail_on, gate.new_only, frozenset(gate.hard_fail))}
        c, r = self.comparison, self.risks
        states: dict[str, ThreatState] = {}
        for t in self.result.threats:
            state = ThreatState(fails=failing.get(t.id))
            if c is not None:
                change = c.change(t.id)
                state = replace(state, baseline="updated" if change else c.status(t.id),
                                previous_level=change.old.level if change else None,
                                previous_score=change.old.score if change else None)
            entry = r.entry_for(t.id) if r is not None else None
            if r is not None and entry is not None:
                state = replace(state, risk=r.status(t.id), risk_entry=entry.span,
                                risk_expires=entry.expires.isoformat() if entry.expires else None)
            states[t.id] = state
        absent = () if c is None else tuple(
            AbsentThreat(s.id, s.rule_id, s.title, s.level, s.score, s.message, tuple(zip(s.targets, s.target_names)),
                         SourceSpan(s.file, s.line)) for s in c.resolved)
        run = RunTracking(c.baseline.source if c is not None else None,
                          self.risk_file_shown if r is not None and r.file.exists else None, gate, states, absent)
        return replace(self.result, tracking=run)

    def baseline_state(self, threat_id: str) -> str | None:
        """SARIF's baselineState for a current threat: "new" or "unchanged" (None without a baseline)."""
        return None if self.comparison is None else self.comparison.status(threat_id)

    def to_dict(self) -> dict[str, Any]:
        """The `tracking` block for the JSON result (see tracking/schema/tracking-1.0.schema.json)."""
        risks: dict[str, Any] | None = None
        if self.risks is not None:
            r = self.risks
            threats = {}
            for t in self.raw.threats:
                e = r.entry_for(t.id)
                if e is None:
                    continue
                threats[t.id] = {"status": r.status(t.id), "entry_status": e.status, "justification": e.justification,
                                 "owner": e.owner, "ticket": e.ticket,
                                 "expires": e.expires.isoformat() if e.expires else None,
                                 "file": e.span.path, "line": e.span.line}
            risks = {
                "file": r.file.path,
                "exists": r.file.exists,
                "today": r.today.isoformat(),
                "threats": threats,
                "stale": [{"entry": e.describe(), "file": e.span.path, "line": e.span.line} for e in r.stale],
                "expired": [{"entry": e.describe(), "file": e.span.path, "line": e.span.line,
                             "expires": e.expires.isoformat() if e.expires else None} for e in r.expired],
            }
        return {"baseline": None if self.comparison is None else self.comparison.to_dict(), "risks": risks}


def track(model: Path, result: Result, *, baseline: str | Path | ResultSnapshot | None = None,
          risk_file: Path | None = None, use_risk_file: bool = True, options: object | None = None,
          today: _dt.date | str | None = None, risk_missing_ok: bool = False) -> Tracking:
    """Read the risk file (`risk_file`, else `<model>.risks.yaml` if it exists) and the baseline
    (a ResultSnapshot, or a result JSON path / model path / git revision of `model`, analyzed with
    `options`), and compare. A named `risk_file` must exist unless `risk_missing_ok` (a location
    the project config gives). Raises TrackingError, ModelError or RuleError on bad input (exit 2)."""
    # a date given, or set in $TMLOGIC_TODAY, is read (and checked) now; the clock's only if a
    # risk entry has a date to check (review_risks)
    day = resolve_today(today) if today is not None or TODAY_ENV in os.environ else None
    path = Path(risk_file) if risk_file is not None else (find_risk_file(model) or risk_path_for(model))
    review: RiskReview | None = None
    warnings: list[Diagnostic] = []
    current = [snapshot(t) for t in result.threats]
    if use_risk_file:
        loaded: RiskFile = load_risks(path, missing_ok=risk_file is None or risk_missing_ok)
        review = review_risks(current, loaded, day)
        warnings = review.warnings(r.id for r in result.rules)
    comparison = None
    if baseline is not None:
        from .sources import load_baseline  # git and result files: only with a baseline

        snap = baseline if isinstance(baseline, ResultSnapshot) else load_baseline(baseline, Path(model), options)
        comparison = compare(result, snap)
    shown = apply_risks(result, review) if review is not None else result
    return Tracking(shown, result, path, review, comparison, tuple(warnings))
