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

Module tops import only typer and these modules; each command imports what it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

# Plain help and usage errors: typer renders them with rich when it can, and importing rich
# doubles the start-up of `tmlogic --help` (0.17 s against 0.36 s of CPU, measured here). Set
# TYPER_USE_RICH=1 to get the boxed layout back.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402  (after the setting above, which typer reads when it is imported)

from .. import __version__
from . import analyze, integrations, paths, serve, setup, tracking
from .common import GuardedGroup, run_main
from .kb import kb_app
from .rules import rules_app
from .tracking import risks_app

__all__ = ["app", "main"]

app = typer.Typer(
    cls=GuardedGroup,  # every command's exit codes, errors and safe streams (common.py)
    add_completion=True,  # --install-completion / --show-completion for bash, zsh and fish
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Threat modeling as code: models compile to Datalog facts, rule packs derive threats with proofs.",
)
app.command("diff")(tracking.diff_command)
for command in (analyze.analyze, analyze.explain, analyze.diagram, analyze.facts, analyze.validate, setup.init,
                setup.completion):
    app.command()(command)
app.command("paths")(paths.paths)
app.add_typer(rules_app, name="rules")
app.add_typer(kb_app, name="kb")
app.add_typer(risks_app, name="risks")
app.command("serve")(serve.serve)
# import/drift take a format's own options (-i INVENTORY) among their SOURCE arguments.
app.command("import", help=integrations.IMPORT_HELP,
            context_settings={"ignore_unknown_options": True})(integrations.import_command)
app.command("export", help=integrations.EXPORT_HELP)(integrations.export_command)
app.command("drift", help=integrations.DRIFT_HELP,
            context_settings={"ignore_unknown_options": True})(integrations.drift_command)


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
