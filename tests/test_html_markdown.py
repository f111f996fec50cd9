"""The HTML report's Markdown (descriptions): a plain line of text skips mistune, and must come out
exactly as mistune renders it; everything else goes through mistune."""

from __future__ import annotations

from pathlib import Path

import mistune
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmlogic._errors import DiagnosticsError
from tmlogic.model.loader import load_model
from tmlogic.outputs.html import _PLAIN_LINE, _md

ROOT = Path(__file__).resolve().parent.parent
_MISTUNE = mistune.create_markdown(escape=True, plugins=["strikethrough", "table", "url"])


def _reference(text: str) -> str:
    rendered = _MISTUNE(text)
    assert isinstance(rendered, str)
    return rendered


_TEXTS = [
    "This model describes a network architecture with a Demilitarized Zone (DMZ), external and internal "
    "dataflows. The goal is to map STRIDE threats to MITRE ATT&CK techniques.",
    'Quotes "double" and \'single\', percent 50%, sums 1+1=2; paths a/b - c', "Été à Zürich, 中文 text",
    "a  b", "A", "x &amp; y", "x &#65; y", "www.example.com",
    # not plain: each goes to mistune
    "1. a list", "- item", "# heading", "**bold**", "_under_", "`code`", "[link](https://x.example)",
    "see https://x.example", "<b>html</b>", "a ~~strike~~", "a | b", "trailing space ", " leading",
    "two\nlines", "para\n\npara", "tab\there", "back\\slash", "a@b.example", "",
]


@pytest.mark.parametrize("text", _TEXTS)
def test_same_html_as_mistune(text: str) -> None:
    assert str(_md(text)) == (_reference(text) if text else "")


def test_the_fast_path_is_taken_for_plain_lines() -> None:
    assert _PLAIN_LINE.fullmatch(_TEXTS[0])
    for text in ("- item", "**bold**", "see https://x.example", "two\nlines", "trailing space "):
        assert not _PLAIN_LINE.fullmatch(text), text


def test_model_descriptions_of_the_examples_and_anchors() -> None:
    models = sorted((ROOT / "examples").glob("*/threat_model.md")) + sorted((ROOT / "tests" / "data").rglob("*.md"))
    seen = 0
    for path in models:
        try:
            model, _ = load_model(path)
        except DiagnosticsError:  # fixtures of bad input; only the models that load have descriptions to show
            continue
        for m in model.all_models():
            if m.description:
                seen += 1
                assert str(_md(m.description)) == _reference(m.description), path
    assert seen > 0


_ALPHABET = st.sampled_from(list("abcXYZ019 ,.()&'\"?%+=;/-") + list("*_`[]<>!~|#:\\\n\t@é中"))


@settings(max_examples=500, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_any_text(text: str) -> None:
    assert str(_md(text)) == (_reference(text) if text else "")
