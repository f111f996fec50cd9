"""The attack paths of a Result in the rows the Markdown summary and the HTML report show:
one per goal (how exposed, from where, what cuts it), and what a baseline comparison found."""

from __future__ import annotations

from ..records import record
from ..result import Result
from ..typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:  # the attack-path modules are imported only for a Result with paths
    from ..paths.result import AttackPath

__all__ = ["GoalRow", "NewPath", "PathsView", "paths_view"]


@record(frozen=True)
class GoalRow:
    goal: str
    name: str
    holds: str
    paths: int
    best: AttackPath | None
    entry: str  # name of the best path's entry
    cut_head: str
    cut_changes: tuple[str, ...]
    known_head: str
    known_changes: tuple[str, ...]


@record(frozen=True)
class NewPath:
    path: AttackPath
    goal: str  # name
    entry: str
    moves: tuple[str, ...]  # the titles of the path's steps that gain a foothold


@record(frozen=True)
class PathsView:
    goals: tuple[GoalRow, ...]
    reachable: int
    attackers: int
    all_goals_head: str
    all_goals_changes: tuple[str, ...]
    top_controls: tuple[tuple[str, int], ...]  # a single change, and how many listed paths it stops
    listed: int
    baseline: str | None
    new_paths: tuple[NewPath, ...]
    newly_reachable: tuple[str, ...]
    no_longer_reachable: tuple[str, ...]


def paths_view(result: Result) -> PathsView | None:
    paths = result.paths
    if paths is None:
        return None
    from ..paths.changes import Wording
    from .paths_text import describe_cut

    words = Wording(result.model)
    names = words.names
    classes = {d.id: d.classification for m in result.model.all_models() for d in m.data}
    rows = []
    for g in paths.goals:
        best = g.paths[0] if g.paths else None
        head, changes = describe_cut(g.cut, words)
        khead, kchanges = describe_cut(g.known_cut, words, known=True)
        holds = ", ".join(f"{names.get(d, d)} ({classes.get(d, 'unknown')})" for d in g.data) or (
            "goal=True" if g.marked else "")
        rows.append(GoalRow(g.goal, g.name, holds, len(g.paths), best,
                            names.get(best.entry, best.entry) if best else "", head, tuple(changes), khead,
                            tuple(kchanges)))
    head, changes = describe_cut(paths.all_goals, words)
    c = paths.comparison
    new: list[NewPath] = []
    if c is not None:
        for pid in c.new_paths:
            p = paths.path(pid)
            if p is None:
                continue
            moves = tuple(paths.steps[s].shows for s in p.spine
                          if paths.steps[s].rule.kind not in ("network-access", "data-access", "goal", "entry"))
            new.append(NewPath(p, names.get(p.goal, p.goal), names.get(p.entry, p.entry), moves))
    return PathsView(
        goals=tuple(rows), reachable=sum(1 for g in paths.goals if g.paths), attackers=len(paths.attackers),
        all_goals_head=head, all_goals_changes=tuple(changes),
        top_controls=tuple(("; ".join(words(x) for x in control), len(ids)) for control, ids in paths.top_controls),
        listed=sum(len(g.paths) for g in paths.goals), baseline=c.baseline if c else None,
        new_paths=tuple(new),
        newly_reachable=tuple(names.get(g, g) for g in c.newly_reachable) if c else (),
        no_longer_reachable=tuple(names.get(g, g) for g in c.no_longer_reachable) if c else (),
    )
