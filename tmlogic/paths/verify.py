"""Checking a choke point: apply its model changes, analyse again (threats and paths), and see
what is left. A cut's claim holds when no goal of its scope has a path any more (or has stopped
being a goal, because the change removed the data that made it one); for a "fix first" cut, when
no such path is left that avoids every assumed step. A single control's claim (it stops these
listed paths) holds when each of them has a step that no longer fires: no firing of the same
step rule gains the same state from the same states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..analysis import Analysis, analyze_model
from ..logic.language.ast import Program
from .changes import ModelChange, apply_changes
from .cuts import derivable
from .find import attack_stage
from .pack import StepPack, load_step_pack
from .result import AttackPath, PathStep
from .steps import fact_text

__all__ = ["CutCheck", "check_cut", "surviving_paths"]


@dataclass(frozen=True)
class CutCheck:
    changes: tuple[ModelChange, ...]
    scope: tuple[str, ...]
    remaining: tuple[str, ...]  # goals of the scope that still have a path
    no_longer_goals: tuple[str, ...]  # goals of the scope the change turned into non-goals

    @property
    def holds(self) -> bool:
        return not self.remaining


def check_cut(analysis: Analysis, program: Program, changes: Sequence[ModelChange], scope: Sequence[str],
              pack: StepPack | None = None, *, known_only: bool = False) -> CutCheck:
    """Apply `changes` to the analysed model, run the threat rules and the step pack again, and see
    which goals of `scope` are still reached (`known_only`: by a path with no assumed step)."""
    if pack is None:
        pack, _ = load_step_pack()
    model = apply_changes(analysis.model, changes)
    again = analyze_model(model, program, [], analysis.result.engine)
    stage = attack_stage(again, pack)
    graph = stage.graph
    goals = {str(r[0]) for r in stage.session.query(pack.targets, (None,) * pack.program.decls[pack.targets].arity)}
    dead = {f.index for f in graph.firings if f.step.assumed} if known_only else set()
    reached = derivable(graph, dead)
    remaining = tuple(g for g in scope if g in goals and (pack.goal, (g,)) in reached)
    gone = tuple(g for g in scope if g not in goals)
    return CutCheck(tuple(changes), tuple(scope), remaining, gone)


def surviving_paths(analysis: Analysis, program: Program, changes: Sequence[ModelChange],
                    paths: Sequence[AttackPath], steps: dict[str, PathStep],
                    pack: StepPack | None = None) -> tuple[str, ...]:
    """Apply `changes`, run the threat rules and the step pack again, and return the ids of the
    `paths` whose every step still fires (by rule, the state gained and the states it comes from;
    the threat a step rests on may differ, which still leaves the attacker the same move)."""
    if pack is None:
        pack, _ = load_step_pack()
    again = analyze_model(apply_changes(analysis.model, changes), program, [], analysis.result.engine)
    graph = attack_stage(again, pack).graph
    fired = {(f.step.id, fact_text(f.head), tuple(fact_text(s) for s in f.sources)) for f in graph.firings}
    return tuple(p.id for p in paths
                 if all((steps[s].rule.id, steps[s].state, steps[s].sources) in fired for s in p.steps))
