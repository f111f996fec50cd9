"""The offline knowledge-base builder (`tmlogic kb build`): MITRE's official files -> facts/kb/.

    read      reading the official files safely (size limits, defused XML), their versions
    attack    ATT&CK Enterprise STIX: techniques, tactics, mitigations (revoked/deprecated left out)
    capec     CAPEC STIX and/or XML: attack patterns, their CWE and ATT&CK links, consequence scopes
    cwe       the CWE XML catalogue: weaknesses and what is not one (categories, views, deprecated)
    d3fend    the D3FEND ontology: countermeasures, artifacts, D3FEND -> ATT&CK inferred in d3fend.dl
    stride    STRIDE -> CAPEC from the consequence scopes
    assemble  read every source, resolve references across catalogues, write the folder
    write     the folder on disk, byte-deterministic

Nothing at run time imports this package; the runtime reads the folder with tmlogic/kb/loader.py.
"""

from __future__ import annotations

from .assemble import BuildResult, Sources, build_kb, build_tables

__all__ = ["BuildResult", "Sources", "build_kb", "build_tables"]
