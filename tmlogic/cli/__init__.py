"""The `tmlogic` command line. Exit codes: 0 ok, 1 threats at or above --fail-on, 2 bad input,
3 an internal error.

    __init__   the COMMANDS table, the root options (--version, --debug, --limit, ...), `app` and
               `main`, and `console` (the console script)
    common     what every command shares: error exits, output writing, model and project-folder
               resolution, the shared options, running an analysis
    analyze    analyze
    model      explain, diagram, facts, validate: the other commands that read a model
    paths      paths: attack paths to the crown jewels, and their choke points
    rules      rules lint | list | test
    kb         kb build | info
    tracking   diff, risks seed | accept | check
    runs       analyze over one model or every model of .tmlogic.yaml: report, gate, summary
    setup      init (a .tmlogic.yaml), completion (bash, zsh, fish)
    serve      serve: the live editor
    integrations  import, export, drift (formats from tmlogic/importers/registry.py)

The command layer (standard library only, no parser library):
    params     what a command declares: Option, Argument, Group, Exit, CommandLineError
    spec       a command read from its function's signature; helptext  help pages, usage lines
    parse      a command's words to its function's arguments; dispatch  one command line, run
    completion the bash, zsh and fish scripts and the candidates they ask for
    testing    CliRunner: a command line run in this process, for the tests

The root lists its commands from the COMMANDS table below and imports a command's module only
when that command runs (or shows its own help), so `tmlogic --help` imports none of them.
Module tops import only these modules; each command imports what it needs when it runs. The
command modules do not use `from __future__ import annotations`: spec.py reads a command's
annotations as the objects they are (as text each would have to be evaluated first;
tests/test_cli_startup.py).
"""

import sys
from collections.abc import Callable

from .. import __version__
from .params import Annotated, Exit, Group, Option
from .spec import Command

__all__ = ["COMMANDS", "ROOT_HELP", "app", "console", "load_command", "main"]


class Entry:
    """A command of the root, named without importing it: `tmlogic --help` lists `short_help`
    (the first sentence of the command's own help; a test holds them equal), and the module is
    imported, and the command's parameters read, only when the command runs or shows its help.
    (A plain class: a record would import tmlogic/records.py into `--help`.)"""

    __slots__ = ("module", "attribute", "short_help", "group", "help_attribute", "own_options")

    def __init__(self, module: str, attribute: str, short_help: str, group: bool = False,
                 help_attribute: str | None = None, own_options: bool = False) -> None:
        self.module = module  # under tmlogic.cli
        self.attribute = attribute  # the command's function, or the Group of a command group
        self.short_help = short_help
        self.group = group
        self.help_attribute = help_attribute  # the module's help text for the command, where it is computed
        self.own_options = own_options  # options it does not know stay among its arguments (a format's own -i)


