"""Hand-written threats (## Threats, threats: in YAML): the language, stable ids, and every output."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tmlogic._errors import ModelError
from tmlogic.analysis import analyze
from tmlogic.model.loader import load_model
from tmlogic.outputs.explain import render_explanation
from tmlogic.outputs.formats import render_format
from tmlogic.outputs.json_output import schema_path
from tmlogic.tracking.risks import parse_risks

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = ROOT / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json"

MD = """\
# Threat Model: Shop
## Boundaries
- **Internet**: isTrusted=False
- **Corp**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Corp, type=web-server
## Dataflows
- **Browse**: from=Customer, to=Web, protocol=HTTPS
## Threats
- **Session theft**: target=Web, stride="Information Disclosure", severity=high, status=open,
  description="A stolen cookie opens the account", mitigation="HttpOnly, SameSite", cwe=["CWE-1004", 614]
- **Credential stuffing**: target=Browse, stride=spoofing, severity=elevated, likelihood=frequent, status=mitigated,
  mitigation="Rate limits and MFA", id=TD-42
- **Defacement**: target=Web, stride=Tampering, status="not applicable"
"""
YAML = """\
title: Shop
boundaries:
  - {name: Internet, isTrusted: false}
  - {name: Corp, isTrusted: true}
actors:
  - {name: Customer, boundary: Internet}
servers:
  - {name: Web, boundary: Corp, type: web-server}
dataflows:
  - {name: Browse, from: Customer, to: Web, protocol: HTTPS}
threats:
  - name: Session theft
    target: Web
    stride: Information Disclosure
    severity: high
    status: open
    description: A stolen cookie opens the account
    mitigation: HttpOnly, SameSite
    cwe: [CWE-1004, 614]
  - {name: Credential stuffing, target: Browse, stride: spoofing, severity: elevated, likelihood: frequent,
     status: mitigated, mitigation: Rate limits and MFA, id: TD-42}
  - {name: Defacement, target: Web, stride: Tampering, status: not applicable}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def manual(result):  # type: ignore[no-untyped-def]
    return {t.rule.title: t for t in result.threats if t.manual is not None}


def test_the_markdown_and_yaml_forms_give_the_same_threats(tmp_path: Path) -> None:
    md, _ = load_model(write(tmp_path, "m.md", MD), strict=True)
    ya, _ = load_model(write(tmp_path, "m.yaml", YAML), strict=True)
    strip = [(t.name, t.target, t.stride, t.severity, t.likelihood, t.status, t.key, t.mitigation, t.cwe)
             for t in md.threats]
    assert strip == [(t.name, t.target, t.stride, t.severity, t.likelihood, t.status, t.key, t.mitigation, t.cwe)
                     for t in ya.threats]
    assert strip[0] == ("Session theft", "web", "InformationDisclosure", "high", "likely", "open", "session-theft",
                        "HttpOnly, SameSite", ("CWE-1004", "CWE-614"))
    assert md.threats[1].key == "TD-42" and md.threats[2].status == "not-applicable"


@pytest.mark.parametrize("entry, code, text", [
    ('- **X**: stride=Spoofing', "missing-key", "has no target"),
    ('- **X**: target=Web', "missing-key", "has no STRIDE category"),
    ('- **X**: target=Nowhere, stride=Spoofing', "unknown-element", "'Nowhere'"),
    ('- **X**: target=Web, stride=Sneaking', "bad-enum", "is not a valid stride"),
    ('- **X**: target=Web, stride=Spoofing, severity=huge', "bad-enum", "is not a valid severity"),
    ('- **X**: target=Web, stride=Spoofing, status=done', "bad-enum", "is not a valid status"),
    ('- **X**: target=Web, stride=Spoofing, cwe=["XSS"]', "bad-value", "is not a CWE id"),
    ('- **Session theft**: target=Web, stride=Spoofing', "duplicate-name", "written twice for the same target"),
])
def test_mistakes_are_located_errors(tmp_path: Path, entry: str, code: str, text: str) -> None:
    with pytest.raises(ModelError) as info:
        load_model(write(tmp_path, "m.md", MD + entry + "\n"))
    problem = next(d for d in info.value.errors if d.code == code)
    assert text in problem.message and problem.span.line == MD.count("\n") + 1


