"""`.tmlogic.yaml`: found upward, checked with file:line:col and did-you-mean; rule selection by id,
tag, STRIDE, severity and pack; severity overrides with their reason in the breakdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.config import ConfigError, find_config, init_text, load_config
from tmlogic.config.run import CliChoices, PlanError, plan_runs
from tmlogic.diagnostics import render_diagnostics
from tmlogic.outputs.json_output import render_json
from tmlogic.policy import RulePolicy, SelectorError, SeverityOverride, parse_selector

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "webshop" / "threat_model.md"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_config_is_found_in_the_working_folder_or_above_but_not_past_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    deep = repo / "services" / "pay"
    deep.mkdir(parents=True)
    assert find_config(deep) is None
    _write(tmp_path / ".tmlogic.yaml", "version: 1\n")  # above the repository: not ours
    assert find_config(deep) is None
    config = _write(repo / ".tmlogic.yaml", "version: 1\n")
    assert find_config(deep) == config.resolve()


def test_init_text_is_a_valid_config_listing_the_models(tmp_path: Path) -> None:
    _write(tmp_path / "a.md", EXAMPLE.read_text(encoding="utf-8"))
    config = load_config(_write(tmp_path / ".tmlogic.yaml", init_text(["a.md"])))
    assert [p.name for p in config.model_paths()] == ["a.md"]
    assert config.settings.fail_on == "high" and config.settings.sarif_suppressions is False
    assert "# " in init_text(["a.md"])  # commented


BAD = """\
version: 1
models:
  - path: missing.md
    fial_on: high
rules:
  disable: [strdie:Spoofing, "severity:hihg"]
  severity:
    TM-NET-001: critical
output:
  formats: [sarif, jnuit]
fail_on: hihg
"""


def test_every_problem_is_reported_at_its_line_with_a_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path / ".tmlogic.yaml", BAD))
    found = {(d.span.line, d.message.split(";")[0]): d.hint for d in info.value.diagnostics}
    shown = render_diagnostics(info.value.diagnostics)
    assert ".tmlogic.yaml:3:11: error: model 'missing.md' not found" in shown
    assert 'unknown key \'fial_on\' in \'a model entry\'; did you mean "fail_on"?' in shown
    assert 'unknown selector kind \'strdie:\'; did you mean "stride"?' in shown
    assert "'hihg' is not a severity" in shown and 'did you mean "high"?' in shown
    assert "the override of TM-NET-001 gives no reason" in shown
    assert 'unknown output format \'jnuit\'; did you mean "junit"?' in shown
    assert ".tmlogic.yaml:11:10: error: 'hihg' is not a value of 'fail_on'" in shown
    assert len(found) == 7


def test_a_yaml_mistake_in_the_config_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path / ".tmlogic.yaml", "models:\n  - a.md\n fail_on: high\n"))
    d = info.value.diagnostics[0]
    assert (d.span.line, d.code) == (3, "config") and "indented by 1 space" in d.message


@pytest.mark.parametrize("text, error", [
    ("tag:", "names no tag"),
    ("stride:Spufing", "not a STRIDE category"),
    ("severity:>=hihg", 'did you mean "high"'),
    ("rule:TM-NET-001", "unknown selector kind 'rule:'"),
    ("TM NET", "is not a rule id or selector"),
])
def test_bad_selectors_say_how_to_write_them(text: str, error: str) -> None:
    with pytest.raises(SelectorError, match=error):
        parse_selector(text)


def _rules(policy: RulePolicy) -> set[str]:
    return {r.id for r in analyze(EXAMPLE, AnalysisOptions(policy=policy)).result.rules}


def test_rules_are_selected_by_id_tag_stride_severity_and_pack() -> None:
    every = _rules(RulePolicy())
    only = lambda *s: RulePolicy(enable=tuple(parse_selector(x, span=_config_span()) for x in s))  # noqa: E731
    assert _rules(only("TM-NET-*")) == {r for r in every if r.startswith("TM-NET-")}
    assert _rules(only("pack:web")) == {r for r in every if r.startswith("TM-WEB-")}
    spoofing = _rules(only("stride:spoofing"))
    assert spoofing and all(r in every for r in spoofing) and len(spoofing) < len(every)
    assert _rules(only("severity:>=high")).isdisjoint(_rules(only("severity:<high")))
    assert _rules(only("severity:>=high")) | _rules(only("severity:<high")) == every
    encryption = _rules(only("tag:encryption"))
    assert encryption and _rules(RulePolicy(disable=(parse_selector("tag:encryption"),))) == every - encryption


def _config_span():  # type: ignore[no-untyped-def]
    from tmlogic._errors import SourceSpan

    return SourceSpan(".tmlogic.yaml", 5, 3)


def test_a_command_line_enable_wins_over_the_configs_disable() -> None:
    policy = RulePolicy(disable=(parse_selector("TM-NET-*", span=_config_span()),))
    assert not any(r.startswith("TM-NET-") for r in _rules(policy))
    with_cli = policy.merged(RulePolicy(enable=(parse_selector("TM-NET-001"),)))
    assert _rules(with_cli) == {"TM-NET-001"}  # --enable focuses on the rules it names
    cli_disable = RulePolicy(enable=(parse_selector("TM-NET-*"),), disable=(parse_selector("TM-NET-002"),))
    assert "TM-NET-002" not in _rules(cli_disable) and "TM-NET-001" in _rules(cli_disable)


def test_a_selector_that_matches_nothing_is_a_warning_with_a_did_you_mean() -> None:
    policy = RulePolicy(disable=(parse_selector("TM-NET-0001", span=_config_span()),))
    warnings = analyze(EXAMPLE, AnalysisOptions(policy=policy)).result.warnings
    w = next(w for w in warnings if w.code == "unknown-rule")
    assert w.span == _config_span() and "matches no rule" in w.message and "did you mean" in (w.hint or "")


def test_a_severity_override_shows_with_its_reason_in_the_breakdown() -> None:
    override = SeverityOverride("TM-AUTH-001", "critical", "the callback moves money", _config_span())
    result = analyze(EXAMPLE, AnalysisOptions(policy=RulePolicy(overrides=(override,)))).result
    threats = [t for t in result.threats if t.rule.id == "TM-AUTH-001"]
    assert threats and all(t.rule.severity == "critical" for t in threats)
    data = json.loads(render_json(result))
    entry = next(t for t in data["threats"] if t["rule_id"] == "TM-AUTH-001")
    assert entry["severity"]["override"] == {"rule_impact": "elevated", "rule_likelihood": "likely", "level": "critical",
                                             "reason": "the callback moves money", "source": ".tmlogic.yaml:5"}
    assert entry["severity"]["rule_impact"] == "critical"


def test_plans_take_flags_over_model_settings_over_project_settings(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        _write(tmp_path / "models" / name, EXAMPLE.read_text(encoding="utf-8"))
    config = load_config(_write(tmp_path / ".tmlogic.yaml", """\
