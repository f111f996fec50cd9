"""OTM: import, export valid under the published OTM 0.2.0 schema, and a lossless round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.importers.located import InputError
from tmlogic.model.loader import load_model

SCHEMA = json.loads((DATA / "otm" / "otm-0.2.0.schema.json").read_text(encoding="utf-8"))
SAMPLES = ["otm-0.2.0.example.json", "mobile-cloud.otm.json", "td-example-open-threat-model.json"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _by_id(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {i["id"]: _no_nulls(i) for i in items or []}


def _no_nulls(value: Any) -> Any:
    """null and absent mean the same in OTM; compare without them."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("name", SAMPLES)
def test_import_then_export_gives_back_every_field_of_every_item(name: str, tmp_path: Path) -> None:
    source = json.loads((DATA / "otm" / name).read_text(encoding="utf-8"))
    model, out = tmp_path / "model.md", tmp_path / "out.otm.json"
    assert run("import", "otm", str(DATA / "otm" / name), "-o", str(model), "-q")[0] == 0
    assert run("export", "otm", str(model), "-o", str(out))[0] == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(exported, SCHEMA)
    for key in ("trustZones", "components", "dataflows", "assets", "threats"):
        assert _by_id(exported.get(key)) == _by_id(source.get(key)), key
    used = {m["mitigation"] for group in ("components", "dataflows") for item in source.get(group) or []
            for t in item.get("threats") or [] for m in t.get("mitigations") or []}
    assert _by_id(exported["mitigations"]) == {k: v for k, v in _by_id(source.get("mitigations")).items() if k in used}
    assert exported["project"]["name"] == source["project"]["name"]


def test_the_mapping_rules(tmp_path: Path) -> None:
    draft, report = draft_of("otm", tmp_path, "m.json", (DATA / "otm" / "otm-0.2.0.example.json").read_text())
    zones = {b.name: b for b in draft.boundaries}
    assert zones["Internet"].attrs["is_trusted"] is False and zones["Private"].attrs["is_trusted"] is True
    assert element(draft, "Web Client").kind == "actor" and element(draft, "Web Client").boundary == "Internet"
    assert element(draft, "Customer Database").kind == "datastore"
    assert flows(draft)[("Web Service", "Customer Database")].attrs["data"] == ["Credit Card Data"]
    data = {d.name: d for d in draft.data}
    assert data["Credit Card Data"].attrs["classification"] == "top-secret"
    assert data["Public Info"].attrs["classification"] == "public"
    threat = next(t for t in draft.threats if t.target == "Web Service")
    assert (threat.attrs["stride"], threat.attrs["severity"], threat.attrs["status"]) == ("Spoofing", "critical", "open")
    assert threat.attrs["cwe"] == ["CWE-79", "CWE-787"] and "mitigation 1 (implemented)" in str(threat.attrs["mitigation"])
    text = reasons(report)
    assert "project key 'owner'" in text and "mitigation '3b837730" in text and "Spoofing, Tampering" in text


def test_a_model_written_by_hand_exports_valid_otm_with_its_threats(tmp_path: Path) -> None:
    model = tmp_path / "m.md"
    model.write_text("""\
# Threat Model: Shop
## Boundaries
- **Internet**: isTrusted=False
- **Corp**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Corp, type=web-server
- **Batch**:
## Data
- **Card**: classification=secret, integrity=high
## Dataflows
- **Buy**: from=Customer, to=Web, protocol=HTTPS, data=["Card"], bidirectional=True
## Threats
- **Card skimming**: target=Web, stride=InformationDisclosure, severity=high, status=mitigated, mitigation="CSP and SRI"
""", encoding="utf-8")
    code, out, err = run("export", "otm", str(model))
    assert code == 0, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert {z["id"] for z in doc["trustZones"]} == {"internet", "corp", "tmlogic-outside"}  # Batch is in no boundary
    assert doc["assets"][0]["risk"]["confidentiality"] == 75
    web = next(c for c in doc["components"] if c["id"] == "web")
    assert web["threats"][0]["state"] == "mitigated" and doc["threats"][0]["categories"] == ["InformationDisclosure"]
    assert doc["mitigations"][0]["description"] == "CSP and SRI"
    back = tmp_path / "back.md"
    (tmp_path / "x.json").write_text(out, encoding="utf-8")
    assert run("import", "otm", str(tmp_path / "x.json"), "-o", str(back), "-q")[0] == 0
    loaded, _ = load_model(back)
    assert [(t.name, t.status, t.severity) for t in loaded.threats] == [("Card skimming", "mitigated", "high")]


@pytest.mark.parametrize("text, message", [
    ('{"project": {"name": "x", "id": "x"}}', "no otmVersion"),
    ('{"otmVersion": "0.2.0", "project": {"name": "x", "id": "x"}, "components": [{"id": "c", "name": "C", '
     '"type": "t", "parent": {"trustZone": "nope"}}]}', "is in trust zone 'nope'"),
    ('{"otmVersion": "0.2.0", "project": {"name": "x", "id": "x"}, "components": [{"id": "c", "name": "C", '
     '"type": "t"}]}', "has no parent"),
])
def test_bad_otm_is_a_located_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("otm", tmp_path, "m.json", text)
    assert message in info.value.message
