"""What a command declares about its parameters, and how it ends: the objects that command
modules import (`Option`, `Argument`, `Group`, `Exit`). They only hold what was declared;
tmlogic/cli/spec.py reads them with the function's signature, and parse.py builds the parser.

A parameter is declared in its annotation, `Annotated[TYPE, Option("--format", "-f", help=...)]`
(`Annotated` from here), with its default as the Python default. TYPE is str, int, bool, Path, an
Enum of str values or a Literal of strings (much the cheaper to make), each optionally `... | None`
or `list[...]` (a repeatable option, or a variadic argument). `T | None` rather than
`Optional[T]`: the union is made in C, typing's costs some 45 k instructions, and analyze alone
declares over a dozen.
A bool option is a flag; "--x/--no-x" names the pair that sets it True or False.

`Annotated` is typing's to a type checker; at run time it is a small class of this module that
keeps what spec.py reads (`__origin__`, `__metadata__`): typing's makes each annotation through
its cache and generic-alias machinery, some 140 k instructions apiece, and a JSON analysis's
command line declares about 40.
"""

from collections.abc import Callable

from ..typing_runtime import TYPE_CHECKING, Any

__all__ = ["Annotated", "Argument", "CommandLineError", "Exit", "Group", "Option"]

if TYPE_CHECKING:
    from typing import Annotated
else:

    class Annotated:
        """`Annotated[TYPE, declaration, ...]` at run time: TYPE as `__origin__`, the rest as
        `__metadata__`, as typing's Annotated keeps them."""

        __slots__ = ("__origin__", "__metadata__")

        def __init__(self, origin, metadata):
            self.__origin__ = origin
            self.__metadata__ = metadata

        def __class_getitem__(cls, params):
            if not isinstance(params, tuple) or len(params) < 2:
                raise TypeError("Annotated[...] should be used with at least two arguments (a type and a declaration)")
            return cls(params[0], params[1:])

        def __repr__(self):
            return f"Annotated[{self.__origin__!r}, {', '.join(map(repr, self.__metadata__))}]"


class Exit(Exception):
    """End the command with this exit code (0 ok, 1 the gate or a failed check, 2 bad input)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


class CommandLineError(Exception):
    """A wrong command line: the message shown after "Error: " under the usage line of the command
    it is about (exit 2)."""

    def __init__(self, message: str, usage: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage  # "Usage: tmlogic analyze [OPTIONS] [MODELS]..."; set by the dispatcher
        self.where = where  # "tmlogic analyze", for "Try 'tmlogic analyze --help'"


class Option:
    """An option: its names ("--format", "-f"; "--strict/--no-strict" for a flag pair) and its help."""

    __slots__ = ("decls", "help", "metavar", "show_default", "min", "max")

    def __init__(self, *decls: str, help: str | None = None, metavar: str | None = None,  # noqa: A002
                 show_default: bool = True, min: int | None = None, max: int | None = None) -> None:  # noqa: A002
        self.decls = decls
        self.help = help
        self.metavar = metavar
        self.show_default = show_default
        self.min = min
        self.max = max


class Argument:
    """A positional argument; required unless the parameter has a default."""

    __slots__ = ("help", "metavar", "show_default")

    def __init__(self, help: str | None = None, metavar: str | None = None,  # noqa: A002
                 show_default: bool = True) -> None:
        self.help = help
        self.metavar = metavar
        self.show_default = show_default


class Group:
    """A command group (`tmlogic rules lint | list | test`): its help and its commands by name.
    Without a command it shows its help (exit 2)."""

    def __init__(self, help: str) -> None:  # noqa: A002
        self.help = help
        self.commands: dict[str, Callable[..., Any]] = {}

    def command(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            self.commands[name] = function
            return function

        return register
