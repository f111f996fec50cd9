"""The pyDatalog engine, driven through its Python API only.

Rules and facts are built as pyDatalog terms from our checked AST; no text ever reaches
pyDatalog's own parser (`pyDatalog.load` runs Python, so a rule pack could run code).
Each session starts from a fresh `Logic()`; pyDatalog keeps its state per thread.
"""

from __future__ import annotations

import threading
from typing import Any

from pyDatalog import pyEngine
from pyDatalog.Logic import Logic
from pyDatalog.pyParser import Literal as PdLiteral
from pyDatalog.pyParser import Term as PdTerm
from pyDatalog.pyParser import add_clause

from .._errors import EngineError
from .ast import Atom, Comparison, Const, Negation, Var
from .backend import Backend, Pattern, Row, Session, sort_rows
from .compile import Clause, CompiledProgram
from .facts import FactBase
from .graph import recursive_predicates

__all__ = ["PyDatalogBackend"]

# pyDatalog's engine state is per thread and global within it: one session at a time per thread.
_lock = threading.RLock()

_PD_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _pred_name(predicate: str) -> str:
    # Prefixes keep our names apart from pyDatalog's built-ins ("==", "~p", "Class.attr").
    return "f_" + predicate[1:] if predicate.startswith("#") else "p_" + predicate


class _Builder:
    """Maps our AST onto pyDatalog terms, one variable object per name within a clause."""

    def __init__(self) -> None:
        self.vars: dict[str, PdTerm] = {}

    def term(self, t: Var | Const) -> Any:
        if isinstance(t, Const):
            return PdTerm(t.value, forced_type="constant")
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
    literal = pyEngine.Literal(_pred_name(predicate), [pyEngine.Term_of(a) for a in args])
    pyEngine.assert_(pyEngine.Clause(literal, []))


class PyDatalogSession(Session):
    def __init__(self, logic: Any) -> None:
        self._logic = logic

    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        with _lock:
            if getattr(Logic.tl, "logic", None) is not self._logic:
                # Another session ran in this thread since: switch back (pyDatalog copies the logic).
                Logic(self._logic)
                self._logic = Logic(True)
            terms = [PdTerm(f"Q{i}") if v is None else PdTerm(v, forced_type="constant") for i, v in enumerate(pattern)]
            query = PdLiteral.make(_pred_name(predicate), terms)
            try:
                answers = query.ask()
            except Exception as exc:  # pyDatalog raises bare exceptions for engine faults
                raise EngineError(f"pyDatalog failed on a query of {predicate}: {exc}") from exc
            if not answers:
                return []
            # pyDatalog returns only the unbound positions; put the bound constants back.
            rows: list[Row] = []
            for answer in answers:
                values = iter(answer)
                rows.append(tuple(next(values) if v is None else v for v in pattern))
            return sort_rows(rows)


class PyDatalogBackend(Backend):
    name = "pydatalog"

    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        with _lock:
            Logic()  # a fresh, empty engine for this thread
            try:
                recursive = recursive_predicates(program.clauses)
                for clause in program.clauses:
                    builder = _Builder()
                    head = builder.atom(clause.head)
                    body = [builder.literal(lit) for lit in _pydatalog_order(clause, recursive)]
                    conj = body[0]
                    for lit in body[1:]:
                        conj = conj & lit
                    add_clause(head, conj)
                for fact in program.facts:
                    _assert_fact(fact.predicate, fact.args)
                for fact in facts:
                    _assert_fact(fact.predicate, fact.args)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"pyDatalog rejected the compiled program: {exc}") from exc
            return PyDatalogSession(Logic(True))
