"""The cyclic collector pause around analyses (tmlogic/gc_pause.py) and the one budget timer of a
proof search (Session.batch): both only change speed, so what is tested is that they end cleanly."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmlogic._errors import SourceSpan
from tmlogic.analysis import analyze
from tmlogic.gc_pause import collector_paused, collector_running
from tmlogic.logic.engines.budget import Budget
from tmlogic.logic.engines.native import NativeSession

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_nested_pauses_switch_the_collector_back_on_after_the_outermost(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_survives_a_pause_is_not_left_young_and_its_cycles_are_still_collected(collector_on: None) -> None:
    import weakref

    class Node:
        other: Node | None = None

    with collector_paused():
        kept = [[i] for i in range(50_000)]  # far more than one young generation's threshold
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle that only the collector can free
        gone = weakref.ref(a)
        del a, b
    # The block's survivors went to the oldest generation, where a young collection does not walk them...
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0) + gc.get_objects(generation=1))
    # ... and a full collection still looks at them (gc.freeze alone would have hidden the cycle).
    gc.collect()
    assert gone() is None


def test_a_pause_leaves_a_collector_that_was_off_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_an_error_inside_a_pause_still_ends_it(collector_on: None) -> None:
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            1 / 0
    assert gc.isenabled()


def test_pauses_on_several_threads_end_with_the_collector_on(collector_on: None) -> None:
    inside = threading.Barrier(3)

    def work() -> None:
        with collector_paused():
            inside.wait()  # both threads are inside at once
            inside.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    inside.wait()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_an_analysis_leaves_the_collector_on(collector_on: None) -> None:
    analysis = analyze(ROOT / "examples" / "webshop" / "threat_model.md")
    assert analysis.result.threats
    assert gc.isenabled()


def test_a_long_running_part_of_a_paused_command_collects_and_its_analyses_still_pause(collector_on: None) -> None:
    # the CLI pauses the collector for a whole command; `tmlogic serve` runs for hours inside it
    with collector_paused():
        assert not gc.isenabled()
        with collector_running():
            assert gc.isenabled()
            with collector_paused():  # an edit's analysis
                assert not gc.isenabled()
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_long_running_part_keeps_a_collector_that_was_off_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused(), collector_running():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_a_proof_search_arms_one_timer_for_all_its_queries() -> None:
    budget = Budget()
    session = NativeSession({}, {}, budget)
    with session.batch():
        assert budget.armed
        assert session.query("nothing", (None,)) == []
    assert not budget.armed


def test_a_proof_search_past_its_time_budget_names_the_rule_of_the_last_query() -> None:
    from tmlogic._errors import RuleError

    budget = Budget()
    session = NativeSession({}, {}, budget)
    session._span = SourceSpan("rules/x.dl", 7)
    budget.deadline = time.process_time() + 0.05  # a twentieth of a second of CPU left
    with pytest.raises(RuleError) as raised:
        with session.batch():
            while True:  # a runaway query, which only the timer can stop
                pass
    assert "rules/x.dl:7" in str(raised.value) and "engine time" in str(raised.value)
