"""Issue 9, item 6, for every command: an unexpected exception is a bug, exit 3 with a short
message and where to report it; the traceback only with --debug; never exit 1 (which CI reads
as "threats at or above the gate"). The side entry points of the Action and pre-commit too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tmlogic.cli.testing import CliRunner
import tmlogic.fileaccess as fileaccess
from tmlogic.cli import app
from tmlogic.cli.common import guarded_entry
from tmlogic.limits import LimitExceeded

ROOT = Path(__file__).resolve().parents[1]
WEBSHOP = ROOT / "examples" / "webshop" / "threat_model.md"
COMPOSE = ROOT / "tests" / "data" / "importers" / "compose" / "nginx-golang-postgres-rabbitmq.compose.yaml"

# Every command that reads a file, with arguments that are otherwise valid.
COMMANDS = {
    "analyze": ["analyze", str(WEBSHOP)],
    "validate": ["validate", str(WEBSHOP)],
    "facts": ["facts", str(WEBSHOP)],
    "diagram": ["diagram", str(WEBSHOP)],
    "explain": ["explain", str(WEBSHOP), "T0000000000"],
    "diff": ["diff", str(WEBSHOP), str(WEBSHOP)],
    "import": ["import", "compose", str(COMPOSE)],
    "export": ["export", "otm", str(WEBSHOP)],
    "drift": ["drift", str(WEBSHOP), "--compose", str(COMPOSE)],
    "rules lint": ["rules", "lint"],
    "rules test": ["rules", "test"],
    "risks check": ["risks", "check", str(WEBSHOP)],
    "risks seed": ["risks", "seed", "{copy}"],
    "risks accept": ["risks", "accept", "{copy}", "TM-NET-001", "--justification", "fine"],
}


def _broken_read(*args: object, **kwargs: object) -> bytes:
    raise RuntimeError("the reader fell over")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_unexpected_exception_in_any_command_is_exit_3_without_a_traceback(
        name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copytree(WEBSHOP.parent, tmp_path / "webshop")
    args = [a.replace("{copy}", str(tmp_path / "webshop" / WEBSHOP.name)) for a in COMMANDS[name]]
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", "")  # the program cache would spare `rules` a read
    monkeypatch.setattr(fileaccess, "read_bytes", _broken_read)
    result = CliRunner().invoke(app, args)
    assert not isinstance(result.exception, RuntimeError), "escaped the command"
    assert result.exit_code == 3, result.stderr
    assert "internal error: RuntimeError: the reader fell over" in result.stderr and "report it" in result.stderr
    assert "Traceback" not in result.stderr
    debug = CliRunner().invoke(app, ["--debug", *args])
    assert debug.exit_code == 3 and "Traceback (most recent call last)" in debug.stderr


def test_a_side_entry_point_turns_what_escapes_into_the_documented_codes(capsys: pytest.CaptureFixture[str]) -> None:
    def bug() -> int:
        raise KeyError("lost")

    def over() -> int:
        raise LimitExceeded("model_files", 3, "too many model files")

    def fine() -> int:
        print("\x1b[2Jok")
        return 1

    assert guarded_entry(bug) == 3
    err = capsys.readouterr().err
    assert "internal error: KeyError" in err and "Traceback" not in err
    assert guarded_entry(over) == 2
    assert "too many model files" in capsys.readouterr().err
    assert guarded_entry(fine) == 1
    assert capsys.readouterr().out == "\\u001b[2Jok\n"  # control sequences shown, never sent raw


_BROKEN_RUN = """
import runpy, sys
import tmlogic.fileaccess as fileaccess
def broken(*args, **kwargs):
    raise RuntimeError("the reader fell over")
fileaccess.read_bytes = broken
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(("module", "args"), [
    ("tmlogic.tracking.precommit", ["analyze", str(WEBSHOP)]),
    ("tmlogic.tracking.pr_comment", ["github", "--body", str(WEBSHOP)]),
    ("tmlogic.tracking.action", []),
])
def test_the_side_entry_points_exit_3_on_a_bug(module: str, args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "TMLOGIC_MODEL": str(WEBSHOP), "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
           "TMLOGIC_OUTPUT_DIR": str(tmp_path / "reports"), "TMLOGIC_FORMATS": "json", "GITHUB_STEP_SUMMARY": ""}
    done = subprocess.run([sys.executable, "-c", _BROKEN_RUN, module, *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 3, done.stderr  # the Action's step too: a bug fails it, it is not "threats"
    assert "internal error: RuntimeError: the reader fell over" in done.stderr and "Traceback" not in done.stderr
