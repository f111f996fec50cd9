"""Baselines and the build gate: new / unchanged / resolved / changed by stable id, which threats
fail under --fail-on and --fail-new-only, and the messages a CI log reader gets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from test_tracking_support import MODEL, SECRET_SYNC, options, pack, write
from tmlogic.analysis import analyze
from tmlogic.outputs.json_output import render_json, schema_path
from tmlogic.outputs.sarif import sarif_dict
from tmlogic.result import Result
from tmlogic.tracking import (
    ResultSnapshot,
    TrackingError,
    apply_risks,
    compare,
    fail_threats,
    format_failures,
    github_annotations,
    load_result_json,
    parse_risks,
    review_risks,
    snapshot_result,
    track,
    tracking_summary,
)

TODAY = dt.date(2025, 6, 1)
TWO_CLEARTEXT = MODEL.replace('"HTTPS"', '"HTTP"')  # Browse and Sync are both cleartext


def run(tmp_path: Path, text: str, name: str = "m.md") -> Result:
    model = write(tmp_path / name, text)
    return analyze(model, options(pack(tmp_path))).result


def by_target(result: Result) -> dict[str, str]:
    return {t.target_names[0]: t.id for t in result.threats}


def risks(result: Result, text: str, today: dt.date = TODAY):  # type: ignore[no-untyped-def]
    from tmlogic.tracking.snapshot import snapshot

    return review_risks([snapshot(t) for t in result.threats], parse_risks(text, "m.risks.yaml"), today)


def test_compare_marks_new_unchanged_resolved_and_changed(tmp_path: Path) -> None:
    old = snapshot_result(run(tmp_path, MODEL), "old.json")  # Sync only
    now = run(tmp_path, TWO_CLEARTEXT.replace("- **Sync**", "- **Sync2**"))
    ids = by_target(now)
    c = compare(now, old)
    assert c.new == (ids["Browse"], ids["Sync2"])
    assert c.unchanged == () and [t.target_names for t in c.resolved] == [("Sync",)]
    again = run(tmp_path, SECRET_SYNC.replace('"HTTPS"', '"HTTP"'))
    c = compare(again, old)
    assert c.status(by_target(again)["Sync"]) == "unchanged" and c.status(by_target(again)["Browse"]) == "new"
    (change,) = c.changed
    assert (change.old.level, change.new.level, change.worse) == ("high", "critical", True)
    assert change.describe() == "high 8.6 -> critical 9.4"


def test_the_gate_without_baseline_or_risk_file_is_plain_fail_on(tmp_path: Path) -> None:
    result = run(tmp_path, TWO_CLEARTEXT)
    assert [f.threat.id for f in fail_threats(result, None, None, "high")] == [t.id for t in result.threats]
    assert fail_threats(result, None, None, "critical") == []
    assert fail_threats(result, None, None, "none") == []
    assert {f.reason for f in fail_threats(result, None, None, "high")} == {"untracked"}


def test_new_only_counts_only_threats_missing_from_the_baseline(tmp_path: Path) -> None:
    baseline = snapshot_result(run(tmp_path, MODEL))
    result = run(tmp_path, TWO_CLEARTEXT)
    ids = by_target(result)
    failures = fail_threats(result, baseline, None, "high", new_only=True)
    assert [(f.threat.id, f.reason, f.baseline_status) for f in failures] == [(ids["Browse"], "new", "new")]
    assert len(fail_threats(result, baseline, None, "high", new_only=False)) == 2
    # without a baseline every threat is new
    assert len(fail_threats(result, None, None, "high", new_only=True)) == 2


def test_risk_entries_resolve_track_and_expire(tmp_path: Path) -> None:
    result = run(tmp_path, TWO_CLEARTEXT)
    ids = by_target(result)
    review = risks(result, f"""\
risks:
  - id: {ids['Browse']}
    status: mitigated
    justification: TLS at the CDN
  - id: {ids['Sync']}
    status: in-progress
    justification: partner moves to HTTPS in Q3
    ticket: SEC-7
