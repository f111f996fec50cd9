"""Threagile: the example model (the anchor) with every asset, link and boundary accounted for,
risk_tracking into a risk file, individual risks into hand-written threats; small models for the edges."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.importers import IMPORTERS
from tmlogic.importers.located import InputError
from tmlogic.importers.pipeline import read_draft
from tmlogic.model.loader import load_model
from tmlogic.tracking.risks import load_risks

EXAMPLE = DATA / "threagile" / "threagile_example_model.yaml"


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    draft, report, _ = read_draft(IMPORTERS["threagile"], [EXAMPLE])
    return draft, report


def test_every_asset_link_boundary_data_asset_and_runtime_is_accounted_for(example) -> None:  # type: ignore[no-untyped-def]
    _, report = example
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    mapped = {i.what for i in report.mapped}
    elsewhere = {i.what for i in report.unmapped + report.approximated}
    for title, asset in raw["technical_assets"].items():
        assert f"technical asset '{asset['id']}'" in mapped
        for link in (asset.get("communication_links") or {}):
            assert f"communication link '{link}' of '{asset['id']}'" in mapped
    for title, boundary in raw["trust_boundaries"].items():
        assert f"trust boundary '{boundary['id']}'" in mapped
    for title in raw["data_assets"]:
        assert f"data asset '{title}'" in mapped
    for title in raw["shared_runtimes"]:
        assert f"shared runtime '{title}'" in mapped
    for rid in raw["risk_tracking"]:
        assert f"risk_tracking '{rid}'" in mapped | elsewhere
    counts = report.counts
    assert (counts["elements"], counts["flows"], counts["boundaries"], counts["data"]) == (
        len(raw["technical_assets"]),
        sum(len(a.get("communication_links") or {}) for a in raw["technical_assets"].values()),
        len(raw["trust_boundaries"]), len(raw["data_assets"]))


def test_assets_links_and_boundaries_keep_their_security_properties(example) -> None:  # type: ignore[no-untyped-def]
    draft, _ = example
    client = element(draft, "Customer Web Client")
    assert client.kind == "actor" and client.attrs["is_human"] is True and client.boundary is None
    assert element(draft, "Customer Contract Database").kind == "datastore"
    assert element(draft, "Apache Webserver").boundary == "Web DMZ"
    zones = {b.name: b for b in draft.boundaries}
    assert zones["Web DMZ"].parent == "Application Network" and zones["Web DMZ"].attrs["is_trusted"] is True
    link = flows(draft)[("Customer Web Client", "Load Balancer")]
    assert link.attrs["protocol"] == "https" and link.attrs["authentication"] == "session"
    assert link.attrs["authorization"] == "enduser-identity-propagation"
    assert "Customer Accounts" in link.attrs["data"]  # sent and received data are carried
    jdbc = flows(draft)[("Backoffice ERP System", "Customer Contract Database")]
    assert (jdbc.attrs["protocol"], jdbc.attrs["authentication"]) == ("jdbc", "password")  # credentials
    accounts = next(d for d in draft.data if d.name == "Customer Accounts")
    assert accounts.attrs["classification"] == "top-secret"  # strictly-confidential, inherited through <<
    assert "shared-runtime:webapp-virtualization" in element(draft, "Marketing CMS").attrs["tags"]


def test_individual_risks_become_hand_written_threats_with_their_tracking_status(example) -> None:  # type: ignore[no-untyped-def]
    draft, _ = example
    threats = {t.name: t for t in draft.threats}
    db = threats["Example Individual Risk at Database"]
    assert db.target == "Customer Contract Database"
    assert (db.attrs["stride"], db.attrs["severity"], db.attrs["likelihood"]) == ("repudiation", "critical", "likely")
    assert db.attrs["cwe"] == ["CWE-693"] and db.attrs["id"] == "something-strange@sql-database"


def test_risk_tracking_becomes_a_risk_file_for_the_matching_rules(tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    result = CliRunner().invoke(app, ["import", "threagile", str(EXAMPLE), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    risks = load_risks(tmp_path / "model.risks.yaml")
    entries = {(e.rule, e.target, e.status) for e in risks.entries}
    assert ("TM-WEB-006", "Backoffice ERP System", "accepted") in entries
    assert ("TM-WEB-003", "LDAP Auth Server", "mitigated") in entries
    assert ("TM-INF-002", None, "in-progress") in entries
    assert all(e.justification for e in risks.entries)
    load_model(out, strict=True)
    analyzed = CliRunner().invoke(app, ["analyze", str(out), "--format", "json"])
    assert analyzed.exit_code == 0


def test_encrypted_protocols_set_is_encrypted(tmp_path: Path) -> None:
    draft, _ = draft_of("threagile", tmp_path, "t.yaml", """\
threagile_version: 1.0.0
technical_assets:
  App:
    id: app
    communication_links:
      Query: {target: db, protocol: jdbc-encrypted, authentication: client-certificate}
  DB: {id: db, type: datastore, technology: database}
""")
    link = flows(draft)[("App", "DB")]
    assert link.attrs == {"protocol": "jdbc", "is_encrypted": True, "authentication": "certificate"}


def test_statuses_and_rules_without_an_equivalent_are_reported(tmp_path: Path) -> None:
    draft, report = draft_of("threagile", tmp_path, "t.yaml", """\
threagile_version: 1.0.0
title: T
technical_assets:
  App: {id: app, type: process, technology: web-server}
risk_tracking:
  container-platform-escape@app: {status: accepted, justification: fine}
  missing-hardening@app: {status: unchecked, justification: later}
""")
    text = reasons(report)
    assert "no tmlogic counterpart" in text and "not a decision" in text
    assert draft.risks == []


@pytest.mark.parametrize("text, message", [
    ("title: x\n", "not a Threagile model"),
    ("threagile_version: 1.0.0\ntechnical_assets:\n  A: {id: a, communication_links: {L: {target: nope}}}\n",
     "target 'nope' is not a technical asset id"),
    ("threagile_version: 1.0.0\ndata_assets:\n  D: {id: d, confidentiality: top}\n", "unknown confidentiality 'top'"),
    ("threagile_version: 1.0.0\ntrust_boundaries:\n  B: {id: b, technical_assets_inside: [ghost]}\n",
     "holds 'ghost', which is not a technical asset id"),
])
def test_bad_threagile_models_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("threagile", tmp_path, "t.yaml", text)
    assert message in info.value.message
