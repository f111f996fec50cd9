"""`tmlogic explain`, `diagram`, `facts` and `validate`: the commands that read one model and do not
report its threats (`analyze` is analyze.py)."""


import sys
from enum import Enum
from pathlib import Path

from .common import (
    DEFAULT_ENGINE,
    ConfigOpt,
    EngineOpt,
    LenientOpt,
    ModelArg,
    NoBuiltinOpt,
    NoConfigOpt,
    PackOpt,
    RulesOpt,
    StrictOpt,
    analysis_options,
    load_project_config,
    model_path,
    optional_pack_paths,
    read_model,
    run_analysis,
    show_warnings,
    use_colour,
    user_error,
    write_output,
)
from .params import Annotated, Argument, Option

__all__ = ["explain", "diagram", "facts", "validate"]


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class DiagramFormat(str, Enum):
    dot = "dot"
    svg = "svg"
    png = "png"


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
    output: Annotated[Path | None, Option(
        "--output", "-o", help="Write to this file (.dot, .svg or .png) instead of stdout.")] = None,
    diagram_format: Annotated[DiagramFormat | None, Option(
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
