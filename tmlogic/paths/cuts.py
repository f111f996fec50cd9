"""Choke points: the cheapest set of model changes that leaves no path to a goal (or to any).

Every firing of the attack graph can be removed by some controls:
  - a negated atom of its rule, made true (`!authenticated_flow(F)` -> is_authenticated=True on F);
  - a threat it rests on, fixed: a change that blocks every firing of the threat's rule for it;
  - a flow it follows, removed.
A cut is a set of controls after which the goal is no longer derivable. Finding the cheapest one
is a hitting-set problem over the derivations of the goal, solved the implicit way: derive the
goal with the current cut removed; if it still holds, its derivation is a set of controls the
cut must hit, so add it and solve the hitting set of all derivations seen so far exactly (branch
and bound); repeat until the goal is gone. The cheapest hitting set of some of the derivations
is a lower bound, so the answer is the minimum unless a search budget runs out (then `exact` is
False and the cut is still a cut). Costs: one per key set, two per flow removed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..typing_runtime import Literal
from .changes import ModelChange
from .graph import AttackGraph, FactKey

__all__ = ["Control", "CutResult", "ControlIndex", "minimum_cut", "derivable"]

Control = tuple[ModelChange, ...]  # changes made together; one unit of a cut


@dataclass(frozen=True)
class CutResult:
    status: Literal["cut", "unreachable", "uncuttable", "too-large"]
    controls: tuple[Control, ...]
    cost: int
    exact: bool
    lower_bound: int  # for "too-large": no cut costs less than this

    @property
    def changes(self) -> tuple[ModelChange, ...]:
        return tuple(sorted({c for control in self.controls for c in control}))


class ControlIndex:
    """Which controls remove which firings, worked out for a firing when first asked."""

    def __init__(self, graph: AttackGraph, controls_of: Callable[[int], Iterable[Control]]) -> None:
        self.graph = graph
        self._controls_of = controls_of
        self.controls: list[Control] = []
        self.costs: list[int] = []
        self.kills: list[list[int]] = []
        self._ids: dict[Control, int] = {}
        self._of: dict[int, tuple[int, ...]] = {}
        self._prepared = False
        self._leading: dict[tuple[FactKey, ...], list[bool]] = {}
        self.distinct_sources: list[tuple[FactKey, ...]] = []
        self.waiting: list[int] = []
        self.weights: list[int] = []
        self.entries: list[int] = []
        self.usable: list[bool] = []  # can lead to some goal (prepare)

    def _id(self, control: Control) -> int:
        found = self._ids.get(control)
        if found is None:
            found = self._ids[control] = len(self.controls)
            self.controls.append(control)
            self.costs.append(sum(change.cost for change in control))
            self.kills.append([])
        return found

    def of_firing(self, i: int) -> tuple[int, ...]:
        found = self._of.get(i)
        if found is None:
            found = self._of[i] = tuple(sorted({self._id(c) for c in self._controls_of(i)}))
            for c in found:
                self.kills[c].append(i)
        return found

    def ensure(self, firings: Iterable[int]) -> None:
        """Work out the controls of these firings, so that `kills` is complete for them."""
        for i in firings:
            self.of_firing(i)

    def cost(self, c: int) -> int:
        return self.costs[c]

    def goal_states(self) -> list[FactKey]:
        return self.graph.goal_states()

    def prepare(self, targets: Sequence[FactKey]) -> None:
        """Work out, once, the controls of every firing that can lead to a target, and the arrays
        the witness search reads (cost, sources, entries), so that each cut only walks the graph."""
        if self._prepared:
            return
        relevant = self.relevant(targets)
        self.ensure(relevant)
        firings = self.graph.firings
        self.distinct_sources = [tuple(set(f.sources)) for f in firings]
        self.waiting = [len(s) for s in self.distinct_sources]
        self.weights = [sum(self.costs[c] for c in self.of_firing(i)) if i in self._of else 0 for i in range(len(firings))]
        self.entries = [f.index for f in firings if not f.sources]
        self.usable = [False] * len(firings)
        for i in relevant:
            self.usable[i] = True
        self._prepared = True

    def leading_to(self, targets: Sequence[FactKey]) -> list[bool]:
        """For each firing: can it lead to one of `targets`? (Cached: a goal's two cuts share it.)"""
        key = tuple(targets)
        found = self._leading.get(key)
        if found is None:
            found = [False] * len(self.graph.firings)
            for i in self.relevant(targets):
                found[i] = True
            self._leading = {key: found}
        return found

    def relevant(self, targets: Sequence[FactKey]) -> list[int]:
        """The firings that some derivation of a target can use (backwards from the targets)."""
        graph = self.graph
        seen: set[FactKey] = set()
        found: set[int] = set()
        stack = [t for t in targets if t in graph.producers]
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            for i in graph.producers[state]:
                found.add(i)
                stack.extend(s for s in graph.firings[i].sources if s not in seen)
        return sorted(found)


def derivable(graph: AttackGraph, dead: set[int]) -> set[FactKey]:
    """The states derivable without the `dead` firings (forward chaining)."""
    waiting = [len(set(f.sources)) for f in graph.firings]
    derived: set[FactKey] = set()
    queue = [f.index for f in graph.firings if not f.sources and f.index not in dead]
    while queue:
        head = graph.firings[queue.pop()].head
        if head in derived:
            continue
        derived.add(head)
        for j in graph.users.get(head, ()):
            waiting[j] -= 1
            if waiting[j] == 0 and j not in dead:
                queue.append(j)
    return derived


def _witness(index: ControlIndex, live: list[bool], dead: set[int], targets: Sequence[FactKey]) -> set[int] | None:
    """The controls of a derivation of some target that uses the fewest (by cost), with `dead`
    firings (and those not `live`) removed; None when no target is derivable. Knuth's algorithm,
    as graph.py, on the arrays the index keeps."""
    graph = index.graph
    firings = graph.firings
    waiting = list(index.waiting)
    weight = index.weights
    best: dict[FactKey, tuple[int, int]] = {}
    queue = [(weight[i], i) for i in index.entries if live[i] and i not in dead]
    heapq.heapify(queue)
    wanted = set(targets)
    while queue:
        cost, i = heapq.heappop(queue)
        head = firings[i].head
        if head in best:
            continue
        best[head] = (cost, i)
        if head in wanted:
            chosen: set[int] = set()
            stack, seen = [head], set()
            while stack:
                state = stack.pop()
                if state in seen:
                    continue
                seen.add(state)
                j = best[state][1]
                chosen.update(index.of_firing(j))
                stack.extend(firings[j].sources)
            return chosen
        for j in graph.users.get(head, ()):
            waiting[j] -= 1
            if waiting[j] == 0 and live[j] and j not in dead:
                heapq.heappush(queue, (weight[j] + sum(best[src][0] for src in index.distinct_sources[j]), j))
    return None


def _hitting_set(sets: Sequence[frozenset[int]], cost: Sequence[int], cap: int,
                 budget: int) -> tuple[tuple[int, ...] | None, int, bool]:
    """The cheapest set meeting every set, if it costs at most `cap`: (choice, its cost or the lower
    bound that ruled it out, exact)."""
    cheapest = [min(cost[c] for c in s) for s in sets]

    def lower(remaining: list[int]) -> int:
        used: set[int] = set()
        bound = 0
        for n in remaining:  # kept in order of size: small sets first make a tighter packing
            if used.isdisjoint(sets[n]):
                used |= sets[n]
                bound += cheapest[n]
        return bound

    everything = sorted(range(len(sets)), key=lambda n: (len(sets[n]), sorted(sets[n])))
    bound = lower(everything)
    if bound > cap:
        return None, bound, True
    # greedy first: an upper bound, and the answer when the search budget runs out
    greedy: list[int] = []
    left = list(everything)
    while left:
        counts: dict[int, int] = {}
        for n in left:
            for c in sets[n]:
                counts[c] = counts.get(c, 0) + 1
        c = min(counts, key=lambda c: (cost[c] / counts[c], c))
        greedy.append(c)
        left = [n for n in left if c not in sets[n]]
    best = tuple(sorted(greedy))
    best_cost = sum(cost[c] for c in best)
    nodes = 0
    exact = True

    def search(chosen: tuple[int, ...], spent: int, remaining: list[int]) -> None:
        nonlocal best, best_cost, nodes, exact
        nodes += 1
        if nodes > budget:
            exact = False
            return
        if not remaining:
            best, best_cost = tuple(sorted(chosen)), spent  # cheaper, or it would have been cut off
            return
        if spent + lower(remaining) >= best_cost:
            return  # cannot do better than the best found
        pivot = sets[remaining[0]]
        frequency = {c: sum(1 for n in remaining if c in sets[n]) for c in pivot}
        for c in sorted(pivot, key=lambda c: (cost[c], -frequency[c], c)):
            search(chosen + (c,), spent + cost[c], [n for n in remaining if c not in sets[n]])

    search((), 0, everything)
    if best_cost > cap:
        return None, (best_cost if exact else bound), exact
    return best, best_cost, exact


def minimum_cut(index: ControlIndex, targets: Sequence[FactKey], *, max_cost: int = 8, iterations: int = 40,
                budget: int = 4_000, excluded: frozenset[int] = frozenset()) -> CutResult:
    """The cheapest controls after which no state of `targets` is derivable without the `excluded` firings."""
    # The controls of every firing that can lead to some goal are worked out once; a cut walks
    # only the firings that can lead to its own targets.
    index.prepare(index.goal_states())
    live = [u and i not in excluded for i, u in enumerate(index.leading_to(targets))]
    chosen: tuple[int, ...] = ()
    sets: list[frozenset[int]] = []
    exact = True
    for _ in range(iterations):
        dead = {i for c in chosen for i in index.kills[c]}
        witness = _witness(index, live, dead, targets)
        if witness is None:
            controls = tuple(sorted((index.controls[c] for c in chosen)))
            total = sum(index.costs[c] for c in chosen)
            return CutResult("cut" if chosen else "unreachable", controls, total, exact, total)
        if not witness:
            return CutResult("uncuttable", (), 0, True, 0)
        sets.append(frozenset(witness))
        choice, cost, solved = _hitting_set(sets, index.costs, max_cost, budget)
        exact = exact and solved
        if choice is None:
            return CutResult("too-large", (), 0, exact, cost)
        chosen = choice
    return _greedy_finish(index, live, targets, list(chosen), max_cost)


def _greedy_finish(index: ControlIndex, live: list[bool], targets: Sequence[FactKey], chosen: list[int],
                   max_cost: int) -> CutResult:
    """Out of iterations: grow the cut greedily until it works; a cut, perhaps not the cheapest."""
    while sum(index.costs[c] for c in chosen) <= max_cost:
        dead = {i for c in chosen for i in index.kills[c]}
        witness = _witness(index, live, dead, targets)
        if witness is None:
            return CutResult("cut", tuple(sorted(index.controls[c] for c in chosen)),
                             sum(index.costs[c] for c in chosen), False, 0)
        if not witness:
            return CutResult("uncuttable", (), 0, False, 0)
        chosen.append(min(witness, key=lambda c: (index.costs[c], -len(index.kills[c]), c)))
    return CutResult("too-large", (), 0, False, max_cost + 1)
