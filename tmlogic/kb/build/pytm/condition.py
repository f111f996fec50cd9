"""pytm conditions, parsed with Python's `ast` into a small logic of attribute tests.

pytm and SecOpsTM run these strings with `eval`. Here a condition is only parsed (`ast.parse`
in "eval" mode builds a syntax tree and runs nothing) and walked: every construct the pytm
library uses has a meaning below, and anything else is a `Untranslatable` with the reason, for
the translation report. The result is a tree of

    And, Or, Not            Python's and/or/not
    Test(ref, kind, value)  `x is True`, `x is False`, `x == 'HTTP'`, `x != 'RSA'`,
                            `x in (Lifetime.LONG, ...)`, a bare `x` (truthy)
    Order(left, op, right)  `target.tlsVersion < target.sink.minTLSVersion`: both attributes,
                            compared by the order of pytm's enumeration
    Exists(var, coll, body) `any(body for var in target.coll)`

where a Ref names an attribute path from `target` or from a comprehension variable.
pytm's helper methods are expanded into the same logic, from their definitions in pytm
(dataflow.py, element.py), so that they translate like any other condition:

    target.hasDataLeaks()       any(d.classification > target.source.maxClassification or
                                    d.classification > target.sink.maxClassification or
                                    d.classification > target.maxClassification for d in target.data)
    target.checkTLSVersion(C)   any(f.tlsVersion < target.minTLSVersion for f in C)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ....typing_runtime import Union

__all__ = ["Ref", "Test", "Order", "Exists", "And", "Or", "Not", "Cond", "Untranslatable", "parse_condition",
           "refs_of"]


class Untranslatable(Exception):
    """A construct of a condition that has no meaning in the translation, with the reason."""


@dataclass(frozen=True)
class Ref:
    var: str  # "target", or a comprehension variable
    path: tuple[str, ...]  # ("controls", "sanitizesInput"), ("sink", "minTLSVersion")

    def __str__(self) -> str:
        return ".".join((self.var,) + self.path)


@dataclass(frozen=True)
class Test:
    ref: Ref
    kind: str  # "is" (is True / is False / truthy), "eq", "ne", "in", "notin"
    value: tuple[str | bool, ...]  # (True,) for "is"; the constants for eq/ne/in/notin


@dataclass(frozen=True)
class Order:
    left: Ref
    op: str  # "<", "<=", ">", ">="
    right: Ref


@dataclass(frozen=True)
class Exists:
    var: str
    collection: Ref
    body: "Cond"


@dataclass(frozen=True)
class And:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Not:
    item: "Cond"


Cond = Union[Test, Order, Exists, And, Or, Not]

# Enumerations a condition may name (pytm's enums.py): the member name is the value.
_ENUMS = frozenset({"Lifetime", "Classification", "TLSVersion", "DatastoreType"})
_ORDER_OPS: dict[type[ast.cmpop], str] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def _ref(node: ast.expr, scope: frozenset[str]) -> Ref:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise Untranslatable(f"an attribute of something other than a name ({ast.unparse(node)})")
    if node.id != "target" and node.id not in scope:
        raise Untranslatable(f"the name '{node.id}' is neither target nor a comprehension variable")
    if any(p.startswith("_") for p in parts):
        raise Untranslatable("a private attribute")
    return Ref(node.id, tuple(reversed(parts)))


def _constant(node: ast.expr) -> str | bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool)):
        return node.value
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _ENUMS):
        return node.attr
    raise Untranslatable(f"a comparison with {ast.unparse(node)}, which is not a string, a boolean or an "
                         "enumeration member")


def _is_ref(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id not in _ENUMS


def _compare(node: ast.Compare, scope: frozenset[str]) -> Cond:
    if len(node.ops) != 1:
        raise Untranslatable("a chained comparison")
    op, left, right = node.ops[0], node.left, node.comparators[0]
    if isinstance(op, (ast.Is, ast.IsNot)):
        value = _constant(right)
        if not isinstance(value, bool):
            raise Untranslatable(f"'is' with {ast.unparse(right)}")
        test = Test(_ref(left, scope), "is", (value,))
        return Not(test) if isinstance(op, ast.IsNot) else test
    if isinstance(op, (ast.Eq, ast.NotEq)):
        if not _is_ref(left) and _is_ref(right):
            left, right = right, left
        value = _constant(right)
        if isinstance(value, bool):
            test = Test(_ref(left, scope), "is", (value,))
            return test if isinstance(op, ast.Eq) else Not(test)
        return Test(_ref(left, scope), "eq" if isinstance(op, ast.Eq) else "ne", (value,))
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            raise Untranslatable(f"'in' over {ast.unparse(right)}, not a literal list of values")
        values = tuple(_constant(v) for v in right.elts)
        return Test(_ref(left, scope), "in" if isinstance(op, ast.In) else "notin", values)
    kind = _ORDER_OPS.get(type(op))
    if kind is not None:
        if not (_is_ref(left) and _is_ref(right)):
            raise Untranslatable(f"an ordering between {ast.unparse(left)} and {ast.unparse(right)}; only two "
                                 "attributes of one enumeration are ordered")
        return Order(_ref(left, scope), kind, _ref(right, scope))
    raise Untranslatable(f"the comparison operator {type(op).__name__}")


def _any(node: ast.Call, scope: frozenset[str]) -> Cond:
    if len(node.args) != 1 or not isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)):
        raise Untranslatable("any() over something other than a generator expression")
    gen = node.args[0]
    if len(gen.generators) != 1:
        raise Untranslatable("a generator with several 'for' clauses")
    comp = gen.generators[0]
    if comp.ifs or comp.is_async or not isinstance(comp.target, ast.Name):
        raise Untranslatable("a generator with 'if' filters or unpacking")
    var = comp.target.id
    collection = _ref(comp.iter, scope)
    return Exists(var, collection, _cond(gen.elt, scope | {var}))


def _has_data_leaks(owner: Ref, scope: frozenset[str]) -> Cond:
    # pytm/dataflow.py, Dataflow.hasDataLeaks
    var = "d"
    while var in scope:
        var += "_"
    d = Ref(var, ("classification",))
    return Exists(var, Ref(owner.var, owner.path + ("data",)), Or((
        Order(d, ">", Ref(owner.var, owner.path + ("source", "maxClassification"))),
        Order(d, ">", Ref(owner.var, owner.path + ("sink", "maxClassification"))),
        Order(d, ">", Ref(owner.var, owner.path + ("maxClassification",))),
    )))


def _check_tls_version(owner: Ref, args: list[ast.expr], scope: frozenset[str]) -> Cond:
    # pytm/element.py, Element.checkTLSVersion(flows): any(f.tlsVersion < self.minTLSVersion for f in flows)
    if len(args) != 1:
        raise Untranslatable("checkTLSVersion() takes one list of flows")
    var = "f"
    while var in scope:
        var += "_"
    return Exists(var, _ref(args[0], scope),
                  Order(Ref(var, ("tlsVersion",)), "<", Ref(owner.var, owner.path + ("minTLSVersion",))))


def _call(node: ast.Call, scope: frozenset[str]) -> Cond:
    if node.keywords:
        raise Untranslatable("a call with keyword arguments")
    func = node.func
    if isinstance(func, ast.Name) and func.id == "any":
        return _any(node, scope)
    if isinstance(func, ast.Attribute) and _is_ref(func.value):
        owner = _ref(func.value, scope)
        if func.attr == "hasDataLeaks" and not node.args:
            return _has_data_leaks(owner, scope)
        if func.attr == "checkTLSVersion":
            return _check_tls_version(owner, node.args, scope)
        raise Untranslatable(f"the method {func.attr}(), whose meaning the translator does not know")
    raise Untranslatable(f"the call {ast.unparse(func)}()")


def _cond(node: ast.expr, scope: frozenset[str]) -> Cond:
    if isinstance(node, ast.BoolOp):
        items = tuple(_cond(v, scope) for v in node.values)
        return And(items) if isinstance(node.op, ast.And) else Or(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_cond(node.operand, scope))
    if isinstance(node, ast.Compare):
        return _compare(node, scope)
    if isinstance(node, ast.Call):
        return _call(node, scope)
    if isinstance(node, ast.Attribute):
        return Test(_ref(node, scope), "is", (True,))  # a bare attribute: its truth
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        raise Untranslatable(f"the constant {node.value} as a condition")
    raise Untranslatable(f"the construct {type(node).__name__} ({ast.unparse(node)[:60]})")


def parse_condition(text: str) -> Cond:
    """The condition as logic; raises Untranslatable (with the reason) for what has no meaning here."""
    if not text.strip():
        raise Untranslatable("the condition is empty")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise Untranslatable(f"not a Python expression: {exc.msg}") from None
    return _cond(tree.body, frozenset())


def refs_of(cond: Cond) -> list[Ref]:
    """Every attribute reference in a condition, in order."""
    if isinstance(cond, Test):
        return [cond.ref]
    if isinstance(cond, Order):
        return [cond.left, cond.right]
    if isinstance(cond, Exists):
        return [cond.collection] + refs_of(cond.body)
    if isinstance(cond, Not):
        return refs_of(cond.item)
    return [r for item in cond.items for r in refs_of(item)]
