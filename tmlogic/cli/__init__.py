"""The `tmlogic` command line. Exit codes: 0 ok, 1 threats at or above --fail-on, 2 bad input,
3 an internal error.

    __init__   the Typer app, its root --version option, and `main` (the console script)
    common     what every command shares: error exits, output writing, model and project-folder
               resolution, the shared options, running an analysis
    analyze    analyze, explain, diagram, facts, validate
    paths      paths: attack paths to the crown jewels, and their choke points
    rules      rules lint | list | test
    kb         kb build | info
    tracking   diff, risks seed | accept | check
    runs       analyze over one model or every model of .tmlogic.yaml: report, gate, summary
    setup      init (a .tmlogic.yaml), completion (bash, zsh, fish)
    serve      serve: the live editor
    integrations  import, export, drift (formats from tmlogic/importers/registry.py)

The root group lists its commands from the COMMANDS table below and imports a command's module
only when that command runs (or shows its own help), so `tmlogic --help` imports none of them.
Module tops import only typer and these modules; each command imports what it needs when it runs.
The command modules do not use `from __future__ import annotations`: Typer reads a command's
annotations when it builds the command, and as text each would be compiled and evaluated then
(tests/test_cli_startup.py).
"""

import os
import sys
from dataclasses import field
from importlib import import_module
from typing import Annotated, Any, Optional

# Plain help and usage errors: typer renders them with rich when it can, and importing rich
# doubles the start-up of `tmlogic --help` (0.17 s against 0.36 s of CPU, measured here). Set
# TYPER_USE_RICH=1 to get the boxed layout back.
os.environ.setdefault("TYPER_USE_RICH", "0")

import click  # noqa: E402
import typer  # noqa: E402  (after the setting above, which typer reads when it is imported)
import typer.main  # noqa: E402

from .. import __version__  # noqa: E402
from .common import GuardedGroup, run_main  # noqa: E402
from ..records import record  # noqa: E402

__all__ = ["COMMANDS", "app", "main"]


@record(frozen=True)
class Entry:
    """A command of the root group, named without importing it: `tmlogic --help` lists `short_help`
    (the first sentence of the command's own help; a test holds them equal), and the module is
    imported, and the command's parameters built, only when the command runs or shows its help."""

    module: str  # under tmlogic.cli
    attribute: str  # the command's function, or the Typer app of a command group
    short_help: str
    group: bool = False
    help_attribute: str | None = None  # the module's help text for the command, where it is computed
    context_settings: dict[str, Any] = field(default_factory=dict)


# import/drift take a format's own options (-i INVENTORY) among their SOURCE arguments.
_OWN_OPTIONS = {"ignore_unknown_options": True}
COMMANDS: dict[str, Entry] = {
    "diff": Entry("tracking", "diff_command", "Compare two versions of a threat model: threats added, removed and "
                                              "changed, and model changes."),
    "analyze": Entry("analyze", "analyze", "Derive the threats of models (or project folders with main.md), with "
                                           "severity and proofs."),
    "explain": Entry("analyze", "explain", "Show why a threat was raised: the rule, its bindings, and the facts down "
                                           "to the model lines."),
    "diagram": Entry("analyze", "diagram", "Draw the architecture: boundaries as nested zones, threatened elements "
                                           "outlined by severity."),
    "facts": Entry("analyze", "facts", "Print the input facts a model compiles to, as .dl facts in a deterministic "
                                       "order."),
    "validate": Entry("analyze", "validate", "Check a model (and its submodels) without analyzing it."),
    "init": Entry("setup", "init", "Write a commented .tmlogic.yaml in this folder, listing the models found below it."),
    "completion": Entry("setup", "completion", "Print the shell-completion script (or let `--install-completion` "
                                               "install it for this shell)."),
    "paths": Entry("paths", "paths", "Attack paths: from the attackers' entry points to each crown jewel, ranked, "
                                     "with a proof per step and the choke points that cut them."),
    "serve": Entry("serve", "serve", "Edit a model in the browser beside its live diagram, threats, proofs and diff."),
    "import": Entry("integrations", "import_command", "Write a tmlogic model from where a model already lives.",
                    help_attribute="IMPORT_HELP", context_settings=_OWN_OPTIONS),
    "export": Entry("integrations", "export_command", "Write a model in another tool's format, hand-written threats "
                                                      "included.", help_attribute="EXPORT_HELP"),
    "drift": Entry("integrations", "drift_command", "Compare a model with what infrastructure as code deploys; exit 1 "
                                                    "when they differ.",
                   help_attribute="DRIFT_HELP", context_settings=_OWN_OPTIONS),
    "rules": Entry("rules", "rules_app", "Check and inspect rule packs.", group=True),
    "kb": Entry("kb", "kb_app", "Build and inspect the MITRE knowledge base (CAPEC, ATT&CK, D3FEND, CWE).", group=True),
    "risks": Entry("tracking", "risks_app", "Track decisions about threats in the risk file next to the model.",
                   group=True),
}


