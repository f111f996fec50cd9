"""Running one command line: the root's options, then the command named (its module imported
only now, from the COMMANDS table), a group's command, its words parsed (parse.py), and the
function run inside the guard of common.py (safe streams, exit codes).

As before: the root's options come before the command, and the first word that is not one of
them names the command; `tmlogic` and a group without a command show their help on stderr and
exit 2;
--help shows a command's help and exits 0; a wrong command line prints the usage line, a hint
and the error, and exits 2. The help pages and usage lines (helptext.py) are imported only to be
shown.
"""

import sys
from collections.abc import Callable

from ..lazy import import_module
from ..typing_runtime import Any
from .params import CommandLineError, Exit, Group
from .spec import Command, command_of, first_sentence

__all__ = ["run", "root_command", "resolve"]


def root_command() -> Command:
    from . import ROOT_HELP, _root

    return command_of("tmlogic", _root, ROOT_HELP)


def run(argv: list[str], prog: str = "tmlogic", before_command: Callable[[], None] | None = None) -> int:
    """The exit code of `prog ARGV`."""
    try:
        _run(list(argv), prog, before_command)
        return 0
    except Exit as done:
        return done.code
    except CommandLineError as exc:
        from .helptext import usage_error

        sys.stderr.write(usage_error(exc.usage or _usage(prog), exc.where or prog, exc.message))
        return 2


def _usage(where: str, command: Command | None = None, command_required: bool = False) -> str:
    """The usage line that a wrong command line shows."""
    from .helptext import usage_line

    return usage_line(where, command, command_required)


def _root_help(prog: str, root: Command) -> str:
    from . import COMMANDS
    from .helptext import group_help, options_of

    return group_help(prog, root.help or "", [(n, e.short_help) for n, e in COMMANDS.items()], options_of(root),
                      command_required=False)


def _run(argv: list[str], prog: str, before_command: Callable[[], None] | None) -> None:
    from . import COMMANDS

    root = root_command()
    if not argv:  # the help, as the error it is (stderr, exit 2)
        sys.stderr.write(_root_help(prog, root))
        raise Exit(2)
    split = root.leading_options(argv)
    own, rest = argv[:split], argv[split:]
    if rest and rest[0] == "--":
        rest = rest[1:]
    if "--help" in own:
        sys.stdout.write(_root_help(prog, root))
        raise Exit(0)
    values = _parsed(root, own, prog, lambda: _usage(prog))
    name = rest[0] if rest else None
    if name is not None and name not in COMMANDS:
        from .parse import suggest

        raise CommandLineError(f"No such command '{name}'.{suggest(name, list(COMMANDS))}", _usage(prog), prog)
    if before_command is not None:
        before_command()
    from .common import guarded

    def body() -> None:
        root.function(**values)
        if name is not None:
            _run_entry(name, rest[1:], f"{prog} {name}")

    guarded(body, bool(values.get("debug")))


def _parsed(command: Command, words: list[str], where: str, usage: Callable[[], str]) -> dict[str, Any]:
    """The command's arguments from its words; a wrong one raises CommandLineError with `usage()`."""
    from .parse import parse_command

    try:
        return parse_command(command, words)
    except CommandLineError as exc:
        exc.usage, exc.where = exc.usage or usage(), exc.where or where
        raise


def resolve(name: str) -> Command | Group:
    """COMMANDS[name], read from its module: a command, or a group."""
    from . import COMMANDS

    entry = COMMANDS[name]
    module = import_module(f"{__package__}.{entry.module}")
    target = getattr(module, entry.attribute)
    if entry.group:
        assert isinstance(target, Group)
        return target
    help_text = getattr(module, entry.help_attribute) if entry.help_attribute else None
    return command_of(name, target, help_text, own_options=entry.own_options)


def _run_entry(name: str, words: list[str], where: str) -> None:
    target = resolve(name)
    if isinstance(target, Group):
        _run_group(target, words, where)
    else:
        _run_command(target, words, where)


def _group_page(group: Group, where: str) -> str:
    from .helptext import group_help

    rows = [(n, first_sentence(command_of(n, f).help or "")) for n, f in group.commands.items()]
    return group_help(where, group.help, rows)


def _run_group(group: Group, words: list[str], where: str) -> None:
    if not words:
        sys.stderr.write(_group_page(group, where))
        raise Exit(2)
    if words[0] == "--help":
        sys.stdout.write(_group_page(group, where))
        raise Exit(0)
    if words[0].startswith("-") and words[0] != "-":
        from .parse import suggest

        name = words[0].split("=", 1)[0]
        raise CommandLineError(f"No such option '{name}'.{suggest(name, ['--help'])}",
                               _usage(where, command_required=True), where)
    function: Callable[..., Any] | None = group.commands.get(words[0])
    if function is None:
        from .parse import suggest

        raise CommandLineError(f"No such command '{words[0]}'.{suggest(words[0], list(group.commands))}",
                               _usage(where, command_required=True), where)
    _run_command(command_of(words[0], function), words[1:], f"{where} {words[0]}")


def _run_command(command: Command, words: list[str], where: str) -> None:
    options = words[:words.index("--")] if "--" in words else words
    if "--help" in options:
        from .helptext import command_help

        sys.stdout.write(command_help(where, command))
        raise Exit(0)
    command.function(**_parsed(command, words, where, lambda: _usage(where, command)))
