"""A bottom-up engine in pure Python: stratified, semi-naive evaluation with hash indexes.

It computes every derived relation to a fixpoint, one stratum (strongly connected
component of the dependency graph) at a time, so negation only ever reads finished
relations. Firing relations are not materialised: a query on one evaluates that rule's
body, with the query's constants bound, against the finished relations. That makes
provenance for helper rules cost nothing until a proof asks for it.

Bodies are joined in an order chosen from the relations' own statistics (plan.py), and run
as compiled steps over a register list (join.py) rather than dictionaries of bindings.

Work is bounded by the analysis's Budget (budget.py): every derived row counts where a compiled
body produces it, firing rows of proof queries too, and evaluation and queries run on its clock.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set as AbstractSet
from contextlib import AbstractContextManager

from ..._errors import SourceSpan
from ...memo import IdentityCache
from ..language.ast import Atom
from ..language.graph import dependency_components
from ..program.compile import Clause, CompiledProgram
from ..program.facts import FactBase
from .base import Backend, Pattern, Row, Session, sort_rows
from .budget import Budget, OverBudget
from .join import CompiledBody, compile_body
from .plan import Plan, plan_body
from .relation import Relation

__all__ = ["NativeBackend", "NativeSession"]


def _strata(clauses: list[Clause]) -> list[list[Clause]]:
    """Clauses grouped by the strongly connected components of their heads, dependencies first."""
    by_head: dict[str, list[Clause]] = defaultdict(list)
    for c in clauses:
        by_head[c.head.predicate].append(c)
    return [[c for p in comp for c in by_head.get(p, [])] for comp in dependency_components(clauses)
            if any(p in by_head for p in comp)]


class _Bodies(threading.local):
    """Compiled bodies by clause and plan, reused by later sessions on this thread. A plan is
    chosen per session from the relations' statistics, but one model's edits rarely change it,
    and compiling (join.py) costs more than joining on small models: the live editor analyzes
    every keystroke with the same program. Per thread, since a body's run state is its own."""

    def __init__(self) -> None:
        self.bodies: dict[tuple[int, tuple[tuple[int, bool], ...], frozenset[str], bool], tuple[Clause, CompiledBody]] = {}

    def get(self, clause: Clause, plan: Plan, bound: frozenset[str] = frozenset(), existence: bool = True) -> CompiledBody:
        # Literals by identity: the plan orders the clause's own literals, which the clause keeps alive.
        key = (id(clause), tuple((id(lit), delta) for lit, delta in plan), bound, existence)
        hit = self.bodies.get(key)
        if hit is not None and hit[0] is clause:
            return hit[1]
        if len(self.bodies) >= 16384:  # plans that drifted with the model: start over
            self.bodies.clear()
        body = compile_body(plan, clause.head, bound, existence)
        self.bodies[key] = (clause, body)
        return body


_BODIES = _Bodies()
# The strata of a program's clauses, per program (as _Bodies, for the live editor's sessions).
_STRATA: IdentityCache[CompiledProgram, list[list[Clause]]] = IdentityCache(4)


class _Store:
    """The relations of one session; `derive` is the one place derived rows are added."""

    def __init__(self, budget: Budget) -> None:
        self.relations: dict[str, Relation] = defaultdict(Relation)
        self.budget = budget
        self.span = SourceSpan("<facts>", 1)  # the rule being evaluated, for the budget's errors

    def derive(self, clause: Clause, body: CompiledBody, delta: Relation | None, out: Relation) -> None:
        target = self.relations[clause.head.predicate]
        self.span = clause.head.span
        self.budget.check_clock(clause.head.span)  # the clock where no timer runs (budget.py)
        try:
            rows = body.heads(self.relations, delta, target.rows, self.budget.room())
        except OverBudget:
            raise self.budget.over_tuples(clause.head.span) from None
        self.budget.grew(len(rows), clause.head.span)
        # New rows only: `heads` leaves out the target's rows, and `out` (this round's delta of
        # the same relation) holds rows of the target.
        target.add_new(rows)
        out.add_new(rows)


def _reads_nothing(clause: Clause, relations: Mapping[str, Relation], growing: AbstractSet[str] = frozenset()) -> bool:
    """Whether a positive atom of the body reads a relation that is empty and stays so (not among
    `growing`): the body derives nothing, so it need not be planned and compiled. On a given model
    most rules test for something it does not have (a quarter of the DMZ model's bodies)."""
    for literal in clause.body:
        if type(literal) is Atom and literal.predicate not in growing:
            relation = relations.get(literal.predicate)
            if relation is None or not relation.rows:
                return True
    return False


