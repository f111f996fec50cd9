"""Checking a choke point: apply its model changes, analyse again (threats and paths), and see
what is left. A cut's claim holds when no goal of its scope has a path any more (or has stopped
being a goal, because the change removed the data that made it one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..analysis import Analysis, analyze_model
from ..logic.language.ast import Program
from .changes import ModelChange, apply_changes
from .find import PathOptions, find_paths
from .pack import StepPack

__all__ = ["CutCheck", "check_cut"]


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
              pack: StepPack | None = None, options: PathOptions = PathOptions(k=1, proofs=False, cuts=False)) -> CutCheck:
    """Apply `changes` to the analysed model, run the threat rules and the attack paths again."""
    model = apply_changes(analysis.model, changes)
    again = analyze_model(model, program, [], analysis.result.engine)
    found = find_paths(again, options, pack=pack)
    goals = {g.goal: g for g in found.goals}
    remaining = tuple(g for g in scope if g in goals and goals[g].reachable)
    gone = tuple(g for g in scope if g not in goals)
    return CutCheck(tuple(changes), tuple(scope), remaining, gone)
