"""Enrichment: join threat rules to CAPEC, ATT&CK, mitigations, D3FEND and CWE, in Datalog.

    rules' metadata (RuleMeta) ──┐
                                 ├─ reachable slice of the KB ─ enrich.dl on the native engine ─ Enrichment
    KnowledgeBase (facts/kb/) ───┘   (Python index lookups)      (every link with its "via")

Only the rows a rule can reach are handed to the engine: the rules' CAPEC ids (or the STRIDE
defaults), the techniques those map to plus the rules' own, the mitigations of those
techniques. Enrichment depends on the rule, not on the threatened elements, so it runs once per
rule and every threat of that rule shares the result.

`mitre_chain` turns a rule's own ids and its Enrichment into the MitreChain that every renderer
shows (each id once, with its name and official page); the analysis attaches it to each Threat.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from ..lazy import lazy_pattern
from ..logic.language.ast import Rule
from ..logic.language.checks import metadata_ids, stride_canonical
from ..records import field, record
from ..typing_runtime import Any
from .loader import KnowledgeBase
from .store import natural_key

__all__ = ["RULES", "Enrichment", "Link", "RuleMeta", "Tactic", "TechniqueLink", "Via", "enrich_rules",
           "KINDS", "MitreChain", "MitreRef", "mitre_chain", "url_for"]

RULES = Path(__file__).with_name("enrich.dl")
Row = tuple[str, ...]


@record(frozen=True)
class RuleMeta:
    """What enrichment needs to know about a threat rule (from its `///` metadata)."""

    rule_id: str
    stride: str = ""  # any spelling that tmlogic.logic.language.checks.stride_canonical accepts
    capec: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    attack: tuple[str, ...] = ()

    @classmethod
    def from_rule(cls, rule: Rule) -> RuleMeta:
        """The metadata of a checked threat rule (its `/// id`, `stride`, `capec`, `cwe`, `attack` lines)."""
        values: dict[str, str] = {}  # the first value of each key, as Metadata.get answers: one pass, not five
        for entry in rule.metadata.entries if rule.metadata is not None else ():
            values.setdefault(entry.key, entry.value)

        def get(key: str) -> str:
            return values.get(key) or ""

        return cls(get("id"), get("stride"), tuple(metadata_ids(get("capec"))), tuple(metadata_ids(get("cwe"))),
                   tuple(metadata_ids(get("attack"))))


@record(frozen=True, order=True)
class Via:
    """Why a link is there.

    kind       id                            detail
    rule       the rule id                   -
    stride     the STRIDE category           the consequence scope that matched
    capec      the CAPEC id it came from     -
    technique  the technique it acts on      for D3FEND: the artifact's name
    mitigation the ATT&CK mitigation         -
    """

    kind: str
    id: str
    detail: str = ""

    def __str__(self) -> str:
        if self.kind == "rule":
            return f"rule {self.id}"
        if self.kind == "stride":
            return f"STRIDE {self.id} (consequence scope {self.detail})"
        if self.kind == "technique" and self.detail:
            return f"{self.id} (artifact: {self.detail})"
        return self.id

    def to_dict(self) -> dict[str, str]:
        data = {"kind": self.kind, "id": self.id}
        if self.detail:
            data["detail"] = self.detail
        return data


@record(frozen=True)
class Link:
    """One CAPEC pattern, mitigation, D3FEND technique or CWE reached by a rule, and why."""

    id: str
    name: str
    via: tuple[Via, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "via": [v.to_dict() for v in self.via]}


@record(frozen=True)
class Tactic:
    id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@record(frozen=True)
class TechniqueLink:
    """An ATT&CK technique; a sub-technique's name reads "Parent: Sub-technique", as ATT&CK shows it."""

    id: str
    name: str
    tactics: tuple[Tactic, ...]
    via: tuple[Via, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "tactics": [t.to_dict() for t in self.tactics],
                "via": [v.to_dict() for v in self.via]}


