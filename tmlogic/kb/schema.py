"""The knowledge base's relations: one table that the builder, the loader and kb.dl all follow.

Every relation is stored as `<name>.facts` (tab-separated, one row a line, sorted, UTF-8) and
declared in the generated `kb.dl`, so the enrichment rules are checked against it like any
rule pack. All columns are symbols; ids are written the way MITRE writes them ("CAPEC-565",
"CWE-307", "T1110.003", "TA0006", "M1032", "D3-MFA"). Names are one line, without tabs.
"""

from __future__ import annotations

from ..records import record

__all__ = ["DECLS", "FORMAT_VERSION", "MANIFEST", "NOTICE", "RELATIONS", "RELATION_BY_NAME", "Relation"]

FORMAT_VERSION = 1  # bump when a relation changes shape; the loader refuses other versions
MANIFEST = "manifest.json"
DECLS = "kb.dl"
NOTICE = "NOTICE.md"


@record(frozen=True)
class Relation:
    name: str
    columns: tuple[str, ...]
    doc: str
    example: tuple[str, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.facts"

    @property
    def arity(self) -> int:
        return len(self.columns)


RELATIONS: tuple[Relation, ...] = (
    # ---- CAPEC
    Relation("capec", ("id", "name"), "a CAPEC attack pattern that is not deprecated", ("CAPEC-565", "Password Spraying")),
    Relation("capec_scope", ("capec", "scope"),
             "a consequence scope of the pattern (Confidentiality, Integrity, Availability, Authentication, "
             "Authorization, Access_Control, Accountability, Non-Repudiation, Other)", ("CAPEC-565", "Authentication")),
    Relation("capec_technique", ("capec", "technique"),
             "the pattern maps to this live ATT&CK technique (CAPEC taxonomy mapping)", ("CAPEC-565", "T1110.003")),
    Relation("capec_cwe", ("capec", "cwe"), "the pattern exploits this weakness (CAPEC and CWE both list it)",
             ("CAPEC-565", "CWE-307")),
    # ---- CWE
    Relation("cwe", ("id", "name"), "a CWE weakness that is not deprecated",
             ("CWE-307", "Improper Restriction of Excessive Authentication Attempts")),
    # ---- ATT&CK
    Relation("technique", ("id", "name"), "a live ATT&CK technique or sub-technique (not revoked, not deprecated)",
             ("T1110.003", "Password Spraying")),
    Relation("subtechnique_of", ("technique", "parent"), "a sub-technique and its parent technique",
             ("T1110.003", "T1110")),
    Relation("tactic", ("id", "shortname", "name"), "an ATT&CK tactic", ("TA0006", "credential-access", "Credential Access")),
    Relation("technique_tactic", ("technique", "tactic"), "the technique serves this tactic (kill-chain phase)",
             ("T1110.003", "TA0006")),
    Relation("mitigation", ("id", "name"), "a current ATT&CK mitigation", ("M1032", "Multi-factor Authentication")),
    Relation("mitigation_technique", ("mitigation", "technique"), "the mitigation mitigates the technique",
             ("M1032", "T1110.003")),
    # ---- D3FEND
    Relation("d3fend", ("id", "name"), "a D3FEND defensive technique", ("D3-MFA", "Multi-factor Authentication")),
    Relation("artifact", ("id", "name"), "a D3FEND digital artifact that links a D3FEND technique to an ATT&CK one",
             ("Credential", "Credential")),
    Relation("d3fend_technique", ("d3fend", "technique", "artifact"),
             "inferred: the D3FEND technique acts on this artifact, and the ATT&CK technique on it or on one of "
             "its subclasses", ("D3-MFA", "T1110.003", "Credential")),
    Relation("mitigation_d3fend", ("mitigation", "d3fend"),
             "D3FEND relates the ATT&CK mitigation to this D3FEND technique (d3f:related)", ("M1032", "D3-MFA")),
    # ---- ids a rule may still cite
    Relation("unlisted_id", ("id", "replacement", "reason"),
             "a CAPEC, CWE or ATT&CK id that a rule may cite but the relations above leave out (revoked, "
             "deprecated, a CWE category or view), with what replaced it (or \"\")",
             ("T1574.002", "T1574.001", "revoked in ATT&CK 18.1")),
    # ---- STRIDE
    Relation("stride_scope", ("stride", "scope"), "the documented STRIDE -> CAPEC consequence scope mapping",
             ("Spoofing", "Authentication")),
    Relation("stride_capec", ("stride", "capec"), "every pattern with a consequence scope of that STRIDE category",
             ("Spoofing", "CAPEC-565")),
    Relation("stride_capec_default", ("stride", "capec"),
             "the few patterns used when a threat rule names no CAPEC (see docs/knowledge-base.md)",
             ("Spoofing", "CAPEC-21")),
)

RELATION_BY_NAME = {r.name: r for r in RELATIONS}
