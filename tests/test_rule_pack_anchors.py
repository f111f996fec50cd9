"""The built-in pack on SecOpsTM's own single-file models: every untrusted-to-trusted crossing
in cleartext or without authentication is flagged, unless it is anonymous by design or its
protocol always authenticates, and nothing is reported twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.model.schema import Model

ANCHORS = Path(__file__).resolve().parent / "data" / "anchors" / "secopstm"
MODELS = ["threat_model.md", "Simple_Monolithic_Web_Application.md", "nested_zones_template.md"]
# Written independently of facts/prelude.dl on purpose: the test must not share the rules' mistakes.
ENCRYPTED = {"HTTPS", "SFTP", "SSH", "LDAPS", "TLS", "FTPS"}
ALWAYS_AUTHENTICATED = {"SSH", "SFTP", "SCP"}
LOOKUPS = {"DNS", "NTP"}  # anyone may ask
MAIL = {"SMTP"}  # a receiving mail server accepts mail from anyone
CONTENT = {"HTTP", "HTTPS", "RTSP"}  # reading public content needs no login
WEB = {"HTTP", "HTTPS"}  # cookies and sessions travel with public pages too
SENSITIVE = {"sensitive", "secret", "top-secret"}


def _crossings(model: Model) -> list[tuple[str, bool, bool]]:
    """(flow id, cleartext that matters, unauthenticated caller that matters) for flows from the
    untrusted side into a trusted boundary."""
    classes = {d.id: d.classification for d in model.data}
    trusted = {b.id for b in model.boundaries if b.trusted}
    elements = {e.id: e for e in model.elements}

    def untrusted_side(element_id: str) -> bool:
        e = elements[element_id]
        return (e.boundary is not None and e.boundary not in trusted) or (e.boundary is None and e.kind == "actor")

    out = []
    for f in model.flows:
        target = elements[f.target]
        if not untrusted_side(f.source) or target.boundary not in trusted or target.boundary == elements[f.source].boundary:
            continue
        attrs = {a.key: a.value for a in f.attrs}
        public = bool(f.data) and all(classes[d] == "public" for d in f.data)
        anonymous = f.protocol in LOOKUPS or f.protocol in MAIL or (f.protocol in CONTENT and public)
        cleartext = f.protocol not in ENCRYPTED and attrs.get("is_encrypted") is not True
        cleartext = cleartext and (not anonymous or f.protocol in WEB)
        unauthenticated = attrs.get("is_authenticated") is not True and not attrs.get("authentication")
        unauthenticated = unauthenticated and not anonymous and f.protocol not in ALWAYS_AUTHENTICATED
        out.append((f.id, cleartext, unauthenticated))
    return out


@pytest.mark.parametrize("name", MODELS)
def test_every_crossing_is_flagged_once(name: str) -> None:
    analysis = analyze(ANCHORS / name, AnalysisOptions())
    threats = analysis.result.threats
    by_rule: dict[str, set[str]] = {}
    for t in threats:
        by_rule.setdefault(t.rule.id, set()).add(t.targets[0])
    crossings = _crossings(analysis.model)
    assert crossings, "each of these models has flows into a trusted zone"
    for flow, cleartext, unauthenticated in crossings:
        if cleartext:  # TM-NET-002 supersedes TM-NET-001 when the data is sensitive
            flagged = by_rule.get("TM-NET-001", set()) | by_rule.get("TM-NET-002", set())
            assert flow in flagged, f"{name}: cleartext crossing '{flow}' not flagged"
        if unauthenticated:  # TM-AUTH-007 supersedes TM-AUTH-001 for administrators
            flagged = by_rule.get("TM-AUTH-001", set()) | by_rule.get("TM-AUTH-007", set())
            assert flow in flagged, f"{name}: unauthenticated crossing '{flow}' not flagged"
        else:
            assert flow not in by_rule.get("TM-AUTH-001", set()), f"{name}: '{flow}' needs no caller authentication"
    keys = [(t.rule.id, t.targets) for t in threats]
    assert len(keys) == len(set(keys)), "a finding is reported twice"
    assert all("Unspecified" not in t.message and "{" not in t.message for t in threats)
