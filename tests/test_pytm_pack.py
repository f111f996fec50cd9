"""pytm's threat library as a generated, opt-in rule pack (docs/pytm.md): the translation, the
three-valued reading of conditions, the mapping, the merge with built-in findings, and that
nothing of pytm runs on the analysis path."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.kb.build.pytm import installed_library, pack_files, read_library
from tmlogic.kb.build.pytm.condition import Untranslatable, parse_condition
from tmlogic.kb.build.pytm.kleene import Known, Value, when
from tmlogic.kb.build.pytm.mapping import with_mapping_table
from tmlogic.kb.build.pytm.pack import write_pack
from tmlogic.kb.loader import known_ids_in
from tmlogic.logic.provenance import ProofNode
from tmlogic.outputs.json_output import schema_path
from tmlogic.resources import optional_packs, packs_dir
from tmlogic.result import Threat

ROOT = Path(__file__).resolve().parents[1]
PACK = packs_dir() / "pytm"
QUALITY = ROOT.parent / "shared" / "quality"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def analyze_text(tmp_path: Path, text: str, *packs: Path) -> list[Threat]:
    model = tmp_path / "model.md"
    model.write_text(text, encoding="utf-8")
    return list(analyze(model, AnalysisOptions(rule_paths=(PACK, *packs))).result.threats)


def rule_ids(threats: list[Threat]) -> set[str]:
    return {t.rule.id for t in threats}


# --------------------------------------------------------------------------- the generated pack

def test_the_committed_pack_is_exactly_what_the_translator_writes() -> None:
    files, summary = pack_files(installed_library(), known_ids_in())
    on_disk = {p.relative_to(PACK).as_posix(): p.read_text(encoding="utf-8") for p in PACK.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "run `tmlogic kb pytm` and commit packs/pytm/"
    changed = [name for name in files if on_disk[name] != files[name]]
    assert changed == [], "run `tmlogic kb pytm` and commit packs/pytm/"
    assert (summary.threats, summary.translated, summary.inert, summary.untranslatable) == (114, 113, 1, 0)
    assert summary.without_fixtures == ()


def test_docs_hold_the_mapping_table_of_the_translator() -> None:
    doc = (ROOT / "docs" / "pytm.md").read_text(encoding="utf-8")
    assert with_mapping_table(doc) == doc, "run `tmlogic kb pytm --docs docs/pytm.md`"
    assert "| `controls.sanitizesInput` | element | `sanitizes_input=True` / `sanitizes_input=False` |" in doc


def test_rules_keep_pytm_metadata() -> None:
    text = (PACK / "PYTM-AC24.dl").read_text(encoding="utf-8")
    for line in ("/// id: PYTM-AC24", "/// title: Use of hardcoded credentials", "/// stride: Spoofing",
                 "/// impact: critical", "/// likelihood: very-likely", "/// capec: CAPEC-191",
                 "/// cwe: CWE-798, CWE-259, CWE-321", "(pytm severity: Very High; likelihood of attack: High)"):
        assert line in text
    assert "target.credentialsLife" not in text and "any(d.credentialsLife == Lifetime.HARDCODED" in text


def test_the_report_names_what_is_not_translated_and_why() -> None:
    report = (PACK / "TRANSLATION.md").read_text(encoding="utf-8")
    assert "**DS02** Try All Common Switches" in report and "needs environment" in report
    assert "CAPEC-236 left out (deprecated" in report
    assert "flow isResponse true" in report


def test_an_untranslatable_condition_is_reported_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    library = tmp_path / "threats.json"
    library.write_text(json.dumps([
        {"SID": "AC98", "target": ["Server"], "description": "Hostile", "severity": "High",
         "condition": f"target.controls.isHardened is False or __import__('os').system('touch {marker}')",
         "references": ""},
        {"SID": "AC99", "target": ["Server"], "description": "Call", "severity": "High",
         "condition": "target.controls.isHardened is False and target.oneOf(Server)", "references": ""},
        {"SID": "HA99", "target": ["Server"], "description": "Plain", "severity": "Low",
         "condition": "target.controls.isHardened is False", "references": ""},
        {"SID": "ZZ01", "target": ["Server"], "description": "New family", "severity": "Low",
         "condition": "target.controls.isHardened is False", "references": ""},
        {"SID": "INP99", "target": ["Server"], "description": "New input threat", "severity": "Low",
         "condition": "target.controls.sanitizesInput is False", "references": ""},
    ]), encoding="utf-8")
    files, summary = pack_files(read_library(library), known_ids_in())
    assert not marker.exists()
    assert (summary.translated, summary.untranslatable) == (2, 3)
    report = files["TRANSLATION.md"]
    assert "**ZZ01** New family" in report and "no STRIDE category for ZZ01" in report
    assert "/// stride: Tampering" in files["PYTM-INP99.dl"] and "from its family INP" in report
    assert "**AC98** Hostile" in report and "the call __import__('os').system()" in report
    assert "**AC99** Call" in report and "the method oneOf()" in report
    assert "PYTM-HA99.dl" in files and "PYTM-AC98.dl" not in files


@pytest.mark.parametrize("condition, reason", [
    ("target.x + 1 > 2", "ordering between"),
    ("(lambda: 1)()", "the call"),
    ("target.__class__ is True", "private attribute"),
    ("other.controls.isHardened is False", "neither target nor"),
    ("target.a is False if target.b else True", "IfExp"),
    ("target.a in target.b", "not a literal list"),
])
def test_constructs_without_a_meaning_are_untranslatable(condition: str, reason: str) -> None:
    with pytest.raises(Untranslatable, match=reason):
        parse_condition(condition)


# --------------------------------------------------------------------------- three-valued logic

def test_known_true_and_known_false_follow_kleene() -> None:
    cond = parse_condition("target.a is False or not target.b")
    assert {c for c in when(cond, True)} == {(Known(cond.items[0].ref, False),),  # type: ignore[union-attr]
                                              (Known(cond.items[1].item.ref, False),)}  # type: ignore[union-attr]
    # false only when both are known the other way
    assert len(when(cond, False)) == 1 and len(when(cond, False)[0]) == 2
    neq = when(parse_condition("target.protocol != 'HTTPS'"), True)
    assert neq == ((Value(neq[0][0].ref, ("HTTPS",), True),),)  # type: ignore[union-attr]


SERVER = """\
# Threat Model: One server
## Boundaries
- **Internal**: isTrusted=True
## Servers
- **Peer**: boundary=Internal
- **Web**: boundary=Internal{attrs}
## Dataflows
- **HTTPS**: from="Peer", to="Web"{flow}
"""


def test_an_unstated_control_is_unknown_never_false(tmp_path: Path) -> None:
    nothing = analyze_text(tmp_path, SERVER.format(attrs="", flow=""))
    assert not any(t.rule.id.startswith("PYTM-") for t in nothing)
    stated_good = analyze_text(tmp_path, SERVER.format(attrs=", sanitizes_input=True, encodes_output=True", flow=""))
    assert "PYTM-INP03" not in rule_ids(stated_good)
    stated_bad = analyze_text(tmp_path, SERVER.format(attrs=", sanitizes_input=True, encodes_output=False", flow=""))
    inp03 = [t for t in stated_bad if t.rule.id == "PYTM-INP03"]
    assert [t.target_names for t in inp03] == [("Web",)]
    assert inp03[0].message.endswith("controls.encodesOutput is False.")


def test_a_flow_is_read_by_its_protocol_never_by_its_name(tmp_path: Path) -> None:
    # pytm reads "HTTPS" from the flow's name; here the name says nothing.
    assert not {"PYTM-DE01", "PYTM-DE03", "PYTM-CR08"} & rule_ids(analyze_text(tmp_path, SERVER.format(attrs="", flow="")))
    cleartext = rule_ids(analyze_text(tmp_path, SERVER.format(attrs="", flow=', protocol="HTTP"')))
    assert {"PYTM-DE01", "PYTM-DE03", "PYTM-CR08"} <= cleartext
    encrypted = rule_ids(analyze_text(tmp_path, SERVER.format(attrs="", flow=', protocol="HTTPS"')))
    assert not {"PYTM-DE01", "PYTM-DE03", "PYTM-CR08"} & encrypted


def test_the_proof_reaches_the_model_line_that_states_the_control(tmp_path: Path) -> None:
    threats = analyze_text(tmp_path, SERVER.format(attrs=", is_hardened=False", flow=""))
    ds03 = next(t for t in threats if t.rule.id == "PYTM-DS03")

    def leaves(node: ProofNode) -> Iterator[ProofNode]:
        if not node.children:
            yield node
        for c in node.children:
            yield from leaves(c)

    origins = {(n.text, n.origin.line) for n in leaves(ds03.proof) if n.origin is not None}
    assert ('attr("web", "is_hardened", "false")', 6) in origins


# --------------------------------------------------------------------------- opting in, merging

def test_the_pack_is_optional(tmp_path: Path) -> None:
    assert optional_packs()["pytm"] == PACK
    model = tmp_path / "model.md"
    model.write_text(SERVER.format(attrs=", is_hardened=False", flow=""), encoding="utf-8")
    assert not any(t.rule.id.startswith("PYTM-") for t in analyze(model).result.threats)
    code, out, _ = run("analyze", str(model), "--format", "json")
    assert code == 0 and "PYTM-" not in out
    code, out, _ = run("analyze", str(model), "--pack", "pytm", "--format", "json")
    assert code == 0 and {t["rule_id"] for t in json.loads(out)["threats"]} >= {"PYTM-DS03", "PYTM-AC06"}
    code, _, err = run("analyze", str(model), "--pack", "pytn")
    assert code == 2 and 'did you mean "pytm"?' in err


def test_a_wheel_carries_the_optional_packs() -> None:
    # An installed (non-editable) tmlogic finds its packs in tmlogic/_data/ (tmlogic.resources):
    # packs/ must be mapped there like rules/, or `--pack pytm` fails after `pip install tmlogic`.
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    mapped = build["targets"]["wheel"]["force-include"]
    assert mapped["packs"] == "tmlogic/_data/packs"
    assert PACK.parent == ROOT / "packs"


def test_the_project_config_selects_the_pack(tmp_path: Path) -> None:
    (tmp_path / "model.md").write_text(SERVER.format(attrs=", is_hardened=False", flow=""), encoding="utf-8")
    (tmp_path / ".tmlogic.yaml").write_text("version: 1\nmodels: [model.md]\npacks: [pytm]\n", encoding="utf-8")
    code, out, err = run("analyze", "--config", str(tmp_path / ".tmlogic.yaml"))
    assert code == 0, err
    assert "PYTM-DS03" in out


MERGE_PACK = """\
/// id: TM-TEST-001
/// title: LDAP injection into an unvalidating server
/// stride: Tampering
/// severity: elevated
/// capec: CAPEC-136
/// message: Server '{E}' builds LDAP queries from input it does not validate.
/// mitigation: Validate input and escape LDAP filters.
threat(E) :- attr(E, "validates_input", "false"), element(E, "server").
"""


def test_a_pytm_finding_that_repeats_a_built_in_one_is_merged_into_it(tmp_path: Path) -> None:
    pack = tmp_path / "ours"
    pack.mkdir()
    (pack / "TM-TEST-001.dl").write_text(MERGE_PACK, encoding="utf-8")
    threats = analyze_text(tmp_path, SERVER.format(attrs=", validates_input=False", flow=""), pack)
    ours = next(t for t in threats if t.rule.id == "TM-TEST-001")
    merged = {c.rule_id for c in ours.corroborated_by}
    # PYTM-INP09 (LDAP Injection) is Tampering with CAPEC-136 on the same server: merged.
    assert "PYTM-INP09" in merged
    assert "PYTM-INP09" not in rule_ids(threats)
    # PYTM-INP05 (SQL injection, CAPEC-108) shares the target and STRIDE but no pattern: kept.
    assert "PYTM-INP05" in rule_ids(threats) and "PYTM-INP05" not in merged
    model = tmp_path / "model.md"
    code, out, _ = run("explain", str(model), ours.id, "--rules", str(pack), "--pack", "pytm")
    assert code == 0
    assert "Also raised by PYTM-INP09 (LDAP Injection), merged into this threat" in out
    assert 'attr("web", "validates_input", "false")' in out.split("Also raised by PYTM-INP09")[1]
    code, out, _ = run("analyze", str(model), "--rules", str(pack), "--pack", "pytm", "--format", "json")
    result = json.loads(out)
    jsonschema.validate(result, json.loads(schema_path().read_text(encoding="utf-8")))
    host = next(t for t in result["threats"] if t["rule_id"] == "TM-TEST-001")
    assert [c["rule_id"] for c in host["corroborated_by"]] == sorted(merged)
    assert host["corroborated_by"][0]["location"]["line"] == 6


@pytest.mark.skipif(not QUALITY.is_dir(), reason="the shared quality models are not beside this checkout")
@pytest.mark.parametrize("name", sorted(p.stem for p in QUALITY.glob("*.md") if p.name != "README.md"))
def test_every_quality_model_analyzes_with_the_pack(name: str) -> None:
    result = analyze(QUALITY / f"{name}.md", AnalysisOptions(rule_paths=(PACK,))).result
    assert any(t.rule.id.startswith("PYTM-") for t in result.threats)


# --------------------------------------------------------------------------- pytm never runs here

def test_pytm_is_never_imported_on_the_analysis_path(tmp_path: Path) -> None:
    model = tmp_path / "model.md"
    model.write_text(SERVER.format(attrs=", is_hardened=False", flow=', protocol="HTTP"'), encoding="utf-8")
    script = (
        "import sys\n"
        "from tmlogic.cli import main\n"
        f"sys.argv = ['tmlogic', 'analyze', {str(model)!r}, '--pack', 'pytm', '--format', 'json', '-o', "
        f"{str(tmp_path / 'out.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from tmlogic.kb.build.pytm import installed_library, pack_files\n"
        "from tmlogic.kb.loader import known_ids_in\n"
        "pack_files(installed_library(), known_ids_in())\n"
        "print(sorted(m for m in sys.modules if m == 'pytm' or m.startswith('pytm.')))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert "PYTM-DE03" in (tmp_path / "out.json").read_text(encoding="utf-8")
    sources = [p for p in (ROOT / "tmlogic").rglob("*.py")]
    importing = [p for p in sources if any(line.strip().startswith(("import pytm", "from pytm"))
                                           for line in p.read_text(encoding="utf-8").splitlines())]
    assert importing == []


def test_kb_pytm_writes_a_pack_and_refuses_a_folder_that_is_not_one(tmp_path: Path) -> None:
    out = tmp_path / "pack"
    code, stdout, _ = run("kb", "pytm", "--out", str(out))
    assert code == 0 and "113 rules, 1 inert, 0 not translatable" in stdout
    assert (out / "PYTM-INP01.dl").read_text(encoding="utf-8") == (PACK / "PYTM-INP01.dl").read_text(encoding="utf-8")
    stale = out / "PYTM-OLD01.dl"
    stale.write_text("// gone\n", encoding="utf-8")
    assert run("kb", "pytm", "--out", str(out))[0] == 0 and not stale.exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me\n", encoding="utf-8")
    code, _, err = run("kb", "pytm", "--out", str(other))
    assert code == 2 and "holds no generated pytm pack" in err
    assert (other / "notes.txt").is_file()
    with pytest.raises(Exception):
        write_pack({"x.dl": ""}, other)
