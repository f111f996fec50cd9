"""A new format plugs in through the registry alone (how `tmlogic import ansible ... -i INVENTORY`
and `tmlogic drift --ansible` will arrive): its import command, its options and its drift flag."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.importers import IMPORTERS, ImporterSpec, OptionSpec
from tmlogic.importers.base import ImportContext
from tmlogic.importers.draft import Draft, DraftElement


def _read(sources: list[Path], ctx: ImportContext) -> Draft:
    """One server per line of each inventory, located at its line."""
    draft = Draft("hosts")
    for inventory in ctx.options.get("inventory", []):
        for n, line in enumerate(Path(inventory).read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                from tmlogic._errors import SourceSpan

                draft.add_element(DraftElement(line.strip(), SourceSpan(inventory, n), f"host '{line.strip()}'"))
    ctx.fields(ctx.yaml(sources[0])[0], "playbook").done()  # type: ignore[arg-type]
    return draft


@pytest.fixture()
def plugged(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("tmlogic.importers.hosts_for_tests")
    module.read = _read  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tmlogic.importers.hosts_for_tests", module)
    monkeypatch.setitem(IMPORTERS, "hosts", ImporterSpec(
        "hosts", "a test format", "hosts_for_tests", "hosts from inventories", "files", drift=True,
        options=(OptionSpec("inventory", ("-i", "--inventory"), "inventory file", repeatable=True),)))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_registered_format_gets_import_options_and_drift(plugged: None, tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text("hosts: all\nroles: [web]\n", encoding="utf-8")
    (tmp_path / "hosts.ini").write_text("web1\ndb1\n", encoding="utf-8")
    model = tmp_path / "m.md"
    code, _, err = run("import", "hosts", str(tmp_path / "site.yml"), "-i", str(tmp_path / "hosts.ini"), "-o", str(model))
    assert code == 0, err
    assert "playbook key 'roles'" in err and "playbook key 'hosts'" in err  # the contract's report
    text = model.read_text(encoding="utf-8")
    assert '- **web1**: imported_from="hosts.ini:1"' in text and "- **db1**:" in text
    assert run("drift", str(model), "--hosts", str(tmp_path / "site.yml"), "-i", str(tmp_path / "hosts.ini"))[0] == 0
    (tmp_path / "hosts.ini").write_text("web1\ndb1\ncache1\n", encoding="utf-8")
    code, out, _ = run("drift", str(model), "--hosts", str(tmp_path / "site.yml"), "--inventory", str(tmp_path / "hosts.ini"))
    assert code == 1 and "host 'cache1' (hosts) has no element in the model" in out
    code, _, err = run("import", "hosts", str(tmp_path / "site.yml"), "-i")
    assert code == 2 and "-i needs a value" in err
