"""The logic backends: evaluation, negation, comparisons, recursion, isolation, and safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import SourceSpan
from tmlogic.logic.language.ast import Program
from tmlogic.logic.engines.base import BACKENDS, get_backend
from tmlogic.logic.program.compile import compile_program
from tmlogic.logic.program.facts import FactBase, InputFact
from tmlogic.logic.language.parser import parse_module

ENGINES = sorted(BACKENDS)

GRAPH = """
.decl edge(a: symbol, b: symbol)
.decl node(n: symbol)
.decl weight(a: symbol, w: number)
.decl path(a: symbol, b: symbol)
.decl isolated(n: symbol)
.decl heavy(n: symbol)
.decl distinct_pair(a: symbol, b: symbol)
path(X, Y) :- edge(X, Y).
path(X, Y) :- edge(X, Z), path(Z, Y).
isolated(N) :- node(N), !edge(N, _), !edge(_, N).
heavy(N) :- weight(N, W), W >= 10.
distinct_pair(A, B) :- node(A), node(B), A != B, A < "c".
"""


def _program(text: str) -> Program:
    module = parse_module(text, "test.dl")
    return Program((module,), {d.predicate: d for d in module.decls})


def _facts(rows: dict[str, list[tuple[str | int, ...]]]) -> FactBase:
    span = SourceSpan("m.md", 1)
    return FactBase(InputFact(p, args, span) for p, all_args in rows.items() for args in all_args)


def _session(engine: str, text: str, rows: dict[str, list[tuple[str | int, ...]]]):  # type: ignore[no-untyped-def]
    return get_backend(engine).load(compile_program(_program(text)), _facts(rows))


GRAPH_FACTS = {
    "edge": [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")],
    "node": [("a",), ("b",), ("c",), ("d",), ("e",), ("Upper.Case",)],
    "weight": [("a", 3), ("b", 10), ("c", 42)],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_recursion_reaches_a_fixpoint_through_cycles(engine: str) -> None:
    s = _session(engine, GRAPH, GRAPH_FACTS)
    assert s.query("path", ("d", None)) == []
    assert s.query("path", ("a", None)) == [("a", "a"), ("a", "b"), ("a", "c"), ("a", "d")]
    assert len(s.query("path", (None, None))) == 12


@pytest.mark.parametrize("engine", ENGINES)
def test_negation_with_anonymous_variables_means_no_match_at_all(engine: str) -> None:
    s = _session(engine, GRAPH, GRAPH_FACTS)
    # Each `_` is its own variable: e has no edge in either direction.
    assert s.query("isolated", (None,)) == [("Upper.Case",), ("e",)]


@pytest.mark.parametrize("engine", ENGINES)
def test_comparisons_on_numbers_and_symbols(engine: str) -> None:
    s = _session(engine, GRAPH, GRAPH_FACTS)
    assert s.query("heavy", (None,)) == [("b",), ("c",)]
    pairs = s.query("distinct_pair", (None, None))
    assert ("a", "b") in pairs and ("a", "a") not in pairs
    assert all(a < "c" for a, _ in pairs)


@pytest.mark.parametrize("engine", ENGINES)
def test_constants_that_look_like_variables_or_code_stay_data(engine: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    s = _session(engine, GRAPH, {"node": [(payload,), ("X",), ("_",)], "edge": []})
    assert s.query("isolated", (None,)) == [(payload,), ("X",), ("_",)] or sorted(s.query("isolated", (None,))) == sorted(
        [(payload,), ("X",), ("_",)]
    )
    assert not marker.exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_sessions_are_isolated(engine: str) -> None:
    first = _session(engine, GRAPH, GRAPH_FACTS)
    second = _session(engine, GRAPH, {"edge": [("x", "y")], "node": []})
    assert second.query("path", (None, None)) == [("x", "y")]
    # The first session still answers from its own facts after the second was loaded.
    assert len(first.query("path", (None, None))) == 12


@pytest.mark.parametrize("engine", ENGINES)
def test_firing_relations_record_every_rule_instance(engine: str) -> None:
    program = _program(GRAPH)
    compiled = compile_program(program)
    session = get_backend(engine).load(compiled, _facts(GRAPH_FACTS))
    recursive = [f for f in compiled.firings if f.rule.head.predicate == "path" and len(f.rule.body) == 2][0]
    assert recursive.variables == ("X", "Z", "Y")
    rows = session.query(recursive.name, ("a", None, None))
    assert ("a", "b", "c") in rows and ("a", "b", "d") in rows


def test_no_rule_or_model_text_reaches_pydatalog_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyDatalog.pyDatalog as pd
    import pyDatalog.pyParser as pp

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pyDatalog.load must never be called: it executes Python")

    monkeypatch.setattr(pd, "load", forbidden)
    monkeypatch.setattr(pp, "load", forbidden)
    s = _session("pydatalog", GRAPH, GRAPH_FACTS)
    assert s.query("heavy", (None,))


@pytest.mark.parametrize("engine", ENGINES)
def test_strings_true_and_false_stay_strings(engine: str) -> None:
    text = """
