"""A bottom-up engine in pure Python: stratified, semi-naive evaluation with hash indexes.

It computes every derived relation to a fixpoint, one stratum (strongly connected
component of the dependency graph) at a time, so negation only ever reads finished
relations. Firing relations are not materialised: a query on one evaluates that rule's
body, with the query's constants bound, against the finished relations. That makes
provenance for helper rules cost nothing until a proof asks for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..language.ast import Atom, Comparison, Const, Literal, Negation, Var
from ..language.graph import dependency_components
from ..program.compile import Clause, CompiledProgram
from ..program.facts import FactBase
from .base import Backend, Pattern, Row, Session, sort_rows

__all__ = ["NativeBackend"]

Bindings = dict[str, str | int]


class _Relation:
    """A set of tuples with hash indexes on the bound positions that queries use."""

    __slots__ = ("rows", "_indexes")

    def __init__(self) -> None:
        self.rows: set[Row] = set()
        self._indexes: dict[tuple[int, ...], dict[Row, list[Row]]] = {}

    def add(self, row: Row) -> bool:
        if row in self.rows:
            return False
        self.rows.add(row)
        for positions, index in self._indexes.items():
            index[tuple(row[i] for i in positions)].append(row)
        return True

    def lookup(self, positions: tuple[int, ...], key: Row) -> list[Row] | set[Row]:
        if not positions:
            return self.rows
        index = self._indexes.get(positions)
        if index is None:
            index = defaultdict(list)
            for row in self.rows:
                index[tuple(row[i] for i in positions)].append(row)
            self._indexes[positions] = index
        return index.get(key, [])


def _compare(op: str, left: str | int, right: str | int) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if type(left) is not type(right):
        # Mixed symbol/number order: numbers first, as in Soufflé's total order of values.
        left_key: tuple[int, str | int] = (0 if isinstance(left, int) else 1, left)
        right_key: tuple[int, str | int] = (0 if isinstance(right, int) else 1, right)
        return {"<": left_key < right_key, "<=": left_key <= right_key,
                ">": left_key > right_key, ">=": left_key >= right_key}[op]
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]  # type: ignore[operator]


def _value(term: Var | Const, bindings: Bindings) -> str | int | None:
    return term.value if isinstance(term, Const) else bindings.get(term.name)


class _Evaluator:
    def __init__(self) -> None:
        self.relations: dict[str, _Relation] = defaultdict(_Relation)

    def matches(self, atom: Atom, bindings: Bindings, source: _Relation | None = None) -> Iterator[Bindings]:
        """Extend `bindings` with every row of the atom's relation that agrees with them."""
        relation = source if source is not None else self.relations[atom.predicate]
        positions: list[int] = []
        key: list[str | int] = []
        free: list[tuple[int, str]] = []
        for i, term in enumerate(atom.args):
            value = _value(term, bindings)
            if value is not None:
                positions.append(i)
                key.append(value)
            else:
                free.append((i, term.name))  # type: ignore[union-attr]
        for row in relation.lookup(tuple(positions), tuple(key)):
            if not free:
                yield bindings
                continue
            extended = dict(bindings)
            ok = True
            for i, name in free:
                bound = extended.get(name)
                if bound is None:
                    extended[name] = row[i]
                elif bound != row[i]:  # the same variable twice in one atom
                    ok = False
                    break
            if ok:
                yield extended

    def solve(self, plan: Plan, bindings: Bindings, delta: _Relation | None = None, step: int = 0) -> Iterator[Bindings]:
        """All bindings that satisfy a planned body; the step marked as delta reads `delta`."""
        if step == len(plan):
            yield bindings
            return
        literal, reads_delta = plan[step]
        if isinstance(literal, Atom):
            for b in self.matches(literal, bindings, delta if reads_delta else None):
                yield from self.solve(plan, b, delta, step + 1)
        elif isinstance(literal, Comparison):
            left, right = _value(literal.left, bindings), _value(literal.right, bindings)
            if left is not None and right is not None and _compare(literal.op, left, right):
                yield from self.solve(plan, bindings, delta, step + 1)
        elif next(self.matches(literal.atom, bindings), None) is None:
            yield from self.solve(plan, bindings, delta, step + 1)

    def head_row(self, head: Atom, bindings: Bindings) -> Row:
        return tuple(_value(t, bindings) for t in head.args)  # type: ignore[misc]


Plan = tuple[tuple[Literal, bool], ...]  # body literals in evaluation order; True: reads the delta


def _needs(literal: Literal) -> set[str]:
    """Variables that must be bound before a filter can be checked (`_` in a negation means "any")."""
    if isinstance(literal, Comparison):
        return {t.name for t in (literal.left, literal.right) if isinstance(t, Var)}
    assert isinstance(literal, Negation)
    return {t.name for t in literal.atom.args if isinstance(t, Var) and not t.anonymous}


