"""Issue 9, case by case: what a hostile pull request (model, submodels, risk file, rule packs,
symbolic links) could make tmlogic do, and what it does instead. Each test failed before the fix."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.logic.engines.base import sort_rows
from tmlogic.model.values import scalar
from tmlogic.tracking.risks import entry_block, parse_risks
from tmlogic.tracking.snapshot import ThreatSnapshot

ROOT = Path(__file__).resolve().parents[1]
WEBSHOP = ROOT / "examples" / "webshop" / "threat_model.md"
SECRET = "TMLOGIC_TEST_SECRET_6f1c"

SMALL = """# Threat Model: Small
## Boundaries
- **Internet**: isTrusted=False
- **Intranet**: isTrusted=True
## Actors
- **User**: boundary=Internet
## Servers
- **Web**: boundary=Intranet
## Dataflows
- **Browse**: from="User", to="Web", protocol="HTTP"
"""

RULE_META = """/// id: {id}
/// title: Test rule
/// stride: Tampering
/// severity: low
/// message: '{{E}}' matched.
/// mitigation: None.
"""


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def tmlogic(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120,
            preexec: object = None) -> subprocess.CompletedProcess[str]:
    """The installed command in a child process (for what only a real process shows: a FIFO that
    would block, stdout encodings, a full disk, file-size limits)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tmlogic.cli", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=preexec, check=False)  # type: ignore[arg-type]


def project(tmp_path: Path, model: str = SMALL, name: str = "threat_model.md") -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / name).write_text(model, encoding="utf-8")
    return root


