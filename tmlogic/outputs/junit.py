"""JUnit XML for CI test reports (GitLab `artifacts:reports:junit`, Jenkins, Azure DevOps).

One test suite per run; one test case per rule and target: a threat is a test case named after
its targets, failed when it fails the build (at or above --fail-on, a hard-fail rule, an expired
risk entry: the gate in Result.tracking), skipped when accepted, passed otherwise; a rule that
found nothing is one passing test case. Valid against Jenkins' junit-10.xsd (tests/data).
Deterministic: no timestamps, times are 0, order is the result's.
"""

from __future__ import annotations

import re

from ..result import Result, Threat
from ..textsafe import terminal_safe

__all__ = ["render_junit"]

# Characters XML 1.0 cannot hold at all, even escaped (control characters bar tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text for XML: control characters shown as visible escapes (textsafe, as on a terminal: CI
    servers print these reports in their logs), then what XML cannot hold replaced."""
    return _NOT_XML.sub("\ufffd", terminal_safe(text))


# xml.sax.saxutils would do, but importing it imports urllib.request, http.client and ssl: more
# than a third of this renderer's time on the DMZ model.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def escape(text: str) -> str:
    """Character data: &, < and > as entities."""
    return text.translate(_TEXT_ESCAPES)


def quoteattr(text: str) -> str:
    """An attribute value with its quotes: double quotes unless the value holds one and no
    single quote; line ends and tabs as character references, so parsers keep them."""
    text = text.translate(_ATTR_ESCAPES)
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def _attrs(**values: str | int) -> str:
    return "".join(f" {k.rstrip('_')}={quoteattr(xml_text(str(v)))}" for k, v in values.items())


def _case(t: Threat, fails: str | None, failing_reason: str) -> list[str]:
    targets = ", ".join(t.target_names)
    head = f"    <testcase{_attrs(classname=t.rule.id, name=f'{targets} ({t.id})', time='0')}>"
    where = f"{t.location.path}:{t.location.line}"
    detail = (f"{t.message}\nat {where}\nseverity {t.severity.level} (score {t.severity.score:g}), "
              f"{t.rule.stride}\nfix: {t.rule.mitigation}")
    if t.suppression is not None:
        body = f"      <skipped{_attrs(message='accepted: ' + t.suppression.reason)}/>"
    elif fails is not None:
        text = escape(xml_text(f"{detail}\nfails the build: {failing_reason}"))
        body = (f"      <failure{_attrs(type=t.severity.level, message=f'{t.rule.title}: {t.message}')}>"
                f"{text}</failure>")
    else:
        body = f"      <system-out>{escape(xml_text(detail))}</system-out>"
    return [head, body, "    </testcase>"]


_REASONS = {"untracked": "not accepted in the model or the risk file", "new": "new since the baseline",
            "worse": "crossed the gate since the baseline", "expired": "its risk-file entry expired",
            "in-progress": "in progress in the risk file, not resolved", "hard-fail": "its rule is set to hard-fail"}


def render_junit(result: Result) -> str:
    run = result.tracking
    fired = {t.rule.id for t in result.threats}
    lines: list[str] = []
    failures = skipped = 0
    for t in result.threats:
        fails = run.state(t.id).fails if run is not None else None
        failures += t.suppression is None and fails is not None
        skipped += t.suppression is not None
        lines += _case(t, fails, _REASONS.get(fails or "", fails or ""))
    quiet = [r for r in result.rules if r.id not in fired]
    for r in quiet:
        lines.append(f"    <testcase{_attrs(classname=r.id, name='no threat', time='0')}/>")
    tests = len(result.threats) + len(quiet)
    title = result.model.title or result.model.path
    gate = run.gate if run is not None else None
    props = [("model", result.model.path), ("fail-on", gate.fail_on if gate else "none"),
             ("new-only", str(gate.new_only).lower() if gate else "false"), ("engine", result.engine)]
    if run is not None and run.baseline:
        props.append(("baseline", run.baseline))
    suite = _attrs(name=f"tmlogic: {title}", tests=tests, failures=failures, errors=0, skipped=skipped, time="0")
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<testsuites{_attrs(name='tmlogic', tests=tests, failures=failures, errors=0, time='0')}>",
           f"  <testsuite{suite}>",
           "    <properties>", *[f"      <property{_attrs(name=k, value=v)}/>" for k, v in props], "    </properties>",
           *lines, "  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"
