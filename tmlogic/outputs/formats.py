"""Every output format by name, with the file name `analyze --output-dir` gives it.

Renderers are imported when used, so `tmlogic analyze` in text mode does not pay for jinja2,
stix2 or Graphviz.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from ..gc_pause import collector_paused
from ..records import record
from ..result import Result

__all__ = ["FORMATS", "Format", "RenderOptions", "render_format", "render_chunks", "write_all"]


@record(frozen=True)
class RenderOptions:
    """What a run asks of the renderers beyond the Result (only SARIF reads these)."""

    sarif_suppressions: bool = False  # keep accepted threats in SARIF, as suppressed results
    help_uri: str | None = None  # template of each rule's SARIF helpUri ({rule}, {anchor}, {version})


@record(frozen=True)
class Format:
    name: str
    filename: str  # in --output-dir
    description: str
    render: Callable[[Result], str]
    render_with: Callable[[Result, RenderOptions], str] | None = None  # for formats that take options
    needs_paths: bool = False  # only for a Result with attack paths (tmlogic paths, analyze --paths)
    draws: bool = False  # waits on Graphviz processes (write_all starts it first)
    chunks: Callable[[Result], Iterable[str]] | None = None  # the same text in pieces, for writing it as it comes


def _text(result: Result) -> str:
    from .text import render_text

    return render_text(result, color=False, verbose=True)


def _json(result: Result) -> str:
    from .json_output import render_json

    return render_json(result)


def _json_chunks(result: Result) -> Iterable[str]:
    from .json_output import json_chunks

    return json_chunks(result)


def _sarif(result: Result, options: RenderOptions = RenderOptions()) -> str:
    from .sarif import render_sarif

    return render_sarif(result, suppressions=options.sarif_suppressions, help_uri=options.help_uri)


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


def _junit(result: Result) -> str:
    from .junit import render_junit

    return render_junit(result)


def _gitlab_sast(result: Result) -> str:
    from .gitlab_sast import render_gitlab_sast

    return render_gitlab_sast(result)


def _csv(result: Result) -> str:
    from .csv_output import render_csv

    return render_csv(result)


def _attack_flow(result: Result) -> str:
    from .attack_flow import render_attack_flow

    return render_attack_flow(result)


def _paths_navigator(result: Result) -> str:
    from .paths_navigator import render_paths_navigator

    return render_paths_navigator(result)


def _dot(result: Result) -> str:
    from ..diagram import build_diagram

    return build_diagram(result.model, result.threats).dot


def _svg(result: Result) -> str:
    from ..diagram import build_diagram
    from ..diagram.render import render

    return render(build_diagram(result.model, result.threats).dot, "svg").decode("utf-8")


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", "threats.txt", "terminal text, grouped by severity", _text),
    Format("json", "threats.json", "versioned JSON with proofs (tmlogic-result schema)", _json,
           chunks=_json_chunks),
    Format("sarif", "threats.sarif", "SARIF 2.1.0 for code-scanning UIs", _sarif, _sarif),
    Format("stix", "threats.stix.json", "STIX 2.1 bundle", _stix),
    Format("navigator", "attack-navigator-layer.json", "ATT&CK Navigator layer 4.5", _navigator),
    Format("html", "report.html", "self-contained HTML report", _html, draws=True),
    Format("markdown", "summary.md", "Markdown summary for a pull-request comment", _markdown),
    Format("dot", "diagram.dot", "Graphviz DOT of the root model's diagram", _dot),
    Format("svg", "diagram.svg", "SVG of the root model's diagram", _svg, draws=True),
    Format("junit", "junit.xml", "JUnit XML: one test case per rule and target, failures at the gate", _junit),
    Format("gitlab-sast", "gl-sast-report.json", "GitLab SAST report (schema 15.0.7)", _gitlab_sast),
    Format("csv", "threats.csv", "CSV, one row per threat, for spreadsheets and ticket imports", _csv),
    Format("attack-flow", "attack-flow.json", "attack paths as an Attack Flow 2.0 (STIX 2.1) bundle", _attack_flow,
           needs_paths=True),
    Format("paths-navigator", "attack-paths-navigator-layer.json",
           "ATT&CK Navigator layer of the attack paths, scored by path count", _paths_navigator, needs_paths=True),
)}


def render_format(result: Result, name: str, options: RenderOptions = RenderOptions()) -> str:
    from ..resolution import shared_folders

    fmt = FORMATS[name]
    # a large result's output is millions of short-lived objects (gc_pause.py)
    with collector_paused(), shared_folders():  # SARIF and the report resolve the file of every rule
        return fmt.render_with(result, options) if fmt.render_with is not None else fmt.render(result)


def render_chunks(result: Result, name: str, options: RenderOptions = RenderOptions()) -> Iterator[str]:
    """The text of `render_format`, in pieces as the renderer produces them (one piece for the
    formats that render whole), so a caller can write a large report without holding it whole."""
    fmt = FORMATS[name]
    if fmt.chunks is None:
        yield render_format(result, name, options)
        return
    with collector_paused():
        yield from fmt.chunks(result)


def write_all(result: Result, folder: Path, names: Sequence[str] | None = None,
              options: RenderOptions = RenderOptions(),
              on_skip: Callable[[str, str], None] | None = None) -> list[Path]:
    """The formats `names` (default: every format) into `folder`, under their fixed file names;
    returns the paths written. A diagram that cannot be drawn (no Graphviz, or Graphviz failed)
    is left out and the other files are written: when every format is asked for, `on_skip` gets
    its file name and the reason (the HTML report says it too); asked for by name, the other
    files are written and then its DiagramUnavailable is raised. The attack-path formats are
    written when the Result has paths.
    Raises fileaccess.WriteRefused for a destination that may not be written (a link, an input)."""
    import contextvars
    from concurrent.futures import Future, ThreadPoolExecutor

    from ..diagram.render import DiagramUnavailable
    from ..fileaccess import locked, write_files

    chosen = [fmt for fmt in (FORMATS.values() if names is None else [FORMATS[n] for n in names])
              if not (fmt.needs_paths and result.paths is None)]  # the attack-path formats need --paths
    # Two at a time, the formats that wait on Graphviz first: the other formats render while the
    # diagrams are laid out. Each in a copy of this context (the run's limits and the files it read).
    futures: dict[str, Future[str]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for fmt in sorted(chosen, key=lambda f: not f.draws):
            futures[fmt.name] = pool.submit(contextvars.copy_context().run, render_format, result, fmt.name, options)
    rendered: list[tuple[Path, str]] = []
    undrawn: DiagramUnavailable | None = None
    for fmt in chosen:
        try:
            text = futures[fmt.name].result()
        except DiagramUnavailable as exc:
            if names is not None:
                undrawn = undrawn or exc
            elif on_skip is not None:
                on_skip(fmt.filename, str(exc))
            continue
        rendered.append((folder / fmt.filename, text))
    # Rendered first, then written under the folder's lock, each file atomically and none unless
    # all can be: an interrupted run leaves the previous files whole, and concurrent runs leave
    # one run's complete set.
    with locked(folder):
        write_files([(path, text.encode("utf-8")) for path, text in rendered], within=folder)
    if undrawn is not None:
        raise undrawn
    return [path for path, _ in rendered]
