"""`tmlogic rules lint | list | test`: check and inspect rule packs."""

import sys
from enum import Enum
from pathlib import Path

from .._errors import DiagnosticsError, RuleError
from .common import NoBuiltinOpt, StrictOpt, fail_input, show_warnings, user_error
from .params import Annotated, Argument, Exit, Group, Option

__all__ = ["rules_app"]

rules_app = Group(help="Check and inspect rule packs.")


@rules_app.command("lint")
def rules_lint(
    paths: Annotated[list[Path] | None, Argument(
        help="Rule packs or .dl files; default: the built-in packs and the optional ones.")] = None,
    strict: StrictOpt = False,
    no_builtin_rules: NoBuiltinOpt = False,
) -> None:
    """Run the static checks on rule packs (syntax, declarations, safety, stratification, metadata,
    module boundaries), in the program `rules test` and `analyze` run: with the built-in packs.
    Attack-path step packs (rules with `/// step:`) are checked as such."""
    from ..analysis import lint_rules
    from ..paths.pack import lint_step_pack

    if no_builtin_rules and not paths:
        user_error("--no-builtin-rules needs at least one rule pack to lint")
    targets = list(paths) if paths else _builtin_packs()
    threat_packs, step_packs = _by_kind(targets)
    diagnostics = (lint_rules(threat_packs, strict=strict, builtin_rules=not no_builtin_rules)
                   if threat_packs or not step_packs else [])
    if step_packs:
        diagnostics += lint_step_pack(step_packs, strict=strict)
    if any(d.level.value == "error" for d in diagnostics):
        fail_input(RuleError(diagnostics))
    show_warnings(diagnostics, False)
    sys.stdout.write(f"{', '.join(str(p) for p in targets)}: ok\n")


class CatalogueFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


@rules_app.command("list")
def rules_list(
    packs: Annotated[list[Path] | None, Argument(help="Extra rule packs to list with the built-in ones.")] = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[CatalogueFormat, Option("--format", "-f")] = CatalogueFormat.text,
) -> None:
    """List the rules: id, title, STRIDE, severity, pack (Markdown: the docs/rules.md catalogue)."""
    from ..analysis import load_rules, rule_info
    from ..outputs.rule_catalogue import render_catalogue

    try:
        program, _ = load_rules(list(packs or ()), builtin_rules=not no_builtin_rules)
    except DiagnosticsError as exc:
        fail_input(exc)
    sys.stdout.write(render_catalogue([rule_info(r) for r in program.threat_rules()], output_format.value))


@rules_app.command("test")
def rules_test(
    packs: Annotated[list[Path] | None, Argument(
        help="Rule packs to test; default: the built-in packs and the optional ones.")] = None,
    no_builtin_rules: NoBuiltinOpt = False,
) -> None:
    """Run each rule's positive and negative fixture models against its expected findings (for a
    step pack: the attacker states each step derives)."""
    from ..paths.steptest import StepTestOutcome, run_step_tests
    from ..ruletest import RuleTestOutcome, run_rule_tests

    if no_builtin_rules and not packs:
        user_error("--no-builtin-rules needs at least one rule pack to test")
    targets = list(packs) if packs else _builtin_packs()
    threat_packs, step_packs = _by_kind(targets)
    outcomes: list[RuleTestOutcome | StepTestOutcome] = []
    try:
        outcomes += run_rule_tests(threat_packs, builtin_rules=not no_builtin_rules) if threat_packs else []
        outcomes += run_step_tests(step_packs) if step_packs else []
    except DiagnosticsError as exc:
        fail_input(exc)
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        sys.stdout.write(f"{'ok  ' if o.passed else 'FAIL'} {o.rule_id} ({o.fixtures} fixtures)\n")
        for problem in o.problems:
            sys.stdout.write(f"     {problem}\n")
    sys.stdout.write(f"rules: {len(outcomes) - len(failed)} passed, {len(failed)} failed\n")
    if failed or not outcomes:
        raise Exit(1)


def _builtin_packs() -> list[Path]:
    from ..resources import attack_paths_dir, optional_packs, rules_dir

    return [rules_dir(), *optional_packs().values(), attack_paths_dir()]


def _by_kind(targets: list[Path]) -> tuple[list[Path], list[Path]]:
    """Threat packs and attack-path step packs, as given."""
    from ..paths.pack import is_step_pack

    steps = [p for p in targets if is_step_pack(p)]
    return [p for p in targets if p not in steps], steps
