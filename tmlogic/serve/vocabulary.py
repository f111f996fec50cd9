"""What the editor completes: section headings, each section's keys with their kinds, values and
docs (model/vocabulary.py, the one place the language is defined), the values rule packs know
for `type`, `protocol` and `format` (their fact tables), and which names a reference key takes."""

from __future__ import annotations

from ..logic.language.ast import Const, Program
from ..model.vocabulary import SECTIONS, keys_for, section_aliases
from ..typing_runtime import Any

__all__ = ["completion_vocabulary", "NAME_GROUPS"]

# Reference keys -> the group of model names they take (see names_of in live.py).
_REFERENCES = {"boundary": "boundaries", "from": "elements", "to": "elements", "members": "elements",
               "data": "data", "target": "any"}
# Sections whose entry names refer to something: `- **Central Server**: 1.5` multiplies an element.
_ENTRY_NAMES = {"severity_multipliers": "elements", "protocol_styles": "protocols"}
NAME_GROUPS = ("boundaries", "elements", "data", "flows")

# Unary fact tables of the prelude and the packs, by name: `storage_type("database")` lists a type.
_VALUE_TABLES = {"_type": "type", "_protocol": "protocol", "_format": "format"}


def _known_values(program: Program) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {key: set() for key in _VALUE_TABLES.values()}
    for fact in program.facts:
        atom = fact.atom
        if len(atom.args) != 1 or not isinstance(atom.args[0], Const) or not isinstance(atom.args[0].value, str):
            continue
        for suffix, key in _VALUE_TABLES.items():
            if atom.predicate.endswith(suffix):
                found[key].add(atom.args[0].value)
    return {k: sorted(v) for k, v in found.items()}


def completion_vocabulary(program: Program) -> dict[str, Any]:
    keys: dict[str, list[dict[str, Any]]] = {}
    for section in SECTIONS:
        specs = keys_for(section)
        if not specs:
            continue
        keys[section] = [
            {"key": s.key, "kind": s.kind, "doc": s.doc, "values": list(s.values), "aliases": list(s.aliases),
             **({"names": _REFERENCES[s.key]} if s.key in _REFERENCES and s.kind in ("ref", "refs") else {})}
            for s in sorted(specs.values(), key=lambda s: s.key)
        ]
    return {
        "sections": [{"id": sid, "heading": heading, "yaml": sid} for sid, heading in SECTIONS.items()],
        "aliases": section_aliases(),
        "keys": keys,
        "values": _known_values(program),
        "entry_names": _ENTRY_NAMES,
    }
