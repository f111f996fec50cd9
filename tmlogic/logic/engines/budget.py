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

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..._errors import Diagnostic, Level, RuleError, SourceSpan
from ...limits import Limits
from ...limits import current as current_limits

__all__ = ["Budget", "OverBudget"]


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

    def check_clock(self, span: SourceSpan) -> None:
        if time.process_time() > self.deadline:
            raise self.over_time(span)

    @contextmanager
    def clock(self, where: Callable[[], SourceSpan]) -> Iterator[None]:
        """Engine work within the time budget; `where()` names the rule being evaluated when the
        time runs out. Nested blocks share the outer block's timer."""
        self.check_clock(where())
        timer = (not self._armed and hasattr(signal, "setitimer")
                 and threading.current_thread() is threading.main_thread())
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


def _error(span: SourceSpan, message: str, limit: str, why: str) -> RuleError:
    return RuleError([Diagnostic(Level.ERROR, span, message, "limit-exceeded",
                                 f"{why}; if the model is genuinely that large, raise the limit: "
                                 f"tmlogic --limit {limit}=N (see docs/security.md)")])
