"""Planned rule bodies compiled into chains of step functions over a list of registers.

Each variable and constant of a clause gets a register (slot); a step reads its lookup key from
registers and writes the values it binds into them, so solving a body allocates no dictionary
per binding. Two ways to run a body:

- `heads`: the distinct head rows it derives. Once every head variable is bound, the rest of
  the body only has to be satisfiable, so it stops at the first match (an existence check),
  and a head row already derived is not checked again. This turns self-joins such as
  "another entry of the same zone" from quadratic into linear work.
- `all_heads`: every solution, for firing relations, whose head holds every variable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter

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


class _State:
    """What one run of a compiled body reads and writes; set before each run."""

    __slots__ = ("relations", "delta", "existing", "seen", "produced", "memo", "room")

    def __init__(self) -> None:
        self.relations: Mapping[str, Relation] = _NO_RELATIONS
        self.delta: Relation | None = None
        self.existing: set[Row] = set()  # head rows derived before this run (not changed by it)
        self.seen: set[Row] = set()  # head rows found in this run
        self.produced: list[Row] = []
        self.memo: dict[Row, bool] = {}  # existence checks answered in this run, by the values they read
        self.room = 0  # rows this run may produce before the analysis's tuple budget is spent


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


def _atom_step(atom: Atom, reads_delta: bool, slots: _Slots, known: set[str], state: _State) -> Callable[[Step], Step]:
    """Assigns the atom's registers now (steps are specified front to back) and returns the
    builder of its step, which needs the next step (steps are built back to front)."""
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
    key = _getter(tuple(key_slots)) if positions else None

    def build(nxt: Step) -> Step:
        def run(regs: Registers) -> bool:
            relation = state.delta if reads_delta else state.relations.get(predicate)
            if relation is None:
                return False
            if key is None:
                rows: Iterable[Row] = relation.rows
            elif full:
                return key(regs) in relation.rows and nxt(regs)
            else:
                rows = relation.index(pos).get(key(regs), ())
            for row in rows:
                for i, slot in binds:
                    regs[slot] = row[i]
                if checks and any(row[i] != regs[slot] for i, slot in checks):
                    continue
                if nxt(regs):
                    return True
            return False

        return run

    return build


def _negation_step(negation: Negation, slots: _Slots, state: _State) -> Callable[[Step], Step]:
    atom = negation.atom
    named = [(i, t) for i, t in enumerate(atom.args) if not (isinstance(t, Var) and t.anonymous)]
    pos = tuple(i for i, _ in named)
    key = _getter(tuple(slots.term(t) for _, t in named)) if named else None
    predicate = atom.predicate

    def build(nxt: Step) -> Step:
        def run(regs: Registers) -> bool:
            relation = state.relations.get(predicate)
            if relation is not None and relation.contains_match(pos, key(regs) if key is not None else ()):
                return False
            return nxt(regs)

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


def _chain(plan: Plan, slots: _Slots, known: set[str], state: _State, final: Step) -> Step:
    """The steps of `plan` linked front to back, ending in `final`."""
    builders: list[Callable[[Step], Step]] = []
    for literal, reads_delta in plan:
        if isinstance(literal, Atom):
            builders.append(_atom_step(literal, reads_delta, slots, known, state))
        elif isinstance(literal, Negation):
            builders.append(_negation_step(literal, slots, state))
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
    """A planned clause body, ready to run against a session's relations."""

    def __init__(self, plan: Plan, head: Atom, bound: frozenset[str], existence: bool) -> None:
        self._state = state = _State()
        slots = _Slots()
        self._given = {name: slots.var(name) for name in sorted(bound)}
        head_vars = {t.name for t in head.args if isinstance(t, Var)}
        known = set(bound)
        # The first step after which every head variable is bound: from there on, one match is enough.
        split = len(plan)
        if existence:
            seen = set(known)
            for n, (literal, _) in enumerate(((None, False),) + plan):
                if isinstance(literal, Atom):
                    seen.update(t.name for t in literal.args if isinstance(t, Var))
                if head_vars <= seen:
                    split = n
                    break
        prefix = _chain(plan[:split], slots, known, state, lambda regs: emit(regs))
        # The existence check depends only on the values it reads that are bound before it:
        # many head rows share them (every entry X of one zone Z), so each is answered once.
        reads = sorted({t.name for literal, _ in plan[split:] for t in _terms(literal) if isinstance(t, Var)} & known)
        memo_key = _getter(tuple(slots.var(v) for v in reads)) if reads else (lambda regs: ())
        suffix = _chain(plan[split:], slots, known, state, lambda regs: True)
        head_row = _getter(tuple(slots.term(t) for t in head.args)) if head.args else (lambda regs: ())

        def emit(regs: Registers) -> bool:
            row = head_row(regs)
            if not existence:
                state.produced.append(row)
            elif row not in state.existing and row not in state.seen:
                key = memo_key(regs)
                found = state.memo.get(key)
                if found is None:
                    found = state.memo[key] = suffix(regs)
                if not found:
                    return False
                state.seen.add(row)
                state.produced.append(row)
            else:
                return False
            # The budget counts where rows are made, so a cross product stops here, not when
            # memory runs out.
            if len(state.produced) > state.room:
                raise OverBudget
            return False

        self._first = prefix
        self._size = slots.count
        self._constants = slots.constants

    def _registers(self) -> Registers:
        regs: Registers = [None] * self._size
        for slot, value in self._constants:
            regs[slot] = value
        return regs

    def heads(self, relations: Mapping[str, Relation], delta: Relation | None, existing: set[Row],
              room: int) -> list[Row]:
        """The distinct head rows the body derives that are not in `existing` (which must not
        change during the run: callers add the rows afterwards); OverBudget past `room` rows."""
        state = self._state
        state.relations, state.delta, state.existing, state.seen, state.produced = relations, delta, existing, set(), []
        state.memo, state.room = {}, room
        try:
            self._first(self._registers())
            return state.produced
        finally:
            # The body outlives the session (native.py keeps compiled bodies for the next one):
            # it must not keep the session's relations alive.
            state.relations, state.delta = _NO_RELATIONS, None
            state.existing, state.seen, state.produced, state.memo = set(), set(), [], {}

    def all_heads(self, relations: Mapping[str, Relation], given: Mapping[str, str | int], room: int) -> list[Row]:
        """Every solution's head row (duplicates possible), with the `bound` variables given;
        OverBudget past `room` rows."""
        state = self._state
        state.relations, state.delta, state.produced, state.room = relations, None, [], room
        regs = self._registers()
        for name, slot in self._given.items():
            regs[slot] = given[name]
        try:
            self._first(regs)
            return state.produced
        finally:
            state.relations, state.produced = _NO_RELATIONS, []


def compile_body(plan: Plan, head: Atom, bound: frozenset[str] = frozenset(), existence: bool = True) -> CompiledBody:
    return CompiledBody(plan, head, bound, existence)

