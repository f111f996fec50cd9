"""SecOpsTM's DMZ model, judged as a reviewer does (issue 10): no critical finding rests on a
multiplier alone, anonymous public traffic is not called spoofing, SFTP is not called
unauthenticated, and firewalls and switches are not data holders."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.result import Threat

DMZ = Path(__file__).parent / "data" / "quality" / "dmz.md"


def _threats() -> list[Threat]:
    return list(analyze(DMZ, AnalysisOptions()).result.threats)


def on(threats: list[Threat], target: str, stride: str) -> list[str]:
    return [t.rule.id for t in threats if target in t.target_names and t.rule.stride == stride]


def test_no_critical_finding_depends_only_on_a_multiplier() -> None:
    for t in _threats():
        steps = [a for a in t.severity.adjustments if a.factor == "impact" and a.steps > 0]
        if t.severity.level == "critical":
            assert not (len(steps) == 1 and "multiplier" in steps[0].reason), t.id
        # the multiplier never scales the score: the score is the matrix cell of impact x likelihood
        assert t.severity.score == t.severity.base_score


def test_anonymous_public_traffic_is_not_spoofing_and_sftp_authenticates() -> None:
    threats = _threats()
    for flow in ("test", "test1", "Client 5 to External Firewall", "Client 7 to External Firewall",
                 "Client 4 to External Firewall"):
        assert on(threats, flow, "Spoofing") == [], flow
    for flow in ("Client 5 to External Firewall", "Client 7 to External Firewall"):  # DNS, RTSP of public data
        assert on(threats, flow, "InformationDisclosure") == [], flow
    # what is not anonymous still is reported
    assert on(threats, "Client 8 to External Firewall", "Spoofing") == ["TM-AUTH-001"]  # MQTT devices
    assert on(threats, "test", "InformationDisclosure") == ["TM-NET-001"]  # cookies over plain HTTP


def test_network_devices_are_not_data_holders() -> None:
    threats = _threats()
    for device in ("External Firewall", "Internal Firewall", "Switch", "Gateway Load Balancer"):
        assert on(threats, device, "InformationDisclosure") == [], device
