"""Three-valued truth for pytm conditions: when is a condition known true, when known false.

pytm gives every attribute a default (controls are False unless set), so a condition such as
`target.controls.sanitizesInput is False` holds for every server nobody described: that is
where most of its findings come from. In a tmlogic model an attribute the model does not state
is *unknown*. Conditions are read with Kleene's logic: a test of an unknown attribute is
unknown; `a and b` is true when both are, false when one is; `a or b` is true when one is,
false when both are; `not a` swaps true and false; `any(p for x in C)` is true when some item
makes p true, false when C has items and every one makes p false.

A condition fires only when it is known true. Each side is computed as a DNF (an "or" of
"and"s) of literals that say what the model must state:

    Known(ref, value)           the attribute is stated, and is `value` (True or False)
    Value(ref, values, negated) the attribute has a stated value among `values` (or, negated, a
                                stated value that is none of them)
    Ranked(left, op, right)     both attributes are stated and ordered so (pytm's enum order)
    Some(var, coll, dnf)        an item of the collection makes dnf true
    Every(var, coll, dnf)       the collection has items and every item makes dnf true
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from ....typing_runtime import Union
from .condition import And, Cond, Exists, Not, Or, Order, Ref, Test

__all__ = ["Known", "Value", "Ranked", "Some", "Every", "Literal", "Conj", "DNF", "when", "simplify"]


@dataclass(frozen=True)
class Known:
    ref: Ref
    value: bool


@dataclass(frozen=True)
class Value:
    ref: Ref
    values: tuple[str, ...]
    negated: bool


@dataclass(frozen=True)
class Ranked:
    left: Ref
    op: str
    right: Ref


@dataclass(frozen=True)
class Some:
    var: str
    collection: Ref
    dnf: "DNF"


@dataclass(frozen=True)
class Every:
    var: str
    collection: Ref
    dnf: "DNF"


Literal = Union[Known, Value, Ranked, Some, Every]
Conj = tuple[Literal, ...]
DNF = tuple[Conj, ...]

_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
TRUE: DNF = ((),)
FALSE: DNF = ()


def _and(parts: list[DNF]) -> DNF:
    out: list[Conj] = []
    for combo in product(*parts):
        conj: list[Literal] = []
        for c in combo:
            for lit in c:
                if lit not in conj:
                    conj.append(lit)
        out.append(tuple(conj))
    return simplify(tuple(out))


def _or(parts: list[DNF]) -> DNF:
    return simplify(tuple(c for p in parts for c in p))


def simplify(dnf: DNF) -> DNF:
    """Without repeated conjunctions, nor ones that another (a subset of it) already covers."""
    unique = list(dict.fromkeys(dnf))
    keep: list[Conj] = []
    for c in unique:
        if any(other != c and set(other) <= set(c) for other in unique):
            continue
        keep.append(c)
    return tuple(keep)


def _values(values: tuple[str | bool, ...]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _test(test: Test, truth: bool) -> DNF:
    if test.kind == "is":
        value = bool(test.value[0])
        return ((Known(test.ref, value if truth else not value),),)
    values = _values(test.value)
    positive = test.kind in ("eq", "in")
    if positive == truth:  # the attribute is one of the values: one conjunction per value
        return tuple((Value(test.ref, (v,), False),) for v in values)
    return ((Value(test.ref, values, True),),)


def when(cond: Cond, truth: bool) -> DNF:
    """The DNF of what the model must state for `cond` to be known `truth`."""
    if isinstance(cond, Test):
        return _test(cond, truth)
    if isinstance(cond, Order):
        op = cond.op if truth else _NEGATE[cond.op]
        return ((Ranked(cond.left, op, cond.right),),)
    if isinstance(cond, Exists):
        body = when(cond.body, truth)
        if not body:
            return FALSE
        return ((Some(cond.var, cond.collection, body) if truth else Every(cond.var, cond.collection, body),),)
    if isinstance(cond, Not):
        return when(cond.item, not truth)
    parts = [when(item, truth) for item in cond.items]
    if isinstance(cond, And):
        return _and(parts) if truth else _or(parts)
    assert isinstance(cond, Or)
    return _or(parts) if truth else _and(parts)
