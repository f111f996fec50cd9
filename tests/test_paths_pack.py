"""The attack-path step pack: the built-in pack checks clean and its fixtures pass; a broken user
step pack is reported with file:line:col and a hint, every problem at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic._errors import Level, RuleError
from tmlogic.paths.pack import STEP_KINDS, is_step_pack, lint_step_pack, load_step_pack
from tmlogic.paths.steptest import run_step_tests
from tmlogic.resources import attack_paths_dir

ROOT = Path(__file__).resolve().parents[1]


def test_builtin_pack_is_clean_and_complete() -> None:
    pack, warnings = load_step_pack()
    assert warnings == []
    assert pack.goal == "attack_goal_reached" and pack.targets == "attack_goal"
    kinds = {s.kind for s in pack.steps}
    assert kinds == set(STEP_KINDS)  # every kind of step the attacker model names is used
    for step in pack.steps:
        assert (attack_paths_dir() / f"{step.id}.dl").is_file(), step.id  # one rule per file, named by its id
        assert step.kind in ("entry", "network-access", "goal") or step.techniques, f"{step.id} maps to no technique"
    assert {s.id for s in pack.steps if s.assumed} == {"TM-PATH-012", "TM-PATH-013"}


def test_builtin_step_fixtures_pass() -> None:
    outcomes = run_step_tests([attack_paths_dir()])
    assert len(outcomes) == len(load_step_pack()[0].steps)
    failed = [(o.rule_id, o.problems) for o in outcomes if not o.passed]
    assert failed == []
    assert all(o.fixtures >= 2 for o in outcomes)


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    tests = pack / "tests" / "TM-PATH-004"
    tests.mkdir(parents=True)
    src = attack_paths_dir() / "tests" / "TM-PATH-004"
    for f in src.iterdir():
        (tests / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (pack / "TM-PATH-004.dl").write_text("// the built-in rule, tested from a copy of its folder\n", encoding="utf-8")
    (tests / "expected.json").write_text(json.dumps([{"file": "positive1.md", "derives": 'attack_uses("x", "y")'}]),
                                         encoding="utf-8")
    (outcome,) = run_step_tests([pack], pack=load_step_pack()[0])
    assert not outcome.passed
    assert 'positive1.md: missing attack_uses("x", "y")' in outcome.problems
    assert any("unexpected attack_uses" in p for p in outcome.problems)


def _pack(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    (folder / "TM-MINE-001.dl").write_text(text, encoding="utf-8")
    return folder


GOOD = '''/// id: TM-MINE-001
/// title: Walk in through an unlocked door
/// step: lateral-movement
/// attack: T1021
/// likelihood: likely
/// message: The attacker walks from '{S}' into '{D}' over '{F}'.
attack_controls(D) :- attack_controls(S), flow(F, S, D), flag(F, "x_unlocked").
'''


def test_a_user_step_pack_adds_steps(tmp_path: Path) -> None:
    folder = _pack(tmp_path, GOOD)
    assert is_step_pack(folder) and not is_step_pack(ROOT / "rules")
    pack, warnings = load_step_pack([folder])
    assert warnings == []
    assert any(s.id == "TM-MINE-001" and s.kind == "lateral-movement" for s in pack.steps)
    assert [d for d in lint_step_pack([folder]) if d.level is Level.ERROR] == []


@pytest.mark.parametrize("bad, code, message", [
    (GOOD.replace("step: lateral-movement", "step: lateral"), "bad-step-metadata", 'unknown step kind "lateral"'),
    (GOOD.replace("likelihood: likely", "likelihood: sure"), "bad-step-metadata", 'unknown likelihood "sure"'),
    (GOOD.replace("likelihood: likely", "likelihood: {L}"), "bad-step-metadata", '"{L}" names no variable'),
    (GOOD.replace("attack: T1021", "attack: T9999"), "bad-step-metadata", 'technique "T9999" is not in the knowledge base'),
    (GOOD.replace("/// step: lateral-movement\n", ""), "missing-metadata", '"step"'),
    (GOOD.replace("/// id: TM-MINE-001", "/// id: mine-1"), "bad-step-metadata", 'step id "mine-1"'),
    (GOOD.replace("/// title: Walk", "/// colour: red\n/// title: Walk"), "unknown-metadata-key", '"colour"'),
    (GOOD.replace("attack_controls(S), ", "element(S, _), "), "bad-step-metadata", "needs no attacker state"),
    (GOOD + '\n.decl mine_seen(e: symbol)\nmine_seen(E) :- attack_controls(E).\n', "state-in-helper", 'uses attacker state'),
    (GOOD.replace("step: lateral-movement", "step: goal").replace("/// attack: T1021\n", "").replace(
        'attack_controls(D) :- attack_controls(S), flow(F, S, D), flag(F, "x_unlocked").',
        'attack_goal_reached(D) :- attack_controls(S), flow(F, S, D), !attack_controls(D).'),
     "negated-state", 'attacker state "attack_controls" is negated'),
    (GOOD.replace('flag(F, "x_unlocked")', 'flag(F, "x_unlocked"), !attack_reads(_, D)'), "unstratified-negation",
     'negation of "attack_reads" inside a recursive cycle'),
])
def test_bad_step_rules_are_located(tmp_path: Path, bad: str, code: str, message: str) -> None:
    folder = _pack(tmp_path, bad)
    with pytest.raises(RuleError) as err:
        load_step_pack([folder])
    found = [d for d in err.value.diagnostics if d.code == code and message in d.message]
    assert found, [d.headline() for d in err.value.diagnostics]
    assert found[0].span.path.endswith("TM-MINE-001.dl") and found[0].span.line >= 1 and found[0].span.col >= 1
    assert any(d.code == code for d in lint_step_pack([folder]))  # lint reports the same, without raising


def test_a_control_that_reopens_a_step_is_warned_about(tmp_path: Path) -> None:
    reopen = GOOD.replace('flag(F, "x_unlocked")', '!flag(F, "x_locked")') + '''
/// id: TM-MINE-002
/// title: Pick a lock
/// step: lateral-movement
/// attack: T1021
/// likelihood: unlikely
/// message: The attacker picks the lock of '{F}'.
attack_controls(D) :- attack_controls(S), flow(F, S, D), flag(F, "x_locked").
'''
    folder = _pack(tmp_path, reopen)
    _, warnings = load_step_pack([folder])
    (w,) = [d for d in warnings if d.code == "control-reopens"]
    assert "TM-MINE-002" in w.message and w.span.path.endswith("TM-MINE-001.dl")
