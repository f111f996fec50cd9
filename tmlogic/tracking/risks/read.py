"""The risk file's format: `<model>.risks.yaml` next to the model, where a team records what it
decided about each threat (accepted, mitigated, false-positive, in-progress), who owns it, the
ticket, and until when the decision holds.

    version: 1
    risks:
      - id: Te27284b87e                  # one threat (its stable id) ...
        status: accepted
        justification: TLS ends at the load balancer in front of Shop App
        owner: platform-team
        ticket: SEC-123
        expires: 2026-06-30              # counts through that day, then stops counting
      - rule: TM-NET-*                   # ... or a pattern: rule and/or target (id or name)
        target: payment-service
        status: mitigated
        justification: mTLS sidecar on every pod, outside the model

Reading the YAML is parse.py's job (imported only when there is a risk file to read); which
entry decides a threat is review.py's.
"""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase
from pathlib import Path

from ..._errors import Diagnostic, Level, SourceSpan, display_path
from ...fileaccess import FileAccessError, read_text
from ...lazy import lazy_pattern
from ...records import record
from ...typing_runtime import TYPE_CHECKING
from ..snapshot import ArgumentError, ThreatSnapshot, TrackingError

if TYPE_CHECKING:
    import datetime as _dt

__all__ = [
    "GLOB",
    "STATUSES",
    "RESOLVING_STATUSES",
    "SEED_MARK",
    "TODAY_ENV",
    "RiskEntry",
    "RiskFile",
    "RiskFileError",
    "risk_path_for",
    "find_risk_file",
    "load_risks",
    "resolve_today",
    "justification_problem",
    "justification_issue",
    "PLACEHOLDER",
]

STATUSES: tuple[str, ...] = ("accepted", "mitigated", "false-positive", "in-progress")
RESOLVING_STATUSES = frozenset({"accepted", "mitigated", "false-positive"})  # these stop a threat from failing
SEED_MARK = "Seeded by tmlogic risks seed"
TODAY_ENV = "TMLOGIC_TODAY"

GLOB = lazy_pattern(r"[*?\[]")  # a field with one of these is a pattern
PLACEHOLDER = lazy_pattern(r"^\s*(?:todo|tbd|fixme|xxx)\b|^\s*<[^>]*>\s*$|^\s*\.\.\.\s*$", re.IGNORECASE)


class RiskFileError(TrackingError):
    """A risk file that cannot be read or breaks the format: every problem, with file:line:col."""


def resolve_today(value: str | _dt.date | None = None) -> _dt.date:
    """Today, unless given (a date or YYYY-MM-DD) or set in $TMLOGIC_TODAY: expiry checks are then
    deterministic (tests, reproducible CI runs)."""
    import datetime as _dt  # about 5 M instructions: only for a run that has a date to check

    if isinstance(value, _dt.date):
        return value
    text = value if value is not None else os.environ.get(TODAY_ENV)
    if not text:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text.strip())
    except ValueError:
        source = f"${TODAY_ENV}" if value is None else "today"
        raise ArgumentError(f"{source}={text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2025-01-31") from None


@record(frozen=True)
class RiskEntry:
    index: int  # position in the file, 0-based
    status: str
    justification: str
    span: SourceSpan  # the entry's first line
    id: str | None = None
    rule: str | None = None  # glob on the rule id
    target: str | None = None  # glob on a target id or name
    owner: str | None = None
    ticket: str | None = None
    expires: _dt.date | None = None

    @property
    def exact(self) -> bool:
        return self.id is not None

    @property
    def resolves(self) -> bool:
        return self.status in RESOLVING_STATUSES

    def expired(self, today: _dt.date) -> bool:
        """An entry counts through its `expires` day and stops counting the day after."""
        return self.expires is not None and today > self.expires

    def matches(self, threat: ThreatSnapshot) -> bool:
        if self.id is not None:
            return threat.id == self.id
        if self.rule is not None and not fnmatchcase(threat.rule_id, self.rule):
            return False
        if self.target is not None:
            pattern = self.target.lower()
            if not any(fnmatchcase(t, self.target) or fnmatchcase(n.lower(), pattern)
                       for t, n in zip(threat.targets, threat.target_names)):
                return False
        return True

    def specificity(self) -> tuple[int, int, int, int]:
        """Higher wins: exact id, then literal fields, then fields, then earlier in the file."""
        fields = [f for f in (self.rule, self.target) if f is not None]
        literal = sum(1 for f in fields if not GLOB.search(f))
        return (1 if self.exact else 0, literal, len(fields), -self.index)

    def describe(self) -> str:
        if self.id is not None:
            return f"id {self.id}"
        parts = []
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        if self.target is not None:
            parts.append(f"target {self.target}")
        return ", ".join(parts)

    def note(self) -> str:
        """`accepted (owner platform, ticket SEC-1, until 2025-06-30)`."""
        extra = [f"owner {self.owner}"] if self.owner else []
        if self.ticket:
            extra.append(f"ticket {self.ticket}")
        if self.expires:
            extra.append(f"until {self.expires.isoformat()}")
        return self.status + (f" ({', '.join(extra)})" if extra else "")


@record(frozen=True)
class RiskFile:
    path: str  # as shown to the user
    entries: tuple[RiskEntry, ...] = ()
    exists: bool = True


def risk_path_for(model: Path) -> Path:
    """`threat_model.md` -> `threat_model.risks.yaml`; `shop.tm.yaml` -> `shop.tm.risks.yaml`."""
    model = Path(model)
    return model.with_name(model.stem + ".risks.yaml")


def find_risk_file(model: Path) -> Path | None:
    """The risk file next to a model, if there is one (`.risks.yaml`, or `.risks.yml`)."""
    default = risk_path_for(model)
    for candidate in (default, default.with_suffix(".yml")):
        if candidate.is_file():
            return candidate
    return None


def load_risks(path: Path, *, missing_ok: bool = False) -> RiskFile:
    """Read and check a risk file. Raises RiskFileError listing every problem."""
    shown = display_path(path)
    if not os.path.lexists(path):
        if missing_ok:
            return RiskFile(shown, (), exists=False)
        raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), f"risk file '{shown}' not found", "io",
                                        "create it with `tmlogic risks seed MODEL`, or fix the path")])
    try:
        text = read_text(path, what="risk file", shown=shown)  # regular, inside the project, capped
    except FileAccessError as exc:
        raise RiskFileError(exc.diagnostics) from None
    from .parse import parse_risks  # the YAML parser: only when there is a file

    return parse_risks(text, shown)


def justification_issue(status: str, justification: str) -> tuple[str, str] | None:
    if PLACEHOLDER.search(justification):
        return f"the justification '{justification}' is a placeholder", "write the real reason; a reviewer reads it"
    if justification.startswith(SEED_MARK) and status in RESOLVING_STATUSES:
        article = "an" if status[0] in "aeiou" else "a"
        return (f"{article} {status} entry keeps the text written by `tmlogic risks seed`",
                "replace it with the reason this threat is " + status.replace("-", " "))
    return None


def justification_problem(status: str, justification: str, owner: str | None = None,
                          ticket: str | None = None) -> str | None:
    """What is wrong with the text of a new entry (the checks the file gets), or None."""
    if not justification.strip():
        return "a justification is required: say why the threat is accepted, mitigated or not real"
    problem = justification_issue(status, justification.strip())
    if problem:
        return "; ".join(problem)
    for key, value in (("owner", owner), ("ticket", ticket)):
        if value is not None and PLACEHOLDER.search(value):
            return f"--{key} '{value}' is a placeholder; write the real {key}"
    return None
