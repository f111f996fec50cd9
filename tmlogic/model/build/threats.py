"""Hand-written threats: the `## Threats` section (`threats:` in YAML).

    ## Threats
    - **Accessing DB credentials**: target="Worker Config", stride=InformationDisclosure, severity=high,
      status=open, description="...", mitigation="Encrypt the credentials."

Each entry needs a target (an element, flow, boundary or data asset of the same model) and a
STRIDE category; severity defaults to medium, likelihood to likely, status to open. A name may
repeat on different targets ("Spoofing" on two actors), not on the same one. The stable threat
id (analysis.py) hashes the target with the `id` key when given (Threat Dragon's and OTM's own
ids), else with the slug of the name, so tracking and baselines follow the threat across edits.
"""

from __future__ import annotations

import re

from ..._errors import Note
from ...lazy import lazy_pattern
from ...typing_runtime import TYPE_CHECKING
from ..raw import RawAttr, RawEntry
from ..schema import ManualThreat, Value
from ..vocabulary import slug

if TYPE_CHECKING:
    from .entries import EntryChecker

__all__ = ["build_threats", "STRIDE_NAMES"]

STRIDE_NAMES = {"spoofing": "Spoofing", "tampering": "Tampering", "repudiation": "Repudiation",
                "information-disclosure": "InformationDisclosure", "denial-of-service": "DenialOfService",
                "elevation-of-privilege": "ElevationOfPrivilege"}
_REF = {"cwe": lazy_pattern(r"CWE-[0-9]+"), "capec": lazy_pattern(r"CAPEC-[0-9]+")}
_CONSUMED = frozenset({"target", "stride", "severity", "likelihood", "status", "description", "mitigation", "id",
                       "cwe", "capec"})


def _ids(builder: "EntryChecker", entry: RawEntry, special: dict[str, tuple[RawAttr, Value]], key: str) -> tuple[str, ...]:
    raw = special.get(key)
    if raw is None or not isinstance(raw[1], list):
        return ()
    out: list[str] = []
    for item in raw[1]:
        text = str(item).strip().upper()
        if text.isdigit():
            text = f"{key.upper()}-{text}"
        if not _REF[key].fullmatch(text):
            builder.bag.error(entry.span, f"'{item}' is not a {key.upper()} id", "bad-value",
                              f"write {key}=[\"{key.upper()}-{'79' if key == 'cwe' else '66'}\"]")
            continue
        out.append(text)
    return tuple(dict.fromkeys(out))


def build_threats(builder: "EntryChecker", entries: list[RawEntry]) -> tuple[ManualThreat, ...]:
    targets = {**builder.boundary_ids, **builder.data_ids, **builder.flow_ids, **builder.element_ids}
    out: list[ManualThreat] = []
    first: dict[tuple[str, str], RawEntry] = {}
    for entry in entries:
        special, kept = builder.attrs(entry, "threats", _CONSUMED)
        target_raw = special.get("target")
        if target_raw is None or target_raw[1] in (None, ""):
            builder.bag.error(entry.span, f"threat '{entry.name}' has no target", "missing-key",
                              builder.fix("target", '"the element, flow, boundary or data asset it is about"'))
            continue
        attr, name = target_raw
        target = targets.get(str(name))
        if target is None:
            builder.unknown(attr.value_span, "element, flow, boundary or data asset", str(name), targets,
                            "unknown-element")
            continue
        stride = special.get("stride", (None, None))[1]
        if stride is None:
            builder.bag.error(entry.span, f"threat '{entry.name}' has no STRIDE category", "missing-key",
                              builder.fix("stride", "Tampering") + " (Spoofing, Tampering, Repudiation, "
                              "InformationDisclosure, DenialOfService or ElevationOfPrivilege)")
            continue
        key = str(special["id"][1]).strip() if special.get("id", (None, None))[1] else slug(entry.name) or "threat"
        if (target, key) in first:
            builder.bag.error(entry.span, f"threat '{entry.name}' is written twice for the same target",
                              "duplicate-name", "merge them, or give one another name or id",
                              [Note(first[(target, key)].span, "first declared here")])
            continue
        first[(target, key)] = entry

        def text(k: str) -> str | None:
            value = special.get(k, (None, None))[1]
            return str(value).strip() or None if value is not None else None

        out.append(ManualThreat(
            name=entry.name, target=target, stride=STRIDE_NAMES[str(stride)],
            severity=str(special.get("severity", (None, "medium"))[1] or "medium"),
            likelihood=str(special.get("likelihood", (None, "likely"))[1] or "likely"),
            status=str(special.get("status", (None, "open"))[1] or "open"),
            key=key, description=text("description"), mitigation=text("mitigation"),
            cwe=_ids(builder, entry, special, "cwe"), capec=_ids(builder, entry, special, "capec"),
            attrs=kept, span=entry.span))
    return tuple(out)
