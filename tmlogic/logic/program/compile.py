"""Turn a checked Program into backend-neutral clauses, with a firing relation per rule.

Each rule `H :- B1..Bn` becomes (DESIGN.md, Provenance):
  - the rule itself, body reordered so that every backend sees bound variables first
    (positive atoms, then comparisons, then negations); threat rules skip this, since a
    threat is the projection of its firing tuple;
  - `fire_r(V1..Vk) :- B1..Bn` whose arguments are all variables of the positive atoms,
    anonymous ones included, so one firing tuple grounds the whole body for the proof.
"""

from __future__ import annotations

from ...records import record
from ..language.ast import THREAT, Atom, Comparison, Const, Literal, Negation, Program, Rule, Var
from .facts import InputFact

__all__ = ["Clause", "FiringRelation", "CompiledProgram", "compile_program"]


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


@record(frozen=True)
class CompiledProgram:
    program: Program
    clauses: tuple[Clause, ...]  # derived (non-threat) rules, reordered bodies
    firings: tuple[FiringRelation, ...]  # one per rule, in program order; names start with "#",
    # which no rule-language predicate can, so they never collide with a user's relation
    facts: tuple[InputFact, ...]  # ground facts written in .dl files (prelude constants, ...)

    def threat_firings(self) -> list[FiringRelation]:
        return [f for f in self.firings if f.rule.head.predicate == THREAT]


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


# compile_program builds each object the way its class's own __init__ would (the fields, in
# declaration order, into the instance's __dict__), without calling it: a run builds ~6,000 of them
# and a record's __init__ binds its arguments in a loop (cache.py does the same for the AST). Var, Atom, Clause, FiringRelation and InputFact have no __post_init__ and no
# field without init; tests/test_program_cache.py checks that, and that the result equals the
# program compiled through the constructors.
_new = object.__new__


def compile_program(program: Program) -> CompiledProgram:
    clauses: list[Clause] = []
    firings: list[FiringRelation] = []
    add_clause, add_firing = clauses.append, firings.append
    for n, rule in enumerate(program.rules):
        body = _ordered_body(rule.body)
        if rule.head.predicate != THREAT:
            c = _new(Clause)
            d = c.__dict__
            d["head"] = rule.head
            d["body"] = body
            add_clause(c)
        variables = _positive_variables(rule)
        span = rule.head.span
        args = []
        for name in variables:
            v = _new(Var)
            d = v.__dict__
            d["name"] = name
            d["span"] = span
            d["anonymous"] = False
            args.append(v)
        head = _new(Atom)
        d = head.__dict__
        d["predicate"] = predicate = f"#fire{n}"
        d["args"] = tuple(args)
        d["span"] = span
        firing = _new(FiringRelation)
        d = firing.__dict__
        d["name"] = predicate
        d["rule"] = rule
        d["variables"] = variables
        add_firing(firing)
        c = _new(Clause)
        d = c.__dict__
        d["head"] = head
        d["body"] = body
        add_clause(c)
    facts: list[InputFact] = []
    add_fact = facts.append
    for fact in program.facts:
        f = _new(InputFact)
        d = f.__dict__
        d["predicate"] = fact.atom.predicate
        d["args"] = tuple([_const(t) for t in fact.atom.args])
        d["span"] = fact.span
        add_fact(f)
    return CompiledProgram(program, tuple(clauses), tuple(firings), tuple(facts))


def _const(term: object) -> str | int:
    assert isinstance(term, Const), "the checker guarantees ground facts"
    return term.value
