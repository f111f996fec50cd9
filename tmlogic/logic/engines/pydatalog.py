"""The pyDatalog engine, driven through its Python API only.

Rules and facts are built as pyDatalog terms from our checked AST; no text ever reaches
pyDatalog's own parser (`pyDatalog.load` runs Python, so a rule pack could run code).
Each session starts from a fresh `Logic()`; pyDatalog keeps its state per thread.
"""

from __future__ import annotations

import threading

from pyDatalog import pyEngine
from pyDatalog.Logic import Logic
from pyDatalog.pyParser import Literal as PdLiteral
from pyDatalog.pyParser import Term as PdTerm
from pyDatalog.pyParser import add_clause

from ..._errors import EngineError, RuleError, SourceSpan
from ...typing_runtime import Any
from ..language.ast import Atom, Comparison, Const, Negation, Var
from ..language.graph import recursive_predicates
from ..program.compile import Clause, CompiledProgram
from ..program.facts import FactBase
from .base import Backend, Pattern, Row, Session, sort_rows
from .budget import Budget, watch_from_outside

__all__ = ["PyDatalogBackend"]

# pyDatalog's engine state is per thread and global within it: one session at a time per thread.
_lock = threading.RLock()

_PD_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


# pyDatalog turns the strings "True" and "False" into booleans even when told they are constants,
# so they travel through it under names no model or rule can write (NUL is rejected in both).
_TO_ENGINE = {"True": "\x00True", "False": "\x00False"}
_FROM_ENGINE = {v: k for k, v in _TO_ENGINE.items()}


def _to_engine(value: str | int) -> str | int:
    return _TO_ENGINE.get(value, value) if isinstance(value, str) else value


def _from_engine(value: object) -> str | int:
    if isinstance(value, str):
        return _FROM_ENGINE.get(value, value)
    if isinstance(value, int):
        return value
    raise EngineError(f"pyDatalog answered a {type(value).__name__} value ({value!r}); facts hold only text and integers")


def _pred_name(predicate: str) -> str:
    # Prefixes keep our names apart from pyDatalog's built-ins ("==", "~p", "Class.attr").
    return "f_" + predicate[1:] if predicate.startswith("#") else "p_" + predicate


class _Builder:
    """Maps our AST onto pyDatalog terms, one variable object per name within a clause."""

    def __init__(self) -> None:
        self.vars: dict[str, PdTerm] = {}

    def term(self, t: Var | Const) -> Any:
        if isinstance(t, Const):
            return PdTerm(_to_engine(t.value), forced_type="constant")
        var = self.vars.get(t.name)
        if var is None:
            # Variable names must start with an upper-case letter in pyDatalog; ours may be "_3".
            var = self.vars[t.name] = PdTerm(f"V{len(self.vars)}")
        return var

    def atom(self, a: Atom) -> Any:
        return PdLiteral.make(_pred_name(a.predicate), [self.term(t) for t in a.args])

    def literal(self, lit: Atom | Negation | Comparison) -> Any:
        if isinstance(lit, Atom):
            return self.atom(lit)
        if isinstance(lit, Negation):
            return ~self.atom(lit.atom)
        return PdLiteral.make_for_comparison(self.term(lit.left), _PD_OPS[lit.op], self.term(lit.right))


def _pydatalog_order(clause: Clause, recursive: dict[str, frozenset[str]]) -> list[Atom | Negation | Comparison]:
    """Recursive atoms first. pyDatalog's tabled resolution loops forever on a cyclic graph when
    the recursive call comes after another atom (`p(X,Y) :- e(X,Z), p(Z,Y)`), but terminates
    when it comes first; a conjunction means the same in any order."""
    cycle = recursive.get(clause.head.predicate, frozenset())
    body = list(clause.body)
    first = [lit for lit in body if isinstance(lit, Atom) and lit.predicate in cycle]
    return first + [lit for lit in body if lit not in first]


def _assert_fact(predicate: str, args: Row) -> None:
    literal = pyEngine.Literal(_pred_name(predicate), [pyEngine.Term_of(_to_engine(a)) for a in args])
    pyEngine.assert_(pyEngine.Clause(literal, []))


