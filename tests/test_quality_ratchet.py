"""The quality ratchet: on the labelled models (a copy of ../shared/quality) and the holdout
models, total recall of `must` and severity agreement may not drop, and `must_not` hits may not
rise, below what bench/quality-baseline.json records; critical findings stay rare. After an
intended change, run `python bench/quality.py --corpus tests/data/quality --corpus
tests/data/quality-holdout --write-baseline` and commit the new baseline with the reason."""

from __future__ import annotations

import json

import pytest

from test_quality_scorer import ROOT, quality

BASELINE = json.loads((ROOT / "bench" / "quality-baseline.json").read_text(encoding="utf-8"))
CORPORA = ["tests/data/quality", "tests/data/quality-holdout"]


@pytest.mark.parametrize("corpus", CORPORA)
def test_quality_does_not_regress(corpus: str) -> None:
    base = BASELINE[corpus]
    total = quality.score_corpus(ROOT / corpus).total
    assert total.musts == base["musts"], "the labels changed: record a new baseline"
    assert total.found >= base["found"], f"recall of must dropped: {total.found}/{total.musts} < {base['found']}"
    assert total.within_one >= base["within_one"], \
        f"severity agreement dropped: {total.within_one} < {base['within_one']} matched must within one level"
    assert total.must_not_hit <= base["must_not_hit"], f"false alarms rose: {total.must_not_hit} must_not labels hit"
    assert total.critical <= 0.15 * total.threats, f"{total.critical} of {total.threats} findings are critical"


def test_the_copy_of_the_corpus_matches_the_shared_one_when_it_is_there() -> None:
    shared = ROOT.parent / "shared" / "quality"
    copy = ROOT / "tests" / "data" / "quality"
    names = sorted(p.name for p in copy.glob("*.expect.yaml"))
    assert names, "the copy of the labelled corpus is missing"
    if not shared.is_dir():
        return  # a plain clone: the copy is what there is
    assert names == sorted(p.name for p in shared.glob("*.expect.yaml"))
    for name in names:
        if name == "dmz.expect.yaml":  # points at its own copy of the SecOpsTM model
            continue
        assert (copy / name).read_text() == (shared / name).read_text(), f"{name} differs from ../shared/quality"
