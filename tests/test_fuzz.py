"""The mutation fuzzer over the anchors (tests/fuzz_anchors.py), a fixed seed and a bounded count:
no exception escapes, no exit code outside {0, 1, 2}, no hang. Longer runs: see that file."""

from __future__ import annotations

from fuzz_anchors import run_fuzz, seeds


def test_the_anchors_and_examples_are_there_to_mutate() -> None:
    names = {p.name for p in seeds()}
    assert "threat_model.md" in names


def test_mutated_models_end_in_a_documented_exit_code() -> None:
    outcome = run_fuzz(150, seed=20261201, per_case_seconds=120)
    assert outcome.failures == [], outcome.summary()
    assert outcome.cases == 150 and set(outcome.codes) <= {0, 1, 2}
    assert outcome.codes[2] > 0 and outcome.codes[0] + outcome.codes[1] > 0  # both kinds of input were made
