"""Severity v2: the matrix, asset value (one step at most), exposure, mitigations and confidence."""

from __future__ import annotations

import pytest

from tmlogic.severity import (LEVELS, LIKELIHOODS, DataFacts, ModelContext, RuleSeverity, TargetFacts, cell_score,
                              level_for, score_threat)


def ctx(*targets: tuple[str, TargetFacts], data: dict[str, DataFacts] | None = None,
        multipliers: dict[str, float] | None = None) -> ModelContext:
    return ModelContext(dict(targets), data or {}, multipliers or {}, {"web": "Web", "db": "DB"})


FLOW = TargetFacts("flow", "Checkout", ("card",), None, True, True, {}, frozenset(), ("web", "db"))
SECRET = {"card": DataFacts("Card", 4, {}), "key": DataFacts("Key", 4, {}, credential=True),
          "page": DataFacts("Page", 0, {}), "order": DataFacts("Order", 2, {"integrity": "critical"})}


def test_the_matrix_moves_one_level_per_step_and_reserves_critical() -> None:
    for impact in LEVELS:
        levels = [LEVELS.index(level_for(cell_score(impact, lk))) for lk in LIKELIHOODS]
        assert levels == sorted(levels) and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    criticals = {(i, lk) for i in LEVELS for lk in LIKELIHOODS if level_for(cell_score(i, lk)) == "critical"}
    assert criticals == {("high", "frequent"), ("critical", "very-likely"), ("critical", "frequent")}
    assert level_for(cell_score("medium", "unlikely")) == "low" and level_for(cell_score("low", "likely")) == "low"
    assert all(level_for(cell_score(i, "likely")) == i for i in ("medium", "elevated", "high"))


def test_secret_data_raises_impact_only_for_threats_about_it() -> None:
    c = ctx(("f", FLOW), data=SECRET)
    about = score_threat(RuleSeverity("elevated", "likely", stride="InformationDisclosure", data_impact=True), ("f",), c)
    assert about.impact == "high" and about.adjustments[0].reason == "secret data 'Card' is involved"
    dos = score_threat(RuleSeverity("elevated", "likely", stride="DenialOfService"), ("f",), c)
    assert dos.impact == "elevated" and dos.adjustments == ()


def test_credentials_are_not_the_data_unless_the_rule_binds_them() -> None:
    flow = TargetFacts("flow", "Login", ("key",), None, True, True, {}, frozenset(), ("web", "db"))
    c = ctx(("f", flow), data=SECRET)
    rule = RuleSeverity("medium", "likely", stride="InformationDisclosure", data_impact=True)
    assert score_threat(rule, ("f",), c).impact == "medium"
    assert score_threat(rule, ("f",), c, data=("key",)).impact == "elevated"


def test_public_data_lowers_disclosure_and_integrity_ratings_raise_tampering() -> None:
    public = TargetFacts("flow", "Browse", ("page",), None, True, True, {}, frozenset(), ("web", "db"))
    rated = TargetFacts("flow", "Order", ("order",), None, True, True, {}, frozenset(), ("web", "db"))
    c = ctx(("p", public), ("o", rated), data=SECRET)
    disclosure = score_threat(RuleSeverity("medium", "likely", stride="InformationDisclosure", data_impact=True), ("p",), c)
    assert disclosure.impact == "low" and disclosure.adjustments[0].steps == -1
    tampering = RuleSeverity("elevated", "likely", stride="Tampering", data_impact=True)
    assert score_threat(tampering, ("p",), c).impact == "elevated"  # public data still has integrity
    s = score_threat(tampering, ("o",), c)
    assert s.impact == "high" and "integrity=critical" in s.adjustments[0].reason


def test_a_confidentiality_rating_on_the_data_outweighs_its_classification_for_disclosure() -> None:
    data = {"log": DataFacts("Debug Log", 4, {"confidentiality": "medium"}),
            "tag": DataFacts("Asset Tag", 4, {"confidentiality": "low"}),
            "card": DataFacts("Card", 4, {}),
            "fw": DataFacts("Firmware", 4, {"confidentiality": "low", "integrity": "high"})}

    def flow(*carried: str) -> TargetFacts:
        return TargetFacts("flow", "Feed", carried, None, True, True, {}, frozenset(), ("web", "db"))

    c = ctx(("m", flow("log")), ("l", flow("tag")), ("both", flow("log", "card")), ("fw", flow("fw")), data=data)
    disclosure = RuleSeverity("elevated", "likely", stride="InformationDisclosure", data_impact=True)
    modest = score_threat(disclosure, ("m",), c)
    assert modest.impact == "elevated" and modest.adjustments == ()
    low = score_threat(disclosure, ("l",), c)
    assert low.impact == "medium" and low.adjustments[0].reason == "data 'Asset Tag' is rated confidentiality=low"
    # an unrated secret beside a modestly rated one still counts
    assert score_threat(disclosure, ("both",), c).impact == "high"
    # the rating is about disclosure: tampering still follows classification and integrity
    assert score_threat(RuleSeverity("elevated", "likely", stride="Tampering", data_impact=True), ("fw",), c).impact == "high"


