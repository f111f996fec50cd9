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
from itertools import filterfalse
from operator import attrgetter, itemgetter

from .._errors import SourceSpan
from ..records import fields, record
from .engines.base import Row, Session
from .language.ast import Atom, Comparison, Const, Negation, Program, Rule, Var
from .language.packs import extension_points
from .program.cache import SectionError, derived
from .program.compile import CompiledProgram, FiringRelation, row_terms
from .program.facts import FactBase, format_fact

__all__ = ["ProofNode", "Prover", "instantiate"]

FactKey = tuple[str, Row]
_INFINITY = 1 << 30


@record(frozen=True)
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


_FIELDS = tuple([f.name for f in fields(ProofNode)])


_HEIGHT = attrgetter("height")


def _node(*values: object) -> ProofNode:
    """ProofNode(*values) without binding arguments (the record's __init__ is general, and a
    proof search builds one node per fact it shows). Every field is given, in declaration order."""
    node = object.__new__(ProofNode)
    node.__dict__.update(zip(_FIELDS, values))
    return node


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


def _extension_facts(program: Program) -> dict[FactKey, str]:
    """The facts rule packs state at the prelude's extension points, with the pack of each."""
    points = extension_points(list(program.modules))
    return {(predicate, args): m.pack for m in program.modules if m.pack is not None
            for predicate, args, _ in m.fact_rows() if predicate in points}


def _stored_extensions(facts: dict[FactKey, str]) -> list[list[str | int]]:
    """How the program cache holds _extension_facts: [pack, predicate, args...] per fact, in order."""
    return [[pack, predicate, *args] for (predicate, args), pack in facts.items()]


_VALUE: frozenset[type] = frozenset({str, int})


def _read_extensions(data: object) -> dict[FactKey, str]:
    """_extension_facts as stored (above), every value checked for its type; anything else
    raises SectionError (and the section is computed again)."""
    if type(data) is not list:
        raise SectionError("extension facts")
    out: dict[FactKey, str] = {}
    for entry in data:
        if (type(entry) is not list or len(entry) < 2 or type(entry[0]) is not str or type(entry[1]) is not str
                or not set(map(type, entry[2:])) <= _VALUE):
            raise SectionError("extension facts")
        out[(entry[1], tuple(entry[2:]))] = entry[0]
    return out


class _Firing:
    """One explored rule instance. A plain class with slots: a proof search makes one per firing
    row it reads (a dataclass would generate and exec its methods at import for nothing here)."""

    __slots__ = ("shape", "row", "body", "derived")

    def __init__(self, shape: _Shape, row: Row, body: tuple[FactKey, ...], derived: tuple[FactKey, ...]) -> None:
        self.shape = shape  # what the prover knows of the firing relation
        self.row = row
        self.body = body  # the positive body atoms, instantiated
        self.derived = derived  # those of them that are not input facts: the ones with heights

    @property
    def relation(self) -> FiringRelation:
        return self.shape.relation

    def sort_key(self) -> tuple[str, ...]:
        return (self.shape.relation.name,) + tuple(str(v) for v in self.row)


_HeadKey = Callable[[Row], Row | None]


def _same(args: Row) -> Row:
    return args


_VAR_ONLY = frozenset({Var})


def _head_key(relation: FiringRelation) -> tuple[tuple[int, ...], _HeadKey]:
    """The firing-tuple positions a head fact binds, and the function from the fact's arguments
    to the values at those positions (None if the head cannot match: a constant or a repeated
    variable disagrees): `FiringRelation.head_pattern` without the unbound positions, worked out
    once per rule rather than per fact."""
    head = relation.rule.head.args
    if set(map(type, head)) <= _VAR_ONLY:
        # Variables only (nearly every head): their positions found at C speed.
        found = tuple(map(relation.variables.index, map(_NAME, head)))
        if len(set(found)) == len(found):
            positions = tuple(sorted(found))
            if positions == found:
                return positions, _same
            order = tuple(sorted(range(len(found)), key=found.__getitem__))
            return positions, itemgetter(*order)  # two or more arguments: a tuple
    position = {v: i for i, v in enumerate(relation.variables)}
    source: dict[int, int] = {}  # firing position -> the head argument that gives its value
    constants: list[tuple[int, str | int]] = []
    repeats: list[tuple[int, int]] = []  # head arguments that must equal an earlier one
    for j, term in enumerate(head):
        if isinstance(term, Const):
            constants.append((j, term.value))
        elif position[term.name] in source:
            repeats.append((j, source[position[term.name]]))
        else:
            source[position[term.name]] = j
    positions = tuple(sorted(source))
    order = tuple(source[i] for i in positions)
    if not constants and not repeats and order == tuple(range(len(head))):
        return positions, _same

    def key(args: Row) -> Row | None:
        if any(args[j] != value for j, value in constants) or any(args[j] != args[k] for j, k in repeats):
            return None
        return tuple(args[j] for j in order)

    return positions, key


