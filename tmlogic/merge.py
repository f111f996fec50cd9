"""Findings of an imported threat library that repeat a built-in finding are merged into it.

The pytm pack (packs/pytm/, opt-in) raises its own findings next to the built-in rules'. When
one is about the same thing as a built-in finding, a reviewer sees it twice. It is the same
thing when the two share a target, have the same STRIDE category and name a CAPEC pattern in
common (from the rules' own metadata, not the enrichment's fallback patterns). Then the library
finding is dropped and the built-in finding lists it, with its proof, in `corroborated_by`:
explain and the JSON result show both rules. A library finding that matches
no built-in finding stays as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from .result import Corroboration, Threat
from .records import replace

__all__ = ["LIBRARY_RULE_PREFIXES", "is_library_rule", "merge_library_findings"]

# Rule ids of packs translated from a threat library (packs/pytm/: PYTM-<SID>).
LIBRARY_RULE_PREFIXES = ("PYTM-",)


def is_library_rule(rule_id: str) -> bool:
    return rule_id.startswith(LIBRARY_RULE_PREFIXES)


def _same(library: Threat, builtin: Threat) -> bool:
    return (library.rule.stride == builtin.rule.stride
            and bool(set(library.targets) & set(builtin.targets))
            and bool(set(library.rule.capec) & set(builtin.rule.capec)))


def merge_library_findings(threats: Sequence[Threat]) -> list[Threat]:
    """The threats with each library finding that repeats a built-in one merged into it (into
    every built-in finding it repeats)."""
    builtin = [t for t in threats if not is_library_rule(t.rule.id)]
    merged: dict[str, list[Corroboration]] = {}
    out: list[Threat] = []
    for t in threats:
        if not is_library_rule(t.rule.id):
            continue
        hosts = [b for b in builtin if _same(t, b)]
        if not hosts:
            out.append(t)
            continue
        note = Corroboration(t.rule.id, t.rule.title, t.id, t.location, t.proof, t.target_names)
        for b in hosts:
            merged.setdefault(b.id, []).append(note)
    for b in builtin:
        notes = merged.get(b.id)
        if notes:
            b = replace(b, corroborated_by=b.corroborated_by + tuple(sorted(notes, key=lambda c: c.rule_id)))
        out.append(b)
    return out