class PyDatalogSession(Session):
    def __init__(self, logic: Any, budget: Budget, spans: dict[str, SourceSpan]) -> None:
        self._logic = logic
        self._budget = budget
        self._spans = spans

    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        with _lock:
            if getattr(Logic.tl, "logic", None) is not self._logic:
                # Another session ran in this thread since: switch back (pyDatalog copies the logic).
                Logic(self._logic)
                self._logic = Logic(True)
            terms = [PdTerm(f"Q{i}") if v is None else PdTerm(_to_engine(v), forced_type="constant")
                     for i, v in enumerate(pattern)]
            query = PdLiteral.make(_pred_name(predicate), terms)
            span = self._spans.get(predicate, SourceSpan("<query>", 1))
            try:
                # pyDatalog cannot be asked to stop: the budget's timer interrupts it (budget.py)
                with self._budget.clock(lambda: span):
                    answers = query.ask()
            except RuleError:
                raise
            except Exception as exc:  # pyDatalog raises bare exceptions for engine faults
                raise EngineError(f"pyDatalog failed on a query of {predicate}: {exc}") from exc
            if predicate in self._spans and answers:
                self._budget.grew(len(answers), span)
            if not answers:
                return []
            # pyDatalog returns only the unbound positions; put the bound constants back.
            rows: list[Row] = []
            for answer in answers:
                values = iter(answer)
                rows.append(tuple(_from_engine(next(values)) if v is None else v for v in pattern))
            return sort_rows(rows)


def _add_clause(clause: Clause, recursive: dict[str, frozenset[str]]) -> None:
    builder = _Builder()
    head = builder.atom(clause.head)
    body = [builder.literal(lit) for lit in _pydatalog_order(clause, recursive)]
    conj = body[0]
    for lit in body[1:]:
        conj = conj & lit
    add_clause(head, conj)


def _declare(predicate: str, arity: int) -> None:
    """Make pyDatalog know a relation that may be empty, so a query on it answers [] instead of failing."""
    literal = pyEngine.Literal(_pred_name(predicate), [pyEngine.Term_of("") for _ in range(arity)])
    pyEngine.assert_(pyEngine.Clause(literal, []))
    pyEngine.retract(pyEngine.Clause(literal, []))


def _ask_all(predicate: str, arity: int) -> list[Row]:
    answers = PdLiteral.make(_pred_name(predicate), [PdTerm(f"Q{i}") for i in range(arity)]).ask()
    return [tuple(_from_engine(v) for v in a) for a in answers] if answers else []


class PyDatalogBackend(Backend):
    """Two passes. pyDatalog forgets its tables after every query, so asking it for firings
    one threat at a time would re-derive the recursive relations each time (minutes on a
    500-element model). Pass one asks pyDatalog once for every derived relation; pass two
    loads those answers as facts into a fresh engine that only holds the firing rules, so each
    proof query is a plain join."""

    name = "pydatalog"

    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        budget = Budget()
        watch_from_outside(budget, "pyDatalog")  # its compiled core ignores the interval timer
        with _lock:
            try:
                derived = [c for c in program.clauses if not c.head.predicate.startswith("#")]
                firing = [c for c in program.clauses if c.head.predicate.startswith("#")]
                base = [(f.predicate, f.args) for f in program.facts] + [(f.predicate, f.args) for f in facts]
                Logic()  # pass one: a fresh engine with the rules that derive relations
                for decl in program.program.decls.values():
                    # An input relation without facts must be known before a rule negates it.
                    _declare(decl.predicate, decl.arity)
                recursive = recursive_predicates(derived)
                for clause in derived:
                    _add_clause(clause, recursive)
                for predicate, args in base:
                    _assert_fact(predicate, args)
                arity = {c.head.predicate: c.head.arity for c in derived}
                spans = {c.head.predicate: c.head.span for c in reversed(derived)}  # each relation's first rule
                answers: dict[str, list[Row]] = {}
                for p, n in sorted(arity.items()):
                    with budget.clock(lambda: spans[p]):  # noqa: B023 (called inside this iteration)
                        answers[p] = _ask_all(p, n)
                    budget.grew(len(answers[p]), spans[p])
                Logic()  # pass two: every relation as facts, and the firing rules
                for decl in program.program.decls.values():
                    _declare(decl.predicate, decl.arity)
                for predicate, args in base:
                    _assert_fact(predicate, args)
                for predicate, rows in answers.items():
                    for row in rows:
                        _assert_fact(predicate, row)
                for clause in firing:
                    _add_clause(clause, {})
            except (EngineError, RuleError):
                raise
            except Exception as exc:
                raise EngineError(f"pyDatalog rejected the compiled program: {exc}") from exc
            return PyDatalogSession(Logic(True), budget, {c.head.predicate: c.head.span for c in firing})
