"""What the analysis keeps per rule program (tmlogic/memo.py and its users): the live editor
re-analyzes every edit with one loaded program, and must get exactly what a fresh run gets."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import analyze_model, load_rules
from tmlogic.logic.engines import native
from tmlogic.logic.program.compile import compile_program
from tmlogic.memo import IdentityCache
from tmlogic.model.loader import load_model
from tmlogic.outputs.formats import render_format

ANCHORS = Path(__file__).resolve().parent / "data" / "anchors" / "secopstm"


def test_identity_cache_keys_by_object_not_by_value() -> None:
    cache: IdentityCache[list[int], int] = IdentityCache(2)
    calls: list[int] = []

    def total(xs: list[int]) -> int:
        calls.append(1)
        return sum(xs)

    a, b = [1, 2], [1, 2]  # equal, not the same object
    assert cache.get(a, total) == 3 and cache.get(a, total) == 3 and len(calls) == 1
    assert cache.get(b, total) == 3 and len(calls) == 2
    cache.get([5], total)  # a third key: the oldest (a) goes
    assert cache.get(a, total) == 3 and len(calls) == 4
    assert cache.get(a, total, extra="other") == 3 and len(calls) == 5


def _json(model_path: Path, program: object, compiled: object) -> str:
    model, warnings = load_model(model_path)
    analysis = analyze_model(model, program, list(warnings), compiled=compiled)  # type: ignore[arg-type]
    return render_format(analysis.result, "json")


def test_repeated_analyses_with_one_program_match_fresh_ones() -> None:
    dmz, monolith = ANCHORS / "threat_model.md", ANCHORS / "Simple_Monolithic_Web_Application.md"
    program, _ = load_rules()
    compiled = compile_program(program)
    first = {m: _json(m, program, compiled) for m in (dmz, monolith)}
    bodies = len(native._BODIES.bodies)
    # again, in the other order, with the same program: the compiled rule bodies are reused
    assert _json(monolith, program, compiled) == first[monolith]
    assert _json(dmz, program, compiled) == first[dmz]
    assert len(native._BODIES.bodies) == bodies
    # and a freshly loaded program (new clauses, nothing reused) gives the same bytes
    fresh, _ = load_rules()
    assert _json(dmz, fresh, compile_program(fresh)) == first[dmz]