def pack(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --- 1. secrets leak ------------------------------------------------------------------------------

def test_1_a_risk_file_linked_to_the_environment_is_refused_and_never_printed(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (root / "threat_model.risks.yaml").symlink_to("/proc/self/environ")
    monkeypatch.chdir(root)
    code, out, err = run("analyze", "threat_model.md", env={SECRET: "hunter2"})
    assert code == 2
    assert "hunter2" not in out + err and SECRET not in out + err
    assert "threat_model.risks.yaml:1:1: error: the risk file leads outside the project folder" in err


def test_1_a_parse_error_quotes_one_short_line_of_an_in_project_file_only(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (root / "threat_model.risks.yaml").write_text(
        "risks:\n  - rule: TM-NET-*\n    justification: fine\n    status: " + "x" * 5000 + "\n", encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("analyze", "threat_model.md")
    assert code == 2
    quoted = [line for line in err.splitlines() if line.startswith("    ") and "x" in line]
    assert quoted and all(len(line) <= 4 + 200 for line in quoted)


# --- 2. writes outside the output folder -----------------------------------------------------------

def test_2_a_committed_link_in_the_output_folder_is_not_written_through(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (root / "out").mkdir()
    (root / "out" / "summary.md").symlink_to(victim)
    (root / "out" / "report.html").symlink_to(tmp_path / "planted.html")  # dangling: would create a file
    monkeypatch.chdir(root)
    code, _, err = run("analyze", "threat_model.md", "--output-dir", "out")
    assert code == 2 and "symbolic link" in err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "planted.html").exists()


def test_2_risks_seed_does_not_write_through_a_linked_risk_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    victim = root / "elsewhere.yaml"
    victim.write_text("version: 1\nrisks:\n", encoding="utf-8")
    (root / "threat_model.risks.yaml").symlink_to(victim)
    monkeypatch.chdir(root)
    code, _, err = run("risks", "seed", "threat_model.md")
    assert code == 2 and "symbolic link" in err
    assert victim.read_text(encoding="utf-8") == "version: 1\nrisks:\n"


# --- 3. rule packs that switch built-in threats off ------------------------------------------------

@pytest.mark.parametrize("fact", ['encrypted_protocol("HTTP").', 'trusted("internet").'])
def test_3_a_pack_cannot_state_facts_for_shared_relations(tmp_path: Path, fact: str) -> None:
    evil = pack(tmp_path / "evil", {"evil.dl": f"// harmless helpers\n{fact}\n"})
    code, _, err = run("rules", "lint", str(evil))
    assert code == 2
    assert f"{evil / 'evil.dl'}:2:1: error: rule pack \"evil\" cannot add facts to" in err
    code, out, _ = run("analyze", str(WEBSHOP), "-r", str(evil), "--format", "json")
    assert code == 2 and out == ""


def test_3_two_packs_may_each_have_a_node_helper(tmp_path: Path) -> None:
    for name, kind in (("alpha", "server"), ("beta", "actor")):
        pack(tmp_path / name, {
            f"{name}.dl": f'.decl node(e: symbol)\nnode(E) :- element(E, "{kind}").\n',
            f"TM-{name.upper()}-001.dl": RULE_META.format(id=f"TM-{name.upper()}-001") + "threat(E) :- node(E).\n",
        })
    model = project(tmp_path) / "threat_model.md"
    code, out, err = run("analyze", str(model), "--no-builtin-rules", "-r", str(tmp_path / "alpha"),
                         "-r", str(tmp_path / "beta"), "--format", "json")
    assert code == 0, err
    found = sorted((t["rule_id"], t["targets"][0]["id"]) for t in json.loads(out)["threats"])
    assert found == [("TM-ALPHA-001", "web"), ("TM-BETA-001", "user")]


def test_3_an_extension_point_takes_facts_and_shows_in_the_proof(tmp_path: Path) -> None:
    org = pack(tmp_path / "org", {
        "org.dl": 'site_encrypted_protocol("MYRPC").\n',
        "TM-ORG-001.dl": RULE_META.format(id="TM-ORG-001") + "threat(E) :- encrypted_flow(E).\n",
    })
    model = project(tmp_path, SMALL.replace('protocol="HTTP"', 'protocol="MYRPC"')) / "threat_model.md"
    code, out, _ = run("analyze", str(model), "--no-builtin-rules", "-r", str(org), "--format", "json")
    assert code == 0
    (threat,) = json.loads(out)["threats"]
    code, out, _ = run("explain", str(model), threat["id"], "--no-builtin-rules", "-r", str(org))
    assert code == 0 and "an extension by rule pack 'org'" in out


# --- 4. model text rewriting the risk file ---------------------------------------------------------

def test_4_line_separators_in_names_are_rejected(tmp_path: Path) -> None:
    model = project(tmp_path, SMALL.replace("**Web**", "**Web\u2028injected**")) / "threat_model.md"
    code, _, err = run("validate", str(model))
    assert code == 2 and "U+2028" in err


def test_4_a_seeded_comment_cannot_add_a_risk_entry() -> None:
    snap = ThreatSnapshot(id="T0123456789", rule_id="TM-NET-001", title="t", level="high", score=7.0, message="m",
                          targets=("web",), target_names=("Web\u2028- rule: TM-*\n  status: accepted",),
                          file="m.md", line=3)
    text = "risks:\n" + entry_block(snap, "in-progress", "seeded")
    assert len(parse_risks(text).entries) == 1
    assert yaml.safe_load(text)["risks"] == [{"id": "T0123456789", "status": "in-progress", "justification": "seeded"}]


# --- 5. unbounded work -----------------------------------------------------------------------------

def test_5_a_submodel_diamond_loads_each_file_once(tmp_path: Path) -> None:
    root = tmp_path / "diamond"
    root.mkdir()
    levels = 14
    for i in range(levels):
        nxt = f"m{i + 1}.md"
        body = (f"## Servers\n- **A{i}**: submodel={nxt}\n- **B{i}**: submodel={nxt}\n" if i < levels - 1
                else f"## Servers\n- **Leaf**:\n")
        (root / ("main.md" if i == 0 else f"m{i}.md")).write_text(body, encoding="utf-8")
    code, out, _ = run("analyze", str(root / "main.md"), "--format", "json")
    assert code == 0
    assert len(json.loads(out)["model"]["files"]) == levels  # not 2**13 copies


def test_5_billion_laughs_is_a_clean_error(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    model = tmp_path / "bomb.yaml"
    model.write_text("\n".join(lines) + "\nservers:\n  - name: S\n    x-bomb: *a8\n", encoding="utf-8")
    code, _, err = run("validate", str(model))
    assert code == 2 and "YAML aliases expand this document" in err and "[limit-exceeded]" in err


def test_5_huge_integers_are_not_numbers() -> None:
    assert scalar("9" * 5000) == "9" * 5000
    assert scalar("9" * 18) == int("9" * 18)


def test_5_huge_integer_in_a_rule_pack_is_a_syntax_error(tmp_path: Path) -> None:
    big = pack(tmp_path / "big", {"big.dl": f".decl n(x: number)\nn({'9' * 5000}).\n"})
    code, _, err = run("rules", "lint", str(big))
    assert code == 2 and "more than 18 digits" in err


@pytest.mark.parametrize("make", ["fifo", "dev-zero"])
def test_5_a_fifo_or_a_device_as_the_model_is_refused_at_once(tmp_path: Path, make: str) -> None:
    root = project(tmp_path)
    model = root / "model.md"
    if make == "fifo":
        os.mkfifo(model)
    else:
        model.symlink_to("/dev/zero")
    proc = tmlogic("--allow-outside", "validate", "model.md", cwd=root, timeout=60)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


CROSS = RULE_META.format(id="TM-CROSS-001") + "threat(E) :- element(E, _), element(_, _), element(_, _), element(_, _).\n"
CLOSURE = (".decl closure_hop(a: symbol, b: symbol)\nclosure_hop(A, B) :- element(A, _), element(B, _).\n"
           "closure_hop(A, C) :- closure_hop(A, B), closure_hop(B, C).\n")


def _many_elements(n: int) -> str:
    return "## Servers\n" + "".join(f"- **S{i}**:\n" for i in range(n))


@pytest.mark.parametrize("engine", ["native", "clingo", "pydatalog"])
def test_5_a_runaway_pack_stops_at_the_tuple_budget_naming_its_rule(tmp_path: Path, engine: str) -> None:
    grow = pack(tmp_path / "grow", {"grow.dl": CLOSURE,
                                    "TM-GROW-001.dl": RULE_META.format(id="TM-GROW-001")
                                    + "threat(E) :- closure_hop(E, E).\n"})
    model = project(tmp_path, _many_elements(16)) / "threat_model.md"  # 256 closure_hop tuples
    code, _, err = run("--limit", "derived_tuples=200", "analyze", str(model), "--no-builtin-rules", "-r", str(grow),
                       "--engine", engine)
    assert code == 2
    assert f"{grow / 'grow.dl'}:2:1: error: this rule took the analysis past 200 derived tuples" in err


@pytest.mark.parametrize("engine", ["native", "clingo", "pydatalog"])
def test_5_a_cross_product_stops_at_the_time_budget(tmp_path: Path, engine: str) -> None:
    cross = pack(tmp_path / "cross", {"TM-CROSS-001.dl": CROSS})
    model = project(tmp_path, _many_elements(60)) / "threat_model.md"
    # a child process: clingo's grounder and pyDatalog's compiled core cannot be interrupted from
    # Python, and the process must still end with exit 2 (budget.py: abandon, watch_from_outside)
    seconds = "3" if engine == "pydatalog" else "0.2"  # pyDatalog spends a second on the prelude alone
    done = tmlogic("--limit", f"engine_seconds={seconds}", "analyze", str(model), "--no-builtin-rules", "-r", str(cross),
                   "--engine", engine, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    if engine != "native":  # clingo's grounder and pyDatalog's compiled core do not say which rule
        name = {"clingo": "clingo", "pydatalog": "pyDatalog"}[engine]
        assert f"{name} ran past {seconds} s of engine time" in done.stderr and "--limit engine_seconds=N" in done.stderr
    else:
        assert f"TM-CROSS-001.dl:7:1: error: the analysis ran past {seconds} s of engine time" in done.stderr
        assert "--limit engine_seconds=N" in done.stderr


# --- 6. tracebacks, and exit 1 for crashes ---------------------------------------------------------

def test_6_a_submodel_link_loop_is_a_clean_error(tmp_path: Path) -> None:
    root = project(tmp_path, SMALL.replace("**Web**: boundary=Intranet", "**Web**: boundary=Intranet, submodel=a.md"))
    (root / "a.md").symlink_to(root / "b.md")
    (root / "b.md").symlink_to(root / "a.md")
    code, _, err = run("analyze", str(root / "threat_model.md"))
    assert code == 2 and "loops" in err and "Traceback" not in err


@pytest.mark.parametrize("target", ["x" * 5000 + ".md", "sub\\x00.md", "a/" * 3000 + "m.md"])
def test_6_a_submodel_path_the_file_system_refuses_is_a_clean_error(tmp_path: Path, target: str) -> None:
    # found by the mutation fuzzer: a 5,000-character submodel name crashed the loader (ENAMETOOLONG)
    root = project(tmp_path, SMALL.replace("**Web**: boundary=Intranet", f"**Web**: boundary=Intranet, submodel={target}"))
    code, _, err = run("validate", str(root / "threat_model.md"))
    assert code == 2 and "submodel" in err and "internal error" not in err


def _chain(n: int) -> str:
    lines = ["## Boundaries", "- **Internet**: isTrusted=False", "- **Intranet**: isTrusted=True",
             "## Actors", "- **User**: boundary=Internet", "## Servers"]
    lines += [f"- **S{i}**: boundary=Intranet" for i in range(n)]
    lines += ["## Dataflows", '- **F0**: from="User", to="S0", protocol="HTTPS"']
    lines += [f'- **F{i + 1}**: from="S{i}", to="S{i + 1}", protocol="HTTPS"' for i in range(n - 1)]
    return "\n".join(lines) + "\n"


def test_6_a_long_flow_chain_proves_and_renders_without_recursion(tmp_path: Path) -> None:
    # one threat, at the end of the chain: its proof is as deep as the chain is long
    reach = pack(tmp_path / "reach", {"TM-REACH-001.dl": RULE_META.format(id="TM-REACH-001")
                                      + 'threat(E) :- reachable_from_untrusted(E), element(E, "server"), '
                                        "!connects(E, _).\n"})
    model = project(tmp_path, _chain(400)) / "threat_model.md"
    args = ("--no-builtin-rules", "-r", str(reach))
    code, out, _ = run("analyze", str(model), *args, "--format", "json")
    assert code == 0
    document = json.loads(out)
    (deepest,) = document["threats"]
    assert document["proofs"]["nodes"][deepest["proof"]]["height"] > 400
    for fmt in ("html", "text"):
        code, _, err = run("analyze", str(model), *args, "--format", fmt, "--verbose")
        assert code == 0, err
    code, out, _ = run("explain", str(model), deepest["id"], *args)
    assert code == 0 and out.count("reachable_from_untrusted(") >= 400


def test_6_an_internal_error_exits_3_with_a_short_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import tmlogic.outputs.text as text_output

    def broken(*args: object, **kwargs: object) -> str:
        raise ZeroDivisionError("the renderer divided by zero")

    monkeypatch.setattr(text_output, "render_text", broken)
    code, out, err = run("analyze", str(WEBSHOP))
    assert code == 3
    assert "internal error: ZeroDivisionError: the renderer divided by zero" in err
    assert "Traceback" not in err and "report it" in err
    code, _, err = run("--debug", "analyze", str(WEBSHOP))
    assert code == 3 and "Traceback (most recent call last)" in err


# --- 7. half-written files -------------------------------------------------------------------------

def _file_size_limit(limit: int) -> object:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_7_an_interrupted_risks_accept_leaves_the_risk_file_whole(tmp_path: Path) -> None:
    root = project(tmp_path)
    risks = root / "threat_model.risks.yaml"
    original = "version: 1\nrisks:\n"
    risks.write_text(original, encoding="utf-8")
    code, out, _ = run("analyze", str(root / "threat_model.md"), "--format", "json")
    threat = json.loads(out)["threats"][0]["id"]
    proc = tmlogic("risks", "accept", "threat_model.md", threat, "-j", "TLS ends at the proxy in front of Web",
                   cwd=root, preexec=_file_size_limit(len(original) + 20))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert risks.read_text(encoding="utf-8") == original
    assert [p.name for p in root.iterdir() if p.name.startswith(".threat_model")] == []


def test_7_an_interrupted_output_dir_keeps_the_previous_reports(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert tmlogic("analyze", "threat_model.md", "--output-dir", "out", cwd=root).returncode == 0
    before = {p.name: p.read_bytes() for p in (root / "out").iterdir()}
    proc = tmlogic("analyze", "threat_model.md", "--output-dir", "out", cwd=root, preexec=_file_size_limit(2000))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    after = {p.name: p.read_bytes() for p in (root / "out").iterdir()}
    assert after == before  # every report whole: the old one (no 0-byte or cut file)


def test_7_concurrent_runs_into_one_folder_leave_one_complete_set(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "other.md").write_text(SMALL.replace("Threat Model: Small", "Threat Model: Other"), encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "tmlogic.cli", "analyze", m, "--output-dir", "out", "-q"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for m in ("threat_model.md", "other.md")]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    title = json.loads((root / "out" / "threats.json").read_text(encoding="utf-8"))["model"]["title"]
    assert f"tmlogic: {title}" in (root / "out" / "summary.md").read_text(encoding="utf-8")
    assert f"{title}" in (root / "out" / "report.html").read_text(encoding="utf-8")


def test_7_an_output_over_the_model_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    model = root / "threat_model.md"
    code, _, err = run("analyze", str(model), "-o", str(model))
    assert code == 2 and "input of this run" in err
    code, _, err = run("diff", str(model), str(model), "-o", str(model))
    assert code == 2 and "input of this run" in err
    assert model.read_text(encoding="utf-8") == SMALL


# --- 8. output hygiene -----------------------------------------------------------------------------

def test_8_markdown_mentions_and_references_are_neutralised(tmp_path: Path) -> None:
    model = project(tmp_path, SMALL.replace("**Web**", "**Web @octocat #12 GH-7**")
                    .replace('to="Web"', 'to="Web @octocat #12 GH-7"')) / "threat_model.md"
    code, out, _ = run("analyze", str(model), "--format", "markdown")
    assert code == 0
    assert "@octocat" not in out and "#12" not in out and "GH-7" not in out
    assert "@\u200doctocat" in out and "#\u200d12" in out and "GH\u200d-7" in out


def test_8_control_sequences_from_a_risk_file_never_reach_the_terminal(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "threat_model.risks.yaml").write_text(
        'risks:\n  - rule: "TM-NOPE-\\e[31m9"\n    status: accepted\n    justification: "owned \\a\\e]0;pwned\\a"\n',
        encoding="utf-8")
    code, out, err = run("analyze", str(root / "threat_model.md"))
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\u001b" in out + err


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONIOENCODING": "euc-jp"}])
def test_8_a_stdout_that_cannot_encode_the_text_is_a_clean_error(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path, SMALL.replace("**Web**", "**Wéb ☃**").replace('to="Web"', 'to="Wéb ☃"'))
    proc = tmlogic("analyze", "threat_model.md", cwd=root, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "standard output uses the" in proc.stderr


def test_8_a_full_disk_on_stdout_is_a_clean_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    with open("/dev/full", "w", encoding="utf-8") as full:
        proc = subprocess.run([sys.executable, "-m", "tmlogic.cli", "analyze", "threat_model.md"], cwd=root,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "tmlogic: error: cannot write the output: No space left on device"


# --- 9. limits that failed wrongly -----------------------------------------------------------------

@pytest.mark.parametrize("step", [1, 2])
def test_9_deep_boundary_nesting_by_indentation(tmp_path: Path, step: int) -> None:
    lines = ["## Boundaries"] + [" " * (step * i) + f"- **Z{i}**: isTrusted=False" for i in range(12)]
    model = project(tmp_path, "\n".join(lines + ["## Servers", "- **S**: boundary=Z11"]) + "\n") / "threat_model.md"
    code, out, err = run("facts", str(model))
    assert code == 0 and "warning" not in err
    assert out.count("boundary_parent(") == 11


def test_9_nesting_past_the_limit_is_an_error(tmp_path: Path) -> None:
    lines = ["## Boundaries"] + ["  " * i + f"- **Z{i}**:" for i in range(6)]
    model = project(tmp_path, "\n".join(lines) + "\n") / "threat_model.md"
    code, _, err = run("--limit", "nesting_depth=4", "validate", str(model))
    assert code == 2 and "nested more than 4 levels deep" in err


@pytest.mark.parametrize("make, said", [("folder", "is a folder"), ("fifo", "not a regular file")])
def test_9_a_folder_or_fifo_as_submodel_says_what_it_is(tmp_path: Path, make: str, said: str) -> None:
    root = project(tmp_path, SMALL.replace("**Web**: boundary=Intranet", "**Web**: boundary=Intranet, submodel=sub.md"))
    if make == "folder":
        (root / "sub.md").mkdir()
    else:
        os.mkfifo(root / "sub.md")
    code, _, err = run("validate", str(root / "threat_model.md"))
    assert code == 2 and said in err and "did you mean" not in err


# --- 10. engine edge cases -------------------------------------------------------------------------

def test_10_pydatalog_negates_an_input_relation_the_model_has_no_facts_for(tmp_path: Path) -> None:
    neg = pack(tmp_path / "neg", {
        "neg.dl": ".decl neg_plain(e: symbol)\nneg_plain(E) :- element(E, _), !multiplier(E, _).\n",
        "TM-NEG-001.dl": RULE_META.format(id="TM-NEG-001") + "threat(E) :- neg_plain(E).\n"})
    model = project(tmp_path) / "threat_model.md"
    outs = []
    for engine in ("native", "pydatalog"):
        code, out, err = run("analyze", str(model), "--no-builtin-rules", "-r", str(neg), "--engine", engine,
                             "--format", "json")
        assert code == 0, err
        outs.append(sorted(t["id"] for t in json.loads(out)["threats"]))
    assert outs[0] == outs[1] and len(outs[0]) == 2


def test_10_a_threat_rule_in_a_helper_file_is_an_error(tmp_path: Path) -> None:
    stray = pack(tmp_path / "stray", {"stray.dl": RULE_META.format(id="TM-STRAY-001") + "threat(E) :- element(E, _).\n"})
    for command in ("lint", "test"):
        code, _, err = run("rules", command, str(stray))
        assert code == 2 and "threat rule TM-STRAY-001 is outside its own rule file" in err


def test_10_a_rule_id_must_match_its_file_name(tmp_path: Path) -> None:
    odd = pack(tmp_path / "odd", {"TM-ODD-001.dl": RULE_META.format(id="TM-ODD-002") + "threat(E) :- element(E, _).\n"})
    code, _, err = run("rules", "lint", str(odd))
    assert code == 2 and 'rule id "TM-ODD-002" does not match its file name TM-ODD-001.dl' in err


def test_10_lint_and_test_see_the_same_program(tmp_path: Path) -> None:
    # a user rule that reuses a built-in rule's id: rules test always failed it, lint passed it
    clash = pack(tmp_path / "clash", {"TM-NET-001.dl": RULE_META.format(id="TM-NET-001") + "threat(E) :- element(E, _).\n"})
    for command in ("lint", "test"):
        code, _, err = run("rules", command, str(clash))
        assert code == 2 and "duplicate-rule-id" in err


def test_10_negative_integers_sort_by_value() -> None:
    assert sort_rows([(-1,), (-10,), (3,), (-5,), ("a",)]) == [(-10,), (-5,), (-1,), (3,), ("a",)]
