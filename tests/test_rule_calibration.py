"""Calibrated findings on the rules' own fixtures: what lowers a finding is in its breakdown."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze

RULES = Path(__file__).resolve().parent.parent / "rules"


def finding(fixture: str, rule: str, target: str) -> tuple[str, list[str]]:
    result = analyze(RULES / fixture, AnalysisOptions(allow_outside=True)).result
    hits = [t for t in result.threats if t.rule.id == rule and target in t.target_names]
    assert len(hits) == 1, [(t.rule.id, t.target_names) for t in result.threats]
    return hits[0].severity.level, [a.reason for a in hits[0].severity.adjustments if a.steps]


def test_sql_injection_is_less_likely_when_validation_is_only_unset() -> None:
    unset = finding("web/tests/TM-WEB-002/positive1.md", "TM-WEB-002", "Shop App")
    stated = finding("web/tests/TM-WEB-002/positive3.md", "TM-WEB-002", "Shop App")
    assert unset == ("medium", ["the model does not say whether it validates input (validates_input is unset, not False)"])
    assert stated == ("elevated", [])


def test_a_declared_role_scheme_lowers_object_level_authorization() -> None:
    level, reasons = finding("authentication/tests/TM-AUTH-008/positive1.md", "TM-AUTH-008", "Records API")
    assert "'Records API' says authorization=rbac" in reasons and level == "elevated"
    level, reasons = finding("authentication/tests/TM-AUTH-008/positive1.md", "TM-AUTH-008", "Lab API")
    assert not any("authorization" in r for r in reasons) and level == "high"


def test_a_short_range_link_needs_physical_presence() -> None:
    _, reasons = finding("network/tests/TM-NET-005/positive3.md", "TM-NET-005", "Card Tap")
    assert "the flow uses a short-range protocol: an attacker must be physically near it" in reasons
    _, reasons = finding("network/tests/TM-NET-005/positive1.md", "TM-NET-005", "Browse")
    assert not any("short-range" in r for r in reasons)


def test_flooding_a_status_endpoint_or_a_public_leaf_costs_little() -> None:
    level, reasons = finding("infrastructure/tests/TM-INF-007/positive2.md", "TM-INF-007", "Status Page")
    assert level == "medium" and "it is a health or status endpoint, which answers up/down and exposes little" in reasons
    _, reasons = finding("infrastructure/tests/TM-INF-007/positive2.md", "TM-INF-007", "Ping Responder")
    assert "nothing sits behind it and it serves only public data" in reasons
    _, reasons = finding("infrastructure/tests/TM-INF-007/positive1.md", "TM-INF-007", "Shop Front")
    assert not any("exposes little" in r or "public data" in r for r in reasons)


def test_a_credential_store_reached_directly_but_only_with_authentication_is_one_step_less_likely() -> None:
    _, reasons = finding("data/tests/TM-DATA-002/positive2.md", "TM-DATA-002", "Licence Store")
    assert "it is reached directly, but every flow into it authenticates its caller" in reasons
    _, reasons = finding("data/tests/TM-DATA-002/positive1.md", "TM-DATA-002", "Billing")
    assert not any("authenticates its caller" in r for r in reasons)


NEAR = "the flow uses a short-range protocol: an attacker must be physically near it"


def test_short_range_and_contact_links_lower_unfiltered_unauthenticated_and_cleartext_findings() -> None:
    for fixture, rule, target in (
        ("network/tests/TM-NET-006/positive2.md", "TM-NET-006", "Door Controller"),
        ("network/tests/TM-NET-006/positive2.md", "TM-NET-006", "Meter"),
        ("authentication/tests/TM-AUTH-001/positive3.md", "TM-AUTH-001", "Badge Tap"),
        ("authentication/tests/TM-AUTH-001/positive3.md", "TM-AUTH-001", "Serial Debug"),
        ("network/tests/TM-NET-002/positive2.md", "TM-NET-002", "Badge Tap"),
        ("network/tests/TM-NET-002/positive2.md", "TM-NET-002", "Serial Debug"),
    ):
        _, reasons = finding(fixture, rule, target)
        assert NEAR in reasons, (rule, target, reasons)
    for fixture, rule, target in (
        ("network/tests/TM-NET-006/positive1.md", "TM-NET-006", "App Server"),
        ("authentication/tests/TM-AUTH-001/positive1.md", "TM-AUTH-001", "Partner to API"),
        ("network/tests/TM-NET-002/positive1.md", "TM-NET-002", "Customer to Web"),
    ):
        _, reasons = finding(fixture, rule, target)
        assert NEAR not in reasons, (rule, target, reasons)


def test_an_admin_console_reached_only_from_trusted_zones_is_one_step_less_likely() -> None:
    inside = finding("authentication/tests/TM-AUTH-012/positive1.md", "TM-AUTH-012", "Fleet Console")
    outside = finding("authentication/tests/TM-AUTH-012/positive1.md", "TM-AUTH-012", "Admin Panel")
    assert inside[0] == "elevated" and outside[0] == "high", (inside, outside)


def test_admin_console_password_finding_replaces_the_flow_level_admin_finding() -> None:
    result = analyze(RULES / "authentication/tests/TM-AUTH-012/positive1.md", AnalysisOptions(allow_outside=True)).result
    rules_on_login = {t.rule.id for t in result.threats if "Operator Login" in t.target_names}
    assert rules_on_login == {"TM-AUTH-012"}, rules_on_login


def test_an_unauthenticated_service_is_rated_by_the_data_its_calls_carry() -> None:
    fixture = "authentication/tests/TM-AUTH-009/positive2.md"
    inside = "reached only from trusted zones"
    personal = finding(fixture, "TM-AUTH-009", "Image Archive")
    secret = finding(fixture, "TM-AUTH-009", "Ledger Gateway")
    nothing = finding(fixture, "TM-AUTH-009", "Cache Warmer")
    assert personal[0] == "medium" and not any("carry no sensitive" in r for r in personal[1]), personal
    assert secret[0] == "elevated" and any("secret" in r for r in secret[1]), secret
    assert nothing[0] == "low" and "the calls it receives carry no sensitive or personal data" in nothing[1], nothing
    assert all(inside in reasons for _, reasons in (personal, secret, nothing))


def test_a_person_with_no_flow_is_a_gap_in_the_model_not_a_forgotten_host() -> None:
    level, reasons = finding("model/tests/TM-MOD-001/positive2.md", "TM-MOD-001", "Visitor")
    assert level == "low"
    assert "a person runs no software that could be left unpatched: only the model is incomplete" in reasons
    level, reasons = finding("model/tests/TM-MOD-001/positive2.md", "TM-MOD-001", "Spare Server")
    assert level == "medium" and not any("person" in r for r in reasons)


def test_a_source_allow_list_makes_unauthenticated_input_one_step_less_likely() -> None:
    allowed = finding("authentication/tests/TM-AUTH-001/positive6.md", "TM-AUTH-001", "Allow-listed Trunk")
    open_trunk = finding("authentication/tests/TM-AUTH-001/positive6.md", "TM-AUTH-001", "Open Trunk")
    assert allowed[0] == "elevated" and any("allow-list" in r for r in allowed[1])
    assert open_trunk[0] == "high" and not any("allow-list" in r for r in open_trunk[1])


REACH = ("the login reaches only one account's files or media relay on a transfer or relay service, "
         "not a session in an application")


def test_a_guessed_login_on_a_file_drop_or_media_relay_is_one_step_less() -> None:
    level, reasons = finding("authentication/tests/TM-AUTH-013/positive1.md", "TM-AUTH-013", "File Drop")
    assert REACH in reasons and level == "elevated"
    _, reasons = finding("authentication/tests/TM-AUTH-013/positive1.md", "TM-AUTH-013", "Intranet Wiki")
    assert REACH not in reasons
    _, reasons = finding("authentication/tests/TM-AUTH-013/positive2.md", "TM-AUTH-013", "Branch Router")
    assert REACH not in reasons
