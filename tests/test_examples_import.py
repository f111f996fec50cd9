"""examples/: one small input per infrastructure-as-code format with the model generated from it.
Re-importing each gives the committed model byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CASES = [("compose", "compose", "docker-compose.yml", "threat_model.md"),
         ("k8s", "kubernetes", "manifests.yaml", "threat_model.yaml"),
         ("terraform", "terraform", "plan.json", "threat_model.md")]


@pytest.mark.parametrize("fmt, folder, source, model", CASES)
def test_the_example_model_is_what_the_import_writes(fmt: str, folder: str, source: str, model: str,
                                                     tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / folder / source, tmp_path / source)
    result = CliRunner().invoke(app, ["import", fmt, str(tmp_path / source), "-o", str(tmp_path / model), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / model).read_bytes() == (EXAMPLES / folder / model).read_bytes(), \
        f"regenerate it: cd examples/{folder} && tmlogic import {fmt} {source} -o {model}"


@pytest.mark.parametrize("fmt, folder, source, model", CASES)
def test_the_example_model_has_no_drift_from_its_source(fmt: str, folder: str, source: str, model: str) -> None:
    result = CliRunner().invoke(app, ["drift", str(EXAMPLES / folder / model), f"--{fmt}", str(EXAMPLES / folder / source)])
    assert result.exit_code == 0, result.stdout
