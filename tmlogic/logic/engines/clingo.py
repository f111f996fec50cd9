"""The clingo engine: the checked program is handed to clingo's grounder as syntax-tree objects.

No text is ever parsed: every rule is built with `clingo.ast` constructors from our AST, and the
input facts reach clingo as symbols returned by a context function during grounding
(`p(V0, V1) :- (V0, V1) = @rows(p).`), so neither a model value nor a rule constant can become
clingo syntax (clingo's `#script` directive would run Python). A stratified program has exactly
one answer set, and clingo's grounder computes it outright: every atom comes out as a fact, and
the session reads them back into hash-indexed relations. Firing relations are materialised like
every other relation, so proofs come from the same firing tuples as with the other engines.

Budgets (budget.py): clingo's grounder runs in C and cannot be interrupted from Python, so it
runs in a worker thread while the calling thread waits for it within the time budget; past the
budget the analysis stops (exit 2) and the abandoned grounder ends with the process. Derived
tuples are counted per relation when the answer comes back, so the error names the rule of the
relation that grew most; unlike the native engine, clingo's memory is not bounded while it grounds.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from ..._errors import EngineError
from ...limits import LimitExceeded
from ...typing_runtime import Any
from ..language.ast import Atom, Comparison, Const, Literal, Negation, Var
from ..program.compile import Clause, CompiledProgram
from ..program.facts import FactBase
from .base import Backend, Row, Session
from .budget import Budget, abandon
from .native import NativeSession
from .relation import Relation

__all__ = ["ClingoBackend", "clingo_available", "CLINGO_INT_RANGE"]

# clingo numbers are C ints: values outside this range cannot be represented.
CLINGO_INT_RANGE = (-(2**31), 2**31 - 1)


def clingo_available() -> bool:
    try:
        import clingo  # noqa: F401
    except ImportError:
        return False
    return True


def _name(predicate: str) -> str:
    # Our names start lower-case; prefixes keep firing relations ("#fire3") and clingo keywords apart.
    return "f_" + predicate[1:] if predicate.startswith("#") else "p_" + predicate


class _Translator:
    """Builds clingo AST nodes from our clauses; one translator per program."""

    def __init__(self, clingo: Any) -> None:
        self._c = clingo
        self._ast = clingo.ast
        position = clingo.ast.Position("<tmlogic>", 1, 1)
        self._loc = clingo.ast.Location(position, position)
        ops = clingo.ast.ComparisonOperator
        self._ops = {"=": ops.Equal, "!=": ops.NotEqual, "<": ops.LessThan, "<=": ops.LessEqual,
                     ">": ops.GreaterThan, ">=": ops.GreaterEqual}

    def symbol(self, value: str | int) -> Any:
        if isinstance(value, int):
            low, high = CLINGO_INT_RANGE
            if not low <= value <= high:
                raise EngineError(f"clingo cannot represent the number {value} (it holds {low} to {high}); "
                                  "use --engine native")
            return self._c.Number(value)
        return self._c.String(value)

    def term(self, term: Var | Const, names: dict[str, str], negated: bool = False) -> Any:
        if isinstance(term, Const):
            return self._ast.SymbolicTerm(self._loc, self.symbol(term.value))
        if negated and term.anonymous:
            return self._ast.Variable(self._loc, "_")  # "any value": clingo projects it away
        name = names.setdefault(term.name, f"V{len(names)}")
        return self._ast.Variable(self._loc, name)

    def atom(self, atom: Atom, names: dict[str, str], negated: bool = False) -> Any:
        args = [self.term(t, names, negated) for t in atom.args]
        return self._ast.SymbolicAtom(self._ast.Function(self._loc, _name(atom.predicate), args, 0))

    def literal(self, lit: Literal, names: dict[str, str]) -> Any:
        ast = self._ast
        if isinstance(lit, Atom):
            return ast.Literal(self._loc, ast.Sign.NoSign, self.atom(lit, names))
        if isinstance(lit, Negation):
            return ast.Literal(self._loc, ast.Sign.Negation, self.atom(lit.atom, names, negated=True))
        comparison = ast.Comparison(self.term(lit.left, names), [ast.Guard(self._ops[lit.op], self.term(lit.right, names))])
        return ast.Literal(self._loc, ast.Sign.NoSign, comparison)

    def rule(self, clause: Clause) -> Any:
        names: dict[str, str] = {}
        # Body first, so that variable numbering follows the body; the head only reuses them.
        body = [self.literal(lit, names) for lit in clause.body]
        head = self._ast.Literal(self._loc, self._ast.Sign.NoSign, self.atom(clause.head, names))
        return self._ast.Rule(self._loc, head, body)

    def input_rule(self, predicate: str, arity: int) -> Any:
        """`p(V0..Vn) :- (V0..Vn) = @rows(p).`: the rows come from the context at grounding time."""
        ast = self._ast
        variables = [ast.Variable(self._loc, f"V{i}") for i in range(arity)]
        head = ast.Literal(self._loc, ast.Sign.NoSign,
                           ast.SymbolicAtom(ast.Function(self._loc, _name(predicate), variables, 0)))
        rows = ast.Function(self._loc, "rows", [ast.SymbolicTerm(self._loc, self._c.String(predicate))], 1)
        target = variables[0] if arity == 1 else ast.Function(self._loc, "", variables, 0)  # a tuple
        guard = ast.Comparison(target, [ast.Guard(self._ops["="], rows)])
        return ast.Rule(self._loc, head, [ast.Literal(self._loc, ast.Sign.NoSign, guard)])

    def fact(self, predicate: str) -> Any:
        """A fact of arity 0."""
        ast = self._ast
        head = ast.Literal(self._loc, ast.Sign.NoSign, ast.SymbolicAtom(ast.Function(self._loc, _name(predicate), [], 0)))
        return ast.Rule(self._loc, head, [])


class _Context:
    """Grounding-time source of the input rows, as clingo symbols."""

    def __init__(self, rows: dict[str, list[Any]]) -> None:
        self._rows = rows

    def rows(self, predicate: Any) -> list[Any]:
        return self._rows.get(predicate.string, [])


# Atoms as clingo prints them: a name, then optionally arguments that are numbers or strings.
_ATOM = re.compile(r'([a-z][A-Za-z0-9_]*)(?:\(((?:[^()"]|"(?:[^"\\]|\\.)*")*)\))?')
_ARGUMENT = re.compile(r'-?[0-9]+|"(?:[^"\\]|\\.)*"')
_ESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n"}


def _parse_argument(token: str) -> str | int:
    if token[0] != '"':
        return int(token)
    body = token[1:-1]
    return _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(1)), body) if "\\" in body else body


def parse_atoms(text: str) -> dict[str, list[Row]]:
    """Atoms printed by clingo (`(p_x("a",3),f_2("b\\"c"))`) as rows per clingo predicate name.

    Printing every atom in one call and parsing the text is far cheaper than reading each
    argument through clingo's C API; the values are only strings and numbers, which clingo
    prints unambiguously (strings quoted, with backslash escapes for \\, " and newline).
    """
    out: dict[str, list[Row]] = defaultdict(list)
    for match in _ATOM.finditer(text):
        name, arguments = match.group(1), match.group(2)
        out[name].append(tuple(_parse_argument(t) for t in _ARGUMENT.findall(arguments)) if arguments else ())
    return out


class ClingoBackend(Backend):
    """clingo computes every derived relation and the firings of threat rules (needed in full
    for the threats themselves). Firings of helper rules are asked for a few at a time by the
    prover, so they are solved on demand from the same firing clauses against clingo's finished
    relations, as the native engine does; `all_firings=True` has clingo materialise them too
    (the differential fuzzer uses it to compare every firing relation clingo computes)."""

    name = "clingo"

    def __init__(self, all_firings: bool = False) -> None:
        self._all_firings = all_firings

    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        try:
            import clingo
            import clingo.ast  # noqa: F401  (a submodule: not loaded by `import clingo`)
        except ImportError:
            raise EngineError("the clingo engine needs the clingo package: pip install clingo") from None
        translator = _Translator(clingo)
        inputs: dict[str, list[Row]] = defaultdict(list)
        for fact in program.facts:
            inputs[fact.predicate].append(fact.args)
        for fact in facts:
            inputs[fact.predicate].append(fact.args)
        context_rows: dict[str, list[Any]] = {}
        rules: list[Any] = []
        for predicate, rows in sorted(inputs.items()):
            arity = len(rows[0])
            if arity == 0:
                rules.append(translator.fact(predicate))
                continue
            if arity == 1:
                context_rows[predicate] = [translator.symbol(r[0]) for r in rows]
            else:
                context_rows[predicate] = [clingo.Tuple_([translator.symbol(v) for v in r]) for r in rows]
            rules.append(translator.input_rule(predicate, arity))
        threat_firings = {f.name for f in program.threat_firings()}
        eager = [c for c in program.clauses
                 if self._all_firings or not c.head.predicate.startswith("#") or c.head.predicate in threat_firings]
        lazy = {c.head.predicate: c for c in program.clauses if c not in eager}
        rules += [translator.rule(c) for c in eager]
        control = clingo.Control(["--warn=none"])

        def ground_and_solve() -> dict[str, list[Row]]:
            try:
                with clingo.ast.ProgramBuilder(control) as builder:
                    builder.add(clingo.ast.Program(translator._loc, "base", []))
                    for rule in rules:
                        builder.add(rule)
                    for predicate, arity in sorted({(c.head.predicate, c.head.arity) for c in eager}):
                        builder.add(clingo.ast.ShowSignature(translator._loc, _name(predicate), arity, 1))
                control.ground([("base", [])], context=_Context(context_rows))
                return self._answer(control, clingo)
            except RuntimeError as exc:  # clingo reports grounding errors as RuntimeError
                raise EngineError(f"clingo rejected the compiled program: {exc}") from exc

        budget = Budget()
        first_rule = {c.head.predicate: c.head.span for c in reversed(eager)}  # each relation's first rule
        derived = _within_time(ground_and_solve, budget)
        names = {_name(c.head.predicate): c.head.predicate for c in eager}
        for name, rows in sorted(derived.items(), key=lambda item: -len(item[1])):
            budget.grew(len(rows), first_rule[names[name]])  # the largest first: it is named if over
        relations: dict[str, Relation] = defaultdict(Relation)
        for predicate, rows in inputs.items():
            for row in rows:
                relations[predicate].add(row)
        for name, rows in derived.items():
            relation = relations[names[name]]
            for row in rows:
                relation.add(row)
        return NativeSession(relations, lazy, budget)

    @staticmethod
    def _answer(control: Any, clingo: Any) -> dict[str, list[Row]]:
        """The shown atoms of the one answer set of a stratified program."""
        with control.solve(yield_=True) as handle:
            models = iter(handle)
            model = next(models, None)
            if model is None:
                raise EngineError("clingo found no answer set: the compiled program is inconsistent")
            text = str(clingo.Tuple_(model.symbols(shown=True)))
            if next(models, None) is not None:
                # Only unstratified negation has several answer sets; the checks reject it.
                raise EngineError("clingo found several answer sets: the program is not stratified")
        return parse_atoms(text)


def _within_time(work: Callable[[], dict[str, list[Row]]], budget: Budget) -> dict[str, list[Row]]:
    """`work()` in a worker thread (clingo releases the interpreter while it grounds), waited for
    until the budget's CPU time is spent; a daemon thread, so an abandoned grounder cannot keep
    the process alive."""
    outcome: list[dict[str, list[Row]]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            failure.append(exc)

    worker = threading.Thread(target=run, name="tmlogic-clingo", daemon=True)
    worker.start()
    while True:
        # Wall time passes at least as fast as the worker's CPU time, so waiting for the CPU
        # time that is left never oversleeps the budget; a loaded machine just waits again.
        worker.join(max(budget.deadline - time.process_time(), 0.0) + 0.01)
        if not worker.is_alive():
            break
        if time.process_time() > budget.deadline:
            abandon(worker)  # the command ends without waiting for it (cli/common.py: run_main)
            # clingo does not say which rule it was grounding; the native engine does.
            raise LimitExceeded("engine_seconds", budget.seconds,
                                f"clingo ran past {budget.seconds:g} s of engine time grounding the rules; "
                                "run with --engine native to see which rule grows")
    if failure:
        raise failure[0]
    return outcome[0]
