"""The input facts' order: by predicate, then by arguments with numbers before text and numbers by
value; the first mention of a fact gives its origin, whatever order the facts come in."""

from __future__ import annotations

import random

from tmlogic._errors import SourceSpan
from tmlogic.logic.program.facts import FactBase, InputFact


def _span(line: int) -> SourceSpan:
    return SourceSpan("m.md", line)


def test_facts_sort_by_predicate_then_arguments_numbers_first() -> None:
    facts = [
        InputFact("multiplier", ("web", 10), _span(1)),
        InputFact("multiplier", ("web", -2), _span(2)),
        InputFact("multiplier", ("web", 9), _span(10)),
        InputFact("multiplier", ("web", "x"), _span(3)),
        InputFact("multiplier", ("db", 3), _span(4)),
        InputFact("flow", ("f2", "a", "b"), _span(5)),
        InputFact("flow", ("f10", "a", "b"), _span(6)),
        InputFact("flow", ("f1",), _span(7)),
        InputFact("element", ("web", "server"), _span(8)),
        InputFact("attr", ("web", "port", "443"), _span(9)),
    ]
    expected = [("attr", ("web", "port", "443")), ("element", ("web", "server")), ("flow", ("f1",)),
                ("flow", ("f10", "a", "b")), ("flow", ("f2", "a", "b")), ("multiplier", ("db", 3)),
                ("multiplier", ("web", -2)), ("multiplier", ("web", 9)), ("multiplier", ("web", 10)), ("multiplier", ("web", "x"))]
    rng = random.Random(3)
    for _ in range(20):
        shuffled = facts[:]
        rng.shuffle(shuffled)
        assert [(f.predicate, f.args) for f in FactBase(shuffled)] == expected


def test_the_first_mention_of_a_fact_is_its_origin() -> None:
    first = InputFact("element", ("web", "server"), _span(2))
    later = InputFact("element", ("web", "server"), _span(9))
    base = FactBase([first, InputFact("boundary", ("dmz",), _span(1)), later])
    assert len(base) == 2 and base.origin("element", ("web", "server")) == _span(2)
    assert next(f for f in base if f.predicate == "element").span == _span(2)
    grown = base.extended([InputFact("element", ("web", "server"), _span(20)), InputFact("boundary", ("a",), _span(21))])
    assert grown.origin("element", ("web", "server")) == _span(2) and len(grown) == 3
