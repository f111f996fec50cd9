"""A repository with a .tmlogic.yaml, end to end through the command line: `tmlogic analyze` with no
model runs every configured model with its settings (disabled rules, overrides, the gate), prints
one summary and exits with the worst code; and the command-line polish around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner

SMALL = """\
# Threat Model: {title}
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Web**: boundary=Intranet
- **Reports**: boundary=Intranet
## Data
- **Order**: classification=RESTRICTED
## Dataflows
- **Browse**: from="Customer", to="Web", protocol="HTTP", data="Order"
- **Report**: from="Web", to="Reports", protocol="HTTPS"
"""
# Both models raise TM-NET-006, TM-NET-005 and TM-AUTH-001 (high) and TM-NET-001 (medium).
CONFIG = """\
version: 1
fail_on: high
rules:
  disable: [TM-NET-006, TM-NET-005]
output:
  formats: [json, junit]
  dir: reports
models:
  - path: services/shop/threat_model.md
  - path: services/admin/threat_model.md
    rules:
      severity:
        TM-AUTH-001: {level: medium, reason: "the admin portal is reached only over the office VPN"}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), prog_name="tmlogic")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name in ("shop", "admin"):
        model = tmp_path / "services" / name / "threat_model.md"
        model.parent.mkdir(parents=True)
        model.write_text(SMALL.format(title=name.title()), encoding="utf-8")
    (tmp_path / ".tmlogic.yaml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMLOGIC_TODAY", "2025-06-01")
    return tmp_path


def _report(repo: Path, slug: str) -> dict:
    return json.loads((repo / "reports" / slug / "threats.json").read_text(encoding="utf-8"))


def test_analyze_without_a_model_runs_every_configured_model_with_its_settings(repo: Path) -> None:
    code, out, err = run("analyze")
    assert code == 1  # the shop model fails the gate; the worst code wins
    shop, admin = _report(repo, "services-shop-threat_model"), _report(repo, "services-admin-threat_model")
    assert {t["rule_id"] for t in shop["threats"]} == {"TM-NET-001", "TM-AUTH-001"}  # TM-NET-006, -005 disabled
    assert "TM-NET-006" not in {t["rule_id"] for t in admin["threats"]}
    net = next(t for t in admin["threats"] if t["rule_id"] == "TM-AUTH-001")
    assert net["severity"]["level"] == "elevated"  # medium, then raised: the flow comes from the untrusted side
    assert net["severity"]["override"]["reason"] == "the admin portal is reached only over the office VPN"
    assert net["severity"]["override"]["source"] == ".tmlogic.yaml:13"
    assert shop["tracking"]["gate"] == {"fail_on": "high", "new_only": False, "hard_fail": [], "failing": 1}
    assert admin["tracking"]["gate"]["failing"] == 0
    assert (repo / "reports" / "services-shop-threat_model" / "junit.xml").is_file()
    assert "tmlogic: 2 models: 1 fails the build" in out
    assert "services/shop/threat_model.md   2 threats (1 high, 1 medium); 1 threat fails the build" in out
    assert "services/admin/threat_model.md  2 threats (1 elevated, 1 medium)" in out
    assert "1 threat at or above high fails the build" in err


def test_flags_override_the_config(repo: Path) -> None:
    code, out, _ = run("analyze", "--fail-on", "critical")
    assert code == 0 and "tmlogic: 2 models: ok" in out
    code, _, _ = run("analyze", "services/admin/threat_model.md", "--enable", "TM-NET-006", "--format", "json",
                     "-o", "admin.json")
    data = json.loads((repo / "admin.json").read_text(encoding="utf-8"))
    assert {t["rule_id"] for t in data["threats"]} == {"TM-NET-006"} and code == 1
    code, _, err = run("analyze", "--no-config", "services/admin/threat_model.md")
    assert code == 0  # no config: no gate


