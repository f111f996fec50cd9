"""What a CI log reader sees: the failing threats, each with its id, file:line, message and the
exact line that accepts it in the risk file; GitHub annotations when running in GitHub Actions;
and a short summary of the baseline and risk-file bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence

from ..typing_runtime import TYPE_CHECKING
from .baseline import Comparison, Failure
from .snapshot import ThreatSnapshot

if TYPE_CHECKING:
    from .risks import RiskReview

__all__ = ["format_failures", "github_annotations", "tracking_summary"]


def format_failures(failures: Sequence[Failure], *, fail_on: str, risk_file: str, model: str,
                    new_only: bool = False, baseline: str | None = None) -> str:
    """The block printed (to stderr) when `--fail-on` fails the build.

        tmlogic: 1 threat at or above high fails the build (new since origin/main, not in threat_model.risks.yaml):

          T1d24076537  HIGH  TM-NET-001  threat_model.md:10  new since the baseline
            Flow 'Browse' carries traffic from 'Customer' ... without encryption.
            accept: - {id: T1d24076537, status: accepted, justification: "<why this risk is acceptable>", owner: "<team>"}
        ...
    """
    if not failures:
        return ""
    from .risks import entry_line  # the risk file's writer (and YAML) only for a run that fails

    n = len(failures)
    scope = []
    if new_only:
        scope.append(f"new since {baseline}" if baseline else "new")
    scope.append(f"not resolved in {risk_file}")
    lines = [f"tmlogic: {n} threat{'s' if n != 1 else ''} at or above {fail_on} fail{'s' if n == 1 else ''} the build "
             f"({', '.join(scope)}):", ""]
    for f in failures:
        t = f.threat
        lines.append(f"  {t.id}  {t.severity.level.upper()}  {t.rule.id}  {t.location.short()}  {f.explain()}")
        lines.append(f"    {t.message}")
        if f.reason == "expired" and f.entry is not None:
            lines.append(f"    renew: set a later `expires` on {f.entry.span.short()} "
                         "after reviewing the decision, or fix the threat")
        else:
            lines.append(f"    accept: {entry_line(t.id)}")
    lines += [
        "",
        f"To accept a threat, add its `accept:` line under `risks:` in {risk_file} with the real justification",
        f"and owner (or: tmlogic risks accept {model} ID --justification \"...\" --owner TEAM).",
        f"Fix it instead: change the model; see why it was raised: tmlogic explain {model} ID",
    ]
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(failures: Sequence[Failure], risk_file: str) -> str:
    """`::error file=...,line=...,title=...::message` workflow commands: GitHub shows each one on
    the model line in the pull request's diff."""
    from .risks import entry_line

    out = []
    for f in failures:
        t = f.threat
        title = f"{t.rule.id} {t.rule.title} ({t.severity.level}, {t.id})"
        message = f"{t.message} [{f.explain()}] To accept it, add to {risk_file}: {entry_line(t.id)}"
        out.append(f"::error file={_escape_property(t.location.path)},line={t.location.line},"
                   f"title={_escape_property(title)}::{_escape_data(message)}")
    return "\n".join(out) + ("\n" if out else "")


def _short(t: ThreatSnapshot) -> str:
    return f"{t.id}  {t.level.upper():<8}  {t.rule_id}  {t.location}  {t.describe()}"


def tracking_summary(comparison: Comparison | None, risks: RiskReview | None) -> str:
    """A few lines for the end of the text output: baseline and risk-file bookkeeping."""
    lines: list[str] = []
    if comparison is not None:
        c = comparison
        lines.append(f"Baseline {c.baseline.source}: {len(c.new)} new, {len(c.unchanged)} unchanged, "
                     f"{len(c.resolved)} resolved, {len(c.changed)} changed severity")
        lines += [f"  new       {i}" for i in c.new]
        lines += [f"  resolved  {_short(t)}" for t in c.resolved]
        lines += [f"  changed   {ch.id}  {ch.describe()}" for ch in c.changed]
    if risks is not None and risks.file.exists:
        counts = risks.counts()
        shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        stale = len([e for e in risks.stale if not e.expired(risks.today)])
        extra = []
        if stale:
            extra.append(f"{stale} stale entr{'ies' if stale != 1 else 'y'}")
        if risks.expired:
            extra.append(f"{len(risks.expired)} expired entr{'ies' if len(risks.expired) != 1 else 'y'}")
        lines.append(f"Risk file {risks.file.path}: {shown or 'no threat covered'}"
                     + (f"; {', '.join(extra)}" if extra else ""))
    return "\n".join(lines) + ("\n" if lines else "")
