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
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
ANCHORS = ROOT.parent / "shared" / "anchors" / "secopstm"
needs_schema = pytest.mark.skipif(not SCHEMA.is_file(), reason="the shared SARIF schema is not beside this checkout")


def sarif_of(model: Path, builtin: bool = False) -> dict:
    options = AnalysisOptions(rule_paths=() if builtin else (RULES,), builtin_rules=builtin)
    result = analyze(model, options).result
    text = render_sarif(result)
    assert text == render_sarif(result)  # deterministic
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


@needs_schema
def test_results_are_anchored_on_model_lines_and_valid(shop: Path) -> None:
    doc = sarif_of(shop)
    validate(doc)
    run = doc["runs"][0]
    results = run["results"]
    assert len(results) == 3  # two active, one accepted
    checkout = next(r for r in results if r["properties"]["targets"][0]["id"] == "checkout")
    location = checkout["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models/web.md"
    assert location["artifactLocation"]["uriBaseId"] == SRCROOT
    lines = (DATA / "web.md").read_text(encoding="utf-8").splitlines()
    assert location["region"]["startLine"] == next(i for i, line in enumerate(lines, 1) if "**Checkout**" in line)
    assert checkout["level"] == "error" and checkout["ruleId"] == "TM-OUT-001"
    assert checkout["partialFingerprints"]["tmlogicThreatId/v1"] == checkout["properties"]["threatId"]
    assert run["tool"]["driver"]["rules"][checkout["ruleIndex"]]["id"] == "TM-OUT-001"
    steps = checkout["codeFlows"][0]["threadFlows"][0]["locations"]
    assert all(s["location"]["physicalLocation"]["artifactLocation"]["uri"] == "models/web.md" for s in steps)
    assert any("flow(" in s["location"]["message"]["text"] for s in steps)


@needs_schema
def test_rules_carry_stride_capec_cwe_and_security_severity(shop: Path) -> None:
    rules = {r["id"]: r for r in sarif_of(shop)["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["TM-OUT-001"]
    assert rule["name"] == "CleartextFlow"
    assert rule["shortDescription"]["text"] == "Cleartext flow"
    assert rule["help"]["markdown"].startswith("## TM-OUT-001") and "Use TLS" in rule["help"]["text"]
    props = rule["properties"]
    assert props["security-severity"] == "8.0" and isinstance(props["security-severity"], str)
    assert props["capec"] == ["CAPEC-157"] and props["cwe"] == ["CWE-319"]
    assert {"security", "stride/informationdisclosure", "external/cwe/cwe-319", "external/capec/capec-157"} <= set(
        props["tags"])
    assert rules["TM-OUT-002"]["properties"]["security-severity"] == "4.0"


@needs_schema
def test_accepted_threats_are_suppressed_results(shop: Path) -> None:
    results = sarif_of(shop)["runs"][0]["results"]
    accepted = [r for r in results if "suppressions" in r]
    assert len(accepted) == 1
    suppression = accepted[0]["suppressions"][0]
    assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
    assert suppression["justification"] == "The database link runs inside one host"


@needs_schema
def test_a_model_outside_the_working_folder_gets_a_file_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = sarif_of(DATA / "web.md")
    validate(doc)
    uri = doc["runs"][0]["artifacts"][0]["location"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/web.md")


@needs_schema
@pytest.mark.skipif(not ANCHORS.is_dir(), reason="the shared SecOpsTM anchors are not beside this checkout")
def test_dmz_example_with_the_builtin_rules_is_valid_sarif() -> None:
    doc = sarif_of(ANCHORS / "threat_model.md", builtin=True)
    validate(doc)
    assert doc["runs"][0]["results"], "the DMZ example has threats"
