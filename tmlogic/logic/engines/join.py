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

from ...typing_runtime import Any
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


def _no_key(regs: Registers) -> Row:
    return ()


def _found(regs: Registers) -> bool:
    return True


def _not_collecting(limit: int) -> list[Row]:
    raise AssertionError("compiled with existence=True")


_NO_RELATIONS: Mapping[str, Relation] = {}  # what a body reads between runs
_NOTHING: dict[Row, list[Row]] = {}  # a step's source while no relation is bound, or when its relation does not exist
_ANY_ROW: frozenset[Row] = frozenset({()})  # the source of a negation of only `_` on a relation with rows

# Sets a step's source for a run: the session's relations and the semi-naive delta (or None).
Binder = Callable[[Mapping[str, Relation], "Relation | None"], None]


class _Slots:
    """Registers of one clause: one per variable, one per occurrence of a constant, numbered in
    the order they are first met."""

    __slots__ = ("of_var", "constants", "count")

    def __init__(self, bound: frozenset[str]) -> None:
        self.of_var: dict[str, int] = {name: i for i, name in enumerate(sorted(bound))} if bound else {}
        self.constants: list[tuple[int, str | int]] = []
        self.count = len(self.of_var)

    def term(self, term: Var | Const) -> int:
        slot = self.count
        if type(term) is Const:
            self.constants.append((slot, term.value))
        else:
            name = term.name  # type: ignore[union-attr]
            found = self.of_var.get(name)
            if found is not None:
                return found
            self.of_var[name] = slot
        self.count = slot + 1
        return slot


# A step specified front to back (registers assigned in evaluation order), built back to front
# (each step calls the next): (kind, literal, reads_delta, step data).
_Spec = tuple[str, Literal, bool, tuple[Any, ...]]


def _specify(plan: Plan, slots: _Slots, known: set[str],
             head_vars: set[str] | None = None) -> tuple[list[_Spec], int, set[str]]:
    """The steps of `plan`, and, for `head_vars`, the number of steps after which all of them are
    bound (the split of an existence check, CompiledBody) with the variables bound then; without
    `head_vars`, len(plan) and `known`."""
    specs: list[_Spec] = []
    of_var, constants = slots.of_var, slots.constants
    count = slots.count  # the next free register
    split = len(plan)
    known_at_split = known
    if head_vars is not None and head_vars <= known:
        split, head_vars, known_at_split = 0, None, set(known)
    for literal, reads_delta in plan:
        kind = type(literal)
        if kind is Atom:
            atom: Atom = literal  # type: ignore[assignment]
            positions: list[int] = []
            key_slots: list[int] = []
            binds: list[tuple[int, int]] = []
            checks: list[tuple[int, int]] = []
            here: set[str] = set()  # variables bound earlier in this atom
            for i, t in enumerate(atom.args):
                if type(t) is Const:
                    constants.append((count, t.value))
                    positions.append(i)
                    key_slots.append(count)
                    count += 1
                    continue
                name = t.name  # type: ignore[union-attr]
                if name in known:
                    positions.append(i)
                    key_slots.append(of_var[name])
                elif name in here:
                    checks.append((i, of_var[name]))  # the same variable twice in one atom
                else:
                    here.add(name)
                    of_var[name] = count
                    binds.append((i, count))
                    count += 1
            known |= here
            specs.append(("a", atom, reads_delta, (tuple(positions), key_slots, binds, checks)))
            if head_vars is not None and head_vars <= known:
                split, head_vars, known_at_split = len(specs), None, set(known)
        else:
            slots.count = count
            if kind is Negation:
                args = literal.atom.args  # type: ignore[union-attr]
                named = [i for i, t in enumerate(args) if not (type(t) is Var and t.anonymous)]
                specs.append(("n", literal, False, (tuple(named), [slots.term(args[i]) for i in named])))
            else:
                specs.append(("c", literal, False, (slots.term(literal.left), slots.term(literal.right))))  # type: ignore[union-attr]
            count = slots.count
    slots.count = count
    return specs, split, known_at_split


