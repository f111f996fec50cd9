"""YAML and JSON syntax errors explained: the line of the real mistake, the likely cause, a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tmlogic.diagnostics import render_diagnostics
from tmlogic.model.loader import load_model
from tmlogic._errors import ModelError
from tmlogic.syntax import json_error_diagnostic, yaml_error_diagnostic


def _yaml(text: str):  # type: ignore[no-untyped-def]
    with pytest.raises(yaml.YAMLError) as info:
        list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    return yaml_error_diagnostic(info.value, text, "m.yaml")


# (YAML text, line, column, words in the message, words in the hint)
YAML_CASES = {
    "tab": ("servers:\n  - name: A\n\t  type: web\n", 3, 1, "tab", "spaces"),
    "unclosed double quote": ('title: "Shop\nservers:\n  - name: A\n', 1, 8, '" quote that opens here is never closed', 'matching "'),
    "unclosed single quote": ("servers:\n  - name: 'A\n    type: web\n", 2, 11, "' quote that opens here is never closed", "twice"),
    "unclosed bracket": ("servers:\n  - name: A\n    tags: [a, b\n  - name: B\n", 3, 11, "[ that opens here is never closed", "]"),
    "unclosed brace": ("servers:\n  - {name: A, type: web\n  - name: B\n", 2, 5, "{ that opens here is never closed", "}"),
    "missing colon": ("servers:\n  - name: A\n    type web\n    boundary: X\n", 3, 5, "':' after the key is missing", "`type: web`"),
    "missing colon on the line before": ("title Shop\nservers:\n  - name: A\n", 1, 1, "no ':'", "`title: Shop`"),
    "no space after the colon": ("servers:\n  - name:A\n    type: web\n", 2, 9, "no space after the ':'", "`name: A`"),
    "key dedented under a list entry": ("servers:\n  - name: A\n  type: web\n", 3, 3, "indented by 2 spaces", "4 spaces"),
    "over-indented key": ("servers:\n  - name: A\n     type: web\n", 3, 6, "indented by 5 spaces, more than 'name'", "4 spaces"),
    "under-indented key": ("servers:\n  - name: A\n   type: web\n", 3, 4, "indented by 3 spaces", "4 spaces"),
    "colon inside a value": ("servers:\n  - name: A\n    description: a: b\n", 3, 19, "holds ': '", 'description: "a: b"'),
    "dash without a space": ("servers:\n  -name: A\n  - name: B\n", 2, 3, "no space after the '-'", "`- name: A`"),
    "text after a closing quote": ('servers:\n  - name: "A" x\n', 2, 15, "text after the closing quote", "inside the quotes"),
    "reserved first character": ("servers:\n  - name: @A\n", 2, 11, "cannot start with '@'", '"@A"'),
    "undefined alias": ("a: *x\n", 1, 4, "'*x' refers to an anchor", '"*x"'),
}


@pytest.mark.parametrize("text, line, col, message, hint", YAML_CASES.values(), ids=list(YAML_CASES))
def test_yaml_errors_name_the_line_the_cause_and_a_fix(text: str, line: int, col: int, message: str, hint: str) -> None:
    d = _yaml(text)
    assert (d.span.line, d.span.col) == (line, col), d.headline()
    assert message in d.message and hint in (d.hint or ""), d.headline()
    assert "<block" not in d.message and "token" not in d.message  # none of PyYAML's own words


def test_the_issue_example_has_no_question_mark_and_points_at_the_key() -> None:
    # PyYAML says `expected <block end>, but found '?'`, for a file with no '?'.
    d = _yaml("dataflows:\n  - name: Browse\n    from: Customer\n  to: Web\n")
    assert "?" not in d.message and (d.span.line, d.span.col) == (4, 3)
    assert "'from' on line 3 (4 spaces)" in d.message


def test_a_model_file_shows_the_explained_error_with_source_line_and_caret(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text("servers:\n  - name: A\n    type web\n    boundary: X\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model(model)
    shown = render_diagnostics(info.value.diagnostics)
    assert ":3:5: error: this line is not a `key: value` pair" in shown
    assert "        type web\n        ^" in shown


JSON_CASES = {
    "trailing comma in an object": ('{"a": 1,\n "b": 2,\n}\n', 2, 8, "',' after the last entry"),
    "trailing comma in a list": ("[1, 2,]", 1, 6, "',' after the last item"),
    "single quotes": ("{'a': 1}", 1, 2, "double quotes"),
    "missing comma": ('{"a": 1\n "b": 2}', 2, 2, "',' is missing"),
    "comment": ('{"a": 1 // x\n}', 1, 9, "no comments"),
    "cut short": ('{"a": [1, 2,\n', 1, 13, "ends in the middle"),
    "two documents": ('{"a": 1}\n{"b": 2}\n', 2, 1, "more text after the end"),
    "empty": ("  \n", 1, 1, "empty"),
}


@pytest.mark.parametrize("text, line, col, message", JSON_CASES.values(), ids=list(JSON_CASES))
def test_json_errors_name_the_cause(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text)
    d = json_error_diagnostic(info.value, text, "b.json")
    assert (d.span.line, d.span.col) == (line, col), d.headline()
    assert message in d.message and d.hint


def test_a_json_file_cut_short_points_at_the_bracket_left_open() -> None:
    text = '{"threats": [\n  {"id": "T1"},\n'
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads(text)
    d = json_error_diagnostic(info.value, text, "b.json")
    assert [(n.span.line, n.span.col) for n in d.notes] == [(1, 13)]
