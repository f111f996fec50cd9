"""`tmlogic paths` in a terminal: per goal, its most likely paths step by step and its choke
points; with `detail`, every step's rule, bindings and the proof of each condition down to the
model lines (as `tmlogic explain` shows a threat)."""

from __future__ import annotations

from ..paths.changes import Wording
from ..paths.result import AttackPath, AttackPaths, Cut, GoalPaths, PathStep
from ..result import Result
from .explain import render_proof
from .style import Style

__all__ = ["render_paths_text", "describe_cut"]


def describe_cut(cut: Cut, words: Wording, known: bool = False) -> tuple[str, list[str]]:
    """A cut's headline and its changes, as sentences; `known`: the cut of the paths through
    reported weaknesses only (no assumed, unreported vulnerability)."""
    if known:
        if cut.status == "unreachable":
            return "fix first: nothing to fix; every path assumes an unreported vulnerability somewhere", []
        if cut.status == "cut":
            how = "minimum" if cut.exact else "perhaps not the cheapest"
            return (f"fix first (cost {cut.cost}, {how}): removes every path through reported weaknesses; "
                    "what is left assumes an unreported vulnerability"), [words(c) for c in cut.changes]
        head, changes = describe_cut(cut, words)
        return "fix first: " + head, changes
    if cut.status == "cut":
        how = "minimum" if cut.exact else "a cut, perhaps not the cheapest (search budget reached)"
        head = f"choke point{'s' if len(cut.changes) > 1 else ''} (cost {cut.cost}, {how}): " + (
            "make every change below and no path is left" if len(cut.changes) > 1 else "this change leaves no path")
        return head, [words(c) for c in cut.changes]
    if cut.status == "unreachable":
        return "no path, so nothing to cut", []
    if cut.status == "uncuttable":
        return ("no model change removes every path: some path only uses steps that nothing in the model can "
                "stop (an attacker starts on or next to it)"), []
    if cut.status == "too-large":
        return f"no cut costs {cut.lower_bound - 1} or less (raise --max-cut to look further)", []
    return "choke points not computed for this goal (ask with --goal)", []


def _holds(goal: GoalPaths, names: dict[str, str], classes: dict[str, str]) -> str:
    if goal.data:
        return "holds " + ", ".join(f"{names.get(d, d)} ({classes.get(d, 'unknown')})" for d in goal.data)
    return "marked goal=True" if goal.marked else ""


def _step_line(n: str, step: PathStep, spine: bool, style: Style) -> str:
    techniques = (" " + ",".join(step.rule.techniques)) if step.rule.techniques else ""
    label = f"{step.rule.id} {step.rule.kind}{techniques}"
    side = "" if spine else style.dim("  (needed on the side)")
    return f"     {n:>3}  {label:<38} [{step.likelihood}] {step.message}{side}"


def _detail(step: PathStep, words: Wording, style: Style) -> list[str]:
    out = [f"            {style.dim(f'{step.rule.title} ({step.span.short()}): {step.rule.rule.text}')}"]
    if step.bindings:
        bound = ", ".join(f"{k}={v}" for k, v in step.bindings)
        out.append(f"            {style.dim('with ' + bound)}")
    for c in step.conditions:
        if c.proof is None:
            out.append(f"            {c.fact}")
            continue
        lines = render_proof(c.proof, style, words.names)
        out.extend("            " + line for line in lines)
    out.extend(f"            !{a}  {style.dim('(absence checked)')}" for a in step.absent)
    out.extend(f"            {c}  {style.dim('(constraint holds)')}" for c in step.constraints)
    for control in step.stopped_by:
        out.append(f"            {style.dim('removed by: ' + '; '.join(words(c) for c in control))}")
    return out


