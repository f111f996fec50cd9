"""SARIF 2.1.0: one result per threat, anchored on the model line of its target, for
code-scanning UIs (GitHub, GitLab, Azure DevOps, VS Code's SARIF viewer).

- Every evaluated rule is a `reportingDescriptor` in tool.driver, with STRIDE/CAPEC/CWE tags and
  a `security-severity` string (the rule's own severity on the 0-10 scale).
- A result's `partialFingerprints` hold the stable threat id, so alerts survive edits.
- The proof's input facts become a code flow: the model lines the threat rests on, in order.
- Accepted threats are left out by default: GitHub code scanning ignores `suppressions` and would
  show them as open alerts. With `suppressions=True` they are results with a suppression
  (inSource for the model's acceptance, external for the risk file's: `Suppression.origin`).
- GitHub reads the severity of an alert only from its rule's `security-severity`, so a threat whose
  level differs from its rule's own level points at a descriptor for that band
  (`TM-NET-001/critical`), which carries the band's security-severity.
- With a baseline (Result.tracking), each result carries `baselineState` (new, unchanged, updated)
  and the threats of the baseline that are gone are listed as `absent` results (kind pass).
- Paths are relative URIs against `%SRCROOT%` (the folder tmlogic ran in), as code-scanning
  services expect; a model outside that folder gets an absolute file: URI.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from .._errors import Diagnostic, SourceSpan
from ..kb.enrich import url_for
from ..resolution import resolve
from ..result import AbsentThreat, Result, RuleInfo, Threat
from ..severity import cell_score
from ..typing_runtime import Any

__all__ = ["SARIF_SCHEMA_URI", "render_sarif", "sarif_dict"]

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
_MAX_FLOW_STEPS = 60

_LEVEL = {"critical": "error", "high": "error", "elevated": "warning", "medium": "warning", "low": "note"}
# Where the built-in rules are documented: docs/rules.md, one heading per rule.
DEFAULT_HELP_URI = "https://github.com/your-org/tmlogic/blob/v{version}/docs/rules.md#{anchor}"


def _level_score(level: str) -> float:
    """A level's score in the severity matrix (severity.py), for the per-level rule descriptors;
    code-scanning UIs bucket it (9+ critical, 7+ high, 4+ medium). Critical starts at very-likely."""
    return cell_score(level, "very-likely" if level == "critical" else "likely")


@lru_cache(maxsize=256)
def _uri_cached(path: str) -> tuple[tuple[str, str], ...]:
    p = Path(path)
    if p.is_absolute():
        return (("uri", p.as_uri()),)
    return (("uri", quote(p.as_posix(), safe="/")), ("uriBaseId", SRCROOT))


def _uri(path: str) -> dict[str, str]:
    return dict(_uri_cached(path))


class _Artifacts:
    """Artifact table: each file once, in order of first use, referenced by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[dict[str, Any]] = []

    def location(self, span: SourceSpan, message: str | None = None) -> dict[str, Any]:
        if span.path not in self.index:
            self.index[span.path] = len(self.items)
            kind = "text/markdown" if span.path.lower().endswith((".md", ".markdown")) else "text/plain"
            self.items.append({"location": _uri(span.path), "mimeType": kind})
        region: dict[str, Any] = {"startLine": max(1, span.line), "startColumn": max(1, span.col)}
        if span.end_line is not None:
            region["endLine"] = span.end_line
        if span.end_col is not None and (span.end_line in (None, span.line)) and span.end_col > span.col:
            region["endColumn"] = span.end_col
        out: dict[str, Any] = {"physicalLocation": {
            "artifactLocation": {**_uri(span.path), "index": self.index[span.path]}, "region": region}}
        if message:
            out["message"] = {"text": message}
        return out


