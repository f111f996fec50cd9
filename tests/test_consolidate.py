"""One root cause, one finding: pools of replicas, group-by and supersedes, seen in the result."""

from __future__ import annotations

import json
from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.consolidate import element_pools
from tmlogic.model.loader import load_model
from tmlogic.outputs.json_output import render_json

META = """\
/// id: {id}
/// title: {title}
/// stride: {stride}
/// severity: medium
/// message: {message}
/// mitigation: Fix it.
"""

PACK = {
    "TM-T-001.dl": META.format(id="TM-T-001", title="Generic", stride="Spoofing", message="'{D}' is reached.")
    + "threat(D) :- flow(_, _, D), system_element(D).\n",
    "TM-T-002.dl": META.format(id="TM-T-002", title="Specific", stride="Spoofing", message="'{D}' is reached in clear.")
    + "/// supersedes: TM-T-001\n" + "threat(D) :- flow(F, _, D), cleartext_flow(F).\n",
    "TM-T-003.dl": META.format(id="TM-T-003", title="Per service", stride="Tampering", message="'{D}' via '{F}'.")
    + "/// group-by: D\n" + "threat(D, F) :- flow(F, _, D), system_element(D).\n",
}

MODEL = """\
# Threat Model: Pools
## Boundaries
- **Internet**: isTrusted=False
- **Web Tier**: isTrusted=True
## Actors
- **User**: boundary=Internet
## Servers
- **Balancer**: boundary="Web Tier", type=load-balancer
- **App 1**: boundary="Web Tier", type=app-server
- **App 2**: boundary="Web Tier", type=app-server
- **Api**: boundary="Web Tier", type=app-server
- **Billing**: boundary="Web Tier", type=app-server
## Dataflows
- **Visit**: from="User", to="Balancer", protocol=HTTP
- **To App 1**: from="Balancer", to="App 1", protocol=HTTPS
- **To App 2**: from="Balancer", to="App 2", protocol=HTTPS
- **To Api**: from="Balancer", to="Api", protocol=HTTPS
- **To Billing**: from="Balancer", to="Billing", protocol=HTTPS
- **Api to Billing**: from="Api", to="Billing", protocol=HTTPS
"""


def _run(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    pack = tmp_path / "pack"
    pack.mkdir()
    for name, text in PACK.items():
        (pack / name).write_text(text, encoding="utf-8")
    (tmp_path / "m.md").write_text(MODEL, encoding="utf-8")
    result = analyze(tmp_path / "m.md", AnalysisOptions(rule_paths=(pack,), builtin_rules=False)).result
    return json.loads(render_json(result))


def test_replicas_are_elements_of_identical_shape_named_as_replicas(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(MODEL + '- **To Api 2**: from="Balancer", to="Api", protocol=HTTP\n')
    model, _ = load_model(tmp_path / "m.md")
    # App 1 and App 2 are replicas; Api and Billing look alike in places but are two services.
    assert element_pools(model) == {"app-1": "app-1", "app-2": "app-1"}


def test_an_explicit_pool_groups_any_names(tmp_path: Path) -> None:
    text = MODEL.replace('- **Api**: boundary="Web Tier", type=app-server', '- **Api**: boundary="Web Tier", pool=api')
    text = text.replace('- **Billing**: boundary="Web Tier", type=app-server',
                        '- **Billing**: boundary="Web Tier", type=app-server, pool=api')
    (tmp_path / "m.md").write_text(text)
    model, _ = load_model(tmp_path / "m.md")
    assert element_pools(model)["billing"] == "api"


def test_findings_on_replicas_merge_and_list_every_replica(tmp_path: Path) -> None:
    data = _run(tmp_path)
    generic = [t for t in data["threats"] if t["rule_id"] == "TM-T-001"]
    targets = sorted(tuple(x["name"] for x in t["targets"]) for t in generic)
    assert ("App 1", "App 2") in targets  # one finding for the pool
    merged = next(t for t in generic if t["targets"][0]["name"] == "App 1")
    assert merged["message"] == "'App 1' is reached. The same holds for 'App 2'."


def test_group_by_makes_one_finding_per_value(tmp_path: Path) -> None:
    data = _run(tmp_path)
    billing = [t for t in data["threats"] if t["rule_id"] == "TM-T-003" and t["targets"][0]["name"] == "Billing"]
    assert len(billing) == 1
    assert [x["name"] for x in billing[0]["targets"]] == ["Billing", "Api to Billing", "To Billing"]


def test_a_specific_rule_supersedes_the_generic_one_on_a_shared_target(tmp_path: Path) -> None:
    data = _run(tmp_path)
    on_balancer = [t for t in data["threats"] if t["targets"][0]["name"] == "Balancer" and t["stride"] == "Spoofing"]
    assert [t["rule_id"] for t in on_balancer] == ["TM-T-002"]
    (replaced,) = on_balancer[0]["superseded"]
    assert replaced["rule_id"] == "TM-T-001" and replaced["id"].startswith("T")
    assert all(t["superseded"] == [] for t in data["threats"] if t["rule_id"] != "TM-T-002")
