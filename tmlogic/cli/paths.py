"""`tmlogic paths`: how an attacker gets from where it starts to the crown jewels, step by step,
and the fewest model changes that stop it."""

import sys
from enum import Enum
from pathlib import Path

from ..typing_runtime import TYPE_CHECKING
from .common import (
    DEFAULT_ENGINE,
    EngineOpt,
    ModelArg,
    NoBuiltinOpt,
    RulesOpt,
    StrictOpt,
    analysis_options,
    fail_input,
    model_path,
    run_analysis,
    show_warnings,
    use_colour,
    user_error,
    write_output,
)
from .params import Annotated, Option

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..result import Result

__all__ = ["paths"]


class PathsFormat(str, Enum):
    text = "text"
    json = "json"
    html = "html"
    markdown = "markdown"
    attack_flow = "attack-flow"
    navigator = "navigator"


StepsOpt = Annotated[list[Path] | None, Option(
    "--steps", help="Extra attack-path step pack (folder or .dl file); repeatable.")]


def paths(
    model: ModelArg,
    goal: Annotated[list[str] | None, Option(
        "--goal", "-g", help="Only this goal (element name or id); repeatable. Default: every goal.")] = None,
    k: Annotated[int, Option("--k", min=1, max=50, help="Paths per goal, most likely first.")] = 3,
    detail: Annotated[bool, Option(
        "--detail", help="Text: every step's rule, bindings and proof down to the model lines.")] = False,
    output_format: Annotated[PathsFormat, Option("--format", "-f", help="Output format.")] = PathsFormat.text,
    output: Annotated[Path | None, Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    steps: StepsOpt = None,
    no_builtin_steps: Annotated[bool, Option(
        "--no-builtin-steps", help="Use only the step packs given with --steps.")] = False,
    max_cut: Annotated[int, Option(
        "--max-cut", min=1, max=40, help="The most a choke point may cost (a key set costs 1, a removed flow 2).")] = 8,
    verify: Annotated[bool, Option(
        "--verify", help="Apply each choke point (and each single change listed) to the model, analyze again and report whether its paths are gone.")] = False,
    baseline: Annotated[str | None, Option(
        "--baseline", metavar="JSON|REV",
        help="Compare with an earlier run (a result JSON written with --paths, a model, or a git revision): "
             "list new paths and newly reachable goals.")] = None,
    risks: Annotated[Path | None, Option("--risks", help="Risk file (default: next to the model).")] = None,
    no_risks: Annotated[bool, Option("--no-risks", help="Ignore the risk file.")] = False,
    strict: StrictOpt = False,
    quiet: Annotated[bool, Option("--quiet", "-q", help="No warnings on stderr.")] = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Attack paths: from the attackers' entry points to each crown jewel, ranked, with a proof per
    step and the choke points that cut them."""
    from .._errors import DiagnosticsError
    from ..paths.find import PathOptions
    from ..tracking.paths import with_paths
    from ..tracking.track import track

    if no_builtin_steps and not steps:
        user_error("--no-builtin-steps needs at least one --steps pack")
    path = model_path(model)
    opts = analysis_options(rules, no_builtin_rules, strict, engine)
    analysis = run_analysis(path, opts)
    proofs = output_format is not PathsFormat.text or detail
    options = PathOptions(k=k, goals=tuple(goal or ()), step_packs=tuple(steps or ()),
                          builtin_steps=not no_builtin_steps, strict=strict, max_cut=max_cut, proofs=proofs,
                          cut_goals=len(goal) if goal else PathOptions.cut_goals)
    try:
        # risk-file decisions (accepted, mitigated, false-positive) count as accepted threats
        tracking = track(path, analysis.result, risk_file=risks, use_risk_file=not no_risks, options=opts)
        show_warnings(list(tracking.result.warnings) + list(tracking.warnings), quiet)
        result = with_paths(analysis, tracking.result, options, model=path, analysis_options=opts, baseline=baseline)
    except DiagnosticsError as exc:
        fail_input(exc)
    if output_format is PathsFormat.text:
        from ..outputs.paths_text import render_paths_text

        text = render_paths_text(result, detail=detail, color=output is None and use_colour(sys.stdout))
        if verify:
            text += _verify(analysis, result)
    else:
        from ..outputs.formats import render_format

        name = {PathsFormat.navigator: "paths-navigator"}.get(output_format, output_format.value)
        text = render_format(result, name)
    write_output(text, output)


def _verify(analysis: "Analysis", result: "Result") -> str:
    """Each choke point applied to the model and analysed again: is every path of its scope gone?
    And each of the single changes that stop the most paths: are the paths it names gone?"""
    from ..paths.changes import Wording
    from ..paths.verify import check_cut, surviving_paths

    assert result.paths is not None
    words = Wording(result.model)
    paths = result.paths
    cuts = [(g.name, g.cut, g.known_cut) for g in paths.goals] + [("every goal", paths.all_goals, paths.all_goals_known)]
    lines = ["", "Checking the choke points (applied to the model, analysed again):"]
    for label, cut, known in cuts:
        for what, c, known_only in (("choke point", cut, False), ("fix first", known, True)):
            if c.status != "cut":
                continue
            check = check_cut(analysis, analysis.program, c.changes, c.scope, known_only=known_only)
            left = "no path left" if not known_only else "no path through reported weaknesses left"
            verdict = left if check.holds else (
                "STILL REACHABLE: " + ", ".join(words.names.get(g, g) for g in check.remaining))
            lines.append(f"  {label}, {what}: {'; '.join(words(x) for x in c.changes)} -> {verdict}")
    listed = [p for g in paths.goals for p in g.paths]
    for control, ids in paths.top_controls:
        survivors = set(surviving_paths(analysis, analysis.program, control, listed, paths.steps)) & set(ids)
        verdict = (f"stops the {len(ids)} listed path{'s' if len(ids) != 1 else ''} it names" if not survivors else
                   "STILL POSSIBLE: " + ", ".join(sorted(survivors)))
        lines.append(f"  single change: {'; '.join(words(x) for x in control)} -> {verdict}")
    return "\n".join(lines) + "\n"
