"""GitLab's SAST report (`artifacts:reports:sast`), schema 15.0.7: each active threat a
vulnerability in the merge-request widget and the vulnerability report, on its model line.

- `id` is a UUID derived from the stable threat id, so GitLab tracks a threat across pipelines;
  the primary identifier is the threat id, then the rule, CWE and CAPEC ids.
- severity: tmlogic's five levels onto GitLab's scale (elevated and medium are both Medium).
- Accepted threats are left out: GitLab would show them as new vulnerabilities to triage.
- The scan's start and end time are one fixed instant (SOURCE_DATE_EPOCH when set), so two runs
  give identical bytes.
Valid against GitLab's published schema (tests/data/outputs/gitlab-sast-report-format-15.0.7.json).
"""

from __future__ import annotations

import uuid

from .. import __version__
from ..result import Result, Threat
from ..textsafe import markdown_inline, neutralise_mentions
from .clock import report_time
from ..kb.enrich import url_for
from ..typing_runtime import Any
from .indented_json import dumps_indented

__all__ = ["render_gitlab_sast", "gitlab_sast_dict", "SCHEMA_VERSION"]

SCHEMA_VERSION = "15.0.7"
_SCHEMA_URI = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
               f"v{SCHEMA_VERSION}/dist/sast-report-format.json")
_NAMESPACE = uuid.UUID("3b8c6a52-4f0e-5d8e-9d3a-6a1f2c7e9b41")  # tmlogic's namespace for GitLab ids
_SEVERITY = {"critical": "Critical", "high": "High", "elevated": "Medium", "medium": "Medium", "low": "Low"}
_TOOL = {"id": "tmlogic", "name": "tmlogic", "version": __version__, "vendor": {"name": "tmlogic"}}


def _identifiers(t: Threat) -> list[dict[str, str]]:
    out = [{"type": "tmlogic_threat", "name": f"tmlogic threat {t.id}", "value": t.id},
           {"type": "tmlogic_rule", "name": f"{t.rule.id} {t.rule.title}"[:255], "value": t.rule.id}]
    for kind, ids in (("cwe", t.rule.cwe), ("capec", t.rule.capec)):
        for ident in ids:
            entry = {"type": kind, "name": ident, "value": ident.split("-", 1)[-1]}
            link = url_for(ident)
            if link:
                entry["url"] = link
            out.append(entry)
    return out


def _vulnerability(t: Threat) -> dict[str, Any]:
    s = t.severity
    # GitLab renders the description and the solution as Markdown: model and rule-pack text goes in
    # inert (textsafe), so a crafted element name cannot mention people or link issues.
    targets = ", ".join(markdown_inline(n) for n in t.target_names)
    description = (f"{markdown_inline(t.message)}\n\nSTRIDE: {t.rule.stride}. Severity {s.level} (score {s.score:g}; "
                   f"impact {s.impact}, likelihood {s.likelihood}). Targets: {targets}. "
                   f"Explain it with `tmlogic explain MODEL {t.id}`.")
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, t.id)),
        "name": neutralise_mentions(t.rule.title)[:255],
        "description": description,
        "severity": _SEVERITY[s.level],
        "solution": markdown_inline(t.rule.mitigation or "See the rule's documentation.")[:7000],
        "identifiers": _identifiers(t),
        "location": {"file": t.location.path, "start_line": t.location.line, "end_line": t.location.end_line or t.location.line},
    }
    links = [{"name": r, "url": r} for r in t.rule.references if r.startswith(("https://", "http://"))]
    if links:
        out["links"] = links
    return out


def gitlab_sast_dict(result: Result) -> dict[str, Any]:
    when = report_time().strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "schema": _SCHEMA_URI,
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": _TOOL,
            "scanner": _TOOL,
            "type": "sast",
            "status": "success",
            "start_time": when,
            "end_time": when,
        },
        "vulnerabilities": [_vulnerability(t) for t in result.active],
    }


def render_gitlab_sast(result: Result) -> str:
    return dumps_indented(gitlab_sast_dict(result)) + "\n"
