"""STRIDE -> CAPEC, derived from CAPEC's consequence scopes (no official mapping exists).

A pattern belongs to a STRIDE category when one of its consequence scopes maps to it:

    Spoofing               Authentication
    Tampering              Integrity
    Repudiation            Non-Repudiation, Accountability
    InformationDisclosure  Confidentiality
    DenialOfService        Availability
    ElevationOfPrivilege   Authorization, Access_Control

That gives dozens to hundreds of patterns per category, too many to attach to a threat whose
rule names no CAPEC. The default set is the first DEFAULT_PER_CATEGORY patterns of the
category in this order: Meta abstraction before Standard before Detailed (a rule that names
no pattern gets the general ones); patterns that map to ATT&CK first (so the chain goes on to
techniques, mitigations and D3FEND); patterns in fewer STRIDE categories first (the most
specific to this one); likelihood of attack High, Medium, Low, unknown; then the CAPEC number.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from .capec import Pattern

__all__ = ["DEFAULT_PER_CATEGORY", "STRIDE_SCOPES", "stride_capec", "stride_capec_default", "stride_of"]

STRIDE_SCOPES: dict[str, tuple[str, ...]] = {
    "Spoofing": ("Authentication",),
    "Tampering": ("Integrity",),
    "Repudiation": ("Non-Repudiation", "Accountability"),
    "InformationDisclosure": ("Confidentiality",),
    "DenialOfService": ("Availability",),
    "ElevationOfPrivilege": ("Authorization", "Access_Control"),
}
DEFAULT_PER_CATEGORY = 3

_ABSTRACTION = {"Meta": 0, "Standard": 1, "Detailed": 2}
_LIKELIHOOD = {"High": 0, "Medium": 1, "Low": 2}


def stride_of(scopes: AbstractSet[str]) -> set[str]:
    """The STRIDE categories of a pattern with these consequence scopes."""
    return {stride for stride, mapped in STRIDE_SCOPES.items() if scopes & set(mapped)}


def stride_capec(patterns: Mapping[str, Pattern]) -> set[tuple[str, str]]:
    return {(stride, capec) for capec, p in patterns.items() for stride in stride_of(p.scopes)}


def _number(capec: str) -> int:
    digits = capec.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else 0


def stride_capec_default(patterns: Mapping[str, Pattern], mapped_to_attack: AbstractSet[str]) -> set[tuple[str, str]]:
    """The documented default patterns per STRIDE category (see the module docstring)."""
    chosen: set[tuple[str, str]] = set()
    for stride in STRIDE_SCOPES:
        members = [c for c, p in patterns.items() if stride in stride_of(p.scopes)]
        members.sort(key=lambda c: (
            _ABSTRACTION.get(patterns[c].abstraction, 3),
            c not in mapped_to_attack,
            len(stride_of(patterns[c].scopes)),
            _LIKELIHOOD.get(patterns[c].likelihood, 3),
            _number(c),
            c,
        ))
        chosen.update((stride, c) for c in members[:DEFAULT_PER_CATEGORY])
    return chosen
