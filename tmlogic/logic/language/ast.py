"""The rule language's syntax tree. Parsed from `.dl` text by parser.py; backends compile from it.

Nothing here is ever executed: constants are plain strings and integers, and the only
operators are the six comparisons.
"""

from __future__ import annotations

from typing import Union

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