def _fixpoint(store: _Store, stratum: list[Clause]) -> None:
    heads = {c.head.predicate for c in stratum}
    relations = store.relations
    # First round: every clause against the full relations (lower strata are finished, so
    # their statistics are final when the bodies are planned). A clause that reads an empty
    # relation derives nothing in this round, whichever stratum the relation is in.
    delta: dict[str, Relation] = defaultdict(Relation)
    for clause in stratum:
        if _reads_nothing(clause, relations):
            continue
        body = _BODIES.get(clause, plan_body(clause.body, frozenset(), relations))
        store.derive(clause, body, None, delta[clause.head.predicate])
    recursive: list[tuple[Clause, int, str]] = []
    for clause in stratum:
        positives = [lit for lit in clause.body if isinstance(lit, Atom)]
        if not _reads_nothing(clause, relations, heads):  # an empty lower-stratum relation stays empty
            recursive += [(clause, i, a.predicate) for i, a in enumerate(positives) if a.predicate in heads]
    if not recursive:
        return
    # Semi-naive rounds: each recursive clause once per recursive atom, that atom reading only
    # the rows that are new since the last round. Plans are made once, after the first round.
    bodies = [_BODIES.get(c, plan_body(c.body, frozenset(), relations, i, delta[p])) for c, i, p in recursive]
    while any(d.rows for d in delta.values()):
        new_delta: dict[str, Relation] = defaultdict(Relation)
        for (clause, _, predicate), body in zip(recursive, bodies):
            d = delta.get(predicate)
            if d is not None and d.rows:
                store.derive(clause, body, d, new_delta[clause.head.predicate])
        delta = new_delta


class NativeSession(Session):
    """Queries on finished relations; firing relations in `firings` are solved on demand."""

    def __init__(self, relations: dict[str, Relation], firings: dict[str, Clause], budget: Budget) -> None:
        self._relations = relations
        self._firings = firings
        self._budget = budget
        self._plans: dict[tuple[str, tuple[int, ...]], CompiledBody] = {}
        self._span = SourceSpan("<query>", 1)  # the rule of the latest query, for the budget's errors

    def batch(self) -> AbstractContextManager[None]:
        # Arming the interval timer costs two signal() and two setitimer() calls: a proof search
        # makes tens of thousands of queries, so one timer covers all of them.
        return self._budget.clock(lambda: self._span)

    def _planned(self, predicate: str, clause: Clause, bound: tuple[int, ...]) -> tuple[CompiledBody, list[str]]:
        """The body of firing relation `predicate` planned with its head positions `bound` given,
        and the names of those variables in position order. The proof builder asks the same
        shape (rule, bound positions) many times: planned once."""
        names = [clause.head.args[i].name for i in bound]  # type: ignore[union-attr]
        body = self._plans.get((predicate, bound))
        if body is None:
            given = frozenset(names)
            body = _BODIES.get(clause, plan_body(clause.body, given, self._relations), given, existence=False)
            self._plans[(predicate, bound)] = body
        return body, names

    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        bound = tuple(i for i, v in enumerate(pattern) if v is not None)
        return self.query_many(predicate, len(pattern), bound, [tuple(pattern[i] for i in bound)])[0]  # type: ignore[misc]

    def query_many(self, predicate: str, arity: int, positions: tuple[int, ...], keys: Sequence[Row]) -> list[list[Row]]:
        clause = self._firings.get(predicate)
        if clause is None:
            relation = self._relations.get(predicate)
            if relation is None:
                return [[] for _ in keys]
            return [sort_rows(list(relation.lookup(positions, key))) for key in keys]
        # A firing relation: solve the rule body once per key, the key's constants bound.
        if _reads_nothing(clause, self._relations):  # every relation is finished
            return [[] for _ in keys]
        body, names = self._planned(predicate, clause, positions)
        budget = self._budget
        span = self._span = clause.head.span
        try:
            if budget.armed:  # inside batch(): the block's timer is running
                budget.check_clock(span)
                answers = body.each_heads(self._relations, names, keys, budget.room())
            else:
                with budget.clock(lambda: span):
                    answers = body.each_heads(self._relations, names, keys, budget.room())
        except OverBudget:
            raise budget.over_tuples(span) from None
        budget.grew(sum(map(len, answers)), span)  # firing tuples count as derived ones
        # Each answer is a fresh list; most hold one row or none and need no sorting.
        return [rows if len(rows) < 2 else sort_rows(rows) for rows in answers]


class NativeBackend(Backend):
    name = "native"

    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        store = _Store(Budget())
        for fact in program.facts:
            store.relations[fact.predicate].add(fact.args)
        for fact in facts:
            store.relations[fact.predicate].add(fact.args)
        firings = {c.head.predicate: c for c in program.clauses if c.head.predicate.startswith("#")}
        strata = _STRATA.get(program, lambda p: _strata([c for c in p.clauses if not c.head.predicate.startswith("#")]))
        with store.budget.clock(lambda: store.span):
            for stratum in strata:
                _fixpoint(store, stratum)
        return NativeSession(store.relations, firings, store.budget)
