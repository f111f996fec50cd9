"""Proof trees: minimal height, recursion, negation and comparisons, down to input facts."""

from __future__ import annotations

import pytest

from tmlogic._errors import SourceSpan
from tmlogic.logic.language.ast import Program
from tmlogic.logic.engines.base import BACKENDS, get_backend
from tmlogic.logic.program.compile import compile_program
from tmlogic.logic.program.facts import FactBase, InputFact
from tmlogic.logic.language.parser import parse_module
from tmlogic.logic.provenance import ProofNode, Prover

ENGINES = sorted(BACKENDS)

PROGRAM = """
.decl edge(a: symbol, b: symbol)
.decl blocked(a: symbol)
.decl cost(a: symbol, c: number)
.decl reach(a: symbol, b: symbol)
reach(X, Y) :- edge(X, Y).
reach(X, Y) :- edge(X, Z), reach(Z, Y).

/// id: TM-TEST-001
/// title: Reachable and not blocked
/// stride: Tampering
/// severity: high
/// message: '{Y}' is reachable from '{X}'
/// mitigation: Block it.
threat(Y) :- reach(X, Y), X = "a", cost(Y, C), C > 1, !blocked(Y).
"""

# a -> d directly, and a -> b -> c -> d: two derivations of reach(a, d).
EDGES = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d"), ("d", "a")]


def _prover(engine: str) -> tuple[Prover, object]:
    module = parse_module(PROGRAM, "pack.dl")
    program = Program((module,), {d.predicate: d for d in module.decls})
    compiled = compile_program(program)
    facts = [InputFact("edge", e, SourceSpan("m.md", 10 + i)) for i, e in enumerate(EDGES)]
    facts += [InputFact("cost", ("d", 5), SourceSpan("m.md", 20)), InputFact("cost", ("c", 0), SourceSpan("m.md", 21))]
    facts += [InputFact("blocked", ("b",), SourceSpan("m.md", 22))]
    fb = FactBase(facts)
    session = get_backend(engine).load(compiled, fb)
    return Prover(compiled, fb, session), (compiled, session)


@pytest.mark.parametrize("engine", ENGINES)
def test_shortest_of_two_derivations_is_kept(engine: str) -> None:
    prover, _ = _prover(engine)
    proof = prover.prove("reach", ("a", "d"))
    assert proof is not None
    assert proof.height == 1
    assert [c.text for c in proof.children] == ['edge("a", "d")']
    assert proof.children[0].origin == SourceSpan("m.md", 13)


@pytest.mark.parametrize("engine", ENGINES)
def test_recursive_proof_goes_down_to_input_facts(engine: str) -> None:
    prover, _ = _prover(engine)
    proof = prover.prove("reach", ("b", "d"))
    assert proof is not None and proof.height == 2
    leaves = [leaf.text for leaf in proof.input_facts()]
    assert leaves == ['edge("b", "c")', 'edge("c", "d")']
    assert all(leaf.origin is not None and leaf.origin.path == "m.md" for leaf in proof.input_facts())
    # A cycle (d -> a -> ... -> d) does not make the proof search loop.
    assert prover.prove("reach", ("d", "d")) is not None


@pytest.mark.parametrize("engine", ENGINES)
def test_threat_proof_shows_bindings_constraints_and_checked_absence(engine: str) -> None:
    prover, (compiled, session) = _prover(engine)
    relation = compiled.threat_firings()[0]  # type: ignore[attr-defined]
    rows = session.query(relation.name, (None,) * len(relation.variables))  # type: ignore[attr-defined]
    assert {relation.bindings(r)["Y"] for r in rows} == {"d"}
    proof: ProofNode = prover.prove_threat(relation, rows, ("d",))
    assert dict(proof.bindings) == {"X": "a", "Y": "d", "C": 5}
    assert proof.constraints == ('"a" = "a"', "5 > 1")
    assert proof.absent == ('blocked("d")',)
    assert proof.children[0].height == 1  # reach(a, d) through the direct edge
    assert proof.height == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_facts_that_do_not_hold_have_no_proof(engine: str) -> None:
    prover, _ = _prover(engine)
    assert prover.prove("reach", ("zzz", "a")) is None


def test_proof_nodes_built_by_the_prover_equal_ones_built_by_their_class() -> None:
    from tmlogic._errors import SourceSpan
    from tmlogic.logic.provenance import ProofNode, _node

    span = SourceSpan("m.md", 3)
    leaf = _node("flow", ("f", "a", "b"), 0, span, None, (), (), (), (), "pack")
    assert leaf == ProofNode("flow", ("f", "a", "b"), 0, origin=span, extension="pack")
    assert hash(leaf) == hash(ProofNode("flow", ("f", "a", "b"), 0, origin=span, extension="pack"))
    derived = _node("zone", ("a", "z"), 1, None, None, (("E", "a"),), (leaf,), ("trusted(z)",), ("1 < 2",), None)
    assert derived == ProofNode("zone", ("a", "z"), 1, bindings=(("E", "a"),), children=(leaf,),
                                absent=("trusted(z)",), constraints=("1 < 2",))
    assert repr(derived) == repr(ProofNode("zone", ("a", "z"), 1, bindings=(("E", "a"),), children=(leaf,),
                                           absent=("trusted(z)",), constraints=("1 < 2",)))


def test_extension_facts_read_back_from_the_program_cache_as_computed() -> None:
    from tmlogic.logic.program.cache import SectionError
    from tmlogic.logic.provenance import _read_extensions, _stored_extensions

    facts = {("network_device_type", ("toaster",)): "iot", ("port_service", (8080, "http")): "web"}
    stored = _stored_extensions(facts)
    assert stored == [["iot", "network_device_type", "toaster"], ["web", "port_service", 8080, "http"]]
    assert _read_extensions(stored) == facts
    for damaged in ({"iot": 1}, [["iot"]], [["iot", "p", True]], [["iot", "p", None]], [[1, "p", "a"]]):
        with pytest.raises(SectionError):
            _read_extensions(damaged)
