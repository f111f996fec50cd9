"""Compile a Model into the input facts declared in facts/schema.dl, each with its model line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from ..._errors import SourceSpan
from ...model.schema import Attribute, Element, Model, Value
from ...records import record

__all__ = ["InputFact", "FactBase", "compile_model", "format_fact"]

Constant = str | int


@record(frozen=True, order=True)
class InputFact:
    predicate: str
    args: tuple[Constant, ...]
    span: SourceSpan  # the model line (or .dl line) this fact comes from

    @property
    def key(self) -> tuple[str, tuple[Constant, ...]]:
        return (self.predicate, self.args)


class FactBase:
    """Input facts, deduplicated and in a deterministic order, with the origin of each."""

    def __init__(self, facts: Iterable[InputFact]) -> None:
        first: dict[tuple[str, tuple[Constant, ...]], InputFact] = {}
        for fact in facts:
            # The first origin wins: the declaration of an element beats later mentions.
            first.setdefault((fact.predicate, fact.args), fact)
        self._origin = {key: fact.span for key, fact in first.items()}
        self.facts: tuple[InputFact, ...] = tuple(f for rows in _sorted_by_predicate(first.values()) for f in rows)

    def extended(self, more: Iterable[InputFact]) -> "FactBase":
        """These facts and `more` (a fact already here keeps its origin), without sorting these again."""
        added = FactBase(f for f in more if f.key not in self._origin)
        out = FactBase(())
        out._origin = {**self._origin, **added._origin}
        out.facts = self.facts + added.facts
        return out

    def __iter__(self) -> Iterator[InputFact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def __contains__(self, key: object) -> bool:
        return key in self._origin

    def origins(self) -> Mapping[tuple[str, tuple[Constant, ...]], SourceSpan]:
        """Every fact's key (predicate, args) and where it comes from."""
        return self._origin

    def origin(self, predicate: str, args: tuple[Constant, ...]) -> SourceSpan | None:
        return self._origin.get((predicate, args))

    def by_predicate(self) -> dict[str, list[tuple[Constant, ...]]]:
        table: dict[str, list[tuple[Constant, ...]]] = {}
        for fact in self.facts:
            table.setdefault(fact.predicate, []).append(fact.args)
        return table


def _sort_args(args: tuple[Constant, ...]) -> tuple[tuple[int, int, str], ...]:
    # Mixed int/str tuples must still sort deterministically; numbers by value, negative ones too.
    return tuple((0, a, "") if isinstance(a, int) else (1, 0, a) for a in args)


def _sorted_by_predicate(facts: Iterable[InputFact]) -> list[list[InputFact]]:
    """The facts by predicate name, each predicate's facts by `_sort_args` of their arguments:
    the order of one sort by (predicate, _sort_args(args)). A predicate whose arguments are all
    text (nearly all of them) sorts on the arguments themselves, the same order without building
    a key per fact, which at 300,000 facts was most of the time of compiling a model."""
    groups: dict[str, list[InputFact]] = {}
    for fact in facts:
        rows = groups.get(fact.predicate)
        if rows is None:
            rows = groups[fact.predicate] = []
        rows.append(fact)
    out = []
    for predicate in sorted(groups):
        rows = groups[predicate]
        if all(type(a) is str for f in rows for a in f.args):
            rows.sort(key=_args_of)
        else:
            rows.sort(key=lambda f: _sort_args(f.args))
        out.append(rows)
    return out


def _args_of(fact: InputFact) -> tuple[Constant, ...]:
    return fact.args


# Keys that have their own relation, so they are not repeated as attr/flag facts.
_DEDICATED_KEYS = frozenset({
    "boundary", "type", "submodel", "is_trusted", "trust_level", "members", "from", "to", "protocol", "data",
    "classification",
})


