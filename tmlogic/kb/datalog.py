"""Running a small program of tmlogic's own rule language over plain rows, with the native engine.

The knowledge base uses this twice: the builder infers D3FEND -> ATT&CK links through
artifacts (d3fend.dl), and enrichment joins threats to the knowledge base (enrich.dl). Rule
files are parsed and checked by the same front end as rule packs, once per process, and the
checked program is kept in the program cache (tmlogic/logic/program/cache.py), keyed by the
files' text, so a run with a warm cache does not load the parser; rows are handed to the engine
as constants, never as text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from .._errors import SourceSpan
from ..logic.engines.base import Row, get_backend
from ..logic.language.checks import check_modules
from ..logic.program.compile import CompiledProgram, compile_program
from ..logic.program.facts import FactBase, InputFact
from ..logic.program import cache
from ..records import record

__all__ = ["DatalogProgram", "compile_sources"]

_CACHE: dict[tuple[tuple[str, str], ...], CompiledProgram] = {}
_LOCK = threading.Lock()


def compile_sources(sources: Sequence[tuple[str, str]]) -> CompiledProgram:
    """Parse, check and compile (text, path) sources together; cached per process by their text."""
    key = tuple(sources)
    with _LOCK:
        compiled = _CACHE.get(key)
        if compiled is None:
            digest = cache.program_key([(path, text.encode("utf-8")) for text, path in sources], False, None)
            program = cache.read_program(digest)
            if program is None:
                from ..logic.language.parser import parse_module

                program, warnings = check_modules([parse_module(text, path) for text, path in sources])
                if not warnings:
                    cache.write_program(digest, program)
            compiled = compile_program(program)
            _CACHE[key] = compiled
    return compiled


@record(frozen=True)
class DatalogProgram:
    sources: tuple[tuple[str, str], ...]  # (text, path) of each .dl module

    def run(self, facts: Mapping[str, Iterable[Row]], queries: Iterable[str]) -> dict[str, list[Row]]:
        """Evaluate over `facts` (relation -> rows) and return every row of each queried relation, sorted."""
        compiled = compile_sources(self.sources)
        decls = compiled.program.decls
        origin = SourceSpan("<knowledge base>", 1)
        inputs: list[InputFact] = []
        for predicate, rows in facts.items():
            decl = decls.get(predicate)
            if decl is None:
                raise ValueError(f"relation {predicate!r} is not declared in the program")
            for row in rows:
                if len(row) != decl.arity:
                    raise ValueError(f"{predicate}{row!r} has {len(row)} values, the declaration {decl.arity}")
                inputs.append(InputFact(predicate, tuple(row), origin))
        session = get_backend("native").load(compiled, FactBase(inputs))
        result: dict[str, list[Row]] = {}
        for predicate in queries:
            arity = decls[predicate].arity
            result[predicate] = session.query(predicate, (None,) * arity)
        return result
