"""tmlogic.records.record against dataclasses.dataclass: the same class shapes, made once by each,
must behave alike (construction, errors word for word, equality, hash, repr, order, frozen
assignment, defaults, factories, kw_only, InitVar, __post_init__, fields, replace); records' own
`field`, `fields` and `replace` against dataclasses' ones."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import KW_ONLY, InitVar, dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tmlogic import records
from tmlogic.records import record

Decorator = Callable[..., Any]


def shapes(decorate: Decorator, field: Callable[..., Any]) -> dict[str, type]:
    """The class shapes tmlogic uses, and the rarer options, made by `decorate` with its `field`."""

    @decorate(frozen=True)
    class Span:
        path: str
        line: int
        col: int = 1
        end: int | None = None

    @decorate(frozen=True, order=True)
    class Ordered:
        name: str
        rank: int = 0

    @decorate
    class Mutable:
        items: list[int] = field(default_factory=list)
        seen: set[str] = field(default_factory=set)
        label: str = "x"

    @decorate(eq=False)
    class Identity:
        a: int
        b: int = 2

    @decorate(frozen=True, eq=False)
    class FrozenIdentity:
        a: int

    @decorate(frozen=True)
    class Partial:
        key: str
        value: int
        spans: tuple[int, ...] = field(default=(), compare=False)
        note: str = field(default="", repr=False)
        hashed_only_by_key: int = field(default=0, hash=False)

    @decorate(frozen=True)
    class Empty:
        pass

    @decorate(frozen=True, kw_only=True)
    class AllKeywords:
        a: int
        b: int = 1

    @decorate
    class SomeKeywords:
        a: int
        b: int = field(default=5, kw_only=True)
        c: int = field(kw_only=True, default=6)

    @decorate
    class Marker:
        a: int
        _: KW_ONLY
        b: int
        c: int = 3

    @decorate
    class Posted:
        a: int
        scale: InitVar[int] = 1
        total: int = field(init=False)
        log: list[str] = field(default_factory=list, init=False)

        def __post_init__(self, scale: int) -> None:
            self.total = self.a * scale
            self.log.append(f"made {self.a}")

    @decorate(frozen=True)
    class FrozenPosted:
        a: int
        doubled: int = field(init=False, default=0)

        def __post_init__(self) -> None:
            object.__setattr__(self, "doubled", self.a * 2)

    @decorate(frozen=True)
    class WithClassVar:
        kinds: ClassVar[tuple[str, ...]] = ("a", "b")
        kind: str

    @decorate(frozen=True)
    class OwnMethods:
        a: int

        def __repr__(self) -> str:
            return f"<{self.a}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnMethods) and self.a % 10 == other.a % 10

        def __hash__(self) -> int:
            return self.a % 10

    @decorate(frozen=True)
    class Nested:
        inner: Any
        items: tuple[Any, ...] = ()

    @decorate(frozen=True)
    class Base:
        a: int
        b: str = "b"

    @decorate(frozen=True)
    class Child(Base):
        c: float = 0.5
        a: int = 7  # redeclared: keeps its place, takes a default

    @decorate(frozen=True)
    class Many:
        a: int
        b: int
        c: int
        d: int = 4

    return {cls.__name__: cls for cls in (Span, Ordered, Mutable, Identity, FrozenIdentity, Partial, Empty,
                                          AllKeywords, SomeKeywords, Marker, Posted, FrozenPosted,
                                          WithClassVar, OwnMethods, Nested, Base, Child, Many)}


DATACLASSES = shapes(dataclass, dataclasses.field)
RECORDS = shapes(record, records.field)


def api(classes: dict[str, type]) -> Any:
    """The module whose field, fields, replace and MISSING go with these shapes."""
    return dataclasses if classes is DATACLASSES else records


def outcome(make: Callable[[], Any]) -> tuple[str, str]:
    """What `make()` does: its repr, or its exception's type and message."""
    try:
        return ("ok", repr(make()))
    except Exception as exc:  # noqa: BLE001 - the exception is the thing compared
        return (type(exc).__name__, str(exc))


def same(action: Callable[[dict[str, type]], Any]) -> tuple[str, str]:
    """`action` on the dataclass shapes and on the record shapes gives the same outcome."""
    expected = outcome(lambda: action(DATACLASSES))
    got = outcome(lambda: action(RECORDS))
    assert got == expected
    return got


CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Span", ("m.md", 3), {}),
    ("Span", ("m.md", 3, 4, 5), {}),
    ("Span", (), {"path": "m.md", "line": 3, "end": 9}),
    ("Span", ("m.md",), {"line": 3, "col": 2}),
    ("Span", (), {}),
    ("Span", ("m.md",), {}),
    ("Span", (), {"col": 2}),
    ("Span", ("m.md", 3, 4, 5, 6), {}),
    ("Span", ("m.md", 3, 4, 5, 6, 7), {}),
    ("Span", ("m.md", 3), {"nope": 1}),
    ("Span", ("m.md", 3), {"line": 4}),
    ("Span", ("m.md", 3, 4, 5, 6), {"nope": 1}),
    ("Many", (), {}),
    ("Many", (1,), {"d": 3}),
    ("Many", (1, 2, 3, 4, 5), {}),
    ("Many", (1, 2), {"c": 3}),
    ("Many", (1,), {"c": 3, "b": 2, "d": 5}),
    ("Many", (1, 2), {"b": 3, "c": 4}),
    ("Many", (1, 2), {"d": 3}),
    ("Many", (1, 2), {"c": 3, "e": 4}),
    ("Many", (1, 2, 3), {"d": 3}),
    ("Ordered", ("a",), {}),
    ("Mutable", (), {}),
    ("Mutable", ([1],), {"label": "y"}),
    ("Mutable", (), {"label": "y"}),
    ("Mutable", (), {"seen": {"a"}, "items": [2]}),
    ("Mutable", ([1], {"a"}), {}),
    ("Mutable", ([1], {"a"}, "z"), {}),
    ("Mutable", ([1], {"a"}, "z", 4), {}),
    ("Identity", (1,), {}),
    ("Partial", ("k", 1, (1, 2), "n", 3), {}),
    ("Empty", (), {}),
    ("Empty", (1,), {}),
    ("Empty", (), {"a": 1}),
    ("AllKeywords", (), {"a": 1}),
    ("AllKeywords", (1,), {}),
    ("AllKeywords", (), {}),
    ("AllKeywords", (1,), {"a": 2}),
    ("AllKeywords", (1, 2), {"b": 2}),
    ("SomeKeywords", (1,), {"b": 2}),
    ("SomeKeywords", (1, 2), {}),
    ("SomeKeywords", (1, 2), {"c": 3}),
    ("SomeKeywords", (1, 2, 3), {"b": 1, "c": 3}),
    ("Marker", (1,), {"b": 2}),
    ("Marker", (1,), {}),
    ("Marker", (), {}),
    ("Marker", (1, 2), {}),
    ("Posted", (2,), {}),
    ("Posted", (2, 3), {}),
    ("Posted", (), {"a": 2, "scale": 5}),
    ("Posted", (2,), {"total": 1}),
    ("Posted", (2, 3, 4), {}),
    ("FrozenPosted", (4,), {}),
    ("FrozenPosted", (4, 5), {}),
    ("WithClassVar", ("a",), {}),
    ("WithClassVar", ("a",), {"kinds": ()}),
    ("OwnMethods", (3,), {}),
    ("Child", (), {}),
    ("Child", (1, "x", 2.5), {}),
    ("Child", (1, "x", 2.5, 4), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS)
