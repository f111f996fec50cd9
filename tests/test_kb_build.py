"""Building the knowledge base: every link type from the fixture chain, filtering, dangling references,
determinism, the byte-for-byte rebuild of the committed facts, and the `kb` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tmlogic.cli.testing import CliRunner
from tmlogic.kb.build import BuildResult, Sources, build_kb, build_tables
from tmlogic.cli import app
from tmlogic.kb.errors import KbError
from tmlogic.kb.loader import embedded_dir, load_kb
from tmlogic.kb.schema import RELATIONS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "kb"
RAW = ROOT.parent / "shared" / "kb" / "raw"
OFFICIAL = DATA / "official"


def fixture_sources(**changes: object) -> Sources:
    args: dict[str, object] = {"attack": DATA / "enterprise-attack-fixture.json",
                               "capec": DATA / "stix-capec-fixture.json", "capec_xml": DATA / "capec-fixture.xml",
                               "cwe": DATA / "cwec-fixture.xml", "d3fend": DATA / "d3fend-fixture.ttl"}
    args.update(changes)
    return Sources(**args)  # type: ignore[arg-type]


def raw_sources() -> Sources:
    return Sources(attack=RAW / "attack" / "enterprise-attack-18.1-core.json",
                   capec=RAW / "capec" / "stix-capec-3.9.json",
                   capec_xml=RAW / "capec" / "CAPEC_VIEW_658_ATTACK_Related_Patterns_v3.9.xml",
                   cwe=RAW / "cwe" / "cwec_v4.14.xml", d3fend=RAW / "d3fend" / "d3fend-protege.ttl",
                   versions={"d3fend": "1.2.0"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    out = tmp_path_factory.mktemp("kb")
    return build_kb(fixture_sources(), out), out


def test_every_link_type_of_the_fixture_chain(built: tuple[BuildResult, Path]) -> None:
    t = built[0].tables
    # CAPEC-565 Password Spraying -> T1110.003 (sub-technique of T1110) -> M1032, M1036, M1027 -> TA0006
    assert ("CAPEC-565", "Password Spraying") in t["capec"]
    assert ("CAPEC-565", "T1110.003") in t["capec_technique"]
    assert ("T1110.003", "Password Spraying") in t["technique"]
    assert ("T1110.003", "T1110") in t["subtechnique_of"]
    assert ("T1110.003", "TA0006") in t["technique_tactic"]
    assert ("TA0006", "credential-access", "Credential Access") in t["tactic"]
    assert {m for m, tech in t["mitigation_technique"] if tech == "T1110.003"} == {"M1027", "M1032", "M1036"}
    assert ("M1032", "Multi-factor Authentication") in t["mitigation"]
    # CAPEC <-> CWE, from both sides; consequence scopes
    assert {w for c, w in t["capec_cwe"] if c == "CAPEC-565"} == {
        "CWE-262", "CWE-263", "CWE-307", "CWE-308", "CWE-309", "CWE-521"}
    assert ("CWE-307", "Improper Restriction of Excessive Authentication Attempts") in t["cwe"]
    assert {s for c, s in t["capec_scope"] if c == "CAPEC-565"} == {
        "Access_Control", "Authentication", "Authorization", "Confidentiality", "Integrity"}
    # D3FEND: names, the inferred links (hand-checked in d3fend-fixture.ttl), d3f:related
    assert ("D3-MFA", "Multi-factor Authentication") in t["d3fend"]
    assert t["d3fend_technique"] == {("D3-CH", "T1110.003", "Credential"), ("D3-MFA", "T1110.003", "Credential"),
                                     ("D3-SPP", "T1110.003", "Password"), ("D3-NTA", "T1040", "NetworkTraffic"),
                                     ("D3-EAL", "T1574.001", "ExecutableFile")}
    assert t["artifact"] == {("Credential", "Credential"), ("Password", "Password"),
                             ("NetworkTraffic", "Network Traffic"), ("ExecutableFile", "Executable File")}
    assert t["mitigation_d3fend"] == {("M1032", "D3-MFA"), ("M1027", "D3-SPP"), ("M1041", "D3-NTA")}
    # STRIDE
    assert ("Spoofing", "Authentication") in t["stride_scope"]
    assert {c for s, c in t["stride_capec"] if s == "Spoofing"} == {"CAPEC-565"}
    assert {c for s, c in t["stride_capec"] if s == "Tampering"} == {"CAPEC-565", "CAPEC-641"}


def test_revoked_and_deprecated_objects_are_left_out(built: tuple[BuildResult, Path]) -> None:
    t = built[0].tables
    techniques = {x for x, _ in t["technique"]}
    assert "T1574.002" not in techniques  # revoked by T1574.001
    assert "T1064" not in techniques  # deprecated
    assert ("T1574.002", "T1574") not in t["subtechnique_of"]  # a relationship from a revoked object
    assert {x for x, _ in t["mitigation"]} == {"M1027", "M1032", "M1036", "M1041"}  # not the deprecated one
    assert all(m.startswith("M") for m, _ in t["mitigation_technique"])
    assert "CAPEC-409" not in {c for c, _ in t["capec"]}  # status Deprecated
    assert "CWE-1187" not in {w for w, _ in t["cwe"]}  # status Deprecated
    assert "D3-OLD" not in {d for d, _ in t["d3fend"]}  # owl:deprecated
    assert "D3A-AL" not in {d for d, _ in t["d3fend"]}  # not a defensive technique
    assert t["unlisted_id"] == {("T1574.002", "T1574.001", "revoked in ATT&CK 18.1"),
                                ("T1064", "", "deprecated in ATT&CK 18.1"), ("CAPEC-409", "", "deprecated in CAPEC 3.9"),
                                ("CWE-1187", "", "deprecated in CWE 4.14")}


def test_dangling_references_are_reported_not_kept(built: tuple[BuildResult, Path]) -> None:
    result = built[0]
    messages = [w.message for w in result.warnings]
    assert "CAPEC maps CAPEC-648 to ATT&CK T1513, which is not in ATT&CK 18.1; link dropped" in messages
    assert ("CAPEC maps CAPEC-641 to ATT&CK T1574.002, which is revoked in ATT&CK 18.1, replaced by T1574.001; "
            "kept as T1574.001") in messages
    assert "CAPEC-565 lists CWE-654, which is not a weakness in CWE 4.14; dropped" in messages
    assert "CWE-307 lists CAPEC-16, which is not in CAPEC 3.9; dropped" in messages
    assert "CWE-319 lists CAPEC-158, but CAPEC-158 does not list CWE-319 in CAPEC 3.9; kept" in messages
    assert ("D3FEND links D3-CH, D3-MFA, D3-SPP to ATT&CK T1513 through artifacts, which is not in ATT&CK 18.1; "
            "links dropped") in messages
    assert ("D3FEND relates ATT&CK mitigation M1099 to D3-CH, but M1099 is not a current mitigation in ATT&CK 18.1; "
            "dropped") in messages
    assert "M1041 is d3f:related to Password, which is not a D3FEND defensive technique; link dropped" in messages
    assert any("points at attack-pattern--00000000-0000-4000-8000-00000000dead" in m for m in messages)
    assert len(messages) == 10
    t = result.tables
    assert ("CAPEC-648", "T1513") not in t["capec_technique"] and ("CAPEC-641", "T1574.001") in t["capec_technique"]
    assert ("CAPEC-158", "CWE-319") in t["capec_cwe"]
    assert str(result.warnings[0]).endswith("; dropped")  # "file: warning: message"


def test_output_folder_is_complete_and_recorded(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [r.file for r in RELATIONS] + ["kb.dl", "manifest.json", "NOTICE.md"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1
    assert {k: v["version"] for k, v in manifest["sources"].items()} == {
        "attack": "18.1", "capec": "3.9", "capec_xml": "3.9", "cwe": "4.14", "d3fend": "1.2.0"}
    assert manifest["relations"]["d3fend_technique"]["rows"] == 5
    assert (out / "capec.facts").read_text(encoding="utf-8").splitlines()[0] == "CAPEC-112\tBrute Force"
    assert "reproduced and distributed with the permission of" in (out / "NOTICE.md").read_text(encoding="utf-8")
    kb = load_kb(out)
    assert kb.name("technique", "T1110.003") == "Password Spraying"
    assert kb.counts()["capec_technique"] == 6


def test_same_inputs_give_the_same_bytes(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    _, first = built
    build_kb(fixture_sources(), tmp_path)
    for file in first.iterdir():
        assert (tmp_path / file.name).read_bytes() == file.read_bytes(), file.name


def test_either_capec_format_alone_gives_the_same_links_for_its_patterns() -> None:
    xml_only = build_tables(fixture_sources(capec=None)).tables
    stix_only = build_tables(fixture_sources(capec_xml=None)).tables
    for capec in ("CAPEC-112", "CAPEC-565", "CAPEC-641"):
        for rel in ("capec_technique", "capec_cwe", "capec_scope"):
            assert {r for r in xml_only[rel] if r[0] == capec} == {r for r in stix_only[rel] if r[0] == capec}, rel


def test_the_official_per_object_files_build_as_a_folder(tmp_path: Path) -> None:
    """mitre/cti keeps one object per file; --attack and --capec also take such a folder."""
    cti = OFFICIAL / "mitre-cti"
    result = build_tables(Sources(attack=cti / "enterprise-attack", capec=cti / "capec",
                                  cwe=OFFICIAL / "cwe-4.14-CWE-307-excerpt.xml", d3fend=DATA / "d3fend-fixture.ttl"))
    t = result.tables
    assert ("CAPEC-565", "T1110.003") in t["capec_technique"]
    assert ("T1110.003", "T1110") in t["subtechnique_of"]
    assert ("T1110.003", "TA0006") in t["technique_tactic"]
    assert {m for m, _ in t["mitigation_technique"]} == {"M1027", "M1032", "M1036"}
    assert t["capec_cwe"] == {("CAPEC-565", "CWE-307")}


# --------------------------------------------------------------------------- the committed facts

@pytest.mark.skipif(not RAW.is_dir(), reason="the official raw files (../shared/kb/raw) are not beside this checkout")
def test_building_from_the_raw_files_reproduces_the_committed_facts(tmp_path: Path) -> None:
    result = build_kb(raw_sources(), tmp_path)
    committed = embedded_dir()
    for name in result.files:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), f"{name} differs; rebuild facts/kb"
    counts = result.counts
    assert counts["mitigation_technique"] == 1445 and counts["mitigation"] == 44
    assert counts["subtechnique_of"] == 475 and counts["technique_tactic"] == 887
    assert counts["capec_cwe"] == 1212 and counts["capec_technique"] == 270
    summary = result.manifest["summary"]
    assert 2900 <= summary["d3fend_attack_pairs"] <= 3100
    assert summary["d3fend_techniques_linked_to_attack"] == 141
    assert [w.message for w in result.warnings] == [
        "CAPEC maps CAPEC-641 to ATT&CK T1574.002, which is revoked in ATT&CK 18.1, replaced by T1574.001; kept as T1574.001",
        "CAPEC maps CAPEC-648 to ATT&CK T1513, which is not in ATT&CK 18.1; link dropped",
    ]


# --------------------------------------------------------------------------- bad input and the CLI

def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["kb", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def cli_args(out: Path, **files: Path) -> list[str]:
    paths = {"attack": DATA / "enterprise-attack-fixture.json", "capec": DATA / "stix-capec-fixture.json",
             "cwe": DATA / "cwec-fixture.xml", "d3fend": DATA / "d3fend-fixture.ttl"}
    paths.update(files)
    args = ["build", "--out", str(out)]
    for key, path in paths.items():
        args += [f"--{key}", str(path)]
    return args


def test_cli_build_prints_counts_and_warnings(tmp_path: Path) -> None:
    code, out, err = run(*cli_args(tmp_path / "kb"), "--capec-xml", str(DATA / "capec-fixture.xml"))
    assert code == 0
    assert "capec_technique" in out and "D3FEND -> ATT&CK pairs 5" in out and "wrote 22 files" in out
    assert "warning: CAPEC maps CAPEC-648 to ATT&CK T1513" in err
    code, out, _ = run("info", "--dir", str(tmp_path / "kb"))
    assert code == 0 and "ATT&CK        18.1" in out and "build warnings (10)" in out
    code, out, _ = run("info", "--dir", str(tmp_path / "kb"), "--json")
    assert json.loads(out)["relations"]["technique"]["rows"] == 7


@pytest.mark.parametrize("content, expected", [
    ('{"type": "bundle", "objects": [\n  {"type": "x",}\n]}', ":2:")  # JSON syntax error: line and column
    , ('[1, 2]', "is not a STIX bundle"),
    ('{"type": "bundle", "id": "b", "objects": []}', "holds no live ATT&CK techniques"),
])
def test_bad_attack_file_is_an_error_with_a_location(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "attack.json"
    bad.write_text(content, encoding="utf-8")
    code, _, err = run(*cli_args(tmp_path / "out", attack=bad))
    assert code == 2 and expected in err and "error:" in err and "Traceback" not in err
    assert "attack-stix-data" in err  # says what to give instead


def test_missing_file_and_swapped_files_are_errors(tmp_path: Path) -> None:
    code, _, err = run(*cli_args(tmp_path / "out", cwe=tmp_path / "nope.xml"))
    assert code == 2 and "nope.xml: error: the CWE XML catalogue file does not exist" in err
    code, _, err = run(*cli_args(tmp_path / "out", cwe=DATA / "capec-fixture.xml"))
    assert code == 2 and "the root element is <Attack_Pattern_Catalog>, not <Weakness_Catalog>" in err
    code, _, err = run(*cli_args(tmp_path / "out", attack=DATA / "stix-capec-fixture.json"))
    assert code == 2 and "holds no live ATT&CK techniques" in err


def test_malformed_xml_and_turtle_name_the_line(tmp_path: Path) -> None:
    xml = tmp_path / "cwe.xml"
    xml.write_text('<?xml version="1.0"?>\n<Weakness_Catalog>\n<Weaknesses>\n</Weakness_Catalog>\n', encoding="utf-8")
    code, _, err = run(*cli_args(tmp_path / "out", cwe=xml))
    assert code == 2 and "cwe.xml:4:" in err and "not well-formed XML" in err
    ttl = tmp_path / "d3fend.ttl"
    ttl.write_text("@prefix : <http://x#> .\n:a :b :c .\n:d :e\n", encoding="utf-8")
    code, _, err = run(*cli_args(tmp_path / "out", d3fend=ttl))
    assert code == 2 and "d3fend.ttl:" in err and "is not valid Turtle" in err and "Traceback" not in err


def test_xml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    xml = tmp_path / "cwe.xml"
    xml.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<Weakness_Catalog>&a;</Weakness_Catalog>\n',
                   encoding="utf-8")
    with pytest.raises(KbError, match="refused for safety"):
        build_tables(fixture_sources(cwe=xml))


def test_capec_and_source_versions_are_checked(tmp_path: Path) -> None:
    with pytest.raises(KbError, match="no CAPEC file given"):
        build_tables(fixture_sources(capec=None, capec_xml=None))
    code, _, err = run(*cli_args(tmp_path / "out"), "--source-version", "d3fend")
    assert code == 2 and "is not NAME=VERSION" in err
    with pytest.raises(KbError, match='"mitre" is not a source'):
        build_tables(fixture_sources(versions={"mitre": "1"}))


def test_info_on_a_folder_that_is_not_a_knowledge_base(tmp_path: Path) -> None:
    code, _, err = run("info", "--dir", str(tmp_path))
    assert code == 2 and "manifest.json: error: is missing" in err
    shutil.copytree(embedded_dir(), tmp_path / "kb")
    (tmp_path / "kb" / "manifest.json").write_text('{"format": 99}', encoding="utf-8")
    code, _, err = run("info", "--dir", str(tmp_path / "kb"))
    assert code == 2 and "has knowledge-base format 99" in err


def test_info_on_the_embedded_knowledge_base() -> None:
    code, out, _ = run("info")
    assert code == 0
    assert "ATT&CK        18.1" in out and "CWE           4.14" in out and "D3FEND        1.2.0" in out
