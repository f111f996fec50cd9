"""CWE from its XML catalogue (cwec_vX.Y.xml): weaknesses and the attack patterns they list.

Only weaknesses are read: categories and views group weaknesses and are not what a rule
should cite (MITRE's mapping guidance). Deprecated weaknesses are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KbError
from .read import local, read_xml, version_from_name

__all__ = ["HINT", "CweData", "read_cwe"]

HINT = "give the CWE XML catalogue, e.g. cwec_v4.14.xml from https://cwe.mitre.org/data/xml/cwec_latest.xml.zip"


@dataclass
class CweData:
    source: str
    version: str | None
    date: str | None
    weaknesses: dict[str, str] = field(default_factory=dict)  # CWE-307 -> name
    deprecated: set[str] = field(default_factory=set)
    capec: set[tuple[str, str]] = field(default_factory=set)  # (CAPEC-565, CWE-307): Related_Attack_Patterns
    groups: dict[str, str] = field(default_factory=dict)  # CWE-310 -> "category", CWE-1000 -> "view"


def read_cwe(path: Path) -> CweData:
    root = read_xml(path, "Weakness_Catalog", "CWE XML catalogue", HINT)
    data = CweData(str(path), root.get("Version") or version_from_name(path), root.get("Date"))
    for container in root:
        if local(container.tag) in ("Categories", "Views"):
            for group in container:
                kind = local(group.tag).lower()
                if kind in ("category", "view") and group.get("ID"):
                    data.groups[f"CWE-{group.get('ID', '').strip()}"] = kind
        if local(container.tag) != "Weaknesses":
            continue
        for weakness in container:
            if local(weakness.tag) != "Weakness":
                continue
            cwe = f"CWE-{(weakness.get('ID') or '').strip()}"
            if weakness.get("Status") == "Deprecated":
                data.deprecated.add(cwe)
                continue
            data.weaknesses.setdefault(cwe, " ".join((weakness.get("Name") or "").split()))
            for group in weakness:
                if local(group.tag) != "Related_Attack_Patterns":
                    continue
                for related in group:
                    if local(related.tag) == "Related_Attack_Pattern" and related.get("CAPEC_ID"):
                        data.capec.add((f"CAPEC-{related.get('CAPEC_ID', '').strip()}", cwe))
    if not data.weaknesses:
        raise KbError(path, "holds no live <Weakness> elements", HINT)
    return data
