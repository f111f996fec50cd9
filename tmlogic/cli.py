"""The `tmlogic` command line. Exit codes: 0 ok, 1 threats at or above --fail-on, 2 bad input."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from . import __version__
from ._errors import Diagnostic, DiagnosticsError, TmlogicError
from .diagnostics import render_diagnostics
from .kb.cli import kb_app
from .tracking.cli import register as register_tracking
from .cli_io import user_error, write_output
from .cli_options import DEFAULT_ENGINE, EngineOpt, FailLevel, ModelArg, NoBuiltinOpt, RulesOpt, StrictOpt

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Threat modeling as code: models compile to Datalog facts, rule packs derive threats with proofs.",
)
rules_app = typer.Typer(no_args_is_help=True, help="Check and inspect rule packs.")
app.add_typer(rules_app, name="rules")
app.add_typer(kb_app, name="kb")
register_tracking(app)  # diff, risks seed|accept|check


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




def _use_colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def _fail_input(diagnostics: list[Diagnostic]) -> NoReturn:
    sys.stderr.write(render_diagnostics(diagnostics))
    raise typer.Exit(2)


def _show_warnings(warnings: list[Diagnostic] | tuple[Diagnostic, ...], quiet: bool) -> None:
    if warnings and not quiet:
        sys.stderr.write(render_diagnostics(warnings))


def _analysis(model: Path, rules: list[Path] | None, no_builtin: bool, strict: bool, engine: str):  # type: ignore[no-untyped-def]
    from .analysis import AnalysisOptions, analyze

    if no_builtin and not rules:
        user_error("--no-builtin-rules needs at least one --rules pack")
    try:
        return analyze(model, AnalysisOptions(tuple(rules or ()), not no_builtin, strict, engine))
    except DiagnosticsError as exc:
        _fail_input(exc.diagnostics)
    except ValueError as exc:  # unknown engine name
        user_error(str(exc))


_PROJECT_ENTRIES = ("main.md", "main.markdown", "main.yaml", "main.yml")


def _model_path(path: Path) -> Path:
    """A model file, or a project folder: its main.md (or main.yaml), whose submodel= files
    are loaded beneath it."""
    if not path.is_dir():
        return path
    for name in _PROJECT_ENTRIES:
        if (path / name).is_file():
            return path / name
    user_error(f"{path} is a folder without a main.md; a project folder holds main.md (or main.yaml) "
                "whose servers name their submodel= files; or give the model file itself")


@app.command()
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
    from .analysis import AnalysisOptions
    from .tracking.cli import enforce_fail_on, prepare_tracking
    from .tracking.messages import tracking_summary

    path = _model_path(model)
    analysis = _analysis(path, rules, no_builtin_rules, strict, engine)
    tracking = prepare_tracking(path, analysis.result, baseline=baseline, risks=risks, no_risks=no_risks,
                                options=AnalysisOptions(tuple(rules or ()), not no_builtin_rules, strict, engine),
                                quiet=quiet)
    result = tracking.result  # risk-file decisions (accepted, mitigated, false-positive) marked accepted
    _show_warnings(result.warnings, quiet)
    if output_dir is not None:
        from .outputs.formats import write_all

        try:
            written = write_all(result, output_dir)
        except OSError as exc:
            user_error(f"cannot write into {output_dir}: {exc.strerror}; check the folder is writable")
        if not quiet:
            sys.stderr.write(f"tmlogic: wrote {', '.join(p.name for p in written)} to {output_dir}\n")
    if output_format is AnalyzeFormat.text:
        from .outputs.text import render_text

        text = render_text(result, color=output is None and _use_colour(sys.stdout), verbose=verbose)
        summary = tracking_summary(tracking.comparison, tracking.risks)
        if summary:
            text += "\n" + summary
    else:
        from .outputs.formats import render_format

        text = render_format(result, output_format.value)
    write_output(text, output)
    enforce_fail_on(tracking, fail_on.value, fail_new_only, model=path, quiet=quiet, baseline=baseline,
                    stdout_free=output is not None or output_format is AnalyzeFormat.text)


@app.command()
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
    analysis = _analysis(_model_path(model), rules, no_builtin_rules, strict, engine)
    matches = analysis.result.find(threat)
    if not matches:
        known = ", ".join(t.id for t in analysis.result.threats[:5])
        user_error(f"no threat {threat!r} in {model}; run `tmlogic analyze {model}` to list them"
                    + (f" (e.g. {known})" if known else ""))
    if len(matches) > 1:
        user_error(f"{threat!r} matches {len(matches)} threats ({', '.join(t.id for t in matches)}); give more of the id")
    if output_format is OutputFormat.json:
        import json

        from .outputs.json_output import result_to_dict

        data = next(t for t in result_to_dict(analysis.result)["threats"] if t["id"] == matches[0].id)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    from .outputs.explain import render_explanation

    sys.stdout.write(render_explanation(matches[0], analysis.model.names(), color=_use_colour(sys.stdout)))


@app.command()
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
    from .diagram import build_diagram
    from .diagram.render import DiagramUnavailable, render

    path = _model_path(model)
    fmt = diagram_format.value if diagram_format else (output.suffix.lower().lstrip(".") if output else "dot")
    if fmt not in ("dot", "svg", "png"):
        user_error(f"cannot tell the diagram format from '{output}'; use a .dot, .svg or .png file or --format")
    if fmt == "png" and output is None:
        user_error("PNG is binary: give a file with --output diagram.png")
    if threats:
        result = _analysis(path, rules, no_builtin_rules, strict, engine).result
        _show_warnings(result.warnings, False)
        dot = build_diagram(result.model, result.threats).dot
    else:
        from .model.loader import load_model

        try:
            loaded, warnings = load_model(path, strict=strict)
        except DiagnosticsError as exc:
            _fail_input(exc.diagnostics)
        _show_warnings(warnings, False)
        dot = build_diagram(loaded).dot
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


@app.command()
def facts(model: ModelArg, strict: StrictOpt = False) -> None:
    """Print the input facts a model compiles to, as .dl facts in a deterministic order."""
    from .logic.program.facts import compile_model, format_fact
    from .model.loader import load_model

    try:
        loaded, warnings = load_model(_model_path(model), strict=strict)
    except DiagnosticsError as exc:
        _fail_input(exc.diagnostics)
    _show_warnings(warnings, False)
    for fact in compile_model(loaded):
        sys.stdout.write(f"{format_fact(fact.predicate, fact.args)}.  // {fact.span.short()}\n")


@app.command()
def validate(model: ModelArg, strict: StrictOpt = False) -> None:
    """Check a model (and its submodels) without analyzing it."""
    from .model.loader import load_model

    try:
        loaded, warnings = load_model(_model_path(model), strict=strict)
    except DiagnosticsError as exc:
        _fail_input(exc.diagnostics)
    _show_warnings(warnings, False)
    models = loaded.all_models()
    sys.stdout.write(
        f"{model}: ok ({sum(len(m.elements) for m in models)} elements, {sum(len(m.flows) for m in models)} flows, "
        f"{sum(len(m.boundaries) for m in models)} boundaries, {len(models)} file(s))\n"
    )


@rules_app.command("lint")
def rules_lint(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Rule packs or .dl files; default: the built-in packs.")] = None,
    strict: StrictOpt = False,
) -> None:
    """Run the static checks on rule packs (syntax, declarations, safety, stratification, metadata)."""
    from .analysis import lint_rules
    from .resources import rules_dir

    targets = list(paths) if paths else [rules_dir()]
    diagnostics = lint_rules(targets, strict=strict)
    if any(d.level.value == "error" for d in diagnostics):
        _fail_input(diagnostics)
    _show_warnings(diagnostics, False)
    sys.stdout.write(f"{', '.join(str(p) for p in targets)}: ok\n")


class CatalogueFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


@rules_app.command("list")
def rules_list(
    packs: Annotated[Optional[list[Path]], typer.Argument(help="Extra rule packs to list with the built-in ones.")] = None,
    no_builtin_rules: NoBuiltinOpt = False,
    output_format: Annotated[CatalogueFormat, typer.Option("--format", "-f")] = CatalogueFormat.text,
) -> None:
    """List the rules: id, title, STRIDE, severity, pack (Markdown: the docs/rules.md catalogue)."""
    from .analysis import load_rules, rule_info
    from .outputs.rule_catalogue import render_catalogue

    try:
        program, _ = load_rules(list(packs or ()), builtin_rules=not no_builtin_rules)
    except DiagnosticsError as exc:
        _fail_input(exc.diagnostics)
    sys.stdout.write(render_catalogue([rule_info(r) for r in program.threat_rules()], output_format.value))


@rules_app.command("test")
def rules_test(
    packs: Annotated[Optional[list[Path]], typer.Argument(help="Rule packs to test; default: the built-in packs.")] = None,
) -> None:
    """Run each rule's positive and negative fixture models against its expected findings."""
    from .resources import rules_dir
    from .ruletest import run_rule_tests

    targets = list(packs) if packs else [rules_dir()]
    try:
        outcomes = run_rule_tests(targets)
    except DiagnosticsError as exc:
        _fail_input(exc.diagnostics)
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        sys.stdout.write(f"{'ok  ' if o.passed else 'FAIL'} {o.rule_id} ({o.fixtures} fixtures)\n")
        for problem in o.problems:
            sys.stdout.write(f"     {problem}\n")
    sys.stdout.write(f"rules: {len(outcomes) - len(failed)} passed, {len(failed)} failed\n")
    if failed or not outcomes:
        raise typer.Exit(1)


def main() -> None:
    try:
        app(prog_name="tmlogic")
    except TmlogicError as exc:  # an engine or output failure: ours, not the user's
        sys.stderr.write(f"tmlogic: internal error: {exc}\n")
        sys.exit(3)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"tmlogic {__version__}\n")
        raise typer.Exit(0)


if __name__ == "__main__":
    main()
