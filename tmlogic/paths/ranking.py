"""The k most likely paths to a goal: simple paths over the attack graph's "spine".

A path follows, from an entry to the goal, the first source state of each step (where the
attacker comes from); a step's other source states (credentials it needs, say) join the path
with their cheapest derivations. Paths are enumerated cheapest first with Eppstein's idea:
the cheapest derivations form a tree; every other path is the tree path with some "sidetrack"
edges, and a sidetrack's extra cost is d(tail) + w(edge) - d(head) >= 0. Extensions of a path
are kept sorted, so each path popped pushes at most two more (its next sibling and its first
child) and the search stays proportional to the paths it looks at. A path that visits a state
twice is skipped (and not extended when the repeat can no longer be avoided).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from .graph import SOURCE, AttackGraph, FactKey

__all__ = ["SpinePath", "k_cheapest_paths"]


@dataclass(frozen=True)
class SpinePath:
    firings: tuple[int, ...]  # from the entry step to the goal step
    cost: int  # spine edges with the cheapest side derivations


@dataclass
class _Candidate:
    cost: int
    parent: int  # candidate index; -1 for the tree path
    owner: FactKey  # the state whose sidetrack list `index` reads
    index: int  # -1 for the tree path
    sidetracks: tuple[int, ...]


class _Sidetracks:
    """For each state u, the sidetracks usable after arriving at u, cheapest first: every
    non-tree firing into a state on the tree walk from u back to the source."""

    def __init__(self, graph: AttackGraph) -> None:
        self.graph = graph
        self._own: dict[FactKey, list[tuple[int, int]]] = {}
        self._walk: dict[FactKey, list[tuple[int, int]]] = {SOURCE: []}

    def own(self, state: FactKey) -> list[tuple[int, int]]:
        found = self._own.get(state)
        if found is None:
            g = self.graph
            tree = g.best_firing[state]
            found = []
            for i in g.producers.get(state, ()):
                if i == tree:
                    continue
                tail = g.firings[i].primary
                base = 0 if tail == SOURCE else g.best.get(tail)
                if base is None:
                    continue
                found.append((base + g.edge_weight(i) - g.best[state], i))
            found.sort()
            self._own[state] = found
        return found

    def along(self, state: FactKey) -> list[tuple[int, int]]:
        chain: list[FactKey] = []
        node = state
        while node not in self._walk:
            chain.append(node)
            node = self.graph.tree_tail(node)
        for node in reversed(chain):
            self._walk[node] = list(heapq.merge(self.own(node), self._walk[self.graph.tree_tail(node)]))
        return self._walk[state]


def _walk(graph: AttackGraph, goal: FactKey, sidetracks: tuple[int, ...]) -> tuple[list[int], list[FactKey], int]:
    """The firings (goal first) and states of the path that takes these sidetracks; and how many
    states lie before the last sidetrack's tail (the part no extension can change)."""
    firings: list[int] = []
    visited: list[FactKey] = [goal]
    node = goal
    fixed = 1
    for s in sidetracks:
        head = graph.firings[s].head
        while node != head:
            i = graph.best_firing[node]
            firings.append(i)
            node = graph.firings[i].primary
            visited.append(node)
        firings.append(s)
        node = graph.firings[s].primary
        visited.append(node)
        fixed = len(visited)
    while node != SOURCE:
        i = graph.best_firing[node]
        firings.append(i)
        node = graph.firings[i].primary
        visited.append(node)
    return firings, visited[:-1], fixed


def k_cheapest_paths(graph: AttackGraph, goal: FactKey, k: int, budget: int,
                     accept: Callable[[tuple[int, ...]], bool] = lambda spine: True) -> list[SpinePath]:
    """Up to k simple paths to `goal` that `accept` takes, cheapest first (ties: fewer steps, then
    sidetrack order); at most `budget` candidate paths are looked at."""
    if goal not in graph.best:
        return []
    tracks = _Sidetracks(graph)
    base = graph.best[goal]
    candidates = [_Candidate(base, -1, goal, -1, ())]
    queue: list[tuple[int, tuple[int, ...], int]] = [(base, (), 0)]
    found: list[SpinePath] = []
    seen = 0
    while queue and len(found) < k and seen < budget:
        _, _, cid = heapq.heappop(queue)
        seen += 1
        cand = candidates[cid]
        if cand.parent >= 0:  # the next sibling: the same parent, the next sidetrack in its list
            options = tracks.along(cand.owner)
            if cand.index + 1 < len(options):
                _push(candidates, queue, cand.parent, cand.owner, cand.index + 1, options)
        firings, visited, fixed = _walk(graph, goal, cand.sidetracks)
        repeated = len(set(visited)) != len(visited)
        if repeated and len(set(visited[:fixed])) != fixed:
            continue  # the repeat is before the last sidetrack: every extension keeps it
        if not repeated:
            spine = tuple(reversed(firings))
            if accept(spine):
                found.append(SpinePath(spine, cand.cost))
        tail = graph.firings[cand.sidetracks[-1]].primary if cand.sidetracks else goal
        if tail != SOURCE:
            options = tracks.along(tail)
            if options:
                _push(candidates, queue, cid, tail, 0, options)
    return found


def _push(candidates: list[_Candidate], queue: list[tuple[int, tuple[int, ...], int]], parent: int,
          owner: FactKey, index: int, options: list[tuple[int, int]]) -> None:
    delta, firing = options[index]
    base = candidates[parent]
    cand = _Candidate(base.cost + delta, parent, owner, index, base.sidetracks + (firing,))
    candidates.append(cand)
    heapq.heappush(queue, (cand.cost, cand.sidetracks, len(candidates) - 1))