def _build(specs: list[_Spec], binders: list[Binder], final: Step) -> Step:
    """The steps of `specs` linked front to back, ending in `final`."""
    step = final
    for kind, literal, reads_delta, data in reversed(specs):
        if kind == "a":
            pos, key_slots, binds, checks = data
            step = _atom_step(literal.predicate, reads_delta, pos, key_slots, binds, checks, binders, step)  # type: ignore[union-attr]
        elif kind == "n":
            pos, key_slots = data
            step = _negation_step(literal.atom.predicate, pos, key_slots, binders, step)  # type: ignore[union-attr]
        else:
            left, right = data
            step = _comparison_step(literal.op, left, right, step)  # type: ignore[union-attr]
    return step


def _atom_step(predicate: str, reads_delta: bool, pos: tuple[int, ...], key_slots: list[int],
               binds: list[tuple[int, int]], checks: list[tuple[int, int]], binders: list[Binder], nxt: Step) -> Step:
    """A step reads its relation through `source`, which its binder sets once per run (the rows,
    or the index on the positions it looks up): the relations do not change during a run, and
    the lookup of the relation and its index is then not repeated for every binding."""
    full = len(binds) + len(checks) == 0
    probe = full or not pos  # the rows themselves: a membership test, or a scan
    source: Any = _NOTHING

    def bind(relations: Mapping[str, Relation], delta: Relation | None) -> None:
        nonlocal source
        relation = delta if reads_delta else relations.get(predicate)
        source = _NOTHING if relation is None else relation.rows if probe else relation.index(pos)

    binders.append(bind)

    if not pos:
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
    single = key_slots[0] if len(key_slots) == 1 else -1  # the key's one register, read inline
    if full:
        if single >= 0:
            return lambda regs: (regs[single],) in source and nxt(regs)
        key = _getter(tuple(key_slots))
        return lambda regs: key(regs) in source and nxt(regs)
    # The common case, one variable bound from each row found, spelled out: it runs for
    # almost every binding of almost every rule.
    simple = not checks and len(binds) == 1
    if simple:
        ((bind_at, bind_slot),) = binds
        if single >= 0:
            def run_one(regs: Registers) -> bool:
                for row in source.get((regs[single],), ()):
                    regs[bind_slot] = row[bind_at]
                    if nxt(regs):
                        return True
                return False

            return run_one
        key = _getter(tuple(key_slots))

        def run_key(regs: Registers) -> bool:
            for row in source.get(key(regs), ()):
                regs[bind_slot] = row[bind_at]
                if nxt(regs):
                    return True
            return False

        return run_key
    key = _getter(tuple(key_slots))

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


def _negation_step(predicate: str, pos: tuple[int, ...], key_slots: list[int], binders: list[Binder],
                   nxt: Step) -> Step:
    key = _getter(tuple(key_slots)) if key_slots else (lambda regs: ())
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


def _comparison_step(op: str, left: int, right: int, nxt: Step) -> Step:
    if op == "=":
        return lambda regs: regs[left] == regs[right] and nxt(regs)
    if op == "!=":
        return lambda regs: regs[left] != regs[right] and nxt(regs)
    return lambda regs: compare(op, regs[left], regs[right]) and nxt(regs)  # type: ignore[arg-type]


def _reads(specs: list[_Spec]) -> set[str]:
    """The variables the steps of `specs` read or bind."""
    out: set[str] = set()
    for kind, literal, _, _ in specs:
        if kind == "a":
            out.update([t.name for t in literal.args if type(t) is Var])  # type: ignore[union-attr]
        elif kind == "n":
            out.update([t.name for t in literal.atom.args if type(t) is Var])  # type: ignore[union-attr]
        else:
            out.update([t.name for t in (literal.left, literal.right) if type(t) is Var])  # type: ignore[union-attr]
    return out