def test_construction_and_its_errors_match_dataclasses(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    same(lambda classes: classes[name](*args, **kwargs))


def test_the_error_messages_are_those_of_a_function_call() -> None:
    # spelled out once, so that a change on both sides would still be noticed
    assert same(lambda c: c["Span"]()) == (
        "TypeError", "shapes.<locals>.Span.__init__() missing 2 required positional arguments: 'path' and 'line'")
    assert same(lambda c: c["Many"]()) == (
        "TypeError", "shapes.<locals>.Many.__init__() missing 3 required positional arguments: 'a', 'b', and 'c'")
    assert same(lambda c: c["Span"]("m", 1, 2, 3, 4)) == (
        "TypeError", "shapes.<locals>.Span.__init__() takes from 3 to 5 positional arguments but 6 were given")
    assert same(lambda c: c["Span"]("m", 1, nope=2)) == (
        "TypeError", "shapes.<locals>.Span.__init__() got an unexpected keyword argument 'nope'")
    assert same(lambda c: c["Marker"](1)) == (
        "TypeError", "shapes.<locals>.Marker.__init__() missing 1 required keyword-only argument: 'b'")


PAIRS: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = [
    ("Span", ("m.md", 3), ("m.md", 3)),
    ("Span", ("m.md", 3), ("m.md", 4)),
    ("Span", ("m.md", 3, 1, None), ("m.md", 3, 1, 5)),
    ("Ordered", ("a", 2), ("a", 2)),
    ("Ordered", ("a", 2), ("b", 1)),
    ("Ordered", ("b", 1), ("a", 9)),
    ("Identity", (1,), (1,)),
    ("FrozenIdentity", (1,), (1,)),
    ("Partial", ("k", 1, (1,), "n", 1), ("k", 1, (2,), "m", 1)),
    ("Partial", ("k", 1, (), "", 1), ("k", 1, (), "", 2)),
    ("Partial", ("k", 1), ("k", 2)),
    ("Empty", (), ()),
    ("OwnMethods", (3,), (13,)),
    ("Nested", (float("nan"),), (float("nan"),)),
    ("Base", (1,), (1,)),
]


@pytest.mark.parametrize(("name", "left", "right"), PAIRS)
def test_equality_hash_and_order_match_dataclasses(name: str, left: tuple[Any, ...], right: tuple[Any, ...]) -> None:
    def both(classes: dict[str, type]) -> tuple[Any, Any]:
        return classes[name](*left), classes[name](*right)

    same(lambda c: both(c)[0] == both(c)[1])
    same(lambda c: both(c)[0] != both(c)[1])
    same(lambda c: (lambda a, b: (a == a, a is b, a == b, b == a))(*both(c)))
    same(lambda c: hash(both(c)[0]) == hash(both(c)[0]))
    same(lambda c: (lambda a, b: hash(a) == hash(b) if a == b else None)(*both(c)))
    for compare in ("<", "<=", ">", ">="):
        same(lambda c: {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
                        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[compare](*both(c)))
    same(lambda c: sorted([both(c)[1], both(c)[0]]))


def test_hash_values_are_those_of_dataclasses() -> None:
    # the same numbers, so sets and dicts of records iterate as sets of dataclasses do
    for name, args in (("Span", ("m.md", 3)), ("Ordered", ("a", 2)), ("Partial", ("k", 1, (5,), "n", 9)),
                       ("Empty", ()), ("WithClassVar", ("a",))):
        same(lambda c: hash(c[name](*args)))
    same(lambda c: [c["Partial"](*a) for a in sorted({("k", 1, (), "", i) for i in range(9)})])
    same(lambda c: [r.value for r in {c["Partial"]("k", i) for i in range(50)}])


def test_unhashable_unless_frozen_or_not_compared() -> None:
    same(lambda c: hash(c["Mutable"]()))
    same(lambda c: c["Mutable"].__hash__)
    same(lambda c: type(hash(c["Identity"](1))))
    same(lambda c: c["Mutable"]() == c["Mutable"]())
    same(lambda c: c["Mutable"]([1]) == c["Mutable"]([2]))


def test_comparing_different_classes_is_not_equal_and_not_ordered() -> None:
    same(lambda c: c["Base"](1) == c["Child"](1))
    same(lambda c: c["Ordered"]("a") < c["Span"]("a", 1))
    same(lambda c: c["Ordered"]("a") == ("a", 0))
    same(lambda c: c["Span"]("m", 1) < c["Span"]("m", 2))


def test_repr_matches_dataclasses() -> None:
    same(lambda c: repr(c["Span"]("m.md", 3)))
    same(lambda c: repr(c["Partial"]("k", 1, (1,), "hidden", 2)))
    same(lambda c: repr(c["Empty"]()))
    same(lambda c: repr(c["OwnMethods"](4)))
    same(lambda c: repr(c["Nested"](c["Span"]("a", 1), (c["Empty"](),))))
    same(lambda c: repr(c["Posted"](3, 4)))


def test_a_record_that_contains_itself_shows_as_dots() -> None:
    def loop(classes: dict[str, type]) -> str:
        m = classes["Mutable"]()
        m.items.append(m)
        return repr(m)

    assert same(loop) == ("ok", repr("shapes.<locals>.Mutable(items=[...], seen=set(), label='x')"))


def test_frozen_assignment_and_deletion_fail_as_with_dataclasses() -> None:
    same(lambda c: setattr(c["Span"]("m", 1), "line", 2))
    same(lambda c: setattr(c["Span"]("m", 1), "other", 2))
    same(lambda c: delattr(c["Span"]("m", 1), "line"))
    same(lambda c: delattr(c["Span"]("m", 1), "other"))
    same(lambda c: isinstance(outcome(lambda: setattr(c["Span"]("m", 1), "line", 2)), tuple))
    with pytest.raises(records.FrozenInstanceError):
        RECORDS["Span"]("m", 1).line = 2  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):  # FrozenInstanceError is one, as callers may expect
        RECORDS["FrozenIdentity"](1).a = 2  # type: ignore[attr-defined]


def test_a_plain_subclass_of_a_frozen_record_may_add_attributes_but_not_set_fields() -> None:
    def sub(classes: dict[str, type]) -> tuple[Any, ...]:
        class Plain(classes["Base"]):  # type: ignore[misc, valid-type]
            pass

        p = Plain(1)
        p.extra = 5
        return (p.extra, outcome(lambda: setattr(p, "a", 3)), repr(p))

    same(sub)


def test_mutable_records_assign_freely() -> None:
    def assign(classes: dict[str, type]) -> Any:
        m = classes["Mutable"]()
        m.label = "changed"
        m.extra = 1
        del m.extra
        return m

    same(assign)


def test_default_factories_make_a_new_value_each_time() -> None:
    def twice(classes: dict[str, type]) -> tuple[bool, bool, Any, Any]:
        a, b = classes["Mutable"](), classes["Mutable"]()
        a.items.append(1)
        return (a.items is b.items, a.seen is b.seen, a, b)

    assert same(twice)[0] == "ok"
    a, b = RECORDS["Mutable"](), RECORDS["Mutable"]()
    assert a.items == [] and a.items is not b.items and a.seen is not b.seen
    a, b = RECORDS["Mutable"](label="k"), RECORDS["Mutable"](label="k")
    assert a.items is not b.items and a.seen is not b.seen
    a, b = RECORDS["Mutable"]([1]), RECORDS["Mutable"]([1])
    assert a.seen == set() and a.seen is not b.seen
    given: list[int] = [1]
    assert RECORDS["Mutable"](given).items is given


def test_defaults_stay_class_attributes_and_fields_in_the_body_do_not() -> None:
    for name, attribute in (("Span", "col"), ("Span", "end"), ("Partial", "spans"), ("Partial", "note"),
                            ("Mutable", "items"), ("Mutable", "label"), ("Span", "path"), ("Posted", "total"),
                            ("WithClassVar", "kinds"), ("Child", "a"), ("Child", "b")):
        same(lambda c: getattr(c[name], attribute))


def test_instance_dict_holds_the_fields_in_order() -> None:
    same(lambda c: vars(c["Span"]("m", 1)))
    same(lambda c: vars(c["Span"](line=2, path="m", end=3)))
    same(lambda c: vars(c["Posted"](2, 3)))
    same(lambda c: vars(c["Marker"](1, c=2, b=3)))
    same(lambda c: vars(c["Child"](b="q")))
    same(lambda c: vars(c["Mutable"](label="q")))
    same(lambda c: vars(c["Mutable"](seen={"s"})))
    same(lambda c: vars(c["Mutable"]([3])))
    same(lambda c: vars(c["Mutable"]([3], label="z")))  # positional arguments, then keywords
    same(lambda c: vars(c["Many"](1, d=5, c=3)))


def test_post_init_gets_the_init_vars() -> None:
    same(lambda c: (lambda p: (p.total, p.log, hasattr(p, "scale")))(c["Posted"](3, 4)))
    same(lambda c: c["FrozenPosted"](5).doubled)


def test_kw_only_shapes_match() -> None:
    for name in ("AllKeywords", "SomeKeywords", "Marker"):
        same(lambda c: [(f.name, f.kw_only) for f in api(c).fields(c[name])])
        same(lambda c: c[name].__match_args__)


def test_records_fields_and_replace_work_as_dataclasses_ones() -> None:
    def missing(c: dict[str, type], value: Any) -> Any:
        return "MISSING" if value is api(c).MISSING else value

    for name in RECORDS:
        same(lambda c: [(f.name, f.type, missing(c, f.default), missing(c, f.default_factory), f.init, f.repr,
                         f.compare, f.hash, missing(c, f.kw_only)) for f in api(c).fields(c[name])])
        same(lambda c: sorted(vars(c[name])["__dataclass_fields__" if c is DATACLASSES else "__record_fields__"]))
    same(lambda c: api(c).replace(c["Span"]("m", 1), line=7))
    same(lambda c: api(c).replace(c["Span"]("m", 1), nope=7))
    same(lambda c: api(c).replace(c["Posted"](2, 3)))
    same(lambda c: api(c).replace(c["Posted"](2, 3), scale=10))
    same(lambda c: api(c).replace(c["Posted"](2, 3), total=10))
    same(lambda c: api(c).replace(c["Marker"](1, b=2), c=9))
    same(lambda c: api(c).fields(c["Span"]("m", 1))[1].name)
    same(lambda c: api(c).field(default=1, default_factory=list))


def test_records_fields_and_replace_pass_a_dataclass_to_dataclasses() -> None:
    span = DATACLASSES["Span"]("m", 1)
    assert records.replace(span, line=7) == dataclasses.replace(span, line=7)
    assert records.fields(span) == dataclasses.fields(span)


def test_a_record_is_not_a_dataclass_and_takes_no_dataclass_parts() -> None:
    assert not dataclasses.is_dataclass(RECORDS["Span"])
    with pytest.raises(TypeError, match="field a of record A is a dataclasses.field: use tmlogic.records.field"):
        @record
        class A:
            a: int = dataclasses.field(default=1)
    with pytest.raises(TypeError, match="record B cannot inherit from dataclass Span: make the base a record"):
        @record(frozen=True)
        class B(DATACLASSES["Span"]):  # type: ignore[misc]
            b: int = 0


def test_bad_class_definitions_fail_as_with_dataclasses() -> None:
    def define(decorate: Decorator, which: str) -> type:
        field = dataclasses.field if decorate is dataclass else records.field
        if which == "order":
            class A:
                a: int = 1
                b: int
            return decorate(A)  # type: ignore[no-any-return]
        if which == "mutable":
            class B:
                a: list[int] = []
            return decorate(B)  # type: ignore[no-any-return]
        if which == "unannotated":
            class C:
                a = field(default=1)
            return decorate(C)  # type: ignore[no-any-return]
        if which == "lt":
            class D:
                a: int

                def __lt__(self, other: object) -> bool:
                    return True
            return decorate(order=True)(D)  # type: ignore[no-any-return]
        if which == "setattr":
            class E:
                a: int

                def __setattr__(self, name: str, value: object) -> None:
                    pass
            return decorate(frozen=True)(E)  # type: ignore[no-any-return]
        if which == "order-without-eq":
            class F:
                a: int
            return decorate(order=True, eq=False)(F)  # type: ignore[no-any-return]
        if which == "thaw":
            @decorate(frozen=True)
            class G:
                a: int

            class H(G):
                b: int = 0
            return decorate(H)  # type: ignore[no-any-return]
        if which == "freeze":
            @decorate
            class I:  # noqa: E742
                a: int

            class J(I):
                b: int = 0
            return decorate(frozen=True)(J)  # type: ignore[no-any-return]
        if which == "initvar-factory":
            class K:
                a: InitVar[list[int]] = field(default_factory=list)
            return decorate(K)  # type: ignore[no-any-return]
        if which == "keyword-defaults-anywhere":
            class L:
                a: int = 1
                _: KW_ONLY
                b: int
            return decorate(L)  # type: ignore[no-any-return]
        raise AssertionError(which)

    for which in ("order", "mutable", "unannotated", "lt", "setattr", "order-without-eq", "thaw", "freeze",
                  "initvar-factory", "keyword-defaults-anywhere"):
        expected = outcome(lambda: define(dataclass, which))
        got = outcome(lambda: define(record, which))
        assert got == expected, which


def test_unknown_options_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'slots'"):
        record(slots=True)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unexpected keyword argument 'unsafe_hash'"):
        record(unsafe_hash=True)  # type: ignore[call-overload]


def test_the_methods_are_named_after_their_class() -> None:
    cls = RECORDS["Ordered"]
    for method in ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__"):
        assert getattr(cls, method).__qualname__ == f"shapes.<locals>.Ordered.{method}"


def test_no_code_is_generated() -> None:
    source = Path(sys.modules[record.__module__].__file__ or "").read_text(encoding="utf-8")
    for word in ("exec(", "eval(", "compile("):
        assert word not in source


MYPY_SAMPLE = """
    from __future__ import annotations
    from tmlogic.records import field, record, replace

    @record(frozen=True, order=True)
    class P:
        x: int
        y: str = "a"
        z: list[int] = field(default_factory=list)

    @record
    class Q:
        a: int
        b: int = field(default=0, kw_only=True)

    P(1, "b")
    Q(1, b=2)
    replace(P(1), y="c")
    P(1) < P(2)
    P("one")
    P()
    P(1, w=3)
    Q(1, 2)
    P(1).x = 3
    replace(P(1), nope=2)
"""


def test_mypy_checks_record_constructors_as_dataclass_ones(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent(MYPY_SAMPLE), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                           str(sample)], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    lines = [line.split(": error: ", 1)[1] for line in done.stdout.splitlines() if ": error: " in line]
    assert lines == [
        'Argument 1 to "P" has incompatible type "str"; expected "int"  [arg-type]',
        'Missing positional argument "x" in call to "P"  [call-arg]',
        'Unexpected keyword argument "w" for "P"  [call-arg]',
        'Too many positional arguments for "Q"  [call-arg]',
        'Property "x" defined in "P" is read-only  [misc]',
        'Unexpected keyword argument "nope" for "replace" of "P"  [call-arg]',
    ], done.stdout


def _sized(decorate: Decorator, count: int, defaults: int, frozen: bool) -> type:
    """A class of `count` int fields, the last `defaults` of them with a default."""
    names = [f"f{i}" for i in range(count)]
    body: dict[str, Any] = {"__annotations__": {name: "int" for name in names}, "__module__": __name__,
                            "__qualname__": f"Sized{count}"}
    for i, name in enumerate(names[count - defaults:], start=count - defaults):
        body[name] = 100 + i
    return decorate(frozen=frozen)(type(f"Sized{count}", (), body))  # type: ignore[no-any-return]


def _sized_calls(count: int) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every positional length from none to one too many, then keyword and mixed calls, wrong
    ones included."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [(tuple(range(n)), {}) for n in range(count + 2)]
    calls.append(((), {f"f{i}": i for i in range(count)}))
    calls.append(((), {f"f{i}": i for i in reversed(range(count))}))
    calls.append((tuple(range(count // 2)), {f"f{i}": i for i in range(count // 2, count)}))
    calls.append((tuple(range(count)), {"nope": 1}))
    if count:
        calls.append((tuple(range(count)), {"f0": 1}))
        calls.append(((), {"f0": 1}))
    return calls


# the positional __init__ is written out for each field count up to 10; 11 and 12 take its loop
@pytest.mark.parametrize("count", range(13))
@pytest.mark.parametrize("frozen", [False, True])
def test_every_field_count_builds_and_fails_as_a_dataclass(count: int, frozen: bool) -> None:
    for defaults in sorted({0, 1, count // 2, count}):
        if defaults > count:
            continue
        expected_class = _sized(dataclass, count, defaults, frozen)
        got_class = _sized(record, count, defaults, frozen)
        for args, kwargs in _sized_calls(count):
            expected = outcome(lambda: expected_class(*args, **kwargs))
            assert outcome(lambda: got_class(*args, **kwargs)) == expected, (count, defaults, args, kwargs)
            if expected[0] == "ok":
                # the same fields, in field order, in the instance's dict
                assert list(vars(got_class(*args, **kwargs)).items()) == list(
                    vars(expected_class(*args, **kwargs)).items())
