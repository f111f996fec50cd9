"""Step-rule tests, like rule tests: fixture models beside each step rule, with the states it derives.

Layout:  <pack>/<RULE-ID>.dl  and  <pack>/tests/<RULE-ID>/{positive*,negative*}.{md,yaml}, plus
<pack>/tests/<RULE-ID>/expected.json, a list of {"file", "derives"}: every state that rule's
firings derive in the positive fixtures, as a fact (`attack_controls("shop")`). Negative fixtures
must give no firing of the rule. The threats the steps read come from the built-in threat rules,
or, when the test folder has a `rules/` pack, from that pack alone, so that a step's fixture does
not move when threat rules are tuned.
"""

from __future__ import annotations

import json
from pathlib import Path

from .._errors import DiagnosticsError
from ..fileaccess import FileAccessError, read_text
from ..analysis import analyze_model, load_rules
from ..logic.language.ast import Program
from ..logic.program.facts import format_fact
from ..model.loader import load_model
from ..ruletest import RuleTestOutcome, fixture_models, rule_test_dirs
from .find import attack_stage
from .pack import StepPack, load_step_pack

__all__ = ["StepTestOutcome", "run_step_tests"]

# A step rule's outcome has the shape of a threat rule's, so `rules test` lists them alike.
StepTestOutcome = RuleTestOutcome


def derived_by(path: Path, threats: Program, pack: StepPack, rule_id: str) -> list[str]:
    """The states that step `rule_id` derives on the model at `path`, as facts, sorted."""
    model, warnings = load_model(path)
    graph = attack_stage(analyze_model(model, threats, warnings), pack).graph
    return sorted({format_fact(*f.head) for f in graph.firings if f.step.id == rule_id})


def _threat_program(folder: Path, cache: dict[Path, Program]) -> Program:
    local = folder / "rules"
    key = local if local.is_dir() else Path()
    if key not in cache:
        cache[key] = (load_rules([local], builtin_rules=False) if local.is_dir() else load_rules([]))[0]
    return cache[key]


def run_step_tests(packs: list[Path], pack: StepPack | None = None) -> list[StepTestOutcome]:
    """Test every step rule of `packs` (checked together with the built-in step pack unless `pack`
    is given). Raises RuleError / ModelError when a pack or a fixture is broken."""
    if pack is None:
        builtin = [p for p in packs if p.resolve() != _builtin().resolve()]
        pack, _ = load_step_pack(builtin)
    outcomes: list[StepTestOutcome] = []
    programs: dict[Path, Program] = {}
    for folder in packs:
        for rule_id, tests in rule_test_dirs(folder).items():
            outcome = StepTestOutcome(rule_id, tests)
            outcomes.append(outcome)
            if not any(s.id == rule_id for s in pack.steps):
                outcome.problems.append(f"{rule_id}.dl holds no step rule with id {rule_id}")
                continue
            if not tests.is_dir():
                outcome.problems.append(f"no test folder {tests}")
                continue
            positives, negatives = fixture_models(tests, "positive"), fixture_models(tests, "negative")
            if not positives or not negatives:
                outcome.problems.append("needs at least one positive and one negative fixture")
            expected_file = tests / "expected.json"
            try:
                expected = json.loads(read_text(expected_file, what="expected states file"))
            except FileAccessError as exc:
                outcome.problems.append(exc.diagnostics[0].headline())
                continue
            except json.JSONDecodeError as exc:
                outcome.problems.append(f"cannot read {expected_file}: {exc}")
                continue
            threats = _threat_program(tests, programs)
            for fixture in positives + negatives:
                outcome.fixtures += 1
                try:
                    got = derived_by(fixture, threats, pack, rule_id)
                except DiagnosticsError as exc:
                    outcome.problems.append(f"{fixture.name}: {exc}")
                    continue
                want = sorted(e["derives"] for e in expected if e.get("file") == fixture.name)
                if fixture in negatives and want:
                    outcome.problems.append(f"{fixture.name}: expected.json lists states for a negative fixture")
                for fact in sorted(set(want) - set(got)):
                    outcome.problems.append(f"{fixture.name}: missing {fact}")
                for fact in sorted(set(got) - set(want)):
                    outcome.problems.append(f"{fixture.name}: unexpected {fact}")
    return outcomes


def _builtin() -> Path:
    from ..resources import attack_paths_dir

    return attack_paths_dir()
