"""tmlogic.typing_runtime: typing's names for type checkers, stand-ins when the program runs. The
stand-ins must keep what run-time code reads of typing's objects (a Literal's choices, a union's
members, ClassVar in a record), and importing the module must not import typing."""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest

from tmlogic import typing_runtime as tr
from tmlogic.cli.params import Annotated, Option
from tmlogic.cli.spec import command_of
from tmlogic.records import fields, record
from tmlogic.typing_runtime import ClassVar as StandInClassVar


def test_every_stand_in_is_named_as_typing_names_it() -> None:
    assert sorted(tr.__all__) == sorted(set(tr.__all__))
    for name in tr.__all__:
        assert hasattr(typing, name), name
        if name != "TYPE_CHECKING":  # typing's own objects are never what this module holds
            assert getattr(tr, name) is not getattr(typing, name), name
    assert tr.TYPE_CHECKING is False


def test_importing_the_stand_ins_does_not_import_typing() -> None:
    probe = "import sys\nimport tmlogic.typing_runtime\nprint('typing' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_a_literal_keeps_its_values_in_order() -> None:
    kind = tr.Literal["text", "json", "sarif"]
    assert kind.__origin__ is tr.Literal and kind.__args__ == ("text", "json", "sarif")
    assert tr.Literal["one"].__args__ == ("one",)
    assert repr(kind) == "typing.Literal['text', 'json', 'sarif']"


def test_a_union_takes_its_members_apart_as_typings_does() -> None:
    kind = tr.Literal["a", "b"]
    for union, members in ((kind | None, (kind, type(None))),
                           (None | kind, (type(None), kind)),
                           (str | kind, (str, kind)),
                           (tr.Union[int, str, None], (int, str, type(None))),
                           (tr.Union[int, tr.Union[str, int]], (int, str)),
                           (tr.Union[int | None, kind], (int, type(None), kind)),
                           (tr.Union[str, list["Value"]], (str, list["Value"]))):
        assert union.__origin__ is tr.Union and union.__args__ == members, union
        typings = typing.Union[tuple(typing.Literal["a", "b"] if m is kind else m for m in members)]
        assert len(typing.get_args(typings)) == len(members)
    assert tr.Union[int] is int and tr.Union[int, int] is int


def test_a_type_variable_and_a_generic_class() -> None:
    t = tr.TypeVar("T", bound=int)
    assert (t.__name__, t.__bound__, t.__constraints__, repr(t)) == ("T", int, (), "~T")
    assert (t | None).__args__ == (t, type(None))

    class Box(tr.Generic[t]):  # type: ignore[valid-type,misc]
        __slots__ = ("item",)

        def __init__(self, item: object) -> None:
            self.item = item

    assert Box[int] is Box and Box[int](3).item == 3
    assert not hasattr(Box(1), "__dict__")  # the stand-in base adds no instance dict to a slotted class


def test_the_functions_return_what_they_are_given() -> None:
    value = object()
    assert tr.cast(int, value) is value

    def f() -> int:
        return 1

    assert tr.overload(f) is f
    assert tr.dataclass_transform(field_specifiers=())(f) is f
    assert tr.Callable is __import__("collections.abc").abc.Callable

    class Readable(tr.Protocol):
        def read(self) -> str: ...

    assert Readable.__mro__[1] is tr.Protocol
    assert isinstance(tr.IO[str].__args__, tuple) and tr.NoReturn is not None and isinstance(tr.Any, type)


def test_the_command_line_reads_the_choices_of_either_literal() -> None:
    for literal in (tr.Literal, typing.Literal):
        def command(fmt: object = "a") -> None:
            pass

        command.__annotations__ = {"fmt": Annotated[literal["a", "b"] | None, Option("--format")], "return": None}
        param = command_of("x", command).params[0]
        assert (param.choices, param.optional) == (("a", "b"), True)

        def plain(name: object = "a") -> None:
            pass

        plain.__annotations__ = {"name": Annotated[str, Option("--name")], "return": None}
        assert command_of("y", plain).params[0].choices is None


@record(frozen=True)
class _StandIn:
    name: str
    kinds: StandInClassVar[tuple[str, ...]] = ("a",)
    bare: StandInClassVar = 1


@record(frozen=True)
class _Typings:
    name: str
    kinds: typing.ClassVar[tuple[str, ...]] = ("a",)
    bare: typing.ClassVar = 1  # type: ignore[type-arg]


@pytest.mark.parametrize("made", [_StandIn, _Typings])
def test_a_record_tells_either_class_var_from_a_field(made: type) -> None:
    # this module's annotations are text, read against its names as records read them
    assert [f.name for f in fields(made)] == ["name"]
    assert made("x").kinds == ("a",) and made("x") == made("x")


def test_a_record_made_at_run_time_tells_either_class_var_from_a_field() -> None:
    for class_var in (tr.ClassVar, typing.ClassVar):
        made = record(type("Made", (), {"__annotations__": {"name": str, "kinds": class_var[int], "bare": class_var},
                                         "kinds": 1, "bare": 2}))
        assert [f.name for f in fields(made)] == ["name"]
