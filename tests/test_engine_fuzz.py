"""Differential fuzzing of the engines with a fixed seed and a bounded count (see engines/fuzz.py)."""

from __future__ import annotations

import signal
from types import FrameType

import pytest

from tmlogic.logic.engines.fuzz import answers, compare, random_case

SEEDS = range(1, 151)
PYDATALOG_SEEDS = range(1, 61)  # pyDatalog is far slower: a smaller bounded count


def test_the_generator_makes_varied_valid_programs() -> None:
    valid = [s for s in SEEDS if answers(random_case(s), "native") is not None]
    assert len(valid) >= 120
    texts = [random_case(s).text for s in SEEDS]
    assert sum("!" in t for t in texts) >= 50 and sum("_)" in t or "_," in t for t in texts) >= 10
    nonempty = 0
    for s in valid[:60]:
        result = answers(random_case(s), "native")
        assert result is not None
        nonempty += any(rows for predicate, rows in result.items() if not predicate.startswith("#"))
    assert nonempty >= 30


def test_native_and_clingo_agree_on_random_programs() -> None:
    problems = [p for s in SEEDS for p in compare(random_case(s), ["native", "clingo"])]
    assert problems == []


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError


@pytest.mark.slow
def test_pydatalog_agrees_on_random_programs() -> None:
    previous = signal.signal(signal.SIGALRM, _alarm)
    hung: list[int] = []
    problems: list[str] = []
    try:
        for s in PYDATALOG_SEEDS:
            signal.alarm(20)
            try:
                problems += compare(random_case(s), ["native", "pydatalog"])
            except TimeoutError:
                hung.append(s)
            finally:
                signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert problems == [] and hung == []


def test_a_fully_bound_firing_query_answers_whether_its_row_is_a_firing() -> None:
    """native answers a firing query that gives every variable by looking the body's atoms up
    (native._Check) rather than by solving it: on random programs, each firing row asked for
    itself is one, and rows mixed from two firings' values are firings exactly when the
    unbound query lists them."""
    from tmlogic._errors import SourceSpan
    from tmlogic.logic.engines import fuzz
    from tmlogic.logic.engines.base import get_backend
    from tmlogic.logic.program.compile import compile_program
    from tmlogic.logic.program.facts import FactBase, InputFact

    checked = mixed = 0
    for seed in SEEDS:
        case = random_case(seed)
        program = fuzz._program(case)
        if program is None:
            continue
        compiled = compile_program(program)
        span = SourceSpan("fuzz", 1)
        facts = FactBase(InputFact(p, row, span) for p, rows in case.facts.items() for row in rows)
        for firing in compiled.firings:
            arity = len(firing.variables)
            if not arity:
                continue
            # a fresh session per relation: the unbound query must not have warmed the bound one
            rows = set(get_backend("native").load(compiled, facts).query(firing.name, (None,) * arity))
            session = get_backend("native").load(compiled, facts)
            for row in sorted(rows, key=repr)[:5]:
                assert session.query(firing.name, row) == [row], (seed, firing.name, row)
                checked += 1
            for a in sorted(rows, key=repr)[:3]:
                for b in sorted(rows, key=repr)[:3]:
                    row = a[:1] + b[1:]
                    assert session.query(firing.name, row) == ([row] if row in rows else []), (seed, firing.name, row)
                    mixed += row not in rows
    assert checked >= 100 and mixed >= 10
