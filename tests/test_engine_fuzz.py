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
