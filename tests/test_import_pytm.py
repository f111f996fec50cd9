"""tmlogic import pytm: the JSON pytm writes (python3 tm.py --json), never the program itself.

The input is produced here by running pytm's own sample model (tests/data/importers/pytm/tm.py,
pytm 1.4.0) in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.model.loader import load_model
from tmlogic.model.schema import Boundary, DataAsset, Dataflow, Element
from tmlogic.resources import optional_packs

DATA = Path(__file__).resolve().parent / "data" / "importers" / "pytm"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def pytm_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pytm's sample model, run by pytm (in its own process), written as pytm's JSON, indented."""
    folder = tmp_path_factory.mktemp("pytm")
    raw = folder / "raw.json"
    subprocess.run([sys.executable, str(DATA / "tm.py"), "--json", str(raw)], check=True, cwd=folder,
                   capture_output=True)
    data = json.loads(raw.read_text(encoding="utf-8"))
    data["threatsFile"] = "threatlib/threats.json"
    out = folder / "sample.json"
    out.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    return out


def entries(model_path: Path) -> dict[str, dict[str, object]]:
    model, warnings = load_model(model_path, strict=True)
    assert warnings == []
    out: dict[str, dict[str, object]] = {}
    items: list[Boundary | Element | DataAsset | Dataflow] = [*model.boundaries, *model.elements, *model.data,
                                                              *model.flows]
    for item in items:
        out[item.name] = {a.key: a.value for a in item.attrs}
        out[item.name]["_kind"] = getattr(item, "kind", type(item).__name__)
    for b in model.boundaries:
        out[b.name]["is_trusted"] = b.trusted
    for e in model.elements:
        out[e.name]["boundary"] = e.boundary
        out[e.name]["type"] = e.type
    for f in model.flows:
        out[f.name]["data"] = list(f.data)
    for d in model.data:
        out[d.name]["classification"] = d.classification
    return out


def test_the_committed_sample_is_what_pytm_writes(pytm_json: Path) -> None:
    assert pytm_json.read_text(encoding="utf-8") == (DATA / "sample.json").read_text(encoding="utf-8")


def test_pytm_classes_boundaries_and_stated_controls(pytm_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    code, _, err = run("import", "pytm", str(pytm_json), "-o", str(out))
    assert code == 0, err
    items = entries(out)
    assert items["Internet"]["is_trusted"] is False and items["AWS VPC"]["is_trusted"] is True
    assert "untrusted, by its name: pytm boundaries carry no trust level" in err
    assert items["User"]["_kind"] == "actor"
    web = items["Web Server"]
    assert (web["_kind"], web["boundary"], web["os"]) == ("server", "aws-vpc", "Ubuntu")
    assert web["is_hardened"] is True and web["encodes_output"] is True
    assert "sanitizes_input" not in web  # False in tm.py, but False is pytm's default: unknown
    assert items["SQL Database"]["type"] == "database" and items["SQL Database"]["max_classification"] == "restricted"
    assert (items["AWS Lambda"]["_kind"], items["AWS Lambda"]["type"]) == ("process", "lambda")
    assert (items["Moderation Agent"]["type"], items["Moderation Agent"]["uses_external_tools"]) == ("agent", True)
    assert items["Comment Moderation LLM"]["_kind"] == "server"  # isSelfHosted
    assert items["AI Writing Assistant"]["_kind"] == "external"
    assert items["User ID Token"]["classification"] == "top-secret"
    # a response is folded into its request
    assert "Retrieve comments" not in items
    assert items["Insert query with comments"]["data"] == ["insert-query-with-comments",
                                                           "web-server-retrieves-comments-from-db"]
    assert "a response: folded into flow 'Insert query with comments'" in err
    lines = pytm_json.read_text(encoding="utf-8").splitlines()
    line = int(str(web["imported_from"]).rpartition(":")[2])
    obj = lines[line - 1:line + 120]
    assert obj[0].strip() == "{" and '"__class__": "Server",' in obj[1] and '"name": "Web Server",' in "\n".join(obj)
    assert "pytm's own findings" in err


def test_defaults_stated_reads_the_file_as_pytm_does(pytm_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    assert run("import", "pytm", str(pytm_json), "--defaults", "stated", "-o", str(out), "-q")[0] == 0
    web = entries(out)["Web Server"]
    assert web["sanitizes_input"] is False and web["encodes_output"] is True
    code, _, err = run("import", "pytm", str(pytm_json), "--defaults", "maybe", "-q")
    assert code == 2 and "--defaults takes 'unknown' or 'stated'" in err


def test_the_imported_model_runs_the_pytm_pack_with_proofs_to_the_json(pytm_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    assert run("import", "pytm", str(pytm_json), "-o", str(out), "-q")[0] == 0
    threats = analyze(out, AnalysisOptions(rule_paths=(optional_packs()["pytm"],))).result.threats
    leaks = [t for t in threats if t.rule.id == "PYTM-DS06"]
    # a SECRET token flows from a store cleared for RESTRICTED data: pytm's hasDataLeaks()
    assert [t.target_names for t in leaks] == [("Database verify real user identity",)]
    code, text, _ = run("explain", str(out), leaks[0].id, "--pack", "pytm")
    assert code == 0 and "imported from " in text and f"{pytm_json.name}:" in text.split("imported from ")[1]


def test_a_pytm_program_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    program = tmp_path / "tm.py"
    program.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    code, _, err = run("import", "pytm", str(program))
    assert code == 2 and "tmlogic never runs one" in err and "--json model.json" in err
    assert not marker.exists()


def test_json_that_is_not_pytms_is_a_located_error(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"summary": {}, "detail": {}}\n', encoding="utf-8")
    code, _, err = run("import", "pytm", str(other))
    assert code == 2 and "other.json:1:1: error: this is not pytm's JSON" in err
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"boundaries": [], "elements": [], "flows": [
        {"name": "f", "source": "a", "sink": "b", "data": []}]}, indent=1), encoding="utf-8")
    code, _, err = run("import", "pytm", str(broken))
    assert code == 2 and "broken.json:" in err and "which the file does not both list as elements" in err