def test_a_hard_fail_rule_fails_at_any_level(repo: Path) -> None:
    (repo / ".tmlogic.yaml").write_text(CONFIG.replace("fail_on: high", "fail_on: none").replace(
        "  disable: [TM-NET-006, TM-NET-005]", "  disable: [TM-NET-006, TM-NET-005]\n  hard_fail: [TM-AUTH-001]"), encoding="utf-8")
    code, out, err = run("analyze")
    assert code == 1 and "hard_fail in the project config" in err
    assert "tmlogic: 2 models: 2 fail the build" in out


def test_a_broken_model_is_reported_and_the_others_still_run(repo: Path) -> None:
    (repo / "services" / "admin" / "threat_model.md").write_text("## Servers\n- **A**: boundary=Nowhere\n", encoding="utf-8")
    code, out, err = run("analyze")
    assert code == 2  # bad input is worse than failing threats
    assert "unknown boundary 'Nowhere'" in err
    assert "services/admin/threat_model.md  bad input (see above)" in out
    assert (repo / "reports" / "services-shop-threat_model" / "threats.json").is_file()


def test_a_broken_config_is_bad_input_with_its_line(repo: Path) -> None:
    (repo / ".tmlogic.yaml").write_text("version: 1\nfail_on: hihg\n", encoding="utf-8")
    code, out, err = run("analyze")
    assert code == 2 and ".tmlogic.yaml:2:10: error: 'hihg' is not a value of 'fail_on'; did you mean \"high\"?" in err


