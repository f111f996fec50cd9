"""What every command shares, defined once: how a command ends on bad input, how it writes its
output, how a model argument (file or project folder) is resolved, the shared options, and
running an analysis.

Exit codes (README, docs/security.md):
    0  done; no threat at or above --fail-on
    1  threats at or above --fail-on (the gate), or a failed check (`risks check`, `rules test`)
    2  bad input or a wrong command line: every problem listed, as file:line:col where there is one
    3  a bug in tmlogic: one short message saying where to report it; the traceback only with --debug

`guarded` runs every command (dispatch.py), so the codes hold for the installed command,
`python -m tmlogic.cli` and a test's CliRunner (testing.py) alike.
While a command runs, stdout and stderr show control characters as visible escapes
(textsafe.terminal_safe), so nothing from a model, a risk file or a baseline can move the
cursor, recolour the log or forge a CI workflow command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .._errors import Diagnostic, DiagnosticsError, UsageError
from ..logic.engines.base import DEFAULT_ENGINE
from ..textsafe import terminal_safe
from ..typing_runtime import IO, TYPE_CHECKING, Any, Literal, NoReturn, Protocol
from .params import Annotated, Argument, CommandLineError, Exit, Option

if TYPE_CHECKING:
    from ..analysis import Analysis, AnalysisOptions
    from ..config import ProjectConfig
    from ..model.schema import Model

__all__ = [
    "DEFAULT_ENGINE", "EngineOpt", "FailLevel", "ModelArg", "NoBuiltinOpt", "PackOpt", "RulesOpt", "StrictOpt",
    "LenientOpt", "ConfigOpt", "NoConfigOpt", "load_project_config", "optional_pack_paths",
    "analysis_options", "fail_input", "model_path", "read_model", "run_analysis", "show_warnings", "use_colour", "user_error",
    "write_output", "guarded", "guarded_entry", "BUG_REPORT",
]

BUG_REPORT = "the tmlogic issue tracker (see docs/security.md, 'Reporting a bug')"


# --- shared options ----------------------------------------------------------------------------------

# A Literal, not an Enum: making the Enum class cost some 1 M instructions of every analysis.
FailLevel = Literal["none", "low", "medium", "elevated", "high", "critical"]


ModelArg = Annotated[Path, Argument(help="Model file (.md or .yaml).", show_default=False)]
RulesOpt = Annotated[
    list[Path] | None, Option("--rules", "-r", help="Extra rule pack (folder or .dl file); repeatable.")
]
NoBuiltinOpt = Annotated[bool, Option("--no-builtin-rules", help="Use only the packs given with --rules.")]
StrictOpt = Annotated[bool, Option("--strict", help="Treat warnings (unknown keys, ...) as errors.")]
EngineOpt = Annotated[str, Option("--engine", help="Logic engine: native, clingo or pydatalog.")]
LenientOpt = Annotated[bool, Option(
    "--lenient", help="Typos of security-relevant model keys (isTrsted, is_encrpted, ...) only warn.")]
ConfigOpt = Annotated[Path | None, Option(
    "--config", help="Project config (default: .tmlogic.yaml in this folder or the nearest one above).")]
NoConfigOpt = Annotated[bool, Option("--no-config", help="Ignore .tmlogic.yaml.")]
PackOpt = Annotated[
    list[str] | None, Option("--pack", help="Built-in optional rule pack to add, by name (pytm: pytm's "
                                                     "threat library, docs/pytm.md); repeatable.", show_default=False)
]


# --- ending on bad input, writing output -------------------------------------------------------------

if TYPE_CHECKING:  # read by type checkers only: making a Protocol class costs some 0.45 M instructions

    class Problem(Protocol):
        """Bad input that knows how it is shown: a DiagnosticsError (located, with source lines), or a KbError."""

        def render(self) -> str: ...


def user_error(message: str) -> NoReturn:
    """A mistake in the command line or the environment (not in a model): one line, exit 2."""
    sys.stderr.write(f"tmlogic: error: {message}\n")
    raise Exit(2)


def fail_input(problem: Problem) -> NoReturn:
    """Every problem in the user's input (model, rule pack, risk file, baseline...), then exit 2."""
    sys.stderr.write(problem.render())
    raise Exit(2)


def show_warnings(warnings: Sequence[Diagnostic], quiet: bool = False) -> None:
    if warnings and not quiet:
        from ..diagnostics import render_diagnostics

        sys.stderr.write(render_diagnostics(warnings))


