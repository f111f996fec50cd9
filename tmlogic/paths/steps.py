"""Turning firings of the attack graph into PathSteps: message, proof of every condition down
to model lines, the threats it rests on, and the elements and flows it touches."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from ..logic.language.ast import Comparison, Const, Negation, Var
from ..logic.program.facts import format_fact
from ..logic.provenance import Prover, instantiate
from .changes import ModelChange
from .graph import AttackGraph, FactKey, Firing
from .result import PathStep, StepCondition

__all__ = ["StepBuilder", "fact_text"]

# Declared argument names that hold ids of the model (facts/schema.dl, the prelude and the pack
# name them so); a variable bound at one is shown by the item's name in messages.
_ID_ARGUMENTS = frozenset({"e", "f", "d", "s", "x", "b", "z", "z1", "z2", "src", "dst", "parent", "a", "t"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fact_text(key: FactKey) -> str:
    return format_fact(key[0], key[1])


class StepBuilder:
    def __init__(self, graph: AttackGraph, prover: Prover | None, names: dict[str, str], elements: set[str],
                 flows: set[str], stopped_by: Callable[[int], tuple[tuple[ModelChange, ...], ...]],
                 threats: set[str]) -> None:
        self.graph = graph
        self.prover = prover
        self.names = names
        self.elements = elements
        self.flows = flows
        self.stopped_by = stopped_by
        self.threats = threats
        self._built: dict[int, PathStep] = {}
        self.by_id: dict[str, PathStep] = {}
        decls = graph.pack.program.decls
        self._id_vars: dict[int, set[str]] = {}
        for step in graph.pack.steps:
            ids: set[str] = set()
            for atom in step.rule.positive_atoms():
                decl = decls.get(atom.predicate)
                for term, arg in zip(atom.args, decl.args if decl else ()):
                    if isinstance(term, Var) and arg.name in _ID_ARGUMENTS:
                        ids.add(term.name)
            self._id_vars[id(step.rule)] = ids

    def step_id(self, f: Firing) -> str:
        parts = [f.step.id, fact_text(f.head), *map(fact_text, f.sources), *map(fact_text, f.conditions)]
        return "S" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]

    def _message(self, f: Firing, bindings: dict[str, str | int]) -> str:
        ids = self._id_vars[id(f.step.rule)]

        def sub(m: re.Match[str]) -> str:
            value = bindings.get(m.group(1))
            if value is None:
                return m.group(0)
            return self.names.get(str(value), str(value)) if m.group(1) in ids else str(value)

        return _PLACEHOLDER.sub(sub, f.step.message)

    def _condition(self, key: FactKey) -> StepCondition:
        proof = self.prover.prove(key[0], key[1]) if self.prover is not None else None
        if proof is None and self.prover is not None:  # the engine derived the firing, so its body holds
            raise AssertionError(f"no proof of {fact_text(key)}; the engine and the program disagree")
        # a threat fact, or a helper's tuple that carries a threat id (attack_weakness(f, e, t, l))
        threat = next((str(v) for v in key[1] if isinstance(v, str) and v in self.threats), None)
        return StepCondition(fact_text(key), proof, threat)

    def build(self, index: int) -> PathStep:
        found = self._built.get(index)
        if found is not None:
            return found
        f = self.graph.firings[index]
        bindings = f.bindings()
        conditions = tuple(self._condition(c) for c in f.conditions)
        body = f.step.rule.body
        touched = {str(v) for v in bindings.values()}
        step = PathStep(
            id=self.step_id(f), rule=f.step, state=fact_text(f.head),
            shows=self.graph.pack.states[f.head[0]].describe(f.head[1], self.names),
            sources=tuple(fact_text(s) for s in f.sources), message=self._message(f, bindings),
            likelihood=f.level, probability=f.probability,
            bindings=tuple((k, v) for k, v in bindings.items() if not k.startswith("_")),
            conditions=conditions,
            absent=tuple(instantiate(lit.atom, bindings) for lit in body if isinstance(lit, Negation)),
            constraints=tuple(_comparison(lit, bindings) for lit in body if isinstance(lit, Comparison)),
            threats=tuple(sorted({c.threat for c in conditions if c.threat})),
            elements=tuple(sorted(touched & self.elements)), flows=tuple(sorted(touched & self.flows)),
            stopped_by=self.stopped_by(index),
        )
        self._built[index] = step
        self.by_id[step.id] = step
        return step


def _comparison(c: Comparison, bindings: dict[str, str | int]) -> str:
    def text(t: Var | Const) -> str:
        value = t.value if isinstance(t, Const) else bindings.get(t.name)
        return "_" if value is None else format_fact("", (value,))[1:-1]

    return f"{text(c.left)} {c.op} {text(c.right)}"
