"""A typo in a key whose meaning changes the threats (trust, encryption, authentication,
classification, boundary, from, to) is an error by default; --lenient makes it a warning; other
unknown keys stay warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmlogic._errors import ModelError
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.model.loader import load_model

BASE = """\
# Threat Model: Typos
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: {trust}
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: {boundary}
## Data
- **Card**: {classification}
## Dataflows
- **Browse**: {ends}, protocol="HTTPS", data="Card", {flow}
"""
GOOD = {"trust": "isTrusted=True", "boundary": "boundary=Intranet", "classification": "classification=SECRET",
        "ends": 'from="Customer", to="Web"', "flow": "is_encrypted=True, is_authenticated=True"}


def _model(tmp_path: Path, **typo: str) -> Path:
    path = tmp_path / "m.md"
    path.write_text(BASE.format(**{**GOOD, **typo}), encoding="utf-8")
    return path


@pytest.mark.parametrize("field, text, meant", [
    ("trust", "isTrsted=True", "is_trusted"),
    ("flow", "is_encrpted=True, is_authenticated=True", "is_encrypted"),
    ("flow", "is_encrypted=True, is_authentcated=True", "is_authenticated"),
    ("classification", "classificaton=SECRET", "classification"),
    ("boundary", "boundry=Intranet", "boundary"),
    ("ends", 'form="Customer", to="Web", from="Customer"', "from"),
    ("ends", 'from="Customer", too="Web", to="Web"', "to"),
])
def test_security_key_typos_are_errors(tmp_path: Path, field: str, text: str, meant: str) -> None:
    model = _model(tmp_path, **{field: text})
    with pytest.raises(ModelError) as info:
        load_model(model)
    (d,) = [d for d in info.value.diagnostics if d.code == "security-key-typo"]
    assert f"looks like a typo of '{meant}'" in d.message and "--lenient" in (d.hint or "")
    _, warnings = load_model(model, lenient=True)
    assert [w.code for w in warnings] == ["unknown-key"]


def test_other_unknown_keys_stay_warnings(tmp_path: Path) -> None:
    _, warnings = load_model(_model(tmp_path, boundary="boundary=Intranet, rack=B4"))
    assert [w.code for w in warnings] == ["unknown-key"]


def test_the_command_line_fails_on_the_typo_and_lenient_lets_it_pass(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _model(tmp_path, trust="isTrsted=True")
    runner = CliRunner()
    result = runner.invoke(app, ["validate", "m.md"])
    assert result.exit_code == 2 and "m.md:4:17: error: unknown key 'isTrsted'" in result.stderr
    assert runner.invoke(app, ["validate", "m.md", "--lenient"]).exit_code == 0
    assert runner.invoke(app, ["analyze", "m.md", "--no-config"]).exit_code == 2
    assert runner.invoke(app, ["analyze", "m.md", "--no-config", "--lenient"]).exit_code == 0