def load_command(name: str) -> click.Command:
    """The click command of COMMANDS[name], built by Typer from its function (or Typer app)."""
    entry = COMMANDS[name]
    module = import_module(f"{__name__}.{entry.module}")
    target = getattr(module, entry.attribute)
    if entry.group:
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        help_text = getattr(module, entry.help_attribute) if entry.help_attribute else None
        single.command(name, help=help_text, context_settings=entry.context_settings or None)(target)
        command = typer.main.get_command(single)
    command.name = name
    command.short_help = entry.short_help
    return command


class _Placeholder(click.Command):
    """A command of COMMANDS not built yet: its name and short help, for the root help and for
    Typer's did-you-mean suggestions."""


class RootGroup(GuardedGroup):
    """The root group: every command of COMMANDS, each built when first asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in COMMANDS.items():
            self.commands.setdefault(name, _Placeholder(name, short_help=entry.short_help))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, _Placeholder):
            command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, from the short help of each command, so that listing them imports none."""
        rows = [(name, command.get_short_help_str(formatter.width)) for name, command in self.commands.items()
                if not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=RootGroup,  # every command's exit codes, errors and safe streams (common.py), commands built when used
    add_completion=True,  # --install-completion / --show-completion for bash, zsh and fish
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    suggest_commands=False,  # click itself says "Did you mean 'analyze'?"; Typer would say it twice
    help="Threat modeling as code: models compile to Datalog facts, rule packs derive threats with proofs.",
)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="On an internal error, show the Python traceback.")] = False,
    limit: Annotated[Optional[list[str]], typer.Option(
        "--limit", metavar="NAME=N", help="Change a limit for this run (repeatable), e.g. --limit engine_seconds=300; "
                                          "the limits and their defaults are in docs/security.md.")] = None,
    allow_outside: Annotated[bool, typer.Option(
        "--allow-outside", help="Read files that links lead to outside the project folder (still regular files only).")
    ] = False,
) -> None:
    from .. import fileaccess, limits

    if version:
        sys.stdout.write(f"tmlogic {__version__}\n")
        raise typer.Exit(0)
    fileaccess.new_run()
    fileaccess.allow_outside(allow_outside)
    limits.set_current(limits.parse_limits(limit or [], limits.from_environment()))


def _plain_help_when_piped() -> None:
    """Help read by a program or a pager (not a terminal) comes without boxes, at full width:
    rich would wrap it at 80 columns and cut long option names."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return
    import typer.core

    typer.core.HAS_RICH = False  # typer checks this per help page; plain click help then
    app.info.context_settings = {**(app.info.context_settings or {}), "max_content_width": 1000,
                                 "terminal_width": 1000}


def main() -> None:
    _plain_help_when_piped()
    run_main(app)
