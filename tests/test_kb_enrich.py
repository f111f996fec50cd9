"""Enrichment in Datalog: rule metadata -> CAPEC -> ATT&CK (tactics) -> mitigations -> D3FEND, plus CWE,
each link with its "via"; STRIDE defaults; only the reachable part of the knowledge base is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.kb.build import Sources, build_kb
from tmlogic.kb.datalog import DatalogProgram
from tmlogic.kb.enrich import Enrichment, RuleMeta, Via, enrich_rules
from tmlogic.kb.loader import KnowledgeBase, load_kb

DATA = Path(__file__).resolve().parent / "data" / "kb"


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb")
    build_kb(Sources(attack=DATA / "enterprise-attack-fixture.json", capec=DATA / "stix-capec-fixture.json",
                     cwe=DATA / "cwec-fixture.xml", d3fend=DATA / "d3fend-fixture.ttl"), out)
    return load_kb(out)


def ids(links: tuple) -> list[str]:  # type: ignore[type-arg]
    return [link.id for link in links]


def via(links: tuple, ident: str) -> list[str]:  # type: ignore[type-arg]
    return [str(v) for link in links if link.id == ident for v in link.via]


def test_the_password_spraying_chain(fixture_kb: KnowledgeBase) -> None:
    e = enrich_rules([RuleMeta("TM-AUTH-009", "Spoofing", capec=("CAPEC-565",))], fixture_kb)["TM-AUTH-009"]
    assert ids(e.capec) == ["CAPEC-565"] and via(e.capec, "CAPEC-565") == ["rule TM-AUTH-009"]
    assert ids(e.techniques) == ["T1110.003"]
    tech = e.techniques[0]
    assert tech.name == "Brute Force: Password Spraying"
    assert [(t.id, t.name) for t in tech.tactics] == [("TA0006", "Credential Access")]
    assert tech.via == (Via("capec", "CAPEC-565"),)
    assert ids(e.mitigations) == ["M1027", "M1032", "M1036"]
    assert all(via(e.mitigations, m) == ["T1110.003"] for m in ids(e.mitigations))
    assert ids(e.d3fend) == ["D3-CH", "D3-MFA", "D3-SPP"]
    assert via(e.d3fend, "D3-MFA") == ["T1110.003 (artifact: Credential)", "M1032"]
    assert via(e.d3fend, "D3-SPP") == ["T1110.003 (artifact: Password)", "M1027"]
    assert via(e.d3fend, "D3-CH") == ["T1110.003 (artifact: Credential)"]
    assert ids(e.cwe) == ["CWE-262", "CWE-263", "CWE-307", "CWE-308", "CWE-309", "CWE-521"]
    assert via(e.cwe, "CWE-307") == ["CAPEC-565"]
    assert [t.id for t in e.tactics] == ["TA0006"]
    assert not e.capec_from_stride


def test_rule_ids_merge_with_derived_ones_and_keep_every_reason(fixture_kb: KnowledgeBase) -> None:
    rule = RuleMeta("TM-NET-009", "InformationDisclosure", capec=("CAPEC-158",), cwe=("CWE-319", "CWE-311"),
                    attack=("T1040", "T1110"))
    e = enrich_rules([rule], fixture_kb)["TM-NET-009"]
    assert ids(e.techniques) == ["T1040", "T1110", "T1111"]
    assert via(e.techniques, "T1040") == ["rule TM-NET-009", "CAPEC-158"]
    assert via(e.techniques, "T1110") == ["rule TM-NET-009"]
    assert [t.id for t in e.techniques[0].tactics] == ["TA0006", "TA0007"]
    assert via(e.mitigations, "M1032") == ["T1040", "T1110"]
    assert via(e.d3fend, "D3-NTA") == ["T1040 (artifact: Network Traffic)", "M1041"]
    assert via(e.cwe, "CWE-311") == ["rule TM-NET-009", "CAPEC-158"]
    assert via(e.cwe, "CWE-319") == ["rule TM-NET-009", "CAPEC-158"]


def test_a_rule_without_capec_gets_the_stride_defaults(fixture_kb: KnowledgeBase) -> None:
    rules = [RuleMeta("TM-X-001", "Elevation of Privilege"), RuleMeta("TM-X-002", "tampering", capec=("CAPEC-158",))]
    out = enrich_rules(rules, fixture_kb)
    e = out["TM-X-001"]
    assert ids(e.capec) == ["CAPEC-112", "CAPEC-565"]  # stride_capec_default for ElevationOfPrivilege
    assert via(e.capec, "CAPEC-112") == ["STRIDE ElevationOfPrivilege (consequence scope Access_Control)",
                                         "STRIDE ElevationOfPrivilege (consequence scope Authorization)"]
    assert e.capec_from_stride
    assert ids(e.techniques) == ["T1110", "T1110.003"]
    assert via(e.techniques, "T1110") == ["CAPEC-112"]
    assert ids(out["TM-X-002"].capec) == ["CAPEC-158"]  # a rule's own CAPEC replaces the defaults


def test_unknown_ids_and_empty_rules(fixture_kb: KnowledgeBase) -> None:
    out = enrich_rules([RuleMeta("TM-A-001", "NoSuchCategory", capec=("CAPEC-99999",), attack=("T9999",)),
                        RuleMeta("TM-B-001")], fixture_kb)
    a = out["TM-A-001"]
    assert [(link.id, link.name) for link in a.capec] == [("CAPEC-99999", "")]
    assert [(t.id, t.name, t.tactics) for t in a.techniques] == [("T9999", "", ())]
    assert out["TM-B-001"] == Enrichment("TM-B-001")


def test_json_shape(fixture_kb: KnowledgeBase) -> None:
    e = enrich_rules([RuleMeta("R", "Spoofing", capec=("CAPEC-565",))], fixture_kb)["R"]
    data = json.loads(json.dumps(e.to_dict()))
    assert set(data) == {"capec", "attack_techniques", "attack_tactics", "attack_mitigations", "d3fend", "cwe"}
    assert data["attack_techniques"][0] == {"id": "T1110.003", "name": "Brute Force: Password Spraying",
                                            "tactics": [{"id": "TA0006", "name": "Credential Access"}],
                                            "via": [{"kind": "capec", "id": "CAPEC-565"}]}
    mfa = next(d for d in data["d3fend"] if d["id"] == "D3-MFA")
    assert mfa["via"] == [{"kind": "technique", "id": "T1110.003", "detail": "Credential"},
                          {"kind": "mitigation", "id": "M1032"}]


def test_only_the_reachable_part_reaches_the_engine(fixture_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, set] = {}  # type: ignore[type-arg]
    real = DatalogProgram.run

    def spy(self, facts, queries):  # type: ignore[no-untyped-def]
        seen.update({k: set(v) for k, v in facts.items()})
        return real(self, facts, queries)

    monkeypatch.setattr(DatalogProgram, "run", spy)
    enrich_rules([RuleMeta("R", "Spoofing", capec=("CAPEC-565",))], fixture_kb)
    assert seen["capec_technique"] == {("CAPEC-565", "T1110.003")}
    assert seen["mitigation_technique"] == {("M1027", "T1110.003"), ("M1032", "T1110.003"), ("M1036", "T1110.003")}
    assert {t for _, t, _ in seen["d3fend_technique"]} == {"T1110.003"}
    assert "stride_capec_default" not in seen  # the rule names a CAPEC


# --------------------------------------------------------------------------- the embedded knowledge base

def test_embedded_chain_capec_565() -> None:
    e = enrich_rules([RuleMeta("TM-AUTH-009", "Spoofing", capec=("CAPEC-565",))], load_kb())["TM-AUTH-009"]
    assert ids(e.techniques) == ["T1110.003"]
    assert [t.id for t in e.techniques[0].tactics] == ["TA0006"]
    assert ids(e.mitigations) == ["M1027", "M1032", "M1036"]
    assert {"D3-MFA", "D3-AL", "D3-SPP"} <= set(ids(e.d3fend))
    assert via(e.d3fend, "D3-AL") == ["M1036"]
    assert "CWE-307" in ids(e.cwe)


def test_embedded_cleartext_flow_chain() -> None:
    """The threat "cleartext flow into a trusted zone" (CAPEC-157, CAPEC-158, CWE-319)."""
    rule = RuleMeta("TM-NET-001", "InformationDisclosure", capec=("CAPEC-157", "CAPEC-158"), cwe=("CWE-319",))
    e = enrich_rules([rule], load_kb())["TM-NET-001"]
    assert ids(e.techniques) == ["T1040", "T1111"]
    assert via(e.techniques, "T1040") == ["CAPEC-158"]
    assert "M1041" in ids(e.mitigations) and via(e.mitigations, "M1041") == ["T1040"]
    assert "D3-ET" in ids(e.d3fend)
    assert ids(e.cwe) == ["CWE-311", "CWE-319"]


def test_enrichment_of_fifty_rules_in_one_pass() -> None:
    kb = load_kb()
    capecs = sorted({c for c, _ in kb.rows("capec_technique")})[:50]
    rules = [RuleMeta(f"TM-T-{i:03d}", "Tampering", capec=(c,) if i % 5 else ()) for i, c in enumerate(capecs)]
    enrich_rules(rules[:1], kb)  # parse and compile the program once
    out = enrich_rules(rules, kb)
    assert len(out) == 50 and all(out[r.rule_id].techniques for r in rules)


def test_rule_meta_from_a_parsed_rule_and_text_lines(fixture_kb: KnowledgeBase) -> None:
    from tmlogic.logic.language.parser import parse_module

    module = parse_module('/// id: TM-Q-001\n/// stride: Spoofing\n/// capec: CAPEC-565\n/// attack: T1040, T1110\n'
                          'threat(F) :- flow(F, _, _).\n', "q.dl")
    meta = RuleMeta.from_rule(module.rules[0])
    assert meta == RuleMeta("TM-Q-001", "Spoofing", ("CAPEC-565",), (), ("T1040", "T1110"))
    lines = enrich_rules([meta], fixture_kb)["TM-Q-001"].describe()
    assert "CAPEC CAPEC-565 Password Spraying <- rule TM-Q-001" in lines
    assert "ATT&CK T1110.003 Brute Force: Password Spraying [Credential Access] <- CAPEC-565" in lines
    assert "mitigation M1032 Multi-factor Authentication <- mitigates T1040, T1110, T1110.003" in lines
    assert "D3FEND D3-MFA Multi-factor Authentication <- T1110.003 (artifact: Credential), M1032" in lines


def test_package_exports() -> None:
    import tmlogic.kb as kb

    assert kb.__all__ == sorted(kb.__all__)
    for name in kb.__all__:
        assert getattr(kb, name) is not None
    with pytest.raises(AttributeError):
        kb.nothing  # noqa: B018
