"""The interface every logic engine implements, so a second engine is one new module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from ...typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module for the engine names: keep it light
    from ..program.compile import CompiledProgram
    from ..program.facts import FactBase

__all__ = ["Row", "Pattern", "Backend", "Session", "get_backend", "BACKENDS", "DEFAULT_ENGINE"]

Row = tuple[str | int, ...]
Pattern = tuple[str | int | None, ...]  # None: unbound position


class Session(ABC):
    """A program loaded with its facts; answers queries until it is dropped."""

    @abstractmethod
    def query(self, predicate: str, pattern: Pattern) -> list[Row]:
        """Every tuple of `predicate` that matches `pattern`, sorted, without duplicates."""

    def query_many(self, predicate: str, arity: int, positions: tuple[int, ...], keys: Sequence[Row]) -> list[list[Row]]:
        """`query` once per key, the key's values at `positions` and the other of `arity` positions
        unbound, answers in key order. A proof search asks one firing relation about thousands of
        facts at a time; an engine can share the set-up of those queries."""
        out: list[list[Row]] = []
        for key in keys:
            pattern: list[str | int | None] = [None] * arity
            for i, value in zip(positions, key):
                pattern[i] = value
            out.append(self.query(predicate, tuple(pattern)))
        return out

    def batch(self) -> AbstractContextManager[None]:
        """A block of many queries (a proof search): an engine that keeps its time budget with
        a timer arms it once for the block instead of once per query."""
        return nullcontext()


class Backend(ABC):
    name: str

    @abstractmethod
    def load(self, program: CompiledProgram, facts: FactBase) -> Session:
        """A fresh, isolated session: nothing is shared with earlier or concurrent sessions."""


def _pydatalog() -> Backend:
    from .pydatalog import PyDatalogBackend

    return PyDatalogBackend()


def _native() -> Backend:
    from .native import NativeBackend

    return NativeBackend()


def _clingo() -> Backend:
    from .clingo import ClingoBackend

    return ClingoBackend()


BACKENDS = {"pydatalog": _pydatalog, "native": _native, "clingo": _clingo}

# The native engine is the default because it is the one that meets the speed goals with the
# full rule pack (docs/engines.md has the measurements); pyDatalog stays one flag away and the
# test suite checks that both give identical results.
DEFAULT_ENGINE = "native"


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose one of: {', '.join(sorted(BACKENDS))}") from None


def sort_rows(rows: Sequence[Row]) -> list[Row]:
    """Numbers before symbols, numbers by value (-10 < -5 < -1 < 2), symbols by text."""
    if len(rows) < 2:
        return list(rows)
    return sorted(set(rows), key=lambda r: tuple((0, v, "") if isinstance(v, int) else (1, 0, v) for v in r))
