"""SARIF 2.1.0: valid against the official schema, one result per threat on the model line,
rules with STRIDE/CAPEC/CWE and security-severity, suppressions for accepted threats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.sarif import SRCROOT, render_sarif

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"
SCHEMA = ROOT / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json"
ANCHORS = ROOT / "tests" / "data" / "anchors" / "secopstm"


def sarif_of(model: Path, builtin: bool = False, **options: object) -> dict:
    analysis = AnalysisOptions(rule_paths=() if builtin else (RULES,), builtin_rules=builtin)
    result = analyze(model, analysis).result
    text = render_sarif(result, **options)  # type: ignore[arg-type]
    assert text == render_sarif(result, **options)  # type: ignore[arg-type]  # deterministic
    return json.loads(text)


def validate(doc: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)


@pytest.fixture()
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test model copied into a working folder, so locations are relative to it."""
    folder = tmp_path / "repo" / "models"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "web.md", folder / "web.md")
    monkeypatch.chdir(tmp_path / "repo")
    return Path("models/web.md")


def test_results_are_anchored_on_model_lines_and_valid(shop: Path) -> None:
    doc = sarif_of(shop)
    validate(doc)
    run = doc["runs"][0]
    results = run["results"]
    assert len(results) == 2  # two active; the accepted one is left out (GitHub ignores suppressions)
    checkout = next(r for r in results if r["properties"]["targets"][0]["id"] == "checkout")
    location = checkout["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models/web.md"
    assert location["artifactLocation"]["uriBaseId"] == SRCROOT
    lines = (DATA / "web.md").read_text(encoding="utf-8").splitlines()
    assert location["region"]["startLine"] == next(i for i, line in enumerate(lines, 1) if "**Checkout**" in line)
    assert checkout["level"] == "error" and checkout["ruleId"].startswith("TM-OUT-001")
    assert checkout["partialFingerprints"]["tmlogicThreatId/v1"] == checkout["properties"]["threatId"]
    assert run["tool"]["driver"]["rules"][checkout["ruleIndex"]]["id"] == checkout["ruleId"]
    steps = checkout["codeFlows"][0]["threadFlows"][0]["locations"]
    assert all(s["location"]["physicalLocation"]["artifactLocation"]["uri"] == "models/web.md" for s in steps)
    assert any("flow(" in s["location"]["message"]["text"] for s in steps)


def test_rules_carry_stride_capec_cwe_and_security_severity(shop: Path) -> None:
    rules = {r["id"]: r for r in sarif_of(shop)["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["TM-OUT-001"]
    assert rule["name"] == "CleartextFlow"
    assert rule["shortDescription"]["text"] == "Cleartext flow"
    assert rule["help"]["markdown"].startswith("## TM-OUT-001") and "Use TLS" in rule["help"]["text"]
    props = rule["properties"]
    assert props["security-severity"] == "7.8"  # high x likely in the severity.py matrix
    assert isinstance(props["security-severity"], str)
    assert props["capec"] == ["CAPEC-157"] and props["cwe"] == ["CWE-319"]
    assert {"security", "stride/informationdisclosure", "external/cwe/cwe-319", "external/capec/capec-157"} <= set(
        props["tags"])
    assert rules["TM-OUT-002"]["properties"]["security-severity"] == "6.0"  # elevated x likely


def test_accepted_threats_are_left_out_unless_suppressions_are_asked_for(shop: Path) -> None:
    assert not [r for r in sarif_of(shop)["runs"][0]["results"] if "suppressions" in r]
    doc = sarif_of(shop, suppressions=True)
    validate(doc)
    results = doc["runs"][0]["results"]
    accepted = [r for r in results if "suppressions" in r]
    assert len(accepted) == 1
    suppression = accepted[0]["suppressions"][0]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == "The database link runs inside one host"


def test_a_model_outside_the_working_folder_gets_a_file_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = sarif_of(DATA / "web.md")
    validate(doc)
    uri = doc["runs"][0]["artifacts"][0]["location"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/web.md")


def test_dmz_example_with_the_builtin_rules_is_valid_sarif() -> None:
    doc = sarif_of(ANCHORS / "threat_model.md", builtin=True)
    validate(doc)
    assert doc["runs"][0]["results"], "the DMZ example has threats"


def test_a_threat_raised_to_critical_reaches_code_scanning_as_critical(shop: Path) -> None:
    doc = sarif_of(shop)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    checkout = next(r for r in run["results"] if r["properties"]["targets"][0]["id"] == "checkout")
    assert checkout["properties"]["severity"] == "critical"  # the rule says high; the model raises it
    descriptor = rules[checkout["ruleIndex"]]
    assert descriptor["id"] == "TM-OUT-001/critical" and descriptor["properties"]["rule"] == "TM-OUT-001"
    assert float(descriptor["properties"]["security-severity"]) >= 9.0  # GitHub's critical band
    # the rule's own descriptor keeps the rule's severity for results at its level
    assert next(r for r in rules if r["id"] == "TM-OUT-001")["properties"]["security-severity"] == "7.8"


def test_builtin_rules_have_a_help_uri_and_a_template_covers_any_rule(shop: Path) -> None:
    doc = sarif_of(ANCHORS / "threat_model.md", builtin=True)
    uris = {r["id"]: r.get("helpUri") for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert uris["TM-NET-001"].endswith("/docs/rules.md#tm-net-001-" + "-".join(
        next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "TM-NET-001")["shortDescription"]["text"]
        .lower().replace(",", "").split()))
    assert uris["TM-NET-001"].startswith("https://")
    assert all(u is None for u in {r["id"]: r.get("helpUri") for r in sarif_of(shop)["runs"][0]["tool"]["driver"]["rules"]}.values())
    custom = sarif_of(shop, help_uri="https://wiki.example.org/rules/{rule}")
    assert {r.get("helpUri") for r in custom["runs"][0]["tool"]["driver"]["rules"]} >= {"https://wiki.example.org/rules/TM-OUT-001"}


def test_with_a_baseline_results_carry_baseline_state_and_absent_ones_are_listed(shop: Path) -> None:
    from tmlogic.records import replace

    from tmlogic.tracking import snapshot_result, track

    result = analyze(shop, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result
    before = snapshot_result(result, "base.json")
    first, second = (next(s for s in before.threats if s.id == t.id) for t in result.active[:2])
    gone = replace(first, id="T0000000000", message="An old threat")
    moved = replace(second, level="low", score=1.0)
    baseline = replace(before, threats=(gone, moved))
    annotated = track(shop, result, baseline=baseline, use_risk_file=False).annotated()
    doc = json.loads(render_sarif(annotated))
    validate(doc)
    states = {r["properties"]["threatId"]: r["baselineState"] for r in doc["runs"][0]["results"]}
    assert states[first.id] == "new" and states[moved.id] == "updated"
    assert states["T0000000000"] == "absent"
    absent = next(r for r in doc["runs"][0]["results"] if r["baselineState"] == "absent")
    assert absent["kind"] == "pass" and absent["level"] == "none" and "An old threat" in absent["message"]["text"]
    assert "baselineState" not in json.dumps(sarif_of(shop))  # no baseline, no state


@pytest.mark.parametrize("path, folder", [
    ("/a/rules/x.dl", "/a/rules"), ("/a/rules", "/a/rules"), ("/a/rulesx/x.dl", "/a/rules"), ("/a/x.dl", "/a/rules"),
    ("/a/rules/sub/x.dl", "/a/rules"), ("/x.dl", "/"), ("/a/rules/x.dl", "/b"),
])
def test_within_is_is_relative_to(path: str, folder: str) -> None:
    from tmlogic.outputs.sarif import _within

    assert _within(path, folder) == Path(path).is_relative_to(folder)
