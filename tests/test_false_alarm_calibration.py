"""What a reviewer would not raise, or not as high: findings that rest on the model's silence are
one step less likely than those it states, and one weakness is one finding. Each test compares a
fixture where the model says it with one where it does not."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze

RULES = Path(__file__).resolve().parent.parent / "rules"


def findings(fixture: str, rule: str) -> dict[str, tuple[str, list[str], tuple[str, ...]]]:
    """target name -> (level, reasons of the steps that moved it, rules it superseded)."""
    result = analyze(RULES / fixture, AnalysisOptions(allow_outside=True)).result
    return {t.target_names[0]: (t.severity.level, [a.reason for a in t.severity.adjustments if a.steps],
                                tuple(rule_id for rule_id, _ in t.superseded))
            for t in result.threats if t.rule.id == rule}


UNSET_ENCODING = "the model does not say whether it encodes its output (encodes_output is unset, not False)"


def test_cross_site_scripting_is_less_likely_when_output_encoding_is_only_unset() -> None:
    unset = findings("web/tests/TM-WEB-007/positive1.md", "TM-WEB-007")["Storefront"]
    stated = findings("web/tests/TM-WEB-007/positive3.md", "TM-WEB-007")["Storefront"]
    assert unset[:2] == ("medium", [UNSET_ENCODING])
    assert stated[:2] == ("elevated", [])


def test_a_missing_waf_is_named_on_the_injection_finding_of_the_same_application() -> None:
    xss = findings("web/tests/TM-WEB-001/negative4.md", "TM-WEB-007")["Shop Web"]
    assert "TM-WEB-001" in xss[2]
    assert findings("web/tests/TM-WEB-001/negative4.md", "TM-WEB-001") == {}


UNSET_LOGGING = "the model does not say whether it logs (has_logging is unset, not False)"


def test_an_admin_audit_gap_is_medium_when_stated_on_an_internet_facing_element_and_low_when_unsaid() -> None:
    found = findings("operations/tests/TM-OPS-003/positive2.md", "TM-OPS-003")
    assert found["Ops Console"][:2] == ("medium", ["the model marks 'Ops Console' internet-facing"])
    assert found["Build Host"][0] == "low" and UNSET_LOGGING in found["Build Host"][1]
    inside = findings("operations/tests/TM-OPS-003/positive1.md", "TM-OPS-003")
    assert inside["Billing DB"][0] == "low" and UNSET_LOGGING not in inside["Billing DB"][1]


UNSET_KEY = "it logs in over a key-login protocol from a trusted zone and does not say whether with a key (enough from there) or a password"


def test_admin_ssh_from_a_trusted_zone_that_does_not_say_how_it_logs_in_is_one_step_less_likely() -> None:
    found = findings("authentication/tests/TM-AUTH-007/positive3.md", "TM-AUTH-007")
    assert found["Configure Proxy"][0] == "elevated" and UNSET_KEY in found["Configure Proxy"][1]
    assert UNSET_KEY not in found["Configure App"][1]  # a password, stated
    assert found["Contractor SSH"][0] == "high" and UNSET_KEY not in found["Contractor SSH"][1]  # from the internet


VISIT = "a person visits over a web protocol and the flow names no data: the model does not say the destination needs to know who calls"


def test_a_dataless_web_visit_is_one_step_less_likely_than_a_stated_or_data_carrying_one() -> None:
    found = findings("authentication/tests/TM-AUTH-001/positive5.md", "TM-AUTH-001")
    assert found["Internet to Storefront"][0] == "elevated" and VISIT in found["Internet to Storefront"][1]
    assert found["Internet to Support Desk"][0] == "high" and VISIT not in found["Internet to Support Desk"][1]
    assert found["Open Ticket"][0] == "high" and VISIT not in found["Open Ticket"][1]
    machine = findings("authentication/tests/TM-AUTH-001/positive4.md", "TM-AUTH-001")
    assert all(VISIT not in reasons for _, reasons, _ in machine.values())


def test_one_finding_for_one_weakness_on_a_flow_or_store() -> None:
    bypass = findings("authentication/tests/TM-AUTH-001/negative6.md", "TM-AUTH-010")["Partner Legacy Port"]
    assert "TM-AUTH-001" in bypass[2]
    poisoned = findings("supply-chain/tests/TM-SUP-009/negative2.md", "TM-DATA-010")["Build Cache"]
    assert "TM-SUP-009" in poisoned[2]
