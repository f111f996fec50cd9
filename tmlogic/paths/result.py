"""What the attack-path stage hands to the renderers: goals, their ranked paths, the steps those
paths are made of (with proofs down to model lines), and the choke points. Plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._errors import SourceSpan
from ..logic.provenance import ProofNode
from ..typing_runtime import Literal
from .changes import ModelChange
from .pack import StepRule

__all__ = ["StepCondition", "PathStep", "AttackPath", "Cut", "GoalPaths", "PathComparison", "AttackPaths",
           "likelihood_level"]


def likelihood_level(probability: float) -> str:
    """A path's likelihood in words, on the step scale (the product of its steps' chances)."""
    for bound, level in ((0.85, "frequent"), (0.6, "very-likely"), (0.35, "likely"), (0.15, "unlikely")):
        if probability >= bound:
            return level
    return "rare"


@dataclass(frozen=True)
class StepCondition:
    """A fact a step needs besides attacker states, with its proof; threat facts name the threat."""

    fact: str
    proof: ProofNode | None  # None when the paths were found without proofs (text output)
    threat: str | None = None


@dataclass(frozen=True)
class PathStep:
    """One firing of a step rule: an AND node of the attack graph."""

    id: str  # "S" + 10 hex digits: rule id and the facts it joins
    rule: StepRule
    state: str  # the state it gains, as a fact
    shows: str  # ... in words
    sources: tuple[str, ...]  # the attacker states it needs, as facts (the first: where the attacker comes from)
    message: str
    likelihood: str
    probability: float
    bindings: tuple[tuple[str, str | int], ...]
    conditions: tuple[StepCondition, ...]
    absent: tuple[str, ...]  # negated atoms, checked to have no match: the controls that would stop it
    constraints: tuple[str, ...]
    threats: tuple[str, ...]  # ids of the threats it rests on
    elements: tuple[str, ...]  # element ids it touches, for the diagram
    flows: tuple[str, ...]  # flow ids it touches
    stopped_by: tuple[tuple[ModelChange, ...], ...]  # each a set of changes that stops its move (see find.py)

    @property
    def span(self) -> SourceSpan:
        return self.rule.rule.span


@dataclass(frozen=True)
class AttackPath:
    """A way to a goal: a chain of steps from an entry (the spine) plus what they need on the side,
    as an AND/OR graph: `needs` maps each step to the steps that gave it its source states."""

    id: str  # "P" + 10 hex digits: the goal and the spine's steps
    goal: str  # goal element id
    rank: int  # 1 = most likely
    probability: float
    entry: str  # element id the attacker starts from
    profile: str  # "untrusted side", "insider", ...
    spine: tuple[str, ...]  # step ids, entry first
    steps: tuple[str, ...]  # every step of the path, sources before the steps that need them
    needs: tuple[tuple[str, tuple[str, ...]], ...]  # step id -> step ids of its sources, in source order
    elements: tuple[str, ...]
    flows: tuple[str, ...]
    techniques: tuple[str, ...]

    @property
    def likelihood(self) -> str:
        return likelihood_level(self.probability)

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass(frozen=True)
class Cut:
    """The cheapest set of model changes that removes every path of its scope."""

    scope: tuple[str, ...]  # goal element ids
    status: Literal["cut", "unreachable", "uncuttable", "too-large", "not-computed"]
    changes: tuple[ModelChange, ...]
    cost: int
    exact: bool  # False: a search budget ran out; still a cut, perhaps not the cheapest
    lower_bound: int  # "too-large": no cut costs less
    removes: tuple[str, ...] = ()  # ids of the listed steps that the cut removes


@dataclass(frozen=True)
class GoalPaths:
    goal: str  # element id
    name: str
    data: tuple[str, ...]  # data asset ids that make it a goal
    marked: bool  # goal=True in the model
    paths: tuple[AttackPath, ...]
    cut: Cut  # removes every path
    known_cut: Cut  # removes every path that needs no assumed step (an unreported vulnerability): fix these first

    @property
    def reachable(self) -> bool:
        return bool(self.paths)


@dataclass(frozen=True)
class PathComparison:
    """These paths against a baseline's: what a change opened."""

    baseline: str  # what the user named: a result JSON, a model, REV:path
    new_paths: tuple[str, ...]  # ids of listed paths the baseline did not list for their goal
    newly_reachable: tuple[str, ...]  # goal ids with a path now and none in the baseline
    no_longer_reachable: tuple[str, ...]  # goal ids with a path in the baseline and none now


@dataclass(frozen=True)
class AttackPaths:
    goals: tuple[GoalPaths, ...]  # most exposed first: best path's likelihood, then name
    steps: dict[str, PathStep]  # every step of every listed path, by id
    all_goals: Cut  # one cut for every goal listed together
    all_goals_known: Cut  # ... of the paths that need no assumed step
    attackers: tuple[tuple[str, str], ...]  # (element id, profile) where attackers start
    step_rules: tuple[StepRule, ...]
    k: int
    firings: int  # size of the attack graph
    states: int
    notes: tuple[str, ...] = field(default=())  # limits that applied (search budgets, goals without a cut)
    # single controls ranked by how many listed paths each stops (a step of the path), most first
    top_controls: tuple[tuple[tuple[ModelChange, ...], tuple[str, ...]], ...] = field(default=())
    comparison: PathComparison | None = None  # against --baseline

    def path(self, path_id: str) -> AttackPath | None:
        return next((p for g in self.goals for p in g.paths if p.id == path_id), None)

    def goal(self, element: str) -> GoalPaths | None:
        return next((g for g in self.goals if g.goal == element), None)
