"""Attack paths in every output: the JSON `paths` section against schema 2.0, Attack Flow 2.0
against MITRE CTID's schema, the Navigator layer scored by path count, the Markdown summary's
new paths against a baseline, the HTML panel, and model text escaped everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.attack_flow import ATTACK_FLOW_EXTENSION, attack_flow_bundle
from tmlogic.outputs.formats import FORMATS, write_all
from tmlogic.outputs.html import render_html
from tmlogic.outputs.json_output import expand_proof, render_json, schema_path
from tmlogic.outputs.markdown import render_markdown
from tmlogic.outputs.paths_navigator import paths_layer
from tmlogic.outputs.paths_text import render_paths_text
from tmlogic.paths.find import PathOptions, find_paths
from tmlogic.result import Result
from tmlogic.tracking.paths import compare_paths
from tmlogic.records import replace

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
FLOW = DATA / "attack-flow"
RULES = DATA / "paths" / "rules"
OPTIONS = AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)


def with_paths(model: Path, **kw: object) -> Result:
    analysis = analyze(model, OPTIONS)
    return replace(analysis.result, paths=find_paths(analysis, PathOptions(**kw)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def chokepoints() -> Result:
    return with_paths(DATA / "paths" / "chokepoints.md")


def test_json_paths_section_is_valid_schema_2_0(chokepoints: Result) -> None:
    data = json.loads(render_json(chokepoints))
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["version"] == "2.0" and schema_path().name == "tmlogic-result-2.0.schema.json"
    paths = data["paths"]
    vault = next(g for g in paths["goals"] if g["id"] == "vault-db")
    assert vault["choke_points"]["changes"] == [{"kind": "remove-flow", "target": "inbound",
                                                 "text": "remove flow 'Inbound', or block it for everyone but its intended caller"}]
    assert vault["known_choke_points"]["changes"][0]["text"] == "set validates_input=True on element 'Web'"
    best = next(p for p in paths["paths"] if p["id"] == vault["paths"][0])
    exploit = paths["steps"][best["spine"][3]]
    assert exploit["rule"]["id"] == "TM-PATH-011" and exploit["techniques"] == [
        {"id": "T1210", "name": "Exploitation of Remote Services"}]
    condition = next(c for c in exploit["conditions"] if c.get("threat"))
    # Step proofs live in the result's one proof table, beside the threats' proofs.
    proof = expand_proof(data, condition["proof"])
    assert proof["fact"].startswith("attack_weakness(") and '"source": {"file"' in json.dumps(proof)
    # The 1.0 schema stays published as it was, and a result without paths has no section.
    assert (schema_path().parent / "tmlogic-result-1.0.schema.json").is_file()
    plain = json.loads(render_json(replace(chokepoints, paths=None)))
    assert "paths" not in plain
    jsonschema.Draft202012Validator(schema).validate(plain)


def _flow_registry() -> Registry:
    registry: Registry = Registry()
    for f in (FLOW / "oasis-open").rglob("*.json"):
        contents = json.loads(f.read_text(encoding="utf-8"))
        resource = DRAFT202012.create_resource(contents)
        registry = registry.with_resource(contents["$id"], resource)
        if f.name == "timestamp.json":  # the Attack Flow schema names it by its master-branch address
            registry = registry.with_resource(
                "https://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/master/schemas/common/timestamp.json",
                resource)
    return registry


def flow_errors(bundle: dict[str, object]) -> list[str]:
    registry = _flow_registry()
    flow_schema = json.loads((FLOW / "attack-flow-schema-2.0.0.json").read_text(encoding="utf-8"))
    by_type = {"identity": FLOW / "oasis-open" / "sdos" / "identity.json",
               "extension-definition": FLOW / "oasis-open" / "common" / "extension-definition.json"}
    errors = []
    for obj in bundle["objects"]:  # type: ignore[attr-defined]
        kind = obj["type"]
        schema = flow_schema if kind.startswith("attack-") else json.loads(by_type[kind].read_text(encoding="utf-8"))
        errors += [f"{obj['id']}: {e.message}" for e in jsonschema.Draft202012Validator(schema, registry=registry).iter_errors(obj)]
    return errors


def test_attack_flow_is_valid_against_its_schema(chokepoints: Result) -> None:
    bundle = attack_flow_bundle(chokepoints)
    assert flow_errors(bundle) == []
    objects = bundle["objects"]
    flows = [o for o in objects if o["type"] == "attack-flow"]
    assert len(flows) == 1 and flows[0]["scope"] == "attack-tree"
    published = json.loads((FLOW / "attack-flow-extension-2.0.0.json").read_text(encoding="utf-8"))["objects"][0]
    assert next(o for o in objects if o["id"] == ATTACK_FLOW_EXTENSION) == published
    ids = {o["id"] for o in objects}
    refs = [r for o in objects for key in ("effect_refs", "on_true_refs", "start_refs", "asset_refs") for r in o.get(key, [])]
    assert refs and set(refs) <= ids  # nothing dangles
    actions = [o for o in objects if o["type"] == "attack-action"]
    assert {"technique_id": "T1210", "tactic_id": "TA0008"}.items() <= next(
        a for a in actions if a.get("technique_id") == "T1210").items()
    assert any(o["type"] == "attack-condition" and "crown jewel 'Vault DB'" in o["description"] for o in objects)
    # The validation is real: a broken object is caught.
    broken = json.loads(json.dumps(bundle))
    next(o for o in broken["objects"] if o["type"] == "attack-flow")["scope"] = "everything"
    assert flow_errors(broken)


def test_attack_flow_joins_needs_with_an_and_operator() -> None:
    result = with_paths(DATA / "paths" / "credentials.md", k=1)
    bundle = attack_flow_bundle(result)
    assert flow_errors(bundle) == []
    (operator,) = [o for o in bundle["objects"] if o["type"] == "attack-operator"]
    login = next(o for o in bundle["objects"] if o["id"] == operator["effect_refs"][0])
    assert operator["operator"] == "AND" and login["technique_id"] == "T1078"
    feeding = [o for o in bundle["objects"] if operator["id"] in o.get("effect_refs", [])]
    assert len(feeding) == 2  # network access to DB, and the stolen credentials


def test_navigator_layer_scores_techniques_by_path_count(chokepoints: Result) -> None:
    layer = paths_layer(chokepoints)
    schema = json.loads((DATA / "outputs" / "navigator-layer-4.5.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(layer, schema)
    assert chokepoints.paths is not None
    listed = [p for g in chokepoints.paths.goals for p in g.paths]
    expected = {}
    for p in listed:
        for t in p.techniques:
            expected[t] = expected.get(t, 0) + 1
    assert {t["techniqueID"]: t["score"] for t in layer["techniques"]} == expected
    assert layer["gradient"]["maxValue"] == max(expected.values())


def test_markdown_lists_new_paths_against_a_baseline(tmp_path: Path) -> None:
    before = tmp_path / "before.md"
    text = (DATA / "paths" / "chokepoints.md").read_text(encoding="utf-8")
    before.write_text("".join(line for line in text.splitlines(keepends=True) if "**Web to DB**" not in line),
                      encoding="utf-8")
    earlier = with_paths(before)
    now = with_paths(DATA / "paths" / "chokepoints.md")
    assert earlier.paths is not None and now.paths is not None
    old = {g.goal: {p.id for p in g.paths} for g in earlier.paths.goals}
    comparison = compare_paths(now.paths, "before.md", old)
    assert "web" in comparison.newly_reachable  # Web held no secret before, so it was no goal
    assert comparison.new_paths and not comparison.no_longer_reachable
    md = render_markdown(replace(now, paths=replace(now.paths, comparison=comparison)))
    assert "New paths to crown jewels (against before.md)" in md
    assert "**newly reachable:** Web" in md
    assert md.index("New paths to crown jewels") < md.index("<summary>Attack paths:")
    same = compare_paths(now.paths, "itself", {g.goal: {p.id for p in g.paths} for g in now.paths.goals})
    assert "No new paths to crown jewels" in render_markdown(replace(now, paths=replace(now.paths, comparison=same)))


EVIL = '''# Threat Model: <script>alert("t")</script>

## Boundaries
- **Out <b>side</b>**: isTrusted=False
- **In "side"**: isTrusted=True

## Actors
- **User "><script>alert(2)</script>**: boundary="Out <b>side</b>"

## Servers
- **DB | `x` <!--**: boundary="In \\"side\\"", type=database

## Data
- **Key <img src=x onerror=alert(3)>**: classification=secret

## Dataflows
- **Flow *one* [x](javascript:alert(4))**: from="User \\"><script>alert(2)</script>", to="DB | `x` <!--", protocol=HTTP, data="Key <img src=x onerror=alert(3)>"
'''


def test_model_text_is_escaped_in_every_paths_output(tmp_path: Path) -> None:
    model = tmp_path / "evil.md"
    model.write_text(EVIL, encoding="utf-8")
    result = with_paths(model)
    assert result.paths is not None and result.paths.goals[0].reachable
    html = render_html(result)
    assert "<script>alert" not in html and "<img src=x" not in html and 'id="paths"' in html
    md = render_markdown(result)
    assert "<script>" not in md and "<img" not in md
    text = render_paths_text(result)
    assert "Attack paths in <script>" in text  # plain text, for a terminal: shown as written
    bundle = json.dumps(attack_flow_bundle(result))
    json.loads(bundle)


def test_output_dir_writes_the_path_formats_only_with_paths(tmp_path: Path, chokepoints: Result) -> None:
    written = {p.name for p in write_all(chokepoints, tmp_path / "with")}
    assert {"attack-flow.json", "attack-paths-navigator-layer.json"} <= written
    without = {p.name for p in write_all(replace(chokepoints, paths=None), tmp_path / "without")}
    assert not without & {"attack-flow.json", "attack-paths-navigator-layer.json"}
    assert FORMATS["attack-flow"].needs_paths


def test_text_output_shows_paths_cuts_and_proofs(chokepoints: Result) -> None:
    text = render_paths_text(chokepoints, detail=True)
    assert "GOAL 'Vault DB'" in text and "path 1" in text
    assert "fix first (cost 1, minimum)" in text and "set validates_input=True on element 'Web'" in text
    assert "fact from " in text
    assert "removed by:" in text
