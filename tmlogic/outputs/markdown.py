"""Markdown summary for a pull-request comment: counts, the critical and high threats first,
every threat's message and fix in collapsible details, accepted threats last.

GitHub refuses comments over 65,536 characters, so the details shrink (fewer threats listed
in full, the rest named) until the comment fits in `limit` characters.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..kb.enrich import MitreRef
from ..records import record
from ..result import Result, Threat
from .paths_summary import paths_view
from .summary import summarize
from .templating import markdown_environment

__all__ = ["BADGES", "COMMENT_LIMIT", "render_markdown"]

COMMENT_LIMIT = 60_000
_TOP_ROWS = 25
BADGES = {"critical": "🟣", "high": "🔴", "elevated": "🟠", "medium": "🟡", "low": "⚪"}


@record(frozen=True)
class _Row:
    threat: Threat
    badge: str
    where: str
    refs: tuple[MitreRef, ...]


def _rows(result: Result, threats: tuple[Threat, ...]) -> list[_Row]:
    root = Path(result.model.path).parent
    out = []
    for t in threats:
        try:
            where = Path(t.location.path).relative_to(root).as_posix()
        except ValueError:
            where = t.location.path
        chain = t.chain
        refs = chain.capec + chain.techniques + chain.mitigations + chain.cwe
        out.append(_Row(t, BADGES[t.severity.level], f"{where}:{t.location.line}", refs))
    return out


def _ci(result: Result) -> dict[str, object] | None:
    """The gate and the change since the baseline, when the run had them (Result.tracking)."""
    run = result.tracking
    if run is None or (run.gate is None and run.baseline is None):
        return None
    states = [run.state(t.id) for t in result.threats]
    gate = run.gate
    return {
        "failing": sum(1 for st in states if st.fails) if gate is not None and (gate.fail_on != "none" or gate.hard_fail) else None,
        "fail_on": gate.fail_on if gate is not None else None,
        "new_only": bool(gate and gate.new_only),
        "baseline": run.baseline,
        "new": sum(1 for st in states if st.baseline == "new"),
        "updated": sum(1 for st in states if st.baseline == "updated"),
        "resolved": len(run.absent),
    }


def _render(result: Result, detailed: int) -> str:
    active = _rows(result, result.active)
    top = [r for r in active if r.threat.severity.level in ("critical", "high")]
    accepted = _rows(result, tuple(t for t in result.threats if t.suppression is not None))
    return markdown_environment().get_template("summary.md.j2").render(
        title=result.model.title or Path(result.model.path).name,
        model_path=result.model.path,
        summary=summarize(result),
        badges=BADGES,
        top=top[:_TOP_ROWS],
        top_more=max(0, len(top) - _TOP_ROWS),
        detailed=active[:detailed],
        named=active[detailed:],
        accepted=accepted,
        rule_count=len(result.rules),
        version=__version__,
        ci=_ci(result),
        paths=paths_view(result),
    )


def render_markdown(result: Result, limit: int = COMMENT_LIMIT) -> str:
    detailed = len(result.active)
    text = _render(result, detailed)
    while len(text) > limit and detailed > 0:
        detailed //= 2
        text = _render(result, detailed)
    return text
