"""The help pages and usage lines of the command line, laid out as before (click's plain layout):
`Usage:`, the help in paragraphs, then Arguments, Options and Commands as two columns.

Help read by a program or a pager (stdout not a terminal, no COLUMNS) is not wrapped, so long
option names and help texts stay whole; on a terminal it is wrapped to its width, at most 80.
"""

import os
import sys

from .spec import REQUIRED, Command, Param, first_sentence

__all__ = ["HELP_OPTION", "command_help", "group_help", "help_width", "options_of", "usage_error", "usage_line"]

HELP_OPTION = ("--help", "Show this message and exit.")
_COLUMN_MAX = 30  # the widest first column; a longer name puts its text on the next line


def help_width() -> int:
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return 1000
    import shutil

    return max(min(shutil.get_terminal_size().columns, 80) - 2, 50)


def usage_line(prog: str, command: Command | None = None, command_required: bool = False) -> str:
    """The usage line of a command, or of a group (without `command`)."""
    if command is None:
        return f"Usage: {prog} [OPTIONS] {'COMMAND' if command_required else '[COMMAND]'} [ARGS]..."
    pieces = [prog, "[OPTIONS]", *(p.metavar() for p in command.arguments())]
    return "Usage: " + " ".join(pieces)


def usage_error(usage: str, help_command: str, message: str) -> str:
    return f"{usage}\nTry '{help_command} --help' for help.\n\nError: {message}\n"


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters (a word longer than that stays whole)."""
    if len(text) <= width:
        return [text]
    import textwrap

    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)


def _paragraphs(text: str, width: int) -> list[str]:
    """The help text, indented by two, each paragraph on one line (wrapped to `width`); a
    paragraph that starts with a line of a backspace ("\\b", as in click) keeps its lines as written."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        if not paragraph.strip():
            continue
        if lines:
            lines.append("")
        rows = paragraph.splitlines()
        if rows[0].strip() == "\b":
            lines.extend("  " + row for row in rows[1:])
        else:
            lines.extend("  " + line for line in _wrap(" ".join(paragraph.split()), width - 2))
    return lines


def _columns(rows: list[tuple[str, str]], width: int) -> list[str]:
    first = min(max(len(name) for name, _ in rows), _COLUMN_MAX)
    out: list[str] = []
    for name, text in rows:
        if not text:
            out.append(f"  {name}")
            continue
        indent = " " * (first + 4)
        wrapped = _wrap(text, max(width - len(indent), 10))
        if len(name) <= first:
            out.append(f"  {name.ljust(first)}  {wrapped[0]}")
            out.extend(indent + line for line in wrapped[1:])
        else:
            out.append(f"  {name}")
            out.extend(indent + line for line in wrapped)
    return out


def _section(title: str, rows: list[tuple[str, str]], width: int) -> list[str]:
    return ["", f"{title}:", *_columns(rows, width)] if rows else []


def _option_name(p: Param) -> str:
    names = sorted(p.flags, key=lambda f: (len(f) - len(f.lstrip("-")), f))  # -f before --format
    text = ", ".join(names)
    if p.off_flags:
        return f"{text} / {', '.join(p.off_flags)}"
    return text if p.is_flag else f"{text} {p.metavar()}"


def _extra(p: Param) -> str:
    """The bracketed note after a help text: [default: text], [required], [default: 3; 1<=x<=50]."""
    notes: list[str] = []
    decl = p.decl
    if p.default is REQUIRED:
        notes.append("required")
    elif decl.show_default and p.default is not None and p.default != [] and not (p.is_flag and p.default is False
                                                                                   and not p.off_flags):
        if p.is_flag:
            shown = (p.flags[0] if p.default else p.off_flags[0]).lstrip("-")
        else:
            shown = getattr(p.default, "value", p.default)
        notes.append(f"default: {shown}")
    if p.is_option and p.base is int and (decl.min is not None or decl.max is not None):  # type: ignore[union-attr]
        from .parse import _range

        notes.append(_range(p))
    return f"[{'; '.join(notes)}]" if notes else ""


def _with_extra(help_text: str | None, p: Param) -> str:
    extra = _extra(p)
    text = help_text or ""
    return f"{text}  {extra}" if text and extra else text or extra


def command_help(prog: str, command: Command) -> str:
    width = help_width()
    lines = [usage_line(prog, command)]
    if command.help:
        lines += ["", *_paragraphs(command.help, width)]
    arguments = [(p.metavar(), _with_extra(p.decl.help, p)) for p in command.arguments()]
    lines += _section("Arguments", arguments, width)
    options = [(_option_name(p), _with_extra(p.decl.help, p)) for p in command.options()]
    lines += _section("Options", [*options, HELP_OPTION], width)
    return "\n".join(lines) + "\n"


def group_help(prog: str, help_text: str, commands: list[tuple[str, str]], options: list[tuple[str, str]] | None = None,
               command_required: bool = True) -> str:
    """A group's page: its own options, then each command with the first sentence of its help
    (for a subgroup shortened to the width; the root's short helps are written to be shown whole)."""
    width = help_width()
    lines = [usage_line(prog, command_required=command_required)]
    if help_text:
        lines += ["", *_paragraphs(help_text, width)]
    lines += _section("Options", [*(options or []), HELP_OPTION], width)
    name_width = max((len(name) for name, _ in commands), default=0)
    limit = max(width - 6 - name_width, 45) if command_required else 10_000
    lines += _section("Commands", [(name, first_sentence(text, limit)) for name, text in commands], width)
    return "\n".join(lines) + "\n"


def options_of(command: Command) -> list[tuple[str, str]]:
    """A group's own options as help rows (the root's --version, --debug, ...)."""
    return [(_option_name(p), _with_extra(p.decl.help, p)) for p in command.options()]
