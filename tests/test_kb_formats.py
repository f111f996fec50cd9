"""Reading each official format, merging the two CAPEC formats, the STRIDE mapping, and the fact files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.kb.build.attack import read_attack
from tmlogic.kb.build.capec import (
    CapecData,
    Pattern,
    merge_capec,
    read_capec_stix,
    read_capec_xml,
)
from tmlogic.kb.build.cwe import read_cwe
from tmlogic.kb.build.stride import STRIDE_SCOPES, stride_capec_default, stride_of
from tmlogic.kb.build.write import render_facts
from tmlogic.kb.errors import KbError
from tmlogic.kb.schema import RELATION_BY_NAME
from tmlogic.kb.store import decls_text, natural_key, read_relation
from tmlogic.logic.language.parser import parse_module

DATA = Path(__file__).resolve().parent / "data" / "kb"


def test_attack_bundle() -> None:
    data = read_attack(DATA / "enterprise-attack-fixture.json")
    assert data.version == "18.1"  # from the x-mitre-collection object
    assert data.techniques["T1110.003"] == "Password Spraying"
    assert data.revoked == {"T1574.002": "T1574.001"}
    assert "T1064" in data.deprecated and "T1064" not in data.techniques
    assert data.resolve("T1574.002") == ("T1574.001", "revoked in ATT&CK 18.1, replaced by T1574.001")
    assert data.resolve("T1064") == (None, "deprecated in ATT&CK 18.1")
    assert data.resolve("T1513") == (None, "not in ATT&CK 18.1")
    assert data.skipped["course-of-action deprecated"] == 1
    assert data.skipped["mitigates relationship to a revoked or deprecated object"] == 1


def test_attack_version_from_the_file_name(tmp_path: Path) -> None:
    bundle = json.loads((DATA / "enterprise-attack-fixture.json").read_text(encoding="utf-8"))
    bundle["objects"] = [o for o in bundle["objects"] if o["type"] != "x-mitre-collection"]
    path = tmp_path / "enterprise-attack-17.1.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert read_attack(path).version == "17.1"
    plain = tmp_path / "attack.json"
    plain.write_text(json.dumps(bundle), encoding="utf-8")
    assert read_attack(plain).version is None


def test_capec_stix_and_xml() -> None:
    stix = read_capec_stix(DATA / "stix-capec-fixture.json")
    xml = read_capec_xml(DATA / "capec-fixture.xml")
    assert stix.version == xml.version == "3.9"
    assert "CAPEC-409" in stix.deprecated and "CAPEC-409" not in stix.patterns
    p = stix.patterns["CAPEC-565"]
    assert (p.name, p.abstraction, p.likelihood) == ("Password Spraying", "Detailed", "High")
    assert p.techniques == {"T1110.003"} and "CWE-307" in p.cwes
    assert xml.patterns["CAPEC-565"].scopes == p.scopes  # "Access Control" in XML, "Access_Control" in STIX
    assert xml.patterns["CAPEC-112"].techniques == {"T1110"}  # XML writes "1110"


def test_capec_merge_reports_disagreements() -> None:
    first = CapecData(["a.json"], "3.9", {"CAPEC-1": Pattern("One", "Meta", "", {"Integrity"}, {"CWE-1"}, {"T1000"})})
    second = CapecData(["b.xml"], "3.8", {"CAPEC-1": Pattern("Uno", "Meta", "", {"Integrity"}, {"CWE-2"}, {"T1000"}),
                                          "CAPEC-2": Pattern("Two")})
    merged = merge_capec(first, second)
    assert merged.patterns["CAPEC-1"].cwes == {"CWE-1", "CWE-2"} and merged.patterns["CAPEC-1"].name == "One"
    assert "CAPEC-2" in merged.patterns
    messages = [w.message for w in merged.warnings]
    assert "CAPEC version 3.8 differs from 3.9 in a.json" in messages
    assert "CAPEC-1: the two CAPEC files list different CWE ids (CWE-1, CWE-2); keeping both" in messages
    assert 'CAPEC-1 is named "Uno" here and "One" in a.json; keeping the latter' in messages


def test_cwe_catalogue() -> None:
    data = read_cwe(DATA / "cwec-fixture.xml")
    assert (data.version, data.date) == ("4.14", "2024-02-29")
    assert data.weaknesses["CWE-307"] == "Improper Restriction of Excessive Authentication Attempts"
    assert "CWE-1187" in data.deprecated and "CWE-1187" not in data.weaknesses
    assert ("CAPEC-565", "CWE-307") in data.capec and ("CAPEC-16", "CWE-307") in data.capec


def test_stride_mapping_follows_the_documented_scopes() -> None:
    assert stride_of({"Authentication"}) == {"Spoofing"}
    assert stride_of({"Accountability"}) == stride_of({"Non-Repudiation"}) == {"Repudiation"}
    assert stride_of({"Access_Control", "Confidentiality"}) == {"ElevationOfPrivilege", "InformationDisclosure"}
    assert stride_of({"Other"}) == set()
    assert set(STRIDE_SCOPES) == {"Spoofing", "Tampering", "Repudiation", "InformationDisclosure", "DenialOfService",
                                  "ElevationOfPrivilege"}


def test_stride_defaults_rank_general_linked_specific_likely() -> None:
    patterns = {
        "CAPEC-1": Pattern("detailed, linked", "Detailed", "High", {"Availability"}),
        "CAPEC-2": Pattern("meta, not linked", "Meta", "High", {"Availability"}),
        "CAPEC-3": Pattern("meta, linked, two categories", "Meta", "High", {"Availability", "Integrity"}),
        "CAPEC-4": Pattern("meta, linked, one category, low", "Meta", "Low", {"Availability"}),
        "CAPEC-5": Pattern("meta, linked, one category, high", "Meta", "High", {"Availability"}),
        "CAPEC-6": Pattern("other category", "Meta", "High", {"Confidentiality"}),
    }
    chosen = stride_capec_default(patterns, {"CAPEC-1", "CAPEC-3", "CAPEC-4", "CAPEC-5"})
    assert sorted(c for s, c in chosen if s == "DenialOfService") == ["CAPEC-3", "CAPEC-4", "CAPEC-5"]
    assert sorted(c for s, c in chosen if s == "Tampering") == ["CAPEC-3"]


def test_fact_files_sort_naturally_and_stay_one_line() -> None:
    text = render_facts([("CAPEC-10", "b"), ("CAPEC-2", "a\tb\nc"), ("T1110.003", "x"), ("T1110", "y")]).decode()
    assert text == "CAPEC-2\ta b c\nCAPEC-10\tb\nT1110\ty\nT1110.003\tx\n"
    assert natural_key(("CAPEC-2",)) < natural_key(("CAPEC-10",))


def test_a_damaged_fact_file_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "capec.facts").write_text("CAPEC-1\tOne\nCAPEC-2\n", encoding="utf-8")
    with pytest.raises(KbError) as info:
        read_relation(tmp_path, RELATION_BY_NAME["capec"])
    assert "capec.facts:2:1: error: has 1 values on this line, capec takes 2 (id, name)" in info.value.headline()
    (tmp_path / "cwe.facts").write_text("", encoding="utf-8")
    assert read_relation(tmp_path, RELATION_BY_NAME["cwe"]) == []


def test_declarations_are_valid_rule_language() -> None:
    module = parse_module(decls_text(), "kb.dl")
    assert {d.predicate: d.arity for d in module.decls} == {r: RELATION_BY_NAME[r].arity for r in RELATION_BY_NAME}
