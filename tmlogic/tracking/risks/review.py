"""The risk file read against one run's threats: which entry decides each threat, and which
entries have expired or match nothing.

Which entry decides a threat: an `id` entry wins over patterns; among patterns the one with
more literal fields (no `*?[`) wins, then the one with more fields, then the first in the file.
The deciding entry decides even when it has expired: a deadline on one threat is not silently
replaced by a broader acceptance.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..._errors import Diagnostic
from ...diagnostics import DiagnosticBag, did_you_mean
from ...records import field, record
from ...typing_runtime import TYPE_CHECKING
from ..snapshot import ThreatSnapshot
from .read import GLOB, STATUSES, RiskEntry, RiskFile, resolve_today

if TYPE_CHECKING:
    import datetime as _dt

__all__ = ["RiskReview", "review_risks"]


@record(frozen=True)
class RiskReview:
    """The risk file read against one run's threats."""

    file: RiskFile
    day: _dt.date | None  # the day expiry is checked on; None: today, looked up if asked (no entry to check)
    deciding: dict[str, RiskEntry] = field(default_factory=dict)  # threat id -> the entry that decides it
    matched: frozenset[int] = frozenset()  # indexes of entries that match at least one threat
    stale: tuple[RiskEntry, ...] = ()  # entries that match no threat
    expired: tuple[RiskEntry, ...] = ()  # entries past their date (whether or not they match)

    @property
    def today(self) -> _dt.date:
        """The day expiry is checked on."""
        return self.day if self.day is not None else resolve_today()

    def entry_for(self, threat_id: str) -> RiskEntry | None:
        return self.deciding.get(threat_id)

    def live_entry(self, threat_id: str) -> RiskEntry | None:
        """The deciding entry if it has not expired."""
        e = self.deciding.get(threat_id)
        return None if e is None or e.expired(self.today) else e

    def resolved(self, threat_id: str) -> bool:
        """accepted, mitigated or false-positive by a live entry: never fails the build."""
        e = self.live_entry(threat_id)
        return e is not None and e.resolves

    def in_progress(self, threat_id: str) -> bool:
        e = self.live_entry(threat_id)
        return e is not None and e.status == "in-progress"

    def expired_entry(self, threat_id: str) -> RiskEntry | None:
        e = self.deciding.get(threat_id)
        return e if e is not None and e.expired(self.today) else None

    def status(self, threat_id: str) -> str | None:
        """The entry's status, `expired`, or None when the risk file says nothing."""
        e = self.deciding.get(threat_id)
        if e is None:
            return None
        return "expired" if e.expired(self.today) else e.status

    def warnings(self, rule_ids: Iterable[str] = ()) -> list[Diagnostic]:
        """Expired and stale entries, as warnings at their lines."""
        bag = DiagnosticBag()
        known = sorted(set(rule_ids))
        for e in self.expired:
            bag.warning(e.span, f"the {e.status} entry for {e.describe()} expired on {e.expires}; it no longer counts",
                        "risk-expired", "fix the threat, or review the decision and move `expires` to a later date")
        for e in self.stale:
            if e.expired(self.today):
                continue  # already reported as expired
            hint = "the threat is gone (or the pattern is wrong): remove the entry"
            if e.rule is not None and not GLOB.search(e.rule) and known and e.rule not in known:
                hint = did_you_mean(e.rule, known) or "no rule with this id was run; see `tmlogic rules list`"
            bag.warning(e.span, f"the entry for {e.describe()} matches no threat", "risk-stale", hint)
        return bag.items

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in (*STATUSES, "expired")}
        for tid in self.deciding:
            out[self.status(tid) or "expired"] += 1
        return out


def review_risks(threats: Iterable[ThreatSnapshot], risks: RiskFile, today: _dt.date | None = None) -> RiskReview:
    # Without entries no date is checked: today's is looked up only if asked for (the clock, and
    # the datetime module, cost about 5 M instructions of a run without a risk file).
    day = resolve_today(today) if today is not None or risks.entries else None
    deciding: dict[str, RiskEntry] = {}
    matched: set[int] = set()
    for t in threats:
        candidates = [e for e in risks.entries if e.matches(t)]
        if not candidates:
            continue
        matched.update(e.index for e in candidates)
        deciding[t.id] = max(candidates, key=RiskEntry.specificity)
    stale = tuple(e for e in risks.entries if e.index not in matched)
    expired = tuple(e for e in risks.entries if day is not None and e.expired(day))
    return RiskReview(risks, day, deciding, frozenset(matched), stale, expired)
