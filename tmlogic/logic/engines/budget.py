"""The work one analysis may do in a logic engine: derived tuples and CPU seconds (limits.py).

A rule pack from a pull request can hold a cross product or a recursion without bound. Going
over either budget stops the analysis with exit 2 and a diagnostic at the rule that was growing,
never a hang or an exhausted machine:

- tuples: engines count the rows they add (native: where a compiled body produces a row,
  join.py; pyDatalog and clingo: per relation, when its answer comes back);
- time: `Budget.clock(where)` bounds a block of engine work by CPU time. In the main thread an
  interval timer (ITIMER_PROF, the process's CPU time) interrupts the block wherever it is, so
  the hot loops pay nothing for the check; elsewhere (the live editor's worker threads) the
  clock is read when the block ends and at every budget check in between.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..._errors import Diagnostic, Level, RuleError, SourceSpan
from ...limits import Limits
from ...limits import current as current_limits
from ...typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    import signal
    import threading
else:
    # signal.py is `_signal`'s functions plus enums of every signal and handler, which cost some
    # 3 M instructions to build at import; the clock needs only the functions and constants.
    import _signal as signal

__all__ = ["Budget", "OverBudget", "abandon", "abandoned_work", "own_process", "watch_from_outside"]

# Set by the command-line entry point: the process is tmlogic's own command (not a test runner
# or a host program), so watch_from_outside may fork it.
_OWN_PROCESS = False


def own_process() -> None:
    global _OWN_PROCESS
    _OWN_PROCESS = True

# Engine work that ran past its budget in code Python cannot interrupt (clingo's grounder, in C):
# its thread is left to the process's end, which must then not wait for it or finalise under it.
_ABANDONED: list[threading.Thread] = []


def abandon(worker: threading.Thread) -> None:
    _ABANDONED.append(worker)


def abandoned_work() -> bool:
    """Whether an abandoned engine thread is still running."""
    return any(worker.is_alive() for worker in _ABANDONED)


class OverBudget(Exception):
    """Raised inside an engine's inner loop when it produced more rows than the budget has room
    for; the engine turns it into Budget's located error (the loop does not know the rule)."""


class _OutOfTime(BaseException):
    """Raised by the interval timer inside engine code. A BaseException, so that no `except
    Exception` in an engine (pyDatalog has several) can swallow it."""


class Budget:
    """The budgets of one analysis, shared by an engine's evaluation and every later query of
    its session (proofs are engine work too)."""

    def __init__(self, limits: Limits | None = None) -> None:
        limits = limits or current_limits()
        self.max_tuples = limits.derived_tuples
        self.seconds = limits.engine_seconds
        self.tuples = 0
        # CPU time, not wall time: a loaded CI machine must not fail a genuine model, and a
        # runaway rule burns CPU however busy the machine is.
        self.deadline = time.process_time() + self.seconds
        self._armed = False

    def room(self) -> int:
        """Rows that may still be added."""
        return max(self.max_tuples - self.tuples, 0)

    def grew(self, n: int, span: SourceSpan) -> None:
        """`n` more derived tuples, from the rule at `span`."""
        self.tuples += n
        if self.tuples > self.max_tuples:
            raise self.over_tuples(span)

    def over_tuples(self, span: SourceSpan) -> RuleError:
        return _error(span, f"this rule took the analysis past {self.max_tuples:,} derived tuples", "derived_tuples",
                      "a rule that joins unrelated atoms (a cross product) or a recursion without a bound grows "
                      "with the model's size squared or worse")

    def over_time(self, span: SourceSpan) -> RuleError:
        return _error(span, f"the analysis ran past {self.seconds:g} s of engine time while evaluating this rule",
                      "engine_seconds", "look for a cross product or a recursion that grows without bound")

    @property
    def armed(self) -> bool:
        """True inside a `clock` block whose timer runs: nested work needs no timer of its own."""
        return self._armed

    def check_clock(self, span: SourceSpan) -> None:
        if time.process_time() > self.deadline:
            raise self.over_time(span)

    @contextmanager
    def clock(self, where: Callable[[], SourceSpan]) -> Iterator[None]:
        """Engine work within the time budget; `where()` names the rule being evaluated when the
        time runs out. Nested blocks share the outer block's timer."""
        self.check_clock(where())
        timer = not self._armed and hasattr(signal, "setitimer") and _in_main_thread()
        if not timer:
            yield
            self.check_clock(where())
            return

        running = True

        def alarm(signum: int, frame: object) -> None:
            if running:  # a signal delivered after the block ended changes nothing
                raise _OutOfTime

        previous = signal.signal(signal.SIGPROF, alarm)
        self._armed = True
        try:
            signal.setitimer(signal.ITIMER_PROF, max(self.deadline - time.process_time(), 0.001))
            try:
                yield
            finally:
                running = False
                signal.setitimer(signal.ITIMER_PROF, 0)
        except _OutOfTime:
            raise self.over_time(where()) from None
        finally:
            signal.signal(signal.SIGPROF, previous)
            self._armed = False


