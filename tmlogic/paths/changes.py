"""Model changes: what a choke point asks the architect to do, and applying it to a Model.

A control is stated as the edit that removes it: set a key on an element, flow or boundary
(`is_authenticated=True` on flow 'X'), or remove a flow. `fixes_for` finds, for a negated atom
that a step or a threat checked absent, the key that would make it hold: directly for `flag`
and `attr`, and through the rules of a derived relation when one of them needs only keys of
the ids it is given (encrypted_flow(F) :- flag(F, "is_encrypted")). Applying a change gives a
new Model, so the claim "this cut removes every path" can be tested by analysing again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..logic.language.ast import Atom, Comparison, Const, Negation, Program
from ..model.schema import Attribute, Model
from ..records import replace
from ..typing_runtime import Literal

__all__ = ["ModelChange", "Wording", "fixes_for", "apply_changes"]


@dataclass(frozen=True, order=True)
class ModelChange:
    kind: Literal["set", "remove-flow"]
    target: str  # id of the element, flow, boundary or data asset
    key: str = ""
    value: str = ""  # "true" for a boolean key

    @property
    def cost(self) -> int:
        """Adding a control is one change; taking a flow away changes the architecture."""
        return 1 if self.kind == "set" else 2

    def written(self) -> str:
        """The key as written in a model line."""
        if self.value in ("true", "false"):
            return f"{self.key}={self.value.capitalize()}"
        return f'{self.key}="{self.value}"'

    def describe(self, names: dict[str, str], kinds: dict[str, str]) -> str:
        what = kinds.get(self.target, "element")
        name = names.get(self.target, self.target)
        if self.kind == "remove-flow":
            return f"remove flow '{name}', or block it for everyone but its intended caller"
        return f"set {self.written()} on {what} '{name}'"

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "target": self.target}
        if self.kind == "set":
            out.update(key=self.key, value=self.value)
        return out


class Wording:
    """Model changes as sentences, with the model's names ("set is_encrypted=True on flow 'Login'")."""

    def __init__(self, model: Model) -> None:
        self.names = model.names()
        self.kinds: dict[str, str] = {}
        for m in model.all_models():
            self.kinds.update({b.id: "boundary" for b in m.boundaries})
            self.kinds.update({e.id: "element" for e in m.elements})
            self.kinds.update({d.id: "data asset" for d in m.data})
            self.kinds.update({f.id: "flow" for f in m.flows})

    def __call__(self, change: ModelChange) -> str:
        return change.describe(self.names, self.kinds)


def _value(text: str) -> bool | str:
    return {"true": True, "false": False}.get(text, text)


def _with(attrs: tuple[Attribute, ...], change: ModelChange, span: object) -> tuple[Attribute, ...]:
    kept = tuple(a for a in attrs if a.key != change.key)
    return kept + (Attribute(change.key, _value(change.value), span),)  # type: ignore[arg-type]


def _apply_one(model: Model, change: ModelChange) -> Model:
    flows = model.flows
    if change.kind == "remove-flow":
        flows = tuple(f for f in flows if f.id != change.target)
    else:
        flows = tuple(replace(f, attrs=_with(f.attrs, change, f.span)) if f.id == change.target else f for f in flows)
    elements = model.elements
    boundaries = model.boundaries
    data = model.data
    if change.kind == "set":
        elements = tuple(replace(e, attrs=_with(e.attrs, change, e.span)) if e.id == change.target else e
                         for e in elements)
        boundaries = tuple(replace(b, attrs=_with(b.attrs, change, b.span)) if b.id == change.target else b
                           for b in boundaries)
        data = tuple(replace(d, attrs=_with(d.attrs, change, d.span)) if d.id == change.target else d for d in data)
    submodels = tuple((parent, _apply_one(sub, change)) for parent, sub in model.submodels)
    return replace(model, flows=flows, elements=elements, boundaries=boundaries, data=data, submodels=submodels)


def apply_changes(model: Model, changes: Sequence[ModelChange]) -> Model:
    """The model with every change made (in every file of a project)."""
    for change in changes:
        model = _apply_one(model, change)
    return model


def _ground(head: Atom, args: tuple[str | int | None, ...]) -> dict[str, str | int] | None:
    """Bindings that make `head` read `args`, or None (a constant differs, an argument is unknown)."""
    bindings: dict[str, str | int] = {}
    for term, value in zip(head.args, args):
        if value is None:
            return None
        if isinstance(term, Const):
            if term.value != value:
                return None
        elif bindings.setdefault(term.name, value) != value:
            return None
    return bindings


def fixes_for(program: Program, predicate: str, args: tuple[str | int | None, ...],
              holds: Callable[[str, tuple[str | int, ...]], bool], depth: int = 2) -> tuple[ModelChange, ...] | None:
    """The fewest key settings that make `predicate(args)` true, or None if no model key does.

    `holds(pred, args)` says whether a ground fact is already true in the current model."""
    if any(a is None for a in args):
        return None
    if predicate == "flag" and len(args) == 2:
        return (ModelChange("set", str(args[0]), str(args[1]), "true"),)
    if predicate == "attr" and len(args) == 3:
        return (ModelChange("set", str(args[0]), str(args[1]), str(args[2])),)
    if depth == 0:
        return None
    best: tuple[ModelChange, ...] | None = None
    for rule in program.rules:
        if rule.head.predicate != predicate:
            continue
        bindings = _ground(rule.head, args)
        if bindings is None:
            continue
        needed: list[ModelChange] = []
        ok = True
        for lit in rule.body:
            if isinstance(lit, Comparison) or isinstance(lit, Negation):
                ok = False  # a fix must not depend on what else holds: keep to plain positive bodies
                break
            values = tuple(t.value if isinstance(t, Const) else bindings.get(t.name) for t in lit.args)
            if any(v is None for v in values):
                ok = False
                break
            ground = tuple(v for v in values if v is not None)
            if holds(lit.predicate, ground):
                continue
            sub = fixes_for(program, lit.predicate, values, holds, depth - 1)
            if sub is None:
                ok = False
                break
            needed.extend(sub)
        if ok and needed and (best is None or len(needed) < len(best)):
            best = tuple(sorted(set(needed)))
    return best
