"""`tmlogic diff`: threats and model changes between two versions (files, result JSON, git
revisions with submodels), in text, JSON and Markdown; and the issue's end-to-end scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from test_tracking_support import (
    MODEL,
    commit,
    invoke,
    make_repo,
    options,
    pack,
    rule_args,
    write,
)
from tmlogic.analysis import analyze
from tmlogic.model.loader import load_model
from tmlogic.outputs.json_output import render_json
from tmlogic.tracking import (
    DiffReport,
    diff_models,
    diff_threats,
    diff_to_dict,
    fail_threats,
    load_side,
    render_diff_markdown,
    render_diff_text,
    track,
)
from tmlogic.tracking.diff import diff_schema_path
from tmlogic.tracking.gitsource import GitError, checkout_model, git_show
from tmlogic.cli import app

HTTP = MODEL.replace('- **Browse**: from="Customer", to="Web", protocol="HTTPS"',
                     '- **Browse**: from="Customer", to="Web", protocol="HTTP"')


def models(tmp_path: Path, old: str, new: str):  # type: ignore[no-untyped-def]
    a = load_model(write(tmp_path / "old" / "m.md", old))[0]
    b = load_model(write(tmp_path / "new" / "m.md", new))[0]
    return diff_models(a, b)


def test_model_changes_are_listed_by_group_and_field(tmp_path: Path) -> None:
    new = (MODEL.replace("# Threat Model: Shop", "# Threat Model: Shop v2")
           .replace('- **Partner**: boundary=Internet\n', '- **Supplier**: boundary=Internet\n')
           .replace('from="Partner"', 'from="Supplier"')
           .replace("- **Api**: boundary=Intranet, type=app-server", "- **Api**: boundary=Intranet, type=app-server, is_hardened=True")
           .replace("- **Web**: boundary=Intranet, type=web-server\n", "")
           .replace('- **Browse**: from="Customer", to="Web", protocol="HTTPS", is_authenticated=True\n',
                    '- **Browse**: from="Customer", to="Api", protocol="HTTP", is_authenticated=True\n')
           + "## Data\n- **Card**: classification=SECRET\n")
    d = models(tmp_path, MODEL, new)
    assert (d.title.old, d.title.new) == ("Shop", "Shop v2")
    e = d.groups["elements"]
    assert [r.name for r in e.removed] == ["Web"] and e.added == ()
    assert [(o.name, n.name) for o, n in e.renamed] == [("Partner", "Supplier")]
    assert [(c.item.name, [(f.field, f.old, f.new) for f in c.changes]) for c in e.changed] == [
        ("Api", [("is_hardened", None, True)])]
    flows = d.groups["flows"]
    assert [(c.item.name, [(f.field, f.old, f.new) for f in c.changes]) for c in flows.changed] == [
        ("Browse", [("protocol", "HTTPS", "HTTP"), ("to", "Web", "Api")]),
        ("Sync", [("from", "Partner", "Supplier")]),
    ]
    assert [r.name for r in d.groups["data"].added] == ["Card"]
    assert len(d.groups["boundaries"]) == 0
    assert len(d) == 7


def test_acceptances_in_the_model_are_part_of_the_diff(tmp_path: Path) -> None:
    d = models(tmp_path, MODEL, MODEL + '## Accepted Threats\n- **TM-NET-001**: target="Sync", reason="VPN"\n')
    assert [r.name for r in d.groups["acceptances"].added] == ["TM-NET-001 on Sync"]


def _report(tmp_path: Path, old: str, new: str) -> DiffReport:
    rules = pack(tmp_path)
    a = analyze(write(tmp_path / "old" / "m.md", old), options(rules))
    b = analyze(write(tmp_path / "new" / "m.md", new), options(rules))
    from tmlogic.tracking import snapshot_result

    return DiffReport("old/m.md", "new/m.md", diff_threats(snapshot_result(a.result).threats, snapshot_result(b.result).threats),
                      diff_models(a.model, b.model))


def test_the_three_renderings_agree_and_the_json_follows_its_schema(tmp_path: Path) -> None:
    report = _report(tmp_path, MODEL, HTTP.replace('protocol="HTTP", is_authenticated=True\n- **Sync**',
                                                  'protocol="HTTP | <b>", is_authenticated=True\n- **Sync**'))
    data = diff_to_dict(report)
    jsonschema.validate(data, json.loads(diff_schema_path().read_text()))
    assert data["summary"] == {"threats_added": 1, "threats_removed": 0, "threats_changed": 0, "model_changes": 1}
    added = data["threats"]["added"][0]
    assert (added["rule_id"], added["targets"], added["level"]) == ("TM-NET-001", [{"id": "browse", "name": "Browse"}], "high")
    text = render_diff_text(report)
    assert "Threats: 1 added, 0 removed, 0 changed" in text and f"+ {added['id']}  HIGH" in text
    assert 'Browse (browse): protocol "HTTPS" -> "HTTP | <B>"' in text
    md = render_diff_markdown(report)
    assert "**1 threat added** (1 high or critical), 0 removed, 0 changed." in md
    assert "\\| &lt;B&gt;" in md and "<b>" not in md.lower().replace("<details>", "").replace("<summary>", "")
    assert render_diff_text(report) == text  # deterministic


def test_diff_of_two_result_files_has_no_model_section(tmp_path: Path) -> None:
    rules = pack(tmp_path)
    for name, text in (("a", MODEL), ("b", HTTP)):
        write(tmp_path / f"{name}.json", render_json(analyze(write(tmp_path / f"{name}.md", text), options(rules)).result))
    code, out, _ = invoke(app, "diff", "a.json", "b.json", "--format", "json", cwd=tmp_path)
    data = json.loads(out)
    assert code == 0 and data["model"] is None and data["summary"]["model_changes"] is None
    assert data["old"] == {"source": "a.json", "kind": "json"}
    assert [t["targets"][0]["name"] for t in data["threats"]["added"]] == ["Browse"]
    code, out, _ = invoke(app, "diff", "a.json", "b.md", *rule_args(rules), cwd=tmp_path)
    assert "Model: not compared (a.json is a result JSON, which holds no model)" in out


def test_an_old_version_is_read_from_git_with_its_submodels(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "docs" / "threat_model.md", MODEL.replace("type=app-server", "type=app-server, submodel=./api/model.md"))
    write(repo / "docs" / "api" / "model.md", "# Threat Model: Api\n## Servers\n- **Handler**:\n- **Store**: type=database\n"
                                              "## Dataflows\n- **Save**: from=Handler, to=Store, protocol=SQL\n")
    write(repo / "README.md", "not a model but a .md file: copied, never loaded\n")
    commit(repo, "first")
    write(repo / "docs" / "api" / "model.md", "# Threat Model: Api\n## Servers\n- **Handler**:\n- **Store**: type=database\n"
                                              "## Dataflows\n- **Save**: from=Handler, to=Store, protocol=TDS\n")
    commit(repo, "second")
    model = repo / "docs" / "threat_model.md"
    with checkout_model("HEAD~1", model) as old:
        assert old.label == "HEAD~1:docs/threat_model.md"
        assert (old.folder / "docs" / "api" / "model.md").read_text().endswith("protocol=SQL\n")
        assert not (old.folder / "README.md").exists()  # only the model's folder is copied
    assert b"protocol=TDS" in git_show("HEAD", repo / "docs" / "api" / "model.md")
    rules = pack(tmp_path)
    side = load_side("HEAD~1", model_hint=model, options=options(rules))
    now = load_side(str(model), options=options(rules))
    d = diff_models(side.model, now.model)
    (change,) = d.groups["flows"].changed
    assert (change.item.id, [(f.field, f.old, f.new) for f in change.changes]) == (
        "api/model.md#save", [("protocol", "SQL", "TDS")])
    assert side.threats.threats and all(t.file.startswith("HEAD~1:docs/") for t in side.threats.threats)


def test_a_project_folder_is_diffed_through_its_main_model(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "shop" / "main.md", MODEL)
    commit(repo, "one")
    write(repo / "shop" / "main.md", HTTP)
    code, out, err = invoke(app, "diff", "HEAD", "shop", *rule_args(pack(tmp_path)), cwd=repo)
    assert code == 0, err
    assert out.startswith("tmlogic diff: HEAD:shop/main.md -> shop/main.md") and "1 added" in out


@pytest.mark.parametrize("args, expected", [
    (["HEAD~5", "m.md"], "tmlogic: error: 'HEAD~5' is neither a file nor a revision of the repository at"),
    (["HEAD:other.md", "m.md"], "'other.md' does not exist at HEAD"),
    (["nope.md", "m.md"], "(fetch-depth: 0)"),
    (["m.md", "HEAD"], "'HEAD' is not a file; give a model"),
])
def test_git_mistakes_are_input_errors(tmp_path: Path, args: list[str], expected: str) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "m.md", MODEL)
    commit(repo, "one")
    code, _, err = invoke(app, "diff", *args, *rule_args(pack(tmp_path)), cwd=repo)
    assert code == 2 and expected in err and "Traceback" not in err


def test_outside_a_repository_a_revision_is_explained(tmp_path: Path) -> None:
    write(tmp_path / "m.md", MODEL)
    code, _, err = invoke(app, "diff", "HEAD~1", "m.md", *rule_args(pack(tmp_path)), cwd=tmp_path)
    assert code == 2 and "m.md is not in a git repository" in err
    with pytest.raises(GitError):
        git_show("HEAD", tmp_path / "m.md")


# --- the issue's scenario ---------------------------------------------------------------------------

def _scenario(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose model had Browse over HTTPS (HEAD~1) and now over HTTP (HEAD), and a
    result JSON of the HTTPS version as the baseline."""
    repo = make_repo(tmp_path / "repo")
    rules = pack(tmp_path)
    model = write(repo / "model.md", MODEL)
    commit(repo, "model")
    write(tmp_path / "baseline.json", render_json(analyze(model, options(rules)).result))
    write(model, HTTP)
    commit(repo, "Browse over HTTP")
    return repo, rules


