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

import _thread
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence, Set as AbstractSet
from contextlib import AbstractContextManager
from functools import cached_property

from ..._errors import SourceSpan
from ...memo import IdentityCache
from ...typing_runtime import Any
from ..language.ast import Atom, Const, Literal, Negation, Rule, Var
from ..language.graph import dependency_components
from ..program.cache import SectionError, derived
from ..program.compile import Clause, CompiledProgram, row_terms
from ..program.facts import FactBase
from .base import Backend, Pattern, Row, Session, sort_rows
from .budget import Budget, OverBudget
from .join import CompiledBody, compare, compile_body
from .plan import Plan, Planner
from .relation import Relation

__all__ = ["NativeBackend", "NativeSession"]


def _strata(clauses: list[Clause]) -> list[list[Clause]]:
    """Clauses grouped by the strongly connected components of their heads, dependencies first."""
    by_head: dict[str, list[Clause]] = defaultdict(list)
    for c in clauses:
        by_head[c.head.predicate].append(c)
    return [[c for p in comp for c in by_head.get(p, [])] for comp in dependency_components(clauses)
            if any(p in by_head for p in comp)]


class _Bodies(_thread._local):  # threading.local, without importing threading
    """Compiled bodies by clause and plan, reused by later sessions on this thread. A plan is
    chosen per session from the relations' statistics, but one model's edits rarely change it,
    and compiling (join.py) costs more than joining on small models: the live editor analyzes
    every keystroke with the same program. Per thread, since a body's run state is its own."""

    def __init__(self) -> None:
        self.bodies: dict[tuple[int, tuple[tuple[int, bool], ...], frozenset[str], bool], tuple[Clause, CompiledBody]] = {}

    def get(self, clause: Clause, plan: Plan, bound: frozenset[str] = frozenset(), existence: bool = True) -> CompiledBody:
        # Literals by identity: the plan orders the clause's own literals, which the clause keeps alive.
        key = (id(clause), tuple([(id(lit), delta) for lit, delta in plan]), bound, existence)
        hit = self.bodies.get(key)
        if hit is not None and hit[0] is clause:
            return hit[1]
        if len(self.bodies) >= 16384:  # plans that drifted with the model: start over
            self.bodies.clear()
        body = compile_body(plan, clause.head, bound, existence)
        self.bodies[key] = (clause, body)
        return body


_BODIES = _Bodies()


class _Rule:
    """A clause and its planner, made when first needed (a run skips most clauses, see
    `_derives_nothing`) and kept with the program. The clause itself is made when first read:
    what `need` reads is in the rule's own body (the same literals, positive atoms in the same
    order), and most clauses are ruled out by that alone."""

    __slots__ = ("_clause", "_make", "body", "recursive", "_planner", "_reads")

    def __init__(self, clause: Clause | None, recursive: tuple[tuple[int, str], ...] = (),
                 made: tuple[Callable[[int], Clause], int, tuple[Literal, ...]] | None = None) -> None:
        """`clause`, or None and `made`: the function that makes it, its argument, and the body
        of the rule it is made of."""
        self._clause = clause
        self._make = made
        self.body = clause.body if clause is not None else made[2]  # type: ignore[index]
        self.recursive = recursive  # positive atoms (by index among them) that read the clause's own stratum
        self._planner: Planner | None = None
        self._reads: _Reads | None = None

    @property
    def clause(self) -> Clause:
        clause = self._clause
        if clause is None:
            make, n, _ = self._make  # type: ignore[misc]
            clause = self._clause = make(n)
        return clause

    def reads(self) -> _Reads:
        """What `_Evaluation.need` reads of the body: each positive atom's relation with the positions
        and values of its constants, then the relations of the negated atoms. Worked out on first use:
        a clause's stratum is often checked more than once while the strata it reads are evaluated."""
        reads = self._reads
        if reads is None:
            positives: list[tuple[str, tuple[int, ...], Row]] = []
            negated: list[str] = []
            for literal in self.body:
                if type(literal) is Atom:
                    args = literal.args
                    if Const in map(type, args):  # most atoms have no constant: looked for in C
                        positions = tuple([i for i, t in enumerate(args) if type(t) is Const])
                        positives.append((literal.predicate, positions,
                                          tuple([args[i].value for i in positions])))  # type: ignore[union-attr]
                    else:
                        positives.append((literal.predicate, (), ()))
                elif type(literal) is Negation:
                    negated.append(literal.atom.predicate)
            reads = self._reads = (tuple(positives), tuple(negated))
        return reads

    def plan(self, relations: Mapping[str, Relation], delta_atom: int | None = None) -> Plan:
        if self._planner is None:
            self._planner = Planner(self.clause.body)
        return self._planner.plan(relations, delta_atom)