# import/drift take a format's own options (-i INVENTORY) among their SOURCE arguments.
COMMANDS: dict[str, Entry] = {
    "diff": Entry("tracking", "diff_command", "Compare two versions of a threat model: threats added, removed and "
                                              "changed, and model changes."),
    "analyze": Entry("analyze", "analyze", "Derive the threats of models (or project folders with main.md), with "
                                           "severity and proofs."),
    "explain": Entry("model", "explain", "Show why a threat was raised: the rule, its bindings, and the facts down "
                                           "to the model lines."),
    "diagram": Entry("model", "diagram", "Draw the architecture: boundaries as nested zones, threatened elements "
                                           "outlined by severity."),
    "facts": Entry("model", "facts", "Print the input facts a model compiles to, as .dl facts in a deterministic "
                                       "order."),
    "validate": Entry("model", "validate", "Check a model (and its submodels) without analyzing it."),
    "init": Entry("setup", "init", "Write a commented .tmlogic.yaml in this folder, listing the models found below it."),
    "completion": Entry("setup", "completion", "Print the shell-completion script (or let `--install-completion` "
                                               "install it for this shell)."),
    "paths": Entry("paths", "paths", "Attack paths: from the attackers' entry points to each crown jewel, ranked, "
                                     "with a proof per step and the choke points that cut them."),
    "serve": Entry("serve", "serve", "Edit a model in the browser beside its live diagram, threats, proofs and diff."),
    "import": Entry("integrations", "import_command", "Write a tmlogic model from where a model already lives.",
                    help_attribute="IMPORT_HELP", own_options=True),
    "export": Entry("integrations", "export_command", "Write a model in another tool's format, hand-written threats "
                                                      "included.", help_attribute="EXPORT_HELP"),
    "drift": Entry("integrations", "drift_command", "Compare a model with what infrastructure as code deploys; exit 1 "
                                                    "when they differ.",
                   help_attribute="DRIFT_HELP", own_options=True),
    "rules": Entry("rules", "rules_app", "Check and inspect rule packs.", group=True),
    "kb": Entry("kb", "kb_app", "Build and inspect the MITRE knowledge base (CAPEC, ATT&CK, D3FEND, CWE).", group=True),
    "risks": Entry("tracking", "risks_app", "Track decisions about threats in the risk file next to the model.",
                   group=True),
}


ROOT_HELP = "Threat modeling as code: models compile to Datalog facts, rule packs derive threats with proofs."


def load_command(name: str) -> Command | Group:
    """COMMANDS[name] read from its module: the command (its help and parameters), or the group."""
    from .dispatch import resolve

    return resolve(name)


def _root(
    version: Annotated[bool, Option("--version", help="Print the version and exit.")] = False,
    debug: Annotated[bool, Option("--debug", help="On an internal error, show the Python traceback.")] = False,
    limit: Annotated[list[str] | None, Option(
        "--limit", metavar="NAME=N", help="Change a limit for this run (repeatable), e.g. --limit engine_seconds=300; "
                                          "the limits and their defaults are in docs/security.md.")] = None,
    allow_outside: Annotated[bool, Option(
        "--allow-outside", help="Read files that links lead to outside the project folder (still regular files only).")
    ] = False,
    install_completion: Annotated[bool, Option(
        "--install-completion", help="Install completion for the current shell.")] = False,
    show_completion: Annotated[bool, Option(
        "--show-completion", help="Show completion for the current shell, to copy it or customize the installation.")
    ] = False,
) -> None:
    """The root's options, before the command runs."""
    from .. import fileaccess, limits

    if version:
        sys.stdout.write(f"tmlogic {__version__}\n")
        raise Exit(0)
    if install_completion or show_completion:
        from .completion import install, script, shell_of_this_process

        shell = shell_of_this_process()
        if show_completion:
            sys.stdout.write(script(shell))
        else:
            install(shell)
        raise Exit(0)
    fileaccess.new_run()
    fileaccess.allow_outside(allow_outside)
    limits.set_current(limits.parse_limits(limit or [], limits.from_environment()))


class App:
    """The `tmlogic` command line: `app.main(ARGS)` runs it and returns the exit code."""

    def main(self, args: list[str], prog_name: str = "tmlogic", before_command: Callable[[], None] | None = None) -> int:
        """`before_command` runs once the command line is known to name a command (or root options)."""
        from .dispatch import run

        return run(args, prog_name, before_command)


app = App()


def main(end_process: bool = False) -> None:
    """The command line of `sys.argv`; ends with SystemExit (the exit code)."""
    import os

    if "_TMLOGIC_COMPLETE" in os.environ:  # the shell asks what may come next (completion.py)
        from .completion import print_candidates

        print_candidates(sys.argv[1:])
        return
    from .entry import run_main

    run_main(app, end_process)


def console() -> None:
    """The `tmlogic` console script: `main()`, ending the process without the interpreter's
    shutdown once the command is done (cli/entry.py)."""
    main(end_process=True)
