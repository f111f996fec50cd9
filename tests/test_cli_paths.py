"""`tmlogic paths` and `analyze --paths` end to end: outputs, exit codes, input errors, baselines
from a result JSON and from git, and the rule commands that cover step packs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema

from test_tracking_support import commit, invoke, make_repo
from tmlogic.cli import app
from tmlogic.outputs.json_output import schema_path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "paths"
MODEL = DATA / "chokepoints.md"
FIXTURE_RULES = ["--rules", str(DATA / "rules"), "--no-builtin-rules"]


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return invoke(app, *args, cwd=cwd)


def test_paths_text_and_formats() -> None:
    code, out, _ = run("paths", str(MODEL), *FIXTURE_RULES)
    assert code == 0
    assert "GOAL 'Vault DB'" in out and "fix first (cost 1, minimum)" in out
    code, out, _ = run("paths", str(MODEL), *FIXTURE_RULES, "--goal", "Vault DB", "--k", "1", "--detail")
    assert code == 0 and out.count("  path ") == 1 and "GOAL 'Web'" not in out and "fact from " in out
    code, out, _ = run("paths", str(MODEL), *FIXTURE_RULES, "--format", "json")
    data = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(schema_path().read_text(encoding="utf-8"))).validate(data)
    assert data["paths"]["k"] == 3
    for fmt, needle in (("attack-flow", '"type": "attack-flow"'), ("navigator", '"techniqueID"'),
                        ("markdown", "<summary>Attack paths:"), ("html", 'id="paths"')):
        code, out, _ = run("paths", str(MODEL), *FIXTURE_RULES, "--format", fmt)
        assert code == 0 and needle in out, fmt
    first = run("paths", str(MODEL), *FIXTURE_RULES, "--format", "json")[1]
    assert first == run("paths", str(MODEL), *FIXTURE_RULES, "--format", "json")[1]  # byte-identical


def test_verify_applies_each_choke_point() -> None:
    code, out, _ = run("paths", str(MODEL), *FIXTURE_RULES, "--verify", "--k", "1")
    assert code == 0
    checks = out.split("Checking the choke points")[1]
    assert "STILL REACHABLE" not in checks and checks.count("-> no path") >= 4
    assert "STILL POSSIBLE" not in checks and checks.count("single change: ") >= 2
    assert "single change: remove flow 'Inbound', or block it for everyone but its intended caller -> stops the" in checks


def test_paths_input_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run("paths", str(MODEL), *FIXTURE_RULES, "--goal", "Balancer")
    assert code == 2 and "--goal 'Balancer' is not a goal" in err and "Traceback" not in err
    code, _, err = run("paths", str(MODEL), "--no-builtin-steps")
    assert code == 2 and "--no-builtin-steps needs at least one --steps pack" in err
    bad = tmp_path / "steps"
    bad.mkdir()
    (bad / "TM-MINE-001.dl").write_text("/// id: TM-MINE-001\n/// title: x\n/// step: walk\n/// likelihood: likely\n"
                                        "/// message: m\nattack_controls(E) :- attack_controls(S), flow(_, S, E).\n",
                                        encoding="utf-8")
    code, _, err = run("paths", str(MODEL), *FIXTURE_RULES, "--steps", str(bad))
    assert code == 2 and "TM-MINE-001.dl:3:" in err and 'unknown step kind "walk"' in err
    code, _, err = run("paths", str(tmp_path / "missing.md"))
    assert code == 2 and "Traceback" not in err
    plain = tmp_path / "plain.json"
    assert run("analyze", str(MODEL), *FIXTURE_RULES, "--format", "json", "-o", str(plain))[0] == 0
    code, _, err = run("paths", str(MODEL), *FIXTURE_RULES, "--baseline", str(plain))
    assert code == 2 and "has no attack paths" in err


def test_analyze_paths_in_json_and_output_dir(tmp_path: Path) -> None:
    code, out, _ = run("analyze", str(MODEL), *FIXTURE_RULES, "--paths", "--format", "json", "--output-dir", str(tmp_path))
    assert code == 0 and "paths" in json.loads(out)
    assert (tmp_path / "attack-flow.json").is_file() and (tmp_path / "attack-paths-navigator-layer.json").is_file()
    code, out, _ = run("analyze", str(MODEL), *FIXTURE_RULES, "--paths")
    assert code == 0 and "Attack paths in Choke points" in out
    code, out, _ = run("analyze", str(MODEL), *FIXTURE_RULES, "--format", "json")
    assert "paths" not in json.loads(out)


def test_new_paths_against_a_json_baseline_and_a_git_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    model = repo / "threat_model.md"
    shutil.copytree(DATA / "rules", repo / "rules")
    text = MODEL.read_text(encoding="utf-8")
    model.write_text("".join(line for line in text.splitlines(keepends=True) if "**Web to DB**" not in line),
                     encoding="utf-8")
    commit(repo, "before")
    rules = ["--rules", "rules", "--no-builtin-rules"]
    code, _, _ = run("analyze", "threat_model.md", *rules, "--paths", "--format", "json", "-o", "before.json", cwd=repo)
    assert code == 0
    model.write_text(text, encoding="utf-8")
    for baseline in ("before.json", "HEAD"):
        code, out, err = run("analyze", "threat_model.md", *rules, "--paths", "--baseline", baseline, "--format",
                             "markdown", cwd=repo)
        assert code == 0, err
        assert "New paths to crown jewels (against" in out and "**newly reachable:** Web" in out
    code, out, _ = run("paths", "threat_model.md", *rules, "--baseline", "HEAD", cwd=repo)
    assert code == 0 and "newly reachable: 'Web'" in out


def test_rules_commands_cover_the_step_pack() -> None:
    code, out, _ = run("rules", "lint")
    assert code == 0 and "attack-paths" in out
    code, out, _ = run("rules", "test", str(ROOT / "attack-paths"))
    assert code == 0 and "ok   TM-PATH-001" in out and out.rstrip().endswith("passed, 0 failed")


def test_a_step_pack_adds_moves_to_the_built_in_states(tmp_path: Path) -> None:
    # the states of attack-paths/attack-paths.dl are extension points: a user's pack may derive them
    pack = tmp_path / "steps"
    pack.mkdir()
    (pack / "TM-MINE-001.dl").write_text(
        "/// id: TM-MINE-001\n/// title: Lateral move along any flow\n/// step: lateral-movement\n"
        "/// likelihood: likely\n/// message: the attacker moves to '{E}'\n"
        "attack_controls(E) :- attack_controls(S), flow(_, S, E).\n", encoding="utf-8")
    code, out, err = run("paths", str(MODEL), *FIXTURE_RULES, "--steps", str(pack), "--format", "json")
    assert code == 0 and "Traceback" not in err
    assert "TM-MINE-001" in out
