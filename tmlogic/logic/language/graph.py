"""The predicate dependency graph of a set of clauses, and its strongly connected components.

The static checks (stratification) and the engines (evaluation order) share this one
implementation; it reads rules and compiled clauses alike, anything with a head and a body.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ...typing_runtime import TYPE_CHECKING
from .ast import Atom, Literal, Negation

__all__ = ["dependency_graph", "dependency_components", "recursive_predicates", "strongly_connected_components"]

if TYPE_CHECKING:  # read by type checkers only: making a Protocol class costs some 0.45 M instructions
    from typing import Protocol

    class Clause(Protocol):
        """A rule or a compiled clause: `head :- body`."""

        @property
        def head(self) -> Atom: ...

        @property
        def body(self) -> Sequence[Literal]: ...


def dependency_graph(clauses: Iterable[Clause]) -> dict[str, set[str]]:
    """head predicate -> predicates its bodies read (positively or negated)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for c in clauses:
        deps = graph[c.head.predicate]
        for lit in c.body:
            atom = lit.atom if isinstance(lit, Negation) else lit
            if isinstance(atom, Atom):
                deps.add(atom.predicate)
                graph.setdefault(atom.predicate, set())
    return graph


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (rule packs can be deep): each component after every
    component it depends on, members sorted, deterministic for the same graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    order: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                order.append(sorted(component))
    return order


def dependency_components(clauses: Iterable[Clause]) -> list[list[str]]:
    """Strongly connected components of the clauses' predicate dependency graph, dependencies first."""
    return strongly_connected_components(dependency_graph(clauses))


def recursive_predicates(clauses: Iterable[Clause]) -> dict[str, frozenset[str]]:
    """predicate -> the predicates it is mutually recursive with (empty when not recursive)."""
    clauses = list(clauses)
    graph = dependency_graph(clauses)
    out: dict[str, frozenset[str]] = {}
    for component in dependency_components(clauses):
        members = frozenset(component)
        is_recursive = len(component) > 1 or component[0] in graph[component[0]]
        for p in component:
            out[p] = members if is_recursive else frozenset()
    return out
