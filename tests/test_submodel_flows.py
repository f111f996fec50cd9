"""Rules see through a parent element into its submodel: zones are inherited, traffic enters."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze

PROJECT = Path(__file__).parent / "data" / "project" / "main.md"


def test_submodel_elements_inherit_the_parent_zone_and_receive_its_traffic() -> None:
    analysis = analyze(PROJECT, AnalysisOptions())
    session = analysis.session
    api, db = "backend/model.md#api", "backend/model.md#payments-db"
    assert ("backend", api) in analysis.facts.by_predicate()["submodel_entry"]
    assert session.query("zone", (api, None)) == [(api, "corp")]
    assert session.query("enters_submodel", ("order", None, None)) == [("order", "backend", api)]
    reachable = {r[0] for r in session.query("reachable_from_untrusted", (None,))}
    assert {"backend", api, db} <= reachable


def test_a_threat_inside_a_submodel_is_proved_through_the_parent() -> None:
    analysis = analyze(PROJECT, AnalysisOptions())
    found = [t for t in analysis.result.threats if t.rule.id == "TM-DATA-002"]
    assert [t.target_names for t in found] == [("Payments DB",)]
    facts = {leaf.text for leaf in found[0].proof.input_facts()}
    assert 'flow("order", "customer", "backend")' in facts  # the flow into the parent
    assert 'submodel_entry("backend", "backend/model.md#api")' in facts
    assert found[0].location.path.endswith("backend/model.md")
