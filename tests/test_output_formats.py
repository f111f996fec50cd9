"""`analyze --format` for every format, `--output-dir`, project folders, and determinism:
two runs give identical bytes in every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.outputs.formats import FORMATS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "outputs"
RULES = DATA / "rules"
ANCHORS = ROOT / "tests" / "data" / "anchors" / "secopstm"
DMZ = ANCHORS / "threat_model.md"
EXAMPLE_2 = ANCHORS / "projects" / "example_2"
OWN_RULES = ["--no-builtin-rules", "--rules", str(RULES)]
EXPECTED_FILES = {"threats.txt", "threats.json", "threats.sarif", "threats.stix.json", "attack-navigator-layer.json",
                  "report.html", "summary.md", "diagram.dot", "diagram.svg", "junit.xml", "gl-sast-report.json",
                  "threats.csv"}
PATH_FILES = {"attack-flow.json", "attack-paths-navigator-layer.json"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "stix", "navigator", "html", "markdown"])
def test_every_format_is_written_to_stdout_and_to_a_file(fmt: str, tmp_path: Path) -> None:
    code, out, _ = run("analyze", str(DATA / "web.md"), "--format", fmt, *OWN_RULES)
    assert code == 0 and out
    target = tmp_path / f"out.{fmt}"
    code, quiet, _ = run("analyze", str(DATA / "web.md"), "--format", fmt, "-o", str(target), *OWN_RULES)
    assert code == 0 and quiet == ""
    assert target.read_text(encoding="utf-8") == out
    if fmt in ("json", "sarif", "stix", "navigator"):
        json.loads(out)


@pytest.mark.usefixtures("graphviz")
def test_output_dir_writes_every_format_with_fixed_names(tmp_path: Path) -> None:
    code, out, err = run("analyze", str(DATA / "web.md"), "--output-dir", str(tmp_path / "reports"), *OWN_RULES)
    assert code == 0
    assert {p.name for p in (tmp_path / "reports").iterdir()} == EXPECTED_FILES
    assert {f.filename for f in FORMATS.values() if not f.needs_paths} == EXPECTED_FILES
    assert {f.filename for f in FORMATS.values() if f.needs_paths} == PATH_FILES  # written with --paths
    assert "wrote" in err and "Output Test Shop" in out  # the text still goes to stdout


def test_fail_on_still_applies_with_output_dir(tmp_path: Path) -> None:
    code, _, err = run("analyze", str(DATA / "web.md"), "--output-dir", str(tmp_path), "--fail-on", "critical",
                       *OWN_RULES)
    assert code == 1 and "1 threat at or above critical fails the build" in err
    assert (tmp_path / "threats.sarif").is_file()


@pytest.mark.usefixtures("graphviz")
def test_dmz_example_every_format_twice_gives_identical_bytes(tmp_path: Path) -> None:
    # Two separate processes with different hash seeds, so no set or dict order can leak out.
    for run_name, seed in (("first", "1"), ("second", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "tmlogic.cli", "analyze", str(DMZ), "--output-dir",
                               str(tmp_path / run_name), "-q"], env=env, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert set(first) == EXPECTED_FILES
    for name in sorted(first):
        assert first[name] == second[name], f"{name} differs between two runs"
        assert first[name], f"{name} is empty"


@pytest.mark.usefixtures("graphviz")
def test_project_folder_analyzes_main_md_and_its_submodels(tmp_path: Path) -> None:
    code, out, _ = run("analyze", str(EXAMPLE_2), "--format", "json")
    assert code == 0
    files = json.loads(out)["model"]["files"]
    assert len(files) == 4 and files[0].endswith("main.md")
    code, html, _ = run("analyze", str(EXAMPLE_2), "--format", "html")
    assert code == 0
    for key in ("frontend/model.md", "backend/model.md", "backend/database/model.md"):
        assert f"<code>{key}</code>" in html
    assert html.count('<nav class="crumbs"') == 4


def test_a_folder_without_main_md_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run("analyze", str(tmp_path))
    assert code == 2 and "without a main.md" in err


def test_output_dir_writes_what_each_renderer_renders_in_this_run_s_context(tmp_path: Path) -> None:
    """write_all renders in worker threads: each must see the run's limits (here: proofs in the
    report for one threat only) and give the bytes render_format gives."""
    from tmlogic.analysis import analyze
    from tmlogic.limits import Limits, using
    from tmlogic.outputs.formats import render_format, write_all

    result = analyze(DMZ).result
    with using(Limits(report_proofs=1)):
        written = write_all(result, tmp_path / "out")
        expected = {FORMATS[name].filename: render_format(result, name) for name in FORMATS
                    if not FORMATS[name].needs_paths}
    assert {p.name for p in written} == EXPECTED_FILES
    assert {p.name: p.read_bytes().decode("utf-8") for p in written} == expected
    assert expected["report.html"].count('class="proof-omitted"') == len(result.threats) - 1
