"""outputs/indented_json.py writes exactly json.dumps(value, indent=2, ensure_ascii=False)."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmlogic.outputs.indented_json import dumps_indented


def _reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class _Text(str):
    pass


class _Number(int):
    pass


_CASES: list[Any] = [
    None, True, False, 0, -7, 10**30, 1.5, -0.0, 1e300, 3.0, float("nan"), float("inf"), float("-inf"),
    "", "plain", 'quote " backslash \\ slash / tab \t newline \n nul \x00 del \x7f', "é ü 中文 🟣 \u2028 \ud800",
    [], {}, [[]], [{}], {"a": []}, {"a": {}}, [1, "two", 3.0, None, True, [False, {"x": "y"}]],
    {"nested": {"deeper": {"list": [1, [2, [3, [4]]]], "empty": {}}}, "after": "x"},
    {1: "int key", 2.5: "float key", True: "bool key", None: "none key", "s": "str key"},
    ("a", "tuple", ("nested",)), OrderedDict([("z", 1), ("a", 2)]), [_Text("subclass"), _Number(5)],
    {_Text("k"): _Text("v")}, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
]


@pytest.mark.parametrize("value", _CASES, ids=range(len(_CASES)))
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == _reference(value)


def test_nesting_past_the_precomputed_indents() -> None:
    value: Any = "leaf"
    for i in range(80):
        value = {"level": i, "child": [value]}
    assert dumps_indented(value) == _reference(value)


@pytest.mark.parametrize("value", [{"k": object()}, [{1, 2}], {(1, 2): "tuple key"}, b"bytes"])
def test_unserialisable_values_are_refused_like_json(value: Any) -> None:
    with pytest.raises(TypeError):
        _reference(value)
    with pytest.raises(TypeError):
        dumps_indented(value)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8) | st.integers() | st.booleans(), children, max_size=5),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value(value: Any) -> None:
    assert dumps_indented(value) == _reference(value)
