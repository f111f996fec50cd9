"""Join order for a rule body, chosen from the statistics of the relations it reads.

The result is the same in any order, so rule authors need not order bodies for speed. The
planner is greedy: after the semi-naive delta atom (if any), it takes the atom whose lookup is
expected to return the fewest rows per binding so far, measured on the relation's own index
for the positions that would be bound (rows / distinct keys). Every filter (comparison,
negation) runs as soon as its variables are bound, and atoms that only test a fully bound
tuple cost one hash probe.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..language.ast import Atom, Comparison, Const, Literal, Negation, Var
from .relation import Relation

__all__ = ["Plan", "plan_body", "filter_needs"]

Plan = tuple[tuple[Literal, bool], ...]  # body literals in evaluation order; True: reads the delta


def filter_needs(literal: Literal) -> set[str]:
    """Variables that must be bound before a filter can be checked (`_` in a negation means "any")."""
    if isinstance(literal, Comparison):
        return {t.name for t in (literal.left, literal.right) if isinstance(t, Var)}
    assert isinstance(literal, Negation)
    return {t.name for t in literal.atom.args if isinstance(t, Var) and not t.anonymous}


def _bound_positions(atom: Atom, known: set[str]) -> tuple[int, ...]:
    return tuple(i for i, t in enumerate(atom.args) if isinstance(t, Const) or t.name in known)


def plan_body(
    body: tuple[Literal, ...],
    bound: frozenset[str],
    relations: Mapping[str, Relation],
    delta_atom: int | None = None,
    delta: Relation | None = None,
) -> Plan:
    """A join order for `body` with the variables `bound` already known.

    `delta_atom` is the index (among positive atoms) of the atom that reads the semi-naive delta;
    it goes first, since the delta is the smallest input of a recursive round.
    """
    atoms = [lit for lit in body if isinstance(lit, Atom)]
    filters = [lit for lit in body if not isinstance(lit, Atom)]
    known = set(bound)
    plan: list[tuple[Literal, bool]] = []

    def release_filters() -> None:
        for f in [f for f in filters if filter_needs(f) <= known]:
            plan.append((f, False))
            filters.remove(f)

    def take(atom: Atom, reads_delta: bool) -> None:
        plan.append((atom, reads_delta))
        known.update(t.name for t in atom.args if isinstance(t, Var))
        release_filters()

    release_filters()
    remaining = list(enumerate(atoms))
    if delta_atom is not None:
        take(atoms[delta_atom], True)
        remaining = [(i, a) for i, a in remaining if i != delta_atom]
    while remaining:
        def cost(item: tuple[int, Atom]) -> tuple[float, int, int]:
            i, atom = item
            positions = _bound_positions(atom, known)
            relation = relations.get(atom.predicate)
            expected = 0.0 if relation is None else relation.fanout(positions)
            return (expected, len(atom.args) - len(positions), i)

        best = min(remaining, key=cost)
        remaining.remove(best)
        take(best[1], False)
    plan.extend((f, False) for f in filters)  # unreachable for checked programs: every filter is safe
    return tuple(plan)
