"""Fixture models for each generated rule: one that must fire, two that must not.

Every rule of the pack is tested the way the built-in ones are (tmlogic rules test): the
translator writes, from the rule's first clause that a model can satisfy,

    positive1.md   the model states what the clause needs (the mapping's witnesses)
    negative1.md   the same architecture stating none of it: unknown attributes never fire
    negative2.md   the same architecture stating the opposite (a control present, TLS 1.3...)

Each model has one skeleton: server 'Peer' sends flow 'Request', carrying data asset 'Item', to
'Target' (an element of the rule's pytm class); a rule on flows targets 'Request'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .condition import Ref
from .kleene import Conj, Every, Known, Literal, Ranked, Some, Value
from .mapping import Attribute, attribute, normalise

__all__ = ["Fixtures", "fixtures_for"]

# pytm class -> (section of 'Target', its type)
_SECTIONS = {"Server": ("Servers", None), "Process": ("Processes", None), "Datastore": ("Datastores", None),
             "Lambda": ("Servers", "lambda"), "LLM": ("Servers", "llm"), "Agent": ("Servers", "agent"),
             "Actor": ("Actors", None), "ExternalEntity": ("External Entities", None)}
_ORDER = ("Boundaries", "Actors", "Servers", "Processes", "Datastores", "External Entities", "Data", "Dataflows")
# Two values of each ordered enumeration, low then high; candidates for "a value other than ...".
_LOW_HIGH = {"tls": ("tls-1-0", "tls-1-3"), "classification": ("public", "secret")}
_OTHER = {"protocol": ("HTTPS", "SSH", "FTP"), "upper": ("CSV", "JSON", "XML"),
          "lifetime": ("short", "long", "hardcoded"), "tls": ("tls-1-3", "tls-1-0"),
          "classification": ("public", "secret"), None: ("other", "RSA")}


class _Conflict(Exception):
    """The clause asks the model to state one key two ways."""


@dataclass(frozen=True)
class Fixtures:
    files: dict[str, str]  # file name -> text


class _Model:
    """Statements to write into the skeleton: place -> key -> value."""

    def __init__(self, kind: str, owner: str) -> None:
        self.kind, self.owner = kind, owner
        self.stated: dict[str, dict[str, str]] = {}
        self.sections: dict[str, str] = {}

    def state(self, place: str, key: str, value: str) -> None:
        have = self.stated.setdefault(place, {})
        if have.get(key, value) != value:
            raise _Conflict(f"{place}.{key}")
        have[key] = value

    def witness(self, subject: str, text: str, v: str | None = None) -> None:
        """`text` is "key=value", or "PLACE:key=value" for another place than the subject."""
        if not text:
            return
        place, sep, rest = text.partition(":")
        if not sep or "=" in place:
            place, rest = "", text
        if place == "section":
            if self.sections.get(subject, rest) != rest:
                raise _Conflict(subject)
            self.sections[subject] = rest
            return
        target = {"": subject, "input": "Request", "sink": "Target", "source": "Peer"}[place]
        key, _, value = rest.partition("=")
        self.state(target, key, value.replace("{v}", v or ""))


def _subject(ref: Ref, places: dict[str, str], owners: dict[str, str]) -> tuple[str, str, str]:
    """(the skeleton item the attribute is on, its owner kind, the attribute's name)."""
    place, owner = places[ref.var], owners[ref.var]
    parts = list(ref.path)
    while parts and owner == "flow" and parts[0] in ("source", "sink"):
        place, owner = ("Peer" if parts[0] == "source" else "Target"), "element"
        parts.pop(0)
    name = f"controls.{parts[1]}" if parts[0] == "controls" else parts[0]
    return place, owner, name


def _attr(owner: str, name: str) -> Attribute:
    a = attribute(owner, name)
    assert a is not None, f"{owner} {name}: the translator kept a literal without a source"
    return a


def _apply(lit: Literal, model: _Model, places: dict[str, str], owners: dict[str, str], flip: bool) -> None:
    if isinstance(lit, Known):
        place, owner, name = _subject(lit.ref, places, owners)
        a = _attr(owner, name)
        value = lit.value != flip
        text = a.witness_true if value else a.witness_false
        if text is None:
            if flip:
                return  # no way to state the other side: leave it unknown
            raise _Conflict(name)
        model.witness(place, text)
    elif isinstance(lit, Value):
        place, owner, name = _subject(lit.ref, places, owners)
        a = _attr(owner, name)
        assert a.witness_value is not None, name
        listed = [normalise(a.normalise, v) for v in lit.values]
        if lit.negated != flip:
            other = next(v for v in _OTHER.get(a.normalise, _OTHER[None]) if v not in listed)
            model.witness(place, a.witness_value, other)
        else:
            model.witness(place, a.witness_value, listed[0])
    elif isinstance(lit, Ranked):
        low_first = (lit.op in ("<", "<=")) != flip
        for ref, first in ((lit.left, low_first), (lit.right, not low_first)):
            place, owner, name = _subject(ref, places, owners)
            a = _attr(owner, name)
            assert a.witness_value is not None and a.rank is not None, name
            low, high = _LOW_HIGH[a.rank]
            model.witness(place, a.witness_value, low if first else high)
    else:
        assert isinstance(lit, (Some, Every))
        item = "Item" if lit.collection.path[-1] == "data" else "Request"
        inner_places = dict(places, **{lit.var: item})
        inner_owners = dict(owners, **{lit.var: "data" if item == "Item" else "flow"})
        for inner in lit.dnf[0]:
            _apply(inner, model, inner_places, inner_owners, flip)


def _value(text: str) -> str:
    if text in ("True", "False"):
        return text
    return '"' + text.replace('"', "'") + '"'


def _render(rule_id: str, what: str, model: _Model) -> tuple[str, int]:
    section, type_ = _SECTIONS[model.kind] if model.owner == "element" else ("Servers", None)
    section = model.sections.get("Target", section)
    entries: dict[str, list[str]] = {s: [] for s in _ORDER}

    def attrs(name: str, base: list[str]) -> str:
        extra = [f"{k}={_value(v)}" for k, v in sorted(model.stated.get(name, {}).items())]
        return ", ".join(base + extra)

    entries["Boundaries"].append("- **Internal**: isTrusted=True")
    entries[model.sections.get("Peer", "Servers")].append(f"- **Peer**: {attrs('Peer', ['boundary=Internal'])}")
    target = ["boundary=Internal"] + ([f"type={type_}"] if type_ else [])
    entries[section].append(f"- **Target**: {attrs('Target', target)}")
    entries["Data"].append(f"- **Item**: {attrs('Item', ['description=' + _value('what Request carries')])}")
    ends = ['from="Peer"', 'to="Target"', 'data="Item"']
    entries["Dataflows"].append(f"- **Request**: {attrs('Request', ends)}")
    lines = [f"# Threat Model: {rule_id}, {what}", ""]
    for name in _ORDER:
        if entries[name]:
            lines += [f"## {name}", *entries[name], ""]
    text = "\n".join(lines)
    wanted = "- **Request**:" if model.owner == "flow" else "- **Target**:"
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(wanted))
    return text, line


