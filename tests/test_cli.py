"""The command line end to end: exit codes, outputs, determinism, explain, errors without tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.outputs.json_output import schema_path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "tests" / "data" / "anchors" / "secopstm"
DMZ = SHARED / "threat_model.md"
EXAMPLE = ROOT / "examples" / "webshop" / "threat_model.md"



def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def analyze_json(model: Path, *extra: str) -> dict:
    code, out, _ = run("analyze", str(model), "--format", "json", *extra)
    assert code == 0
    return json.loads(out)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """\
# Threat Model: Small
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Intranet
- **Reports**: boundary=Intranet
## Dataflows
- **Browse**: from="Customer", to="Web", protocol="HTTP"
- **Report**: from="Web", to="Reports", protocol="HTTPS"
"""


def test_dmz_example_reports_the_cleartext_http_flow_and_explains_it() -> None:
    data = analyze_json(DMZ)
    jsonschema.validate(data, json.loads(schema_path().read_text()))
    cleartext = [t for t in data["threats"] if t["rule_id"] == "TM-NET-001" and t["targets"][0]["name"] == "test"]
    assert len(cleartext) == 1
    threat = cleartext[0]
    assert "External Client 2" in threat["message"] and "External Firewall" in threat["message"]
    assert threat["severity"]["level"] == "medium"  # public data lowers impact, direct exposure raises likelihood
    assert threat["location"]["line"] == 57
    assert data["proofs"]["nodes"][threat["proof"]]["bindings"]["S"] == "external-client-2"

    code, out, _ = run("explain", str(DMZ), threat["id"])
    assert code == 0
    assert "TM-NET-001" in out and "Cleartext flow crosses a trust boundary" in out
    assert "impact -1: only public data is involved" in out
    assert "likelihood +1: it comes from 'External Client 2' on the untrusted side" in out
    assert 'flow("test", "external-client-2", "external-firewall")' in out
    assert "threat_model.md:57" in out  # the flow's model line
    assert "threat_model.md:15" in out  # External Client 2 sits in the Internet boundary (line 15)
    assert '!encrypted_flow("test")  (absence checked)' in out  # inside network_unencrypted_flow


@pytest.mark.parametrize("model", sorted(p.name for p in SHARED.glob("*.md")))
def test_every_anchor_model_analyzes(model: str) -> None:
    code, out, err = run("analyze", str(SHARED / model), "--format", "json", "--strict")
    assert code == 0, err
    jsonschema.validate(json.loads(out), json.loads(schema_path().read_text()))


def test_json_output_is_valid_and_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run("analyze", str(EXAMPLE), "--format", "json", "-o", str(first))[0] == 0
    assert run("analyze", str(EXAMPLE), "--format", "json", "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    jsonschema.validate(data, json.loads(schema_path().read_text()))
    assert data["summary"]["total"] == len(data["threats"]) > 0


def test_schema_rejects_a_result_that_breaks_the_contract() -> None:
    data = analyze_json(EXAMPLE)
    schema = json.loads(schema_path().read_text())
    broken = json.loads(json.dumps(data))
    broken["threats"][0]["severity"]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_both_engines_give_identical_results() -> None:
    a = analyze_json(EXAMPLE, "--engine", "pydatalog")
    b = analyze_json(EXAMPLE, "--engine", "native")
    a["tool"]["engine"] = b["tool"]["engine"] = "*"
    assert a == b


def test_threat_ids_survive_unrelated_model_edits(tmp_path: Path) -> None:
    before = analyze_json(write(tmp_path, "m.md", SMALL))
    edited = SMALL.replace("## Dataflows", "- **Batch**: boundary=Intranet\n## Data\n- **Logs**: classification=RESTRICTED\n\n## Dataflows")
    edited = edited.replace("# Threat Model: Small", "# Threat Model: Small, renamed\n\nSome prose.")
    after = analyze_json(write(tmp_path, "m.md", edited))
    ids = lambda d: {(t["rule_id"], t["targets"][0]["id"]): t["id"] for t in d["threats"]}  # noqa: E731
    # The edit adds an element with no flow and a data asset no flow carries: the completeness
    # rules report those two, and every other threat keeps its id.
    added = {k: v for k, v in ids(after).items() if k not in ids(before)}
    assert sorted(added) == [("TM-MOD-001", "batch"), ("TM-MOD-002", "logs")]
    assert ids(before) and ids(before) == {k: v for k, v in ids(after).items() if k not in added}
    assert all(re.fullmatch(r"T[0-9a-f]{10}", i) for i in ids(after).values())


def test_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    # One rule only, so the test does not depend on what the rest of the built-in packs find.
    pack = tmp_path / "pack"
    pack.mkdir()
    for name in ("TM-NET-005.dl", "network.dl"):
        (pack / name).write_text((ROOT / "rules" / "network" / name).read_text(), encoding="utf-8")
    only = ("--no-builtin-rules", "--rules", str(pack))
    model = write(tmp_path, "m.md", SMALL)
    assert run("analyze", str(model), *only)[0] == 0
    code, _, err = run("analyze", str(model), *only, "--fail-on", "high")
    assert code == 1 and "TM-NET-005" in err and "m.md:11" in err
    assert run("analyze", str(model), *only, "--fail-on", "critical")[0] == 0  # it scores high, not critical
    safe = write(tmp_path, "safe.md", SMALL.replace('protocol="HTTP"', 'protocol="HTTPS"'))
    code, out, _ = run("analyze", str(safe), *only, "--fail-on", "low")
    assert code == 0 and "0 threats" in out


def test_bad_model_lists_every_problem_with_exit_code_2(tmp_path: Path) -> None:
    bad = SMALL.replace('to="Web"', 'to="Wbe"').replace("isTrusted=True", "isTrusted=maybe")
    code, out, err = run("analyze", str(write(tmp_path, "bad.md", bad)))
    assert code == 2 and out == ""
    assert re.search(r"bad\.md:11:\d+: error: .*Wbe.*did you mean \"Web\"\?", err)
    assert re.search(r"bad\.md:4:\d+: error: .*maybe", err)
    assert "Traceback" not in err
    assert "^" in err  # the caret under the column
    assert re.search(r"^2 errors, 0 warnings$", err, re.MULTILINE)


def test_garbage_and_missing_files_are_errors_not_empty_models(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.md"
    garbage.write_bytes(b"\x00\x01 not a model at all \xff\xfe\n")
    code, _, err = run("analyze", str(garbage))
    assert code == 2 and "error" in err and "Traceback" not in err
    code, _, err = run("analyze", str(tmp_path / "missing.md"))
    assert code == 2 and "missing.md" in err and "Traceback" not in err


def test_strict_turns_unknown_keys_into_errors(tmp_path: Path) -> None:
    model = write(tmp_path, "m.md", SMALL.replace("boundary=Intranet\n- **Reports**", "boundary=Intranet, colr=red\n- **Reports**"))
    code, _, err = run("analyze", str(model))
    assert code == 0 and "warning: unknown key 'colr'" in err
    code, _, err = run("analyze", str(model), "--strict")
    assert code == 2 and "error: unknown key 'colr'" in err


def test_facts_command_prints_the_input_facts_in_order(tmp_path: Path) -> None:
    code, out, _ = run("facts", str(write(tmp_path, "m.md", SMALL)))
    assert code == 0
    lines = out.splitlines()
    assert 'flow("browse", "customer", "web").  // m.md:11' in [l.replace(str(tmp_path) + "/", "") for l in lines]
    assert 'trusted("intranet").' in " ".join(lines)
    assert lines == run("facts", str(tmp_path / "m.md"))[1].splitlines()
    predicates = [l.split("(")[0] for l in lines]
    assert predicates == sorted(predicates)


def test_explain_unknown_threat_is_a_clear_error() -> None:
    code, _, err = run("explain", str(EXAMPLE), "Tdeadbeef00")
    assert code == 2 and "no threat 'Tdeadbeef00'" in err


def test_user_rule_pack_with_errors_exits_2_with_locations(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "TM-X-001.dl").write_text(
        "/// id: TM-X-001\n/// title: t\n/// stride: Tampering\n/// severity: high\n"
        "/// message: m\n/// mitigation: m\nthreat(F) :- flwo(F, _, _).\n",
        encoding="utf-8",
    )
    code, _, err = run("analyze", str(EXAMPLE), "--rules", str(pack))
    assert code == 2
    assert re.search(r"TM-X-001\.dl:7:\d+: error: .*flwo.*", err) and "flow" in err
    assert "Traceback" not in err


def test_code_in_a_model_or_rule_pack_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    model = write(tmp_path, "m.md", SMALL.replace("**Customer**", f"**{payload}**").replace('from="Customer"', f'from="{payload}"'))
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "TM-X-001.dl").write_text(
        "/// id: TM-X-001\n/// title: t\n/// stride: Tampering\n/// severity: high\n"
        f"/// message: m\n/// mitigation: m\nthreat(E) :- element(E, _), E != \"{payload}\".\n",
        encoding="utf-8",
    )
    for engine in ("pydatalog", "native"):
        data = analyze_json(model, "--rules", str(pack), "--engine", engine)
        assert any(payload in t["message"] for t in data["threats"])  # carried as data
    # The payload as rule syntax is rejected by our parser, never evaluated.
    (pack / "TM-X-001.dl").write_text("threat(X) :- __import__('os').\n", encoding="utf-8")
    assert run("analyze", str(model), "--rules", str(pack))[0] == 2
    assert not marker.exists()


@pytest.mark.slow  # every fixture of every built-in and optional rule: minutes
def test_rules_lint_and_test_on_the_builtin_packs() -> None:
    code, out, _ = run("rules", "lint")
    assert code == 0 and "ok" in out
    code, out, _ = run("rules", "test")
    assert code == 0 and re.search(r"rules: \d+ passed, 0 failed", out)
    assert "ok   PYTM-INP03" in out  # the optional packs (packs/) are tested with the built-in ones


def test_rules_test_reports_a_readable_failure(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "tests" / "TM-X-001").mkdir(parents=True)
    (pack / "TM-X-001.dl").write_text(
        "/// id: TM-X-001\n/// title: Every server\n/// stride: Tampering\n/// severity: low\n"
        "/// message: '{E}' exists\n/// mitigation: none\nthreat(E) :- element(E, \"server\").\n",
        encoding="utf-8",
    )
    fixtures = pack / "tests" / "TM-X-001"
    write(fixtures, "positive1.md", SMALL)
    write(fixtures, "negative1.md", SMALL)  # has servers, so the rule fires where it must not
    (fixtures / "expected.json").write_text(json.dumps([{"file": "positive1.md", "line": 8, "target": "Web"}]))
    code, out, _ = run("rules", "test", str(pack))
    assert code == 1
    assert "FAIL TM-X-001" in out
    assert "positive1.md:9: unexpected finding on 'Reports'" in out
    assert "negative1.md:8: unexpected finding on 'Web'" in out


def test_rules_list_shows_every_builtin_rule_with_its_metadata() -> None:
    code, out, _ = run("rules", "list")
    assert code == 0
    assert re.search(r"^TM-NET-001\s+Cleartext flow crosses a trust boundary\s+InformationDisclosure\s+"
                     r"low x likely = low\s+network$", out, re.M)
    assert re.search(r"^TM-DATA-010\s.*\shigh x likely = high\s+data$", out, re.M)
    code, out, _ = run("rules", "list", "--format", "json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert all(r["title"] and r["stride"] and r["mitigation"] and r["pack"] for r in rows)


def test_docs_rules_md_is_the_generated_catalogue() -> None:
    code, out, _ = run("rules", "list", "--format", "markdown")
    assert code == 0
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == out, "docs/rules.md is stale: run `tmlogic rules list --format markdown > docs/rules.md`"


def test_a_rule_pack_folder_without_rules_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run("rules", "lint", str(tmp_path / "empty"))
    assert code == 2 and "holds no .dl rule file" in err and "[empty-pack]" in err
    code, _, err = run("analyze", str(EXAMPLE), "--no-builtin-rules", "--rules", str(tmp_path / "empty"))
    assert code == 2 and "[empty-pack]" in err
