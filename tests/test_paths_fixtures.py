"""Attack paths on fixture models whose paths, rankings and cuts were worked out by hand.

The threats come from one fixture rule (tests/data/paths/rules/: an element marked x-injectable
is injectable unless validates_input=True), so the expectations do not move when the built-in
threat rules are tuned. Step probabilities (attack-paths/README.md): certain 1, frequent 0.9,
very-likely 0.7, likely 0.5, unlikely 0.25, rare 0.1; a path's likelihood is their product.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.analysis import Analysis, AnalysisOptions, analyze
from tmlogic.outputs.json_output import render_json
from tmlogic.paths.changes import ModelChange, Wording
from tmlogic.paths.find import PathOptions, PathsError, find_paths
from tmlogic.paths.pack import PROBABILITY
from tmlogic.paths.result import AttackPaths
from tmlogic.paths.verify import check_cut, surviving_paths
from tmlogic.records import replace

DATA = Path(__file__).resolve().parent / "data" / "paths"
RULES = DATA / "rules"


def run(name: str, **options: object) -> tuple[Analysis, AttackPaths]:
    analysis = analyze(DATA / name, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False))
    return analysis, find_paths(analysis, PathOptions(**options))  # type: ignore[arg-type]


def spine_rules(paths: AttackPaths, goal: str) -> list[list[str]]:
    g = paths.goal(goal)
    assert g is not None
    return [[paths.steps[s].rule.id for s in p.spine] for p in g.paths]


def injectable_likelihood(analysis: Analysis) -> float:
    (threat,) = [t for t in analysis.result.threats if t.rule.id == "TM-FIXP-001"]
    return PROBABILITY[threat.severity.likelihood]


# chokepoints.md: Customer -> Balancer (load balancer, relays requests) -> Web (injectable) -> Vault DB,
# and Balancer -> Batch -> DB Proxy -> Vault DB. Card (secret) is on Web to DB and Proxy to DB, so
# the goals are Web, DB Proxy and Vault DB. By hand, to Vault DB (t = the injection's likelihood):
#   A   entry, call Balancer, relay to Web, exploit the injection (t), call Vault DB, query it (0.5)  t/2, 7 steps
#   A'' the same with an unreported flaw of Web instead (0.25)                                        0.125, 7
#   A'  exploit the injection, then an unreported flaw of Vault DB (0.25), read it                    t/4, 8
#   B   via Batch and DB Proxy, two unreported flaws: 0.25 * 0.25 * 0.5                               0.03125, 9

def test_ranking_follows_the_step_likelihoods_then_length() -> None:
    analysis, paths = run("chokepoints.md", k=3)
    t = injectable_likelihood(analysis)
    g = paths.goal("vault-db")
    assert g is not None
    expected = sorted([("A", t * 0.5, 7), ("A2", 0.125, 7), ("A1", t * 0.25, 8), ("B", 0.03125, 9)],
                      key=lambda e: (-e[1], e[2]))[:3]
    assert [(round(p.probability, 6), p.length) for p in g.paths] == [(round(e[1], 6), e[2]) for e in expected]
    assert [p.rank for p in g.paths] == [1, 2, 3]
    shapes = {"A": ["TM-PATH-001", "TM-PATH-004", "TM-PATH-006", "TM-PATH-011", "TM-PATH-004", "TM-PATH-041", "TM-PATH-050"],
              "A2": ["TM-PATH-001", "TM-PATH-004", "TM-PATH-006", "TM-PATH-013", "TM-PATH-004", "TM-PATH-041", "TM-PATH-050"],
              "A1": ["TM-PATH-001", "TM-PATH-004", "TM-PATH-006", "TM-PATH-011", "TM-PATH-004", "TM-PATH-013",
                     "TM-PATH-040", "TM-PATH-050"]}
    assert spine_rules(paths, "vault-db") == [shapes[e[0]] for e in expected]
    best = g.paths[0]
    assert best.entry == "customer" and best.profile == "untrusted side"
    assert best.techniques == ("T1210", "T1213")
    assert set(best.elements) >= {"customer", "balancer", "web", "vault-db"} and "batch" not in best.elements
    assert set(best.flows) == {"inbound", "to-web", "web-to-db"}
    exploit = paths.steps[best.spine[3]]
    assert exploit.threats == tuple(t.id for t in analysis.result.threats)
    assert ModelChange("set", "web", "validates_input", "true") in {c for s in exploit.stopped_by for c in s}


def test_goals_are_the_secret_holders_that_are_not_network_devices() -> None:
    _, paths = run("chokepoints.md", k=1)
    assert [g.goal for g in paths.goals] == ["web", "vault-db", "db-proxy"]  # most exposed first
    assert all(g.data == ("card",) for g in paths.goals)
    assert paths.goal("balancer") is None


def test_cuts_by_hand_and_applied_to_the_model() -> None:
    analysis, paths = run("chokepoints.md")
    words = Wording(analysis.model)
    inbound = (ModelChange("remove-flow", "inbound"),)
    # Every path to Vault DB and DB Proxy starts on Inbound; any other cut takes two flows (cost 4).
    for goal in ("vault-db", "db-proxy"):
        g = paths.goal(goal)
        assert g is not None and g.cut.status == "cut" and g.cut.exact
        assert g.cut.changes == inbound and g.cut.cost == 2
    # Web is reached only over To Web: two cheapest cuts, Inbound or To Web.
    web = paths.goal("web")
    assert web is not None and web.cut.cost == 2
    assert web.cut.changes in (inbound, (ModelChange("remove-flow", "to-web"),))
    assert paths.all_goals.changes == inbound
    # Without the assumed (unreported) flaws, only the injection on Web opens a path: fix it first.
    validate = (ModelChange("set", "web", "validates_input", "true"),)
    for goal in ("web", "vault-db"):
        g = paths.goal(goal)
        assert g is not None and g.known_cut.changes == validate and g.known_cut.cost == 1
    proxy = paths.goal("db-proxy")
    assert proxy is not None and proxy.known_cut.status == "unreachable"
    assert words(validate[0]) == "set validates_input=True on element 'Web'"
    # The claims hold when the changes are made to the model and everything runs again.
    for goal in paths.goals:
        assert check_cut(analysis, analysis.program, goal.cut.changes, goal.cut.scope).holds
        if goal.known_cut.status == "cut":
            assert check_cut(analysis, analysis.program, goal.known_cut.changes, goal.known_cut.scope, known_only=True).holds
    assert check_cut(analysis, analysis.program, paths.all_goals.changes, paths.all_goals.scope).holds
    # ... and a change that is not a cut is reported as one that leaves paths.
    weak = check_cut(analysis, analysis.program, (ModelChange("remove-flow", "to-batch"),), ("vault-db",))
    assert not weak.holds and weak.remaining == ("vault-db",)
    fixed = check_cut(analysis, analysis.program, validate, ("vault-db",))
    assert not fixed.holds  # the unreported flaws still lead there


def test_single_changes_stop_the_listed_paths_they_claim() -> None:
    analysis, paths = run("chokepoints.md")
    listed = [p for g in paths.goals for p in g.paths]
    assert paths.top_controls
    for control, ids in paths.top_controls:
        left = surviving_paths(analysis, analysis.program, control, listed, paths.steps)
        assert ids and not set(ids) & set(left), (control, ids)


# two-flaws.md: Visitor calls Api, which has two reported flaws (injection, unsafe deserialisation),
# and Api books Balance (secret) in Ledger. Either flaw gives control of Api: the same move, so
# fixing one of them stops no path; fixing both leaves only the unreported-flaw paths.

def test_fixing_one_of_two_flaws_that_open_the_same_move_stops_nothing() -> None:
    analysis, paths = run("two-flaws.md")
    listed = [p for g in paths.goals for p in g.paths]
    validate = ModelChange("set", "api", "validates_input", "true")
    safe = ModelChange("set", "api", "x_safe_parser", "true")
    assert [g.goal for g in paths.goals] == ["api", "ledger"] and all(len(g.paths) == 3 for g in paths.goals)
    claimed = {c for s in paths.steps.values() for control in s.stopped_by for c in control}
    assert validate not in claimed and safe not in claimed
    assert all(validate not in control and safe not in control for control, _ in paths.top_controls)
    everything = {p.id for p in listed}
    assert set(surviving_paths(analysis, analysis.program, (validate,), listed, paths.steps)) == everything
    flaws = {t.id for t in analysis.result.threats}
    assert len(flaws) == 2
    unreported = {p.id for p in listed if not any(set(paths.steps[s].threats) & flaws for s in p.steps)}
    assert unreported and unreported != everything
    assert set(surviving_paths(analysis, analysis.program, (validate, safe), listed, paths.steps)) == unreported
    calls, books = (ModelChange("remove-flow", "calls"),), (ModelChange("remove-flow", "books"),)
    ledger = paths.goal("ledger")
    assert ledger is not None
    assert [(c, set(ids)) for c, ids in paths.top_controls] == [(calls, everything), (books, {p.id for p in ledger.paths})]
    assert check_cut(analysis, analysis.program, (validate, safe), ("api", "ledger"), known_only=True).holds


def test_hand_written_threats_open_steps_but_are_not_controls(tmp_path: Path) -> None:
    model = tmp_path / "threat_model.md"
    model.write_text((DATA / "two-flaws.md").read_text(encoding="utf-8") + """
