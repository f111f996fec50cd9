"""The mutation fuzzers (tests/fuzz_anchors.py: models; tests/fuzz_inputs.py: risk files, rule packs,
imported files, config), a fixed seed and a bounded count:
no exception escapes, no exit code outside {0, 1, 2}, no hang. Longer runs: see that file."""

from __future__ import annotations

import pytest

from fuzz_anchors import run_fuzz, seeds


def test_the_anchors_and_examples_are_there_to_mutate() -> None:
    names = {p.name for p in seeds()}
    assert "threat_model.md" in names


@pytest.mark.slow
def test_mutated_models_end_in_a_documented_exit_code() -> None:
    outcome = run_fuzz(150, seed=20261201, per_case_seconds=120)
    assert outcome.failures == [], outcome.summary()
    assert outcome.cases == 150 and set(outcome.codes) <= {0, 1, 2}
    assert outcome.codes[2] > 0 and outcome.codes[0] + outcome.codes[1] > 0  # both kinds of input were made


@pytest.mark.slow
def test_mutated_risk_files_packs_imports_and_configs_end_in_a_documented_exit_code() -> None:
    from fuzz_inputs import run_inputs

    outcome, per_target = run_inputs(80, seed=20261201, per_case_seconds=120)
    assert outcome.failures == [], outcome.summary()
    assert per_target == {"risks": 20, "pack": 20, "import": 20, "config": 20}
    assert outcome.cases == 80 and set(outcome.codes) <= {0, 1, 2}
    assert outcome.codes[2] > 0 and outcome.codes[0] + outcome.codes[1] > 0
