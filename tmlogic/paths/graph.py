"""The attack graph, read from the engine: attacker states are OR nodes, step firings AND nodes.

Every firing of a step rule is one way to gain its head state: all its source states (the
attacker states in its body) and conditions (the other positive atoms) hold, and its negated
atoms were checked absent. A step's cost is -ln of its probability (in millionths, plus one
per step so that shorter paths win ties), and the cost of a state is that of its cheapest
derivation: Knuth's generalisation of Dijkstra's algorithm over the AND/OR graph, the same
settling order the proofs use.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .._errors import Diagnostic, Level, RuleError
from ..logic.language.ast import Atom, Const, Negation
from ..logic.engines.base import Row, Session
from ..logic.program.compile import CompiledProgram, FiringRelation
from .pack import PROBABILITY, STEP_LIKELIHOODS, StepPack, StepRule

__all__ = ["FactKey", "SOURCE", "Firing", "AttackGraph", "build_graph", "step_cost"]

FactKey = tuple[str, Row]
SOURCE: FactKey = ("", ())  # the virtual node every entry step starts from
_SCALE = 1_000_000


def step_cost(probability: float) -> int:
    return round(-math.log(probability) * _SCALE) + 1


@dataclass(frozen=True)
class Firing:
    """One instance of a step rule: an edge of the attack graph."""

    index: int
    step: StepRule
    relation: FiringRelation
    row: Row
    head: FactKey
    sources: tuple[FactKey, ...]  # attacker states of the body, in body order; the first is where the attacker comes from
    conditions: tuple[FactKey, ...]  # the other positive atoms, instantiated
    absent: tuple[tuple[str, tuple[str | int | None, ...]], ...]  # negated atoms (None: "any value")
    level: str
    probability: float
    cost: int

    @property
    def primary(self) -> FactKey:
        return self.sources[0] if self.sources else SOURCE

    @property
    def side(self) -> tuple[FactKey, ...]:
        return tuple(dict.fromkeys(s for s in self.sources[1:] if s != self.primary))

    def bindings(self) -> dict[str, str | int]:
        return self.relation.bindings(self.row)


def _instantiate(atom: Atom, bindings: dict[str, str | int]) -> tuple[str | int | None, ...]:
    return tuple(t.value if isinstance(t, Const) else bindings.get(t.name) for t in atom.args)


class AttackGraph:
    """Firings, the states they connect, and the cheapest derivation of every state."""

    def __init__(self, pack: StepPack, firings: Sequence[Firing]) -> None:
        self.pack = pack
        self.firings = tuple(firings)
        self.producers: dict[FactKey, list[int]] = defaultdict(list)
        self.users: dict[FactKey, list[int]] = defaultdict(list)
        for f in self.firings:
            self.producers[f.head].append(f.index)
            for s in dict.fromkeys(f.sources):
                self.users[s].append(f.index)
        self.best: dict[FactKey, int] = {}
        self.best_firing: dict[FactKey, int] = {}
        self._settle()

    def _settle(self) -> None:
        waiting = [len(set(f.sources)) for f in self.firings]
        queue = [(f.cost, f.index) for f in self.firings if not f.sources]
        heapq.heapify(queue)
        while queue:
            cost, i = heapq.heappop(queue)
            head = self.firings[i].head
            if head in self.best:
                continue
            self.best[head] = cost
            self.best_firing[head] = i
            for j in self.users.get(head, ()):
                waiting[j] -= 1
                if waiting[j] == 0:
                    f = self.firings[j]
                    heapq.heappush(queue, (f.cost + sum(self.best[s] for s in set(f.sources)), j))

    def goal_states(self) -> list[FactKey]:
        return sorted(k for k in self.producers if k[0] == self.pack.goal)

    def edge_weight(self, i: int) -> int:
        """The cost of firing i on a path that arrives at its primary source: its own cost and the
        cheapest derivations of its side sources."""
        f = self.firings[i]
        return f.cost + sum(self.best[s] for s in f.side)

    def tree_tail(self, state: FactKey) -> FactKey:
        return self.firings[self.best_firing[state]].primary

    def derivation(self, state: FactKey, into: dict[int, None]) -> None:
        """Add the cheapest derivation of `state` (its firings, sources first) to `into`."""
        stack: list[tuple[FactKey, bool]] = [(state, False)]
        while stack:
            key, expanded = stack.pop()
            i = self.best_firing[key]
            if i in into:
                continue
            if expanded:
                into[i] = None
                continue
            stack.append((key, True))
            stack.extend((s, False) for s in reversed(self.firings[i].sources) if self.best_firing[s] not in into)


def _level(step: StepRule, bindings: dict[str, str | int]) -> str:
    var = step.likelihood_variable
    if var is None:
        return step.likelihood
    value = str(bindings.get(var, ""))
    if value not in STEP_LIKELIHOODS:
        entry = step.rule.metadata.entry("likelihood") if step.rule.metadata else None
        span = entry.span if entry else step.rule.span
        raise RuleError([Diagnostic(Level.ERROR, span, f'{step.id}: "{{{var}}}" is bound to "{value}", which is not a '
                                    "likelihood", "bad-step-metadata",
                                    f"bind it to one of: {', '.join(STEP_LIKELIHOODS)}")])
    return value


def build_graph(pack: StepPack, compiled: CompiledProgram, session: Session) -> AttackGraph:
    """Every firing of every step rule, in a deterministic order (rule, then firing tuple)."""
    by_rule = {id(r.rule): r for r in pack.steps}
    states = pack.states
    found: list[Firing] = []
    relations = sorted((fr for fr in compiled.firings if id(fr.rule) in by_rule),
                       key=lambda fr: by_rule[id(fr.rule)].id)
    for relation in relations:
        step = by_rule[id(relation.rule)]
        rule = relation.rule
        for row in session.query(relation.name, (None,) * len(relation.variables)):
            bindings = relation.bindings(row)
            head = (rule.head.predicate, _instantiate(rule.head, bindings))
            sources: list[FactKey] = []
            conditions: list[FactKey] = []
            for atom in rule.positive_atoms():
                key = (atom.predicate, _instantiate(atom, bindings))
                (sources if atom.predicate in states else conditions).append(key)  # type: ignore[arg-type]
            absent = tuple((lit.atom.predicate, _instantiate(lit.atom, bindings)) for lit in rule.body
                           if isinstance(lit, Negation))
            level = _level(step, bindings)
            p = PROBABILITY[level]
            found.append(Firing(len(found), step, relation, row, head, tuple(sources),  # type: ignore[arg-type]
                                tuple(conditions), absent, level, p, step_cost(p)))
    return AttackGraph(pack, found)