def _path(path: AttackPath, paths: AttackPaths, words: Wording, style: Style, detail: bool) -> list[str]:
    names = words.names
    head = (f"  path {path.rank}  {path.id}  {path.likelihood} ({path.probability:.3g}), {path.length} steps, "
            f"from '{names.get(path.entry, path.entry)}' ({path.profile})")
    out = [style.bold(head)]
    spine = set(path.spine)
    for n, sid in enumerate(path.steps, start=1):
        step = paths.steps[sid]
        out.append(_step_line(str(n), step, sid in spine, style))
        if detail:
            out.extend(_detail(step, words, style))
    return out


def render_paths_text(result: Result, *, detail: bool = False, color: bool = False) -> str:
    paths = result.paths
    assert paths is not None, "render_paths_text needs a Result with paths"
    style = Style(color)
    words = Wording(result.model)
    names = words.names
    classes = {d.id: d.classification for m in result.model.all_models() for d in m.data}
    title = result.model.title or result.model.path
    reached = [g for g in paths.goals if g.reachable]
    profiles = sorted({p for _, p in paths.attackers})
    out = [style.bold(f"Attack paths in {title}: {len(paths.goals)} goal{'s' if len(paths.goals) != 1 else ''}, "
                      f"{len(reached)} reachable, attackers at {len(paths.attackers)} element"
                      f"{'s' if len(paths.attackers) != 1 else ''} ({', '.join(profiles) or 'none'})"),
           style.dim(f"attack graph: {paths.states} states, {paths.firings} steps; up to {paths.k} paths per goal, "
                     "most likely first (a path's likelihood is the product of its steps')")]
    if not paths.goals:
        out.append("")
        out.append("No goals: no element holds secret or top-secret data, and none is marked goal=True.")
    for g in paths.goals:
        out.append("")
        holds = _holds(g, names, classes)
        out.append(style.bold(f"GOAL '{g.name}'") + (f"  {holds}" if holds else ""))
        if not g.paths:
            out.append("  no path: no attacker reaches it through the model's flows")
            continue
        for p in g.paths:
            out.extend(_path(p, paths, words, style, detail))
        for cut, known in ((g.cut, False), (g.known_cut, True)):
            head, changes = describe_cut(cut, words, known)
            out.append(f"  {head}")
            out.extend(f"    - {c}" for c in changes)
    if len(reached) > 1:
        out.append("")
        for cut, known in ((paths.all_goals, False), (paths.all_goals_known, True)):
            head, changes = describe_cut(cut, words, known)
            out.append(style.bold("Every goal together") + f": {head}")
            out.extend(f"    - {c}" for c in changes)
    listed = sum(len(g.paths) for g in paths.goals)
    if paths.top_controls:
        out.append("")
        out.append(style.bold("Single changes that stop the most listed paths") + style.dim(f" (of {listed}):"))
        for control, ids in paths.top_controls:
            out.append(f"  {len(ids):>3}  {'; '.join(words(c) for c in control)}")
    if paths.comparison is not None:
        out.append("")
        out.extend(_comparison(paths, names))
    for note in paths.notes:
        out.append("")
        out.append(style.dim(f"note: {note}"))
    out.append("")
    out.append(style.dim("Why a step holds: tmlogic paths MODEL --goal NAME --detail"))
    return "\n".join(out) + "\n"


def _comparison(paths: AttackPaths, names: dict[str, str]) -> list[str]:
    c = paths.comparison
    assert c is not None
    out = [f"Against {c.baseline}: {len(c.new_paths)} new path{'s' if len(c.new_paths) != 1 else ''}"]
    for g in c.newly_reachable:
        out.append(f"  newly reachable: '{names.get(g, g)}'")
    for g in c.no_longer_reachable:
        out.append(f"  no longer reachable: '{names.get(g, g)}'")
    for pid in c.new_paths:
        p = paths.path(pid)
        if p is not None:
            out.append(f"  new: {pid} to '{names.get(p.goal, p.goal)}', {p.likelihood}, from '{names.get(p.entry, p.entry)}'")
    return out