def _in_main_thread() -> bool:
    """Whether this is the main thread. A process that never imported threading started no thread
    through it: the command line does not import it (some 3 M instructions), the live editor does."""
    threading = sys.modules.get("threading")
    return threading is None or threading.current_thread() is threading.main_thread()


def _other_threads() -> bool:
    """Whether a thread other than the main one runs (none without the threading module)."""
    threading = sys.modules.get("threading")
    return threading is not None and bool(threading.active_count() > 1)


def watch_from_outside(budget: Budget, engine: str) -> None:
    """For an engine whose core is compiled code that never returns to the interpreter while it
    works (pyDatalog's), so the interval timer's signal is never handled: the process forks, the
    child carries on with the command and the parent watches the child's CPU time, relays its exit
    code, or stops it past the budget (exit 2). Only in tmlogic's own command, single-threaded
    (not the live editor's workers), where the system has fork and /proc; else the in-process
    clock is all there is."""
    if not _OWN_PROCESS or not hasattr(os, "fork") or _other_threads() or not os.path.isdir("/proc/self"):
        return
    # The child may fork again for the next analysis of the run (a config with several models):
    # it then becomes that analysis's watcher, and each budget is measured on its own process.
    left = max(budget.deadline - time.process_time(), 0.0)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        stream.flush()
    pid = os.fork()
    if pid == 0:
        budget.deadline = time.process_time() + left  # the child's CPU clock starts again at 0
        return
    _supervise(pid, left, budget.seconds, engine)


def _supervise(pid: int, left: float, seconds: float, engine: str) -> None:
    from ...limits import LimitExceeded

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the child too; it reports it
    signal.signal(signal.SIGTERM, lambda signum, frame: os.kill(pid, signal.SIGTERM))
    ticks = os.sysconf("SC_CLK_TCK")
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            if code < 0:
                sys.stderr.write(f"tmlogic: internal error: the {engine} engine's process ended by signal {-code}; "
                                 "please report it\n")
                code = 3
            os._exit(code)
        try:  # utime and stime, the 14th and 15th fields, after the command name in parentheses
            fields = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            used = 0.0
        if used > left:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            error = LimitExceeded("engine_seconds", seconds,
                                  f"{engine} ran past {seconds:g} s of engine time; "
                                  "run with --engine native to see which rule grows")
            sys.stderr.write(f"tmlogic: error: {error}\n")
            sys.stderr.flush()
            os._exit(2)
        time.sleep(0.05)


def _error(span: SourceSpan, message: str, limit: str, why: str) -> RuleError:
    return RuleError([Diagnostic(Level.ERROR, span, message, "limit-exceeded",
                                 f"{why}; if the model is genuinely that large, raise the limit: "
                                 f"tmlogic --limit {limit}=N (see docs/security.md)")])
