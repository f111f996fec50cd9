"""Turn a checked Program into backend-neutral clauses, with a firing relation per rule.

Each rule `H :- B1..Bn` becomes (DESIGN.md, Provenance):
  - the rule itself, body reordered so that every backend sees bound variables first
    (positive atoms, then comparisons, then negations); threat rules skip this, since a
    threat is the projection of its firing tuple;
  - `fire_r(V1..Vk) :- B1..Bn` whose arguments are all variables of the positive atoms,
    anonymous ones included, so one firing tuple grounds the whole body for the proof.

Each of these is made when first asked for (CompiledProgram).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from operator import itemgetter

from ..._errors import SourceSpan
from ...records import record
from ..language.ast import THREAT, Atom, Comparison, Const, Literal, Program, Rule, Var
from .facts import InputFact

__all__ = ["Clause", "FiringRelation", "CompiledProgram", "compile_program", "row_terms"]


@record(frozen=True)
class Clause:
    head: Atom
    body: tuple[Literal, ...]


@record(frozen=True)
class FiringRelation:
    name: str  # predicate name of the firing relation
    rule: Rule
    variables: tuple[str, ...]  # argument order of the firing tuple

    def bindings(self, row: tuple[str | int, ...]) -> dict[str, str | int]:
        return dict(zip(self.variables, row))

    def head_pattern(self, args: tuple[str | int, ...]) -> tuple[str | int | None, ...] | None:
        """The firing-tuple pattern that derives head fact `args`, or None if the head cannot match."""
        pattern: list[str | int | None] = [None] * len(self.variables)
        position = {v: i for i, v in enumerate(self.variables)}
        for term, value in zip(self.rule.head.args, args):
            if isinstance(term, Const):
                if term.value != value:
                    return None
            else:
                i = position[term.name]
                if pattern[i] is not None and pattern[i] != value:
                    return None
                pattern[i] = value
        return tuple(pattern)


Row = tuple[str | int, ...]
_FIRE = "#fire"  # firing relations are "#fire<rule number>": no rule-language predicate starts with "#",
# so they never collide with a user's relation


class CompiledProgram:
    """The clauses and firing relations of `program`, each made when first asked for.

    A run evaluates only the strata its queries read (216 of 354 on the DMZ model) and queries the
    firing relations of the threat rules and of the facts their proofs rest on, so making all
    ~6,600 objects up front (about 29 M instructions) was mostly for nothing. Each object is made
    once: dict.setdefault keeps the first one made, so the live editor's concurrent sessions share
    it. `clauses`, `firings` and `facts` hold all of them, for the backends that translate the
    whole program and for the callers that walk it."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.rules: tuple[Rule, ...] = tuple(program.rules)
        self._clauses: dict[int, Clause] = {}  # by rule number: the rule's own clause (not for threat rules)
        self._firings: dict[int, FiringRelation] = {}
        self._firing_clauses: dict[int, Clause] = {}

    @cached_property
    def derived(self) -> tuple[int, ...]:
        """The numbers of the rules that have a clause of their own (all but threat rules), in order."""
        return tuple([n for n, rule in enumerate(self.rules) if rule.head.predicate != THREAT])

    def clause(self, n: int) -> Clause:
        """Rule `n`'s own clause, its body reordered; rule `n` must not be a threat rule."""
        clause = self._clauses.get(n)
        if clause is None:
            rule = self.rules[n]
            assert rule.head.predicate != THREAT, "a threat rule has only its firing relation"
            clause = self._clauses.setdefault(n, _clause(rule.head, _ordered_body(rule.body)))
        return clause

    def firing(self, n: int) -> FiringRelation:
        """The firing relation of rule `n`."""
        firing = self._firings.get(n)
        if firing is None:
            rule = self.rules[n]
            firing = _new(FiringRelation)
            d = firing.__dict__
            d["name"] = f"{_FIRE}{n}"
            d["rule"] = rule
            d["variables"] = _positive_variables(rule)
            firing = self._firings.setdefault(n, firing)
        return firing

    def firing_clause(self, n: int) -> Clause:
        """The clause of rule `n`'s firing relation: its variables as the head, the rule's body reordered."""
        clause = self._firing_clauses.get(n)
        if clause is None:
            firing = self.firing(n)
            span = firing.rule.head.span
            args = []
            for name in firing.variables:
                v = _new(Var)
                d = v.__dict__
                d["name"] = name
                d["span"] = span
                d["anonymous"] = False
                args.append(v)
            head = _new(Atom)
            d = head.__dict__
            d["predicate"] = firing.name
            d["args"] = tuple(args)
            d["span"] = span
            clause = self._firing_clauses.setdefault(n, _clause(head, _ordered_body(firing.rule.body)))
        return clause

    def firing_number(self, name: str) -> int | None:
        """The rule whose firing relation is called `name`, or None if no rule's is."""
        if not name.startswith(_FIRE):
            return None
        digits = name[len(_FIRE):]
        if not (digits.isascii() and digits.isdigit()) or (digits[0] == "0" and digits != "0"):
            return None
        n = int(digits)
        return n if n < len(self.rules) else None

    @cached_property
    def firings_by_head(self) -> Mapping[str, tuple[FiringRelation, ...]]:
        """The firing relations of the rules with each head predicate, in program order."""
        return _ByHead(self)

    def threat_firings(self) -> list[FiringRelation]:
        return [self.firing(n) for n, rule in enumerate(self.rules) if rule.head.predicate == THREAT]

    @cached_property
    def clauses(self) -> tuple[Clause, ...]:
        """Every clause in program order: each derived rule's own clause, then its firing relation's
        (a threat rule has only the latter)."""
        out: list[Clause] = []
        for n, rule in enumerate(self.rules):
            if rule.head.predicate != THREAT:
                out.append(self.clause(n))
            out.append(self.firing_clause(n))
        return tuple(out)

    @cached_property
    def firings(self) -> tuple[FiringRelation, ...]:
        """One per rule, in program order."""
        return tuple([self.firing(n) for n in range(len(self.rules))])

    @cached_property
    def fact_spans(self) -> dict[tuple[str, Row], SourceSpan]:
        """Each ground fact written in the .dl files, (predicate, args), with the line it is written
        on (the last, for a fact written twice): what the engine and the prover read of `facts`,
        without making an InputFact per fact."""
        spans: dict[tuple[str, Row], SourceSpan] = {}
        for predicate, args, span in self.program.fact_rows():
            spans[(predicate, args)] = span
        return spans

    @cached_property
    def facts(self) -> tuple[InputFact, ...]:
        """The ground facts written in .dl files (prelude constants, ...)."""
        facts: list[InputFact] = []
        add_fact = facts.append
        for predicate, args, span in self.program.fact_rows():
            f = _new(InputFact)
            d = f.__dict__
            d["predicate"] = predicate
            d["args"] = args
            d["span"] = span
            add_fact(f)
        return tuple(facts)