@record(frozen=True)
class Enrichment:
    rule_id: str
    capec: tuple[Link, ...] = ()
    techniques: tuple[TechniqueLink, ...] = ()
    mitigations: tuple[Link, ...] = ()
    d3fend: tuple[Link, ...] = ()
    cwe: tuple[Link, ...] = ()

    @property
    def tactics(self) -> tuple[Tactic, ...]:
        """Every tactic of the techniques, once, by id."""
        found = {t.id: t for tech in self.techniques for t in tech.tactics}
        return tuple(found[k] for k in sorted(found, key=_id_key))

    @property
    def capec_from_stride(self) -> bool:
        """True when the rule named no CAPEC and the patterns are its STRIDE category's defaults."""
        return bool(self.capec) and all(v.kind == "stride" for link in self.capec for v in link.via)

    def describe(self) -> list[str]:
        """One line per link, for text output and explanations:

            ATT&CK T1040 Network Sniffing [Credential Access, Discovery] <- CAPEC-158
        """
        def via(link: Link | TechniqueLink) -> str:
            return ", ".join(str(v) for v in link.via)

        lines = [f"CAPEC {x.id} {x.name} <- {via(x)}" for x in self.capec]
        lines += [f"ATT&CK {x.id} {x.name} [{', '.join(t.name or t.id for t in x.tactics)}] <- {via(x)}"
                  for x in self.techniques]
        lines += [f"mitigation {x.id} {x.name} <- mitigates {via(x)}" for x in self.mitigations]
        lines += [f"D3FEND {x.id} {x.name} <- {via(x)}" for x in self.d3fend]
        lines += [f"CWE {x.id} {x.name} <- {via(x)}" for x in self.cwe]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "capec": [x.to_dict() for x in self.capec],
            "attack_techniques": [x.to_dict() for x in self.techniques],
            "attack_tactics": [x.to_dict() for x in self.tactics],
            "attack_mitigations": [x.to_dict() for x in self.mitigations],
            "d3fend": [x.to_dict() for x in self.d3fend],
            "cwe": [x.to_dict() for x in self.cwe],
        }


@record
class _Slice:
    """The rows of the knowledge base that a set of rules can reach."""

    facts: dict[str, set[Row]] = field(default_factory=lambda: defaultdict(set))

    def add(self, relation: str, rows: Iterable[Row]) -> None:
        self.facts[relation].update(rows)


def _reachable(rules: Sequence[RuleMeta], kb: KnowledgeBase) -> _Slice:
    part = _Slice()
    capecs: set[str] = set()
    techniques: set[str] = set()
    for rule in rules:
        stride = stride_canonical(rule.stride) if rule.stride else None
        if stride:
            part.add("rule_stride", [(rule.rule_id, stride)])
        part.add("rule_capec", ((rule.rule_id, c) for c in rule.capec))
        part.add("rule_cwe", ((rule.rule_id, w) for w in rule.cwe))
        part.add("rule_attack", ((rule.rule_id, t) for t in rule.attack))
        capecs.update(rule.capec)
        techniques.update(rule.attack)
        if not rule.capec and stride:
            defaults = kb.lookup("stride_capec_default", 0, stride)
            part.add("stride_capec_default", defaults)
            part.add("stride_scope", kb.lookup("stride_scope", 0, stride))
            for _, capec in defaults:
                capecs.add(capec)
                part.add("capec_scope", kb.lookup("capec_scope", 0, capec))
    for capec in capecs:
        rows = kb.lookup("capec_technique", 0, capec)
        part.add("capec_technique", rows)
        techniques.update(t for _, t in rows)
        part.add("capec_cwe", kb.lookup("capec_cwe", 0, capec))
    mitigations: set[str] = set()
    for technique in techniques:
        part.add("technique_tactic", kb.lookup("technique_tactic", 0, technique))
        rows = kb.lookup("mitigation_technique", 1, technique)
        part.add("mitigation_technique", rows)
        mitigations.update(m for m, _ in rows)
        part.add("d3fend_technique", kb.lookup("d3fend_technique", 1, technique))
    for mitigation in mitigations:
        part.add("mitigation_d3fend", kb.lookup("mitigation_d3fend", 0, mitigation))
    return part