def _derives_nothing(rule: _Rule, relations: Mapping[str, Relation], growing: AbstractSet[str] = frozenset()) -> bool:
    """Whether a positive atom of the body reads a relation, not among `growing`, that is empty or
    has no row with the atom's constants: the body derives nothing, so it need not be planned and
    compiled. On a given model most rules test for something it does not have: 354 of the DMZ
    model's 581 bodies (an empty relation for 192 of them, a missing constant for 162). Worked out
    from the body each time: a run checks most clauses once, and keeping what the check reads
    costs more than reading it again."""
    read: list[tuple[Atom, Relation]] = []
    for literal in rule.body:
        if type(literal) is Atom and literal.predicate not in growing:
            relation = relations.get(literal.predicate)
            if relation is None or not relation.rows:
                return True
            read.append((literal, relation))
    for atom, relation in read:
        positions: list[int] = []
        for i, t in enumerate(atom.args):
            if type(t) is Const:
                positions.append(i)
        if positions:
            key = tuple([atom.args[i].value for i in positions])  # type: ignore[union-attr]
            if key not in (relation.rows if len(positions) == relation.arity else relation.index(tuple(positions))):
                return True
    return False


class _Stratum:
    __slots__ = ("rules", "heads", "recursive")

    def __init__(self, members: list[tuple[Callable[[int], Clause], int, Rule, tuple[int, ...]]]) -> None:
        """`members`: for each clause, the function that makes it and its argument, the rule it is
        made of, and the positions, among its positive atoms, of the atoms that read this stratum
        (_recursive)."""
        self.heads = frozenset([rule.head.predicate for _, _, rule, _ in members])
        rules = []
        for make, n, rule, atoms in members:
            if atoms:
                positives = [lit for lit in rule.body if type(lit) is Atom]
                rules.append(_Rule(None, tuple((i, positives[i].predicate) for i in atoms), (make, n, rule.body)))
            else:
                rules.append(_Rule(None, (), (make, n, rule.body)))
        self.rules = tuple(rules)
        # Whether a clause reads a relation of its own stratum: if none does, one round is the fixpoint.
        self.recursive = any(r.recursive for r in self.rules)


class _Check:
    """Whether the body of a firing relation holds for a firing row, every variable given: what
    a proof asks of a rule whose head holds every variable of its body (zone(E, Z) :- in_boundary(E, Z),
    and most helper rules). Each atom, instantiated, is a lookup, so the body is neither planned
    nor compiled (join.py) for it."""

    __slots__ = ("_positives", "_negations", "_comparisons")

    def __init__(self, clause: Clause) -> None:
        variables = [t.name for t in clause.head.args]  # type: ignore[union-attr]
        positives: list[tuple[str, Callable[[Row], Row]]] = []
        negations: list[tuple[str, tuple[int, ...], Callable[[Row], Row]]] = []
        comparisons: list[tuple[str, Callable[[Row], Row]]] = []
        for literal in clause.body:
            if type(literal) is Atom:
                positives.append((literal.predicate, row_terms(literal.args, variables)))
            elif type(literal) is Negation:
                args = literal.atom.args
                named = tuple([i for i, t in enumerate(args) if not (type(t) is Var and t.anonymous)])
                negations.append((literal.atom.predicate, named, row_terms([args[i] for i in named], variables)))
            else:
                comparisons.append((literal.op, row_terms((literal.left, literal.right), variables)))  # type: ignore[union-attr]
        self._positives = tuple(positives)
        self._negations = tuple(negations)
        self._comparisons = tuple(comparisons)

    def holds(self, relations: Mapping[str, Relation], row: Row) -> bool:
        """On finished relations: every positive atom has its row, no negated one matches, every
        comparison is true."""
        for predicate, make in self._positives:
            relation = relations.get(predicate)
            if relation is None or make(row) not in relation.rows:
                return False
        for predicate, named, make in self._negations:
            relation = relations.get(predicate)
            if relation is None or not relation.rows:
                continue
            if not named or (make(row) in (relation.rows if len(named) == relation.arity else relation.index(named))):
                return False
        for op, make in self._comparisons:
            left, right = make(row)
            if not compare(op, left, right):
                return False
        return True


