"""Rule tests the KICS/Semgrep way: fixture models beside each rule, with expected findings.

Layout of a pack:  <pack>/<RULE-ID>.dl  and  <pack>/tests/<RULE-ID>/{positive*,negative*}.{md,yaml}
plus <pack>/tests/<RULE-ID>/expected.json, a list of {"file", "line", "target"}: the findings
of that rule in the positive fixtures. Negative fixtures must give no finding of the rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import DiagnosticsError
from .analysis import analyze_model, load_rules
from .fileaccess import FileAccessError, read_text
from .logic.language.ast import Program
from .logic.language.checks import RULE_ID_PATTERN
from .model.loader import load_model

__all__ = ["RuleTestOutcome", "run_rule_tests", "rule_test_dirs", "fixture_models"]

_MODEL_SUFFIXES = (".md", ".yaml", ".yml")


@dataclass
class RuleTestOutcome:
    rule_id: str
    folder: Path
    problems: list[str] = field(default_factory=list)
    fixtures: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems


Finding = tuple[str, int, str]  # (fixture file name, line, target name)


def rule_test_dirs(pack: Path) -> dict[str, Path]:
    """RULE-ID -> its test folder, for every rule file (named after its rule id) in the pack.

    Other .dl files in a pack (e.g. rules/web/web.dl) hold the pack's helper relations."""
    out: dict[str, Path] = {}
    for dl in sorted(pack.rglob("*.dl")):
        if "tests" in dl.relative_to(pack).parts or not RULE_ID_PATTERN.fullmatch(dl.stem):
            continue
        out[dl.stem] = dl.parent / "tests" / dl.stem
    return out


def fixture_models(folder: Path, prefix: str) -> list[Path]:
    """The fixture models of a test folder whose names start with `prefix` (positive, negative), sorted."""
    return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.suffix in _MODEL_SUFFIXES)


def _findings(path: Path, program: Program, rule_id: str) -> list[Finding]:
    model, warnings = load_model(path)
    analysis = analyze_model(model, program, warnings)
    found = [(path.name, t.location.line, t.target_names[0]) for t in analysis.result.threats if t.rule.id == rule_id]
    # a library rule's finding merged into a built-in one (tmlogic.merge) is still its finding
    found += [(path.name, c.location.line, c.target_names[0]) for t in analysis.result.threats
              for c in t.corroborated_by if c.rule_id == rule_id and c.target_names]
    return sorted(found)


def _expected(folder: Path, outcome: RuleTestOutcome) -> list[Finding]:
    path = folder / "expected.json"
    if not path.is_file():
        outcome.problems.append(f"{path}: missing; list the expected findings as [{{\"file\", \"line\", \"target\"}}]")
        return []
    try:
        entries = json.loads(read_text(path, what="expected findings file"))
        return sorted((str(e["file"]), int(e["line"]), str(e["target"])) for e in entries)
    except FileAccessError as exc:
        outcome.problems.append(exc.diagnostics[0].headline())
        return []
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        outcome.problems.append(f"{path}: not a list of {{\"file\", \"line\", \"target\"}} objects ({exc})")
        return []


def _run_one(rule_id: str, folder: Path, program: Program) -> RuleTestOutcome:
    outcome = RuleTestOutcome(rule_id, folder)
    if not folder.is_dir():
        outcome.problems.append(f"{folder}: missing; every rule needs positive and negative fixtures")
        return outcome
    positives, negatives = fixture_models(folder, "positive"), fixture_models(folder, "negative")
    if not positives:
        outcome.problems.append(f"{folder}: no positive* fixture model")
    if not negatives:
        outcome.problems.append(f"{folder}: no negative* fixture model")
    expected = _expected(folder, outcome)
    actual: list[Finding] = []
    for fixture in positives + negatives:
        outcome.fixtures += 1
        try:
            found = _findings(fixture, program, rule_id)
        except DiagnosticsError as exc:
            outcome.problems.append(f"{fixture}: the fixture model is invalid: {exc}")
            continue
        if fixture in negatives:
            for f in found:
                outcome.problems.append(f"{fixture}:{f[1]}: unexpected finding on '{f[2]}' (negative fixtures must give none)")
        else:
            actual.extend(found)
    for f in sorted(set(expected) - set(actual)):
        outcome.problems.append(f"{folder / f[0]}:{f[1]}: missing expected finding on '{f[2]}'")
    for f in sorted(set(actual) - set(expected)):
        outcome.problems.append(f"{folder / f[0]}:{f[1]}: unexpected finding on '{f[2]}'")
    if not expected and positives:
        outcome.problems.append(f"{folder}/expected.json: lists no finding, so the positive fixtures test nothing")
    return outcome


def run_rule_tests(packs: list[Path], builtin_rules: bool = True) -> list[RuleTestOutcome]:
    """Run the fixtures of every rule in the given packs, against the built-in program plus the packs."""
    from .resources import rules_dir

    builtin = rules_dir().resolve()
    extra = [p for p in packs if p.resolve() != builtin]
    program, _ = load_rules(extra, builtin_rules=builtin_rules)
    outcomes: list[RuleTestOutcome] = []
    for pack in packs:
        for rule_id, folder in rule_test_dirs(pack).items():
            outcomes.append(_run_one(rule_id, folder, program))
    return outcomes
