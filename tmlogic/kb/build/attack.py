"""ATT&CK from its STIX bundle: techniques, tactics, mitigations, and the links between them.

Revoked objects (`revoked: true`) and deprecated ones (`x_mitre_deprecated: true`) are left
out, and so is every relationship that touches one. `revoked-by` relationships are kept as a
map from the revoked id to its replacement, so references from other catalogues (CAPEC,
D3FEND) to a revoked technique can be reported with what replaced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...typing_runtime import Any
from ..errors import KbError, KbWarning
from .read import read_stix_objects, version_from_name

__all__ = ["HINT", "AttackData", "read_attack"]

HINT = ("give the ATT&CK Enterprise STIX bundle, e.g. enterprise-attack-18.1.json from "
        "https://github.com/mitre-attack/attack-stix-data, or the enterprise-attack/ folder of mitre/cti")


@dataclass
class AttackData:
    source: str
    version: str | None
    techniques: dict[str, str] = field(default_factory=dict)  # T1110.003 -> name
    tactics: dict[str, tuple[str, str]] = field(default_factory=dict)  # TA0006 -> (shortname, name)
    technique_tactic: set[tuple[str, str]] = field(default_factory=set)
    subtechnique_of: set[tuple[str, str]] = field(default_factory=set)
    mitigations: dict[str, str] = field(default_factory=dict)  # M1032 -> name
    mitigates: set[tuple[str, str]] = field(default_factory=set)  # (mitigation, technique)
    revoked: dict[str, str | None] = field(default_factory=dict)  # revoked id -> replacement id (if known)
    deprecated: set[str] = field(default_factory=set)  # ids of deprecated techniques and mitigations
    skipped: dict[str, int] = field(default_factory=dict)  # what was filtered out, for the manifest
    warnings: list[KbWarning] = field(default_factory=list)

    def label(self) -> str:
        return f"ATT&CK {self.version}" if self.version else "ATT&CK"

    def resolve(self, technique: str) -> tuple[str | None, str]:
        """A technique id as referenced elsewhere -> (the live id to use or None, why not as given)."""
        if technique in self.techniques:
            return technique, ""
        seen = {technique}
        current: str | None = technique
        while current is not None and current in self.revoked:
            current = self.revoked[current]
            if current is None or current in seen:
                return None, f"revoked in {self.label()} with no live replacement"
            seen.add(current)
            if current in self.techniques:
                return current, f"revoked in {self.label()}, replaced by {current}"
        if current != technique:
            return None, f"revoked in {self.label()}; its replacement {current} is not live either"
        if technique in self.deprecated:
            return None, f"deprecated in {self.label()}"
        return None, f"not in {self.label()}"


def _attack_id(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("external_references") or ():
        if isinstance(ref, dict) and ref.get("source_name") in ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"):
            ext = ref.get("external_id")
            if isinstance(ext, str):
                return ext
    return None


def _name(obj: dict[str, Any]) -> str:
    return " ".join(str(obj.get("name") or "").split())


def _dead(obj: dict[str, Any]) -> bool:
    return bool(obj.get("revoked")) or bool(obj.get("x_mitre_deprecated"))


def _bump(data: AttackData, key: str) -> None:
    data.skipped[key] = data.skipped.get(key, 0) + 1


def read_attack(path: Path) -> AttackData:
    objects = read_stix_objects(path, "ATT&CK bundle", HINT)
    version = None
    for obj in objects:
        if obj["type"] == "x-mitre-collection" and isinstance(obj.get("x_mitre_version"), str):
            version = obj["x_mitre_version"]
    data = AttackData(str(path), version or version_from_name(path))
    by_stix: dict[str, tuple[str, dict[str, Any]]] = {}  # stix id -> (ATT&CK id, object), live or not
    shortnames: dict[str, str] = {}
    for obj in sorted(objects, key=lambda o: (o["id"], str(o.get("modified", "")))):
        kind = obj["type"]
        if kind not in ("attack-pattern", "course-of-action", "x-mitre-tactic"):
            continue
        ext = _attack_id(obj)
        if ext is None:
            continue
        by_stix[obj["id"]] = (ext, obj)
        if _dead(obj):
            _bump(data, f"{kind} revoked" if obj.get("revoked") else f"{kind} deprecated")
            if kind == "attack-pattern" and not obj.get("revoked"):
                data.deprecated.add(ext)
            continue
        table = {"attack-pattern": data.techniques, "course-of-action": data.mitigations}.get(kind)
        if kind == "x-mitre-tactic":
            short = str(obj.get("x_mitre_shortname") or "")
            data.tactics[ext] = (short, _name(obj))
            shortnames[short] = ext
        elif table is not None:
            if ext in table:
                data.warnings.append(KbWarning(str(path), f"{ext} is defined twice as a live object; keeping the first"))
                continue
            table[ext] = _name(obj)
    if not data.techniques:
        raise KbError(path, "holds no live ATT&CK techniques (attack-pattern objects with a mitre-attack id)", HINT)
    live_stix = {sid for sid, (ext, obj) in by_stix.items() if not _dead(obj)}

    for obj in objects:
        if obj["type"] == "attack-pattern" and obj["id"] in live_stix:
            ext = by_stix[obj["id"]][0]
            for phase in obj.get("kill_chain_phases") or ():
                if not isinstance(phase, dict) or not str(phase.get("kill_chain_name", "")).startswith("mitre-"):
                    continue
                short = str(phase.get("phase_name", ""))
                if short in shortnames:
                    data.technique_tactic.add((ext, shortnames[short]))
                else:
                    data.warnings.append(KbWarning(str(path), f'{ext} names the kill-chain phase "{short}", '
                                                   "which no tactic in the bundle has; phase dropped"))

    for obj in objects:
        if obj["type"] != "relationship":
            continue
        rel = obj.get("relationship_type")
        source, target = by_stix.get(str(obj.get("source_ref"))), by_stix.get(str(obj.get("target_ref")))
        if rel == "revoked-by":
            if source is not None:
                data.revoked[source[0]] = target[0] if target is not None else None
            continue
        if rel not in ("mitigates", "subtechnique-of"):
            continue
        if _dead(obj):
            _bump(data, f"{rel} relationship revoked or deprecated")
            continue
        if source is None or target is None:
            missing = obj.get("source_ref") if source is None else obj.get("target_ref")
            data.warnings.append(KbWarning(str(path), f"{rel} relationship {obj['id']} points at {missing}, "
                                           "which is not in the bundle; relationship dropped"))
            continue
        if obj["source_ref"] not in live_stix or obj["target_ref"] not in live_stix:
            _bump(data, f"{rel} relationship to a revoked or deprecated object")
            continue
        if rel == "mitigates":
            if source[1]["type"] == "course-of-action" and target[1]["type"] == "attack-pattern":
                data.mitigates.add((source[0], target[0]))
        elif source[1]["type"] == "attack-pattern" and target[1]["type"] == "attack-pattern":
            data.subtechnique_of.add((source[0], target[0]))
    # A revoked id that is live again under the same id is not revoked.
    for ext in list(data.revoked):
        if ext in data.techniques or ext in data.mitigations:
            del data.revoked[ext]
    return data
