"""Accepted threats: stated in the model with a reason, reported as accepted, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic._errors import ModelError
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.model.loader import load_model

MODEL = """\
# Threat Model: Accepting
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Intranet
- **Api**: boundary=Intranet
## Dataflows
- **Browse**: from="Customer", to="Web", protocol="HTTP", accepts={"TM-AUTH-001": "anonymous catalogue"}
- **Call**: from="Customer", to="Api", protocol="HTTP"
## Accepted Threats
- **TM-NET-001**: target="Browse", reason="TLS ends at the CDN in front of Web"
"""


ROOT = Path(__file__).resolve().parents[1]


def _pack(tmp_path: Path) -> Path:
    """TM-NET-001 and TM-AUTH-001 only, so the tests do not depend on the rest of the built-in packs."""
    pack = tmp_path / "pack"
    pack.mkdir(exist_ok=True)
    # The packs' helper relations (network.dl, authentication.dl) come along with their rules.
    for rule in ("network/TM-NET-001.dl", "network/network.dl", "authentication/TM-AUTH-001.dl",
                 "authentication/authentication.dl"):
        (pack / Path(rule).name).write_text((ROOT / "rules" / rule).read_text(encoding="utf-8"), encoding="utf-8")
    return pack


def _run(path: Path, *args: str) -> tuple[int, dict, str]:
    only = ["--no-builtin-rules", "--rules", str(_pack(path.parent))]
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json", *only, *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def test_accepted_threats_are_listed_and_marked_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text(MODEL, encoding="utf-8")
    code, data, err = _run(path)
    assert code == 0 and err == ""
    accepted = {(t["rule_id"], t["targets"][0]["name"]): t["accepted"] for t in data["threats"]}
    net = accepted[("TM-NET-001", "Browse")]
    assert net["reason"] == "TLS ends at the CDN in front of Web" and net["line"] == 14
    assert accepted[("TM-AUTH-001", "Browse")]["reason"] == "anonymous catalogue"
    assert accepted[("TM-NET-001", "Call")] is None and accepted[("TM-AUTH-001", "Call")] is None
    assert data["summary"]["accepted"] == 2
    assert data["summary"]["total"] == len(data["threats"]) - 2


def test_accepted_threats_do_not_fail_the_build(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text(MODEL.replace('- **Call**: from="Customer", to="Api", protocol="HTTP"\n', ""), encoding="utf-8")
    code, _, _ = _run(path, "--fail-on", "low")
    assert code == 0
    path.write_text(MODEL, encoding="utf-8")
    code, _, err = _run(path, "--fail-on", "low")
    assert code == 1 and "Call" in err and "Browse" not in err


def test_stale_and_unknown_acceptances_warn(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text(MODEL + '- **TM-AUTH-001**: target="Web", reason="Web is not a flow"\n'
                    '- **TM-NTE-001**: reason="typo"\n', encoding="utf-8")
    code, data, err = _run(path)
    assert code == 0
    assert "m.md:15:" in err and "matches no threat" in err and "[stale-acceptance]" in err
    assert "m.md:16:" in err and 'did you mean "TM-NET-001"?' in err and "[unknown-rule]" in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('- **TM-NET-001**: target="Browse"\n', "has no reason"),
        ('- **TM-NET-001**: target="Brwse", reason="x"\n', 'did you mean "Browse"?'),
        ('- **net-1**: reason="x"\n', "is not a rule id"),
    ],
)
def test_bad_acceptances_are_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "m.md"
    path.write_text(MODEL.replace('- **TM-NET-001**: target="Browse", reason="TLS ends at the CDN in front of Web"\n', line),
                    encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        load_model(path)
    assert any(message in d.message or message in (d.hint or "") for d in exc.value.diagnostics)


def test_accepts_needs_a_mapping_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text(MODEL.replace('accepts={"TM-AUTH-001": "anonymous catalogue"}', 'accepts="TM-AUTH-001"'), encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        load_model(path)
    assert exc.value.diagnostics[0].code == "bad-value"
