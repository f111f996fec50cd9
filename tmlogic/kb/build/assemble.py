"""Build the knowledge-base folder from MITRE's official files.

    ATT&CK STIX bundle  ─┐
    CAPEC STIX and/or XML ├─ read (attack, capec, cwe, d3fend modules) ─ resolve references ─ write
    CWE XML             ─┤   revoked/deprecated left out                 across catalogues     (store)
    D3FEND Turtle       ─┘   D3FEND -> ATT&CK inferred in Datalog

Resolving is where the catalogues meet: a CAPEC -> ATT&CK mapping, a D3FEND -> ATT&CK link
or a D3FEND -> mitigation link that points at an id the ATT&CK file does not have live is
reported as a warning. A revoked technique is replaced by what revoked it (ATT&CK's
`revoked-by`), anything else is dropped. CAPEC <-> CWE pairs are read from both sides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...typing_runtime import Any, TypeVar
from ..errors import KbError, KbWarning
from ..store import natural_key
from .attack import AttackData, read_attack
from .capec import CapecData, merge_capec, read_capec_stix, read_capec_xml
from .cwe import CweData, read_cwe
from .d3fend import D3fendData, read_d3fend
from .read import source_info
from .stride import STRIDE_SCOPES, stride_capec, stride_capec_default
from .write import write_folder

__all__ = ["SOURCE_NAMES", "BuildResult", "Sources", "build_kb", "build_tables"]

SOURCE_NAMES = ("attack", "capec", "capec_xml", "cwe", "d3fend")
Row = tuple[str, ...]
_Ref = TypeVar("_Ref", bound=Hashable)


@dataclass(frozen=True)
class Sources:
    """The official files to build from. At least one of capec (STIX) and capec_xml is needed.

    `versions` records a version for a source whose file does not carry one (the D3FEND
    source ontology has no owl:versionInfo), e.g. {"d3fend": "1.2.0"}; it wins over detection.
    """

    attack: Path
    cwe: Path
    d3fend: Path
    capec: Path | None = None
    capec_xml: Path | None = None
    versions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    tables: dict[str, set[Row]]
    manifest: dict[str, Any]
    warnings: tuple[KbWarning, ...]
    files: tuple[str, ...] = ()  # names written into the output folder

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in sorted(self.tables.items())}


def build_kb(sources: Sources, out: Path) -> BuildResult:
    """Read the sources, write the folder `out`, and return what was written with the warnings."""
    result = build_tables(sources)
    files, manifest = write_folder(out, result.tables, result.manifest, _notice(result.manifest))
    return BuildResult(result.tables, manifest, result.warnings, tuple(files))


def build_tables(sources: Sources) -> BuildResult:
    """Every relation of the knowledge base, the manifest (without per-file hashes) and the warnings."""
    if sources.capec is None and sources.capec_xml is None:
        raise KbError("--capec", "no CAPEC file given", "give --capec (STIX bundle) or --capec-xml (XML catalogue), or both")
    for name in sources.versions:
        if name not in SOURCE_NAMES:
            raise KbError(f"--source-version {name}", f'"{name}" is not a source', f"use one of: {', '.join(SOURCE_NAMES)}")
    attack = read_attack(sources.attack)
    capec = _read_capec(sources)
    cwe = read_cwe(sources.cwe)
    d3fend = read_d3fend(sources.d3fend)
    attack.version = sources.versions.get("attack") or attack.version
    cwe.version = sources.versions.get("cwe") or cwe.version
    d3fend.version = sources.versions.get("d3fend") or d3fend.version
    warnings: list[KbWarning] = attack.warnings + capec.warnings + d3fend.warnings

    tables: dict[str, set[Row]] = {}
    tables["technique"] = set(attack.techniques.items())
    tables["tactic"] = {(ta, short, name) for ta, (short, name) in attack.tactics.items()}
    tables["technique_tactic"] = set(attack.technique_tactic)
    tables["subtechnique_of"] = set(attack.subtechnique_of)
    tables["mitigation"] = set(attack.mitigations.items())
    tables["mitigation_technique"] = set(attack.mitigates)

    capec_source = str(sources.capec or sources.capec_xml)
    tables["capec"] = {(c, p.name) for c, p in capec.patterns.items()}
    tables["capec_scope"] = {(c, s) for c, p in capec.patterns.items() for s in p.scopes}
    tables["capec_technique"] = set[Row](_resolve_techniques(
        ((c, t) for c, p in capec.patterns.items() for t in p.techniques), attack, capec_source, warnings,
        lambda t, refs: f"CAPEC maps {_list(refs)} to ATT&CK {t}"))
    tables["capec_cwe"] = set[Row](_capec_cwe(capec, cwe, capec_source, warnings))
    tables["cwe"] = set(cwe.weaknesses.items())

    tables["d3fend"] = set(d3fend.techniques.items())
    counters = _resolve_techniques(
        (((d, a), t) for d, t, a in d3fend.counters), attack, str(sources.d3fend), warnings,
        lambda t, refs: f"D3FEND links {_list(d for d, _ in refs)} to ATT&CK {t} through artifacts")
    tables["d3fend_technique"] = {(d, t, a) for (d, a), t in counters}
    tables["artifact"] = {(a, d3fend.artifacts[a]) for _, _, a in tables["d3fend_technique"]}
    tables["mitigation_d3fend"] = set[Row](_resolve_mitigations(d3fend, attack, warnings))

    tables["unlisted_id"] = _unlisted(attack, capec, cwe)

    tables["stride_scope"] = {(s, scope) for s, scopes in STRIDE_SCOPES.items() for scope in scopes}
    tables["stride_capec"] = set[Row](stride_capec(capec.patterns))
    mapped_to_attack = {c for c, _ in tables["capec_technique"]}
    tables["stride_capec_default"] = set[Row](stride_capec_default(capec.patterns, mapped_to_attack))

    warnings = sorted(set(warnings), key=lambda w: (w.source, natural_key((w.message,))))
    manifest = _manifest(sources, attack, capec, cwe, d3fend, tables, warnings)
    return BuildResult(tables, manifest, tuple(warnings))


def _read_capec(sources: Sources) -> CapecData:
    stix = read_capec_stix(sources.capec) if sources.capec is not None else None
    xml = read_capec_xml(sources.capec_xml) if sources.capec_xml is not None else None
    capec = merge_capec(stix, xml) if stix is not None and xml is not None else (stix or xml)
    assert capec is not None
    if sources.versions.get("capec"):
        capec.version = sources.versions["capec"]
    return capec


def _list(items: Iterable[str]) -> str:
    items = sorted(set(items), key=lambda s: natural_key((s,)))
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _resolve_techniques(pairs: Iterable[tuple[_Ref, str]], attack: AttackData, source: str,
                        warnings: list[KbWarning], describe: Callable[[str, list[_Ref]], str]) -> set[tuple[_Ref, str]]:
    """Keep (ref, technique) pairs whose technique is live; remap revoked ones; report the rest once per id."""
    kept: set[tuple[_Ref, str]] = set()
    problems: dict[tuple[str, str, str | None], list[_Ref]] = defaultdict(list)
    for ref, technique in pairs:
        live, why = attack.resolve(technique)
        if live is not None:
            kept.add((ref, live))
        if why:
            problems[(technique, why, live)].append(ref)
    for (technique, why, live), refs in problems.items():
        outcome = f"kept as {live}" if live else ("link dropped" if len(refs) == 1 else "links dropped")
        warnings.append(KbWarning(source, f"{describe(technique, refs)}, which is {why}; {outcome}"))
    return kept


def _capec_cwe(capec: CapecData, cwe: CweData, source: str, warnings: list[KbWarning]) -> set[tuple[str, str]]:
    capec_side = {(c, w) for c, p in capec.patterns.items() for w in p.cwes}
    cwe_side = set(cwe.capec)
    version = f"CWE {cwe.version}" if cwe.version else "the CWE file"
    capec_version = f"CAPEC {capec.version}" if capec.version else "the CAPEC file"
    missing_cwe: dict[str, list[str]] = defaultdict(list)
    missing_capec: dict[str, list[str]] = defaultdict(list)
    kept: set[tuple[str, str]] = set()
    for c, w in sorted(capec_side | cwe_side):
        if w not in cwe.weaknesses:
            if (c, w) in capec_side:
                missing_cwe[w].append(c)
            continue
        if c not in capec.patterns:
            if (c, w) in cwe_side:
                missing_capec[c].append(w)
            continue
        kept.add((c, w))
        if (c, w) not in cwe_side:
            warnings.append(KbWarning(source, f"{c} lists {w}, but {w} does not list {c} in {version}; kept"))
        elif (c, w) not in capec_side:
            warnings.append(KbWarning(cwe.source, f"{w} lists {c}, but {c} does not list {w} in {capec_version}; kept"))
    for w, refs in missing_cwe.items():
        why = "deprecated" if w in cwe.deprecated else "not a weakness"
        warnings.append(KbWarning(source, f"{_list(refs)} lists {w}, which is {why} in {version}; dropped"))
    for c, refs in missing_capec.items():
        why = "deprecated in" if c in capec.deprecated else "not in"
        warnings.append(KbWarning(cwe.source, f"{_list(refs)} lists {c}, which is {why} {capec_version}; dropped"))
    return kept


def _resolve_mitigations(d3fend: D3fendData, attack: AttackData, warnings: list[KbWarning]) -> set[tuple[str, str]]:
    kept: set[tuple[str, str]] = set()
    dropped: dict[str, list[str]] = defaultdict(list)
    for mitigation, technique in d3fend.related:
        if mitigation in attack.mitigations:
            kept.add((mitigation, technique))
        else:
            dropped[mitigation].append(technique)
    for mitigation, refs in dropped.items():
        warnings.append(KbWarning(d3fend.source, f"D3FEND relates ATT&CK mitigation {mitigation} to {_list(refs)}, "
                                  f"but {mitigation} is not a current mitigation in {attack.label()}; dropped"))
    return kept


def _unlisted(attack: AttackData, capec: CapecData, cwe: CweData) -> set[Row]:
    """Ids a rule author may still cite (revoked, deprecated, CWE categories and views), so that the
    rule checker can say what they are."""
    rows: set[Row] = set()
    for technique in set(attack.revoked) | attack.deprecated:
        live, _ = attack.resolve(technique)
        how = "revoked" if technique in attack.revoked else "deprecated"
        rows.add((technique, live or "", f"{how} in {attack.label()}"))
    label = f"CAPEC {capec.version}" if capec.version else "CAPEC"
    rows |= {(c, "", f"deprecated in {label}") for c in capec.deprecated if c not in capec.patterns}
    label = f"CWE {cwe.version}" if cwe.version else "CWE"
    rows |= {(w, "", f"deprecated in {label}") for w in cwe.deprecated if w not in cwe.weaknesses}
    rows |= {(w, "", f"a {kind} in {label}, not a weakness") for w, kind in cwe.groups.items() if w not in cwe.weaknesses}
    return {r for r in rows if r[0].startswith(("T", "CAPEC-", "CWE-"))}


def _manifest(sources: Sources, attack: AttackData, capec: CapecData, cwe: CweData, d3fend: D3fendData,
              tables: dict[str, set[Row]], warnings: list[KbWarning]) -> dict[str, Any]:
    def info(path: Path, version: str | None, **extra: Any) -> dict[str, Any]:
        return dict(source_info(path), version=version, **extra)

    src: dict[str, Any] = {
        "attack": info(sources.attack, attack.version, skipped=dict(sorted(attack.skipped.items()))),
        "cwe": info(sources.cwe, cwe.version, date=cwe.date,
                    deprecated_weaknesses=len(cwe.deprecated)),
        "d3fend": info(sources.d3fend, d3fend.version, inference_inputs=d3fend.counts),
    }
    if sources.capec is not None:
        src["capec"] = info(sources.capec, capec.version, deprecated_patterns=len(capec.deprecated))
    if sources.capec_xml is not None:
        src["capec_xml"] = info(sources.capec_xml, sources.versions.get("capec_xml") or capec.version)
    pairs = {(d, t) for d, t, _ in tables["d3fend_technique"]}
    summary = {
        "d3fend_attack_pairs": len(pairs),
        "d3fend_techniques_linked_to_attack": len({d for d, _ in pairs}),
        "attack_techniques_linked_to_d3fend": len({t for _, t in pairs}),
        "mitigations_with_techniques": len({m for m, _ in tables["mitigation_technique"]}),
        "mitigations_with_d3fend": len({m for m, _ in tables["mitigation_d3fend"]}),
        "capec_with_techniques": len({c for c, _ in tables["capec_technique"]}),
        "techniques_from_capec": len({t for _, t in tables["capec_technique"]}),
        "stride_capec": {s: sum(1 for x, _ in tables["stride_capec"] if x == s) for s in STRIDE_SCOPES},
        "stride_capec_default": {s: sorted((c for x, c in tables["stride_capec_default"] if x == s),
                                           key=lambda c: natural_key((c,))) for s in STRIDE_SCOPES},
    }
    return {"generator": "tmlogic kb build", "sources": src, "summary": summary,
            "warnings": [f"{Path(w.source).name}: {w.message}" for w in warnings]}


def _notice(manifest: dict[str, Any]) -> str:
    versions = []
    labels = {"attack": "ATT&CK", "capec": "CAPEC (STIX)", "capec_xml": "CAPEC (XML)", "cwe": "CWE", "d3fend": "D3FEND"}
    for name, label in labels.items():
        src = manifest["sources"].get(name)
        if src:
            versions.append(f"- {label} {src.get('version') or '(version not recorded)'}: `{src['file']}`, "
                            f"sha256 `{src['sha256'][:16]}...`")
    return NOTICE_TEMPLATE.format(sources="\n".join(versions))


NOTICE_TEMPLATE = """\
# Notices for the knowledge base