_NAME = attrgetter("name")


def _body_maker(relation: FiringRelation) -> Callable[[Row], tuple[FactKey, ...]]:
    """The positive body facts of a firing row, as a function of the row: each atom's arguments
    are positions of the row or constants, worked out once per rule rather than per firing."""
    variables = relation.variables
    parts = [(atom.predicate, row_terms(atom.args, variables)) for atom in relation.rule.positive_atoms()]
    if len(parts) == 1:
        (predicate, args), = parts
        return lambda row: ((predicate, args(row)),)
    return lambda row: tuple([(predicate, args(row)) for predicate, args in parts])


def _literal(value: str | int) -> str:
    return format_fact("", (value,))[1:-1]


_Text = Callable[[Row], str]


def _term_texts(terms: tuple[Var | Const, ...], position: dict[str, int]) -> Callable[[Row], list[str]]:
    """The texts of `terms` for a firing row: constants and variables the row binds as literals,
    any other variable (anonymous, in a negation) as `_`; constants worked out once."""
    parts: list[tuple[int, str]] = []  # (row position, "") for a bound variable, else (-1, fixed text)
    for t in terms:
        if isinstance(t, Const):
            parts.append((-1, _literal(t.value)))
        elif t.name in position:
            parts.append((position[t.name], ""))
        else:
            parts.append((-1, "_"))
    return lambda row: [text if i < 0 else _literal(row[i]) for i, text in parts]


def _negation_text(atom: Atom, position: dict[str, int]) -> _Text:
    """`instantiate(atom, bindings of the row)`, as a function of the row."""
    texts = _term_texts(atom.args, position)
    return lambda row: f"{atom.predicate}({', '.join(texts(row))})"


def _comparison_text(c: Comparison, position: dict[str, int]) -> _Text:
    """A comparison instantiated with a firing row's values (`left op right`)."""
    texts = _term_texts((c.left, c.right), position)

    def text(row: Row) -> str:
        left, right = texts(row)
        return f"{left} {c.op} {right}"

    return text


_Bindings = Callable[[Row], tuple[tuple[str, str | int], ...]]
_ATOM_ONLY = frozenset({Atom})


def _bindings(variables: tuple[str, ...]) -> _Bindings:
    """Firing row -> (name, value) of each named variable (anonymous ones start with `_`)."""
    shown = [i for i, v in enumerate(variables) if not v.startswith("_")]
    names = tuple(variables[i] for i in shown)
    if len(shown) == len(variables):
        return lambda row: tuple(zip(names, row))
    if len(shown) > 1:
        values = itemgetter(*shown)
        return lambda row: tuple(zip(names, values(row)))
    return lambda row: tuple((name, row[i]) for name, i in zip(names, shown))


class _Shape:
    """What the prover needs of one firing relation, worked out once per rule, each part when it
    is first needed: the head's positions for every relation a proof search asks about, the body
    for those that answer with rows, the texts for those whose firings are shown in a proof (a
    plain class with slots: there is one per rule asked about, ~140 on the DMZ model)."""

    __slots__ = ("relation", "positions", "head_key", "_body", "_texts")

    def __init__(self, relation: FiringRelation) -> None:
        self.relation = relation
        # the firing positions a head fact binds, and head fact arguments -> the values there, or None
        self.positions, self.head_key = _head_key(relation)
        self._body: Callable[[Row], tuple[FactKey, ...]] | None = None
        self._texts: tuple[tuple[_Text, ...], tuple[_Text, ...], _Bindings] | None = None

    @property
    def body(self) -> Callable[[Row], tuple[FactKey, ...]]:
        """Firing row -> its positive body facts."""
        if self._body is None:
            self._body = _body_maker(self.relation)
        return self._body

    def texts(self) -> tuple[tuple[_Text, ...], tuple[_Text, ...], _Bindings]:
        """Firing row -> each negated atom, instantiated; firing row -> each comparison,
        instantiated; and firing row -> the bindings a proof node lists (the named variables)."""
        if self._texts is None:
            relation = self.relation
            variables = relation.variables
            body = relation.rule.body
            absent: tuple[_Text, ...] = ()
            constraints: tuple[_Text, ...] = ()
            if not set(map(type, body)) <= _ATOM_ONLY:  # most bodies are positive atoms only
                position = {v: i for i, v in enumerate(variables)}
                absent = tuple(_negation_text(lit.atom, position) for lit in body if isinstance(lit, Negation))
                constraints = tuple(_comparison_text(lit, position) for lit in body if isinstance(lit, Comparison))
            self._texts = (absent, constraints, _bindings(variables))
        return self._texts


