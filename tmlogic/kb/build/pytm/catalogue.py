"""What the pack adds to pytm's metadata: a STRIDE category per threat, and the ratings in
tmlogic's scales.

pytm's threats carry no STRIDE category, and a tmlogic rule needs one (for reports, for the
MITRE chain, and to merge with built-in findings). The categories below follow what each
pattern achieves, with the conventions of the built-in packs: injection into data or markup is
Tampering (SQL, LDAP, XSS: TM-WEB-002, -003, -007), memory corruption and privilege abuse that
run the attacker's code or rights are ElevationOfPrivilege, session and credential abuse is
Spoofing (TM-WEB-009, -011, TM-AUTH-004), interception and probing are InformationDisclosure,
exhaustion is DenialOfService.

A few threats have no CAPEC reference in pytm although their title is a CAPEC pattern's name,
or the pattern is plain; `CAPEC_ADDED` names those patterns (marked in the translation report),
the way the built-in rules about the same weakness name them, so that the findings can merge.

Ratings: pytm's severity becomes the rule's impact and its "Likelihood Of Attack" the
likelihood (below). Every pytm rule has confidence low: its condition tests one or two
controls of the target, never whether an attacker can reach it.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["STRIDE", "CAPEC_ADDED", "IMPACT", "LIKELIHOOD", "CONFIDENCE", "stride_of"]


_T, _S, _R, _I, _D, _E = ("Tampering", "Spoofing", "Repudiation", "InformationDisclosure", "DenialOfService",
                          "ElevationOfPrivilege")

STRIDE: dict[str, str] = {
    # input handling: injection is Tampering; memory corruption runs code (ElevationOfPrivilege)
    "INP01": _E, "INP02": _E, "INP03": _T, "INP04": _T, "INP05": _T, "INP06": _T, "INP07": _E, "INP08": _E,
    "INP09": _T, "INP10": _T, "INP11": _I, "INP12": _E, "INP13": _T, "INP14": _T, "INP15": _T, "INP16": _T,
    "INP17": _T, "INP18": _I, "INP19": _I, "INP20": _T, "INP21": _T, "INP22": _D, "INP23": _T, "INP24": _E,
    "INP25": _T, "INP26": _T, "INP27": _T, "INP28": _T, "INP29": _T, "INP30": _T, "INP31": _T, "INP32": _T,
    "INP33": _T, "INP34": _E, "INP35": _T, "INP36": _T, "INP37": _T, "INP38": _T, "INP39": _T, "INP40": _T,
    "INP41": _T,
    # access control and authentication
    "AA01": _S, "AA02": _S, "AA03": _S, "AA04": _S,
    "AC01": _E, "AC02": _T, "AC03": _E, "AC04": _T, "AC05": _T, "AC06": _E, "AC07": _E, "AC08": _T, "AC09": _E,
    "AC10": _I, "AC11": _S, "AC12": _E, "AC13": _E, "AC14": _E, "AC15": _T, "AC16": _S, "AC17": _S, "AC18": _S,
    "AC19": _S, "AC20": _S, "AC21": _S, "AC22": _S, "AC23": _I, "AC24": _S,
    "API01": _E, "API02": _E,
    # cryptography and channels
    "CR01": _S, "CR02": _I, "CR03": _S, "CR04": _S, "CR05": _I, "CR06": _T, "CR07": _T, "CR08": _T,
    # data exposure
    "DE01": _I, "DE02": _T, "DE03": _I, "DE04": _R, "DR01": _I,
    "DS01": _I, "DS02": _E, "DS03": _I, "DS04": _T, "DS05": _I, "DS06": _I,
    # availability
    "DO01": _D, "DO02": _D, "DO03": _D, "DO04": _D, "DO05": _D,
    # hardware and reverse engineering
    "HA01": _I, "HA02": _I, "HA03": _I, "HA04": _I,
    "LB01": _T,
    "SC01": _I, "SC02": _T, "SC03": _T, "SC04": _T, "SC05": _T,
    # LLM and agents (OWASP LLM Top 10)
    "LLM01": _T, "LLM02": _T, "LLM03": _I, "LLM04": _T, "LLM05": _E, "LLM06": _E, "LLM07": _E, "LLM08": _I,
    "LLM09": _E,
}



def stride_of(sid: str) -> tuple[str | None, str | None]:
    """(category, note): from STRIDE; for a SID a newer library added, the most common category of
    its family (INP, AC...), noted for the report; (None, why) when the family is new too."""
    if sid in STRIDE:
        return STRIDE[sid], None
    family = sid.rstrip("0123456789")
    seen = Counter(c for s, c in STRIDE.items() if s.rstrip("0123456789") == family)
    if not seen:
        return None, (f"the pack has no STRIDE category for {sid} (a new family of threats); add one to "
                      "tmlogic/kb/build/pytm/catalogue.py")
    category = sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return category, f"STRIDE {category} from its family {family}; catalogue.py has no entry for {sid} yet"


# SID -> (CAPEC ids, why): patterns for threats whose pytm entry names none.
CAPEC_ADDED: dict[str, tuple[tuple[str, ...], str]] = {
    "SC05": (("CAPEC-207",), "the threat is CAPEC-207, Removing Important Client Functionality, by name"),
    "INP17": (("CAPEC-209",), "the threat is CAPEC-209, XSS Using MIME Type Mismatch, by name"),
    "AC24": (("CAPEC-191",), "hardcoded credentials are read out of the code or binary (CAPEC-191)"),
    "LLM01": (("CAPEC-242",), "prompt injection is code injection into the model's instructions, as TM-AI-001 has it"),
    "LLM02": (("CAPEC-242",), "indirect prompt injection, as TM-AI-002 has it"),
    "LLM03": (("CAPEC-117",), "data sent to a third party is exposed there, as TM-AI-004 has it"),
    "AC22": (("CAPEC-560",), "a credential that never expires stays usable once stolen: Use of Known Domain "
                             "Credentials, as TM-AUTH-005 has it"),
    "DR01": (("CAPEC-157",), "its condition holds first for sensitive data on an unencrypted flow: Sniffing "
                             "Attacks, as TM-NET-002 has it"),
}

IMPACT: dict[str, str] = {"very high": "critical", "high": "high", "medium": "medium", "low": "low",
                          "very low": "low"}
LIKELIHOOD: dict[str, str] = {"very high": "frequent", "high": "very-likely", "medium": "likely", "low": "unlikely",
                              "very low": "unlikely", "": "likely", "none": "likely"}
CONFIDENCE = "low"