The files in this folder are generated by `tmlogic kb build` from MITRE's official data.
They hold identifiers, short names and the relations between them, not MITRE's prose.

Built from:

{sources}

## MITRE ATT&CK® and CAPEC™

© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of
The MITRE Corporation.

The MITRE Corporation (MITRE) hereby grants you a non-exclusive, royalty-free license to use
ATT&CK® and Common Attack Pattern Enumeration and Classification (CAPEC™) for research,
development, and commercial purposes. Any copy you make for such purposes is authorized
provided that you reproduce MITRE's copyright designation and this license in any such copy.

ALL DOCUMENTS AND THE INFORMATION CONTAINED THEREIN ARE PROVIDED ON AN "AS IS" BASIS AND THE
CONTRIBUTOR, THE ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF ANY), THE MITRE
CORPORATION, ITS BOARD OF TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES, DISCLAIM ALL WARRANTIES,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTY THAT THE USE OF THE INFORMATION
THEREIN WILL NOT INFRINGE ANY RIGHTS OR ANY IMPLIED WARRANTIES OF MERCHANTABILITY OR FITNESS
FOR A PARTICULAR PURPOSE.

MITRE does not claim ATT&CK enumerates all possibilities for the types of actions and
behaviors documented as part of its adversary model and framework of techniques. Using the
information contained within ATT&CK to address or cover full categories of techniques will not
guarantee full defensive coverage as there may be undisclosed techniques or variations on
existing techniques not documented by ATT&CK.

