"""The rule language's syntax tree. Parsed from `.dl` text by parser.py; backends compile from it.

Nothing here is ever executed: constants are plain strings and integers, and the only
operators are the six comparisons.
"""

from __future__ import annotations

from typing import Any, Union

from ..._errors import SourceSpan
from ...records import field, record

__all__ = [
    "Var",
    "Const",
    "Term",
    "Atom",
    "Negation",
    "Comparison",
    "Literal",
    "Rule",
    "Fact",
    "Decl",
    "DeclArg",
    "Metadata",
    "MetaEntry",
    "Module",
    "Program",
    "COMPARISON_OPS",
    "THREAT",
    "SPAN_ROW",
    "DECLS_FROM",
]

COMPARISON_OPS = ("=", "!=", "<", "<=", ">", ">=")
THREAT = "threat"  # the head predicate of threat rules; its arity is free, one per rule


@record(frozen=True)
class Var:
    """A variable. Each `_` in the source becomes its own Var with anonymous=True and a fresh name."""

    name: str
    span: SourceSpan
    anonymous: bool = False

    def __str__(self) -> str:
        return "_" if self.anonymous else self.name


@record(frozen=True)
class Const:
    value: str | int
    span: SourceSpan

    def __str__(self) -> str:
        if isinstance(self.value, int):
            return str(self.value)
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'


Term = Union[Var, Const]


@record(frozen=True)
class Atom:
    predicate: str
    args: tuple[Term, ...]
    span: SourceSpan  # span of the predicate name

    @property
    def arity(self) -> int:
        return len(self.args)

    def __str__(self) -> str:
        return f"{self.predicate}({', '.join(str(a) for a in self.args)})"


@record(frozen=True)
class Negation:
    atom: Atom
    span: SourceSpan  # span of the `!`

    def __str__(self) -> str:
        return f"!{self.atom}"


@record(frozen=True)
class Comparison:
    op: str  # one of COMPARISON_OPS
    left: Term
    right: Term
    span: SourceSpan

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


Literal = Union[Atom, Negation, Comparison]


@record(frozen=True)
class MetaEntry:
    key: str
    value: str
    span: SourceSpan  # span of the key


@record(frozen=True)
class Metadata:
    """A `///` block: `/// key: value` lines attached to the next rule or declaration."""

    entries: tuple[MetaEntry, ...]
    span: SourceSpan

    def get(self, key: str) -> str | None:
        for e in self.entries:
            if e.key == key:
                return e.value
        return None

    def entry(self, key: str) -> MetaEntry | None:
        for e in self.entries:
            if e.key == key:
                return e
        return None


@record(frozen=True)
class Rule:
    head: Atom
    body: tuple[Literal, ...]
    span: SourceSpan  # start of the rule
    text: str  # the rule's source text, whitespace folded, for proofs and explain
    metadata: Metadata | None = None
    index: int = 0  # position in its module, for stable naming

    def positive_atoms(self) -> list[Atom]:
        return [lit for lit in self.body if isinstance(lit, Atom)]


@record(frozen=True)
class Fact:
    atom: Atom
    span: SourceSpan


@record(frozen=True)
class DeclArg:
    name: str
    type: str  # "symbol" or "number"


@record(frozen=True)
class Decl:
    predicate: str
    args: tuple[DeclArg, ...]
    span: SourceSpan
    doc: Metadata | None = None

    @property
    def arity(self) -> int:
        return len(self.args)


@record(frozen=True)
class Module:
    """One parsed `.dl` file."""

    path: str
    decls: tuple[Decl, ...]
    rules: tuple[Rule, ...]
    facts: tuple[Fact, ...]
    dangling_docs: tuple[Metadata, ...] = ()  # `///` blocks followed by no rule or declaration
    # The rule pack the file belongs to (its folder's name), or None for the shared base (the
    # fact schema and the prelude). A pack's own relations are private to it (checks.py).
    pack: str | None = None


@record(frozen=True)
class Program:
    """Modules that passed the static checks together: schema, prelude, rule packs."""

    modules: tuple[Module, ...]
    decls: dict[str, Decl] = field(default_factory=dict)  # predicate -> declaration

    @property
    def rules(self) -> list[Rule]:
        return [r for m in self.modules for r in m.rules]

    @property
    def facts(self) -> list[Fact]:
        return [f for m in self.modules for f in m.facts]

    def threat_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.head.predicate == THREAT]


# A node's span, built when first read. The program cache (logic/program/cache.py) builds most
# nodes without their span: on a warm run only rules' spans and a few others are ever read (a cached
# program produces no diagnostics), and building the ~14,000 others cost more than the nodes. Such a
# node keeps the span's fields, (path, line, col, end_line, end_col), under SPAN_ROW in its __dict__
# instead of `span`; reading `span` finds no `span` there and falls back to the class attribute set
# below, which builds the SourceSpan, stores it as `span` and drops the row. From then on the node
# is the one its constructor would have made (the same __dict__); equality, hashing and repr read
# the field and so build it first. A node made by its constructor always has `span` in its
# __dict__ and never reaches the fallback.
SPAN_ROW = "_span_row"


class _SpanOnFirstRead:
    """The class-level fallback for `span` (a non-data descriptor: a `span` in the instance's
    __dict__ wins)."""

    __slots__ = ()

    def __get__(self, node: Any, owner: type | None = None) -> SourceSpan:
        if node is None:
            raise AttributeError("span")  # on the class, as without this: the field has no default
        d = node.__dict__
        row = d.get(SPAN_ROW)
        if row is None:
            span = d.get("span")  # built meanwhile by a read on another thread
            if span is None:
                raise AttributeError(f"{type(node).__name__!r} object has no attribute 'span'")
            return span  # type: ignore[no-any-return]
        span = d["span"] = SourceSpan(*row)
        d.pop(SPAN_ROW, None)
        return span


for _node in (Var, Const, Atom, Negation, Comparison, MetaEntry, Metadata, Rule, Fact, Decl):
    setattr(_node, "span", _SpanOnFirstRead())
del _node

# A cached program's declarations, built when first read: a warm run reads only the shared base's
# (for its extension points, packs.extension_points); the others serve the static checks, which a
# cached program has passed. The program cache builds its Modules and Program without `decls`,
# with a function under DECLS_FROM in their __dict__ instead, which stores the node's `decls` and
# drops DECLS_FROM (each module's declarations are built once, and the program's table holds the
# modules' own Decl objects). Reading `decls` finds no `decls` there and falls back to the class
# attribute set below, which calls it with the node.
DECLS_FROM = "_decls_from"


class _DeclsOnFirstRead:
    """The class-level fallback for `decls` of a Module or Program (as _SpanOnFirstRead)."""

    __slots__ = ()

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            raise AttributeError("decls")  # on the class, as without this
        d = node.__dict__
        build = d.get(DECLS_FROM)
        if build is not None:
            build(node)
        try:
            return d["decls"]
        except KeyError:
            raise AttributeError(f"{type(node).__name__!r} object has no attribute 'decls'") from None


setattr(Module, "decls", _DeclsOnFirstRead())
setattr(Program, "decls", _DeclsOnFirstRead())
