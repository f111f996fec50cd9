"""D3FEND -> ATT&CK inference through artifacts (tmlogic/kb/build/d3fend.dl), on hand-checked cases."""

from __future__ import annotations

from pathlib import Path

from tmlogic.kb.build.d3fend import infer_counters, read_d3fend

DATA = Path(__file__).resolve().parent / "data" / "kb"


def test_recursive_join_through_the_artifact_hierarchy() -> None:
    # Artifact > DigitalArtifact > Credential > Password > OneTimePassword, and NetworkTraffic beside it.
    subclass = {("DigitalArtifact", "Artifact"), ("Credential", "DigitalArtifact"), ("Password", "Credential"),
                ("OneTimePassword", "Password"), ("NetworkTraffic", "DigitalArtifact"),
                ("CredentialHardening", "DefensiveTechnique"), ("TrafficAnalysis", "DefensiveTechnique"),
                ("Harden", "Tactic")}
    some = {("CredentialHardening", "hardens", "Credential"),  # D3-CH acts on Credential
            ("CredentialHardening", "enables", "Harden"),  # a tactic, not an artifact: never a meeting point
            ("TrafficAnalysis", "analyzes", "NetworkTraffic"),
            ("T1", "accesses", "OneTimePassword"),  # three subclass steps below Credential
            ("T2", "accesses", "Credential"),  # the very same artifact
            ("T3", "accesses", "NetworkTraffic"),
            ("T4", "accesses", "DigitalArtifact"),  # more general than Credential: no link to D3-CH
            ("T5", "enables", "Harden")}
    ids = {("CredentialHardening", "D3-CH"), ("TrafficAnalysis", "D3-NTA"), ("Stray", "D3-X")}
    attack = {("T1", "T1001"), ("T2", "T1002"), ("T3", "T1003"), ("T4", "T1004"), ("T5", "T1005")}
    result = infer_counters(subclass, some, ids, attack)
    assert result["counters"] == [("D3-CH", "T1001", "Credential"), ("D3-CH", "T1002", "Credential"),
                                  ("D3-NTA", "T1003", "NetworkTraffic")]
    # Stray has a d3fend-id but is not under DefensiveTechnique
    assert result["defensive_technique"] == [("D3-CH", "CredentialHardening"), ("D3-NTA", "TrafficAnalysis")]


def test_cycles_in_the_subclass_graph_terminate() -> None:
    subclass = {("A", "Artifact"), ("B", "A"), ("A", "B"), ("D", "DefensiveTechnique")}
    result = infer_counters(subclass, {("D", "uses", "A"), ("T", "uses", "B")}, {("D", "D3-D")}, {("T", "T1000")})
    assert result["counters"] == [("D3-D", "T1000", "A")]


def test_fixture_ontology() -> None:
    data = read_d3fend(DATA / "d3fend-fixture.ttl")
    assert data.version == "1.2.0"
    assert data.counters == {("D3-CH", "T1110.003", "Credential"), ("D3-MFA", "T1110.003", "Credential"),
                             ("D3-SPP", "T1110.003", "Password"), ("D3-NTA", "T1040", "NetworkTraffic"),
                             ("D3-EAL", "T1574.002", "ExecutableFile"), ("D3-CH", "T1513", "Credential"),
                             ("D3-MFA", "T1513", "Credential"), ("D3-SPP", "T1513", "Password")}
    assert data.techniques == {"D3-AA": "Agent Authentication", "D3-CH": "Credential Hardening",
                               "D3-EAL": "Executable Allowlisting", "D3-MFA": "Multi-factor Authentication",
                               "D3-NTA": "Network Traffic Analysis", "D3-SPP": "Strong Password Policy"}
    assert data.related == {("M1032", "D3-MFA"), ("M1027", "D3-SPP"), ("M1041", "D3-NTA"), ("M1099", "D3-CH")}
    assert data.artifacts["NetworkTraffic"] == "Network Traffic"