class _Queries:
    """The firing relations a session solves on demand, and their planners by bound head
    positions, kept per program with `_Prepared`. Each is made when first queried: a run asks
    about fewer than a third of them."""

    def __init__(self, firings: Mapping[str, Clause] | CompiledProgram) -> None:
        self._source = firings
        self.firings: dict[str, _Rule] = {}
        # (firing relation, bound head positions) -> planner and the bound variables' names in position order
        self._planners: dict[tuple[str, tuple[int, ...]], tuple[Planner, list[str]]] = {}
        self._checks: dict[str, _Check] = {}

    def rule(self, predicate: str) -> _Rule | None:
        """The firing relation `predicate`, or None if it is not one."""
        rule = self.firings.get(predicate)
        if rule is None:
            source = self._source
            if isinstance(source, CompiledProgram):
                n = source.firing_number(predicate)
                if n is None:
                    return None
                made = _Rule(None, (), (source.firing_clause, n, source.rules[n].body))
            else:
                found = source.get(predicate)
                if found is None:
                    return None
                made = _Rule(found)
            rule = self.firings.setdefault(predicate, made)
        return rule

    def check(self, predicate: str) -> _Check:
        """The membership check of firing relation `predicate` (queried before: rule())."""
        check = self._checks.get(predicate)
        if check is None:
            check = self._checks.setdefault(predicate, _Check(self.firings[predicate].clause))
        return check

    def planner(self, predicate: str, bound: tuple[int, ...]) -> tuple[Planner, list[str]]:
        hit = self._planners.get((predicate, bound))
        if hit is None:
            clause = self.firings[predicate].clause
            names = [clause.head.args[i].name for i in bound]  # type: ignore[union-attr]
            hit = self._planners[(predicate, bound)] = (Planner(clause.body, frozenset(names)), names)
        return hit


class _Prepared:
    """The data-independent part of evaluating one program, kept per program (as _Bodies, for the
    live editor's sessions and repeated analyses with one program)."""

    def __init__(self, program: CompiledProgram) -> None:
        self._program = program
        self.queries = _Queries(program)
        self._strata: list[_Stratum | None] = []

    def stratum(self, n: int) -> _Stratum:
        """Stratum `n`, made when a session first evaluates it: a run evaluates the strata its
        queries read, on the DMZ model fewer than half of them (_Evaluation)."""
        strata = self._strata
        if not strata:
            strata += [None] * len(self.layout[1])
        stratum = strata[n]
        if stratum is None:
            order, recursive = self.layout[1][n]
            program = self._program
            clause, derived, rules = program.clause, program.derived, program.rules
            stratum = strata[n] = _Stratum([(clause, derived[i], rules[derived[i]], recursive.get(i, ()))
                                            for i in order])
        return stratum

    @cached_property
    def fact_rows(self) -> dict[str, frozenset[Row]]:
        """The rows of the program's own facts (.dl files), by relation."""
        rows: dict[str, set[Row]] = {}
        for predicate, args in self._program.fact_spans:
            found = rows.get(predicate)
            if found is None:
                rows[predicate] = {args}
            else:
                found.add(args)
        return {predicate: frozenset(found) for predicate, found in rows.items()}

    @cached_property
    def strata(self) -> list[_Stratum]:
        return [self.stratum(n) for n in range(len(self.layout[1]))]

    @cached_property
    def stratum_of(self) -> dict[str, int]:
        """The stratum of each derived relation, by the relation's name."""
        heads, layout = self.layout
        return {heads[i]: n for n, (order, _) in enumerate(layout) for i in order}

    @cached_property
    def layout(self) -> tuple[list[str], _Layout]:
        """The strata, numbering the derived clauses in program order (CompiledProgram.derived).
        A stored layout is checked against the rules: a derived clause has its rule's head and
        the same positive atoms, so the clauses are made only for the strata evaluated."""
        program = self._program
        numbers = program.derived
        return derived(program.program, _STRATA_SECTION, lambda: _layout([program.clause(n) for n in numbers]),
                       _encoded, lambda data: _decoded(data, [program.rules[n] for n in numbers]))