class CompiledBody:
    """A planned clause body, ready to run against a session's relations.

    What one run reads and writes (the relations, the rows found, the budget's room) lives in
    the closures of its steps, set at the start of the run and cleared at its end: the body
    outlives the session (native.py keeps compiled bodies for the next one) and must not keep
    the session's relations alive."""

    __slots__ = ("_given", "_binders", "_begin", "_restart", "_all_solutions", "_first", "_size", "_constants")

    def __init__(self, plan: Plan, head: Atom, bound: frozenset[str], existence: bool) -> None:
        slots = _Slots(bound)
        self._given = slots.of_var.copy() if not existence else {}  # (each_heads reads it)
        binders: list[Binder] = []
        self._binders = binders
        # The first step after which every head variable is bound (`split`): from there on, one
        # match is enough. The registers are numbered in plan order either way.
        head_vars = {t.name for t in head.args if type(t) is Var} if existence else None
        specs, split, known = _specify(plan, slots, set(bound), head_vars)
        prefix_specs = specs[:split] if split < len(specs) else specs
        suffix: Step | None = None
        memo_key: Callable[[Registers], Row] = _no_key
        if split < len(specs):
            suffix_specs = specs[split:]
            # The existence check depends only on the values it reads that are bound before it:
            # many head rows share them (every entry X of one zone Z), so each is answered once.
            reads = sorted(_reads(suffix_specs) & known)
            if reads:
                memo_key = _getter(tuple(slots.of_var[v] for v in reads))
            suffix = _build(suffix_specs, binders, _found)
        head_row = _getter(tuple([slots.term(t) for t in head.args])) if head.args else _no_key

        existing: set[Row] | frozenset[Row] = frozenset()  # head rows derived before this run (not changed by it)
        seen: set[Row] = set()  # head rows found in this run
        produced: list[Row] = []
        memo: dict[Row, bool] = {}  # existence checks answered in this run, by the values they read
        room = 0  # rows this run may produce before the analysis's tuple budget is spent

        # The budget counts where rows are made, so a cross product stops at `room`, not when
        # memory runs out.
        if not existence:
            def restart(limit: int) -> list[Row]:
                """The start of a run that only collects rows (emit_all)."""
                nonlocal produced, room
                produced, room = [], limit
                return produced

            def emit_all(regs: Registers) -> bool:
                produced.append(head_row(regs))
                if len(produced) > room:
                    raise OverBudget
                return False

            def collect(before: set[Row] | frozenset[Row], limit: int) -> list[Row]:
                return restart(limit)

            emit = emit_all
            self._begin = collect
            self._restart = restart
        else:
            def begin(before: set[Row] | frozenset[Row], limit: int) -> list[Row]:
                nonlocal existing, seen, produced, memo, room
                existing, seen, produced, memo, room = before, set(), [], {}, limit
                return produced

            if suffix is None:
                def emit_new(regs: Registers) -> bool:
                    row = head_row(regs)
                    if row in existing or row in seen:
                        return False
                    seen.add(row)
                    produced.append(row)
                    if len(produced) > room:
                        raise OverBudget
                    return False

                emit = emit_new
            else:
                check = suffix

                def emit_checked(regs: Registers) -> bool:
                    row = head_row(regs)
                    if row in existing or row in seen:
                        return False
                    key = memo_key(regs)
                    found = memo.get(key)
                    if found is None:
                        found = memo[key] = check(regs)
                    if not found:
                        return False
                    seen.add(row)
                    produced.append(row)
                    if len(produced) > room:
                        raise OverBudget
                    return False

                emit = emit_checked
            self._begin = begin
            self._restart = _not_collecting
        # Built last: the prefix's binders come after the suffix's (the order does not matter).
        self._first = _build(prefix_specs, binders, emit)
        self._all_solutions = not existence
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