class _ByHead(Mapping[str, tuple[FiringRelation, ...]]):
    """CompiledProgram.firings_by_head: the rule numbers by head predicate are worked out at once,
    the firing relations when a predicate is first looked up."""

    def __init__(self, compiled: CompiledProgram) -> None:
        self._compiled = compiled
        numbers: dict[str, list[int]] = {}
        for n, rule in enumerate(compiled.rules):
            numbers.setdefault(rule.head.predicate, []).append(n)
        self._numbers = numbers
        self._made: dict[str, tuple[FiringRelation, ...]] = {}

    def get(self, predicate: str, default: object = None) -> tuple[FiringRelation, ...] | None:  # type: ignore[override]
        made = self._made.get(predicate)
        if made is None:
            numbers = self._numbers.get(predicate)
            if numbers is None:
                return default  # type: ignore[return-value]
            firing = self._compiled.firing
            made = self._made.setdefault(predicate, tuple([firing(n) for n in numbers]))
        return made

    def __getitem__(self, predicate: str) -> tuple[FiringRelation, ...]:
        made = self.get(predicate)
        if made is None:
            raise KeyError(predicate)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)


def _ordered_body(body: tuple[Literal, ...]) -> tuple[Literal, ...]:
    positives: list[Literal] = []
    comparisons: list[Literal] = []
    negations: list[Literal] = []
    for lit in body:
        (positives if isinstance(lit, Atom) else comparisons if isinstance(lit, Comparison) else negations).append(lit)
    if not comparisons and not negations:
        return body  # already in order (most bodies): the rule's own tuple
    return tuple(positives + comparisons + negations)


def _positive_variables(rule: Rule) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for lit in rule.body:
        if isinstance(lit, Atom):
            for term in lit.args:
                if isinstance(term, Var):
                    seen[term.name] = None  # a name seen again keeps its first place
    return tuple(seen)


# The objects are built the way their class's own __init__ would (the fields, in declaration
# order, into the instance's __dict__), without calling it: a record's __init__ binds its
# arguments in a loop (cache.py does the same for the AST). Var, Atom, Clause, FiringRelation and
# InputFact have no __post_init__ and no field without init; tests/test_program_cache.py checks
# that, and that the result equals the program compiled through the constructors.
_new = object.__new__


def _clause(head: Atom, body: tuple[Literal, ...]) -> Clause:
    c = _new(Clause)
    d = c.__dict__
    d["head"] = head
    d["body"] = body
    return c


def row_terms(terms: Sequence[Var | Const], variables: Sequence[str]) -> Callable[[Row], Row]:
    """`terms` instantiated by a firing row whose values are those of `variables`, in order: an
    itemgetter when every term is a variable (most atoms), else each term a row position or a
    constant. The engine's membership checks and the prover's body facts both use it."""
    parts = tuple((False, t.value) if type(t) is Const else (True, variables.index(t.name)) for t in terms)  # type: ignore[union-attr]
    if all(is_var for is_var, _ in parts):
        indices: list[int] = [i for _, i in parts]  # type: ignore[misc]
        if len(indices) > 1:
            return itemgetter(*indices)
        if indices:
            (index,) = indices
            return lambda row: (row[index],)
        return lambda row: ()
    return lambda row: tuple([row[v] if is_var else v for is_var, v in parts])  # type: ignore[index]


def compile_program(program: Program) -> CompiledProgram:
    return CompiledProgram(program)