def use_colour(stream: object) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def write_output(text: str | Iterable[str], output: Path | None) -> None:
    """To stdout (no path, or "-"), else to the file (atomically, never through a link, never over
    an input of this run), creating its folder. `text` may come in pieces (a streamed report),
    written as they come."""
    pieces = (text,) if isinstance(text, str) else text
    if output is None or str(output) == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        return
    from ..fileaccess import WriteRefused, write_text_chunks

    try:
        write_text_chunks(output, pieces)
    except WriteRefused as exc:
        user_error(str(exc))


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
    from ..config.find import find_config

    if ignore:
        return None
    found = path if path is not None else find_config()
    if found is None:
        return None
    from ..config.loader import load_config  # the YAML parser: only when there is a file to read

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


# --- how a command ends: exit codes, safe streams --------------------------------------------------

class _SafeStream:
    """A text stream that shows control characters as visible escapes (\\u001b). The escapes are
    JSON's own, so JSON written through it stays valid and reads back the same."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _encoding_message(exc: UnicodeEncodeError) -> str:
    bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
    return (f"standard output uses the {exc.encoding} encoding, which cannot show {bad!r}; use a UTF-8 locale "
            "(LC_ALL=C.UTF-8) or PYTHONIOENCODING=utf-8, or write to a file with --output")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"tmlogic: error: {message}\n")
    raise Exit(2)


def _internal(exc: BaseException, debug: bool) -> NoReturn:
    if debug:
        import traceback  # with its linecache and tokenize: only for the traceback --debug shows

        traceback.print_exception(exc, file=sys.stderr)
    kind = type(exc).__name__
    detail = str(exc).splitlines()[0][:300] if str(exc) else ""
    sys.stderr.write(f"tmlogic: internal error: {kind}{': ' + detail if detail else ''}\n"
                     f"This is a bug in tmlogic, not in your input. Please report it to {BUG_REPORT}, with the "
                     "command, its input and `tmlogic --version`" + ("" if debug else "; --debug shows the traceback")
                     + ".\n")
    raise Exit(3)


def _handle(exc: Exception, debug: bool) -> NoReturn:
    """An exception that escaped a command, as its exit code."""
    from ..kb.errors import KbError
    from ..limits import LimitError, LimitExceeded

    if isinstance(exc, DiagnosticsError) or isinstance(exc, KbError):
        sys.stderr.write(exc.render())
        raise Exit(2)
    if isinstance(exc, (UsageError, LimitError, LimitExceeded)):
        _fail(str(exc))
    if isinstance(exc, UnicodeEncodeError):
        _fail(_encoding_message(exc))
    if isinstance(exc, BrokenPipeError):
        raise Exit(2)
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
        # a write to stdout or stderr failed: a full disk (ENOSPC), a closed terminal
        _fail(f"cannot write the output: {exc.strerror or exc}")
    _internal(exc, debug)  # an EngineError, an OutputError or any other exception: a bug


def guarded_entry(main: Callable[[], int]) -> int:
    """The exit code of a side entry point (`python -m tmlogic.tracking.action`, `.pr_comment`,
    `.precommit`), with the CLI's rules: safe streams, what escapes `main` becomes exit 2 (bad input)
    or 3 (a bug, traceback only with TMLOGIC_DEBUG=1), never a traceback with exit 1."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)
    try:
        code = main()
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        sys.stderr.write("tmlogic: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - every escape becomes an exit code
        try:
            _handle(exc, os.environ.get("TMLOGIC_DEBUG") == "1")
        except Exit as done:
            return done.code
        except OSError:
            return 2
    finally:
        sys.stdout, sys.stderr = streams


def guarded(body: Callable[[], None], debug: bool) -> None:
    """Run a command with safe streams, and turn what escapes it into the documented exit codes
    (an Exit, or a wrong command line, passes through)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(out), _SafeStream(err)
    try:
        body()
        sys.stdout.flush()  # a full disk shows here, while the error can still be reported
    except (Exit, CommandLineError):
        raise
    except KeyboardInterrupt:
        sys.stderr.write("tmlogic: interrupted\n")
        raise Exit(130) from None
    except Exception as exc:  # noqa: BLE001 - every escape becomes an exit code
        try:
            _handle(exc, debug or os.environ.get("TMLOGIC_DEBUG") == "1")
        except OSError:  # the streams themselves are broken: the code still says what happened
            raise Exit(2) from None
    finally:
        sys.stdout, sys.stderr = out, err