version: 1
fail_on: high
risks: "risks/{stem}.risks.yaml"
output: {formats: [sarif, junit], dir: reports}
rules: {disable: [TM-WEB-007]}
models:
  - path: models/a.md
    fail_on: critical
    rules: {disable: [TM-NET-001]}
  - models/b.md
"""))
    a, b = plan_runs(config, [], CliChoices())
    assert (a.fail_on, b.fail_on) == ("critical", "high")
    assert [s.text for s in a.options.policy.disable] == ["TM-WEB-007", "TM-NET-001"]
    assert a.risks == (tmp_path / "risks" / "a.risks.yaml").resolve()
    assert a.output_dir == tmp_path / "reports" / "models-a" and a.formats == ("sarif", "junit")
    (flagged,) = plan_runs(config, [tmp_path / "models" / "a.md"], CliChoices(fail_on="low", disable=("tag:web",)))
    assert flagged.fail_on == "low" and [s.text for s in flagged.options.policy.disable][-1] == "tag:web"
    assert flagged.output_dir == tmp_path / "reports"  # one model: no subfolder
    with pytest.raises(PlanError, match="several models"):
        plan_runs(config, [], CliChoices(risks=Path("x.risks.yaml")))
    with pytest.raises(PlanError, match="no model given"):
        plan_runs(None, [], CliChoices())


def test_a_configured_project_folder_runs_its_main_model(tmp_path: Path) -> None:
    _write(tmp_path / "shop" / "main.md", EXAMPLE.read_text(encoding="utf-8"))
    (tmp_path / "empty").mkdir()
    config = load_config(_write(tmp_path / ".tmlogic.yaml", "models: [shop]\n"))
    (run,) = plan_runs(config, [], CliChoices())
    assert run.model == (tmp_path / "shop" / "main.md").resolve()
    with pytest.raises(PlanError, match="has no main.md"):
        plan_runs(load_config(_write(tmp_path / ".tmlogic.yaml", "models: [empty]\n")), [], CliChoices())
