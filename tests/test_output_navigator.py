"""ATT&CK Navigator layer 4.5: valid against the documented layer fields, techniques scored by
the worst severity of the active threats that reach them, with those threats in the comment."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.diagram.palette import SEVERITY_COLOURS
from tmlogic.outputs.navigator import render_navigator

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"
LAYER_SCHEMA = json.loads((DATA / "navigator-layer-4.5.schema.json").read_text(encoding="utf-8"))
ANCHORS = ROOT / "tests" / "data" / "anchors" / "secopstm"


def layer_of(model: Path, builtin: bool = False) -> dict:
    options = AnalysisOptions(rule_paths=() if builtin else (RULES,), builtin_rules=builtin)
    result = analyze(model, options).result
    text = render_navigator(result)
    assert text == render_navigator(result)
    layer = json.loads(text)
    jsonschema.Draft7Validator(LAYER_SCHEMA).validate(layer)
    return layer


def test_layer_header_follows_format_4_5() -> None:
    layer = layer_of(DATA / "web.md")
    assert layer["versions"]["layer"] == "4.5" and layer["domain"] == "enterprise-attack"
    assert layer["name"] == "tmlogic: Output Test Shop"
    assert layer["gradient"]["minValue"] == 0 and layer["gradient"]["maxValue"] == 10


def test_techniques_take_the_worst_active_threat() -> None:
    layer = layer_of(DATA / "web.md")
    techniques = {t["techniqueID"]: t for t in layer["techniques"]}
    assert {"T1040", "T1190", "T1557"} <= set(techniques)  # the rules name them; enrichment may add more
    sniff = techniques["T1040"]  # TM-OUT-001 on Checkout (critical); its accepted twin does not count
    assert sniff["score"] == 9.4 and sniff["color"] == SEVERITY_COLOURS["critical"]
    assert sniff["comment"].startswith("1 threat, worst critical:")
    assert "TM-OUT-001" in sniff["comment"] and "Checkout" in sniff["comment"]
    assert "App to Orders" not in sniff["comment"]
    exploit = techniques["T1190"]
    assert exploit["score"] == 6.0 and "Orders DB" in exploit["comment"]
    assert [item["label"] for item in layer["legendItems"]] == ["worst threat: critical", "worst threat: elevated"]


def test_schema_rejects_what_the_format_does_not_allow() -> None:
    layer = layer_of(DATA / "web.md")
    layer["techniques"][0]["techniqueID"] = "CAPEC-1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(LAYER_SCHEMA).validate(layer)


def test_a_model_without_techniques_gives_an_empty_valid_layer(tmp_path: Path) -> None:
    model = tmp_path / "m.md"
    model.write_text("# Threat Model: Quiet\n## Servers\n- **A**:\n", encoding="utf-8")
    layer = layer_of(model)
    assert layer["techniques"] == []


def test_dmz_example_layer_is_valid() -> None:
    layer = layer_of(ANCHORS / "threat_model.md", builtin=True)
    assert all(t["score"] <= 10 for t in layer["techniques"])