def test_issue_scenario_with_the_functions(tmp_path: Path) -> None:
    repo, rules = _scenario(tmp_path)
    model = repo / "model.md"
    old = load_side("HEAD~1", model_hint=model, options=options(rules))
    new = load_side(str(model), options=options(rules))
    d = diff_threats(old.threats.threats, new.threats.threats)
    assert [(t.rule_id, t.target_names) for t in d.added] == [("TM-NET-001", ("Browse",))]
    assert d.removed == () and d.changed == ()
    browse = d.added[0].id

    result = analyze(model, options(rules)).result
    for baseline in (tmp_path / "baseline.json", "HEAD~1"):
        tracking = track(model, result, baseline=baseline, options=options(rules), today="2025-06-01")
        assert [f.threat.id for f in tracking.failures("high", new_only=True)] == [browse]
    write(repo / "model.risks.yaml", f"risks:\n  - id: {browse}\n    status: accepted\n"
                                     "    justification: TLS ends at the CDN in front of Web\n    expires: 2025-12-31\n")
    tracking = track(model, result, baseline=tmp_path / "baseline.json", today="2025-06-01")
    assert tracking.failures("high", new_only=True) == []
    assert fail_threats(result, tracking.comparison, tracking.risks, "high", True) == []
    tracking = track(model, result, baseline=tmp_path / "baseline.json", today="2026-01-01")
    assert [(f.threat.id, f.reason) for f in tracking.failures("high", new_only=True)] == [(browse, "expired")]


