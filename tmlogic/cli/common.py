"""What every command shares, defined once: how a command ends on bad input, how it writes its
output, how a model argument (file or project folder) is resolved, the shared options, and
running an analysis.

Exit codes: 0 ok, 1 threats at or above --fail-on (or a failed check), 2 bad input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, Protocol

import typer

from .._errors import Diagnostic
from ..logic.engines.base import DEFAULT_ENGINE

if TYPE_CHECKING:
    from ..analysis import Analysis, AnalysisOptions
    from ..config import ProjectConfig
    from ..model.schema import Model

__all__ = [
    "DEFAULT_ENGINE", "EngineOpt", "FailLevel", "ModelArg", "NoBuiltinOpt", "PackOpt", "RulesOpt", "StrictOpt",
    "LenientOpt", "ConfigOpt", "NoConfigOpt", "load_project_config", "optional_pack_paths",
    "analysis_options", "fail_input", "model_path", "read_model", "run_analysis", "show_warnings", "use_colour", "user_error",
    "write_output",
]


# --- shared options ----------------------------------------------------------------------------------

class FailLevel(str, Enum):
    none = "none"
    low = "low"
    medium = "medium"
    elevated = "elevated"
    high = "high"
    critical = "critical"


ModelArg = Annotated[Path, typer.Argument(help="Model file (.md or .yaml).", show_default=False)]
RulesOpt = Annotated[
    Optional[list[Path]], typer.Option("--rules", "-r", help="Extra rule pack (folder or .dl file); repeatable.")
]
NoBuiltinOpt = Annotated[bool, typer.Option("--no-builtin-rules", help="Use only the packs given with --rules.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings (unknown keys, ...) as errors.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Logic engine: native, clingo or pydatalog.")]
LenientOpt = Annotated[bool, typer.Option(
    "--lenient", help="Typos of security-relevant model keys (isTrsted, is_encrpted, ...) only warn.")]
ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", help="Project config (default: .tmlogic.yaml in this folder or the nearest one above).")]
NoConfigOpt = Annotated[bool, typer.Option("--no-config", help="Ignore .tmlogic.yaml.")]
PackOpt = Annotated[
    Optional[list[str]], typer.Option("--pack", help="Built-in optional rule pack to add, by name (pytm: pytm's "
                                                     "threat library, docs/pytm.md); repeatable.", show_default=False)
]


# --- ending on bad input, writing output -------------------------------------------------------------

class Problem(Protocol):
    """Bad input that knows how it is shown: a DiagnosticsError (located, with source lines), or a KbError."""

    def render(self) -> str: ...


def user_error(message: str) -> NoReturn:
    """A mistake in the command line or the environment (not in a model): one line, exit 2."""
    sys.stderr.write(f"tmlogic: error: {message}\n")
    raise typer.Exit(2)


def fail_input(problem: Problem) -> NoReturn:
    """Every problem in the user's input (model, rule pack, risk file, baseline...), then exit 2."""
    sys.stderr.write(problem.render())
    raise typer.Exit(2)


def show_warnings(warnings: Sequence[Diagnostic], quiet: bool = False) -> None:
    if warnings and not quiet:
        from ..diagnostics import render_diagnostics

        sys.stderr.write(render_diagnostics(warnings))


def use_colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def write_output(text: str, output: Path | None) -> None:
    """To stdout (no path, or "-"), else to the file, creating its folder."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        user_error(f"cannot write {output}: {exc.strerror or exc}; check the folder exists and is writable")


# --- models and analyses -----------------------------------------------------------------------------

def model_path(path: Path) -> Path:
    """A model file, or a project folder: its main.md (or main.yaml), whose submodel= files are
    loaded beneath it."""
    if not path.is_dir():
        return path
    from ..model.loader import project_entry

    entry = project_entry(path)
    if entry is None:
        user_error(f"{path} is a folder without a main.md; a project folder holds main.md (or main.yaml) "
                   "whose servers name their submodel= files; or give the model file itself")
    return entry


def read_model(path: Path, strict: bool, lenient: bool = False) -> Model:
    """Load a model file and its submodels, printing its warnings; bad input prints every problem
    and exits 2."""
    from .._errors import DiagnosticsError
    from ..model.loader import load_model

    try:
        model, warnings = load_model(path, strict=strict, lenient=lenient)
    except DiagnosticsError as exc:
        fail_input(exc)
    show_warnings(warnings)
    return model


def optional_pack_paths(names: Sequence[str]) -> list[Path]:
    """The folders of built-in optional packs named on the command line (--pack pytm)."""
    from ..diagnostics import did_you_mean
    from ..resources import optional_packs

    known = optional_packs()
    out: list[Path] = []
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known) or (f"the optional packs are: {', '.join(known)}" if known else
                                                  "this installation ships no optional pack")
            user_error(f"--pack {name}: no built-in optional pack of that name; {hint}")
        out.append(known[name])
    return out



def analysis_options(rules: list[Path] | None, no_builtin: bool, strict: bool, engine: str,
                     lenient: bool = False, packs: Sequence[str] | None = None) -> AnalysisOptions:
    from ..analysis import AnalysisOptions

    extra = list(rules or ()) + optional_pack_paths(packs or ())
    if no_builtin and not extra:
        user_error("--no-builtin-rules needs at least one --rules or --pack pack")
    return AnalysisOptions(tuple(extra), not no_builtin, strict, engine, lenient=lenient)


def load_project_config(path: Path | None, ignore: bool) -> ProjectConfig | None:
    """The project config named, or found upward from the working folder; None without one.
    A broken config is bad input: every problem printed, exit 2."""
    from .._errors import DiagnosticsError
    from ..config import find_config, load_config

    if ignore:
        return None
    found = path if path is not None else find_config()
    if found is None:
        return None
    try:
        return load_config(found)
    except DiagnosticsError as exc:
        fail_input(exc)


def run_analysis(model: Path, options: AnalysisOptions) -> Analysis:
    """Analyze a model file; bad input (model, rule packs) prints every problem and exits 2."""
    from .._errors import DiagnosticsError
    from ..analysis import analyze

    try:
        return analyze(model, options)
    except DiagnosticsError as exc:
        fail_input(exc)
    except ValueError as exc:  # unknown engine name
        user_error(str(exc))