## CWE™

CWE Usage: MITRE hereby grants you a non-exclusive, royalty-free license to use CWE for
research, development, and commercial purposes. Any copy you make for such purposes is
authorized on the condition that you reproduce MITRE's copyright designation and this license
in any such copy.

ALL DOCUMENTS AND THE INFORMATION CONTAINED IN THE CWE ARE PROVIDED ON AN "AS IS" BASIS AND THE
CONTRIBUTOR, THE ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF ANY), THE MITRE
CORPORATION, ITS BOARD OF TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES, DISCLAIM ALL WARRANTIES,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTY THAT THE USE OF THE INFORMATION
THEREIN WILL NOT INFRINGE ANY RIGHTS OR ANY IMPLIED WARRANTIES OF MERCHANTABILITY OR FITNESS
FOR A PARTICULAR PURPOSE.

IN NO EVENT SHALL THE CONTRIBUTOR, THE ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF
ANY), THE MITRE CORPORATION, ITS BOARD OF TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE INFORMATION OR THE USE OR OTHER DEALINGS IN THE
CWE.

## D3FEND™

MIT License. Copyright (c) 2022 The MITRE Corporation.

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

D3FEND is funded by the National Security Agency (NSA) Cybersecurity Directorate and managed by
the National Security Engineering Center (NSEC), which is operated by The MITRE Corporation.
D3FEND™ and ATT&CK® are trademarks of The MITRE Corporation.
"""
