"""CAPEC from its STIX 2.1 bundle (stix-capec.json) or its XML catalogue (capec_latest.xml, or a view).

Both give, per attack pattern: name, status, abstraction, likelihood, consequence scopes,
related weaknesses (CWE) and taxonomy mappings to ATT&CK. Deprecated patterns (status
"Deprecated", or `revoked`) are left out. When both files are given they are merged, and
every pattern on which they disagree is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...typing_runtime import Any
from ..errors import KbError, KbWarning
from .read import local, read_stix_objects, read_xml

__all__ = ["STIX_HINT", "XML_HINT", "CapecData", "Pattern", "merge_capec", "read_capec_stix", "read_capec_xml"]

STIX_HINT = ("give CAPEC's STIX bundle, e.g. stix-capec.json from https://github.com/mitre/cti "
             "(capec/2.1/stix-capec.json), or the capec/2.1/ folder")
XML_HINT = "give CAPEC's XML catalogue, e.g. capec_latest.xml from https://capec.mitre.org/data/xml/"
_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")


@dataclass
class Pattern:
    name: str
    abstraction: str = ""  # Meta, Standard or Detailed
    likelihood: str = ""  # High, Medium, Low (or empty)
    scopes: set[str] = field(default_factory=set)
    cwes: set[str] = field(default_factory=set)
    techniques: set[str] = field(default_factory=set)


@dataclass
class CapecData:
    sources: list[str]
    version: str | None
    patterns: dict[str, Pattern] = field(default_factory=dict)  # CAPEC-565 -> Pattern
    deprecated: set[str] = field(default_factory=set)
    warnings: list[KbWarning] = field(default_factory=list)


def _scope(text: str) -> str:
    """Consequence scopes as STIX writes them: "Access Control" -> "Access_Control"."""
    return "_".join(text.split())


def _technique(raw: str, where: str, capec: str, warnings: list[KbWarning]) -> str | None:
    text = raw.strip()
    if not text.upper().startswith("T"):
        text = "T" + text
    if _TECHNIQUE.fullmatch(text):
        return text
    warnings.append(KbWarning(where, f'{capec} maps to ATT&CK entry "{raw}", which is not a technique id; dropped'))
    return None


def read_capec_stix(path: Path) -> CapecData:
    objects = read_stix_objects(path, "CAPEC STIX bundle", STIX_HINT)
    data = CapecData([str(path)], None)
    versions: set[str] = set()
    for obj in sorted(objects, key=lambda o: o["id"]):
        if obj["type"] != "attack-pattern":
            continue
        capec = next((r.get("external_id") for r in obj.get("external_references") or ()
                      if isinstance(r, dict) and r.get("source_name") == "capec"), None)
        if not isinstance(capec, str):
            continue
        if isinstance(obj.get("x_capec_version"), str):
            versions.add(obj["x_capec_version"])
        if obj.get("revoked") or obj.get("x_capec_status") == "Deprecated":
            data.deprecated.add(capec)
            continue
        pattern = Pattern(" ".join(str(obj.get("name") or "").split()), str(obj.get("x_capec_abstraction") or ""),
                          str(obj.get("x_capec_likelihood_of_attack") or ""))
        consequences = obj.get("x_capec_consequences")
        if isinstance(consequences, dict):
            pattern.scopes = {_scope(k) for k in consequences}
        for ref in obj.get("external_references") or ():
            if not isinstance(ref, dict) or not isinstance(ref.get("external_id"), str):
                continue
            if ref.get("source_name") == "cwe":
                pattern.cwes.add(ref["external_id"].strip())
            elif ref.get("source_name") == "ATTACK":
                technique = _technique(ref["external_id"], str(path), capec, data.warnings)
                if technique:
                    pattern.techniques.add(technique)
        if capec in data.patterns:
            data.warnings.append(KbWarning(str(path), f"{capec} is defined twice; keeping the first"))
            continue
        data.patterns[capec] = pattern
    if not data.patterns and not data.deprecated:
        raise KbError(path, "holds no CAPEC attack patterns (attack-pattern objects with a capec id)", STIX_HINT)
    data.version = ", ".join(sorted(versions)) or None
    return data


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if local(child.tag) == name]


def _child_text(element: Any, name: str) -> str:
    for child in element:
        if local(child.tag) == name:
            return " ".join((child.text or "").split())
    return ""


def read_capec_xml(path: Path) -> CapecData:
    root = read_xml(path, "Attack_Pattern_Catalog", "CAPEC XML catalogue", XML_HINT)
    data = CapecData([str(path)], root.get("Version"))
    for container in _children(root, "Attack_Patterns"):
        for ap in _children(container, "Attack_Pattern"):
            capec = f"CAPEC-{ap.get('ID', '').strip()}"
            if ap.get("Status") == "Deprecated":
                data.deprecated.add(capec)
                continue
            pattern = Pattern(" ".join((ap.get("Name") or "").split()), ap.get("Abstraction") or "",
                              _child_text(ap, "Likelihood_Of_Attack"))
            for group in _children(ap, "Consequences"):
                for consequence in _children(group, "Consequence"):
                    pattern.scopes |= {_scope(s.text or "") for s in _children(consequence, "Scope") if (s.text or "").strip()}
            for group in _children(ap, "Related_Weaknesses"):
                for weakness in _children(group, "Related_Weakness"):
                    if weakness.get("CWE_ID"):
                        pattern.cwes.add(f"CWE-{weakness.get('CWE_ID').strip()}")
            for group in _children(ap, "Taxonomy_Mappings"):
                for mapping in _children(group, "Taxonomy_Mapping"):
                    entry = _child_text(mapping, "Entry_ID")
                    if mapping.get("Taxonomy_Name") == "ATTACK" and entry:
                        technique = _technique(entry, str(path), capec, data.warnings)
                        if technique:
                            pattern.techniques.add(technique)
            data.patterns.setdefault(capec, pattern)
    if not data.patterns and not data.deprecated:
        raise KbError(path, "holds no <Attack_Pattern> elements", XML_HINT)
    return data


def merge_capec(first: CapecData, second: CapecData) -> CapecData:
    """One catalogue from two readings (STIX and XML): the union, with every disagreement reported."""
    merged = CapecData(first.sources + second.sources, first.version or second.version,
                       deprecated=first.deprecated | second.deprecated,
                       warnings=first.warnings + second.warnings)
    where = second.sources[0]
    if first.version and second.version and first.version != second.version:
        merged.warnings.append(KbWarning(where, f"CAPEC version {second.version} differs from {first.version} "
                                         f"in {Path(first.sources[0]).name}"))
    for capec in sorted(set(first.patterns) | set(second.patterns), key=_capec_number):
        a, b = first.patterns.get(capec), second.patterns.get(capec)
        if a is None or b is None:
            only = a or b
            assert only is not None
            if capec in merged.deprecated:
                merged.warnings.append(KbWarning(where, f"{capec} is deprecated in one file and live in the other; "
                                                 "left out"))
                continue
            merged.patterns[capec] = only
            continue
        for label, left, right in (("consequence scopes", a.scopes, b.scopes), ("CWE ids", a.cwes, b.cwes),
                                   ("ATT&CK ids", a.techniques, b.techniques)):
            if left != right:
                merged.warnings.append(KbWarning(where, f"{capec}: the two CAPEC files list different {label} "
                                                 f"({', '.join(sorted(left ^ right))}); keeping both"))
        if a.name != b.name:
            merged.warnings.append(KbWarning(where, f'{capec} is named "{b.name}" here and "{a.name}" in '
                                             f"{Path(first.sources[0]).name}; keeping the latter"))
        merged.patterns[capec] = Pattern(a.name, a.abstraction or b.abstraction, a.likelihood or b.likelihood,
                                         a.scopes | b.scopes, a.cwes | b.cwes, a.techniques | b.techniques)
    return merged


def _capec_number(capec: str) -> tuple[int, str]:
    digits = capec.rsplit("-", 1)[-1]
    return (int(digits), capec) if digits.isdigit() else (-1, capec)
