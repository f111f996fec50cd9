"""CI integration: the pre-commit hooks (run by pre-commit itself on a sample repository), the
GitHub Action (action.yml and the step it runs), and the documentation of both."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from test_tracking_support import GIT_ENV, MODEL, ROOT, commit, git, invoke, make_repo, pack, write
from tmlogic.tracking import action, precommit
from tmlogic.cli import app

INVALID = MODEL + '- **Broken**: from="Nobody", to="Web", protocol="HTTPS"\n'
HOOK_FILES = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]["files"]


# --- pre-commit ------------------------------------------------------------------------------------

def _hook_repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repository holding the project's .pre-commit-hooks.yaml, with `language: python` made
    `language: system`: pre-commit then runs the entries with the test's Python (which has
    tmlogic) instead of building an environment from the package index, so the test runs offline."""
    hooks = make_repo(tmp_path / "hooks")
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert text.count("language: python") == 2
    write(hooks / ".pre-commit-hooks.yaml", text.replace("language: python", "language: system"))
    commit(hooks, "hooks")
    return hooks, git(hooks, "rev-parse", "HEAD").strip()


def _pre_commit(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_pre_commit_runs_the_hooks_and_fails_on_an_invalid_model(tmp_path: Path) -> None:
    hooks, rev = _hook_repo(tmp_path)
    rules = pack(tmp_path)
    sample = make_repo(tmp_path / "sample")
    write(sample / ".pre-commit-config.yaml", yaml.safe_dump({"repos": [{
        "repo": str(hooks), "rev": rev,
        "hooks": [{"id": "tmlogic-validate"},
                  {"id": "tmlogic-analyze", "args": ["--fail-on", "high", "--no-builtin-rules", "--rules", str(rules)]}],
    }]}))
    write(sample / "threat_model.md", MODEL)
    write(sample / "notes.md", "# not a model: the hooks' files pattern skips it\n")
    git(sample, "add", "-A")

    proc = _pre_commit(sample, tmp_path, "tmlogic-validate", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tmlogic validate" in proc.stdout and "Passed" in proc.stdout

    write(sample / "threat_model.md", INVALID)
    git(sample, "add", "-A")
    proc = _pre_commit(sample, tmp_path, "tmlogic-validate", "--all-files")
    assert proc.returncode == 1
    assert "Failed" in proc.stdout and "threat_model.md:14:" in proc.stdout and "error:" in proc.stdout
    assert "Nobody" in proc.stdout and "Traceback" not in proc.stdout

    # the analyze hook: Sync is cleartext into the trusted zone (high), until the risk file accepts it
    write(sample / "threat_model.md", MODEL)
    git(sample, "add", "-A")
    proc = _pre_commit(sample, tmp_path, "tmlogic-analyze", "--all-files")
    assert proc.returncode == 1 and "TM-NET-001  threat_model.md:13" in proc.stdout
    threat_id = re.search(r"accept: - \{id: (T[0-9a-f]{10})", proc.stdout).group(1)  # type: ignore[union-attr]
    write(sample / "threat_model.risks.yaml", f"risks:\n  - id: {threat_id}\n    status: accepted\n"
                                              "    justification: the partner link runs inside a VPN\n")
    git(sample, "add", "-A")
    proc = _pre_commit(sample, tmp_path, "--all-files")
    assert proc.returncode == 0, proc.stdout
    # a broken risk file fails validation, at its line
    write(sample / "threat_model.risks.yaml", f"risks:\n  - id: {threat_id}\n    status: acepted\n    justification: x\n")
    git(sample, "add", "-A")
    proc = _pre_commit(sample, tmp_path, "tmlogic-validate", "--all-files")
    assert proc.returncode == 1 and "threat_model.risks.yaml:3:13: error: unknown status 'acepted'" in proc.stdout


@pytest.mark.parametrize("path, matched", [
    ("threat_model.md", True), ("docs/threat_model.md", True), ("api-threat_model.yaml", True),
    ("shop.tm.md", True), ("svc/shop.tm.yml", True), ("threat_model.risks.yaml", True), ("shop.tm.risks.yml", True),
    ("README.md", False), ("docs/model.md", False), ("threat_model.md.bak", False), ("config.yaml", False),
])
def test_the_hooks_files_pattern(path: str, matched: bool) -> None:
    assert bool(re.search(HOOK_FILES, path)) is matched


def test_the_hook_script_maps_risk_files_to_their_models(tmp_path: Path) -> None:
    write(tmp_path / "a.tm.md", MODEL)
    write(tmp_path / "threat_model.yaml", "servers:\n  - name: Web\n")
    models, risk_files, problems = precommit.models_for([
        str(tmp_path / "a.tm.risks.yaml"), str(tmp_path / "a.tm.md"), str(tmp_path / "threat_model.risks.yml"),
        str(tmp_path / "orphan.risks.yaml"), str(tmp_path / "notes.txt")])
    assert models == [tmp_path / "a.tm.md", tmp_path / "threat_model.yaml"]
    assert len(risk_files) == 3 and len(problems) == 1 and "no model next to this risk file" in problems[0]


def test_the_hook_script_new_only_compares_with_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "repo")
    rules = ["--no-builtin-rules", "--rules", str(pack(tmp_path))]
    write(repo / "threat_model.md", MODEL)
    monkeypatch.chdir(repo)
    # not committed yet: every threat is new
    assert precommit.main(["analyze", "--new-only", *rules, "threat_model.md"]) == 1
    commit(repo, "model")
    assert precommit.main(["analyze", "--new-only", *rules, "threat_model.md"]) == 0
    write(repo / "threat_model.md", MODEL.replace('"HTTPS"', '"HTTP"'))
    capsys.readouterr()
    assert precommit.main(["analyze", "--new-only", *rules, "threat_model.md"]) == 1
    err = capsys.readouterr().err
    assert "new since HEAD" in err and err.count("accept: - {id:") == 1
    assert precommit.main(["analyze", *rules, "threat_model.md"]) == 1
    assert precommit.main(["validate", "threat_model.md"]) == 0
    write(repo / "threat_model.md", INVALID)
    assert precommit.main(["validate", "threat_model.md"]) == 2
    assert precommit.main(["analyze", *rules, "threat_model.md"]) == 2


# --- the GitHub Action -----------------------------------------------------------------------------

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def test_action_yml_is_a_composite_action_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"model", "fail-on", "fail-new-only", "baseline", "risks", "formats", "output-dir", "upload-sarif"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["model"]["required"] is True
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.upload-sarif == 'true'" in upload["if"] and "always()" in upload["if"]
    analyze = next(s for s in steps if s.get("id") == "analyze")
    source = Path(action.__file__).read_text()
    for name in analyze["env"]:
        assert name in source, name
    for step in steps:  # inputs reach scripts through env only: no ${{ }} pasted into shell code
        assert "${{" not in step.get("run", ""), step
        if "run" in step:
            assert step["shell"] == "bash"
    assert set(ACTION["outputs"]) >= {"exit-code", "sarif-file", "markdown-file", "comment-file"}


def test_the_action_posts_the_comment_itself_with_the_workflow_token() -> None:
    steps = ACTION["runs"]["steps"]
    comment = next(s for s in steps if "pr_comment" in s.get("run", ""))
    assert comment["run"].startswith("python -m tmlogic.tracking.pr_comment github")
    assert comment["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    assert ACTION["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert "always()" in comment["if"] and "inputs.comment == 'true'" in comment["if"]
    # before the step that fails the job, and no action from outside GitHub's own
    assert steps.index(comment) < next(i for i, s in enumerate(steps) if "exit " in s.get("run", ""))
    owners = {s["uses"].split("/")[0] for s in steps if "uses" in s}
    assert owners <= {"actions", "github"}


def _action_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    env = {"GITHUB_OUTPUT": str(tmp_path / "gh_output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "TMLOGIC_TODAY": "2025-06-01"}
    env.update({f"TMLOGIC_{k.upper()}": v for k, v in inputs.items()})
    return env


def _outputs(tmp_path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (tmp_path / "gh_output").read_text().splitlines())


def test_the_action_step_writes_reports_gates_and_summarises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "threat_model.md", MODEL)
    rules = str(pack(tmp_path))
    env = _action_env(tmp_path, model="threat_model.md", fail_on="high", formats="json", output_dir="out", rules=rules,
                      builtin_rules="false")
    assert action.main(env) == 0  # the step itself never fails: a later step does, after the upload
    out = _outputs(tmp_path)
    assert out["exit-code"] == "1" and out["failing"] == "1" and out["output-dir"] == "out"
    report = json.loads((tmp_path / "out" / "tmlogic.json").read_text())
    assert report["format"] == "tmlogic-result"
    captured = capsys.readouterr()
    assert "::error file=threat_model.md,line=13,title=TM-NET-001" in captured.out
    assert "1 threat at or above high fails the build" in captured.err
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## tmlogic: threat\\_model.md")  # Markdown-escaped; renders as the name
    assert "**1 threat at or above high fails the build**" in summary
    assert (tmp_path / out["comment-file"]).read_text() == summary  # the pull-request comment says the same

    # with a baseline equal to the current model, nothing is new
    (tmp_path / "gh_output").unlink()
    env.update(TMLOGIC_BASELINE="out/tmlogic.json", TMLOGIC_FAIL_NEW_ONLY="true")
    assert action.main(env) == 0
    assert _outputs(tmp_path)["exit-code"] == "0"
    assert "**0 threats added**, 0 removed, 0 changed." in (tmp_path / "summary.md").read_text()


def test_the_action_step_reports_bad_input_as_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "threat_model.md", INVALID)
    assert action.main(_action_env(tmp_path, model="threat_model.md", formats="json")) == 0
    assert _outputs(tmp_path)["exit-code"] == "2" and "threat_model.md:14:" in capsys.readouterr().err
    (tmp_path / "gh_output").unlink()
    assert action.main(_action_env(tmp_path, model="threat_model.md", formats="pdf")) == 0
    assert _outputs(tmp_path)["exit-code"] == "2" and "unknown format(s) pdf" in capsys.readouterr().err
    (tmp_path / "gh_output").unlink()
    assert action.main(_action_env(tmp_path, model="")) == 0
    assert _outputs(tmp_path)["exit-code"] == "2"


def test_the_action_step_writes_sarif_and_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "threat_model.md", MODEL)
    env = _action_env(tmp_path, model="threat_model.md", formats="sarif,markdown", output_dir="out",
                      rules=str(pack(tmp_path)), builtin_rules="false", fail_on="none")
    assert action.main(env) == 0
    out = _outputs(tmp_path)
    assert out["exit-code"] == "0" and out["sarif-file"] == "out/tmlogic.sarif" and out["markdown-file"] == "out/tmlogic.md"
    assert json.loads((tmp_path / "out" / "tmlogic.sarif").read_text())["version"] == "2.1.0"


# --- documentation ---------------------------------------------------------------------------------

def _yaml_blocks(markdown: str) -> list[object]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", markdown, re.S)]


def test_docs_show_a_workflow_that_uses_the_action_with_real_inputs() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "## Continuous integration" in readme and "docs/ci.md" in readme
    inputs = set(ACTION["inputs"])
    uses = []
    for block in _yaml_blocks(docs) + _yaml_blocks(readme):
        steps: list = []
        if isinstance(block, dict) and "jobs" in block:
            steps = [s for job in block["jobs"].values() for s in job["steps"]]
        elif isinstance(block, dict) and "steps" in block:
            steps = block["steps"]
        for step in steps:
            if "tmlogic" in str(step.get("uses", "")):
                uses.append(step)
                assert set(step.get("with", {})) <= inputs, step
    assert len(uses) >= 2  # the README snippet and the docs/ci.md workflow
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for block in _yaml_blocks(docs):
        if isinstance(block, dict) and "repos" in block:
            for repo in block["repos"]:
                if repo["repo"] != "local":
                    assert {h["id"] for h in repo["hooks"]} <= hooks


def test_docs_carry_complete_workflows_for_github_and_gitlab() -> None:
    docs = (ROOT / "docs" / "ci.md").read_text()
    template = (ROOT / "ci" / "tmlogic.gitlab-ci.yml").read_text()
    assert f"```yaml\n{template}```" in docs  # the GitLab job in the docs is the shipped template, whole
    gitlab = yaml.safe_load(template)
    job = gitlab["tmlogic"]
    assert job["artifacts"]["reports"] == {"sast": "tmlogic-results/gl-sast-report.json",
                                           "junit": "tmlogic-results/junit.xml"}
    script = "\n".join(job["script"])
    assert "tmlogic analyze" in script and "pr_comment gitlab" in script and "exit $status" in script
    assert "TMLOGIC_GITLAB_TOKEN" not in script  # the token stays in the environment
    workflow = next(b for b in _yaml_blocks(docs) if isinstance(b, dict) and "jobs" in b and "permissions" in b)
    assert workflow["permissions"]["pull-requests"] == "write"
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["tmlogic"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0


def test_the_risks_help_lists_the_commands() -> None:
    code, out, _ = invoke(app, "risks", "--help")
    assert code == 0 and all(c in out for c in ("seed", "accept", "check"))


def test_github_annotations_go_where_the_runner_reads_them(tmp_path: Path) -> None:
    rules = ["--rules", str(pack(tmp_path)), "--no-builtin-rules", "--no-config"]
    write(tmp_path / "m.md", MODEL)
    env = {"GITHUB_ACTIONS": "true"}
    code, out, err = invoke(app, "analyze", "m.md", "--fail-on", "critical", *rules, env=env, cwd=tmp_path)
    assert code == 0 and "::error" not in out + err  # nothing at critical
    code, _, err = invoke(app, "analyze", "m.md", "--fail-new-only", *rules, cwd=tmp_path)
    assert code == 2 and "--fail-new-only needs --fail-on" in err
    code, out, err = invoke(app, "analyze", "m.md", "--fail-on", "high", *rules, env=env, cwd=tmp_path)
    assert code == 1 and "1 threat at or above high fails the build" in err
    assert "::error file=m.md,line=13," in out  # stdout carries no report: the runner reads it there
    code, out, err = invoke(app, "analyze", "m.md", "--fail-on", "high", "--format", "json", *rules, env=env, cwd=tmp_path)
    assert code == 1 and "::error file=m.md,line=13," in err and json.loads(out)["format"] == "tmlogic-result"
    code, out, err = invoke(app, "analyze", "m.md", "--fail-on", "high", "--quiet", *rules, cwd=tmp_path)
    assert (code, out) == (1, "") and err == "tmlogic: m.md: 1 threat fails the build\n"
