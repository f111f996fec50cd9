"""Planned rule bodies compiled into chains of step functions over a list of registers.

Each variable and constant of a clause gets a register (slot); a step reads its lookup key from
registers and writes the values it binds into them, so solving a body allocates no dictionary
per binding. Two ways to run a body:

- `heads`: the distinct head rows it derives. Once every head variable is bound, the rest of
  the body only has to be satisfiable, so it stops at the first match (an existence check),
  and a head row already derived is not checked again. This turns self-joins such as
  "another entry of the same zone" from quadratic into linear work.
- `each_heads`: every solution, for firing relations, whose head holds every variable; one run
  per key of bound values, for the many facts a proof search asks about at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from ..language.ast import Atom, Comparison, Const, Literal, Negation, Var
from .base import Row
from .budget import OverBudget
from .plan import Plan
from .relation import Relation

__all__ = ["CompiledBody", "compile_body", "compare"]

Registers = list[str | int | None]
Step = Callable[[Registers], bool]  # True: stop (a match was found in an existence check)


def compare(op: str, left: str | int, right: str | int) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if type(left) is not type(right):
        # Mixed symbol/number order: numbers first, as in Soufflé's and clingo's total order of values.
        left_key: tuple[int, str | int] = (0 if isinstance(left, int) else 1, left)
        right_key: tuple[int, str | int] = (0 if isinstance(right, int) else 1, right)
        return {"<": left_key < right_key, "<=": left_key <= right_key,
                ">": left_key > right_key, ">=": left_key >= right_key}[op]
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]  # type: ignore[operator]


def _getter(slots: tuple[int, ...]) -> Callable[[Registers], Row]:
    if len(slots) == 1:
        slot = slots[0]
        return lambda regs: (regs[slot],)  # type: ignore[return-value]
    return itemgetter(*slots)


_NO_RELATIONS: Mapping[str, Relation] = {}  # what a body reads between runs
_NOTHING: dict[Row, list[Row]] = {}  # a step's source while no relation is bound, or when its relation does not exist
_ANY_ROW: frozenset[Row] = frozenset({()})  # the source of a negation of only `_` on a relation with rows

# Sets a step's source for a run: the session's relations and the semi-naive delta (or None).
Binder = Callable[[Mapping[str, Relation], "Relation | None"], None]


class _Slots:
    def __init__(self) -> None:
        self.of_var: dict[str, int] = {}
        self.constants: list[tuple[int, str | int]] = []
        self.count = 0

    def const(self, value: str | int) -> int:
        self.constants.append((self.count, value))
        self.count += 1
        return self.count - 1

    def var(self, name: str) -> int:
        slot = self.of_var.get(name)
        if slot is None:
            slot = self.of_var[name] = self.count
            self.count += 1
        return slot

    def term(self, term: Var | Const) -> int:
        return self.const(term.value) if isinstance(term, Const) else self.var(term.name)


def _atom_step(atom: Atom, reads_delta: bool, slots: _Slots, known: set[str], binders: list[Binder]) -> Callable[[Step], Step]:
    """Assigns the atom's registers now (steps are specified front to back) and returns the
    builder of its step, which needs the next step (steps are built back to front).

    A step reads its relation through `source`, which its binder sets once per run (the rows,
    or the index on the positions it looks up): the relations do not change during a run, and
    the lookup of the relation and its index is then not repeated for every binding."""
    positions: list[int] = []
    key_slots: list[int] = []
    binds: list[tuple[int, int]] = []
    checks: list[tuple[int, int]] = []
    for i, term in enumerate(atom.args):
        if isinstance(term, Const) or term.name in known:
            positions.append(i)
            key_slots.append(slots.term(term))
        elif any(isinstance(t, Var) and t.name == term.name for t in atom.args[:i]):
            checks.append((i, slots.var(term.name)))  # the same variable twice in one atom
        else:
            binds.append((i, slots.var(term.name)))
    known.update(t.name for t in atom.args if isinstance(t, Var))
    predicate, pos, full = atom.predicate, tuple(positions), len(positions) == len(atom.args)
    probe = full or not positions  # the rows themselves: a membership test, or a scan
    key = _getter(tuple(key_slots)) if positions else None
    single = key_slots[0] if len(key_slots) == 1 else -1  # the key's one register, read inline
    simple = not checks and len(binds) == 1
    (bind_at, bind_slot) = binds[0] if simple else (0, 0)

    def build(nxt: Step) -> Step:
        source: Any = _NOTHING

        def bind(relations: Mapping[str, Relation], delta: Relation | None) -> None:
            nonlocal source
            relation = delta if reads_delta else relations.get(predicate)
            source = _NOTHING if relation is None else relation.rows if probe else relation.index(pos)

        binders.append(bind)

        if key is None:
            def run_scan(regs: Registers) -> bool:
                for row in source:
                    for i, slot in binds:
                        regs[slot] = row[i]
                    if checks and any(row[i] != regs[slot] for i, slot in checks):
                        continue
                    if nxt(regs):
                        return True
                return False

            return run_scan
        if full:
            if single >= 0:
                return lambda regs: (regs[single],) in source and nxt(regs)
            return lambda regs: key(regs) in source and nxt(regs)
        # The common case, one variable bound from each row found, spelled out: it runs for
        # almost every binding of almost every rule.
        if simple and single >= 0:
            def run_one(regs: Registers) -> bool:
                for row in source.get((regs[single],), ()):
                    regs[bind_slot] = row[bind_at]
                    if nxt(regs):
                        return True
                return False

            return run_one
        if simple:
            def run_key(regs: Registers) -> bool:
                for row in source.get(key(regs), ()):
                    regs[bind_slot] = row[bind_at]
                    if nxt(regs):
                        return True
                return False

            return run_key

        def run(regs: Registers) -> bool:
            for row in source.get((regs[single],) if single >= 0 else key(regs), ()):
                for i, slot in binds:
                    regs[slot] = row[i]
                if checks and any(row[i] != regs[slot] for i, slot in checks):
                    continue
                if nxt(regs):
                    return True
            return False

        return run

    return build


def _negation_step(negation: Negation, slots: _Slots, binders: list[Binder]) -> Callable[[Step], Step]:
    atom = negation.atom
    named = [(i, t) for i, t in enumerate(atom.args) if not (isinstance(t, Var) and t.anonymous)]
    pos = tuple(i for i, _ in named)
    key = _getter(tuple(slots.term(t) for _, t in named)) if named else (lambda regs: ())
    predicate = atom.predicate

    def build(nxt: Step) -> Step:
        # The rows, or the index on the named positions (built when first needed: no plan has
        # asked for it), or one empty row when only `_` is named.
        source: Any = _NOTHING
        relation: Relation | None = None

        def bind(relations: Mapping[str, Relation], delta: Relation | None) -> None:
            nonlocal source, relation
            relation = relations.get(predicate)
            if relation is None or not relation.rows:
                relation, source = None, _NOTHING
            elif not pos:
                source = _ANY_ROW
            elif len(pos) == relation.arity:
                source = relation.rows
            else:
                source = None  # the index, on first use

        binders.append(bind)

        def run(regs: Registers) -> bool:
            nonlocal source
            if source is None:
                assert relation is not None
                source = relation.index(pos)
            return key(regs) not in source and nxt(regs)

        return run

    return build


def _comparison_step(comparison: Comparison, slots: _Slots) -> Callable[[Step], Step]:
    left, right, op = slots.term(comparison.left), slots.term(comparison.right), comparison.op

    def build(nxt: Step) -> Step:
        if op == "=":
            return lambda regs: regs[left] == regs[right] and nxt(regs)
        if op == "!=":
            return lambda regs: regs[left] != regs[right] and nxt(regs)
        return lambda regs: compare(op, regs[left], regs[right]) and nxt(regs)  # type: ignore[arg-type]

    return build


def _chain(plan: Plan, slots: _Slots, known: set[str], binders: list[Binder], final: Step) -> Step:
    """The steps of `plan` linked front to back, ending in `final`."""
    builders: list[Callable[[Step], Step]] = []
    for literal, reads_delta in plan:
        if isinstance(literal, Atom):
            builders.append(_atom_step(literal, reads_delta, slots, known, binders))
        elif isinstance(literal, Negation):
            builders.append(_negation_step(literal, slots, binders))
        else:
            builders.append(_comparison_step(literal, slots))
    step = final
    for build in reversed(builders):
        step = build(step)
    return step


def _terms(literal: Literal) -> tuple[Var | Const, ...]:
    if isinstance(literal, Atom):
        return literal.args
    if isinstance(literal, Negation):
        return literal.atom.args
    return (literal.left, literal.right)


class CompiledBody:
    """A planned clause body, ready to run against a session's relations.

    What one run reads and writes (the relations, the rows found, the budget's room) lives in
    the closures of its steps, set at the start of the run and cleared at its end: the body
    outlives the session (native.py keeps compiled bodies for the next one) and must not keep
    the session's relations alive."""

    def __init__(self, plan: Plan, head: Atom, bound: frozenset[str], existence: bool) -> None:
        slots = _Slots()
        self._given = {name: slots.var(name) for name in sorted(bound)}
        self._binders: list[Binder] = []
        head_vars = {t.name for t in head.args if isinstance(t, Var)}
        known = set(bound)
        # The first step after which every head variable is bound: from there on, one match is enough.
        split = len(plan)
        if existence:
            seen_vars = set(known)
            for n, (literal, _) in enumerate(((None, False),) + plan):
                if isinstance(literal, Atom):
                    seen_vars.update(t.name for t in literal.args if isinstance(t, Var))
                if head_vars <= seen_vars:
                    split = n
                    break
        prefix = _chain(plan[:split], slots, known, self._binders, lambda regs: emit(regs))
        # The existence check depends only on the values it reads that are bound before it:
        # many head rows share them (every entry X of one zone Z), so each is answered once.
        reads = sorted({t.name for literal, _ in plan[split:] for t in _terms(literal) if isinstance(t, Var)} & known)
        memo_key = _getter(tuple(slots.var(v) for v in reads)) if reads else (lambda regs: ())
        suffix = _chain(plan[split:], slots, known, self._binders, lambda regs: True) if split < len(plan) else None
        head_row = _getter(tuple(slots.term(t) for t in head.args)) if head.args else (lambda regs: ())

        existing: set[Row] | frozenset[Row] = frozenset()  # head rows derived before this run (not changed by it)
        seen: set[Row] = set()  # head rows found in this run
        produced: list[Row] = []
        memo: dict[Row, bool] = {}  # existence checks answered in this run, by the values they read
        room = 0  # rows this run may produce before the analysis's tuple budget is spent

        def begin(before: set[Row] | frozenset[Row], limit: int) -> list[Row]:
            nonlocal existing, seen, produced, memo, room
            existing, seen, produced, memo, room = before, set(), [], {}, limit
            return produced

        def restart(limit: int) -> list[Row]:
            """`begin` for a run that only collects rows (emit_all)."""
            nonlocal produced, room
            produced, room = [], limit
            return produced

        # The budget counts where rows are made, so a cross product stops at `room`, not when
        # memory runs out.
        def emit_all(regs: Registers) -> bool:
            produced.append(head_row(regs))
            if len(produced) > room:
                raise OverBudget
            return False

        def emit_new(regs: Registers) -> bool:
            row = head_row(regs)
            if row in existing or row in seen:
                return False
            seen.add(row)
            produced.append(row)
            if len(produced) > room:
                raise OverBudget
            return False

        def emit_checked(regs: Registers) -> bool:
            row = head_row(regs)
            if row in existing or row in seen:
                return False
            key = memo_key(regs)
            found = memo.get(key)
            if found is None:
                assert suffix is not None
                found = memo[key] = suffix(regs)
            if not found:
                return False
            seen.add(row)
            produced.append(row)
            if len(produced) > room:
                raise OverBudget
            return False

        emit = emit_all if not existence else emit_new if suffix is None else emit_checked
        self._begin, self._restart = begin, restart
        self._all_solutions = not existence
        self._first = prefix
        self._size = slots.count
        self._constants = slots.constants

    def _registers(self) -> Registers:
        regs: Registers = [None] * self._size
        for slot, value in self._constants:
            regs[slot] = value
        return regs

    def _bind(self, relations: Mapping[str, Relation], delta: Relation | None) -> None:
        for bind in self._binders:
            bind(relations, delta)

    def _release(self) -> None:
        self._bind(_NO_RELATIONS, None)
        self._begin(frozenset(), 0)

    def heads(self, relations: Mapping[str, Relation], delta: Relation | None, existing: set[Row],
              room: int) -> list[Row]:
        """The distinct head rows the body derives that are not in `existing` (which must not
        change during the run: callers add the rows afterwards); OverBudget past `room` rows."""
        produced = self._begin(existing, room)
        self._bind(relations, delta)
        try:
            self._first(self._registers())
            return produced
        finally:
            self._release()

    def each_heads(self, relations: Mapping[str, Relation], names: Sequence[str], keys: Iterable[Row],
                   room: int) -> list[list[Row]]:
        """Every solution's head row (duplicates possible), once per key: the key's values are given
        to the bound variables `names` (all of them, in key order). OverBudget once the runs
        together pass `room` rows."""
        self._bind(relations, None)
        # One register list for every run: the given slots are set per key, and every other
        # variable's slot is written by the step that binds it before any later step reads it.
        regs = self._registers()
        slots = [self._given[name] for name in names]
        assert len(slots) == len(self._given), "every bound variable needs a value"
        assert self._all_solutions, "compiled with existence=False"
        first, restart = self._first, self._restart
        out: list[list[Row]] = []
        total = 0
        try:
            if len(slots) == 1:
                slot = slots[0]
                for (value,) in keys:
                    regs[slot] = value
                    produced = restart(room - total)
                    first(regs)
                    out.append(produced)
                    total += len(produced)
            else:
                for key in keys:
                    for slot, value in zip(slots, key):
                        regs[slot] = value
                    produced = restart(room - total)
                    first(regs)
                    out.append(produced)
                    total += len(produced)
            return out
        finally:
            self._release()


def compile_body(plan: Plan, head: Atom, bound: frozenset[str] = frozenset(), existence: bool = True) -> CompiledBody:
    return CompiledBody(plan, head, bound, existence)

