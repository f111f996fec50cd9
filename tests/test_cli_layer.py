"""The command layer (tmlogic/cli/params.py, spec.py, parse.py, helptext.py, dispatch.py,
completion.py): every kind of parameter parsed from its declaration, a wrong command line as a
clear error with exit 2, help pages that list every option, and shell completion."""

import os
import shlex
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import pytest

from tmlogic.cli import app
from tmlogic.cli.completion import candidates, script
from tmlogic.cli.helptext import command_help
from tmlogic.cli.params import Argument, CommandLineError, Option
from tmlogic.cli.parse import parse_command
from tmlogic.cli.spec import command_of
from tmlogic.cli.testing import CliRunner


class Colour(str, Enum):
    red = "red"
    dark_blue = "dark-blue"


# This file does not use `from __future__ import annotations`: the layer reads annotations as objects.
def _sample_command() -> Any:
    def sample(
        model: Annotated[Path, Argument(help="The model.")],
        extra: Annotated[Optional[list[Path]], Argument(help="More files.")] = None,
        name: Annotated[str, Option("--name", "-n", help="A name.")] = "anon",
        count: Annotated[int, Option("--count", min=1, max=5, help="How many.")] = 2,
        port: Annotated[Optional[int], Option("--port", help="A port.")] = None,
        out: Annotated[Optional[Path], Option("--out", "-o", help="Where to.")] = None,
        colour: Annotated[Colour, Option("--colour", "-c", help="Which colour.")] = Colour.red,
        shade: Annotated[Optional[Colour], Option("--shade", help="Another.", show_default=False)] = None,
        tag: Annotated[Optional[list[str]], Option("--tag", metavar="T", help="Repeatable.")] = None,
        quiet: Annotated[bool, Option("--quiet", "-q", help="Say less.")] = False,
        verbose: Annotated[bool, Option("--verbose", "-v", help="Say more.")] = False,
        strict: Annotated[Optional[bool], Option("--strict/--no-strict", help="Both ways.")] = None,
        threats: Annotated[bool, Option("--threats/--no-threats", help="On by default.")] = True,
    ) -> dict[str, Any]:
        """Do the sample thing.

        A second paragraph."""
        return dict(locals())

    return command_of("sample", sample)


def _parse(*words: str) -> dict[str, Any]:
    return parse_command(_sample_command(), list(words))


def test_every_kind_of_parameter_gets_its_default_when_not_given() -> None:
    values = _parse("m.md")
    assert values == {"model": Path("m.md"), "extra": None, "name": "anon", "count": 2, "port": None, "out": None,
                      "colour": Colour.red, "shade": None, "tag": None, "quiet": False, "verbose": False,
                      "strict": None, "threats": True}


def test_every_kind_of_parameter_is_parsed_and_converted() -> None:
    values = _parse("m.md", "-n", "bob", "--count=4", "--port", "8080", "-oreport.json", "-c", "dark-blue",
                    "--shade", "red", "--tag", "a", "--tag", "b", "-qv", "--no-strict", "--no-threats")
    assert values["name"] == "bob" and values["count"] == 4 and values["port"] == 8080
    assert values["out"] == Path("report.json") and values["colour"] is Colour.dark_blue and values["shade"] is Colour.red
    assert values["tag"] == ["a", "b"] and values["quiet"] is True and values["verbose"] is True
    assert values["strict"] is False and values["threats"] is False
    assert _parse("m.md", "--strict")["strict"] is True
    assert _parse("m.md", "-o", "=x")["out"] == Path("=x") and _parse("m.md", "-o=x")["out"] == Path("=x")
    assert _parse("m.md", "--port", "-1")["port"] == -1
    grouped = _parse("m.md", "-qc", "dark-blue", "-vnbob")  # short flags together, the last one with a value
    assert grouped["quiet"] and grouped["colour"] is Colour.dark_blue and grouped["verbose"] and grouped["name"] == "bob"


