"""`tmlogic analyze`, `explain`, `diagram`, `facts` and `validate`: the commands that read a model."""


import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

from .common import (
    DEFAULT_ENGINE,
    ConfigOpt,
    EngineOpt,
    FailLevel,
    LenientOpt,
    ModelArg,
    NoBuiltinOpt,
    NoConfigOpt,
    PackOpt,
    RulesOpt,
    StrictOpt,
    analysis_options,
    optional_pack_paths,
    load_project_config,
    model_path,
    read_model,
    run_analysis,
    show_warnings,
    use_colour,
    user_error,
    write_output,
)
from .params import Argument, Exit, Option

__all__ = ["analyze", "explain", "diagram", "facts", "validate"]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class AnalyzeFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    stix = "stix"
    navigator = "navigator"
    html = "html"
    markdown = "markdown"
    junit = "junit"
    gitlab_sast = "gitlab-sast"
    csv = "csv"


class DiagramFormat(str, Enum):
    dot = "dot"
    svg = "svg"
    png = "png"


def analyze(
    models: Annotated[Optional[list[Path]], Argument(
        help="Model files or project folders; none: every model .tmlogic.yaml lists.", show_default=False)] = None,
    rules: RulesOpt = None,
    pack: PackOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[AnalyzeFormat, Option("--format", "-f", help="Output format.")] = AnalyzeFormat.text,
    output: Annotated[Optional[Path], Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    output_dir: Annotated[Optional[Path], Option(
        "--output-dir", help="Write reports into this folder (the formats .tmlogic.yaml lists, else every format).")] = None,
    fail_on: Annotated[Optional[FailLevel], Option(
        "--fail-on", help="Exit 1 if a threat is at or above this level (default: fail_on in .tmlogic.yaml, else none).",
        show_default=False)] = None,
    strict: Annotated[Optional[bool], Option(
        "--strict/--no-strict", help="Treat warnings (unknown keys, ...) as errors.", show_default=False)] = None,
    lenient: Annotated[Optional[bool], Option(
        "--lenient/--no-lenient", help="Typos of security-relevant model keys (trust, encryption, ...) only warn.",
        show_default=False)] = None,
    verbose: Annotated[bool, Option("--verbose", "-v", help="Show mitigations, references and severity steps.")] = False,
    quiet: Annotated[bool, Option("--quiet", "-q", help="Print nothing but errors (and a report asked for with --format).")] = False,
    engine: Annotated[Optional[str], Option("--engine", help="Logic engine: native (default), clingo or pydatalog; see docs/engines.md.", show_default=False)] = None,
    baseline: Annotated[Optional[str], Option(
        "--baseline", metavar="JSON|REV",
        help="Compare with an earlier run: a result JSON (from --format json) or a git revision of this model "
             "(e.g. origin/main). Marks threats new or unchanged and lists resolved ones.")] = None,
    risks: Annotated[Optional[Path], Option(
        "--risks", help="Risk file (default: risks in .tmlogic.yaml, else next to the model: threat_model.risks.yaml).")] = None,
    no_risks: Annotated[bool, Option("--no-risks", help="Ignore the risk file.")] = False,
    fail_new_only: Annotated[Optional[bool], Option(
        "--fail-new-only/--fail-all", help="With --fail-on: count only new threats (not in --baseline; without one, all) "
                                           "that the risk file does not list as in-progress. Expired entries still fail.",
        show_default=False)] = None,
    enable: Annotated[Optional[list[str]], Option(
        "--enable", metavar="RULE|tag:X", help="Run only these rules (id, glob, tag:, stride:, severity:, pack:); "
                                               "wins over the config's disable. Repeatable.")] = None,
    disable: Annotated[Optional[list[str]], Option(
        "--disable", metavar="RULE|tag:X", help="Do not run these rules (same selectors). Repeatable.")] = None,
    sarif_suppressions: Annotated[Optional[bool], Option(
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
        fail_on=fail_on.value if fail_on is not None else None, fail_new_only=fail_new_only,
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
    if several and output_format is not AnalyzeFormat.text:
        user_error(f"several models are analyzed: write the {output_format.value} reports with --output-dir "
                   "(or output: in .tmlogic.yaml); stdout shows the text listing")
    show = Presentation(output_format.value, output, verbose, quiet, use_colour(sys.stdout), several, attack_paths)
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


def explain(
    model: ModelArg,
    threat: Annotated[str, Argument(help="Threat id (or a unique prefix, or RULE-ID:target-id).")],
    rules: RulesOpt = None,
    pack: PackOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[OutputFormat, Option("--format", "-f")] = OutputFormat.text,
    strict: StrictOpt = False,
    lenient: LenientOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Show why a threat was raised: the rule, its bindings, and the facts down to the model lines.
    The project's .tmlogic.yaml applies (rule selection, packs, severity overrides), as in analyze."""
    from ..config.run import CliChoices, PlanError, plan_runs

    choices = CliChoices(rules=tuple(rules or ()) + tuple(optional_pack_paths(pack or ())),
                         no_builtin_rules=no_builtin_rules, strict=strict or None,
                         lenient=lenient or None, engine=engine)
    try:
        (run,) = plan_runs(load_project_config(config, no_config), [model_path(model)], choices)
    except PlanError as exc:
        user_error(str(exc))
    analysis = run_analysis(run.model, run.options)
    matches = analysis.result.find(threat)
    if not matches:
        known = ", ".join(t.id for t in analysis.result.threats[:5])
        user_error(f"no threat {threat!r} in {model}; run `tmlogic analyze {model}` to list them"
                    + (f" (e.g. {known})" if known else ""))
    if len(matches) > 1:
        user_error(f"{threat!r} matches {len(matches)} threats ({', '.join(t.id for t in matches)}); give more of the id")
    if output_format is OutputFormat.json:
        import json

        from ..outputs.json_output import result_to_dict

        data = next(t for t in result_to_dict(analysis.result)["threats"] if t["id"] == matches[0].id)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    from ..outputs.explain import import_origins, render_explanation

    sys.stdout.write(render_explanation(matches[0], analysis.model.names(), color=use_colour(sys.stdout),
                                        origins=import_origins(analysis.model)))


def diagram(
    model: ModelArg,
    output: Annotated[Optional[Path], Option(
        "--output", "-o", help="Write to this file (.dot, .svg or .png) instead of stdout.")] = None,
    diagram_format: Annotated[Optional[DiagramFormat], Option(
        "--format", "-f", help="Output format (default: from the --output suffix, else dot).")] = None,
    threats: Annotated[bool, Option(
        "--threats/--no-threats", help="Analyze first and outline threatened elements and flows.")] = True,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    lenient: LenientOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Draw the architecture: boundaries as nested zones, threatened elements outlined by severity."""
    from ..diagram import build_diagram
    from ..diagram.render import DiagramUnavailable, render

    path = model_path(model)
    fmt = diagram_format.value if diagram_format else (output.suffix.lower().lstrip(".") if output else "dot")
    if fmt not in ("dot", "svg", "png"):
        user_error(f"cannot tell the diagram format from '{output}'; use a .dot, .svg or .png file or --format")
    if fmt == "png" and output is None:
        user_error("PNG is binary: give a file with --output diagram.png")
    if threats:
        result = run_analysis(path, analysis_options(rules, no_builtin_rules, strict, engine, lenient)).result
        show_warnings(result.warnings, False)
        dot = build_diagram(result.model, result.threats).dot
    else:
        dot = build_diagram(read_model(path, strict, lenient)).dot
    if fmt == "dot":
        write_output(dot, output)
        return
    try:
        drawn = render(dot, fmt)
    except DiagramUnavailable as exc:
        user_error(str(exc))
    if output is None:
        sys.stdout.write(drawn.decode("utf-8"))
        return
    from ..fileaccess import WriteRefused, write_bytes

    try:
        write_bytes(output, drawn)
    except WriteRefused as exc:
        user_error(str(exc))


def facts(model: ModelArg, strict: StrictOpt = False, lenient: LenientOpt = False) -> None:
    """Print the input facts a model compiles to, as .dl facts in a deterministic order."""
    from ..logic.program.facts import compile_model, format_fact

    for fact in compile_model(read_model(model_path(model), strict, lenient)):
        sys.stdout.write(f"{format_fact(fact.predicate, fact.args)}.  // {fact.span.short()}\n")


def validate(model: ModelArg, strict: StrictOpt = False, lenient: LenientOpt = False) -> None:
    """Check a model (and its submodels) without analyzing it."""
    models = read_model(model_path(model), strict, lenient).all_models()
    sys.stdout.write(
        f"{model}: ok ({sum(len(m.elements) for m in models)} elements, {sum(len(m.flows) for m in models)} flows, "
        f"{sum(len(m.boundaries) for m in models)} boundaries, {len(models)} file(s))\n"
    )
