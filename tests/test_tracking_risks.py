"""The risk file: format, errors with file:line:col, which entry decides a threat, stale and
expired entries, writing entries (seed, accept) without losing the team's comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from test_tracking_support import MODEL, invoke, pack, rule_args, write
from tmlogic.cli import app
from tmlogic.tracking.risks import (
    RiskFileError,
    add_entries,
    entry_block,
    entry_line,
    find_risk_file,
    load_risks,
    parse_risks,
    resolve_today,
    review_risks,
    risk_path_for,
    seed_text,
)
from tmlogic.tracking.snapshot import ArgumentError, ThreatSnapshot

TODAY = dt.date(2025, 6, 1)


def threat(tid: str = "T0000000001", rule: str = "TM-NET-001", targets: tuple[str, ...] = ("browse",),
           names: tuple[str, ...] = ("Browse",), level: str = "high") -> ThreatSnapshot:
    return ThreatSnapshot(tid, rule, "Title", level, 8.0, "message", targets, names, "m.md", 3)


def errors(text: str) -> list[str]:
    with pytest.raises(RiskFileError) as info:
        parse_risks(text, "m.risks.yaml")
    return [d.headline() for d in info.value.diagnostics]


def test_a_full_entry_and_a_pattern_entry_are_read() -> None:
    risks = parse_risks("""\
version: 1
risks:
  - id: T0000000001
    status: accepted
    justification: TLS ends at the CDN
    owner: web-team
    ticket: SEC-1
    expires: 2025-12-31
    x-reviewed-by: alice
  - rule: TM-NET-*
    target: Payment Service
    status: False Positive
    reason: the flow is inside one pod
""", "m.risks.yaml")
    first, second = risks.entries
    assert (first.id, first.status, first.owner, first.ticket, first.expires) == (
        "T0000000001", "accepted", "web-team", "SEC-1", dt.date(2025, 12, 31))
    assert first.span.line == 3 and first.exact
    assert (second.rule, second.target, second.status, second.justification) == (
        "TM-NET-*", "Payment Service", "false-positive", "the flow is inside one pod")
    assert not second.exact and second.span.line == 10


def test_every_problem_is_reported_at_once_with_line_column_and_a_fix() -> None:
    found = errors("""\
risks:
  - id: T0000000001
    status: acepted
    justification: ok
  - rule: TM-NET-001
    status: accepted
    justifcation: typo
  - id: nope
    status: mitigated
    justification: TODO
    expires: next week
  - status: accepted
    justification: names nothing
  - id: T0000000002
    rule: TM-NET-001
    status: accepted
    justification: both
""")
    text = "\n".join(found)
    assert 'm.risks.yaml:3:13: error: unknown status \'acepted\'; did you mean "accepted"?' in text
    assert "m.risks.yaml:7:5: error: unknown key 'justifcation' in a risk entry; did you mean \"justification\"?" in text
    assert "m.risks.yaml:5:5: error: this entry has no justification" in text
    assert "m.risks.yaml:8:9: error: 'nope' is not a threat id" in text
    assert "m.risks.yaml:10:20: error: the justification 'TODO' is a placeholder" in text
    assert "m.risks.yaml:11:14: error: 'next week' is not a date; write it as YYYY-MM-DD" in text
    assert "m.risks.yaml:12:5: error: this entry names no threat" in text
    assert "either one threat (`id`) or a pattern" in text
    assert all("[risk-file]" in line for line in found)


@pytest.mark.parametrize("text, expected", [
    ("risks:\n  - id: T0000000001\n    status: accepted\n   justification: x\n", "m.risks.yaml:4:"),
    ("risks: [\n", "m.risks.yaml:1:8: error: the [ that opens here is never closed"),
    ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ("risk:\n  - id: T0000000001\n", 'unknown top-level key \'risk\'; did you mean "risks"?'),
    ("version: 2\nrisks: []\n", "version 2 is not supported"),
    ("risks:\n  - id: T0000000001\n    status: accepted\n    justification: a\n"
     "  - id: T0000000001\n    status: mitigated\n    justification: b\n", "a second entry for id T0000000001"),
    ("risks:\n  - id: T0000000001\n    status: accepted\n    justification: <why this risk is acceptable>\n"
     "    owner: <team>\n", "is a placeholder"),
])
def test_malformed_files_are_refused_with_a_location(text: str, expected: str) -> None:
    assert any(expected in e for e in errors(text))


def test_yaml_tags_are_never_constructed() -> None:
    risks = parse_risks("""\
risks:
  - id: T0000000001
    status: accepted
    justification: !!python/object/apply:os.system "echo pwned"