def test_a_later_option_wins_and_a_repeatable_one_collects_in_order() -> None:
    assert _parse("m.md", "--strict", "--no-strict")["strict"] is False
    assert _parse("m.md", "--no-strict", "--strict")["strict"] is True
    assert _parse("m.md", "--name", "a", "-n", "b")["name"] == "b"
    assert _parse("m.md", "--tag=a=b", "--tag", "", "--tag", "--c")["tag"] == ["a=b", "", "--c"]
    assert _parse("m.md", "--name=")["name"] == "" and _parse("m.md", "-q", "-q")["quiet"] is True


def test_options_and_arguments_mix_in_any_order_and_double_dash_ends_the_options() -> None:
    values = _parse("a.md", "-q", "b.md", "--name", "x", "c.md")
    assert values["model"] == Path("a.md") and values["extra"] == [Path("b.md"), Path("c.md")]
    assert values["quiet"] and values["name"] == "x"
    values = _parse("--", "-odd.md", "--name")
    assert values["model"] == Path("-odd.md") and values["extra"] == [Path("--name")] and values["name"] == "anon"
    assert _parse("m.md", "-o", "-")["out"] == Path("-")  # "-": stdout, a value like any other


@pytest.mark.parametrize(("words", "message"), [
    ((), "Missing argument 'MODEL'."),
    (("m.md", "--nme", "x"), "No such option '--nme'. Did you mean '--name'?"),
    (("m.md", "--zzz"), "No such option '--zzz'."),
    (("m.md", "--count", "many"), "Invalid value for '--count': 'many' is not a valid integer."),
    (("m.md", "--count", "9"), "Invalid value for '--count': 9 is not in the range 1<=x<=5."),
    (("m.md", "-c", "green"), "Invalid value for '--colour' / '-c': 'green' is not one of 'red', 'dark-blue'."),
    (("m.md", "--name"), "Option '--name' requires an argument."),
    (("m.md", "-n"), "Option '-n' requires an argument."),
    (("m.md", "-c"), "Option '-c' requires an argument."),
    (("m.md", "-qc"), "Option '-c' requires an argument."),
    (("m.md", "-qx"), "No such option '-x'."),
    (("m.md", "--quiet=yes"), "Option '--quiet' does not take a value."),
    (("m.md", "--quiet="), "Option '--quiet' does not take a value."),
    (("m.md", "--no-strict=1"), "Option '--no-strict' does not take a value."),
    (("m.md", "--nam", "x"), "No such option '--nam'. Did you mean one of: '--name', '--tag'?"),  # no abbreviations
])
def test_a_wrong_command_line_says_what_is_wrong(words: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandLineError) as caught:
        _parse(*words)
    assert caught.value.message == message


def test_a_required_option_and_extra_arguments_are_errors() -> None:
    def needs(attack: Annotated[Path, Option("--attack", help="A file.")],
              one: Annotated[str, Argument()] = "x") -> None:
        """Need an option."""

    command = command_of("needs", needs)
    with pytest.raises(CommandLineError, match=r"^Missing option '--attack'\.$"):
        parse_command(command, [])
    with pytest.raises(CommandLineError, match=r"^Got unexpected extra arguments \(b c\)$"):
        parse_command(command, ["--attack", "f", "a", "b", "c"])
    assert parse_command(command, ["--attack", "f"]) == {"attack": Path("f"), "one": "x"}


def test_a_command_with_its_own_options_keeps_the_unknown_ones_among_its_arguments_in_order() -> None:
    def own(fmt: Annotated[str, Argument(metavar="FORMAT")],
            sources: Annotated[list[str], Argument(metavar="SOURCE...")],
            output: Annotated[Optional[Path], Option("--output", "-o")] = None,
            quiet: Annotated[bool, Option("--quiet", "-q")] = False) -> None:
        """Import."""

    command = command_of("import", own, own_options=True)
    values = parse_command(command, ["ansible", "site.yml", "-i", "hosts.ini", "-o", "m.md", "--limit=x", "-q"])
    assert values == {"fmt": "ansible", "sources": ["site.yml", "-i", "hosts.ini", "--limit=x"], "output": Path("m.md"),
                      "quiet": True}
    assert parse_command(command, ["k8s", "-oout.md", "dir", "--", "-q"])["sources"] == ["dir", "-q"]
    with pytest.raises(CommandLineError, match="Missing argument 'SOURCE...'"):
        parse_command(command, ["ansible"])


