"""A command's words, read against its parameters (spec.py), to the keyword arguments of its
function. A wrong command line raises `CommandLineError`, which the dispatcher prints with the
command's usage line and exits 2.

Options and arguments may come in any order (`analyze a.md -f json b.md`); `--` ends the
options. Long options are not abbreviated. The words are first sorted into the command's
options (each with its value in the same word) and its positional words, as click did; the
options are then read in order (a later one wins; a repeatable one collects its values), and the
positional words go to the arguments in order. A command with its own options (import, drift)
keeps the options it does not know among its arguments, in order (`import ansible site.yml -i
hosts.ini`). No parser library: argparse and the gettext, locale and shutil modules it imports
were about 20 M instructions of a JSON analysis, for what `_read_options` does.
"""

from ..typing_runtime import Any
from .params import CommandLineError
from .spec import Command, Param

__all__ = ["CommandLineError", "parse_command", "suggest"]


def suggest(word: str, known: list[str]) -> str:
    """" Did you mean 'x'?" for a near miss among `known`, else ""."""
    import difflib

    close = difflib.get_close_matches(word, known)
    if not close:
        return ""
    if len(close) == 1:
        return f" Did you mean '{close[0]}'?"
    return " Did you mean one of: " + ", ".join(f"'{c}'" for c in close) + "?"


def _read_options(command: Command, options: list[str]) -> dict[str, Any]:
    """The values of the options `_split` sorted out, by parameter name: each word is a flag's
    name or NAME=VALUE (split at the first "="). A later word wins; a repeatable option collects."""
    named: dict[str, tuple[Param, bool]] = {}  # a name -> its parameter, and whether it sets a flag on
    for p in command.options():
        named.update(dict.fromkeys(p.flags, (p, True)))
        named.update(dict.fromkeys(p.off_flags, (p, False)))
    values: dict[str, Any] = {}
    for word in options:
        if word in named:
            p, on = named[word]
            if not p.is_flag:  # _split gives a value option its value as NAME=VALUE
                raise CommandLineError(f"Option '{p.flags[0]}' requires an argument.")
            values[p.name] = on
            continue
        name, _, value = word.partition("=")
        p, on = named[name]
        if p.is_flag:
            raise CommandLineError(f"Option '{p.flags[0] if on else p.off_flags[0]}' does not take a value.")
        if p.many:
            values.setdefault(p.name, []).append(value)
        else:
            values[p.name] = value
    return values


def _split(command: Command, words: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The command's options (each with its value in the same word: "--name=value", "-ovalue",
    so a value that starts with "-" stays a value), its positional words, and the options it does
    not know, each in order."""
    takes_value = {f: not p.is_flag for p in command.options() for f in (*p.flags, *p.off_flags)}
    # a value is kept with its option's long name in one word, "--long=value", for _read_options
    long_name = {f: next((g for g in p.flags if g.startswith("--")), f) for p in command.options() for f in p.flags}
    options: list[str] = []
    positional: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            positional.extend(words[i:])
            break
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        name = word.split("=", 1)[0] if word.startswith("--") else word[:2]
        if name not in takes_value:
            unknown.append(word)
            if command.own_options:
                positional.append(word)
            continue
        if not word.startswith("--") and len(word) > 2:  # -qv, -qf json, -ovalue
            flags, attached, last = _short_group(word, takes_value)
            options.extend(flags)
            if attached is not None:
                options.append(f"{long_name[last]}={attached}")
                continue
            if not takes_value[last]:
                options.append(last)
                continue
            name = word = last  # the last flag of the group takes the next word
        if takes_value[name] and word == name:  # the value is the next word
            if i >= len(words):
                raise CommandLineError(f"Option '{name}' requires an argument.")
            options.append(f"{long_name[name]}={words[i]}")
            i += 1
        else:
            options.append(word)  # --name=value, a flag
    return options, positional, unknown


def _short_group(word: str, takes_value: dict[str, bool]) -> tuple[list[str], str | None, str]:
    """Short options written together (-qv, -qfjson, -ofile): the flags before the last one, the
    value written onto the last one (None: none, or it takes the next word), and the last one."""
    flags: list[str] = []
    for j in range(1, len(word)):
        flag = f"-{word[j]}"
        if flag not in takes_value:
            raise CommandLineError(f"No such option '{flag}'.")
        if takes_value[flag]:
            return flags, (word[j + 1:] or None), flag
        if j + 1 < len(word):
            flags.append(flag)
    return flags, None, f"-{word[-1]}"


def parse_command(command: Command, words: list[str]) -> dict[str, Any]:
    """The function's keyword arguments for these words."""
    options, positional, unknown = _split(command, words)
    if unknown and not command.own_options:
        name = unknown[0].split("=", 1)[0]
        raise CommandLineError(f"No such option '{name}'.{suggest(name, command.option_names())}")
    values = _read_options(command, options)
    values.update(_distribute(command.arguments(), positional))
    return {p.name: _value(p, values.get(p.name)) for p in command.params}


def _distribute(arguments: list[Param], words: list[str]) -> dict[str, Any]:
    """Positional words to the arguments in order: one each, all the rest to a variadic one."""
    values: dict[str, Any] = {}
    i = 0
    for p in arguments:
        if p.many:
            values[p.name] = words[i:] or None
            i = len(words)
        elif i < len(words):
            values[p.name] = words[i]
            i += 1
    if i < len(words):
        extra = words[i:]
        plural = "s" if len(extra) > 1 else ""
        raise CommandLineError(f"Got unexpected extra argument{plural} ({' '.join(extra)})")
    return values


def _value(p: Param, raw: Any) -> Any:
    if raw is None or (p.many and not raw):
        if p.required:
            choices = f" Choose from: {', '.join(p.choices)}." if p.choices is not None else ""
            raise CommandLineError(f"Missing {'option' if p.is_option else 'argument'} {p.shown_name()}.{choices}")
        return p.default
    if p.is_flag:
        return raw
    if p.many:
        return [_convert(p, item) for item in raw]
    return _convert(p, raw)


def _convert(p: Param, text: str) -> Any:
    base = p.base
    if base is str:
        return text
    if base is int:
        try:
            number = int(text.strip())
        except ValueError:
            raise CommandLineError(f"Invalid value for {p.shown_name()}: '{text}' is not a valid integer.") from None
        low, high = p.decl.min, p.decl.max  # type: ignore[union-attr]  # only options declare a range
        if (low is not None and number < low) or (high is not None and number > high):
            raise CommandLineError(f"Invalid value for {p.shown_name()}: {number} is not in the range {_range(p)}.")
        return number
    choices = p.choices
    if choices is not None:
        if text in choices:  # an Enum's member, a Literal's text
            return next(m for m in base if m.value == text) if p.is_enum else text
        listed = ", ".join(f"'{c}'" for c in choices)
        raise CommandLineError(f"Invalid value for {p.shown_name()}: '{text}' is not one of {listed}.")
    return base(text)  # Path


def _range(p: Param) -> str:
    low, high = p.decl.min, p.decl.max  # type: ignore[union-attr]
    if low is not None and high is not None:
        return f"{low}<=x<={high}"
    return f"x>={low}" if low is not None else f"x<={high}"
