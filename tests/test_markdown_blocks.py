"""The block scanner (markdown_blocks.scan_blocks) against markdown-it's CommonMark parser: on
every Markdown file of the repository and on generated text, the scanner either declines (None,
and markdown-it parses the text) or finds exactly markdown-it's blocks; and the model the reader
builds, diagnostics and their file:line:col included, is the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmlogic.limits import current as current_limits
from tmlogic.model import markdown_blocks, markdown_reader
from tmlogic.model.markdown_blocks import parse_blocks, scan_blocks
from tmlogic.model.markdown_reader import read_markdown
from tmlogic.model.raw import RawDocument

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN_FILES = sorted(p for folder in ("examples", "tests", "rules", "docs", "bench")
                        for p in (ROOT / folder).rglob("*") if p.suffix in (".md", ".markdown") and p.is_file())
DEPTH = current_limits().nesting_depth  # what the reader passes


def _as_parsed(text: str) -> str:
    """The text the reader hands to the block parser (newlines normalised, bullets re-indented)."""
    text = markdown_reader._normalise_newlines(text).replace("\0", "\ufffd")
    return "\n".join(markdown_reader._nest_by_indentation(text.split("\n"))[0])


def _read_with_markdown_it(text: str, monkeypatch: pytest.MonkeyPatch) -> RawDocument:
    with monkeypatch.context() as m:
        m.setattr(markdown_reader, "read_blocks", lambda src, depth: parse_blocks(src, depth))
        return read_markdown(text, "m.md")


def _same_either_way(text: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Asserts the scanner agrees with markdown-it on `text`, as blocks and as the model read;
    returns whether the scanner took the text."""
    for src in (text, _as_parsed(text)):
        scanned = scan_blocks(src, DEPTH)
        if scanned is not None:
            assert scanned == parse_blocks(src, DEPTH), src
    assert read_markdown(text, "m.md") == _read_with_markdown_it(text, monkeypatch)
    return scan_blocks(_as_parsed(text), DEPTH) is not None