class Prover:
    """Builds minimal-height proof trees from a loaded session."""

    def __init__(self, compiled: CompiledProgram, facts: FactBase, session: Session) -> None:
        self._compiled = compiled
        self._facts = facts
        self._session = session
        self._dl_facts = compiled.fact_spans
        # Finding the extension points reads every declaration of the prelude and the schema,
        # which a program read from the cache builds only when asked: kept with the program in
        # the cache instead (the section's name changes with the code of _extension_facts).
        program = compiled.program
        self._extensions = derived(program, "pack extension facts 1", lambda: _extension_facts(program),
                                   _stored_extensions, _read_extensions)
        self._by_head = compiled.firings_by_head  # made per head predicate when first asked about
        self._firings: dict[FactKey, list[_Firing]] = {}  # explored derived facts
        self._heights: dict[FactKey, int] = {}  # settled heights of explored derived facts
        # Built proof nodes, shared: a subproof such as zone(...) is one object wherever it is used,
        # so proofs form a DAG, built once per fact (heights, hence best firings, never change).
        self._nodes: dict[FactKey, ProofNode] = {}
        # Input facts and where they come from, model facts winning over .dl facts: asked once per
        # body atom of every firing explored, so one dictionary, not two lookups through methods.
        self._inputs: dict[FactKey, SourceSpan] = self._dl_facts.copy()
        self._inputs.update(facts.origins())
        self._shapes: dict[str, _Shape] = {}  # by firing relation name

    # -- exploring -------------------------------------------------------------------
    def _shape(self, relation: FiringRelation) -> _Shape:
        shape = self._shapes.get(relation.name)
        if shape is None:
            shape = self._shapes[relation.name] = _Shape(relation)
        return shape

    def _firing(self, relation: FiringRelation, row: Row) -> _Firing:
        shape = self._shape(relation)
        body = shape.body(row)
        return _Firing(shape, row, body, tuple(filterfalse(self._inputs.__contains__, body)))

    def _explore(self, roots: list[FactKey]) -> None:
        """Query the firings of every derived fact the roots rest on, then give the new facts heights.

        Breadth first, one wave of facts at a time, so that each rule is asked about all the facts
        of its head relation in the wave with one `query_many` (a proof search at 5,000 elements
        asks over 100,000 questions). A fact's firings are in rule order, each rule's rows sorted."""
        inputs, explored, session = self._inputs, self._firings, self._session
        is_input = inputs.__contains__
        new: list[FactKey] = []
        wave = [k for k in dict.fromkeys(roots) if k not in inputs and k not in explored]
        with session.batch():
            while wave:
                by_predicate: dict[str, list[FactKey]] = defaultdict(list)
                for key in wave:
                    explored[key] = []
                    by_predicate[key[0]].append(key)
                new += wave
                reached: list[FactKey] = []
                for predicate, keys in by_predicate.items():
                    for relation in self._by_head.get(predicate, ()):
                        shape = self._shape(relation)
                        head_key = shape.head_key
                        owners: list[FactKey] = []
                        asked: list[Row] = []
                        for key in keys:
                            values = head_key(key[1])
                            if values is not None:
                                owners.append(key)
                                asked.append(values)
                        if not asked:
                            continue
                        answers = session.query_many(relation.name, len(relation.variables), shape.positions, asked)
                        make_body = None
                        for owner, rows in zip(owners, answers):
                            if rows:
                                if make_body is None:
                                    make_body = shape.body
                                firings = explored[owner]
                                for row in rows:
                                    body = make_body(row)
                                    derived = tuple(filterfalse(is_input, body))
                                    firings.append(_Firing(shape, row, body, derived))
                                    reached += derived
                wave = [k for k in dict.fromkeys(reached) if k not in explored]
        self._settle(new)

    def _settle(self, new: list[FactKey]) -> None:
        """Heights of newly explored facts (Knuth's generalisation of Dijkstra's algorithm).

        A firing's value is 1 + the largest height in its body, so it is known once every body
        fact is settled; a fact settles at the smallest value any of its firings reaches.
        Heights settled in earlier calls are final: their firings were all explored then.
        Heights are small integers and a firing completed by a fact of height h is worth more
        than h, so the queue is a list of facts per height, taken lowest height first: no heap,
        and no comparing facts whose heights tie (which facts tie cannot change any height).
        """
        heights, firings_of = self._heights, self._firings
        # Per firing not complete yet: a one-element list holding how many of its body facts are
        # not settled, shared by the entries of those facts in `users`.
        users: dict[FactKey, list[tuple[list[int], _Firing, FactKey]]] = defaultdict(list)
        queue: dict[int, list[FactKey]] = defaultdict(list)
        settled = heights.__contains__
        for key in new:
            for firing in firings_of[key]:
                if not firing.derived:  # a body of input facts only
                    queue[1].append(key)
                    continue
                open_body = set(filterfalse(settled, firing.derived))
                if open_body:
                    waiting = [len(open_body)]
                    for b in open_body:
                        users[b].append((waiting, firing, key))
                else:
                    queue[1 + max([heights[b] for b in firing.derived], default=0)].append(key)
        while queue:
            height = min(queue)
            # Facts reached from this height go to higher ones: this height's list is complete.
            for key in queue.pop(height):
                if key in heights:
                    continue
                heights[key] = height
                for waiting, firing, owner in users.pop(key, ()):
                    waiting[0] -= 1
                    if not waiting[0] and owner not in heights:
                        queue[1 + max([heights[b] for b in firing.derived])].append(owner)

    # -- building --------------------------------------------------------------------
    def _node_for_firing(self, firing: _Firing, key: FactKey) -> ProofNode:
        """The node of `key` proved by `firing`; its body's nodes are built first (see _build)."""
        self._build(list(firing.body))
        return self._assemble(firing, key)

    def _assemble(self, firing: _Firing, key: FactKey) -> ProofNode:
        row, shape = firing.row, firing.shape
        absent, constraints, bindings = shape.texts()
        children = tuple(map(self._nodes.__getitem__, firing.body))
        return _node(key[0], key[1], 1 + max(map(_HEIGHT, children), default=0), None, shape.relation.rule,
                     bindings(row), children,
                     tuple([text(row) for text in absent]) if absent else (),
                     tuple([text(row) for text in constraints]) if constraints else (), None)

    def _best(self, firings: list[_Firing]) -> _Firing:
        """The lowest firing; among equally low ones, the first by relation name and row text."""
        if len(firings) == 1:
            return firings[0]
        heights = self._heights
        costs = [max([heights.get(b, _INFINITY) for b in f.derived], default=0) for f in firings]
        low = min(costs)
        tied = [f for f, c in zip(firings, costs) if c == low]
        return tied[0] if len(tied) == 1 else min(tied, key=_Firing.sort_key)

    def _build(self, keys: list[FactKey]) -> None:
        """Nodes for `keys` and everything below them, children before parents, with an explicit
        stack: a proof is as deep as the longest chain of flows in the model, which no call
        stack should have to hold. Each fact's node is built once and shared."""
        built, inputs, explored = self._nodes, self._inputs, self._firings
        # (fact, None) to visit a fact; (fact, its best firing) once that firing's body is built
        stack: list[tuple[FactKey, _Firing | None]] = [(k, None) for k in keys]
        while stack:
            key, best = stack.pop()
            if key in built:
                continue
            if best is not None:
                built[key] = self._assemble(best, key)
            elif key in inputs:
                built[key] = _node(key[0], key[1], 0, inputs[key], None, (), (), (), (), self._extensions.get(key))
            else:
                firings = explored.get(key)
                if not firings:
                    raise AssertionError(f"no firing derives {format_fact(*key)}; the engine and the program disagree")
                best = self._best(firings)  # its body is strictly lower, so the walk ends
                stack.append((key, best))
                stack.extend((b, None) for b in best.body if b not in built)

    def _node(self, key: FactKey) -> ProofNode:
        self._build([key])
        return self._nodes[key]

    def prove_threat(self, relation: FiringRelation, rows: list[Row], head: Row) -> ProofNode:
        """The shortest proof of a threat among the firing rows that produced it."""
        return self.prove_threats([(relation, rows, head)])[0]

    def prove_threats(self, threats: list[tuple[FiringRelation, list[Row], Row]]) -> list[ProofNode]:
        """Proofs of many threats: their bodies are explored and settled together, once."""
        groups = [[self._firing(relation, row) for row in rows] for relation, rows, _ in threats]
        self._explore([b for firings in groups for f in firings for b in f.derived])
        return [self._node_for_firing(self._best(firings), ("threat", head))
                for firings, (_, _, head) in zip(groups, threats)]

    def prove(self, predicate: str, args: Row) -> ProofNode | None:
        """The shortest proof of any fact, or None if it does not hold."""
        key: FactKey = (predicate, args)
        if key in self._inputs:
            return self._node(key)
        self._explore([key])
        if not self._firings.get(key):
            return None
        return self._node(key)