def test_issue_scenario_through_the_cli(tmp_path: Path) -> None:
    repo, rules = _scenario(tmp_path)
    args = rule_args(rules)
    code, out, err = invoke(app, "diff", "HEAD~1", "model.md", "--format", "json", *args, cwd=repo)
    assert code == 0, err
    data = json.loads(out)
    assert [(t["rule_id"], t["targets"][0]["name"]) for t in data["threats"]["added"]] == [("TM-NET-001", "Browse")]
    assert data["threats"]["removed"] == [] and data["threats"]["changed"] == []
    browse = data["threats"]["added"][0]["id"]
    code, out, _ = invoke(app, "diff", "HEAD~1", "model.md", *args, cwd=repo)
    assert "Threats: 1 added, 0 removed, 0 changed" in out and 'protocol "HTTPS" -> "HTTP"' in out

    env = {"TMLOGIC_TODAY": "2025-06-01"}
    gate = ["analyze", "model.md", "--baseline", str(tmp_path / "baseline.json"), "--fail-on", "high",
            "--fail-new-only", *args]
    code, _, err = invoke(app, *gate, env=env, cwd=repo)
    assert code == 1
    assert f"{browse}  HIGH  TM-NET-001  model.md:12  new since the baseline" in err
    assert f"accept: - {{id: {browse}, status: accepted" in err
    code, _, err = invoke(app, "analyze", "model.md", "--baseline", "HEAD~1", "--fail-on", "high", "--fail-new-only",
                          *args, env=env, cwd=repo)
    assert code == 1 and browse in err
    code, out, err = invoke(app, "risks", "accept", "model.md", browse, "-j", "TLS ends at the CDN in front of Web",
                            "--expires", "2025-12-31", *args, env=env, cwd=repo)
    assert code == 0, err
    code, _, err = invoke(app, *gate, env=env, cwd=repo)
    assert code == 0, err
    code, _, err = invoke(app, *gate, env={"TMLOGIC_TODAY": "2026-01-01"}, cwd=repo)
    assert code == 1 and "expired on 2025-12-31" in err