def _camel(title: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _help_markdown(info: RuleInfo) -> str:
    """The rule's help: `<RULE-ID>.md` beside the rule file when there is one, else generated."""
    beside = os.path.join(os.path.dirname(info.span.path), f"{info.id}.md")  # a hundred rules: no pathlib
    if info.rule is not None and os.path.lexists(beside):
        from ..fileaccess import FileAccessError, read_text

        try:  # guarded: a pack's help file linked to /proc/self/environ must not land in the report
            return read_text(beside, what="rule help file").strip() + "\n"
        except FileAccessError as exc:
            sys.stderr.write(exc.render())  # said, then the generated help is used
    lines = [f"## {info.id}: {info.title}", ""]
    if info.description:
        lines += [info.description, ""]
    lines += [f"**STRIDE:** {info.stride}  ", f"**Severity:** {info.severity} (confidence {info.confidence})", "",
              "### Recommendation", "", info.mitigation or "No mitigation is recorded for this rule.", ""]
    refs = [f"- [{i}]({url_for(i)})" if url_for(i) else f"- {i}" for i in (*info.capec, *info.cwe, *info.attack)]
    refs += [f"- {r}" for r in info.references]
    if refs:
        lines += ["### References", "", *refs, ""]
    return "\n".join(lines)


def _help_text(info: RuleInfo) -> str:
    parts = [info.title + "."]
    if info.description:
        parts.append(info.description)
    if info.mitigation:
        parts.append("Fix: " + info.mitigation)
    return " ".join(parts)


def _tags(info: RuleInfo) -> list[str]:
    tags = ["security", "threat-model"] + ([f"stride/{info.stride.lower()}"] if info.stride else [])
    tags += [f"external/cwe/cwe-{c.split('-', 1)[1].zfill(3)}" for c in info.cwe if "-" in c]
    tags += [f"external/capec/capec-{c.split('-', 1)[1]}" for c in info.capec if "-" in c]
    tags += [t for t in info.tags if t not in tags]
    return tags


# One descriptor for every threat written by hand in the model (## Threats): each result names its own.
_MANUAL_RULE = RuleInfo(
    id="MANUAL", title="Hand-written threat", stride="", severity="medium", impact="medium", likelihood="likely",
    confidence="high", message="", mitigation="", capec=(), cwe=(), attack=(), references=(), tags=("manual",),
    description="A threat written in the model's Threats section, reported next to the derived ones.", rule=None,
    source=SourceSpan("(model)", 1),
)


def _anchor(info: RuleInfo) -> str:
    """GitHub's anchor for the rule's heading in docs/rules.md (`## TM-NET-001: Title`)."""
    heading = f"{info.id}: {info.title}".lower()
    return re.sub(r"[^a-z0-9 _-]", "", heading).replace(" ", "-")


def _help_uri(info: RuleInfo, template: str | None, builtin_rules: Path | None) -> str | None:
    """The rule's documentation: `template` ({rule}, {anchor}, {version}) for any rule, else the
    built-in catalogue for built-in rules (those under `builtin_rules`, resolved); None for a
    third-party rule without a template."""
    if template is None:
        try:
            builtin = builtin_rules is not None and _within(str(resolve(info.span.path)), str(builtin_rules))
        except (OSError, FileNotFoundError):
            builtin = False
        if not builtin:
            return None
        template = DEFAULT_HELP_URI
    return template.format(rule=info.id, anchor=_anchor(info), version=__version__)


def _within(path: str, folder: str) -> bool:
    """`Path(path).is_relative_to(folder)` for two resolved (absolute, normalised) paths, on their text."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _builtin_rules() -> Path | None:
    from ..resources import rules_dir

    try:
        return resolve(rules_dir())
    except (OSError, FileNotFoundError):
        return None


def _rule(info: RuleInfo, band: str | None = None, help_uri: str | None = None) -> dict[str, Any]:
    """A rule's descriptor; with `band`, the descriptor for its results at that level."""
    # a rule's own severity on the 0-10 scale: the matrix cell of its impact x likelihood
    score = cell_score(info.impact, info.likelihood) if band is None else _level_score(band)
    out: dict[str, Any] = {
        "id": info.id if band is None else f"{info.id}/{band}",
        "name": _camel(info.title),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.description or info.title},
        "help": {"text": _help_text(info), "markdown": _help_markdown(info)},
        "defaultConfiguration": {"level": _LEVEL.get(band or info.impact, "warning")},
        "properties": {
            "tags": _tags(info),
            "stride": info.stride,
            "capec": list(info.capec),
            "cwe": list(info.cwe),
            "attack": list(info.attack),
            "severity": info.severity,
            "confidence": info.confidence,
            "security-severity": f"{score:.1f}",
            "precision": {"high": "high", "low": "low"}.get(info.confidence, "medium"),
        },
    }
    if band is not None:
        out["properties"]["rule"] = info.id
        out["properties"]["band"] = band
        out["shortDescription"] = {"text": f"{info.title} ({band})"}
    if help_uri:
        out["helpUri"] = help_uri
    return out


def _code_flow(t: Threat, artifacts: _Artifacts, model_files: frozenset[str]) -> list[dict[str, Any]]:
    """The model lines the proof rests on, in proof order, each line once with its facts."""
    lines: dict[tuple[str, int], list[str]] = {}
    spans: dict[tuple[str, int], SourceSpan] = {}
    for fact in t.proof.input_facts():
        origin = fact.origin
        if origin is None or origin.path not in model_files:
            continue
        key = (origin.path, origin.line)
        spans.setdefault(key, SourceSpan(origin.path, origin.line))
        lines.setdefault(key, []).append(fact.text)
    if not lines:
        return []
    locations = [{"location": artifacts.location(spans[k], "; ".join(facts))}
                 for k, facts in list(lines.items())[:_MAX_FLOW_STEPS]]
    return [{"message": {"text": f"The model lines that {t.rule.id} matched"},
             "threadFlows": [{"locations": locations}]}]


