"""Regenerate the knowledge-base test fixtures from the official files (not run by the tests).

    python tests/data/kb/make_fixtures.py ../shared/kb/raw

The fixtures are MITRE's own objects, trimmed of their prose, around one chain:
CAPEC-565 Password Spraying -> T1110.003 (sub-technique of T1110) -> M1032, M1036, M1027 ->
TA0006, plus a few objects picked for the cases the builder must handle. Every change made
to the official data is marked "crafted" below; d3fend-fixture.ttl is written by hand.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

TECHNIQUES = {"T1110", "T1110.003", "T1040", "T1111", "T1113", "T1574", "T1574.001", "T1574.002",  # T1574.002: revoked
              "T1064"}  # T1064 Scripting: deprecated
MITIGATIONS = {"M1027", "M1032", "M1036", "M1041"}
DEPRECATED_MITIGATION = "T1110"  # the old course-of-action named after the technique (deprecated)
CAPEC = {"CAPEC-112", "CAPEC-157", "CAPEC-158", "CAPEC-565", "CAPEC-641", "CAPEC-648", "CAPEC-409"}  # 409: deprecated
CAPEC_XML = {"112", "565", "641"}
CWE = {"262", "263", "267", "307", "308", "309", "311", "319", "326", "330", "521", "706", "1187"}  # 1187: deprecated
# CWE-654 is left out on purpose: CAPEC-565 lists it, so the build must report a dangling reference.
KEEP_ATTACK = ("type", "id", "created", "modified", "name", "external_references", "kill_chain_phases", "revoked",
               "x_mitre_deprecated", "x_mitre_is_subtechnique", "x_mitre_shortname", "x_mitre_domains",
               "x_mitre_version", "x_mitre_attack_spec_version", "relationship_type", "source_ref", "target_ref",
               "spec_version", "object_marking_refs", "created_by_ref")
KEEP_CAPEC = ("type", "id", "created", "modified", "name", "external_references", "spec_version", "x_capec_abstraction",
              "x_capec_consequences", "x_capec_likelihood_of_attack", "x_capec_status", "x_capec_version",
              "x_capec_typical_severity", "created_by_ref", "object_marking_refs")


def _ext(obj: dict, source: str) -> str | None:
    for ref in obj.get("external_references") or ():
        if ref.get("source_name") == source:
            return ref.get("external_id")
    return None


def _trim(obj: dict, keep: tuple[str, ...]) -> dict:
    out = {k: v for k, v in obj.items() if k in keep}
    if "external_references" in out:  # the id reference and the catalogue links; no citations
        out["external_references"] = [{k: v for k, v in r.items() if k != "description"}
                                      for r in out["external_references"]
                                      if r.get("source_name") in ("mitre-attack", "capec", "cwe", "ATTACK")]
    return out


def attack(raw: Path) -> None:
    bundle = json.loads((raw / "attack" / "enterprise-attack-18.1-core.json").read_text(encoding="utf-8"))
    keep: list[dict] = []
    ids: set[str] = set()
    for obj in bundle["objects"]:
        ext = _ext(obj, "mitre-attack")
        wanted = (obj["type"] == "attack-pattern" and ext in TECHNIQUES
                  or obj["type"] == "course-of-action" and (ext in MITIGATIONS or ext == DEPRECATED_MITIGATION)
                  or obj["type"] in ("x-mitre-tactic", "identity", "marking-definition"))
        if wanted:
            keep.append(_trim(obj, KEEP_ATTACK))
            ids.add(obj["id"])
    for obj in bundle["objects"]:
        if obj["type"] == "relationship" and obj["source_ref"] in ids and obj["target_ref"] in ids:
            keep.append(_trim(obj, KEEP_ATTACK))
    old = next(o for o in keep if o["type"] == "course-of-action" and _ext(o, "mitre-attack") == DEPRECATED_MITIGATION)
    brute = next(o for o in keep if o["type"] == "attack-pattern" and _ext(o, "mitre-attack") == "T1110")
    m1032 = next(o for o in keep if _ext(o, "mitre-attack") == "M1032")
    keep += [
        # crafted: a mitigates link from the deprecated mitigation, which the build must skip
        {"type": "relationship", "id": "relationship--00000000-0000-4000-8000-000000000001",
         "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
         "relationship_type": "mitigates", "source_ref": old["id"], "target_ref": brute["id"]},
        # crafted: a relationship to an object that is not in the bundle, which the build must report
        {"type": "relationship", "id": "relationship--00000000-0000-4000-8000-000000000002",
         "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
         "relationship_type": "mitigates", "source_ref": m1032["id"],
         "target_ref": "attack-pattern--00000000-0000-4000-8000-00000000dead"},
        # crafted: the collection object of attack-stix-data, which carries the version
        {"type": "x-mitre-collection", "id": "x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019",
         "created": "2018-01-17T12:56:55.080Z", "modified": "2025-11-13T00:00:00.000Z",
         "name": "Enterprise ATT&CK (test fixture)", "x_mitre_version": "18.1", "spec_version": "2.1"},
    ]
    out = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000a1", "spec_version": "2.0",
           "objects": sorted(keep, key=lambda o: (o["type"], o["id"]))}
    (HERE / "enterprise-attack-fixture.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def capec(raw: Path) -> None:
    bundle = json.loads((raw / "capec" / "stix-capec-3.9.json").read_text(encoding="utf-8"))
    keep = [_trim(o, KEEP_CAPEC) for o in bundle["objects"]
            if o["type"] == "attack-pattern" and _ext(o, "capec") in CAPEC
            or o["type"] in ("identity", "marking-definition")]
    out = {"type": "bundle", "id": "bundle--capec-fixture", "objects": sorted(keep, key=lambda o: (o["type"], o["id"]))}
    (HERE / "stix-capec-fixture.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    text = (raw / "capec" / "CAPEC_VIEW_658_ATTACK_Related_Patterns_v3.9.xml").read_text(encoding="utf-8")
    head = text[: text.index("<Attack_Patterns>")]
    patterns = []
    for match in re.finditer(r'      <Attack_Pattern [^>]*ID="(\d+)".*?</Attack_Pattern>', text, re.DOTALL):
        if match.group(1) not in CAPEC_XML:
            continue
        block = match.group(0)
        opening = block[: block.index(">") + 1]
        parts = [opening]
        for tag in ("Likelihood_Of_Attack", "Typical_Severity", "Consequences", "Related_Weaknesses", "Taxonomy_Mappings"):
            found = re.search(rf"\s*<{tag}>.*?</{tag}>", block, re.DOTALL)
            if found:
                parts.append(found.group(0))
        parts.append("\n      </Attack_Pattern>")
        patterns.append("".join(parts))
    xml = head + "<Attack_Patterns>\n" + "\n".join(patterns) + "\n   </Attack_Patterns>\n</Attack_Pattern_Catalog>\n"
    (HERE / "capec-fixture.xml").write_text(xml, encoding="utf-8")


def cwe(raw: Path) -> None:
    text = (raw / "cwe" / "cwec_v4.14.xml").read_text(encoding="utf-8")
    head = text[: text.index("<Weaknesses>")]
    capec_numbers = {c.split("-")[1] for c in CAPEC}
    out = []
    for match in re.finditer(r'      <Weakness ID="(\d+)".*?</Weakness>', text, re.DOTALL):
        if match.group(1) not in CWE:
            continue
        block = match.group(0)
        opening = block[: block.index(">") + 1]
        related = [c for c in re.findall(r'CAPEC_ID="(\d+)"', block) if c in capec_numbers]
        if match.group(1) == "307":
            related.append("16")  # official: CWE-307 lists CAPEC-16, which is not in the fixture -> reported
        if match.group(1) == "319":
            related.append("158")  # crafted: a pair only the CWE side lists -> reported, kept
        parts = [opening]
        description = re.search(r"\s*<Description>.*?</Description>", block, re.DOTALL)
        if description:
            parts.append(description.group(0))
        if related:
            parts.append("\n         <Related_Attack_Patterns>")
            parts += [f'\n            <Related_Attack_Pattern CAPEC_ID="{c}"/>' for c in sorted(set(related), key=int)]
            parts.append("\n         </Related_Attack_Patterns>")
        parts.append("\n      </Weakness>")
        out.append("".join(parts))
    xml = head + "<Weaknesses>\n" + "\n".join(out) + "\n   </Weaknesses>\n</Weakness_Catalog>\n"
    (HERE / "cwec-fixture.xml").write_text(xml, encoding="utf-8")


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "kb" / "raw")
    attack(source)
    capec(source)
    cwe(source)
