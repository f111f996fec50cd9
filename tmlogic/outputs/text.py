"""Terminal output: threats grouped by severity, worst first; colour only on a TTY."""

from __future__ import annotations

from ..result import Result, Threat
from ..severity import LEVELS
from ..wording import plural
from .style import Style

__all__ = ["render_text"]

_LEVEL_COLOUR = {"critical": "magenta", "high": "red", "elevated": "yellow", "medium": "cyan", "low": "dim"}


def _threat_lines(t: Threat, style: Style, verbose: bool) -> list[str]:
    s = t.severity
    lines = [
        f"  {style.bold(t.id)}  {t.rule.id}  {t.rule.title}  "
        f"{style.dim(f'[{t.rule.stride}, score {s.score:.1f}]')}",
        f"      {t.message}",
        f"      {style.dim(f'at {t.location.short()}')}",
    ]
    if verbose:
        lines.append(f"      fix: {t.rule.mitigation}")
        refs = ", ".join(t.rule.capec + t.rule.cwe + t.rule.attack)
        if refs:
            lines.append(f"      refs: {refs}")
        if t.mitre is not None and t.mitre.techniques:
            tactics = ", ".join(x.name for x in t.mitre.tactics)
            lines.append(f"      ATT&CK: {', '.join(x.id for x in t.mitre.techniques)} ({tactics}); "
                         f"mitigations: {', '.join(x.id for x in t.mitre.mitigations) or '-'}; "
                         f"D3FEND: {len(t.mitre.d3fend)} countermeasures (see explain)")
        steps = "; ".join(f"{a.factor} {'+' if a.steps > 0 else ''}{a.steps}: {a.reason}" for a in s.adjustments)
        lines.append(
            f"      severity: impact {s.rule_impact}->{s.impact}, likelihood {s.rule_likelihood}->{s.likelihood}"
            + (f" ({steps})" if steps else "")
            + (f"; project override {s.override.level} ({s.override.source}): {s.override.reason}" if s.override else "")
        )
    return lines


def render_text(result: Result, color: bool = False, verbose: bool = False) -> str:
    style = Style(color)
    counts = {level: 0 for level in LEVELS}
    active = result.active
    for t in active:
        counts[t.severity.level] += 1
    title = result.model.title or result.model.path
    summary = ", ".join(f"{counts[lv]} {lv}" for lv in reversed(LEVELS) if counts[lv])
    accepted = len(result.threats) - len(active)
    out = [f"{style.bold(title)} ({result.model.path}): {plural(len(active), 'threat')}" + (f" ({summary})" if summary else "")
           + (f", {accepted} accepted" if accepted else "")]
    for level in reversed(LEVELS):
        group = [t for t in active if t.severity.level == level]
        if not group:
            continue
        out.append("")
        out.append(style.colour(_LEVEL_COLOUR[level], style.bold(f"{level.upper()} ({len(group)})")))
        for t in group:
            out.extend(_threat_lines(t, style, verbose))
    suppressed = [t for t in result.threats if t.suppression is not None]
    if suppressed:
        out.append("")
        out.append(style.dim(style.bold(f"ACCEPTED ({len(suppressed)})")))
        for t in suppressed:
            assert t.suppression is not None
            out.append(f"  {t.id}  {t.rule.id}  {t.rule.title}  {style.dim(f'[{t.severity.level}]')}")
            out.append(f"      accepted: {t.suppression.reason}  {style.dim(f'({t.suppression.span.short()})')}")
    if result.threats:
        out.append("")
        out.append(style.dim("Why was a threat raised? tmlogic explain MODEL THREAT_ID"))
    return "\n".join(out) + "\n"
