"""One pytm threat -> one tmlogic rule: its condition's known-true DNF, as Datalog clauses.

For every pytm class the threat targets (Server, Dataflow...), each conjunction of the DNF
(kleene.py) becomes a clause of the threat's own relation, `pytm_<sid>(T)`, over the mapping's
relations (mapping.py); the rule is then `threat(T) :- pytm_<sid>(T).` Conjunctions that need
an attribute with no source in a tmlogic model are left out (they could never hold), and listed.
A threat whose every conjunction is left out is *inert*; one whose condition has a construct
with no meaning here is *untranslatable*; both go to the translation report with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalogue import stride_of
from .condition import Ref, Untranslatable, parse_condition
from .kleene import DNF, Conj, Every, Known, Literal, Ranked, Some, Value, when
from .library import PytmThreat
from .mapping import COLLECTIONS, KINDS, Attribute, attribute, normalise, rank_relation

__all__ = ["Clause", "Translation", "translate", "relation_name"]

_KIND_OWNER = {k.kind: ("flow" if k.kind == "Dataflow" else "element") for k in KINDS}


class _Dead(Exception):
    """A literal that no model can make true: it needs an attribute side with no source."""


@dataclass(frozen=True)
class Clause:
    kind: str  # the pytm class of the target
    conj: Conj  # the conjunction it renders
    text: str  # `pytm_inp01(T) :- ... .`


@dataclass
class Translation:
    threat: PytmThreat
    relation: str
    clauses: list[Clause] = field(default_factory=list)
    helpers: list[str] = field(default_factory=list)  # clauses of helper relations (any())
    decls: list[str] = field(default_factory=list)  # .decl lines of the threat's relations
    left_out: list[str] = field(default_factory=list)  # "Server: controls.checksInputBounds is False (unknown)"
    unknown: set[str] = field(default_factory=set)  # attribute sides with no source: "Process controls.x false"
    problem: str | None = None  # why the condition has no translation
    stride: str = ""
    stride_note: str | None = None  # set when the category is not the catalogue's own

    @property
    def status(self) -> str:
        if self.problem is not None:
            return "untranslatable"
        return "translated" if self.clauses else "inert"


def relation_name(sid: str) -> str:
    return f"pytm_{sid.lower()}"


@dataclass
class _Env:
    owner: str  # element | flow | data
    var: str
    context: str | None = None  # for a data item: the flow or element that carries it


class _Renderer:
    def __init__(self, tr: Translation) -> None:
        self.tr = tr
        self.n = 0
        self.helper_count = 0
        self.made: dict[tuple[object, ...], str] = {}  # one helper per any() and its outer variables

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    # -- references -------------------------------------------------------------------------

    def resolve(self, ref: Ref, env: dict[str, _Env]) -> tuple[list[str], _Env, str]:
        """(joins, the owner of the attribute, the attribute's name in the mapping)."""
        if ref.var not in env:
            raise Untranslatable(f"the name '{ref.var}' is not bound")
        at = env[ref.var]
        parts = list(ref.path)
        joins: list[str] = []
        while parts and at.owner == "flow" and parts[0] in ("source", "sink"):
            end = self.fresh("S")
            joins.append(f"flow({at.var}, {end}, _)" if parts[0] == "source" else f"flow({at.var}, _, {end})")
            at = _Env("element", end)
            parts.pop(0)
        if not parts:
            raise Untranslatable(f"{ref} is an element, not an attribute")
        if parts[0] == "controls" and len(parts) == 2:
            return joins, at, f"controls.{parts[1]}"
        if len(parts) != 1:
            raise Untranslatable(f"{ref}: an attribute of an attribute")
        return joins, at, parts[0]

    def _attr(self, at: _Env, name: str, side: str) -> Attribute:
        a = attribute(at.owner, name)
        if a is None or not getattr(a, side):
            self.tr.unknown.add(f"{at.owner} {name} {'value' if side == 'value' else side}")
            raise _Dead(f"{name}")
        return a

    def _value_atom(self, at: _Env, name: str, value: str) -> str:
        if at.owner == "data":
            return f'pytm_data_value({at.context}, {at.var}, "{name}", {value})'
        return f'pytm_value({at.var}, "{name}", {value})'

    # -- literals ---------------------------------------------------------------------------

    def literal(self, lit: Literal, env: dict[str, _Env]) -> list[str]:
        if isinstance(lit, Known):
            joins, at, name = self.resolve(lit.ref, env)
            side = "true" if lit.value else "false"
            self._attr(at, name, side)
            if at.owner == "data":
                return joins + [f'pytm_data_{side}({at.context}, {at.var}, "{name}")']
            return joins + [f'pytm_{side}({at.var}, "{name}")']
        if isinstance(lit, Value):
            joins, at, name = self.resolve(lit.ref, env)
            a = self._attr(at, name, "value")
            values = [normalise(a.normalise, v) for v in lit.values]
            if not lit.negated:
                assert len(values) == 1
                return joins + [self._value_atom(at, name, _quote(values[0]))]
            v = self.fresh("V")
            return joins + [self._value_atom(at, name, v)] + [f"{v} != {_quote(x)}" for x in values]
        if isinstance(lit, Ranked):
            body: list[str] = []
            ranks: list[tuple[str, str]] = []
            for ref in (lit.left, lit.right):
                joins, at, name = self.resolve(ref, env)
                a = self._attr(at, name, "value")
                if a.rank is None:
                    raise Untranslatable(f"{ref} has no order")
                v, n = self.fresh("V"), self.fresh("N")
                body += joins + [self._value_atom(at, name, v), f"{rank_relation(a.rank)}({v}, {n})"]
                ranks.append((a.rank, n))
            if ranks[0][0] != ranks[1][0]:
                raise Untranslatable(f"{lit.left} and {lit.right} are not of one enumeration")
            return body + [f"{ranks[0][1]} {lit.op} {ranks[1][1]}"]
        if isinstance(lit, Some):
            return self.some(lit, env)
        assert isinstance(lit, Every)
        return self.every(lit, env)

    def _collection(self, coll: Ref, env: dict[str, _Env]) -> tuple[list[str], _Env, str, str]:
        joins, at, name = self.resolve(coll, env)
        item = COLLECTIONS.get((at.owner, name))
        if item is None:
            raise Untranslatable(f"{coll} is not a collection the translator knows (data, inputs, outputs)")
        return joins, at, name, item

    def _item_env(self, env: dict[str, _Env], var: str, at: _Env, item: str) -> tuple[dict[str, _Env], str]:
        item_var = self.fresh("D" if item == "data" else "F")
        inner = dict(env)
        inner[var] = _Env(item, item_var, at.var if item == "data" else None)
        return inner, item_var

    def _bodies(self, dnf: DNF, env: dict[str, _Env]) -> list[list[str]]:
        out: list[list[str]] = []
        for conj in dnf:
            try:
                out.append([atom for lit in conj for atom in self.literal(lit, env)])
            except _Dead:
                continue
        return out

    def some(self, lit: Some, env: dict[str, _Env]) -> list[str]:
        joins, at, name, item = self._collection(lit.collection, env)
        outer = sorted({e.var for e in env.values()} | {at.var})
        key = (lit, at.var, tuple(sorted((k, e.owner, e.var, e.context) for k, e in env.items())))
        if key in self.made:
            return joins + [self.made[key]]
        inner, item_var = self._item_env(env, lit.var, at, item)
        bodies = self._bodies(lit.dnf, inner)
        if not bodies:
            raise _Dead(str(lit.collection))
        self.helper_count += 1
        helper = f"{self.tr.relation}_any{self.helper_count}"
        head = f"{helper}({', '.join(outer)})"
        self.made[key] = head
        member = f'pytm_member({at.var}, "{name}", {item_var})'
        self.tr.decls.append(f".decl {helper}({', '.join(f'{v.lower()}: symbol' for v in outer)})")
        self.tr.helpers += [f"{head} :- {', '.join([member] + b)}." for b in bodies]
        return joins + [head]

    def every(self, lit: Every, env: dict[str, _Env]) -> list[str]:
        joins, at, name, item = self._collection(lit.collection, env)
        inner, item_var = self._item_env(env, lit.var, at, item)
        bodies = self._bodies(lit.dnf, inner)
        if not bodies:
            raise _Dead(str(lit.collection))
        self.helper_count += 1
        holds, miss = f"{self.tr.relation}_all{self.helper_count}", f"{self.tr.relation}_miss{self.helper_count}"
        member = f'pytm_member({at.var}, "{name}", {item_var})'
        others = {v.var for v in env.values() if v.var != at.var}
        for b in bodies:
            if others & set(re.findall(r"\b[A-Z][A-Za-z0-9_]*\b", " ".join(b))):
                raise Untranslatable(f"'for all items of {lit.collection}' with a test of something else")
        self.tr.decls += [f".decl {holds}(x: symbol, item: symbol)", f".decl {miss}(x: symbol)"]
        self.tr.helpers += [f"{holds}({at.var}, {item_var}) :- {', '.join([member] + b)}." for b in bodies]
        self.tr.helpers.append(f"{miss}({at.var}) :- {member}, !{holds}({at.var}, {item_var}).")
        return joins + [f'pytm_member({at.var}, "{name}", _)', f"!{miss}({at.var})"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def describe(lit: Literal) -> str:
    """A literal as pytm would write it, for comments and the report."""
    if isinstance(lit, Known):
        return f"{lit.ref} is {lit.value}"
    if isinstance(lit, Value):
        if len(lit.values) == 1:
            return f"{lit.ref} {'!=' if lit.negated else '=='} {lit.values[0]!r}"
        return f"{lit.ref} {'not in' if lit.negated else 'in'} ({', '.join(repr(v) for v in lit.values)})"
    if isinstance(lit, Ranked):
        return f"{lit.left} {lit.op} {lit.right}"
    inner = " or ".join(" and ".join(describe(x) for x in c) for c in lit.dnf)
    word = "any" if isinstance(lit, Some) else "all"
    return f"{word}({inner} for {lit.var} in {lit.collection})"


def translate(threat: PytmThreat) -> Translation:
    tr = Translation(threat, relation_name(threat.sid))
    stride, note = stride_of(threat.sid)
    if stride is None:
        tr.problem = note
        return tr
    tr.stride, tr.stride_note = stride, note
    try:
        dnf = when(parse_condition(threat.condition), True)
        renderer = _Renderer(tr)
        for kind in threat.targets:
            owner = _KIND_OWNER.get(kind)
            if owner is None:
                raise Untranslatable(f"the target class {kind}, which has no counterpart in a tmlogic model")
            env = {"target": _Env(owner, "T")}
            for conj in dnf:
                before = (renderer.n, renderer.helper_count, len(tr.helpers), len(tr.decls), dict(renderer.made))
                renderer.n = 0  # variables are numbered per clause
                try:
                    body = [atom for lit in conj for atom in renderer.literal(lit, env)]
                except _Dead as exc:
                    renderer.n, renderer.helper_count, renderer.made = before[0], before[1], before[4]
                    del tr.helpers[before[2]:], tr.decls[before[3]:]
                    tr.left_out.append(f"{kind}: {' and '.join(describe(x) for x in conj)} (needs {exc}, "
                                       "which a tmlogic model does not state)")
                    continue
                why = _quote(" and ".join(describe(x) for x in conj).replace("target.", ""))
                text = f'{tr.relation}(T, {why}) :- {", ".join([f"pytm_kind(T, {_quote(kind)})"] + body)}.'
                tr.clauses.append(Clause(kind, conj, text))
    except Untranslatable as exc:
        tr.problem = str(exc)
        tr.clauses.clear()
        tr.helpers.clear()
        tr.decls.clear()
    return tr