""")
    failures = fail_threats(result, None, review, "high")
    assert [(f.threat.id, f.reason) for f in failures] == [(ids["Sync"], "in-progress")]
    assert "in progress (m.risks.yaml:5)" in failures[0].explain()
    assert fail_threats(result, None, review, "high", new_only=True) == []

    expired = risks(result, f"""\
risks:
  - id: {ids['Sync']}
    status: accepted
    justification: partner VPN
    expires: 2025-05-01
""")
    baseline = snapshot_result(result)  # even when the threat is in the baseline
    failures = fail_threats(result, baseline, expired, "high", new_only=True)
    assert [(f.threat.id, f.reason) for f in failures] == [(ids["Sync"], "expired")]
    assert failures[0].explain() == "its accepted entry (m.risks.yaml:2) expired on 2025-05-01"


def test_a_threat_that_newly_crosses_the_level_counts_as_new(tmp_path: Path) -> None:
    baseline = snapshot_result(run(tmp_path, MODEL))
    worse = run(tmp_path, SECRET_SYNC)
    failures = fail_threats(worse, baseline, None, "critical", new_only=True)
    assert [(f.reason, f.previous_level) for f in failures] == [("worse", "high")]
    assert failures[0].explain() == "was high in the baseline"
    assert fail_threats(worse, baseline, None, "high", new_only=True) == []  # it was already at or above high


def test_model_acceptances_never_fail(tmp_path: Path) -> None:
    result = run(tmp_path, TWO_CLEARTEXT + "## Accepted Threats\n- **TM-NET-001**: target=\"Sync\", reason=\"VPN\"\n")
    assert [f.threat.target_names for f in fail_threats(result, None, None, "high", new_only=True)] == [("Browse",)]


def test_apply_risks_marks_resolved_threats_accepted_for_every_renderer(tmp_path: Path) -> None:
    result = run(tmp_path, TWO_CLEARTEXT)
    ids = by_target(result)
    review = risks(result, f"risks:\n  - id: {ids['Browse']}\n    status: false-positive\n    justification: no such path\n"
                           "    owner: web\n  - id: " + ids["Sync"] + "\n    status: in-progress\n    justification: soon\n")
    shown = apply_risks(result, review)
    assert [t.id for t in shown.active] == [ids["Sync"]]
    data = json.loads(render_json(shown))
    jsonschema.validate(data, json.loads(schema_path().read_text()))
    accepted = {t["id"]: t["accepted"] for t in data["threats"]}
    assert accepted[ids["Browse"]] == {"reason": "false-positive (owner web): no such path", "file": "m.risks.yaml",
                                       "line": 2, "column": 5}
    assert accepted[ids["Sync"]] is None and data["summary"]["accepted"] == 1
    browse = next(t for t in shown.threats if t.id == ids["Browse"])
    assert browse.suppression is not None and browse.suppression.origin == "risk-file"
    in_model = run(tmp_path, TWO_CLEARTEXT + '## Accepted Threats\n- **TM-NET-001**: target="Sync", reason="VPN"\n')
    assert [t.suppression.origin for t in in_model.threats if t.suppression is not None] == ["model"]
    kinds = {r["properties"]["threatId"]: r["suppressions"][0]["kind"]
             for r in sarif_dict(shown, suppressions=True)["runs"][0]["results"] if "suppressions" in r}
    assert kinds == {ids["Browse"]: "external"}
    assert [r["suppressions"][0]["kind"] for r in sarif_dict(in_model, suppressions=True)["runs"][0]["results"]
            if "suppressions" in r] == ["inSource"]


def test_track_reads_the_risk_file_next_to_the_model_and_a_json_baseline(tmp_path: Path) -> None:
    rules = pack(tmp_path)
    old = write(tmp_path / "m.md", MODEL)
    base = analyze(old, options(rules)).result
    write(tmp_path / "base.json", render_json(base))
    model = write(tmp_path / "m.md", TWO_CLEARTEXT)
    result = analyze(model, options(rules)).result
    ids = by_target(result)
    write(tmp_path / "m.risks.yaml", f"risks:\n  - id: {ids['Browse']}\n    status: accepted\n    justification: CDN\n"
                                     "  - rule: TM-XYZ-001\n    status: accepted\n    justification: gone\n")
    tracking = track(model, result, baseline=tmp_path / "base.json", options=options(rules), today=TODAY)
    assert tracking.comparison is not None and tracking.comparison.new == (ids["Browse"],)
    assert tracking.baseline_state(ids["Sync"]) == "unchanged"
    assert [t.id for t in tracking.result.active] == [ids["Sync"]]
    assert [d.code for d in tracking.warnings] == ["risk-stale"]
    assert tracking.failures("high", new_only=True) == []
    assert [f.threat.id for f in tracking.failures("high")] == [ids["Sync"]]
    block = tracking.to_dict()
    schema = json.loads((Path(__file__).resolve().parents[1] / "tmlogic/tracking/schema/tracking-1.0.schema.json").read_text())
    jsonschema.validate(block, schema)
    assert block["risks"]["threats"][ids["Browse"]]["status"] == "accepted"
    summary = tracking_summary(tracking.comparison, tracking.risks)
    assert "1 new, 1 unchanged, 0 resolved, 0 changed severity" in summary
    assert "1 accepted" in summary and "1 stale entry" in summary
    # an explicit risk file that does not exist is an error, the default one may be missing
    with pytest.raises(TrackingError, match="not found"):
        track(model, result, risk_file=tmp_path / "other.risks.yaml")
    assert track(model, result, use_risk_file=False).risks is None


@pytest.mark.parametrize("text, expected", [
    ("{not json", "base.json:1:2: error: a key here is not in double quotes"),
    ('{"format": "sarif"}', "this JSON is not a tmlogic result"),
    ('{"format": "tmlogic-result", "version": "3.0", "threats": []}', "result format version 3.0 is not supported"),
    ('{"format": "tmlogic-result", "version": "1.0", "threats": [{"id": 3}]}', "threat #1 of the result is malformed"),
])
def test_a_bad_baseline_file_is_a_located_input_error(tmp_path: Path, text: str, expected: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "base.json", text)
    with pytest.raises(TrackingError) as info:
        load_result_json(Path("base.json"))
    assert expected in info.value.diagnostics[0].headline()


def test_failure_messages_give_id_location_message_and_the_line_to_paste(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rules = pack(tmp_path)
    write(tmp_path / "m.md", MODEL)
    baseline = snapshot_result(analyze(Path("m.md"), options(rules)).result, "origin/main:m.md")
    write(tmp_path / "m.md", TWO_CLEARTEXT)
    result = analyze(Path("m.md"), options(rules)).result
    browse = by_target(result)["Browse"]
    failures = fail_threats(result, baseline, None, "high", new_only=True)
    text = format_failures(failures, fail_on="high", risk_file="m.risks.yaml", model="m.md", new_only=True,
                           baseline=baseline.source)
    assert text.splitlines()[:5] == [
        "tmlogic: 1 threat at or above high fails the build (new since origin/main:m.md, not resolved in m.risks.yaml):",
        "",
        f"  {browse}  HIGH  TM-NET-001  m.md:12  new since the baseline",
        "    Flow 'Browse' carries traffic from 'Customer' in untrusted zone 'Internet' into trusted zone 'Intranet' "
        "without encryption.",
        f'    accept: - {{id: {browse}, status: accepted, justification: "<why this risk is acceptable>", owner: "<team>"}}',
    ]
    assert "tmlogic risks accept m.md ID" in text and "tmlogic explain m.md ID" in text
    annotation = github_annotations(failures, "m.risks.yaml")
    assert annotation.startswith(f"::error file=m.md,line=12,title=TM-NET-001 Cleartext flow enters a trusted zone "
                                 f"(high%2C {browse})::Flow 'Browse'")
    assert annotation.count("\n") == 1
    assert format_failures([], fail_on="high", risk_file="x", model="m.md") == ""


def test_a_baseline_can_be_a_snapshot_of_any_result(tmp_path: Path) -> None:
    result = run(tmp_path, MODEL)
    empty = ResultSnapshot("empty", ())
    assert compare(result, empty).new == tuple(t.id for t in result.threats)
    assert compare(snapshot_result(result), snapshot_result(result)).new == ()
