"""Every engine gives the same result, byte for byte, on every anchor and corpus model.

The models are copies of ../shared/anchors (SecOpsTM's examples, Apache-2.0, see SOURCE.txt)
and ../shared/quality, kept in tests/data so that a plain clone runs this test, and the holdout
models of the quality bench. A corpus model is one that a label file names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tmlogic.analysis import AnalysisOptions, analyze
from tmlogic.outputs.json_output import render_json

DATA = Path(__file__).parent / "data"
MODELS = sorted(
    [p for p in (DATA / "anchors").rglob("*") if p.suffix in (".md", ".yml", ".yaml")]
    + [labels.parent / yaml.safe_load(labels.read_text(encoding="utf-8"))["model"]
       for corpus in ("quality", "quality-holdout") for labels in (DATA / corpus).glob("*.expect.yaml")]
)


def _json(model: Path, engine: str) -> str:
    result = analyze(model, AnalysisOptions(engine=engine)).result
    return render_json(result).replace(f'"engine":"{engine}"', '"engine":"*"', 1)


def test_the_copied_models_are_all_there() -> None:
    names = {p.relative_to(DATA).as_posix() for p in MODELS}
    assert "anchors/secopstm/threat_model.md" in names and "anchors/secopstm/projects/example_2/main.md" in names
    assert len([n for n in names if n.startswith("quality/")]) >= 5
    assert len(names) >= 15


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.relative_to(DATA).as_posix())
def test_native_and_clingo_agree(model: Path) -> None:
    assert _json(model, "clingo") == _json(model, "native")


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.relative_to(DATA).as_posix())
def test_pydatalog_agrees(model: Path) -> None:
    assert _json(model, "pydatalog") == _json(model, "native")
