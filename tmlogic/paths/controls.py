"""What removes each firing of the attack graph, as model changes (the controls of cuts.py).

  - A negated atom of the step rule: the keys that make it true (changes.fixes_for).
  - A threat the firing rests on (a threat fact, or a threat id inside a helper's tuple): the
    change that blocks every firing of the threat's own rule for its targets, found the same way
    from the negated atoms of those firings. A threat without such a change is not a control,
    nor is a hand-written one (## Threats): no rule says what removes it.
  - A flow the firing follows (a flow id among its conditions' values): removing the flow.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..logic.language.ast import Const, Negation, Program, Var
from ..logic.engines.base import Session
from ..logic.program.compile import CompiledProgram, FiringRelation
from ..result import Threat
from .changes import ModelChange, fixes_for
from .cuts import Control
from .graph import AttackGraph

__all__ = ["ControlFinder"]


def _holds(session: Session):  # type: ignore[no-untyped-def]
    def holds(predicate: str, args: tuple[str | int, ...]) -> bool:
        return bool(session.query(predicate, args))

    return holds


class ControlFinder:
    def __init__(self, graph: AttackGraph, session: Session, threats: Iterable[Threat], flows: set[str],
                 threat_program: Program, threat_compiled: CompiledProgram, threat_session: Session) -> None:
        self.graph = graph
        self._holds = _holds(session)
        self._threats = {t.id: t for t in threats}
        self._flows = flows
        self._threat_program = threat_program
        self._threat_compiled = threat_compiled
        self._threat_holds = _holds(threat_session)
        self._threat_session = threat_session
        self._fixes: dict[tuple[str, tuple[str | int | None, ...]], Control | None] = {}
        self._threat_fix: dict[str, Control | None] = {}
        self._threat_fixes: dict[tuple[str, tuple[str | int | None, ...]], Control | None] = {}
        self._rows_by_rule: dict[int, dict[tuple[str, ...], list[tuple[FiringRelation, dict[str, str | int]]]]] = {}

    def _fix(self, predicate: str, args: tuple[str | int | None, ...]) -> Control | None:
        key = (predicate, args)
        if key not in self._fixes:
            self._fixes[key] = fixes_for(self.graph.pack.program, predicate, args, self._holds)
        return self._fixes[key]

    def _rows(self, t: Threat) -> list[tuple[FiringRelation, dict[str, str | int]]]:
        """The firings of the threat's rule that derived it: one query per rule, grouped by head."""
        rule = t.rule.rule
        assert rule is not None, "hand-written threats have no firings (threat_fix skips them)"
        if id(rule) not in self._rows_by_rule:
            relation = next(r for r in self._threat_compiled.threat_firings() if r.rule is rule)
            heads = [term.name for term in rule.head.args if isinstance(term, Var)]
            grouped: dict[tuple[str, ...], list[tuple[FiringRelation, dict[str, str | int]]]] = {}
            for row in self._threat_session.query(relation.name, (None,) * len(relation.variables)):
                bindings = relation.bindings(row)
                grouped.setdefault(tuple(str(bindings[h]) for h in heads), []).append((relation, bindings))
            self._rows_by_rule[id(rule)] = grouped
        return self._rows_by_rule[id(rule)].get(tuple(t.targets), [])

    def threat_fix(self, threat_id: str) -> Control | None:
        """A change that stops threat `threat_id` from being derived, or None."""
        if threat_id in self._threat_fix:
            return self._threat_fix[threat_id]
        threat = self._threats[threat_id]
        if threat.rule.rule is None:  # written in the model (## Threats): no rule body names a fix
            self._threat_fix[threat_id] = None
            return None
        common: set[Control] | None = None
        for relation, bindings in self._rows(threat):
            options: set[Control] = set()
            for lit in relation.rule.body:
                if not isinstance(lit, Negation):
                    continue
                args = tuple(a.value if isinstance(a, Const) else bindings.get(a.name) for a in lit.atom.args)
                key = (lit.atom.predicate, args)
                if key not in self._threat_fixes:
                    self._threat_fixes[key] = fixes_for(self._threat_program, key[0], args, self._threat_holds)
                fix = self._threat_fixes[key]
                if fix is not None:
                    options.add(fix)
            common = options if common is None else common & options
        choice = min(common, key=lambda c: (sum(x.cost for x in c), c)) if common else None
        self._threat_fix[threat_id] = choice
        return choice

    def controls_of(self, index: int) -> list[Control]:
        f = self.graph.firings[index]
        found: dict[Control, None] = {}
        for predicate, args in f.absent:
            fix = self._fix(predicate, args)
            if fix is not None:
                found[fix] = None
        for _, args in f.conditions:
            for value in args:
                if not isinstance(value, str):
                    continue
                if value in self._threats:
                    fix = self.threat_fix(value)
                    if fix is not None:
                        found[fix] = None
                elif value in self._flows:
                    found[(ModelChange("remove-flow", value),)] = None
        return list(found)
