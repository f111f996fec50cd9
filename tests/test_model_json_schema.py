"""The published JSON Schema of the YAML model language: in sync with the vocabulary, and every
YAML model the project ships or documents passes it; a typo does not."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tmlogic.model.json_schema import model_schema, render_schema, schema_file
from tmlogic.model.loader import load_model

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = jsonschema.Draft202012Validator(model_schema())
SECTIONS = ("boundaries", "servers", "actors", "dataflows", "datastores", "threats", "data")


def test_the_published_file_is_the_generated_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(model_schema())
    assert schema_file().read_text(encoding="utf-8") == render_schema(), \
        "regenerate it: python -m tmlogic.model.json_schema"


def _documented() -> list[tuple[str, str]]:
    out = []
    for page in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        for n, block in enumerate(re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and any(k in data for k in SECTIONS):
                out.append((f"{page.name}#{n}", block))
    return out


def _shipped() -> list[Path]:
    return sorted(p for pattern in ("examples/**/*.yaml", "examples/**/*.yml", "tests/data/**/*.yaml")
                  for p in ROOT.glob(pattern)
                  if isinstance(d := yaml.safe_load(p.read_text(encoding="utf-8")) if "---" not in p.read_text(encoding="utf-8") else None, dict)
                  and any(k in d for k in SECTIONS))


def test_there_are_yaml_examples_to_check() -> None:
    assert len(_documented()) >= 2 and _shipped()


@pytest.mark.parametrize("name, block", _documented())
def test_every_documented_yaml_model_passes_the_schema(name: str, block: str) -> None:
    assert [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(block))] == []


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_yaml_model_passes_the_schema_and_loads(path: Path) -> None:
    assert [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))] == []
    load_model(path)


def test_every_importer_writes_yaml_that_passes_the_schema(tmp_path: Path) -> None:
    from tmlogic.cli import app
    from tmlogic.cli.testing import CliRunner
    from test_import_contract import SAMPLES

    for fmt, sample in SAMPLES.items():
        out = tmp_path / f"{fmt}.yaml"
        assert CliRunner().invoke(app, ["import", fmt, str(sample), "-o", str(out), "-q"]).exit_code == 0
        errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(out.read_text(encoding="utf-8")))]
        assert errors == [], fmt


@pytest.mark.parametrize("model, where", [
    ({"servers": [{"name": "a", "isTrustd": True}]}, "isTrustd"),
    ({"servers": [{"name": "a", "port": 99999}]}, "port"),
    ({"data": [{"name": "d", "classification": "classified"}]}, "classification"),
    ({"dataflows": [{"name": "f", "from": "a", "to": "b", "is_encrypted": "maybe"}]}, "is_encrypted"),
    ({"boundries": []}, "boundries"),
    ({"threats": [{"target": "a", "stride": "spoofing"}]}, "threats"),  # no name
])
def test_mistakes_fail_the_schema(model: dict, where: str) -> None:
    errors = list(VALIDATOR.iter_errors(model))
    assert errors and where in " ".join(str(e.message) + str(list(e.path)) + str(e.context) for e in errors)


def test_spellings_tmlogic_accepts_pass() -> None:
    model = {"Title": None, "title": "T", "Boundaries": None, "zones": [{"name": "Z", "isTrusted": "Yes",
             "sub_boundaries": [{"name": "Inner", "is-trusted": False}]}],
             "servers": {"Web": {"type": "web_server", "internet_facing": True, "x-team": "core"}},
             "severity_multipliers": {"Web": 1.5}, "data_flows": [{"name": "f", "source": "a", "destination": "b",
             "protocol": "https", "data": "Card"}], "data": [{"name": "Card", "classification": "TOP_SECRET"}]}
    del model["Title"], model["Boundaries"]
    assert [e.message for e in VALIDATOR.iter_errors(model)] == []