def _result(t: Threat, rule: tuple[str, int], artifacts: _Artifacts, model_files: frozenset[str],
            state: str | None) -> dict[str, Any]:
    chain = t.chain
    out: dict[str, Any] = {
        "ruleId": rule[0],
        "ruleIndex": rule[1],
        "kind": "fail",
        "level": _LEVEL[t.severity.level],
        "message": {"text": t.message if t.manual is None or t.message == t.rule.title
                    else f"{t.rule.title}: {t.message}"},
        "locations": [artifacts.location(t.location)],
        "partialFingerprints": {"tmlogicThreatId/v1": t.id},
        "rank": round(t.severity.score * 10, 1),
        "properties": {
            "threatId": t.id,
            "severity": t.severity.level,
            "score": t.severity.score,
            "security-severity": f"{t.severity.score:.1f}",
            "stride": t.rule.stride,
            "targets": [{"id": i, "name": n} for i, n in zip(t.targets, t.target_names)],
            "mitigation": t.rule.mitigation,
            "mitre": {kind: [r.id for r in refs] for kind, refs in chain.items() if refs},
        },
    }
    if state is not None:
        out["baselineState"] = state
    flow = _code_flow(t, artifacts, model_files)
    if flow:
        out["codeFlows"] = flow
    if t.suppression is not None:
        # In the model (Accepted Threats, accepts=) is "inSource"; a decision in the risk file is "external".
        kind = "external" if t.suppression.origin == "risk-file" else "inSource"
        out["suppressions"] = [{"kind": kind, "status": "accepted", "justification": t.suppression.reason,
                                "location": artifacts.location(t.suppression.span)}]
    return out


def _notification(d: Diagnostic, artifacts: _Artifacts) -> dict[str, Any]:
    return {"level": "error" if d.level.value == "error" else "warning",
            "descriptor": {"id": d.code},
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
            "locations": [artifacts.location(d.span)]}


def _absent(a: AbsentThreat, artifacts: _Artifacts, known: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": a.rule_id,
        "kind": "pass",
        "level": "none",
        "baselineState": "absent",
        "message": {"text": f"Resolved since the baseline: {a.message}"},
        "locations": [artifacts.location(a.location)],
        "partialFingerprints": {"tmlogicThreatId/v1": a.id},
        "properties": {"threatId": a.id, "severity": a.level, "score": a.score,
                       "targets": [{"id": i, "name": n} for i, n in a.targets]},
    }
    if a.rule_id in known:
        out["ruleIndex"] = known[a.rule_id]
    return out


def sarif_dict(result: Result, *, suppressions: bool = False, help_uri: str | None = None) -> dict[str, Any]:
    """The SARIF log. `suppressions`: keep accepted threats, as suppressed results (GitHub ignores
    suppressions, so by default they are left out). `help_uri`: a template for each rule's helpUri."""
    from ..severity import base_level

    artifacts = _Artifacts()
    artifacts.location(SourceSpan(result.model.path, 1))  # the analysed model is artifact 0
    rules = list(result.rules)
    known = {r.id for r in rules}
    rules += sorted({t.rule.id: (t.rule if t.manual is None else _MANUAL_RULE) for t in result.threats
                     if t.rule.id not in known}.values(), key=lambda r: r.id)
    threats = [t for t in result.threats if suppressions or t.suppression is None]
    by_id = {r.id: r for r in rules}
    bands = sorted({(t.rule.id, t.severity.level) for t in threats
                    if t.severity.level != base_level(t.rule.impact, t.rule.likelihood)})
    builtin_rules = _builtin_rules() if help_uri is None else None
    descriptors = [_rule(r, None, _help_uri(r, help_uri, builtin_rules)) for r in rules]
    descriptors += [_rule(by_id[rid], band, _help_uri(by_id[rid], help_uri, builtin_rules))
                    for rid, band in bands]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    model_files = frozenset(m.path for m in result.model.all_models())
    run_tracking = result.tracking if result.tracking is not None and result.tracking.baseline is not None else None

    def descriptor(t: Threat) -> tuple[str, int]:
        rid = t.rule.id if t.severity.level == base_level(t.rule.impact, t.rule.likelihood) else f"{t.rule.id}/{t.severity.level}"
        return rid, index[rid]

    results = [_result(t, descriptor(t), artifacts, model_files,
                       run_tracking.state(t.id).baseline if run_tracking is not None else None) for t in threats]
    if run_tracking is not None:
        results += [_absent(a, artifacts, index) for a in run_tracking.absent]
    notifications = [_notification(d, artifacts) for d in result.warnings]
    artifacts.items[0]["roles"] = ["analysisTarget"]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "tmlogic",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": descriptors,
        }},
        "automationDetails": {"id": f"tmlogic/{result.model.title or Path(result.model.path).name}/"},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The folder tmlogic was run in."}}},
        "artifacts": artifacts.items,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"engine": result.engine, "facts": result.fact_count},
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(result: Result, *, suppressions: bool = False, help_uri: str | None = None) -> str:
    """Compact JSON (one line; `jq .` shows it indented): a third of the size, five times faster."""
    return json.dumps(sarif_dict(result, suppressions=suppressions, help_uri=help_uri),
                      ensure_ascii=False, separators=(",", ":")) + "\n"
