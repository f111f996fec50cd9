"""A command read from its function: name, help, and one `Param` per parameter, from the code
object, the defaults and the annotations (objects, not text: nothing is evaluated, and the
`inspect` module is not imported)."""

import sys
from collections.abc import Callable
from enum import Enum

from ..typing_runtime import Any, Literal
from .params import Argument, Option

__all__ = ["Command", "Param", "REQUIRED", "command_of", "first_sentence"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # the default of a parameter that has none


def _typings(name: str) -> Any:
    """typing's `name` if some module imported typing, else None: Literal here is this program's
    (tmlogic/typing_runtime.py), and a command's annotation can only hold typing's own if typing
    was imported."""
    typing = sys.modules.get("typing")
    return getattr(typing, name) if typing is not None else None


class Param:
    """One parameter: what it is called in Python and on the command line, its type and default."""

    __slots__ = ("name", "decl", "base", "many", "optional", "default", "flags", "off_flags")

    def __init__(self, name: str, decl: Option | Argument, base: Any, many: bool, optional: bool,
                 default: Any) -> None:
        self.name = name
        self.decl = decl
        self.base = base  # str, int, bool, Path, an Enum class or a Literal of strings
        self.many = many  # a list: a repeatable option, a variadic argument
        self.optional = optional
        self.default = default
        self.flags: tuple[str, ...] = ()  # an option's names (the ones that set True, for a flag pair)
        self.off_flags: tuple[str, ...] = ()  # the --no-x names of a flag pair
        if isinstance(decl, Option):
            on: list[str] = []
            off: list[str] = []
            for d in decl.decls or (f"--{name.replace('_', '-')}",):
                head, sep, tail = d.partition("/")
                on.append(head.strip())
                if sep:
                    off.append(tail.strip())
            self.flags, self.off_flags = tuple(on), tuple(off)

    @property
    def is_option(self) -> bool:
        return isinstance(self.decl, Option)

    @property
    def is_flag(self) -> bool:
        return self.is_option and self.base is bool and not self.many

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def is_enum(self) -> bool:
        return isinstance(self.base, type) and issubclass(self.base, Enum)

    @property
    def choices(self) -> tuple[str, ...] | None:
        """The values it takes, in order: its Enum's or its Literal's; None for any other type."""
        if self.is_enum:
            return tuple(m.value for m in self.base)
        origin = getattr(self.base, "__origin__", None)
        if origin is not None and (origin is Literal or origin is _typings("Literal")):
            return tuple(self.base.__args__)
        return None

    def shown_name(self) -> str:
        """How an error names it: "'--format' / '-f'", or an argument's "'MODEL'"."""
        if self.is_option:
            return " / ".join(f"'{f}'" for f in self.flags)
        return f"'{self.metavar()}'"

    def metavar(self) -> str:
        """An argument's name in the usage line (MODEL, [MODELS]..., SOURCE...), an option's value
        (PATH, TEXT, INTEGER RANGE, [text|json])."""
        decl = self.decl
        if isinstance(decl, Argument):
            if decl.metavar:
                name = decl.metavar
            elif self.choices is not None:
                name = f"{self.name.upper()}:{{{'|'.join(self.choices)}}}"
            else:
                name = self.name.upper()
            if self.default is not REQUIRED:
                name = f"[{name}]"
            return name + ("..." if self.many and not decl.metavar else "")
        if decl.metavar:
            return decl.metavar
        if self.choices is not None:
            return f"[{'|'.join(self.choices)}]"
        if self.base is int:
            return "INTEGER RANGE" if decl.min is not None or decl.max is not None else "INTEGER"
        return "TEXT" if self.base is str else "PATH"


class Command:
    """A command: its function, its help and its parameters, in the order of the signature."""

    __slots__ = ("name", "function", "help", "params", "own_options")

    def __init__(self, name: str, function: Callable[..., Any], help: str | None,  # noqa: A002
                 own_options: bool = False) -> None:
        self.name = name
        self.function = function
        self.help = help if help is not None else _clean_doc(function.__doc__ or "")
        self.params = _params_of(function)
        self.own_options = own_options  # options it does not know are kept among its arguments (import, drift)

    def options(self) -> list[Param]:
        return [p for p in self.params if p.is_option]

    def option_names(self) -> list[str]:
        """Every name its options answer to, the --no-x of flag pairs included, and --help."""
        return [f for p in self.options() for f in (*p.flags, *p.off_flags)] + ["--help"]

    def leading_options(self, words: list[str]) -> int:
        """How many of `words` are its options (and their values) before the first other word:
        a group's options, up to the command's name."""
        takes_value = {f for p in self.options() if not p.is_flag for f in p.flags}
        i = 0
        while i < len(words) and words[i].startswith("-") and words[i] != "-":
            if words[i] == "--":
                return i
            i += 2 if words[i] in takes_value else 1
        return min(i, len(words))

    def arguments(self) -> list[Param]:
        return [p for p in self.params if not p.is_option]


def command_of(name: str, function: Callable[..., Any], help: str | None = None,  # noqa: A002
               own_options: bool = False) -> Command:
    return Command(name, function, help, own_options)


def _params_of(function: Callable[..., Any]) -> list[Param]:
    code = function.__code__
    names = code.co_varnames[:code.co_argcount]
    defaults = function.__defaults__ or ()
    first_default = len(names) - len(defaults)
    hints = function.__annotations__
    params = []
    for i, name in enumerate(names):
        hint = hints[name]
        decl = next((m for m in getattr(hint, "__metadata__", ()) if isinstance(m, (Option, Argument))), None)
        if decl is None:
            raise TypeError(f"{function.__qualname__}: parameter {name} is not declared as an Option or Argument")
        base = hint.__origin__
        optional = False
        members = getattr(base, "__args__", ())
        if type(None) in members:  # T | None
            optional = True
            base = next(m for m in members if m is not type(None))
        many = getattr(base, "__origin__", None) is list
        if many:
            base = base.__args__[0]
        default = defaults[i - first_default] if i >= first_default else REQUIRED
        params.append(Param(name, decl, base, many, optional, default))
    return params


def _clean_doc(doc: str) -> str:
    """A docstring without its indentation (what inspect.cleandoc does)."""
    lines = doc.expandtabs().splitlines()
    if not lines:
        return ""
    margin = min((len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()), default=0)
    text = [lines[0].strip()] + [line[margin:].rstrip() for line in lines[1:]]
    return "\n".join(text).strip("\n")


def first_sentence(text: str, limit: int = 10_000) -> str:
    """A command's short help in a listing: the first sentence of its help's first paragraph,
    shortened with "..." to `limit` characters."""
    words = text.split("\n\n", 1)[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[:i + 1])
    else:
        return " ".join(words)
    kept: list[str] = []
    length = 0
    for word in words:
        if length + len(word) + (1 if kept else 0) > limit - 3:
            break
        length += len(word) + (1 if kept else 0)
        kept.append(word)
    return " ".join(kept) + "..."