def test_the_help_page_lists_every_parameter_with_its_help_default_and_range() -> None:
    page = command_help("tmlogic sample", _sample_command())
    assert page.startswith("Usage: tmlogic sample [OPTIONS] MODEL [EXTRA]...\n\n  Do the sample thing.\n\n"
                           "  A second paragraph.\n")
    for row in ("  MODEL       The model.  [required]", "  [EXTRA]...  More files.",
                "-n, --name TEXT", "A name.  [default: anon]", "--count INTEGER RANGE", "How many.  [default: 2; 1<=x<=5]",
                "--port INTEGER", "-o, --out PATH", "-c, --colour [red|dark-blue]", "Which colour.  [default: red]",
                "--tag T", "-q, --quiet", "--strict / --no-strict", "--threats / --no-threats",
                "On by default.  [default: threats]", "--help", "Show this message and exit."):
        assert row in page, row
    assert "Another.  [" not in page  # show_default=False
    assert "Say less.  [" not in page  # an off flag shows no default


def run(*args: str, **kwargs: Any) -> Any:
    result = CliRunner().invoke(app, list(args), **kwargs)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_a_wrong_command_line_prints_the_usage_a_hint_and_the_error_and_exits_2() -> None:
    done = run("analyze", "m.md", "--formt", "json")
    assert done.exit_code == 2 and done.stdout == ""
    assert done.stderr == ("Usage: tmlogic analyze [OPTIONS] [MODELS]...\nTry 'tmlogic analyze --help' for help.\n\n"
                           "Error: No such option '--formt'. Did you mean '--format'?\n")
    done = run("rules", "lnt")
    assert done.exit_code == 2 and "Usage: tmlogic rules [OPTIONS] COMMAND [ARGS]...\nTry 'tmlogic rules --help'" \
        in done.stderr and done.stderr.endswith("Error: No such command 'lnt'. Did you mean 'lint'?\n")
    done = run("--frob")
    assert done.exit_code == 2 and done.stderr.endswith("Error: No such option '--frob'.\n")
    done = run("paths", "m.md", "--k", "0")
    assert done.exit_code == 2 and "'--k': 0 is not in the range 1<=x<=50." in done.stderr


def test_no_command_shows_the_help_and_exits_2_and_help_exits_0() -> None:
    for args, code in (((), 2), (("--help",), 0), (("rules",), 2), (("rules", "--help"), 0), (("kb", "--help"), 0)):
        done = run(*args)
        assert done.exit_code == code, args
        page, other = (done.stdout, done.stderr) if code == 0 else (done.stderr, done.stdout)  # no command: an error
        assert page.startswith("Usage: tmlogic") and "Commands:" in page and other == "", args
    done = run("risks", "accept", "--help")
    assert done.exit_code == 0 and done.stdout.startswith("Usage: tmlogic risks accept [OPTIONS] MODEL THREATS...\n")
    assert "-j, --justification TEXT" in done.stdout and "[required]" in done.stdout


def test_the_root_options_come_before_the_command() -> None:
    done = run("--version", "analyze", "--no-such-option")
    assert done.exit_code == 0 and done.stdout.startswith("tmlogic ")
    done = run("--limit", "nonsense", "kb", "info")
    assert done.exit_code == 2 and "tmlogic: error: --limit 'nonsense'" in done.stderr
    done = run("--limit")
    assert done.exit_code == 2 and "Option '--limit' requires an argument." in done.stderr
    assert run("--debug").exit_code == 0  # options and no command: nothing to do


def test_completion_offers_commands_options_and_choices() -> None:
    assert candidates(["an"]) == ["analyze"]
    assert candidates(["--de"]) == ["--debug"]
    assert candidates(["--limit", "x", "ri"]) == ["risks"]
    assert candidates(["--limit", ""]) == []
    assert candidates(["rules", ""]) == ["lint", "list", "test"]
    assert candidates(["analyze", "--fail-o"]) == ["--fail-on"]
    assert candidates(["analyze", "m.md", "-f", "s"]) == ["sarif", "stix"]
    assert candidates(["analyze", "--strict", "--fail-on", ""]) == ["none", "low", "medium", "elevated", "high",
                                                                     "critical"]
    assert candidates(["completion", ""]) == ["bash", "zsh", "fish"]
    assert candidates(["analyze", "m"]) == []  # a path: the shell completes file names
    assert candidates(["risks", "accept", "m.md", "T1", "--status", "f"]) == ["false-positive"]
    assert "--no-sarif-suppressions" in candidates(["analyze", "--no-s"])
    assert candidates(["nosuch", ""]) == []


