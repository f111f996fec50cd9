"""Join order for a rule body, chosen from the statistics of the relations it reads.

The result is the same in any order, so rule authors need not order bodies for speed. The
planner is greedy: after the semi-naive delta atom (if any), it takes the atom whose lookup is
expected to return the fewest rows per binding so far, measured on the relation's own index
for the positions that would be bound (rows / distinct keys). Every filter (comparison,
negation) runs as soon as its variables are bound, and atoms that only test a fully bound
tuple cost one hash probe.

Planning is split in two: `Planner` holds what depends only on the body and the variables
bound before it (its atoms' constants and variables, each filter's needs), worked out once per
program, and `Planner.plan` makes the choices that depend on the data. A body with at most one
atom left to choose has a single possible order: that plan is kept and given again.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..language.ast import Atom, Comparison, Const, Literal, Negation, Var
from .relation import Relation

__all__ = ["Plan", "Planner", "filter_needs"]

Plan = tuple[tuple[Literal, bool], ...]  # body literals in evaluation order; True: reads the delta


def filter_needs(literal: Literal) -> set[str]:
    """Variables that must be bound before a filter can be checked (`_` in a negation means "any")."""
    if isinstance(literal, Comparison):
        return {t.name for t in (literal.left, literal.right) if isinstance(t, Var)}
    assert isinstance(literal, Negation)
    return {t.name for t in literal.atom.args if isinstance(t, Var) and not t.anonymous}


class Planner:
    """The data-independent part of planning `body` with the variables `bound` known: its atoms,
    and its filters with the variables each needs. Kept light: a one-shot run plans most bodies
    once, so work done here must not cost more than it saves in `plan`."""

    __slots__ = ("_atoms", "_filters", "_first", "_bound", "_fixed")

    def __init__(self, body: tuple[Literal, ...], bound: frozenset[str] = frozenset()) -> None:
        atoms: list[Atom] = []
        filters: list[tuple[Literal, set[str]]] = []
        first: list[tuple[Literal, bool]] = []  # the filters that need nothing beyond `bound`, in body order
        for lit in body:
            if type(lit) is Atom:
                atoms.append(lit)
            else:
                needs = filter_needs(lit)
                if needs <= bound:
                    first.append((lit, False))
                else:
                    filters.append((lit, needs))
        self._atoms = atoms
        self._filters = filters
        self._first = first
        self._bound = bound
        self._fixed: dict[int | None, Plan] = {}  # plans with no choice left to the data, by delta atom

    def plan(self, relations: Mapping[str, Relation], delta_atom: int | None = None) -> Plan:
        """A join order with the statistics of `relations`. `delta_atom` is the index (among
        positive atoms) of the atom that reads the semi-naive delta; it goes first, since the
        delta is the smallest input of a recursive round."""
        fixed = self._fixed.get(delta_atom)
        if fixed is not None:
            return fixed
        atoms = self._atoms
        known = set(self._bound)
        plan = list(self._first)
        filters = self._filters
        remaining = list(range(len(atoms)))
        first_atom = delta_atom  # taken first, then the choices begin
        choices = len(remaining) > (2 if delta_atom is not None else 1)
        while remaining:
            if first_atom is not None:
                best, first_atom, reads_delta = first_atom, None, True
            elif len(remaining) == 1:
                best, reads_delta = remaining[0], False
            else:
                best, best_cost, reads_delta = -1, (0.0, 0, 0), False
                for n in remaining:
                    args = atoms[n].args
                    positions = tuple([i for i, t in enumerate(args) if type(t) is Const or t.name in known])  # type: ignore[union-attr]
                    relation = relations.get(atoms[n].predicate)
                    cost = (0.0 if relation is None else relation.fanout(positions), len(args) - len(positions), n)
                    if best < 0 or cost < best_cost:
                        best, best_cost = n, cost
            remaining.remove(best)
            atom = atoms[best]
            plan.append((atom, reads_delta))
            if not remaining and not filters:
                break  # what the last atom binds is read by nothing left
            known.update([t.name for t in atom.args if type(t) is Var])
            if filters:
                ready = [(f, False) for f, needs in filters if needs <= known]
                if ready:
                    plan += ready
                    filters = [(f, needs) for f, needs in filters if not needs <= known]
        if filters:
            plan += [(f, False) for f, _ in filters]  # unreachable for checked programs: every filter is safe
        out = tuple(plan)
        if not choices:
            self._fixed[delta_atom] = out
        return out