def plan_body(body: tuple[Literal, ...], bound: frozenset[str], delta_atom: int | None = None) -> Plan:
    """A join order: the delta atom first, then greedily the atom with the most bound arguments,
    each filter (comparison, negation) as soon as its variables are bound. Rule authors then need
    not order bodies for speed; the result is the same in any order."""
    atoms = [lit for lit in body if isinstance(lit, Atom)]
    filters = [lit for lit in body if not isinstance(lit, Atom)]
    known = set(bound)
    plan: list[tuple[Literal, bool]] = []

    def take(atom: Atom, reads_delta: bool) -> None:
        plan.append((atom, reads_delta))
        known.update(t.name for t in atom.args if isinstance(t, Var))
        for f in [f for f in filters if _needs(f) <= known]:
            plan.append((f, False))
            filters.remove(f)

    for f in [f for f in filters if _needs(f) <= known]:
        plan.append((f, False))
        filters.remove(f)
    remaining = list(enumerate(atoms))
    if delta_atom is not None:
        take(atoms[delta_atom], True)
        remaining = [(i, a) for i, a in remaining if i != delta_atom]
    while remaining:
        def score(item: tuple[int, Atom]) -> tuple[int, int, int]:
            i, atom = item
            bound_args = sum(1 for t in atom.args if isinstance(t, Const) or t.name in known)
            return (-bound_args, len(atom.args) - bound_args, i)

        best = min(remaining, key=score)
        remaining.remove(best)
        take(best[1], False)
    plan.extend((f, False) for f in filters)  # unreachable for checked programs: every filter is safe
    return tuple(plan)


def _strata(clauses: list[Clause]) -> list[list[Clause]]:
    """Clauses grouped by the strongly connected components of their heads, dependencies first."""
    by_head: dict[str, list[Clause]] = defaultdict(list)
    for c in clauses:
        by_head[c.head.predicate].append(c)
    return [[c for p in comp for c in by_head.get(p, [])] for comp in dependency_components(clauses)
            if any(p in by_head for p in comp)]


def _fixpoint(ev: _Evaluator, stratum: list[Clause]) -> None:
    heads = {c.head.predicate for c in stratum}
    # First round: every clause against the full relations.
    delta: dict[str, _Relation] = defaultdict(_Relation)
    for clause in stratum:
        target = ev.relations[clause.head.predicate]
        for b in list(ev.solve(plan_body(clause.body, frozenset()), {})):
            row = ev.head_row(clause.head, b)
            if target.add(row):
                delta[clause.head.predicate].add(row)
    recursive = [(c, [i for i, a in enumerate(l for l in c.body if isinstance(l, Atom)) if a.predicate in heads])
                 for c in stratum]
    recursive = [(c, positions) for c, positions in recursive if positions]
    plans = {(id(c), i): plan_body(c.body, frozenset(), i) for c, positions in recursive for i in positions}
    # Semi-naive rounds: each recursive clause once per recursive atom, that atom reading
    # only the rows that are new since the last round.
    while recursive and any(d.rows for d in delta.values()):
        new_delta: dict[str, _Relation] = defaultdict(_Relation)
        for clause, positions in recursive:
            target = ev.relations[clause.head.predicate]
            positives = [lit for lit in clause.body if isinstance(lit, Atom)]
            for i in positions:
                d = delta.get(positives[i].predicate)
                if d is None or not d.rows:
                    continue
                for b in list(ev.solve(plans[(id(clause), i)], {}, d)):
                    row = ev.head_row(clause.head, b)
                    if target.add(row):
                        new_delta[clause.head.predicate].add(row)
        delta = new_delta


class NativeSession(Session):
    def __init__(self, evaluator: _Evaluator, firings: dict[str, Clause]) -> None:
        self._ev = evaluator
        self._firings = firings

    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        clause = self._firings.get(predicate)
        if clause is None:
            atom_rows = self._ev.relations[predicate].lookup(
                tuple(i for i, v in enumerate(pattern) if v is not None),
                tuple(v for v in pattern if v is not None),
            )
            return sort_rows(list(atom_rows))
        # A firing relation: solve the rule body with the pattern's constants bound.
        bindings: Bindings = {}
        for term, value in zip(clause.head.args, pattern):
            if value is not None and isinstance(term, Var):
                bindings[term.name] = value
        plan = plan_body(clause.body, frozenset(bindings))
        return sort_rows([self._ev.head_row(clause.head, b) for b in self._ev.solve(plan, bindings)])


class NativeBackend(Backend):
    name = "native"

    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        ev = _Evaluator()
        for fact in program.facts:
            ev.relations[fact.predicate].add(fact.args)
        for fact in facts:
            ev.relations[fact.predicate].add(fact.args)
        derived = [c for c in program.clauses if not c.head.predicate.startswith("#")]
        firings = {c.head.predicate: c for c in program.clauses if c.head.predicate.startswith("#")}
        for stratum in _strata(derived):
            _fixpoint(ev, stratum)
        return NativeSession(ev, firings)
