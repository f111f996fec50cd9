"""`tmlogic explain`: a threat's proof as a readable tree, down to the model lines."""

from __future__ import annotations

from pathlib import Path

from ..logic.provenance import ProofNode
from ..model.schema import Model
from ..result import Threat
from .style import Style

__all__ = ["render_explanation", "render_proof", "import_origins"]

Origins = dict[tuple[str, int], str]


def import_origins(model: Model) -> Origins:
    """(model file, line) -> the input line an imported item came from (`imported_from=`), so a
    proof can point past the generated model at the compose file, manifest or plan."""
    out: Origins = {}
    for m in model.all_models():
        folder = Path(m.path).parent
        for group in (m.boundaries, m.elements, m.data, m.flows, m.threats):
            for item in group:
                value = next((a.value for a in item.attrs if a.key == "imported_from"), None)
                if isinstance(value, str) and value:
                    where = value if Path(value).is_absolute() else (folder / value).as_posix()
                    out[(item.span.path, item.span.line)] = where
    return out


def render_proof(node: ProofNode, style: Style, names: dict[str, str], prefix: str = "", last: bool = True,
                 root: bool = True, shown: set[str] | None = None, origins: Origins | None = None) -> list[str]:
    """The proof as tree lines, walked with an explicit stack (a proof is as deep as the model's
    longest chain of flows). A derived fact proved earlier in the tree is not expanded again."""
    lines: list[str] = []
    shown = set() if shown is None else shown
    # (item, prefix of its line, last among its siblings, is the root)
    stack: list[tuple[ProofNode | str, str, bool, bool]] = [(node, prefix, last, root)]
    while stack:
        item, pre, is_last, is_root = stack.pop()
        branch = "" if is_root else ("└─ " if is_last else "├─ ")
        if isinstance(item, str):
            lines.append(f"{pre}{branch}{item}")
            continue
        if item.rule is not None and item.text in shown:
            # A derived fact already proved above in this tree: say so instead of repeating its subtree.
            lines.append(f"{pre}{branch}{item.text}  {style.dim('(derived above)')}")
            continue
        if item.rule is None:
            where = item.origin.short() if item.origin else "?"
            imported = (origins or {}).get((item.origin.path, item.origin.line)) if item.origin else None
            note = f"fact from {where}" + (f", imported from {imported}" if imported else "")
            note += f", an extension by rule pack '{item.extension}'" if item.extension else ""
            lines.append(f"{pre}{branch}{item.text}  {style.dim(note)}")
            continue
        shown.add(item.text)
        rule = item.rule
        rid = rule.metadata.get("id") if rule.metadata else None
        by = f"by {rid} ({rule.span.short()})" if rid else f"by rule {rule.span.short()}"
        lines.append(f"{pre}{branch}{style.bold(item.text)}  {style.dim(by)}")
        child_prefix = pre + ("" if is_root else ("   " if is_last else "│  "))
        if item.bindings:
            bound = ", ".join(f"{k}={_show(v, names)}" for k, v in item.bindings)
            lines.append(f"{child_prefix}{style.dim('with ' + bound)}")
        extras = [f"{c}  {style.dim('(constraint holds)')}" for c in item.constraints]
        extras += [f"!{a}  {style.dim('(absence checked)')}" for a in item.absent]
        items: list[ProofNode | str] = [*item.children, *extras]
        for i in reversed(range(len(items))):
            stack.append((items[i], child_prefix, i == len(items) - 1, False))
    return lines


def _show(value: str | int, names: dict[str, str]) -> str:
    text = f'"{value}"' if isinstance(value, str) else str(value)
    name = names.get(str(value))
    return f"{text} ({name})" if name and name != value else text


def render_explanation(threat: Threat, names: dict[str, str], color: bool = False,
                       origins: Origins | None = None) -> str:
    style = Style(color)
    r = threat.rule
    s = threat.severity
    imported = (origins or {}).get((threat.location.path, threat.location.line))
    out = [
        f"{style.bold(threat.id)}  {r.id}  {r.title}",
        f"  {threat.message}",
        f"  target: {', '.join(threat.target_names)} ({threat.location.short()}"
        + (f", imported from {imported}" if imported else "") + ")",
        f"  STRIDE: {r.stride}   severity: {s.level} ({s.score:.1f}/10)",
        f"  severity breakdown: {'rule says' if r.rule is not None else 'stated in the model:'} impact {s.rule_impact}, "
        f"likelihood {s.rule_likelihood}"
        if s.override is None else
        f"  severity breakdown: rule says impact {s.override.rule_impact}, likelihood {s.override.rule_likelihood}; "
        f"the project says {s.override.level} ({s.override.source}): {s.override.reason}",
    ]
    for a in s.adjustments:
        out.append(f"    {a.factor} {'+' if a.steps > 0 else ''}{a.steps}: {a.reason}")
    out.append(f"    -> impact {s.impact} x likelihood {s.likelihood} -> {s.score:.1f} ({s.level})")
    for rule_id, other in threat.superseded:
        out.append(f"  replaces {rule_id} finding {other} on the same target (one root cause, one finding)")
    refs = ", ".join(r.capec + r.cwe + r.attack)
    if refs:
        out.append(f"  references: {refs}")
    out.append(f"  mitigation: {r.mitigation}")
    if threat.mitre is not None:
        out.append("")
        out.append("MITRE chain (each entry <- why it is there):")
        out.extend(f"  {line}" for line in threat.mitre.describe())
    out.append("")
    if r.rule is None:
        status = threat.manual.status if threat.manual is not None else "open"
        out.append(f"Written by hand in the model ({r.span.short()}), status {status}:")
    else:
        out.append(f"Proof (rule {r.id}, {r.span.short()}):")
        out.append(f"  {r.rule.text}")
    out.append("")
    out.extend(render_proof(threat.proof, style, names, origins=origins))
    for c in threat.corroborated_by:
        out.append("")
        out.append(f"Also raised by {c.rule_id} ({c.title}), merged into this threat (same target, STRIDE category "
                   f"and CAPEC pattern); on its own it would be {c.threat_id}:")
        out.extend(render_proof(c.proof, style, names, origins=origins))
    return "\n".join(out) + "\n"
