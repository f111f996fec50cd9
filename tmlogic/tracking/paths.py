"""Attack paths against a baseline: which listed paths are new, which goals a change made
reachable (or no longer reachable). The baseline is what `--baseline` names for threats: a
result JSON written with paths (`--paths`), a model file, or a git revision of the model."""

from __future__ import annotations

from pathlib import Path

from .._errors import display_path
from ..paths.result import AttackPaths, PathComparison
from .snapshot import ArgumentError, read_result_document
from .sources import load_side
from ..records import replace
from ..typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from ..analysis import Analysis, AnalysisOptions
    from ..paths.find import PathOptions
    from ..result import Result

__all__ = ["BaselinePaths", "baseline_paths", "compare_paths", "with_paths"]

BaselinePaths = dict[str, set[str]]  # goal element id -> the ids of the paths listed to it


def _from_json(path: Path) -> BaselinePaths:
    shown = display_path(path)
    data = read_result_document(path, "baseline result",
                                "give a file written by `tmlogic analyze --paths --format json`")
    section = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(section, dict) or not isinstance(section.get("goals"), list):
        # one line: pointing into a one-line JSON file would print the whole file
        raise ArgumentError(f"the baseline result '{shown}' has no attack paths",
                            "write it with `tmlogic analyze MODEL --paths --format json`, or give a git revision "
                            "of the model", "bad-baseline")
    out: BaselinePaths = {}
    for goal in section["goals"]:
        if isinstance(goal, dict) and isinstance(goal.get("id"), str):
            out[goal["id"]] = {p for p in goal.get("paths") or [] if isinstance(p, str)}
    return out


def baseline_paths(spec: str, model: Path, options: object, path_options: object) -> tuple[str, BaselinePaths]:
    """The baseline's listed paths per goal, and how to name the baseline. Raises TrackingError,
    ModelError or RuleError (exit 2) on bad input."""
    from ..analysis import AnalysisOptions, analyze_model, load_rules
    from ..paths.find import PathOptions, find_paths

    side = load_side(spec, model_hint=model, options=options)
    if side.kind == "json":
        return side.label, _from_json(Path(spec))
    assert side.model is not None and isinstance(path_options, PathOptions)
    assert isinstance(options, AnalysisOptions)
    program, warnings = load_rules(options.rule_paths, builtin_rules=options.builtin_rules)
    analysis = analyze_model(side.model, program, warnings, options.engine, policy=options.policy)
    found = find_paths(analysis, path_options)
    return side.label, {g.goal: {p.id for p in g.paths} for g in found.goals}


def compare_paths(current: AttackPaths, label: str, before: BaselinePaths) -> PathComparison:
    new = tuple(p.id for g in current.goals for p in g.paths if p.id not in before.get(g.goal, set()))
    reached_before = {g for g, ids in before.items() if ids}
    reached_now = {g.goal for g in current.goals if g.reachable}
    listed = {g.goal for g in current.goals}
    return PathComparison(label, new, tuple(sorted(reached_now - reached_before)),
                          tuple(sorted(g for g in reached_before - reached_now if g in listed)))


def with_paths(analysis: Analysis, result: Result, options: PathOptions, *, model: Path,
               analysis_options: AnalysisOptions, baseline: str | None = None) -> Result:
    """`result` (the analysis's, in its CI context) with its attack paths, compared with `baseline`
    when one is given. Raises RuleError, PathsError, TrackingError or ModelError on bad input."""
    from ..paths.find import find_paths

    found = find_paths(replace(analysis, result=result), options)
    if baseline is not None:
        label, before = baseline_paths(baseline, model, analysis_options, replace(options, proofs=False, cuts=False))
        found = replace(found, comparison=compare_paths(found, label, before))
    return replace(result, paths=found)
