"""STIX 2.1 bundle, built from plain data, for threat-intelligence platforms (OpenCTI, MISP).

What each object stands for (only relationship types the STIX 2.1 specification defines):

    identity        tmlogic, the producer (created_by_ref of every object)
    infrastructure  the modelled system, each trust boundary and each element
                      system --consists-of--> boundary/element;  boundary --consists-of--> element
                      element --communicates-with--> element  (one per data flow)
    attack-pattern  one per rule that fired, with CAPEC and ATT&CK external references
    vulnerability   one per threat: the weakness the rule found, with CWE references
                      attack-pattern --targets--> vulnerability;  infrastructure --has--> vulnerability
    course-of-action  the rule's mitigation, and each ATT&CK mitigation of the chain
                      course-of-action --mitigates--> attack-pattern and vulnerability

Ids are uuid5 of stable inputs (the model's title or file name, rule ids, model ids, threat
ids), and every timestamp is one fixed instant, so two runs give identical bytes. Set
SOURCE_DATE_EPOCH (seconds, the reproducible-builds convention) to stamp another instant.

Objects are dictionaries with their properties in the order of the STIX 2.1 specification (the
order the stix2 library writes): importing and running stix2's validating constructors took a
third of a second of every run that wrote STIX. The tests validate every bundle with the OASIS
validator and check it loads into stix2's own classes.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from .. import __version__
from ..kb.enrich import MitreRef
from ..model.schema import Element, Model
from ..result import Result, RuleInfo, Threat
from ..typing_runtime import Any
from .clock import FIXED_TIMESTAMP, report_time
from .indented_json import dumps_indented

__all__ = ["FIXED_TIMESTAMP", "STIX_NAMESPACE", "render_stix", "stix_bundle"]

STIX_NAMESPACE = uuid.UUID("6f0f4f7e-2c1c-5a52-9a4e-7c1a3b8a1d01")  # tmlogic's own uuid5 namespace
_CONFIDENCE = {"low": 15, "medium": 50, "high": 85}
# Properties after the common ones (type, spec_version, id, created_by_ref, created, modified),
# in the specification's order.
_PROPERTIES = {
    "identity": ("name", "description", "roles", "identity_class"),
    "relationship": ("relationship_type", "description", "source_ref", "target_ref"),
    "infrastructure": ("name", "description", "infrastructure_types", "aliases", "kill_chain_phases"),
    "attack-pattern": ("name", "description", "aliases", "kill_chain_phases"),
    "course-of-action": ("name", "description"),
    "vulnerability": ("name", "description"),
}
_TRAILING = ("revoked", "labels", "confidence", "lang", "external_references")
_NESTED = ("source_name", "description", "url", "external_id", "kill_chain_name", "phase_name")  # sub-object keys

StixObject = dict[str, Any]
_NAMESPACE_BYTES = STIX_NAMESPACE.bytes


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(STIX_NAMESPACE, name))`, without building a UUID object for each of the
    bundle's thousands of ids: the first 16 bytes of the SHA-1, with version 5 and RFC 4122's variant."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Builder:
    def __init__(self, result: Result) -> None:
        self.result = result
        self.model = result.model
        self.scope = self.model.title or Path(self.model.path).name
        when = report_time()
        self.stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        self.objects: dict[str, StixObject] = {}
        self.ids: dict[tuple[str, ...], str] = {}  # most objects are named again by every threat they concern
        # Files named as in the project (root file name, submodels relative to it), not as on disk,
        # so the bundle does not depend on the folder tmlogic ran in.
        self.file_of = {m.path: (m.id_prefix.rstrip("#") or Path(m.path).name) for m in self.model.all_models()}
        self.identity = self.add(self.make(
            "identity", self.id("identity", "tmlogic"), by_us=False, name="tmlogic", identity_class="system",
            description=f"tmlogic {__version__}: threat modeling as code on a logic engine."))

    def id(self, kind: str, *key: str) -> str:
        name = (kind, *key)
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = f"{kind}--{uuid5_text(chr(31).join(name))}"
        return found

    def make(self, kind: str, stix_id: str, by_us: bool = True, **properties: Any) -> StixObject:
        """An object of `kind` with its properties in the specification's order (None: left out)."""
        obj: StixObject = {"type": kind, "spec_version": "2.1", "id": stix_id}
        if by_us:
            obj["created_by_ref"] = self.identity["id"]
        obj["created"] = obj["modified"] = self.stamp
        for name in _PROPERTIES[kind] + _TRAILING:
            value = properties.pop(name, None)
            if name in ("external_references", "kill_chain_phases") and value is not None:
                value = [{k: item[k] for k in _NESTED if k in item} for item in value]
            if value is not None:
                obj[name] = value
        assert not properties, f"unknown {kind} properties: {sorted(properties)}"
        return obj

    def add(self, obj: StixObject) -> StixObject:
        return self.objects.setdefault(obj["id"], obj)

    def relate(self, source: str, kind: str, target: str) -> None:
        stix_id = self.id("relationship", source, kind, target)
        if stix_id not in self.objects:  # the first one stays (add)
            self.add(self.make("relationship", stix_id, relationship_type=kind, source_ref=source, target_ref=target))

    # -- the architecture --------------------------------------------------------------------

    def infrastructure(self, key: str, name: str, description: str, kind: str = "unknown") -> str:
        obj = self.add(self.make("infrastructure", self.id("infrastructure", self.scope, key), name=name,
                                 description=description, infrastructure_types=[kind]))
        return str(obj["id"])

    def architecture(self) -> dict[str, str]:
        """Model id -> STIX id of every element and boundary; flows become relationships."""
        system = self.infrastructure("", self.scope, self.model.description or f"The system modelled in {self.scope}.")
        stix_of: dict[str, str] = {"": system}
        for m in self.model.all_models():
            for b in m.boundaries:
                trust = "trusted" if b.trusted else "untrusted"
                stix_of[b.id] = self.infrastructure(b.id, b.name,
                                                    f"{trust.capitalize()} zone '{b.name}' ({self.file_of[m.path]}).")
            for e in m.elements:
                what = e.kind + (f", {e.type}" if e.type else "")
                stix_of[e.id] = self.infrastructure(e.id, e.name, f"{what} '{e.name}' ({self.file_of[m.path]}).", _infra_type(e))
        for m in self.model.all_models():
            parent = next((p for p, sub in self._parents() if sub is m), "")
            for b in m.boundaries:
                self.relate(stix_of[b.parent] if b.parent in stix_of else stix_of[parent], "consists-of", stix_of[b.id])
            for e in m.elements:
                owner = stix_of[e.boundary] if e.boundary in stix_of else stix_of[parent]
                self.relate(owner, "consists-of", stix_of[e.id])
            for f in m.flows:
                if f.source in stix_of and f.target in stix_of:
                    self.relate(stix_of[f.source], "communicates-with", stix_of[f.target])
        return stix_of

    def _parents(self) -> list[tuple[str, Model]]:
        return [(p, sub) for m in self.model.all_models() for p, sub in m.submodels]

    # -- the threats -------------------------------------------------------------------------

    def attack_pattern(self, info: RuleInfo, threat: Threat) -> str:
        chain = threat.chain
        key = _key(info, threat)
        refs = [{"source_name": "tmlogic", "external_id": info.id, "description": info.title}]
        refs += [_ref("capec", r) for r in chain.capec]
        refs += [_ref("mitre-attack", r) for r in chain.techniques]
        phases = [{"kill_chain_name": "mitre-attack", "phase_name": r.name.lower().replace(" ", "-")}
                  for r in chain.tactics if r.name]
        obj = self.add(self.make(
            "attack-pattern", self.id("attack-pattern", key), name=info.title,
            description=info.description or info.message, external_references=refs,
            labels=[f"stride:{info.stride.lower()}"] if info.stride else None, kill_chain_phases=phases or None))
        return str(obj["id"])

    def courses_of_action(self, info: RuleInfo, threat: Threat) -> list[str]:
        out = []
        if info.mitigation:
            out.append(self.add(self.make(
                "course-of-action", self.id("course-of-action", _key(info, threat)), name=f"Mitigate {info.id}: {info.title}",
                description=info.mitigation,
                external_references=[{"source_name": "tmlogic", "external_id": info.id}]))["id"])
        for m in threat.chain.mitigations:
            stix_id = self.id("course-of-action", m.id)
            if stix_id not in self.objects:  # the first one stays (add)
                self.add(self.make("course-of-action", stix_id, name=m.name or m.id,
                                   external_references=[_ref("mitre-attack", m)]))
            out.append(stix_id)
        return [str(i) for i in out]

    def vulnerability(self, t: Threat) -> str:
        chain = t.chain
        where = f"{self.file_of.get(t.location.path, Path(t.location.path).name)}:{t.location.line}"
        refs = [{"source_name": "tmlogic", "external_id": t.id, "description": f"{t.rule.id} at {where}"}]
        refs += [_ref("cwe", r) for r in chain.cwe]
        s = t.severity
        description = (f"{t.message}\n\nSeverity: {s.level} ({s.score:.1f}/10; impact {s.impact}, likelihood "
                       f"{s.likelihood}). STRIDE: {t.rule.stride}. Model line: {where}.")
        if t.suppression is not None:
            description += f"\n\nAccepted in the model: {t.suppression.reason}"
        labels = [f"severity:{s.level}", f"stride:{t.rule.stride.lower()}"] + (["accepted"] if t.suppression else [])
        obj = self.add(self.make(
            "vulnerability", self.id("vulnerability", self.scope, t.id), name=f"{t.rule.id}: {', '.join(t.target_names)}",
            description=description, external_references=refs, labels=labels,
            confidence=_CONFIDENCE.get(t.rule.confidence, 50)))
        return str(obj["id"])

    def build(self) -> StixObject:
        stix_of = self.architecture()
        endpoints = {f.id: (f.source, f.target) for m in self.model.all_models() for f in m.flows}
        for t in self.result.threats:
            pattern = self.attack_pattern(t.rule, t)
            vuln = self.vulnerability(t)
            self.relate(pattern, "targets", vuln)
            for coa in self.courses_of_action(t.rule, t):
                self.relate(coa, "mitigates", pattern)
                self.relate(coa, "mitigates", vuln)
            holders = [stix_of[x] for target in t.targets for x in (target, *endpoints.get(target, ())) if x in stix_of]
            for holder in dict.fromkeys(holders or [stix_of[""]]):
                self.relate(holder, "has", vuln)
        objects = sorted(self.objects.values(), key=lambda o: (_ORDER.get(o["type"], 99), o["id"]))
        return {"type": "bundle", "id": self.id("bundle", self.scope, *self.result.kb_versions), "objects": objects}


