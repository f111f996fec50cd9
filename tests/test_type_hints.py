"""Near misses of the types and protocols the rules know draw a warning with the known spelling."""

from __future__ import annotations

from pathlib import Path

from tmlogic.analysis import AnalysisOptions, analyze


def test_near_miss_types_and_protocols_are_named(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text("""\
# Threat Model: Typos
## Boundaries
- **Intranet**: isTrusted=True
## Servers
- **Edge**: boundary=Intranet, type=load-balancr
- **Core**: boundary=Intranet, type=central_server
- **Store**: boundary=Intranet, type=PostgreSQL
## Dataflows
- **In**: from="Edge", to="Core", protocol=HTTPSS
- **Query**: from="Core", to="Store", protocol=Proprietary
- **Share**: from="Core", to="Store", protocol=SMB
- **Stream**: from="Core", to="Edge", protocol=RTMPS
- **Monitor**: from="Edge", to="Core", protocol=SNMPV4
""", encoding="utf-8")
    warnings = analyze(tmp_path / "m.md", AnalysisOptions()).result.warnings
    found = [(w.code, w.span.line, w.hint) for w in warnings if w.code in ("unknown-type", "unknown-protocol")]
    assert found == [
        ("unknown-type", 5, 'did you mean "load-balancer"? (types are free text; rules match known spellings)'),
        ("unknown-protocol", 9, 'did you mean "HTTPS"? (protocols are free text; rules match known spellings)'),
    ]  # central-server and Proprietary are close to nothing known; postgresql is known; SMB, RTMPS
    # and SNMPV4 differ from SMB1, RTMP and SNMPV3 by a version or the TLS variant's S: other
    # protocols, not typos of them
