"""`tmlogic analyze`: the threats of models or project folders, reported, gated and tracked.

The other commands that read a model (explain, diagram, facts, validate) are in model.py: a
command imports its own module only, and their parameters' annotations and enums cost an
analysis some 2 M instructions to build."""


import sys
from pathlib import Path

from ..typing_runtime import Literal
from .common import (
    ConfigOpt,
    FailLevel,
    NoBuiltinOpt,
    NoConfigOpt,
    PackOpt,
    RulesOpt,
    load_project_config,
    model_path,
    optional_pack_paths,
    use_colour,
    user_error,
)
from .params import Annotated, Argument, Exit, Option

__all__ = ["analyze"]


# A Literal, not an Enum: making the Enum class cost some 1.8 M instructions of every analysis.
AnalyzeFormat = Literal["text", "json", "sarif", "stix", "navigator", "html", "markdown", "junit", "gitlab-sast", "csv"]


def analyze(
    models: Annotated[list[Path] | None, Argument(
        help="Model files or project folders; none: every model .tmlogic.yaml lists.", show_default=False)] = None,
    rules: RulesOpt = None,
    pack: PackOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[AnalyzeFormat, Option("--format", "-f", help="Output format.")] = "text",
    output: Annotated[Path | None, Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    output_dir: Annotated[Path | None, Option(
        "--output-dir", help="Write reports into this folder (the formats .tmlogic.yaml lists, else every format).")] = None,
    fail_on: Annotated[FailLevel | None, Option(
        "--fail-on", help="Exit 1 if a threat is at or above this level (default: fail_on in .tmlogic.yaml, else none).",
        show_default=False)] = None,
    strict: Annotated[bool | None, Option(
        "--strict/--no-strict", help="Treat warnings (unknown keys, ...) as errors.", show_default=False)] = None,
    lenient: Annotated[bool | None, Option(
        "--lenient/--no-lenient", help="Typos of security-relevant model keys (trust, encryption, ...) only warn.",
        show_default=False)] = None,
    verbose: Annotated[bool, Option("--verbose", "-v", help="Show mitigations, references and severity steps.")] = False,
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print nothing but errors (and a report asked for with --format).")] = False,
    engine: Annotated[str | None, Option("--engine", help="Logic engine: native (default), clingo or pydatalog; see docs/engines.md.", show_default=False)] = None,
    baseline: Annotated[str | None, Option(
        "--baseline", metavar="JSON|REV",
        help="Compare with an earlier run: a result JSON (from --format json) or a git revision of this model "
             "(e.g. origin/main). Marks threats new or unchanged and lists resolved ones.")] = None,
    risks: Annotated[Path | None, Option(
        "--risks", help="Risk file (default: risks in .tmlogic.yaml, else next to the model: threat_model.risks.yaml).")] = None,
    no_risks: Annotated[bool, Option("--no-risks", help="Ignore the risk file.")] = False,
    fail_new_only: Annotated[bool | None, Option(
        "--fail-new-only/--fail-all", help="With --fail-on: count only new threats (not in --baseline; without one, all) "
                                           "that the risk file does not list as in-progress. Expired entries still fail.",
        show_default=False)] = None,
    enable: Annotated[list[str] | None, Option(
        "--enable", metavar="RULE|tag:X", help="Run only these rules (id, glob, tag:, stride:, severity:, pack:); "
                                               "wins over the config's disable. Repeatable.")] = None,
    disable: Annotated[list[str] | None, Option(
        "--disable", metavar="RULE|tag:X", help="Do not run these rules (same selectors). Repeatable.")] = None,
    sarif_suppressions: Annotated[bool | None, Option(
        "--sarif-suppressions/--no-sarif-suppressions",
        help="Keep accepted threats in SARIF as suppressed results (GitHub shows them as open alerts).",
        show_default=False)] = None,
    attack_paths: Annotated[bool, Option(
        "--paths", help="Also find attack paths to the crown jewels and their choke points (JSON `paths`, HTML panel, "
                        "Markdown summary, Attack Flow and path layer in --output-dir; with --baseline, new paths).")] = False,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Derive the threats of models (or project folders with main.md), with severity and proofs."""
    from ..config.run import CliChoices, PlanError, plan_runs
    from .runs import Presentation, RunOutcome, render_summary, run_model

    project = load_project_config(config, no_config)
    choices = CliChoices(
        fail_on=fail_on, fail_new_only=fail_new_only,
        rules=tuple(rules or ()) + tuple(optional_pack_paths(pack or ())), no_builtin_rules=no_builtin_rules,
        enable=tuple(enable or ()),
        disable=tuple(disable or ()), baseline=baseline, risks=risks, no_risks=no_risks, strict=strict,
        lenient=lenient, engine=engine, output_dir=output_dir, sarif_suppressions=sarif_suppressions)
    try:
        runs = plan_runs(project, [model_path(m) for m in models or []], choices)
    except PlanError as exc:
        user_error(str(exc))
    for run in runs:
        if run.new_only and run.fail_on == "none" and not run.options.policy.hard_fail:
            user_error("--fail-new-only needs --fail-on LEVEL (e.g. --fail-on high)")
    several = len(runs) > 1
    if several and output is not None:
        user_error("--output names one file, but several models are analyzed; use --output-dir "
                   "(or output: in .tmlogic.yaml)")
    if several and output_format != "text":
        user_error(f"several models are analyzed: write the {output_format} reports with --output-dir "
                   "(or output: in .tmlogic.yaml); stdout shows the text listing")
    show = Presentation(output_format, output, verbose, quiet, use_colour(sys.stdout), several, attack_paths)
    outcomes: list[RunOutcome] = []
    for run in runs:
        if several and not quiet and outcomes:
            sys.stdout.write("\n")
        outcomes.append(run_model(run, show))
    if several and not quiet:
        sys.stdout.write("\n" + render_summary(outcomes))
    worst = max(o.code for o in outcomes)
    if worst:
        raise Exit(worst)
