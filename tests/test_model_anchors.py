"""Every real SecOpsTM model in the anchors (copies in tests/data, see SOURCE.txt) parses with no error and no warning (strict)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic.model.loader import MODEL_SUFFIXES, load_model

ANCHORS = Path(__file__).parent / "data" / "anchors" / "secopstm"

MODELS = sorted(p for p in ANCHORS.rglob("*") if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES)


def test_anchor_models_are_found() -> None:
    names = {p.relative_to(ANCHORS).as_posix() for p in MODELS}
    assert {"threat_model.md", "nested_zones_template.md", "projects/example_2/main.md",
            "projects/example_2/backend/database/model.md"} <= names


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.relative_to(ANCHORS).as_posix())
def test_anchor_parses_strictly(path: Path) -> None:
    model, warnings = load_model(path, strict=True)
    assert warnings == []
    assert model.boundaries or model.elements or model.protocol_styles


def test_advanced_dmz() -> None:
    model, _ = load_model(ANCHORS / "threat_model.md", strict=True)
    assert model.title == "Advanced DMZ Architecture"
    assert model.description is not None and model.description.startswith("This model describes")
    assert (len(model.boundaries), len(model.elements), len(model.data), len(model.flows)) == (5, 23, 13, 27)
    assert {b.id: b.trusted for b in model.boundaries} == {
        "internet": False, "dmz": True, "gateway-zone": True, "intranet": True, "command-zone": False}
    elements = {e.id: e for e in model.elements}
    assert elements["gateway-load-balancer"].type == "load-balancer"
    assert elements["external-client-1"].boundary == "internet"
    assert {d.id: d.classification for d in model.data}["ssh-traffic"] == "top-secret"
    test1 = next(f for f in model.flows if f.id == "test1")
    assert (test1.source, test1.target, test1.protocol, test1.data) == (
        "external-client-1", "external-firewall", "HTTPS", ("web-traffic",))
    assert {a.key: a.value for a in test1.attrs} == {"is_encrypted": True, "bidirectional": True}
    assert {m.target: m.factor for m in model.multipliers}["gateway-load-balancer"] == 2.2
    assert [m.name for m in model.mitre_mappings][-1] == "Privilege Escalation"
    assert model.mitre_mappings[0].techniques[0] == ("T1565", "Data Manipulation")


def test_nested_zones() -> None:
    model, _ = load_model(ANCHORS / "nested_zones_template.md", strict=True)
    assert [(b.id, b.parent) for b in model.boundaries] == [
        ("infrastructure-zone", None), ("main-subzone", "infrastructure-zone"),
        ("fallback-subzone", "infrastructure-zone")]
    assert {e.id: e.type for e in model.elements}["server-main-03"] == "database-server"


def test_monolith_comment_headings_and_names_with_commas() -> None:
    model, _ = load_model(ANCHORS / "Simple_Monolithic_Web_Application.md", strict=True)
    assert model.multipliers == () and model.mitre_mappings == ()
    db = next(e for e in model.elements if e.name.startswith("Database Server"))
    assert db.id == "database-server-mysql-postgresql-mongodb" and db.boundary == "database"


def test_example_2_project() -> None:
    model, _ = load_model(ANCHORS / "projects" / "example_2" / "main.md", strict=True)
    assert [(e.id, e.submodel) for e in model.elements if e.submodel] == [
        ("webapp", "frontend/model.md"), ("backendservices", "backend/model.md")]
    prefixes = [m.id_prefix for m in model.all_models()]
    assert prefixes == ["", "frontend/model.md#", "backend/model.md#", "backend/database/model.md#"]
    database = model.all_models()[3]
    assert database.flows[0].protocol == "DB SYNC"
    ids = [x.id for m in model.all_models() for x in (*m.elements, *m.flows)]
    assert len(ids) == len(set(ids))


def test_ansible_embedded_models() -> None:
    model, _ = load_model(ANCHORS / "ansible" / "generic_infrastructure" / "complex_network_topology_playbook.yml",
                          strict=True)
    assert [(b.id, b.parent) for b in model.boundaries] == [
        ("infra-boundary", None), ("main", "infra-boundary"), ("fallback", "infra-boundary")]
    assert len(model.elements) == 27 and len(model.flows) == 52