def _key(info: RuleInfo, threat: Threat) -> str:
    """A rule's objects are shared by its threats; each hand-written threat (MANUAL) has its own."""
    return info.id if info.rule is not None else f"{info.id}:{threat.id}"


def _infra_type(e: Element) -> str:
    """The infrastructure-type-ov word for an element, by its type; "unknown" otherwise."""
    words = set((e.type or "").split("-"))
    if words & {"firewall", "waf"} or (e.type or "").startswith("protocol-break"):
        return "firewall"
    if words & {"switch", "router"}:
        return "routers-switches"
    if words & {"workstation", "laptop", "desktop"}:
        return "workstation"
    if words & {"plc", "scada", "ics", "hmi"}:
        return "control-system"
    return "unknown"


_ORDER = {"identity": 0, "infrastructure": 1, "attack-pattern": 2, "course-of-action": 3, "vulnerability": 4,
          "relationship": 5}


def _ref(source: str, ref: MitreRef) -> dict[str, str]:
    out = {"source_name": source, "external_id": ref.id}
    if ref.url:
        out["url"] = ref.url
    if ref.name:
        out["description"] = ref.name
    return out


def stix_bundle(result: Result) -> StixObject:
    """The bundle as plain data (JSON-ready dictionaries and lists)."""
    return _Builder(result).build()


def render_stix(result: Result) -> str:
    """The bundle as indented JSON."""
    return dumps_indented(stix_bundle(result)) + "\n"
