"""`tmlogic analyze`, `explain`, `diagram`, `facts` and `validate`: the commands that read a model."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import (
    DEFAULT_ENGINE,
    EngineOpt,
    FailLevel,
    ModelArg,
    NoBuiltinOpt,
    RulesOpt,
    StrictOpt,
    analysis_options,
    model_path,
    read_model,
    run_analysis,
    show_warnings,
    use_colour,
    user_error,
    write_output,
)

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


class DiagramFormat(str, Enum):
    dot = "dot"
    svg = "svg"
    png = "png"


def analyze(
    model: ModelArg,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[AnalyzeFormat, typer.Option("--format", "-f", help="Output format.")] = AnalyzeFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    output_dir: Annotated[Optional[Path], typer.Option(
        "--output-dir", help="Write every format into this folder (report.html, threats.sarif, ...).")] = None,
    fail_on: Annotated[FailLevel, typer.Option("--fail-on", help="Exit 1 if a threat is at or above this level.")] = FailLevel.none,
    strict: StrictOpt = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show mitigations, references and severity steps.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No warnings on stderr.")] = False,
    engine: EngineOpt = DEFAULT_ENGINE,
    baseline: Annotated[Optional[str], typer.Option(
        "--baseline", metavar="JSON|REV",
        help="Compare with an earlier run: a result JSON (from --format json) or a git revision of this model "
             "(e.g. origin/main). Marks threats new or unchanged and lists resolved ones.")] = None,
    risks: Annotated[Optional[Path], typer.Option(
        "--risks", help="Risk file (default: next to the model, with .risks.yaml: threat_model.risks.yaml).")] = None,
    no_risks: Annotated[bool, typer.Option("--no-risks", help="Ignore the risk file.")] = False,
    fail_new_only: Annotated[bool, typer.Option(
        "--fail-new-only", help="With --fail-on: count only new threats (not in --baseline; without one, all) "
                                "that the risk file does not list as in-progress. Expired entries still fail.")] = False,
) -> None:
    """Derive the threats of a model (or of a project folder with main.md), with severity and proofs."""
    from ..tracking.messages import tracking_summary
    from .tracking import enforce_fail_on, prepare_tracking

    path = model_path(model)
    options = analysis_options(rules, no_builtin_rules, strict, engine)
    analysis = run_analysis(path, options)
    tracking = prepare_tracking(path, analysis.result, baseline=baseline, risks=risks, no_risks=no_risks,
                                options=options, quiet=quiet)
    result = tracking.result  # risk-file decisions (accepted, mitigated, false-positive) marked accepted
    show_warnings(result.warnings, quiet)
    if output_dir is not None:
        from ..outputs.formats import write_all

        try:
            written = write_all(result, output_dir)
        except OSError as exc:
            user_error(f"cannot write into {output_dir}: {exc.strerror}; check the folder is writable")
        if not quiet:
            sys.stderr.write(f"tmlogic: wrote {', '.join(p.name for p in written)} to {output_dir}\n")
    if output_format is AnalyzeFormat.text:
        from ..outputs.text import render_text

        text = render_text(result, color=output is None and use_colour(sys.stdout), verbose=verbose)
        summary = tracking_summary(tracking.comparison, tracking.risks)
        if summary:
            text += "\n" + summary
    else:
        from ..outputs.formats import render_format

        text = render_format(result, output_format.value)
    write_output(text, output)
    enforce_fail_on(tracking, fail_on.value, fail_new_only, model=path, quiet=quiet, baseline=baseline,
                    stdout_free=output is not None or output_format is AnalyzeFormat.text)


def explain(
    model: ModelArg,
    threat: Annotated[str, typer.Argument(help="Threat id (or a unique prefix, or RULE-ID:target-id).")],
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.text,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Show why a threat was raised: the rule, its bindings, and the facts down to the model lines."""
    analysis = run_analysis(model_path(model), analysis_options(rules, no_builtin_rules, strict, engine))
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
    from ..outputs.explain import render_explanation

    sys.stdout.write(render_explanation(matches[0], analysis.model.names(), color=use_colour(sys.stdout)))


def diagram(
    model: ModelArg,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write to this file (.dot, .svg or .png) instead of stdout.")] = None,
    diagram_format: Annotated[Optional[DiagramFormat], typer.Option(
        "--format", "-f", help="Output format (default: from the --output suffix, else dot).")] = None,
    threats: Annotated[bool, typer.Option(
        "--threats/--no-threats", help="Analyze first and outline threatened elements and flows.")] = True,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
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
        result = run_analysis(path, analysis_options(rules, no_builtin_rules, strict, engine)).result
        show_warnings(result.warnings, False)
        dot = build_diagram(result.model, result.threats).dot
    else:
        dot = build_diagram(read_model(path, strict)).dot
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
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(drawn)
    except OSError as exc:
        user_error(f"cannot write {output}: {exc.strerror}; check the folder exists and is writable")


def facts(model: ModelArg, strict: StrictOpt = False) -> None:
    """Print the input facts a model compiles to, as .dl facts in a deterministic order."""
    from ..logic.program.facts import compile_model, format_fact

    for fact in compile_model(read_model(model_path(model), strict)):
        sys.stdout.write(f"{format_fact(fact.predicate, fact.args)}.  // {fact.span.short()}\n")


def validate(model: ModelArg, strict: StrictOpt = False) -> None:
    """Check a model (and its submodels) without analyzing it."""
    models = read_model(model_path(model), strict).all_models()
    sys.stdout.write(
        f"{model}: ok ({sum(len(m.elements) for m in models)} elements, {sum(len(m.flows) for m in models)} flows, "
        f"{sum(len(m.boundaries) for m in models)} boundaries, {len(models)} file(s))\n"
    )