# The strata as plain data, kept with the program in its cache file (cache.derived): computing the
# strongly connected components of ~450 clauses, and which atoms of each read their own stratum,
# was about 25 M instructions a run. Stored: the derived clauses' head predicates (which must be
# those of the clauses at hand: the section belongs to the program, this checks it describes these
# clauses), each stratum's clause numbers, and each recursive clause's number with the positions
# (among its positive atoms) of the atoms that read its stratum. The name changes with the code
# that computes it (_strata, _recursive, graph.dependency_components).
_STRATA_SECTION = "native strata 1"
_Layout = list[tuple[list[int], dict[int, tuple[int, ...]]]]


def _layout(clauses: list[Clause]) -> tuple[list[str], _Layout]:
    number = {id(c): n for n, c in enumerate(clauses)}
    out: _Layout = []
    for stratum in _strata(clauses):
        heads = frozenset([c.head.predicate for c in stratum])
        out.append(([number[id(c)] for c in stratum],
                    {number[id(c)]: r for c in stratum if (r := _recursive(c, heads))}))
    return [c.head.predicate for c in clauses], out


def _encoded(value: tuple[list[str], _Layout]) -> dict[str, Any]:
    heads, layout = value
    return {"heads": heads, "strata": [order for order, _ in layout],
            "recursive": [[n, *atoms] for _, recursive in layout for n, atoms in recursive.items()]}


def _decoded(data: Any, clauses: Sequence[Clause | Rule]) -> tuple[list[str], _Layout]:
    """The stored layout, checked: the same clauses (or the rules they are made of), each in
    exactly one stratum, each recursive atom a positive atom of its clause; a stored layout of
    another shape raises SectionError."""
    if type(data) is not dict or data.get("heads") != [c.head.predicate for c in clauses]:
        raise SectionError("strata of other clauses")
    strata, recursive = data["strata"], data["recursive"]
    if type(strata) is not list or type(recursive) is not list or set(map(type, strata)) - {list}:
        raise SectionError("strata of an unexpected shape")
    flat = [i for order in strata for i in order]
    if set(map(type, flat)) - {int} or sorted(flat) != list(range(len(clauses))) or not all(strata):
        raise SectionError("strata that do not hold every clause once")
    where = {i: n for n, order in enumerate(strata) for i in order}
    out: _Layout = [(order, {}) for order in strata]
    for entry in recursive:
        n, *atoms = entry
        arity = sum(1 for lit in clauses[n].body if type(lit) is Atom)
        if not atoms or set(map(type, atoms)) - {int} or min(atoms) < 0 or max(atoms) >= arity:
            raise SectionError("a recursive atom that is not one")
        out[where[n]][1][n] = tuple(atoms)
    return data["heads"], out


def _recursive(clause: Clause, heads: frozenset[str]) -> tuple[int, ...]:
    """The positive atoms (by position among them) of `clause` that read a relation of `heads`."""
    if not any(type(lit) is Atom and lit.predicate in heads for lit in clause.body):
        return ()
    positives = [lit for lit in clause.body if type(lit) is Atom]
    return tuple(i for i, a in enumerate(positives) if a.predicate in heads)


_PREPARED: IdentityCache[CompiledProgram, _Prepared] = IdentityCache(4)


