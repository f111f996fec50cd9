"""The MITRE chain of a threat (CAPEC, ATT&CK techniques, tactics, mitigations, D3FEND, CWE),
as every renderer shows it, with links to the official pages.

Today the chain comes from the rule's metadata (`capec`, `cwe`, `attack`). The knowledge-base
enrichment (issue 4) will attach richer lists to each threat; the one place to wire it is
`chain_for`: when a threat carries an attribute `mitre` (any object with the tuple fields of
`MitreChain`, each item an id string, an `(id, name)` pair, or an object with `.id`/`.name`),
those lists are used, merged with the rule's own ids. `knowledge_versions` reads the
knowledge base versions the same way (`Result.kb_versions`, a mapping such as
{"attack": "18.1", "capec": "3.9"}), so the Navigator layer and STIX can name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..result import Result, Threat

__all__ = ["KINDS", "MitreChain", "MitreRef", "chain_for", "knowledge_versions", "url_for"]

KINDS = ("capec", "techniques", "tactics", "mitigations", "d3fend", "cwe")

_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_TACTIC = re.compile(r"^TA\d{4}$")
_MITIGATION = re.compile(r"^M\d{4}$")
_CAPEC = re.compile(r"^CAPEC-(\d+)$", re.IGNORECASE)
_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)
_D3FEND = re.compile(r"^(d3f:|D3-)[A-Za-z0-9-]+$")


@dataclass(frozen=True, order=True)
class MitreRef:
    id: str
    name: str = ""
    via: str = ""  # how the enrichment reached it ("CAPEC-158", "STRIDE Spoofing"), when known

    @property
    def url(self) -> str | None:
        if self.id.startswith("D3-") and self.name:
            # D3FEND pages are named by class: "Agent Authentication" -> d3f:AgentAuthentication
            return url_for("d3f:" + "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", self.name)))
        return url_for(self.id)

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}" if self.name else self.id


@dataclass(frozen=True)
class MitreChain:
    capec: tuple[MitreRef, ...] = ()
    techniques: tuple[MitreRef, ...] = ()
    tactics: tuple[MitreRef, ...] = ()
    mitigations: tuple[MitreRef, ...] = ()
    d3fend: tuple[MitreRef, ...] = ()
    cwe: tuple[MitreRef, ...] = ()

    def items(self) -> list[tuple[str, tuple[MitreRef, ...]]]:
        return [(k, getattr(self, k)) for k in KINDS]

    def __bool__(self) -> bool:
        return any(refs for _, refs in self.items())


def url_for(ref_id: str) -> str | None:
    """The official page of a CAPEC, CWE, ATT&CK or D3FEND id; None for anything else."""
    if m := _CAPEC.match(ref_id):
        return f"https://capec.mitre.org/data/definitions/{m.group(1)}.html"
    if m := _CWE.match(ref_id):
        return f"https://cwe.mitre.org/data/definitions/{m.group(1)}.html"
    if _TECHNIQUE.match(ref_id):
        return "https://attack.mitre.org/techniques/" + ref_id.replace(".", "/") + "/"
    if _TACTIC.match(ref_id):
        return f"https://attack.mitre.org/tactics/{ref_id}/"
    if _MITIGATION.match(ref_id):
        return f"https://attack.mitre.org/mitigations/{ref_id}/"
    if _D3FEND.match(ref_id) and ref_id.startswith("d3f:"):
        return f"https://d3fend.mitre.org/technique/{ref_id}/"
    return None


def _ref(item: object) -> MitreRef | None:
    if isinstance(item, MitreRef):
        return item
    if isinstance(item, str):
        return MitreRef(item.strip()) if item.strip() else None
    if isinstance(item, tuple) and item and isinstance(item[0], str):
        return MitreRef(item[0], str(item[1]) if len(item) > 1 and item[1] else "")
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        via = getattr(item, "via", ()) or ()
        return MitreRef(ident, str(getattr(item, "name", "") or ""), ", ".join(str(v) for v in via))
    return None


def _merge(*groups: Iterable[object]) -> tuple[MitreRef, ...]:
    """Ids once each (a named entry wins over a bare id), sorted by id."""
    found: dict[str, MitreRef] = {}
    for group in groups:
        for item in group:
            ref = _ref(item)
            if ref is not None and (ref.id not in found or (ref.name or ref.via) and not found[ref.id].name):
                found[ref.id] = ref
    return tuple(sorted(found.values(), key=lambda r: _sort_key(r.id)))


def _sort_key(ref_id: str) -> tuple[str, int, str]:
    digits = re.search(r"(\d+)", ref_id)
    return (re.sub(r"\d.*", "", ref_id), int(digits.group(1)) if digits else 0, ref_id)


def _classify(ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for i in ids:
        if _TACTIC.match(i):
            out["tactics"].append(i)
        elif _TECHNIQUE.match(i):
            out["techniques"].append(i)
        elif _MITIGATION.match(i):
            out["mitigations"].append(i)
        elif _D3FEND.match(i):
            out["d3fend"].append(i)
        elif _CAPEC.match(i):
            out["capec"].append(i)
        elif _CWE.match(i):
            out["cwe"].append(i)
    return out


def chain_for(threat: Threat) -> MitreChain:
    """The threat's MITRE chain: the rule's metadata, plus the enrichment when it is attached."""
    rule = threat.rule
    from_rule = _classify(rule.attack)
    from_rule["capec"] += list(rule.capec)
    from_rule["cwe"] += list(rule.cwe)
    enriched = getattr(threat, "mitre", None)
    return MitreChain(**{k: _merge(from_rule[k], getattr(enriched, k, ()) or ()) for k in KINDS})


def knowledge_versions(result: Result) -> dict[str, str]:
    """Versions of the MITRE data behind the chains (empty until the knowledge base is wired)."""
    versions = getattr(result, "kb_versions", None)
    if isinstance(versions, Mapping):
        return {str(k): str(v) for k, v in sorted(versions.items())}
    return {}