def test_asset_value_moves_impact_one_step_and_a_multiplier_alone_never_makes_it_critical() -> None:
    element = TargetFacts("element", "DB", ("card",), None, True, True, {"confidentiality": "critical"},
                          frozenset(), ("db",))
    c = ctx(("db", element), data=SECRET, multipliers={"db": 2.0})
    s = score_threat(RuleSeverity("high", "likely", stride="InformationDisclosure", data_impact=True), ("db",), c)
    assert s.impact == "critical" and [a.steps for a in s.adjustments if a.factor == "impact"] == [1, 0, 0]
    assert all("not counted" in a.reason for a in s.adjustments[1:] if a.factor == "impact")
    only_multiplier = score_threat(RuleSeverity("high", "likely", stride="ElevationOfPrivilege"), ("db",), c)
    assert only_multiplier.impact == "high" and only_multiplier.multiplier == 2.0
    low_value = ctx(("db", element), multipliers={"db": 0.5})
    assert score_threat(RuleSeverity("high", "likely", stride="Spoofing"), ("db",), low_value).impact == "elevated"


@pytest.mark.parametrize(("facts", "likelihood", "reason"), [
    (TargetFacts("element", "Web", (), "the model marks 'Web' internet-facing", True, True), "very-likely",
     "the model marks 'Web' internet-facing"),
    (TargetFacts("element", "Web", (), None, False, False), "unlikely", "reached only from trusted zones"),
    (TargetFacts("element", "Web", (), None, True, False), "unlikely",
     "every path from the untrusted side to it authenticates"),
    (TargetFacts("element", "Web", (), None, True, True), "likely", None),
])
def test_exposure_moves_likelihood(facts: TargetFacts, likelihood: str, reason: str | None) -> None:
    s = score_threat(RuleSeverity("medium", "likely", stride="Spoofing"), ("web",), ctx(("web", facts)))
    assert s.likelihood == likelihood
    assert [a.reason for a in s.adjustments] == ([reason] if reason else [])


def test_mitigations_and_low_confidence_lower_likelihood() -> None:
    facing = TargetFacts("element", "Web", (), "it is internet-facing", True, True, {}, frozenset({"rate_limited"}))
    rule = RuleSeverity("medium", "likely", confidence="low", stride="DenialOfService", mitigated_by=("rate_limited",))
    s = score_threat(rule, ("web",), ctx(("web", facing)))
    assert [(a.steps, a.reason) for a in s.adjustments] == [
        (1, "it is internet-facing"), (-1, "'Web' says rate_limited=True"), (-1, "the rule's confidence is low")]
    assert s.likelihood == "unlikely" and s.level == "low" and s.score == s.base_score == 2.8


def test_a_reason_bound_by_the_rule_lowers_one_step_and_is_shown() -> None:
    facing = TargetFacts("element", "Web", (), "it is internet-facing", True, True, {}, frozenset())
    rule = RuleSeverity("elevated", "likely", stride="Tampering")
    s = score_threat(rule, ("web",), ctx(("web", facing)), lowered={"likelihood": "the flag is unset"})
    assert [(a.factor, a.steps, a.reason) for a in s.adjustments] == [
        ("likelihood", 1, "it is internet-facing"), ("likelihood", -1, "the flag is unset")]
    assert s.likelihood == "likely" and s.level == "elevated"
    s = score_threat(rule, ("web",), ctx(("web", facing)), lowered={"impact": "it exposes little"})
    assert s.impact == "medium" and (s.adjustments[0].factor, s.adjustments[0].steps) == ("impact", -1)


def test_mitigated_by_counts_a_key_set_to_a_kind_other_than_none() -> None:
    api = TargetFacts("element", "API", (), None, True, True, {}, frozenset({"authorization"}),
                      kinds={"authorization": "rbac"})
    s = score_threat(RuleSeverity("elevated", "likely", stride="ElevationOfPrivilege", mitigated_by=("authorization",)),
                     ("api",), ctx(("api", api)))
    assert [a.reason for a in s.adjustments] == ["'API' says authorization=rbac"] and s.likelihood == "unlikely"