def test_diff_fail_on_exits_1_for_an_added_threat(tmp_path: Path) -> None:
    repo, rules = _scenario(tmp_path)
    code, _, err = invoke(app, "diff", "HEAD~1", "model.md", "--fail-on", "high", *rule_args(rules), cwd=repo)
    assert code == 1 and "1 added threat at or above high" in err
    code, _, _ = invoke(app, "diff", "HEAD~1", "model.md", "--fail-on", "critical", *rule_args(rules), cwd=repo)
    assert code == 0


def test_diff_markdown_is_written_to_a_file(tmp_path: Path) -> None:
    repo, rules = _scenario(tmp_path)
    code, _, _ = invoke(app, "diff", "HEAD~1", "model.md", "-f", "markdown", "-o", "out/diff.md",
                        *rule_args(rules), cwd=repo)
    md = (repo / "out" / "diff.md").read_text()
    assert code == 0 and md.startswith("### Threat model changes: `HEAD~1:model.md` → `model.md`")
    assert "| added | high 8.6 |" in md and "`model.md:12`" in md


def test_a_revision_that_looks_like_an_option_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    write(repo / "m.md", MODEL)
    commit(repo, "one")
    for rev in ("--output=/tmp/x", "-p"):
        with pytest.raises(GitError, match="is not a revision"):
            git_show(rev, repo / "m.md")
        with pytest.raises(GitError, match="is not a revision"):
            with checkout_model(rev, repo / "m.md"):
                pass
    assert git_show("HEAD", repo / "m.md").decode() == MODEL


def test_the_package_loads_each_name_with_its_module_and_an_analysis_leaves_the_diff_unloaded(tmp_path: Path) -> None:
    import tmlogic.tracking as tracking

    for name in tracking.__all__:
        value = getattr(tracking, name)
        assert name.isupper() or value.__module__.startswith("tmlogic.tracking."), name
    with pytest.raises(AttributeError):
        tracking.no_such_name  # noqa: B018
    write(tmp_path / "m.md", MODEL)
    probe = ("import sys\nsys.argv = ['tmlogic', 'analyze', 'm.md']\nfrom tmlogic.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write(repr(sorted(m for m in sys.modules if m.startswith('tmlogic.tracking'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    loaded = done.stderr.strip().splitlines()[-1]
    assert "'tmlogic.tracking.track'" in loaded and "'tmlogic.tracking.diff'" not in loaded