def _build(kind: str, owner: str, conj: Conj, flip: bool, bare: bool = False) -> _Model:
    model = _Model(kind, owner)
    places = {"target": "Request" if owner == "flow" else "Target"}
    owners = {"target": owner}
    if not bare:
        for lit in conj:
            _apply(lit, model, places, owners, flip)
    return model


def fixtures_for(rule_id: str, clauses: list[tuple[str, Conj]]) -> Fixtures | None:
    """The fixtures of a rule from its clauses ((pytm class, conjunction)), or None when no
    clause can be written as a model."""
    for kind, conj in clauses:
        owner = "flow" if kind == "Dataflow" else "element"
        try:
            positive = _build(kind, owner, conj, flip=False)
        except _Conflict:
            continue
        try:
            negative: _Model | None = _build(kind, owner, conj, flip=True)
        except _Conflict:
            negative = None  # the opposite of each part cannot be stated at once: no second negative
        pos_text, line = _render(rule_id, "positive: it states what the rule needs", positive)
        bare_text, _ = _render(rule_id, "negative: nothing stated, so nothing is known", _build(kind, owner, conj, False, True))
        files = {"positive1.md": pos_text, "negative1.md": bare_text}
        if negative is not None and (negative.stated or negative.sections):
            neg_text, _ = _render(rule_id, "negative: it states the opposite", negative)
            if neg_text.splitlines()[1:] != pos_text.splitlines()[1:]:
                files["negative2.md"] = neg_text
        files["expected.json"] = json.dumps([{"file": "positive1.md", "line": line, "target": "Target"
                                              if owner == "element" else "Request"}], indent=2) + "\n"
        return Fixtures(files)
    return None