def test_the_scanner_agrees_with_markdown_it_on_every_markdown_file_of_the_repository(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(MARKDOWN_FILES) > 100
    taken = [p for p in MARKDOWN_FILES if _same_either_way(p.read_text(encoding="utf-8", errors="replace"), monkeypatch)]
    # The models are plain Markdown: the scanner takes most of them (all of SecOpsTM's), so the
    # comparison above compares something.
    anchors = [p for p in MARKDOWN_FILES if "anchors/secopstm" in p.as_posix() and p.name != "README.md"]
    assert anchors and set(anchors) <= set(taken), sorted(set(anchors) - set(taken))
    assert len(taken) > len(MARKDOWN_FILES) // 2


# Lines that mean something else in CommonMark than a paragraph, a `#` heading or a `- ` item
# nested two spaces a level: the scanner must decline each (markdown-it reads the text).
DECLINED = [
    "Title\n=====\n",                       # setext heading (h1)
    "## Servers\n- **A**: x\n---\n",         # setext heading (h2) of the item's paragraph
    "## Servers\n***\n",                     # thematic break
    "## Servers\n- **A**: x\n\n      code\n",  # indented code block inside an item
    "    code\n",                            # indented code block
    "## Servers\n<!-- comment -->\n",        # HTML block
    "> quote\n",                             # block quote
    "```\n- **A**: x\n```\n",                # fenced code
    "~~~\nx\n~~~\n",
    "## Description\n\t- a\n",               # tab in the indentation (entries are re-indented first)
    "## Servers\n-\tx\n",                    # tab after the marker
    "## Servers\n* **A**: x\n",              # another bullet marker
    "## Servers\n1. **A**: x\n",             # ordered list
    "[ref]: https://example.com\n",          # link reference definition
    "## Servers\n- [ref]: https://example.com\n",
    "  # indented heading\n",
    "## Servers\n- **A**: x\n  # heading inside the item\n",
    "text\n  - **A**: x\n",                  # a list that starts indented: its own content column
    "- \n",                                  # empty item
    "- - x\n",                               # a list inside an item's first line
    "-  **A**: two spaces after the marker\n",
]

# Corner cases the scanner takes: they must come out as markdown-it reads them.
TAKEN = [
    "## Servers\n- **A**: x\nlazy continuation line\n",
    "## Servers\n- **A**: x,\n    y=1\n- **B**: z\n",
    "## Servers\n- **A**: x\n  - **B**: y\n    - **C**: z\n- **D**: w\n",
    "## Servers\n- **A**: x\n\n  second paragraph of A\n- **B**: y\n",
    "## Servers\n- **A**: x\n\nnot an item\n- **B**: y\n",
    "## Description\nSome text\nmore\n\n- a list\n- in prose\n\nlast # not a heading ##\n",
    "# Threat Model: T ##\n## Boundaries ###   \n# #\n##\n####### seven\n#hashtag\n",
    "## Servers\n**A**: outside a list\n",
    "## Servers\n- **A**: x\n- **B** y\n- B: y\n",
    "\u00a0\n## Servers\n- **A**:\u00a0x\u2003\n   \n",
    "## Servers\n- **A**: 1. not a list\n2FA\n+1\n-x\n",
    "## Servers\n- **A**: x\n   ",
]


@pytest.mark.parametrize("text", DECLINED)
def test_the_scanner_declines_what_plain_text_does_not_cover(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert scan_blocks(_as_parsed(text), DEPTH) is None
    assert not _same_either_way(text, monkeypatch)


@pytest.mark.parametrize("text", TAKEN)
def test_the_scanner_reads_plain_corner_cases_as_markdown_it_does(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same_either_way(text, monkeypatch)


def test_entries_nested_past_the_limit_go_to_markdown_it_and_keep_their_error(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "## Boundaries\n" + "".join(" " * d + f"- **Z{d}**: isTrusted=True\n" for d in range(DEPTH + 2))
    assert scan_blocks(_as_parsed(text), DEPTH) is None
    doc = read_markdown(text, "m.md")
    assert [d.code for d in doc.diagnostics] == ["limit-exceeded"]
    assert doc == _read_with_markdown_it(text, monkeypatch)


# Generated text: model lines, and every line shape CommonMark gives a meaning of its own.
_WORDS = st.sampled_from(["**A**: x", "**B**:", "**C** y", "__D__: z=1", "plain", "key=\"v\"", "[x]", "`c`", "1.", "2)",
                          "#", "##", "# t #", "*", "**", "***", "-", "---", "===", "+", ">", "<!--", "-->", "<div>",
                          "```", "~~~", "\t", "  ", "\u00a0", "é", "|a|b|", "\\", ":", ","])
_INDENT = st.sampled_from(["", "", "", " ", "  ", "   ", "    ", "     ", "      ", "        ", "\t", " \t"])
_MARKER = st.sampled_from(["", "", "- ", "- ", "- ", "-\t", "-  ", "* ", "+ ", "1. ", "2) ", "# ", "## ", "### ", "> "])
_LINE = st.one_of(
    st.sampled_from(["", "", "## Boundaries", "## Servers", "## Dataflows", "## Description", "## Notes",
                     "## Severity Multipliers", "# Threat Model: X", "---", "===", "```", "<!-- c -->", "    code"]),
    st.builds(lambda i, m, w: i + m + " ".join(w), _INDENT, _MARKER, st.lists(_WORDS, max_size=4)),
)
_DOCUMENT = st.builds(lambda lines, end: "\n".join(lines) + end, st.lists(_LINE, max_size=25),
                      st.sampled_from(["", "\n", "\n\n", "  "]))
# Plain documents (what the scanner takes) are rare in the above: these are made of plain lines only.
_PLAIN_LINE = st.one_of(
    st.sampled_from(["", "## Boundaries", "## Servers", "## Description", "## Unknown", "# Threat Model: X", "### Sub"]),
    st.builds(lambda i, w: "  " * i + "- " + w, st.integers(0, 4), st.sampled_from(["**A**: x", "**B**: y=1", "**C**", "t"])),
    st.builds(lambda i, w: " " * i + w, st.integers(0, 7), st.sampled_from(["z=2,", "plain", "**E**: e", "#x", "+1"])),
)
_PLAIN_DOCUMENT = st.builds(lambda lines: "\n".join(lines) + "\n", st.lists(_PLAIN_LINE, max_size=25))
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(text=_DOCUMENT)
def test_on_generated_markdown_the_scanner_declines_or_agrees(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_either_way(text, monkeypatch)


@_SETTINGS
@given(text=_PLAIN_DOCUMENT)
def test_on_generated_plain_markdown_the_scanner_agrees(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_either_way(text, monkeypatch)


def test_the_scanner_takes_the_synthetic_benchmark_models(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", bench)  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    text = bench.synthetic_model(60)
    assert scan_blocks(_as_parsed(text), DEPTH) is not None
    assert markdown_blocks.read_blocks(_as_parsed(text), DEPTH) == parse_blocks(_as_parsed(text), DEPTH)
