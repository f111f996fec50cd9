"""Proof trees: why a threat (or any derived fact) holds, down to input facts and model lines.

The firing relations (compile.py) record every rule instance. A fact's height is 0 for an
input fact, else the minimum over its firings of 1 + the largest height in that firing's
body; the firing that reaches the minimum is the fact's proof. Heights settle in increasing
order over the explored firings, which keeps recursive relations finite and gives the shortest
proof when a fact has several derivations. Helper relations are explored lazily: only the
firings whose head matches the fact in question are queried.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .._errors import SourceSpan
from .engines.base import Row, Session
from .language.ast import Atom, Comparison, Const, Negation, Rule, Var
from .language.packs import extension_points
from .program.compile import CompiledProgram, FiringRelation
from .program.facts import FactBase, format_fact

__all__ = ["ProofNode", "Prover", "instantiate"]

FactKey = tuple[str, Row]
_INFINITY = 1 << 30


@dataclass(frozen=True)
class ProofNode:
    """One fact of a proof. Input facts have `origin`; derived ones the rule instance that made them."""

    predicate: str
    args: Row
    height: int
    origin: SourceSpan | None = None
    rule: Rule | None = None
    bindings: tuple[tuple[str, str | int], ...] = ()
    children: tuple["ProofNode", ...] = ()
    absent: tuple[str, ...] = ()  # negated atoms, instantiated: checked to have no match
    constraints: tuple[str, ...] = ()  # comparisons, instantiated: evaluated true
    extension: str | None = None  # the rule pack that stated this fact at a prelude extension point

    @property
    def text(self) -> str:
        return format_fact(self.predicate, self.args)

    def input_facts(self) -> list["ProofNode"]:
        """The leaves: input facts this proof rests on, in proof order, without repeats."""
        seen: dict[FactKey, ProofNode] = {}
        stack = [self]
        while stack:
            node = stack.pop()
            if node.rule is None:
                seen.setdefault((node.predicate, node.args), node)
            stack.extend(reversed(node.children))
        return list(seen.values())


def _value(term: Var | Const, bindings: dict[str, str | int]) -> str | int | None:
    if isinstance(term, Const):
        return term.value
    return bindings.get(term.name)


def instantiate(atom: Atom, bindings: dict[str, str | int]) -> str:
    """An atom with its variables replaced by their values; unbound (anonymous) ones stay `_`."""
    parts: list[str] = []
    for t in atom.args:
        v = _value(t, bindings)
        parts.append("_" if v is None else format_fact("", (v,))[1:-1])
    return f"{atom.predicate}({', '.join(parts)})"


def _comparison_text(c: Comparison, bindings: dict[str, str | int]) -> str:
    left, right = _value(c.left, bindings), _value(c.right, bindings)
    return f"{_term_text(left)} {c.op} {_term_text(right)}"


def _term_text(value: str | int | None) -> str:
    return format_fact("", (value,))[1:-1] if value is not None else "_"


@dataclass
class _Firing:
    relation: FiringRelation
    row: Row
    body: tuple[FactKey, ...] = field(default=())

    def sort_key(self) -> tuple[str, ...]:
        return (self.relation.name,) + tuple(str(v) for v in self.row)


def _body_maker(relation: FiringRelation) -> Callable[[Row], tuple[FactKey, ...]]:
    """The positive body facts of a firing row, as a function of the row: each atom's arguments
    are positions of the row or constants, worked out once per rule rather than per firing."""
    position = {v: i for i, v in enumerate(relation.variables)}
    atoms = [(atom.predicate, tuple((False, t.value) if isinstance(t, Const) else (True, position[t.name])
                                    for t in atom.args)) for atom in relation.rule.positive_atoms()]

    def make(row: Row) -> tuple[FactKey, ...]:
        return tuple((predicate, tuple(row[v] if is_var else v for is_var, v in args))  # type: ignore[index]
                     for predicate, args in atoms)

    return make


class Prover:
    """Builds minimal-height proof trees from a loaded session."""

    def __init__(self, compiled: CompiledProgram, facts: FactBase, session: Session) -> None:
        self._compiled = compiled
        self._facts = facts
        self._session = session
        self._dl_facts = {(f.predicate, f.args): f.span for f in compiled.facts}
        points = extension_points(list(compiled.program.modules))
        self._extensions = {(f.atom.predicate, tuple(_value(t, {}) for t in f.atom.args)): m.pack
                            for m in compiled.program.modules if m.pack is not None
                            for f in m.facts if f.atom.predicate in points}
        self._by_head: dict[str, list[FiringRelation]] = {}
        for firing in compiled.firings:
            self._by_head.setdefault(firing.rule.head.predicate, []).append(firing)
        self._firings: dict[FactKey, list[_Firing]] = {}  # explored derived facts
        self._heights: dict[FactKey, int] = {}  # settled heights of explored derived facts
        # Built proof nodes, shared: a subproof such as zone(...) is one object wherever it is used,
        # so proofs form a DAG, built once per fact (heights, hence best firings, never change).
        self._nodes: dict[FactKey, ProofNode] = {}
        # Input facts and where they come from, model facts winning over .dl facts: asked once per
        # body atom of every firing explored, so one dictionary, not two lookups through methods.
        self._inputs: dict[FactKey, SourceSpan] = {**self._dl_facts, **facts.origins()}
        self._body_makers: dict[str, Callable[[Row], tuple[FactKey, ...]]] = {}

    # -- exploring -------------------------------------------------------------------
    def _origin(self, key: FactKey) -> SourceSpan | None:
        return self._inputs.get(key)

    def _is_input(self, key: FactKey) -> bool:
        return key in self._inputs

    def _body_facts(self, relation: FiringRelation, row: Row) -> tuple[FactKey, ...]:
        make = self._body_makers.get(relation.name)
        if make is None:
            make = self._body_makers[relation.name] = _body_maker(relation)
        return make(row)

    def _firings_of(self, key: FactKey) -> list[_Firing]:
        predicate, args = key
        found: list[_Firing] = []
        for relation in self._by_head.get(predicate, []):
            pattern = relation.head_pattern(args)
            if pattern is None:
                continue
            rows = self._session.query(relation.name, pattern)
            if rows:
                body_facts = self._body_facts
                found += [_Firing(relation, row, body_facts(relation, row)) for row in rows]
        return found

    def _explore(self, roots: list[FactKey]) -> None:
        """Query the firings of every derived fact the roots rest on, then give the new facts heights."""
        new: list[FactKey] = []
        inputs, explored = self._inputs, self._firings
        stack = [k for k in roots if k not in inputs]
        with self._session.batch():
            while stack:
                key = stack.pop()
                if key in explored:
                    continue
                firings = explored[key] = self._firings_of(key)
                new.append(key)
                for firing in firings:
                    stack.extend(b for b in firing.body if b not in inputs and b not in explored)
        self._settle(new)

    def _height(self, key: FactKey) -> int:
        return 0 if key in self._inputs else self._heights.get(key, _INFINITY)

    def _settle(self, new: list[FactKey]) -> None:
        """Heights of newly explored facts (Knuth's generalisation of Dijkstra's algorithm).

        A firing's value is 1 + the largest height in its body, so it is known once every body
        fact is settled; a fact settles at the smallest value any of its firings reaches.
        Heights settled in earlier calls are final: their firings were all explored then.
        Heights are small integers and a firing completed by a fact of height h is worth more
        than h, so the queue is a list of facts per height, taken lowest height first: no heap,
        and no comparing facts whose heights tie (which facts tie cannot change any height).
        """
        heights, inputs = self._heights, self._inputs
        waiting: dict[tuple[FactKey, int], int] = {}
        users: dict[FactKey, list[tuple[FactKey, int]]] = defaultdict(list)
        queue: dict[int, list[FactKey]] = defaultdict(list)

        def value(body: tuple[FactKey, ...]) -> int:
            return 1 + max((0 if b in inputs else heights[b] for b in body), default=0)

        for key in new:
            for i, firing in enumerate(self._firings[key]):
                open_body = {b for b in firing.body if b not in inputs and b not in heights}
                if open_body:
                    waiting[(key, i)] = len(open_body)
                    for b in open_body:
                        users[b].append((key, i))
                else:
                    queue[value(firing.body)].append(key)
        while queue:
            height = min(queue)
            # Facts reached from this height go to higher ones: this height's list is complete.
            for key in queue.pop(height):
                if key in heights:
                    continue
                heights[key] = height
                for user in users.pop(key, ()):
                    waiting[user] -= 1
                    if waiting[user] == 0:
                        owner, i = user
                        queue[value(self._firings[owner][i].body)].append(owner)

    # -- building --------------------------------------------------------------------
    def _node_for_firing(self, firing: _Firing, key: FactKey) -> ProofNode:
        """The node of `key` proved by `firing`; its body's nodes are built first (see _build)."""
        self._build(list(firing.body))
        return self._assemble(firing, key)

    def _assemble(self, firing: _Firing, key: FactKey) -> ProofNode:
        rule = firing.relation.rule
        bindings = firing.relation.bindings(firing.row)
        children = tuple(self._nodes[b] for b in firing.body)
        absent = tuple(instantiate(lit.atom, bindings) for lit in rule.body if isinstance(lit, Negation))
        constraints = tuple(_comparison_text(lit, bindings) for lit in rule.body if isinstance(lit, Comparison))
        shown = tuple((v, bindings[v]) for v in firing.relation.variables if not v.startswith("_"))
        return ProofNode(
            predicate=key[0], args=key[1], height=1 + max((c.height for c in children), default=0),
            rule=rule, bindings=shown, children=children, absent=absent, constraints=constraints,
        )

    def _best(self, firings: list[_Firing]) -> _Firing:
        """The lowest firing; among equally low ones, the first by relation name and row text."""
        if len(firings) == 1:
            return firings[0]
        height = self._height
        costs = [max((height(b) for b in f.body), default=0) for f in firings]
        low = min(costs)
        tied = [f for f, c in zip(firings, costs) if c == low]
        return tied[0] if len(tied) == 1 else min(tied, key=_Firing.sort_key)

    def _build(self, keys: list[FactKey]) -> None:
        """Nodes for `keys` and everything below them, children before parents, with an explicit
        stack: a proof is as deep as the longest chain of flows in the model, which no call
        stack should have to hold. Each fact's node is built once and shared."""
        built = self._nodes
        stack: list[tuple[FactKey, bool]] = [(k, False) for k in keys]
        while stack:
            key, children_done = stack.pop()
            if key in built:
                continue
            if self._is_input(key):
                built[key] = ProofNode(key[0], key[1], 0, origin=self._origin(key), extension=self._extensions.get(key))
                continue
            firings = self._firings.get(key) or []
            if not firings:
                raise AssertionError(f"no firing derives {format_fact(*key)}; the engine and the program disagree")
            best = self._best(firings)  # its body is strictly lower, so the walk ends
            if children_done:
                built[key] = self._assemble(best, key)
            else:
                stack.append((key, True))
                stack.extend((b, False) for b in best.body if b not in built)

    def _node(self, key: FactKey) -> ProofNode:
        self._build([key])
        return self._nodes[key]

    def prove_threat(self, relation: FiringRelation, rows: list[Row], head: Row) -> ProofNode:
        """The shortest proof of a threat among the firing rows that produced it."""
        return self.prove_threats([(relation, rows, head)])[0]

    def prove_threats(self, threats: list[tuple[FiringRelation, list[Row], Row]]) -> list[ProofNode]:
        """Proofs of many threats: their bodies are explored and settled together, once."""
        groups = [[_Firing(relation, row, self._body_facts(relation, row)) for row in rows]
                  for relation, rows, _ in threats]
        self._explore([b for firings in groups for f in firings for b in f.body])
        return [self._node_for_firing(self._best(firings), ("threat", head))
                for firings, (_, _, head) in zip(groups, threats)]

    def prove(self, predicate: str, args: Row) -> ProofNode | None:
        """The shortest proof of any fact, or None if it does not hold."""
        key: FactKey = (predicate, args)
        if self._is_input(key):
            return self._node(key)
        self._explore([key])
        if not self._firings.get(key):
            return None
        return self._node(key)