def test_they_join_the_derived_threats_marked_manual_with_their_status(tmp_path: Path) -> None:
    result = analyze(write(tmp_path, "m.md", MD)).result
    found = manual(result)
    assert set(found) == {"Session theft", "Credential stuffing", "Defacement"}
    theft = found["Session theft"]
    assert theft.rule.id == "MANUAL" and theft.suppression is None and theft in result.active
    # high x likely in the severity matrix, never adjusted
    assert (theft.severity.level, theft.severity.score, theft.severity.adjustments) == ("high", 7.8, ())
    assert theft.location.line == 12 and theft.proof.origin is not None and theft.proof.origin.line == 12
    stuffing = found["Credential stuffing"]
    assert stuffing.suppression is not None and "mitigated in the model: Rate limits and MFA" in stuffing.suppression.reason
    assert stuffing.severity.likelihood == "frequent" and stuffing.severity.level == "high"  # 6.0 x 1.25
    assert found["Defacement"].suppression is not None and found["Defacement"] not in result.active
    assert any(t.manual is None for t in result.threats)  # the rules ran too


def test_ids_are_stable_across_unrelated_edits_and_follow_the_explicit_id(tmp_path: Path) -> None:
    first = manual(analyze(write(tmp_path, "a.md", MD)).result)
    edited = MD.replace("- **Browse**:", "- **Admin**: from=Customer, to=Web, protocol=SSH\n- **Browse**:")
    edited = edited.replace("Credential stuffing", "Password spraying").replace('severity=high, status=open', 'severity=medium')
    second = manual(analyze(write(tmp_path, "b.md", "\n\n" + edited)).result)
    assert first["Session theft"].id == second["Session theft"].id
    assert first["Credential stuffing"].id == second["Password spraying"].id  # id=TD-42 keeps it


def test_every_output_carries_them(tmp_path: Path) -> None:
    result = analyze(write(tmp_path, "m.md", MD)).result
    theft = manual(result)["Session theft"]
    data = json.loads(render_format(result, "json"))
    jsonschema.validate(data, json.loads(schema_path().read_text(encoding="utf-8")))
    assert data["version"] == "2.0"
    entry = next(t for t in data["threats"] if t["id"] == theft.id)
    assert entry["manual"] == {"status": "open"} and entry["rule_id"] == "MANUAL"
    assert data["proofs"]["nodes"][entry["proof"]]["source"]["line"] == 12 and entry["cwe"] == ["CWE-1004", "CWE-614"]
    assert all(t["manual"] is None for t in data["threats"] if t["rule_id"] != "MANUAL")
    sarif = json.loads(render_format(result, "sarif"))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]].count("MANUAL") == 1
    res = next(r for r in run["results"] if r["partialFingerprints"]["tmlogicThreatId/v1"] == theft.id)
    assert res["message"]["text"] == "Session theft: A stolen cookie opens the account"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert all("suppressions" not in r for r in run["results"])  # accepted ones are left out by default
    from tmlogic.outputs.sarif import sarif_dict

    kept = sarif_dict(result, suppressions=True)["runs"][0]["results"]
    stuffing = next(r for r in kept if r["ruleId"] == "MANUAL" and "suppressions" in r
                    and "Rate limits" in r["suppressions"][0]["justification"])
    assert stuffing["suppressions"][0]["kind"] == "inSource"
    text = render_format(result, "text")
    assert f"{theft.id}  MANUAL  Session theft" in text and "ACCEPTED (2)" in text
    markdown = render_format(result, "markdown")
    assert "MANUAL: Session theft" in markdown
    html = render_format(result, "html")
    assert "Written by hand in the model" in html and "Session theft" in html
    stix = json.loads(render_format(result, "stix"))
    names = [o["name"] for o in stix["objects"] if o["type"] == "attack-pattern"]
    assert "Session theft" in names and "Credential stuffing" in names
    explained = render_explanation(theft, result.model.names())
    assert "Written by hand in the model" in explained and "manual_threat(" in explained


def test_risk_files_and_baselines_track_them(tmp_path: Path) -> None:
    from tmlogic.cli import app
    from tmlogic.cli.testing import CliRunner

    model = write(tmp_path, "m.md", MD)
    theft = manual(analyze(model).result)["Session theft"]
    write(tmp_path, "m.risks.yaml", f"version: 1\nrisks:\n  - id: {theft.id}\n    status: accepted\n"
                                    "    justification: SSO cookie, reviewed by the platform team\n")
    out = CliRunner().invoke(app, ["analyze", str(model), "--format", "json", "-q"])
    assert out.exit_code == 0, out.stderr
    entry = next(t for t in json.loads(out.stdout)["threats"] if t["id"] == theft.id)
    assert entry["accepted"]["file"].endswith("m.risks.yaml")
    baseline = write(tmp_path, "base.json", out.stdout)
    edited = write(tmp_path, "m.md", MD.replace("Session theft", "Session theft", 1) + "- **Replay**: target=Web, "
                   "stride=Spoofing\n")
    again = CliRunner().invoke(app, ["analyze", str(edited), "--baseline", str(baseline)])
    assert again.exit_code == 0
    assert "1 new" in again.stdout and "0 resolved" in again.stdout  # the existing manual threats kept their ids