def _texts(value: Value) -> list[str]:
    """A model value as the text constants of attr facts; lists give one fact per item."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if value is None:
        return []
    if isinstance(value, (int, float)):
        return [format(value, "g") if isinstance(value, float) else str(value)]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item) if not isinstance(item, (list, dict))]
    if isinstance(value, dict):
        return []  # structured values (mitre mappings) have their own sections
    return [value]


def _attribute_facts(owner: str, attrs: Iterable[Attribute]) -> Iterator[InputFact]:
    for attr in attrs:
        if attr.key in _DEDICATED_KEYS:
            continue
        for text in _texts(attr.value):
            yield InputFact("attr", (owner, attr.key, text), attr.span)
        if attr.value is True:
            yield InputFact("flag", (owner, attr.key), attr.span)


def _model_facts(model: Model, root: Model) -> Iterator[InputFact]:
    # The model file relative to the root model's folder, as submodel ids and submodel() use it.
    # Where each key is written (Model.span_of) is looked up in one dict per item, built once.
    where = model.id_prefix[:-1] if model.id_prefix else Path(root.path).name
    for b in model.boundaries:
        yield InputFact("boundary", (b.id,), b.span)
        yield InputFact("model_of", (b.id, where), b.span)
        if b.trusted:
            yield InputFact("trusted", (b.id,), dict(b.key_spans).get("is_trusted", b.span))
        if b.parent is not None:
            yield InputFact("boundary_parent", (b.id, b.parent), b.span)
        yield from _attribute_facts(b.id, b.attrs)
    for e in model.elements:
        spans = dict(e.key_spans)
        yield InputFact("element", (e.id, e.kind), e.span)
        yield InputFact("model_of", (e.id, where), e.span)
        if e.type:
            yield InputFact("element_type", (e.id, e.type), spans.get("type", e.span))
        if e.boundary is not None:
            yield InputFact("in_boundary", (e.id, e.boundary), spans.get("boundary", e.span))
        else:
            yield InputFact("unbounded", (e.id,), e.span)
        if e.submodel is not None:
            yield InputFact("submodel", (e.id, e.submodel), spans.get("submodel", e.span))
        yield from _attribute_facts(e.id, e.attrs)
    for d in model.data:
        yield InputFact("data", (d.id,), d.span)
        yield InputFact("model_of", (d.id, where), d.span)
        yield InputFact("classification", (d.id, d.classification), dict(d.key_spans).get("classification", d.span))
        yield from _attribute_facts(d.id, d.attrs)
    for f in model.flows:
        spans = dict(f.key_spans)
        yield InputFact("flow", (f.id, f.source, f.target), f.span)
        yield InputFact("model_of", (f.id, where), f.span)
        if f.protocol:
            yield InputFact("protocol", (f.id, f.protocol), spans.get("protocol", f.span))
        data_span = spans.get("data", f.span)
        for d_id in f.data:
            yield InputFact("carries", (f.id, d_id), data_span)
        yield from _attribute_facts(f.id, f.attrs)
    for m in model.multipliers:
        yield InputFact("multiplier", (m.target, round(m.factor * 100)), m.span)




def _entries(sub: Model) -> list[Element]:
    marked = [e for e in sub.elements if any(a.key == "entry_point" and a.value is True for a in e.attrs)]
    if marked:
        return marked
    reached = {f.target for f in sub.flows}
    return [e for e in sub.elements if e.id not in reached] or list(sub.elements)


def _submodel_entry_facts(model: Model) -> Iterator[InputFact]:
    """Where traffic to a parent element goes inside its submodel, so rules can follow it."""
    for m in model.all_models():
        for parent, sub in m.submodels:
            for e in _entries(sub):
                yield InputFact("submodel_entry", (parent, e.id), e.span)


def compile_model(model: Model) -> FactBase:
    """The input facts of a model and all its submodels."""
    facts: list[InputFact] = []
    for m in model.all_models():
        facts.extend(_model_facts(m, model))
    facts.extend(_submodel_entry_facts(model))
    return FactBase(facts)


def _quote(value: Constant) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def format_fact(predicate: str, args: tuple[Constant, ...]) -> str:
    """A fact in rule-language syntax: `flow("test", "a", "b")`."""
    return f"{predicate}({', '.join(_quote(a) for a in args)})"