.decl node(n: symbol)
.decl label(n: symbol, v: symbol)
.decl truthy(n: symbol)
truthy(N) :- node(N), label(N, "True").
"""
    s = _session(engine, text, {"node": [("a",), ("b",)], "label": [("a", "True"), ("b", "False")]})
    assert s.query("truthy", (None,)) == [("a",)]
    assert s.query("label", (None, "False")) == [("b", "False")]
    assert s.query("label", ("a", None)) == [("a", "True")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_helper_rule_may_negate_an_input_relation_without_facts(engine: str) -> None:
    # Found by the differential fuzzer: pyDatalog failed (exit 3) because its first pass never
    # declared the empty relation.
    text = """
.decl node(n: symbol)
.decl blocked(n: symbol)
.decl open_node(n: symbol)
open_node(N) :- node(N), !blocked(N).
"""
    s = _session(engine, text, {"node": [("a",), ("b",)]})
    assert s.query("open_node", (None,)) == [("a",), ("b",)]


CONSTANTS = """
.decl attr(e: symbol, k: symbol, v: symbol)
.decl tagged(e: symbol)
.decl wired(e: symbol, v: symbol)
.decl both(e: symbol)
tagged(E) :- attr(E, "tag", "x").
wired(E, V) :- attr(E, "wire", V).
both(E) :- tagged(E), wired(E, _).
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_body_whose_constants_match_no_row_derives_nothing(engine: str) -> None:
    # The native engine skips such bodies without planning them; the answers must not change.
    only_tags = {"attr": [("a", "tag", "x"), ("b", "tag", "y")]}
    session = _session(engine, CONSTANTS, only_tags)
    assert session.query("tagged", (None,)) == [("a",)]
    assert session.query("wired", (None, None)) == [] and session.query("both", (None,)) == []
    with_wires = {"attr": only_tags["attr"] + [("a", "wire", "w1"), ("c", "wire", "w2")]}
    session = _session(engine, CONSTANTS, with_wires)
    assert session.query("wired", (None, None)) == [("a", "w1"), ("c", "w2")]
    assert session.query("both", (None,)) == [("a",)]


def test_the_native_engine_skips_a_body_by_its_constants_before_planning_it() -> None:
    from tmlogic.logic.engines import native
    from tmlogic.logic.engines.relation import Relation

    compiled = compile_program(_program(CONSTANTS))
    clause = next(c for c in compiled.clauses if c.head.predicate == "wired")
    attr = Relation()
    attr.add(("a", "tag", "x"))
    relations = {"attr": attr}
    assert native._derives_nothing(native._Rule(clause), relations)
    attr.add(("a", "wire", "w1"))
    assert not native._derives_nothing(native._Rule(clause), relations)
    # a relation that is still growing (the clause's own stratum) is not judged by its rows yet
    assert not native._derives_nothing(native._Rule(clause), {}, growing={"attr"})


def test_the_native_engine_evaluates_only_the_strata_a_query_reads() -> None:
    session = _session("native", GRAPH, GRAPH_FACTS)
    evaluation = session._evaluation  # type: ignore[attr-defined]
    assert session.query("heavy", (None,)) == [("b",), ("c",)]
    assert not evaluation.finished("path") and not evaluation.finished("isolated")
    # a firing relation's body is solved after the strata it reads: here the recursive path
    firing = next(c.head.predicate for c in compile_program(_program(GRAPH)).clauses
                  if c.head.predicate.startswith("#") and any(getattr(b, "predicate", "") == "path" for b in c.body))
    # the firing rows (X, Z, Y) of path(X, Y) :- edge(X, Z), path(Z, Y): a, b, c each reach a to d
    assert session.query(firing, (None, None, None)) == sorted(
        (x, z, y) for x, z in GRAPH_FACTS["edge"] if z != "d" for y in "abcd")
    assert evaluation.finished("path") and not evaluation.finished("isolated")
    assert len(session.query("path", (None, None))) == 12


def test_the_native_engine_gives_the_same_answers_whatever_is_asked_first() -> None:
    compiled = compile_program(_program(GRAPH))
    predicates = [c.head.predicate for c in compiled.clauses]
    expected = {p: get_backend("native").load(compiled, _facts(GRAPH_FACTS)).query(p, (None,) * c.head.arity)
                for p, c in zip(predicates, compiled.clauses)}
    session = get_backend("native").load(compiled, _facts(GRAPH_FACTS))
    for p, c in reversed(list(zip(predicates, compiled.clauses))):
        assert session.query(p, (None,) * c.head.arity) == expected[p]
