"""Every output format by name, with the file name `analyze --output-dir` gives it.

Renderers are imported when used, so `tmlogic analyze` in text mode does not pay for jinja2,
stix2 or Graphviz.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..result import Result

__all__ = ["FORMATS", "Format", "render_format", "write_all"]


@dataclass(frozen=True)
class Format:
    name: str
    filename: str  # in --output-dir
    description: str
    render: Callable[[Result], str]


def _text(result: Result) -> str:
    from .text import render_text

    return render_text(result, color=False, verbose=True)


def _json(result: Result) -> str:
    from .json_output import render_json

    return render_json(result)


def _sarif(result: Result) -> str:
    from .sarif import render_sarif

    return render_sarif(result)


def _stix(result: Result) -> str:
    from .stix import render_stix

    return render_stix(result)


def _navigator(result: Result) -> str:
    from .navigator import render_navigator

    return render_navigator(result)


def _html(result: Result) -> str:
    from .html import render_html

    return render_html(result)


def _markdown(result: Result) -> str:
    from .markdown import render_markdown

    return render_markdown(result)


def _dot(result: Result) -> str:
    from ..diagram import build_diagram

    return build_diagram(result.model, result.threats).dot


def _svg(result: Result) -> str:
    from ..diagram import build_diagram
    from ..diagram.render import render

    return render(build_diagram(result.model, result.threats).dot, "svg").decode("utf-8")


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", "threats.txt", "terminal text, grouped by severity", _text),
    Format("json", "threats.json", "versioned JSON with proofs (tmlogic-result schema)", _json),
    Format("sarif", "threats.sarif", "SARIF 2.1.0 for code-scanning UIs", _sarif),
    Format("stix", "threats.stix.json", "STIX 2.1 bundle", _stix),
    Format("navigator", "attack-navigator-layer.json", "ATT&CK Navigator layer 4.5", _navigator),
    Format("html", "report.html", "self-contained HTML report", _html),
    Format("markdown", "summary.md", "Markdown summary for a pull-request comment", _markdown),
    Format("dot", "diagram.dot", "Graphviz DOT of the root model's diagram", _dot),
    Format("svg", "diagram.svg", "SVG of the root model's diagram", _svg),
)}


def render_format(result: Result, name: str) -> str:
    return FORMATS[name].render(result)


def write_all(result: Result, folder: Path) -> list[Path]:
    """Every format into `folder`, under its fixed file name; returns the paths written.
    A diagram that cannot be drawn (no Graphviz) is skipped; the HTML report says why."""
    from ..diagram.render import DiagramUnavailable

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS.values():
        try:
            text = fmt.render(result)
        except DiagramUnavailable:
            continue
        path = folder / fmt.filename
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