_OUTPUTS = ("enrich_capec", "enrich_technique", "enrich_tactic", "enrich_mitigation", "enrich_d3fend", "enrich_cwe")


def enrich_rules(rules: Sequence[RuleMeta], kb: KnowledgeBase) -> dict[str, Enrichment]:
    """The enrichment of every rule, by rule id (rules with nothing to join get an empty Enrichment)."""
    # Imported here: a run whose rules are all in the enrichment cache (kb/enrich_cache.py) needs
    # this module's classes, not the Datalog runner.
    from .datalog import DatalogProgram

    program = DatalogProgram(((kb.decls, str(kb.folder / "kb.dl")), (_rules_text(), "tmlogic/kb/enrich.dl")))
    part = _reachable(rules, kb)
    result = program.run(part.facts, _OUTPUTS)

    def grouped(relation: str) -> dict[str, dict[str, list[Via]]]:
        table: dict[str, dict[str, list[Via]]] = defaultdict(lambda: defaultdict(list))
        for rule, ident, kind, ref, detail in result[relation]:
            assert isinstance(rule, str) and isinstance(ident, str)
            table[rule][ident].append(Via(str(kind), str(ref), str(detail)))
        return table

    tactics: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule_id, technique_id, tactic in result["enrich_tactic"]:
        tactics[(str(rule_id), str(technique_id))].append(str(tactic))
    capec, technique, mitigation, d3fend, cwe = (grouped(r) for r in ("enrich_capec", "enrich_technique",
                                                                       "enrich_mitigation", "enrich_d3fend", "enrich_cwe"))

    def artifact_names(vias: list[Via]) -> list[Via]:
        return [Via(v.kind, v.id, kb.name("artifact", v.detail) or v.detail) if v.kind == "technique" and v.detail else v
                for v in vias]

    def links(table: dict[str, list[Via]], kind: str) -> tuple[Link, ...]:
        return tuple(Link(i, kb.name(kind, i) or "", tuple(sorted(set(artifact_names(table[i])), key=_via_key)))
                     for i in sorted(table, key=_id_key))

    out: dict[str, Enrichment] = {}
    for rule in rules:
        rid = rule.rule_id
        techs = tuple(
            TechniqueLink(t, _technique_name(kb, t),
                          tuple(Tactic(ta, kb.name("tactic", ta) or "") for ta in sorted(set(tactics[(rid, t)]), key=_id_key)),
                          tuple(sorted(set(technique[rid][t]), key=_via_key)))
            for t in sorted(technique.get(rid, {}), key=_id_key))
        out[rid] = Enrichment(rid, links(capec.get(rid, {}), "capec"), techs, links(mitigation.get(rid, {}), "mitigation"),
                              links(d3fend.get(rid, {}), "d3fend"), links(cwe.get(rid, {}), "cwe"))
    return out


@lru_cache(maxsize=1)
def _rules_text() -> str:
    return RULES.read_text(encoding="utf-8")


_KIND_ORDER = {"rule": 0, "stride": 1, "capec": 2, "technique": 3, "mitigation": 4}


@lru_cache(maxsize=8192)
def _id_key(ident: str) -> tuple[Any, ...]:
    return natural_key((ident,))


def _via_key(via: Via) -> tuple[Any, ...]:
    return (_KIND_ORDER.get(via.kind, 9), _id_key(via.id), via.detail)


def _technique_name(kb: KnowledgeBase, technique: str) -> str:
    name = kb.name("technique", technique) or ""
    parents = kb.lookup("subtechnique_of", 0, technique)
    if parents and name:
        parent = kb.name("technique", parents[0][1])
        if parent:
            return f"{parent}: {name}"
    return name


# --- the chain every renderer shows -------------------------------------------------------------