## Threats
- **Ledger takeover**: target=Ledger, stride="Elevation of Privilege", severity=high, likelihood=very-likely, status=open
- **Api defacement**: target=Api, stride=Tampering, severity=high, likelihood=frequent, status=mitigated
""", encoding="utf-8")
    analysis = analyze(model, AnalysisOptions(rule_paths=(RULES,), builtin_rules=False))
    (takeover,) = [t.id for t in analysis.result.threats if t.manual and t.suppression is None]
    (defacement,) = [t.id for t in analysis.result.threats if t.manual and t.suppression is not None]
    paths = find_paths(analysis, PathOptions(k=3))
    used = {t for s in paths.steps.values() for t in s.threats}
    assert takeover in used and defacement not in used  # open counts, mitigated does not
    ledger = paths.goal("ledger")
    assert ledger is not None and ledger.cut.status == "cut"
    assert check_cut(analysis, analysis.program, ledger.cut.changes, ledger.cut.scope).holds


# detour.md: Visitor calls Api over Calls and, through Router, over Routed; the callers of both can
# be impersonated (a fixture spoofing threat). Visitor is the caller of Calls, so impersonating it
# there is a detour: the path that calls Api as itself is listed instead. Through Router, the
# attacker is not Routed's caller, so impersonating it is a real step.

def test_a_detour_to_a_state_one_step_gains_is_not_a_path() -> None:
    _, paths = run("detour.md", k=6)
    (api,) = paths.goals
    spoofs = [paths.steps[s].flows for p in api.paths for s in p.spine if paths.steps[s].rule.id == "TM-PATH-008"]
    assert spoofs and all(flows == ("routed",) for flows in spoofs)
    best = api.paths[0]
    assert [paths.steps[s].rule.id for s in best.spine][:2] == ["TM-PATH-001", "TM-PATH-004"]
    assert paths.steps[best.spine[1]].flows == ("calls",)


# credentials.md: the customer compromises Web (an unreported flaw, 0.25), reads the admin password
# that Config brings there (certain), so holds the credentials of Admin (SSH, 0.9), reaches DB over
# Query, logs in over Admin (0.9), runs commands (0.9) and reads Rows: 0.25 * 0.9^3 = 0.18225, more
# likely than querying DB as Web (0.25 * 0.5). The credentials are a side branch of the AND/OR graph.

def test_stolen_credentials_join_the_path_as_a_side_branch() -> None:
    _, paths = run("credentials.md", k=2)
    db = paths.goal("db")
    assert db is not None
    best = db.paths[0]
    assert round(best.probability, 6) == round(0.25 * 0.9 ** 3, 6)
    assert [paths.steps[s].rule.id for s in best.spine] == [
        "TM-PATH-001", "TM-PATH-004", "TM-PATH-012", "TM-PATH-002", "TM-PATH-007", "TM-PATH-020", "TM-PATH-040",
        "TM-PATH-050"]
    side = [s for s in best.steps if s not in best.spine]
    assert [paths.steps[s].rule.id for s in side] == ["TM-PATH-040", "TM-PATH-030"]
    login = best.spine[4]
    needs = dict(best.needs)[login]
    assert needs[0] == best.spine[3] and needs[1] == side[1]  # network access first, then the credentials
    assert paths.steps[login].sources == ('attack_reaches("query", "db")', 'attack_credential("admin")')
    assert db.paths[1].probability == 0.125  # querying DB with Web's own access
    # every step is in the order its sources are gained
    position = {s: i for i, s in enumerate(best.steps)}
    assert all(position[n] < position[s] for s, ns in best.needs for n in ns)


def test_declared_attackers_and_goals() -> None:
    _, paths = run("attackers.md")
    assert paths.attackers == (("clerk", "insider"),)  # the untrusted Visitor is not assumed once one is declared
    by_goal = {g.goal: g for g in paths.goals}
    assert set(by_goal) == {"hr-app", "release-signer", "offline-vault", "archive"}  # Test DB: goal=False
    assert by_goal["release-signer"].marked and spine_rules(paths, "release-signer")[0][-1] == "TM-PATH-051"
    assert by_goal["hr-app"].paths[0].entry == "clerk"
    for isolated in ("offline-vault", "archive"):
        assert not by_goal[isolated].reachable and by_goal[isolated].cut.status == "unreachable"


def test_goal_filter_and_unknown_goals() -> None:
    _, paths = run("chokepoints.md", goals=("Vault DB",))
    assert [g.goal for g in paths.goals] == ["vault-db"]
    with pytest.raises(PathsError) as err:
        run("chokepoints.md", goals=("Balancer",))
    assert "is not a goal" in err.value.diagnostics[0].message
    with pytest.raises(PathsError) as err:
        run("chokepoints.md", goals=("Vault BD",))
    assert err.value.diagnostics[0].hint == 'did you mean "Vault DB"?'


def test_paths_are_deterministic() -> None:
    first_analysis, first = run("credentials.md")
    second_analysis, second = run("credentials.md")
    a = render_json(replace(first_analysis.result, paths=first))
    b = render_json(replace(second_analysis.result, paths=second))
    assert a == b
    data = json.loads(a)["paths"]
    assert data["paths"][0]["id"].startswith("P") and all(s.startswith("S") for s in data["steps"])


def test_threats_from_either_engine_give_the_same_paths() -> None:
    native = analyze(DATA / "credentials.md", AnalysisOptions(rule_paths=(RULES,), builtin_rules=False))
    slow = analyze(DATA / "credentials.md", AnalysisOptions(rule_paths=(RULES,), builtin_rules=False, engine="pydatalog"))
    a, b = find_paths(native), find_paths(slow)  # the step pack itself runs on the native engine
    assert [[p.id for p in g.paths] for g in a.goals] == [[p.id for p in g.paths] for g in b.goals]
    assert a.all_goals == b.all_goals