def test_init_writes_a_commented_config_with_the_models_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "threat_model.md").write_text(SMALL.format(title="Svc"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("init")
    assert code == 0 and "models: svc/threat_model.md" in out
    text = (tmp_path / ".tmlogic.yaml").read_text(encoding="utf-8")
    assert "  - svc/threat_model.md" in text and text.count("#") > 10
    code, _, err = run("init")
    assert code == 2 and "already exists" in err
    code, out, _ = run("analyze")
    assert code == 1 and "svc/threat_model.md" in out  # the written config works as it is


def test_quiet_prints_nothing_but_errors_even_with_an_output_dir(repo: Path) -> None:
    code, out, err = run("analyze", "services/admin/threat_model.md", "--quiet", "--output-dir", "out", "--fail-on", "none")
    assert (code, out, err) == (0, "", "")
    assert (repo / "out" / "threats.json").is_file()
    code, out, err = run("analyze", "services/shop/threat_model.md", "--quiet")
    assert code == 1 and out == "" and err == "tmlogic: services/shop/threat_model.md: 1 threat fails the build\n"
    code, out, _ = run("analyze", "services/shop/threat_model.md", "--quiet", "--format", "json", "--fail-on", "none")
    assert json.loads(out)["format"] == "tmlogic-result"  # a report asked for still reaches stdout


def test_counts_are_pluralised(repo: Path) -> None:
    (repo / "one.md").write_text("# Threat Model: One\n## Boundaries\n- **Internet**: isTrusted=False\n"
                                 "- **Intranet**: isTrusted=True\n## Actors\n- **Customer**: boundary=Internet\n"
                                 "## Servers\n- **Web**: boundary=Intranet, type=\"firewall\"\n## Dataflows\n"
                                 "- **Browse**: from=\"Customer\", to=\"Web\", protocol=\"HTTPS\", is_authenticated=True\n",
                                 encoding="utf-8")
    code, out, _ = run("analyze", "one.md", "--no-config")
    head = out.splitlines()[0]
    assert "1 threats" not in out and ("1 threat " in head + " " or "0 threats" in head or "threats (" in head)


def test_shell_completion_for_bash_zsh_and_fish() -> None:
    for shell, marker in (("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command tmlogic")):
        code, out, _ = run("completion", shell)
        assert code == 0 and marker in out and "_TMLOGIC_COMPLETE" in out, shell
    code, out, _ = run("--help")
    assert "--install-completion" in out and "--show-completion" in out


def test_help_is_plain_and_full_width_when_piped(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run([sys.executable, "-m", "tmlogic.cli", "analyze", "--help"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 0
    assert "╭" not in proc.stdout  # no boxes for a pager or a file
    line = next(x for x in proc.stdout.splitlines() if "--baseline" in x)
    assert "lists resolved ones." in line and len(line) > 120  # one line, not cut at 80 columns


def test_the_risk_commands_use_the_configured_risk_file_location(repo: Path) -> None:
    (repo / ".tmlogic.yaml").write_text(CONFIG + 'risks: "security/{stem}-{name}.risks.yaml"\n', encoding="utf-8")
    code, out, err = run("risks", "seed", "services/shop/threat_model.md")
    assert code == 0, err
    seeded = repo / "security" / "threat_model-threat_model.md.risks.yaml"
    assert seeded.is_file() and "security/threat_model-threat_model.md.risks.yaml" in out
    code, out, _ = run("risks", "check", "services/shop/threat_model.md")
    assert "security/threat_model-threat_model.md.risks.yaml: ok" in out
    code, _, err = run("analyze", "services/shop/threat_model.md", "--fail-new-only")
    assert code == 0, err  # the seeded in-progress entries are read from there


def test_messages_name_data_by_name() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "webshop" / "threat_model.md"
    code, out, _ = run("analyze", str(example), "--no-config", "--format", "json")
    cleartext = next(t for t in json.loads(out)["threats"] if t["rule_id"] == "TM-NET-002")
    assert "'Card Token'" in cleartext["message"] and "card-token" not in cleartext["message"]


def test_the_json_result_carries_the_tracking_data(repo: Path) -> None:
    shop = "services/shop/threat_model.md"
    code, _, _ = run("analyze", shop, "--no-config", "--format", "json", "-o", "base.json")
    assert code == 0
    model = repo / shop
    model.write_text(model.read_text(encoding="utf-8").replace('to="Web", protocol="HTTP"',
                                                              'to="Web", protocol="HTTPS", is_authenticated=True')
                     + '- **Download**: from="Customer", to="Reports", protocol="HTTP"\n', encoding="utf-8")
    (repo / "services" / "shop" / "threat_model.risks.yaml").write_text(
        "risks:\n  - rule: TM-NET-006\n    status: accepted\n    justification: a WAF sits in front, outside the model\n"
        "  - rule: TM-NET-005\n    status: in-progress\n    justification: moving the report link to TLS\n"
        "    expires: 2025-01-31\n", encoding="utf-8")
    code, out, err = run("analyze", shop, "--no-config", "--format", "json", "--baseline", "base.json",
                         "--fail-on", "high")
    data = json.loads(out)
    assert data["version"] == "2.0"
    tracking = data["tracking"]
    assert tracking["baseline"] == "base.json" and tracking["risk_file"] == "services/shop/threat_model.risks.yaml"
    assert tracking["counts"]["resolved"] >= 1 and tracking["counts"]["new"] >= 1
    assert tracking["counts"]["accepted"] >= 1 and tracking["counts"]["expired"] >= 1
    states = {t["rule_id"]: t["tracking"] for t in data["threats"]}
    assert states["TM-NET-005"]["risk"]["status"] == "expired" and states["TM-NET-005"]["fails"] == "expired"
    assert states["TM-NET-006"]["risk"]["status"] == "accepted" and states["TM-NET-006"]["fails"] is None
    assert {t["rule_id"] for t in tracking["resolved"]} >= {"TM-AUTH-001"}
    import jsonschema

    from tmlogic.outputs.json_output import schema_path

    jsonschema.Draft202012Validator(json.loads(schema_path().read_text(encoding="utf-8"))).validate(data)
    code, out, _ = run("analyze", shop, "--no-config", "--format", "sarif", "--baseline", "base.json")
    states = [r["baselineState"] for r in json.loads(out)["runs"][0]["results"]]
    assert "absent" in states and "new" in states