class _Store:
    """The relations of one session; `derive` is the one place derived rows are added."""

    def __init__(self, budget: Budget, relations: dict[str, Relation] | None = None) -> None:
        self.relations: dict[str, Relation] = defaultdict(Relation) if relations is None else relations
        self.budget = budget
        # The rule being evaluated or queried, for the budget's errors.
        self.span = SourceSpan("<facts>", 1)

    def derive(self, clause: Clause, body: CompiledBody, delta: Relation | None, out: Relation | None) -> None:
        """Add the rows `body` derives to the clause's relation and to `out` (the round's delta of
        that relation, None where no later round reads it)."""
        span = self.span = clause.head.span
        budget = self.budget
        target = self.relations[clause.head.predicate]
        if not budget.armed:  # the clock where no timer runs (budget.py); a timer stops the run itself
            budget.check_clock(span)
        try:
            rows = body.heads(self.relations, delta, target.rows, budget.room())
        except OverBudget:
            raise budget.over_tuples(span) from None
        if not rows:
            return
        budget.grew(len(rows), span)
        # New rows only: `heads` leaves out the target's rows, and `out` holds rows of the target.
        target.add_new(rows)
        if out is not None:
            out.add_new(rows)


def _fixpoint(store: _Store, stratum: _Stratum, runnable: list[_Rule]) -> None:
    """Evaluate `stratum`, whose clauses other than `runnable` derive nothing (_Evaluation.need)."""
    relations = store.relations
    if not stratum.recursive:
        # One round: no clause reads what the stratum derives, so no delta is kept.
        for rule in runnable:
            store.derive(rule.clause, _BODIES.get(rule.clause, rule.plan(relations)), None, None)
        return
    # First round: every clause against the full relations (lower strata are finished, so
    # their statistics are final when the bodies are planned). A clause that reads an empty
    # relation derives nothing in this round, whichever stratum the relation is in.
    delta: dict[str, Relation] = defaultdict(Relation)
    for rule in runnable:
        if not _derives_nothing(rule, relations):
            store.derive(rule.clause, _BODIES.get(rule.clause, rule.plan(relations)), None,
                         delta[rule.clause.head.predicate])
    # What a lower stratum's relation lacks, it lacks for good: only runnable clauses recur.
    recursive = [(rule, i, p) for rule in runnable for i, p in rule.recursive]
    if not recursive:
        return
    # Semi-naive rounds: each recursive clause once per recursive atom, that atom reading only
    # the rows that are new since the last round. Plans are made once, after the first round.
    bodies = [_BODIES.get(r.clause, r.plan(relations, i)) for r, i, _ in recursive]
    while any(d.rows for d in delta.values()):
        new_delta: dict[str, Relation] = defaultdict(Relation)
        for (rule, _, predicate), body in zip(recursive, bodies):
            d = delta.get(predicate)
            if d is not None and d.rows:
                store.derive(rule.clause, body, d, new_delta[rule.clause.head.predicate])
        delta = new_delta


_DEAD = "!"  # what `_Evaluation.need` says of a clause that derives nothing: no relation's name
# A clause's positive atoms (relation, positions of its constants, their values) and negated relations.
_Reads = tuple[tuple[tuple[str, tuple[int, ...], Row], ...], tuple[str, ...]]