def _bash_complete(tmp_path: Path, line: list[str]) -> list[str]:
    """The completions the bash script gives for the words of `line` (the last one being typed),
    in a real bash that calls this installation's tmlogic."""
    (tmp_path / "tmlogic.bash").write_text(script("bash"), encoding="utf-8")
    words = " ".join(f"'{w}'" for w in line)
    program = (f"source '{tmp_path / 'tmlogic.bash'}'\n"
               f"COMP_WORDS=({words}); COMP_CWORD={len(line) - 1}\n"
               "_tmlogic_completion tmlogic\n"
               "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, env=env, check=True,
                          timeout=60)
    return [w for w in done.stdout.splitlines() if w]


def test_the_bash_script_completes_through_tmlogic(tmp_path: Path) -> None:
    assert _bash_complete(tmp_path, ["tmlogic", "dia"]) == ["diagram"]
    assert _bash_complete(tmp_path, ["tmlogic", "analyze", "-f", "j"]) == ["json", "junit"]
    assert _bash_complete(tmp_path, ["tmlogic", "kb", ""]) == ["build", "info", "pytm"]
    assert _bash_complete(tmp_path, ["tmlogic", "analyze", "model"]) == []  # bash's own file names (-o default)


def test_each_script_names_the_program_and_the_variable_it_sets() -> None:
    for shell, marker in (("bash", "complete -o default -F _tmlogic_completion tmlogic"),
                          ("zsh", "compdef _tmlogic_completion tmlogic"),
                          ("fish", "complete --command tmlogic --no-files")):
        text = run("completion", shell).stdout
        assert marker in text and "_TMLOGIC_COMPLETE=" in text, shell
    done = run("completion", "tcsh")
    assert done.exit_code == 2 and "'tcsh' is not one of 'bash', 'zsh', 'fish'." in done.stderr
    done = run("completion")
    assert done.exit_code == 2 and "Missing argument 'SHELL:{bash|zsh|fish}'. Choose from: bash, zsh, fish." in done.stderr


def _tmlogic(args: list[str], home: Path, shell: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "SHELL": shell}
    return subprocess.run([sys.executable, "-m", "tmlogic.cli", *args], capture_output=True, text=True, env=env,
                          cwd=home, check=False, timeout=60)


def test_install_completion_writes_the_script_and_loads_it_once(tmp_path: Path) -> None:
    tmp_path = tmp_path / "o'home"  # a quote in the home folder stays quoted in .bashrc
    tmp_path.mkdir()
    (tmp_path / ".bashrc").write_text("alias ll='ls -l'", encoding="utf-8")
    for _ in range(2):
        done = _tmlogic(["--install-completion"], tmp_path, "/bin/bash")
        assert done.returncode == 0, done.stderr
        assert f"bash completion installed in {tmp_path / '.bash_completions' / 'tmlogic.sh'}" in done.stdout
    assert (tmp_path / ".bash_completions" / "tmlogic.sh").read_text(encoding="utf-8") == script("bash")
    assert (tmp_path / ".bashrc").read_text(encoding="utf-8") == \
        f"alias ll='ls -l'\nsource {shlex.quote(str(tmp_path / '.bash_completions' / 'tmlogic.sh'))}\n"
    done = _tmlogic(["--install-completion"], tmp_path, "/usr/bin/fish")
    assert done.returncode == 0 and (tmp_path / ".config/fish/completions/tmlogic.fish").read_text() == script("fish")
    shown = _tmlogic(["--show-completion"], tmp_path, "/bin/zsh")
    assert shown.returncode == 0 and shown.stdout == script("zsh")
    unknown = _tmlogic(["--show-completion"], tmp_path, "/bin/tcsh")
    assert unknown.returncode == 2 and "tmlogic completion bash" in unknown.stderr and not unknown.stdout