""", "m.risks.yaml")
    assert risks.entries[0].justification == "echo pwned"


def test_the_seeded_text_is_refused_once_the_status_says_the_threat_is_resolved() -> None:
    seeded = seed_text([threat()], "m.md", TODAY)
    assert parse_risks(seeded).entries[0].status == "in-progress"
    found = errors(seeded.replace("status: in-progress", "status: accepted"))
    assert any("an accepted entry keeps the text written by `tmlogic risks seed`" in e for e in found)


def test_an_exact_entry_wins_then_the_most_literal_pattern_then_the_first() -> None:
    risks = parse_risks("""\
risks:
  - rule: TM-NET-*
    status: in-progress
    justification: broad
  - rule: TM-NET-001
    status: mitigated
    justification: the rule
  - rule: TM-NET-001
    target: browse
    status: false-positive
    justification: rule and target
  - id: T0000000001
    status: accepted
    justification: exact
  - target: "Sy*"
    status: accepted
    justification: by name pattern
  - target: sync
    rule: TM-NET-00?
    status: in-progress
    justification: one more literal field than the name pattern
""")
    review = review_risks([threat(), threat("T0000000002", targets=("browse",)),
                           threat("T0000000003", targets=("sync",), names=("Sync",)),
                           threat("T0000000004", rule="TM-NET-002", targets=("other",), names=("Other",))], risks, TODAY)
    assert review.entry_for("T0000000001").justification == "exact"
    assert review.entry_for("T0000000002").justification == "rule and target"
    assert review.entry_for("T0000000003").justification.startswith("one more literal")
    assert review.entry_for("T0000000004").justification == "broad"
    assert review.stale == ()


def test_targets_match_by_id_or_by_name_without_case() -> None:
    risks = parse_risks("risks:\n  - target: PAYMENT service\n    status: accepted\n    justification: x\n"
                        "  - target: payment-service\n    rule: TM-AUTH-001\n    status: accepted\n    justification: y\n")
    review = review_risks([threat(targets=("payment-service",), names=("Payment Service",))], risks, TODAY)
    assert review.resolved("T0000000001") and review.entry_for("T0000000001").justification == "x"
    assert [e.justification for e in review.stale] == ["y"]


def test_stale_and_expired_entries_are_reported_and_expired_ones_stop_counting() -> None:
    text = """\
risks:
  - id: T0000000001
    status: accepted
    justification: until the migration
    expires: 2025-05-31
  - rule: TM-NET-*
    status: accepted
    justification: everything network
  - rule: TM-NET-011
    status: accepted
    justification: a typo'd rule id