class _Evaluation:
    """The strata of one session, each evaluated when something first reads one of its relations:
    a query, or a clause of a stratum being evaluated. Most of a rule pack tests for what a given
    model does not have, so most relations are read by no clause that can fire: on the DMZ model
    fewer than half of the strata are evaluated. A relation is finished when it is read, so every
    answer is the one a full evaluation gives."""

    __slots__ = ("store", "_prepared", "_stratum_of", "_done")

    def __init__(self, store: _Store, prepared: _Prepared) -> None:
        self.store = store
        self._prepared = prepared
        self._stratum_of = prepared.stratum_of
        self._done = [False] * len(prepared.layout[1])

    def finished(self, predicate: str) -> bool:
        n = self._stratum_of.get(predicate)
        return n is None or self._done[n]

    def need(self, rule: _Rule, heads: AbstractSet[str] = frozenset()) -> str | None:
        """For a clause of a stratum with relations `heads`: _DEAD if a finished relation it reads
        (as _derives_nothing) shows that it derives nothing; else the first relation it reads, outside
        `heads`, that is not finished (positive atoms first, in body order: one of them may still rule
        the clause out); else None, the clause can run."""
        relations, stratum_of, done = self.store.relations, self._stratum_of, self._done
        positives, negated = rule.reads()
        unfinished: str | None = None
        for predicate, positions, key in positives:
            if predicate in heads:
                continue
            n = stratum_of.get(predicate)
            if n is not None and not done[n]:
                if unfinished is None:
                    unfinished = predicate
                continue
            relation = relations.get(predicate)
            if relation is None or not relation.rows:
                return _DEAD
            if positions and key not in (relation.rows if len(positions) == relation.arity
                                         else relation.index(positions)):
                return _DEAD
        if unfinished is not None:
            return unfinished
        for predicate in negated:
            if predicate not in heads:  # (the checks reject negation within a stratum)
                n = stratum_of.get(predicate)
                if n is not None and not done[n]:
                    return predicate
        return None

    def live(self, rule: _Rule, need: str | None = None) -> bool:
        """Whether the body of `rule` (a firing relation's) may have solutions, with every relation
        it reads finished if so; `need`, if given, is what need(rule) has just answered. On the
        budget's clock."""
        if need is None:
            need = self.need(rule)
        while True:
            if need is None:
                return True
            if need == _DEAD:
                return False
            self.require(need)
            need = self.need(rule)

    def require(self, predicate: str) -> None:
        """Finish the relation `predicate`: evaluate its stratum after the strata that stratum
        reads (an explicit stack: a chain of strata can be longer than the call stack). On the
        budget's clock."""
        stratum_of, done, prepared = self._stratum_of, self._done, self._prepared
        first = stratum_of.get(predicate)
        if first is None or done[first]:
            return
        stack = [first]
        # Per stratum on the stack: its runnable clauses by number, and the clauses that wait for
        # another stratum. A clause's answer is final once the relations it read are finished, so
        # only the waiting ones are checked again when the stratum comes back to the top.
        waiting: dict[int, tuple[list[tuple[int, _Rule]], list[int]]] = {}
        while stack:
            n = stack[-1]
            if done[n]:
                stack.pop()
                continue
            stratum = prepared.stratum(n)
            heads, rules = stratum.heads, stratum.rules
            state = waiting.get(n)
            runnable, undecided = state if state is not None else ([], range(len(rules)))
            still: list[int] = []
            wanted: list[int] = []
            for i in undecided:
                rule = rules[i]
                need = self.need(rule, heads)
                if need is None:
                    runnable.append((i, rule))
                elif need != _DEAD:
                    still.append(i)
                    wanted.append(stratum_of[need])
            if wanted:
                waiting[n] = (runnable, still)
                stack += wanted
                continue
            runnable.sort(key=_first)
            _fixpoint(self.store, stratum, [rule for _, rule in runnable])
            done[n] = True
            stack.pop()


def _first(pair: tuple[int, _Rule]) -> int:
    return pair[0]


