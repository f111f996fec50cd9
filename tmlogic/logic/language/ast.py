"""The rule language's syntax tree. Parsed from `.dl` text by parser.py; backends compile from it.

Nothing here is ever executed: constants are plain strings and integers, and the only
operators are the six comparisons.
"""

from __future__ import annotations

from ..._errors import SourceSpan
from ...records import field, record
from ...typing_runtime import Any, Union

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
    "BODY_FROM",
    "FACTS_FROM",
    "FACT_ROWS",
    "FactRow",
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

    def fact_rows(self) -> list[FactRow]:
        """Each fact as (predicate, arguments, span), in order: what the engine and the prover read
        of the facts. A module decoded from the program cache has them as rows (FACT_ROWS) until its
        `facts` is first read."""
        rows: list[FactRow] | None = self.__dict__.get(FACT_ROWS)
        if rows is not None:
            return rows
        return [(f.atom.predicate, tuple([_constant(t) for t in f.atom.args]), f.span) for f in self.facts]


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

    def fact_rows(self) -> list[FactRow]:
        """Every module's facts as (predicate, arguments, span) (Module.fact_rows)."""
        return [row for m in self.modules for row in m.fact_rows()]


FactRow = tuple[str, tuple["str | int", ...], SourceSpan]  # a fact's predicate, arguments and span


def _constant(term: Term) -> str | int:
    if not isinstance(term, Const):
        raise TypeError(f"a fact with the variable {term}")  # the checker allows none
    return term.value


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

# A cached program's declarations, rule bodies and facts, built when first read. A warm run reads
# only the shared base's declarations (for its extension points, packs.extension_points); the others
# serve the static checks, which a cached program has passed. It reads the bodies of the rules of
# the strata it evaluates and of the threat rules it proves (about two thirds on the DMZ model), and
# the facts only as rows (Module.fact_rows). The program cache builds its Modules and Program
# without `decls`, with a function under DECLS_FROM in their __dict__ instead, its Rules without
# `body` (BODY_FROM) and its Modules without `facts` (FACTS_FROM; their rows under FACT_ROWS). Each
# function stores the node's field and drops its key (and FACT_ROWS), once: each module's
# declarations are built once, and the program's table holds the modules' own Decl objects.
# Reading the field finds nothing there and falls back to the class attribute set below, which
# calls the function with the node.
DECLS_FROM = "_decls_from"
BODY_FROM = "_body_from"
FACTS_FROM = "_facts_from"
FACT_ROWS = "_fact_rows"


class _BuiltOnFirstRead:
    """The class-level fallback for a field that a decoded node builds when first read (as
    _SpanOnFirstRead): `decls` of a Module or Program, `body` of a Rule, `facts` of a Module."""

    __slots__ = ("_field", "_key")

    def __init__(self, field: str, key: str) -> None:
        self._field = field
        self._key = key

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            raise AttributeError(self._field)  # on the class, as without this
        d = node.__dict__
        build = d.get(self._key)
        if build is not None:
            build(node)
        try:
            return d[self._field]
        except KeyError:
            raise AttributeError(f"{type(node).__name__!r} object has no attribute {self._field!r}") from None


setattr(Module, "decls", _BuiltOnFirstRead("decls", DECLS_FROM))
setattr(Program, "decls", _BuiltOnFirstRead("decls", DECLS_FROM))
setattr(Rule, "body", _BuiltOnFirstRead("body", BODY_FROM))
setattr(Module, "facts", _BuiltOnFirstRead("facts", FACTS_FROM))
