"""Rule packs as modules: what a pack may define, and whose relations its names mean.

The shared base is the fact schema (facts/schema.dl: the model's input facts) and the prelude
(facts/prelude.dl: the vocabulary every pack builds on). A pack is a folder of `.dl` files; a
pack from a pull request must not be able to change what the built-in rules mean, so:

- A pack states facts and rules only for `threat` and for relations it declares itself. It may
  not redeclare, nor add facts or rules to, a relation of the base or of another pack:
  `trusted("internet").` in a pack would switch off every threat about the internet zone.
- Except through extension points: a prelude relation whose `///` block has an `extension:`
  line (what an organisation may add, e.g. its own encrypted protocols) takes facts and rules
  from packs. Such facts are marked in every proof that uses them (ProofNode.extension).
- A pack's own relations are private: two packs may both declare a `node` helper; each pack's
  atoms mean its own. When two packs declare the same name, each one's relation is renamed
  `pack:name` inside the program (and so in proofs); otherwise names stay as written.
- Each threat rule lives in its own file, named after its id (`TM-NET-001.dl`); helper files
  hold no threat rules.

`namespace_packs` runs before the other static checks; its errors carry file:line:col.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePath

from ...diagnostics import DiagnosticBag
from .ast import THREAT, Atom, Comparison, Decl, Literal, Module, Negation
from ...records import replace

__all__ = ["namespace_packs", "extension_points", "check_rule_files", "EXTENSION_KEY"]

EXTENSION_KEY = "extension"


def extension_points(modules: list[Module]) -> dict[str, Decl]:
    """The base relations packs may extend: prelude declarations with an `extension:` line."""
    return {d.predicate: d for m in modules if m.pack is None for d in m.decls
            if d.doc is not None and d.doc.get(EXTENSION_KEY)}


def _rename_atom(atom: Atom, names: dict[str, str]) -> Atom:
    new = names.get(atom.predicate)
    return atom if new is None else replace(atom, predicate=new)


def _rename_literal(lit: Literal, names: dict[str, str]) -> Literal:
    if isinstance(lit, Atom):
        return _rename_atom(lit, names)
    if isinstance(lit, Negation):
        return replace(lit, atom=_rename_atom(lit.atom, names))
    assert isinstance(lit, Comparison)
    return lit


def _rename(module: Module, names: dict[str, str]) -> Module:
    if not names:
        return module
    return replace(
        module,
        decls=tuple(replace(d, predicate=names.get(d.predicate, d.predicate)) for d in module.decls),
        rules=tuple(replace(r, head=_rename_atom(r.head, names), body=tuple(_rename_literal(b, names) for b in r.body))
                    for r in module.rules),
        facts=tuple(replace(f, atom=_rename_atom(f.atom, names)) for f in module.facts),
    )


def _owner(decl: Decl) -> str:
    return f"{PurePath(decl.span.path).name} (line {decl.span.line})"


def namespace_packs(modules: list[Module], bag: DiagnosticBag) -> list[Module]:
    """The modules with each pack's private relations renamed where two packs share a name;
    errors for packs that redeclare or define relations they do not own."""
    base: dict[str, Decl] = {}
    for m in modules:
        if m.pack is None:
            for d in m.decls:
                base.setdefault(d.predicate, d)
    extensions = extension_points(modules)
    own: dict[str, set[str]] = defaultdict(set)  # pack -> its own relations
    for m in modules:
        if m.pack is None:
            continue
        for d in m.decls:
            if d.predicate == THREAT:
                continue  # reported by the declaration checks
            if d.predicate in base:
                bag.error(d.span, f'rule pack "{m.pack}" declares "{d.predicate}", which {_owner(base[d.predicate])} '
                          "already declares", "foreign-relation",
                          f'use "{d.predicate}" without declaring it; a pack defines only its own relations'
                          + (" (it may add to this one: it is an extension point)" if d.predicate in extensions else ""))
                continue
            own[m.pack].add(d.predicate)
    for m in modules:
        if m.pack is None:
            continue
        for rule in m.rules:
            for lit in rule.body:
                atom = lit.atom if isinstance(lit, Negation) else lit if isinstance(lit, Atom) else None
                if atom is None or atom.predicate in own[m.pack] or atom.predicate in base:
                    continue
                other = next((pack for pack, names in sorted(own.items()) if atom.predicate in names), None)
                if other is not None:
                    bag.error(atom.span, f'"{atom.predicate}" is a helper of rule pack "{other}", private to it',
                              "private-relation", f'declare and define "{atom.predicate}" in rule pack "{m.pack}" '
                              "too, or move what both packs share into an extension point of the prelude")
        items: list[tuple[Atom, str]] = [(r.head, "rules") for r in m.rules] + [(f.atom, "facts") for f in m.facts]
        for atom, kind in items:
            name = atom.predicate
            if name == THREAT or name in own[m.pack] or name in extensions:
                continue
            if name in base:
                points = ", ".join(sorted(extensions)) or "none"
                bag.error(atom.span, f'rule pack "{m.pack}" cannot add {kind} to "{name}", which '
                          f"{_owner(base[name])} declares: it would change what every other rule means",
                          "foreign-relation", "declare a relation of the pack's own and use that; packs extend the "
                          f"shared vocabulary only at the prelude's extension points ({points})")
            elif any(name in names for pack, names in own.items() if pack != m.pack):
                other = next(pack for pack, names in own.items() if pack != m.pack and name in names)
                bag.error(atom.span, f'rule pack "{m.pack}" cannot add {kind} to "{name}", which rule pack "{other}" '
                          "declares", "foreign-relation",
                          f'declare "{name}" in this pack too (each pack has its own), or give it another name')
    packs_of: dict[str, list[str]] = defaultdict(list)
    for pack, names in own.items():
        for name in names:
            packs_of[name].append(pack)
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for name, packs in packs_of.items():
        if len(packs) > 1:
            for pack in packs:
                renames[pack][name] = f"{pack}:{name}"
    return [_rename(m, renames[m.pack]) if m.pack is not None else m for m in modules]


def check_rule_files(modules: list[Module], rule_id_pattern: re.Pattern[str], bag: DiagnosticBag) -> None:
    """Each threat rule of a pack in its own file, named after its id."""
    for m in modules:
        if m.pack is None:
            continue
        stem = PurePath(m.path).stem
        for rule in m.rules:
            if rule.head.predicate != THREAT or rule.metadata is None:
                continue
            entry = rule.metadata.entry("id")
            rule_id = entry.value if entry is not None else ""
            if not rule_id_pattern.fullmatch(rule_id):
                continue  # the metadata checks report a missing or malformed id
            if not rule_id_pattern.fullmatch(stem):
                bag.error(rule.head.span, f"threat rule {rule_id} is outside its own rule file", "rule-file",
                          f"move it to {rule_id}.dl beside this file (with its tests in tests/{rule_id}/); "
                          f"{PurePath(m.path).name} holds the pack's helper relations")
            elif stem != rule_id:
                assert entry is not None
                bag.error(entry.span, f'rule id "{rule_id}" does not match its file name {PurePath(m.path).name}',
                          "rule-file", f"rename the file to {rule_id}.dl, or fix the id")