class NativeSession(Session):
    """Queries on the relations of `relations`; firing relations in `firings` are solved on
    demand, and so are the strata of `evaluation` (None: every relation is finished)."""

    def __init__(self, relations: dict[str, Relation], firings: Mapping[str, Clause] | _Queries, budget: Budget,
                 evaluation: _Evaluation | None = None) -> None:
        self._store = evaluation.store if evaluation is not None else _Store(budget, relations)
        self._relations = relations
        self._evaluation = evaluation
        self._queries = firings if isinstance(firings, _Queries) else _Queries(firings)
        self._budget = budget
        self._plans: dict[tuple[str, tuple[int, ...]], tuple[CompiledBody, list[str]]] = {}
        self._empty: dict[str, bool] = {}  # firing relations by whether they have no rows at all
        self._span = SourceSpan("<query>", 1)

    @property
    def _span(self) -> SourceSpan:
        """The rule of the latest query, or of the clause being evaluated for it, for the budget's errors."""
        return self._store.span

    @_span.setter
    def _span(self, span: SourceSpan) -> None:
        self._store.span = span

    def batch(self) -> AbstractContextManager[None]:
        # Arming the interval timer costs two signal() and two setitimer() calls: a proof search
        # makes tens of thousands of queries, so one timer covers all of them.
        return self._budget.clock(lambda: self._span)

    def _planned(self, predicate: str, rule: _Rule, bound: tuple[int, ...]) -> tuple[CompiledBody, list[str]]:
        """The body of firing relation `predicate` planned with its head positions `bound` given,
        and the names of those variables in position order. The proof builder asks the same
        shape (rule, bound positions) many times: planned once."""
        hit = self._plans.get((predicate, bound))
        if hit is None:
            planner, names = self._queries.planner(predicate, bound)
            given = frozenset(names)
            body = _BODIES.get(rule.clause, planner.plan(self._relations), given, existence=False)
            hit = self._plans[(predicate, bound)] = (body, names)
        return hit

    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        bound = tuple(i for i, v in enumerate(pattern) if v is not None)
        return self.query_many(predicate, len(pattern), bound, [tuple(pattern[i] for i in bound)])[0]  # type: ignore[misc]

    def query_many(self, predicate: str, arity: int, positions: tuple[int, ...], keys: Sequence[Row]) -> list[list[Row]]:
        rule = self._queries.rule(predicate)
        evaluation = self._evaluation
        if rule is None:
            if evaluation is not None and not evaluation.finished(predicate):
                if self._budget.armed:
                    evaluation.require(predicate)
                else:
                    with self._budget.clock(lambda: self._span):
                        evaluation.require(predicate)
            relation = self._relations.get(predicate)
            if relation is None:
                return [[] for _ in keys]
            return [sort_rows(list(relation.lookup(positions, key))) for key in keys]
        # A firing relation: solve the rule body once per key, the key's constants bound.
        empty = self._empty.get(predicate)
        need: str | None = None
        if empty is None:  # the answer holds for the session: what the body reads is finished
            if evaluation is None:
                empty = _derives_nothing(rule, self._relations)
            else:
                need = evaluation.need(rule)
                # else relations to evaluate first, on the clock of the query (_solve)
                empty = True if need == _DEAD else False if need is None else None
            if empty is not None:
                self._empty[predicate] = empty
        if empty:
            return [[] for _ in keys]
        if self._budget.armed:  # inside batch(): the block's timer is running
            return self._solve(predicate, rule, positions, keys, need)
        with self._budget.clock(lambda: self._span):
            return self._solve(predicate, rule, positions, keys, need)

    def _solve(self, predicate: str, rule: _Rule, positions: tuple[int, ...], keys: Sequence[Row],
               need: str | None = None) -> list[list[Row]]:
        """query_many of firing relation `predicate`, on the budget's clock; `need` is what
        _Evaluation.need answered for it just before, if it was asked."""
        if predicate not in self._empty:
            assert self._evaluation is not None
            empty = self._empty[predicate] = not self._evaluation.live(rule, need)
            if empty:
                return [[] for _ in keys]
        budget = self._budget
        span = self._span = rule.clause.head.span
        if len(positions) == len(rule.clause.head.args) and positions == tuple(range(len(positions))):
            # Every variable given: the key is the firing row, if the body holds for it.
            if not budget.armed:
                budget.check_clock(span)
            relations, holds = self._relations, self._queries.check(predicate).holds
            answers = [[key] if holds(relations, key) else [] for key in keys]
            found = sum(map(len, answers))
            if found > budget.room():
                raise budget.over_tuples(span)
            budget.grew(found, span)
            return answers
        body, names = self._planned(predicate, rule, positions)
        try:
            if not budget.armed:  # the clock where no timer runs (budget.py); a timer stops the run itself
                budget.check_clock(span)
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
        prepared = _PREPARED.get(program, _Prepared)
        # The rows of each input relation gathered first, then each set becomes a relation's rows:
        # no index exists yet, so nothing else is kept up to date row by row.
        rows = {predicate: set(found) for predicate, found in prepared.fact_rows.items()}
        for fact in facts:
            found = rows.get(fact.predicate)
            if found is None:
                rows[fact.predicate] = {fact.args}
            else:
                found.add(fact.args)
        relations = store.relations
        for predicate, found in rows.items():
            relations[predicate] = Relation.holding(found)
        # Nothing is evaluated yet: the queries evaluate the strata they read (_Evaluation).
        return NativeSession(relations, prepared.queries, store.budget, _Evaluation(store, prepared))
