"""Threat Dragon v2: the demo models import (threats included), exports are valid v2 models,
and an export imports back to the same model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.importers import IMPORTERS
from tmlogic.importers.located import InputError
from tmlogic.importers.pipeline import read_draft
from tmlogic.model.loader import load_model

TD = DATA / "threat-dragon"
SCHEMA = json.loads((TD / "threat-dragon-v2.schema.json").read_text(encoding="utf-8"))
DEMOS = ["v2-threat-model.json", "three-tier-web-app.json", "online-game.json", "cryptocurrency-wallet.json"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_elements_flows_and_hand_written_threats_of_the_demo_model() -> None:
    draft, report, _ = read_draft(IMPORTERS["threat-dragon"], [TD / "v2-threat-model.json"])
    assert element(draft, "Browser").kind == "actor" and element(draft, "Database").kind == "datastore"
    assert element(draft, "Worker Config").attrs["stores_credentials"] is True
    web = flows(draft)[("Web Application", "Browser")]
    assert web.attrs["is_encrypted"] is True and web.attrs["is_public"] is True
    assert len(draft.threats) == 14
    unauthorised = next(t for t in draft.threats if t.name == "Unauthorised access")
    assert (unauthorised.target, unauthorised.attrs["status"], unauthorised.attrs["severity"]) == \
        ("Database", "mitigated", "high")
    assert unauthorised.attrs["id"] == "21fc4b20-ca29-4891-9691-d8f0331b2a11"
    text = reasons(report)
    assert "trust-boundary curve" in text and "crossed by" in text
    assert "a loose end 10 px from 'Browser'" in text  # the Web Request flow was dropped beside the actor


def test_boxes_hold_the_elements_inside_them() -> None:
    draft, report, _ = read_draft(IMPORTERS["threat-dragon"], [TD / "three-tier-web-app.json"])
    zones = {b.name: b for b in draft.boundaries}
    assert zones["Internet"].attrs["is_trusted"] is False
    assert element(draft, "Web UI").boundary == "Internet"
    assert element(draft, "PostgresSQL").boundary == "Public Cloud"
    assert "read as trusted from its name" in reasons(report) or "read as untrusted" in reasons(report)


def test_other_methodologies_are_filed_under_the_nearest_stride_category() -> None:
    draft, report, _ = read_draft(IMPORTERS["threat-dragon"], [TD / "cryptocurrency-wallet.json"])
    assert [t.attrs["stride"] for t in draft.threats] == ["Tampering"]  # CIA Integrity
    assert "CIA category 'Integrity' filed under Tampering" in reasons(report)


@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_imports_and_exports_a_valid_model_that_imports_back(demo: str, tmp_path: Path) -> None:
    model, exported, back = tmp_path / "m.md", tmp_path / "out.json", tmp_path / "back.md"
    assert run("import", "threat-dragon", str(TD / demo), "-o", str(model), "-q")[0] == 0
    assert run("export", "threat-dragon", str(model), "-o", str(exported))[0] == 0
    jsonschema.validate(json.loads(exported.read_text(encoding="utf-8")), SCHEMA)
    assert run("import", "threat-dragon", str(exported), "-o", str(back), "-q")[0] == 0
    first, again = load_model(model)[0], load_model(back)[0]
    assert sorted((e.name, e.kind, e.boundary) for e in first.elements) == \
        sorted((e.name, e.kind, e.boundary) for e in again.elements)
    assert sorted((f.name, f.source, f.target, f.protocol) for f in first.flows) == \
        sorted((f.name, f.source, f.target, f.protocol) for f in again.flows)
    assert sorted((b.name, b.parent, b.trusted) for b in first.boundaries) == \
        sorted((b.name, b.parent, b.trusted) for b in again.boundaries)
    assert sorted((t.name, t.target, t.stride, t.status, t.key) for t in first.threats) == \
        sorted((t.name, t.target, t.stride, t.status, t.key) for t in again.threats)


def test_a_hand_written_model_exports_nested_boxes_around_its_elements(tmp_path: Path) -> None:
    model = tmp_path / "m.md"
    model.write_text("""\
# Threat Model: Boxes
## Boundaries
- **Corp**: isTrusted=True
  - **Data Zone**: isTrusted=True
## Servers
- **App**: boundary=Corp
## Datastores
- **DB**: boundary="Data Zone"
## Dataflows
- **Query**: from=App, to=DB, protocol=SQL
""", encoding="utf-8")
    code, out, _ = run("export", "threat-dragon", str(model))
    assert code == 0
    cells = json.loads(out)["detail"]["diagrams"][0]["cells"]
    box = {c["data"]["name"]: c for c in cells if c["shape"] == "trust-boundary-box"}
    db = next(c for c in cells if c.get("data", {}).get("name") == "DB")

    def inside(cell: dict, outer: dict) -> bool:
        x, y, w, h = cell["position"]["x"], cell["position"]["y"], cell["size"]["width"], cell["size"]["height"]
        ox, oy = outer["position"]["x"], outer["position"]["y"]
        return ox <= x and oy <= y and x + w <= ox + outer["size"]["width"] and y + h <= oy + outer["size"]["height"]

    assert inside(db, box["Data Zone"]) and inside(box["Data Zone"], box["Corp"])


@pytest.mark.parametrize("text, message", [
    ('{"title": "x"}', "not a Threat Dragon v2 model"),
    ('{"version": "1.0", "summary": {"title": "x"}, "detail": {"diagrams": []}}', "version 1.0 is not supported"),
    ('{"summary": {"title": "x"}, "detail": {"diagrams": [{"cells": [{"shape": "trust-boundary-box", '
     '"data": {"type": "tm.BoundaryBox"}}]}]}}', "without a position and size"),
])
def test_bad_threat_dragon_models_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("threat-dragon", tmp_path, "m.json", text)
    assert message in info.value.message
