"""The console script's process: run the command line, then end the process quickly and without
a traceback, whatever happened to stdout. Kept apart from common.py so that `tmlogic --help`
imports neither it nor what a command needs.

The console script (`console` in __init__.py) ends its process without the interpreter's shutdown
once the command is done and its output flushed: the shutdown only takes apart what the process
built (every module, the result), some 9 M instructions of a 645 M JSON analysis, and an analysis
leaves nothing that needs it. `main()`, which tests and host programs call in their own process,
ends with SystemExit as before."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Callable

from ..typing_runtime import TYPE_CHECKING

__all__ = ["run_main"]

if TYPE_CHECKING:  # read by type checkers only: making a Protocol class costs some 0.45 M instructions
    from typing import Protocol

    class _App(Protocol):
        def main(self, args: list[str], prog_name: str = ..., before_command: Callable[[], None] | None = ...) -> int: ...


def _own_process() -> None:
    from ..logic.engines.budget import own_process

    own_process()  # this process is the command's own: an engine may fork it to watch its budget


def run_main(app: _App, end_process: bool = False) -> None:
    """The console entry point: run the app; if stdout broke (full disk, closed pipe), point it at
    the null device so that Python's own flush at exit cannot print a traceback. With
    `end_process`, the process ends here (`_end_process`) where nothing needs its shutdown."""
    from ..gc_pause import collector_paused

    # A command is one short process, and an analysis leaves no cyclic garbage: the collector
    # would only walk the modules it imports and the objects it keeps until exit (gc_pause.py).
    with collector_paused():
        code: object = app.main(sys.argv[1:], "tmlogic", before_command=_own_process)
    try:
        sys.stdout.flush()
    except OSError as flush_error:
        _silence_stdout()
        if code in (0, None, 1):
            try:
                sys.stderr.write(f"tmlogic: error: cannot write the output: {flush_error.strerror or flush_error}\n")
            except OSError:
                pass
            code = 2
    _leave_abandoned_work(code)
    # The process ends here: its shutdown would run one more full collection over every object
    # still alive (the modules, the result) only to find nothing to free (an analysis leaves
    # no cyclic garbage), about a fifteenth of a small run. Frozen objects are not walked.
    gc.freeze()
    if end_process:
        _end_process(code)
    raise SystemExit(code) from None


def _end_process(code: object) -> None:
    """End the process with `code` now, without the interpreter's shutdown, after what it does that
    someone may see: the functions registered with atexit run, and stdout and stderr are flushed
    (the output files were written and closed by the command: writes are atomic, fileaccess.py).
    Returns, and leaves the ending to SystemExit, where the shutdown has more to do: another thread
    still runs (the shutdown waits for it), the code is not a number (SystemExit prints it), or a
    stream cannot be flushed (the shutdown reports it)."""
    if code is None:
        code = 0
    threading = sys.modules.get("threading")  # not imported: no thread was started through it
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        return
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)  # CPython's own, run by its shutdown
    if run_exit_functions is None:
        return
    run_exit_functions()  # and cleared: if the ending falls back to SystemExit, they do not run twice
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _leave_abandoned_work(code: object) -> None:
    """A grounder stopped by the time budget still runs in its thread (budget.py: abandon): end the
    process now, without the interpreter's shutdown, which would crash under the running C code."""
    budget = sys.modules.get("tmlogic.logic.engines.budget")  # not imported: no engine ran
    if budget is None or not budget.abandoned_work():
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 2)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