"""
    risks = parse_risks(text, "m.risks.yaml")
    review = review_risks([threat()], risks, TODAY)
    # the exact entry decides even though it expired: the broad pattern does not take over
    assert review.status("T0000000001") == "expired" and not review.resolved("T0000000001")
    assert review.expired_entry("T0000000001") is risks.entries[0]
    warnings = [d.headline() for d in review.warnings(["TM-NET-001"])]
    assert warnings == [
        "m.risks.yaml:2:5: warning: the accepted entry for id T0000000001 expired on 2025-05-31; it no longer counts; "
        "fix the threat, or review the decision and move `expires` to a later date [risk-expired]",
        'm.risks.yaml:9:5: warning: the entry for rule TM-NET-011 matches no threat; did you mean "TM-NET-001"? [risk-stale]',
    ]
    # the last day still counts
    assert review_risks([threat()], risks, dt.date(2025, 5, 31)).resolved("T0000000001")


def test_today_is_injectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLOGIC_TODAY", "2030-01-02")
    assert resolve_today() == dt.date(2030, 1, 2)
    assert resolve_today("2031-02-03") == dt.date(2031, 2, 3)
    monkeypatch.setenv("TMLOGIC_TODAY", "tomorrow")
    with pytest.raises(ArgumentError) as info:
        resolve_today()
    assert info.value.render() == ("tmlogic: error: $TMLOGIC_TODAY='tomorrow' is not a date; "
                                   "write it as YYYY-MM-DD, e.g. 2025-01-31\n")
    monkeypatch.delenv("TMLOGIC_TODAY")
    assert resolve_today() == dt.date.today()


def test_a_review_without_entries_looks_today_up_only_when_asked(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    empty = load_risks(tmp_path / "none.risks.yaml", missing_ok=True)
    monkeypatch.delenv("TMLOGIC_TODAY", raising=False)
    review = review_risks([threat()], empty)
    assert review.day is None and review.today == dt.date.today() and review.counts()["expired"] == 0
    assert review_risks([threat()], empty, TODAY).today == TODAY
    # a wrong $TMLOGIC_TODAY is still an error of the run, with or without a risk file
    model = write(tmp_path / "m.md", MODEL)
    code, _, err = invoke(app, "analyze", str(model), *rule_args(pack(tmp_path)), env={"TMLOGIC_TODAY": "tomorrow"})
    assert code == 2 and "$TMLOGIC_TODAY='tomorrow' is not a date" in err, err


def test_the_risk_file_sits_next_to_the_model(tmp_path: Path) -> None:
    assert risk_path_for(Path("a/threat_model.md")) == Path("a/threat_model.risks.yaml")
    assert risk_path_for(Path("shop.tm.yaml")) == Path("shop.tm.risks.yaml")
    model = write(tmp_path / "m.md", MODEL)
    assert find_risk_file(model) is None
    write(tmp_path / "m.risks.yml", "risks: []\n")
    assert find_risk_file(model) == tmp_path / "m.risks.yml"
    assert load_risks(tmp_path / "none.risks.yaml", missing_ok=True).exists is False
    with pytest.raises(RiskFileError, match="not found"):
        load_risks(tmp_path / "none.risks.yaml")


def test_the_paste_line_is_one_valid_entry_once_its_placeholders_are_filled() -> None:
    line = entry_line("T0000000001")
    assert line == '- {id: T0000000001, status: accepted, justification: "<why this risk is acceptable>", owner: "<team>"}'
    assert any("placeholder" in e for e in errors("risks:\n  " + line + "\n"))
    filled = line.replace("<why this risk is acceptable>", "TLS at the CDN").replace("<team>", "web")
    assert parse_risks("risks:\n  " + filled + "\n").entries[0].owner == "web"


@pytest.mark.parametrize("existing", [
    "# our decisions\nversion: 1\nrisks:\n  # kept\n  - id: T0000000009\n    status: accepted\n    justification: old\n"
    "# trailing comment\n",
    "risks:\n- id: T0000000009\n  status: accepted\n  justification: old",  # indentless, no final newline
    "risks:\n  - {id: T0000000009, status: accepted, justification: old}\nversion: 1\n",
    "version: 1\nrisks: []\n",
    "version: 1\nrisks:\n",
    "version: 1\n",
])
def test_entries_are_added_to_an_existing_file_keeping_it(tmp_path: Path, existing: str) -> None:
    path = write(tmp_path / "m.risks.yaml", existing)
    before = len(load_risks(path).entries)
    block = entry_block(threat(), "accepted", "TLS at the CDN", owner="web", expires=dt.date(2025, 12, 31))
    assert add_entries(path, "m.md", [block]) == 1
    text = path.read_text()
    after = load_risks(path).entries
    assert len(after) == before + 1 and after[-1].id == "T0000000001" and after[-1].expires == dt.date(2025, 12, 31)
    for line in existing.splitlines():
        if line.startswith("#") or "T0000000009" in line:
            assert line in text


def test_a_new_file_gets_a_header_that_explains_it(tmp_path: Path) -> None:
    path = tmp_path / "m.risks.yaml"
    add_entries(path, "m.md", [entry_block(threat(), "in-progress", "looking at it")])
    text = path.read_text()
    assert text.startswith("# Risk file for m.md") and "version: 1\nrisks:\n" in text
    assert "# TM-NET-001 Title: Browse (high, m.md:3)\n  - id: T0000000001\n" in text


# --- the commands ----------------------------------------------------------------------------------

def test_seed_records_current_threats_as_in_progress_and_only_adds_new_ones(tmp_path: Path) -> None:
    rules = rule_args(pack(tmp_path))
    model = write(tmp_path / "threat_model.md", MODEL)
    env = {"TMLOGIC_TODAY": "2025-06-01"}
    code, out, _ = invoke(app, "risks", "seed", str(model), "--owner", "platform", *rules, env=env)
    assert code == 0 and "1 threat recorded as in-progress" in out
    path = tmp_path / "threat_model.risks.yaml"
    entries = load_risks(path).entries
    assert [(e.status, e.owner) for e in entries] == [("in-progress", "platform")]
    assert entries[0].justification.startswith("Seeded by tmlogic risks seed on 2025-06-01")
    code, out, _ = invoke(app, "risks", "seed", str(model), *rules, env=env)
    assert code == 0 and "0 threats recorded" in out and "1 already accepted or tracked" in out
    write(model, MODEL.replace('"HTTPS"', '"HTTP"'))
    code, out, _ = invoke(app, "risks", "seed", str(model), *rules, "-o", "-", env=env)
    assert code == 0 and out.count("- id: T") == 1 and "version: 1" not in out


def test_accept_adds_a_checked_entry(tmp_path: Path) -> None:
    rules = rule_args(pack(tmp_path))
    model = write(tmp_path / "m.md", MODEL)
    code, _, err = invoke(app, "risks", "accept", str(model), "TM-NET-001:sync", "-j", "TODO", *rules)
    assert code == 2 and "placeholder" in err
    code, _, err = invoke(app, "risks", "accept", str(model), "Tffffffffff", "-j", "x", *rules)
    assert code == 2 and "no threat 'Tffffffffff'" in err
    code, out, _ = invoke(app, "risks", "accept", str(model), "TM-NET-001:sync", "-j", "partner VPN",
                          "--owner", "integrations", "--ticket", "SEC-9", "--expires", "2025-12-31", *rules,
                          env={"TMLOGIC_TODAY": "2025-06-01"})
    assert code == 0 and "1 entry added" in out
    (entry,) = load_risks(tmp_path / "m.risks.yaml").entries
    assert (entry.status, entry.justification, entry.owner, entry.ticket, entry.expires) == (
        "accepted", "partner VPN", "integrations", "SEC-9", dt.date(2025, 12, 31))
    code, out, _ = invoke(app, "risks", "check", "m.md", *rules, env={"TMLOGIC_TODAY": "2025-06-01"},
                          cwd=tmp_path)
    assert code == 0 and "TM-NET-001   accepted  (m.risks.yaml:8, owner integrations)" in out
    code, _, err = invoke(app, "risks", "check", str(model), *rules, env={"TMLOGIC_TODAY": "2026-01-01"})
    assert code == 1 and "expired on 2025-12-31" in err


def test_a_broken_risk_file_is_exit_2_with_its_location(tmp_path: Path) -> None:
    rules = rule_args(pack(tmp_path))
    model = write(tmp_path / "m.md", MODEL)
    write(tmp_path / "m.risks.yaml", "risks:\n  - id: T0000000001\n    status: accepted\n")
    code, _, err = invoke(app, "risks", "check", str(model), *rules)
    assert code == 2 and "m.risks.yaml:2:5: error: this entry has no justification" in err and "Traceback" not in err


def test_accept_updates_the_entry_seed_wrote_and_says_what_changed(tmp_path: Path) -> None:
    rules = rule_args(pack(tmp_path))
    model = write(tmp_path / "m.md", MODEL)
    env = {"TMLOGIC_TODAY": "2025-06-01"}
    assert invoke(app, "risks", "seed", str(model), "--owner", "platform", *rules, env=env)[0] == 0
    before = (tmp_path / "m.risks.yaml").read_text(encoding="utf-8")
    code, out, err = invoke(app, "risks", "accept", str(model), "TM-NET-001:sync", "-j", "partner VPN",
                            "--owner", "integrations", "--expires", "2025-12-31", *rules, env=env)
    assert code == 0, err
    assert "1 entry updated" in out and "added" not in out
    assert "status in-progress -> accepted" in out and "owner platform -> integrations" in out
    assert "expires set to 2025-12-31" in out and "'partner VPN'" in out
    (entry,) = load_risks(tmp_path / "m.risks.yaml").entries
    assert (entry.status, entry.justification, entry.owner, entry.expires) == (
        "accepted", "partner VPN", "integrations", dt.date(2025, 12, 31))
    after = (tmp_path / "m.risks.yaml").read_text(encoding="utf-8")
    assert [l for l in before.splitlines() if l.lstrip().startswith("#")] == \
        [l for l in after.splitlines() if l.lstrip().startswith("#")]  # comments kept
    code, out, _ = invoke(app, "risks", "accept", str(model), "TM-NET-001:sync", "-j", "partner VPN",
                          "--owner", "integrations", *rules, env=env)
    assert code == 0 and "already as asked, nothing changed" in out


def test_a_past_expiry_date_is_refused_unless_allowed(tmp_path: Path) -> None:
    rules = rule_args(pack(tmp_path))
    model = write(tmp_path / "m.md", MODEL)
    env = {"TMLOGIC_TODAY": "2025-06-01"}
    for command in (["seed", str(model)], ["accept", str(model), "TM-NET-001:sync", "-j", "partner VPN"]):
        code, _, err = invoke(app, "risks", *command, "--expires", "2025-05-31", *rules, env=env)
        assert code == 2 and "--expires 2025-05-31 is in the past (today is 2025-06-01)" in err and "--allow-past" in err
        assert not (tmp_path / "m.risks.yaml").exists()
    code, _, _ = invoke(app, "risks", "seed", str(model), "--expires", "2025-05-31", "--allow-past", *rules, env=env)
    assert code == 0 and load_risks(tmp_path / "m.risks.yaml").entries[0].expires == dt.date(2025, 5, 31)
    assert invoke(app, "risks", "seed", str(model), "--expires", "2025-06-01", *rules, env=env)[0] == 0  # today is fine
