"""Shell completion for bash, zsh and fish: the scripts (`tmlogic completion SHELL`,
`--show-completion`, `--install-completion`), and the candidates they ask for.

Each script runs `tmlogic WORDS...` with _TMLOGIC_COMPLETE set, WORDS being the words typed
after `tmlogic` up to the cursor, the last one (maybe empty) the word being completed. tmlogic
then prints what may come there, one per line, from the same declarations the parser reads:
commands, a group's commands, options, and the values of Enum options and arguments. Where a
path goes it prints nothing, and the shell completes file names.
"""

import os
import shlex
import sys
from pathlib import Path

from .spec import Command, Param, command_of

__all__ = ["candidates", "install", "print_candidates", "script", "shell_of_this_process", "SHELLS"]

SHELLS = ("bash", "zsh", "fish")
VARIABLE = "_TMLOGIC_COMPLETE"

_BASH = """\
# tmlogic completion for bash: source this file, or save it as
# ~/.local/share/bash-completion/completions/tmlogic
_tmlogic_completion() {
    local IFS=$'\\n'
    COMPREPLY=( $(env _TMLOGIC_COMPLETE=bash "$1" "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
    return 0
}

complete -o default -F _tmlogic_completion tmlogic
"""

_ZSH = """\
#compdef tmlogic
# tmlogic completion for zsh: save this file as _tmlogic in a folder of $fpath, or source it
_tmlogic_completion() {
    local -a reply
    reply=("${(@f)$(env _TMLOGIC_COMPLETE=zsh "${words[1]}" "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if [[ -n "${reply[1]}" ]]; then
        compadd -- "${reply[@]}"
    else
        _files
    fi
}

if [[ "${funcstack[1]}" == _tmlogic ]]; then  # autoloaded from $fpath: this file is _tmlogic
    _tmlogic_completion "$@"
else
    compdef _tmlogic_completion tmlogic
fi
"""

_FISH = """\
# tmlogic completion for fish: save this file as ~/.config/fish/completions/tmlogic.fish
function __tmlogic_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l reply (env _TMLOGIC_COMPLETE=fish $words[1] $words[2..-1] "$current" 2>/dev/null)
    if test (count $reply) -gt 0
        printf '%s\\n' $reply
    else
        __fish_complete_path "$current"
    end
end

complete --command tmlogic --no-files --arguments '(__tmlogic_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str) -> str:
    return _SCRIPTS[shell]


def shell_of_this_process() -> str:
    """The shell tmlogic was started from (its parent process, else $SHELL); a usage error when
    it is none of bash, zsh and fish."""
    from .common import user_error

    names = []
    try:
        names.append(Path(f"/proc/{os.getppid()}/comm").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    names.append(os.path.basename(os.environ.get("SHELL", "")))
    for name in names:
        name = name.lstrip("-")
        if name in SHELLS:
            return name
    user_error("cannot tell which shell this is (bash, zsh or fish); print its script with "
               "`tmlogic completion bash` (or zsh, fish) and install it by hand")


def _write(path: Path, text: str) -> None:
    """The script file, replaced whole (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _add_lines(rc: Path, lines: list[str]) -> None:
    """Append the lines a shell's start-up file lacks (appended: the file may be a link into a
    dotfiles repository, which a rewrite would break)."""
    have = rc.read_text(encoding="utf-8") if rc.is_file() else ""
    missing = [line for line in lines if line not in have]
    if missing:
        rc.parent.mkdir(parents=True, exist_ok=True)
        with rc.open("a", encoding="utf-8") as out:
            out.write(("\n" if have and not have.endswith("\n") else "") + "".join(f"{line}\n" for line in missing))


def install(shell: str) -> Path:
    """Install the script where `shell` loads it at start-up; say where."""
    home = Path.home()
    if shell == "bash":
        target = home / ".bash_completions" / "tmlogic.sh"
        _write(target, _BASH)
        _add_lines(home / ".bashrc", [f"source {shlex.quote(str(target))}"])  # a home folder may hold a quote
    elif shell == "zsh":
        target = home / ".zfunc" / "_tmlogic"
        _write(target, _ZSH)
        _add_lines(home / ".zshrc", ["fpath+=~/.zfunc; autoload -Uz compinit; compinit"])
    else:
        target = home / ".config" / "fish" / "completions" / "tmlogic.fish"
        _write(target, _FISH)
    sys.stdout.write(f"{shell} completion installed in {target}\n"
                     "Completion will take effect once you restart the terminal\n")
    return target


def print_candidates(words: list[str]) -> None:
    try:
        found = candidates(words)
    except Exception:  # noqa: BLE001 - a completion must never print a traceback into the shell
        found = []
    sys.stdout.write("".join(f"{c}\n" for c in found))


def candidates(words: list[str]) -> list[str]:
    """What may replace the last of `words` (the words after `tmlogic`)."""
    from . import COMMANDS
    from .dispatch import resolve, root_command
    from .params import Group

    *done, current = words or [""]
    root = root_command()
    i = root.leading_options(done)
    if i >= len(done):
        if _wants_value(root, done):
            return []
        if current.startswith("-"):
            return _matching(_option_names(root), current)
        return _matching(list(COMMANDS), current)
    if done[i] not in COMMANDS:
        return []
    target = resolve(done[i])
    rest = done[i + 1:]
    if isinstance(target, Group):
        if not rest:
            return _matching(["--help"] if current.startswith("-") else list(target.commands), current)
        function = target.commands.get(rest[0])
        if function is None:
            return []
        command: Command = command_of(rest[0], function)
        rest = rest[1:]
    else:
        command = target
    return _for_command(command, rest, current)


def _matching(names: list[str], current: str) -> list[str]:
    return [n for n in names if n.startswith(current)]


def _option_names(command: Command) -> list[str]:
    return [f for f in command.option_names() if f.startswith("--")]


def _wants_value(command: Command, done: list[str]) -> bool:
    return bool(done) and any(done[-1] in p.flags for p in command.options() if not p.is_flag)


def _for_command(command: Command, done: list[str], current: str) -> list[str]:
    by_name = {f: p for p in command.options() for f in (*p.flags, *p.off_flags)}
    if done and done[-1] in by_name and not by_name[done[-1]].is_flag:
        return _values(by_name[done[-1]], current)
    if current.startswith("-"):
        return _matching(_option_names(command), current)
    position = 0
    i = 0
    while i < len(done):
        word = done[i]
        if word in by_name:
            i += 1 if by_name[word].is_flag else 2
            continue
        if not word.startswith("-"):
            position += 1
        i += 1
    arguments: list[Param] = command.arguments()
    if not arguments:
        return []
    argument = arguments[min(position, len(arguments) - 1)]
    if position >= len(arguments) and not argument.many:
        return []
    return _values(argument, current)


def _values(param: Param, current: str) -> list[str]:
    if param.choices is not None:
        return _matching(list(param.choices), current)
    return []  # a path, a name, a number: the shell's own completion of file names
