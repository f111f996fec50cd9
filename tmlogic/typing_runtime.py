"""typing's names, without importing `typing` when the program runs.

    from .typing_runtime import TYPE_CHECKING, Any, Literal, cast

A type checker reads this module's names as typing's own (it sees the `TYPE_CHECKING` branch,
which re-exports them), so every annotation, alias, `cast`, `TypeVar`, `Generic` and `overload`
is checked as if it came from typing. When the program runs it gets the small stand-ins of the
other branch: importing typing (its module-level classes and aliases) was some 10 M instructions
of a 655 M JSON analysis, and typing's subscripted forms are made through its caches and
generic-alias machinery.

What the stand-ins keep, for the code that reads them at run time:
- `Literal[...]` and `Union[...]` are aliases with `__origin__` and `__args__` (the command line
  reads a Literal's choices, and `T | None`'s members, from them; tmlogic/cli/spec.py); `X | Y`
  of an alias or a TypeVar is a Union; a Union drops repeated members, reads None as NoneType and
  takes nested unions apart; a Union of one member is that member;
- `ClassVar[...]` is an alias whose `__origin__` is `ClassVar` (records tell class variables
  from fields by it; tmlogic/records.py);
- `Generic[...]` as a base gives a plain base class (`Box[int]` is `Box`); `Protocol` is a plain
  base class; `Any` is a class, as typing's is;
- `cast` returns its value, `overload` and `dataclass_transform(...)` return what they decorate.
A name typing has and this module lacks is imported from typing where it is used (the script
that writes these imports, /work/team/untyping.py, leaves it there and says so).
"""

TYPE_CHECKING = False  # what typing.TYPE_CHECKING is at run time; type checkers take it as true

__all__ = [
    "IO", "TYPE_CHECKING", "Any", "Callable", "ClassVar", "Generic", "Literal", "NoReturn", "Protocol", "TypeVar",
    "Union", "cast", "dataclass_transform", "overload",
]

if TYPE_CHECKING:
    from typing import (
        IO,
        Any,
        Callable,
        ClassVar,
        Generic,
        Literal,
        NoReturn,
        Protocol,
        TypeVar,
        Union,
        cast,
        dataclass_transform,
        overload,
    )
else:
    from collections.abc import Callable  # typing.Callable is this class's deprecated alias

    class Any:
        """Any type: only type checkers give it a meaning."""

        __slots__ = ()

    class _Unites:
        """`self | other` and `other | self` of a run-time form: their Union."""

        __slots__ = ()

        def __or__(self, other):
            return Union[self, other]

        def __ror__(self, other):
            return Union[other, self]

    class _Alias(_Unites):
        """A subscripted form, `Literal["a", "b"]`: the form as `__origin__`, the subscripts as `__args__`."""

        __slots__ = ("__origin__", "__args__")

        def __init__(self, origin, args):
            self.__origin__ = origin
            self.__args__ = args

        def __repr__(self):
            return f"{self.__origin__!r}[{', '.join(map(repr, self.__args__))}]"

    class _Form(_Unites):
        """A special form, subscripted to an alias: `Literal`, `ClassVar`, `NoReturn`, `IO`."""

        __slots__ = ("_name",)

        def __init__(self, name):
            self._name = name

        def __getitem__(self, params):
            return _Alias(self, params if isinstance(params, tuple) else (params,))

        def __repr__(self):
            return f"typing.{self._name}"

    class _UnionForm(_Form):
        """`Union[...]`: the distinct members, in order, None as NoneType, nested unions taken apart;
        one member is that member."""

        __slots__ = ()

        def __getitem__(self, params):
            members = []
            for member in params if isinstance(params, tuple) else (params,):
                if member is None:
                    member = type(None)
                parts = member.__args__ if _is_union(member) else (member,)
                members += [part for part in parts if part not in members]
            return members[0] if len(members) == 1 else _Alias(self, tuple(members))

    def _is_union(member):
        if isinstance(member, _Alias):
            return member.__origin__ is Union
        return isinstance(member, _UnionType)

    _UnionType = type(int | None)  # types.UnionType, without importing types for it

    Literal = _Form("Literal")
    ClassVar = _Form("ClassVar")
    NoReturn = _Form("NoReturn")
    IO = _Form("IO")
    Union = _UnionForm("Union")

    class TypeVar(_Unites):
        """A type variable: its name, and what it was declared with."""

        __slots__ = ("__name__", "__constraints__", "__bound__", "__covariant__", "__contravariant__")

        def __init__(self, name, *constraints, bound=None, covariant=False, contravariant=False):
            self.__name__ = name
            self.__constraints__ = constraints
            self.__bound__ = bound
            self.__covariant__ = covariant
            self.__contravariant__ = contravariant

        def __repr__(self):
            return f"~{self.__name__}"

    class Generic:
        """A generic class's base: `Generic[T]` is this class, `Box[int]` is `Box`."""

        __slots__ = ()

        def __class_getitem__(cls, params):
            return cls

    class Protocol:
        """A protocol's base: at run time a plain class."""

        __slots__ = ()

    def cast(typ, val):
        """`val`, whatever `typ` says (as typing.cast)."""
        return val

    def overload(func):
        """An overload's signature, for type checkers; the definition that follows replaces it."""
        return func

    def dataclass_transform(**kwargs):
        """A decorator that tells type checkers a class decorator makes dataclass-like classes."""
        return _unchanged

    def _unchanged(decorated):
        return decorated