KINDS = ("capec", "techniques", "tactics", "mitigations", "d3fend", "cwe")

_TECHNIQUE = lazy_pattern(r"^T\d{4}(\.\d{3})?$")
_TACTIC = lazy_pattern(r"^TA\d{4}$")
_MITIGATION = lazy_pattern(r"^M\d{4}$")
_CAPEC = lazy_pattern(r"^CAPEC-(\d+)$", re.IGNORECASE)
_CWE = lazy_pattern(r"^CWE-(\d+)$", re.IGNORECASE)
_D3FEND = lazy_pattern(r"^(d3f:|D3-)[A-Za-z0-9-]+$")


@record(frozen=True, order=True)
class MitreRef:
    id: str
    name: str = ""
    via: str = ""  # how the enrichment reached it ("CAPEC-158", "STRIDE Spoofing"), when known

    @property
    def url(self) -> str | None:
        return _ref_url(self.id, self.name)

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}" if self.name else self.id


@record(frozen=True)
class MitreChain:
    """A threat's CAPEC patterns, ATT&CK techniques, tactics and mitigations, D3FEND and CWE, sorted by id."""

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


@lru_cache(maxsize=8192)  # the renderers ask for every reference of every threat (the HTML report twice)
def _ref_url(ref_id: str, name: str) -> str | None:
    if ref_id.startswith("D3-") and name:
        # D3FEND pages are named by class: "Agent Authentication" -> d3f:AgentAuthentication
        return url_for("d3f:" + "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", name)))
    return url_for(ref_id)


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


def mitre_chain(capec: Iterable[str], cwe: Iterable[str], attack: Iterable[str],
                enrichment: Enrichment | None) -> MitreChain:
    """A rule's chain: its own `capec`, `cwe` and `attack` ids, merged with its enrichment (if any)."""
    own: dict[str, list[MitreRef]] = {k: [] for k in KINDS}
    for ident in attack:
        kind = _kind(ident)
        if kind is not None and ident.strip():
            own[kind].append(MitreRef(ident.strip()))
    own["capec"] += [MitreRef(i.strip()) for i in capec if i.strip()]
    own["cwe"] += [MitreRef(i.strip()) for i in cwe if i.strip()]
    linked: dict[str, list[MitreRef]] = {k: [] for k in KINDS}
    if enrichment is not None:
        for kind, links in (("capec", enrichment.capec), ("techniques", enrichment.techniques),
                            ("mitigations", enrichment.mitigations), ("d3fend", enrichment.d3fend),
                            ("cwe", enrichment.cwe)):
            linked[kind] = [MitreRef(x.id, x.name, ", ".join(str(v) for v in x.via)) for x in links]
        linked["tactics"] = [MitreRef(t.id, t.name) for t in enrichment.tactics]
    return MitreChain(**{k: _merge(own[k], linked[k]) for k in KINDS})


def _kind(ident: str) -> str | None:
    """Which list of the chain a rule's `attack` id belongs to (ATT&CK or D3FEND), if any."""
    for pattern, kind in ((_TACTIC, "tactics"), (_TECHNIQUE, "techniques"), (_MITIGATION, "mitigations"),
                          (_D3FEND, "d3fend"), (_CAPEC, "capec"), (_CWE, "cwe")):
        if pattern.match(ident):
            return kind
    return None


def _merge(*groups: Iterable[MitreRef]) -> tuple[MitreRef, ...]:
    """Ids once each (a named entry wins over a bare id), sorted by id."""
    found: dict[str, MitreRef] = {}
    for group in groups:
        for ref in group:
            if ref.id not in found or (ref.name or ref.via) and not found[ref.id].name:
                found[ref.id] = ref
    return tuple(sorted(found.values(), key=lambda r: _chain_key(r.id)))


def _chain_key(ref_id: str) -> tuple[str, int, str]:
    digits = re.search(r"(\d+)", ref_id)
    return (re.sub(r"\d.*", "", ref_id), int(digits.group(1)) if digits else 0, ref_id)
