"""The HTML report: one self-contained, offline file (inline CSS, JS and SVG; no network).

Summary counts, one diagram per model file (a project's submodels open from their parent
element, with breadcrumbs), a sortable and filterable threat table, and per threat its
message, severity breakdown, proof tree down to the model lines and MITRE chain.

Everything from the model is escaped: jinja2 autoescapes, the model's Markdown descriptions go
through mistune with escape=True (raw HTML shows as text, harmful link schemes are dropped),
the diagrams are Graphviz output re-serialised by diagram/svg.py, and the data for the script
is JSON made safe for a <script> block. A Content-Security-Policy allows only the report's own
inline script and style (by hash) and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from markupsafe import Markup

from .. import __version__
from .._errors import OutputError, SourceSpan
from ..diagram import build_diagram
from ..diagram.palette import SEVERITY_COLOURS
from ..diagram.render import DiagramUnavailable, Renderer, find_renderer, render
from ..diagram.svg import inline_svg
from ..logic.provenance import ProofNode
from ..model.schema import Model
from ..resolution import resolve
from ..resources import data_dir, templates_dir
from ..fileaccess import source_line
from ..limits import current as current_limits
from ..records import field, record
from ..result import Result, Threat
from ..severity import LEVELS
from ..typing_runtime import TYPE_CHECKING, Any
from .html_paths import paths_panel
from .summary import summarize
from .templating import html_environment

if TYPE_CHECKING:
    import mistune

__all__ = ["ReportView", "render_html", "report_context", "render_part", "render_detail"]

_KIND_LABELS = {"capec": "CAPEC attack patterns", "techniques": "ATT&CK techniques", "tactics": "ATT&CK tactics",
                "mitigations": "ATT&CK mitigations", "d3fend": "D3FEND countermeasures", "cwe": "CWE weaknesses"}
# One line of words and plain punctuation, starting with a letter: no character that begins a
# Markdown block or inline construct (list, heading, emphasis, code, link, HTML, strikethrough,
# table, `://` of a bare URL), so mistune makes it a paragraph of its escaped text. Most
# descriptions are such a line; mistune (7-10 ms to import) is imported for the others only.
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.()&'\"?%+=;/-])*(?<! )")


def _md(text: str | None) -> Markup:
    if not text:
        return Markup("")
    if _PLAIN_LINE.fullmatch(text):
        # mistune's escape: &, <, >, and " (with quote=True); the pattern lets no < or > through
        return Markup("<p>" + text.replace("&", "&amp;").replace('"', "&quot;") + "</p>\n")
    return Markup(_markdown()(text))


@lru_cache(maxsize=1)
def _markdown() -> mistune.Markdown:
    """The model's Markdown as HTML: raw HTML shown as text (escape=True), harmful link schemes dropped."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["strikethrough", "table", "url"])


@record
class ReportView:
    """One model file of the report: its diagram and where it sits in the project."""

    index: int
    key: str  # the file relative to the root model's folder ("main.md", "backend/model.md")
    title: str
    path: str
    model: Model
    parent: int | None = None
    parent_element: str | None = None
    crumbs: list[tuple[int, str]] = field(default_factory=list)
    svg: Markup | None = None
    diagram_error: str | None = None
    svg_ids: dict[str, str] = field(default_factory=dict)
    opens: dict[str, int] = field(default_factory=dict)  # element id -> view index of its submodel
    open_view: dict[str, int] = field(default_factory=dict)  # SVG id of a parent element -> view index
    threat_count: int = 0


def _views(result: Result) -> list[ReportView]:
    """One view per model file, depth first. A file that two elements name (the loader shares
    it) gets one view, which both parents open; its breadcrumbs follow the first."""
    views: list[ReportView] = []
    seen: dict[int, int] = {}

    def visit(model: Model, parent: int | None, element: str | None) -> int:
        if id(model) in seen:
            return seen[id(model)]
        index = len(views)
        seen[id(model)] = index
        key = model.id_prefix.rstrip("#") or Path(model.path).name
        title = model.title or key
        crumbs = (views[parent].crumbs if parent is not None else []) + [(index, title)]
        view = ReportView(index, key, title, model.path, model, parent, element, crumbs)
        views.append(view)
        for element_id, sub in model.submodels:
            view.opens[element_id] = visit(sub, index, element_id)
        return index

    visit(result.model, None, None)
    return views


def _draw(view: ReportView, threats: tuple[Threat, ...]) -> None:
    diagram = build_diagram(view.model, threats, prefix=f"v{view.index}-", title=view.title)
    view.svg_ids = diagram.ids
    for svg_id in diagram.submodels:
        element = diagram.ids[svg_id]
        if element in view.opens:
            view.open_view[svg_id] = view.opens[element]
    try:
        renderer = find_renderer()
        label = f"Diagram of {view.title}"
        view.svg = Markup(_svg(diagram.dot, label, renderer) if renderer else inline_svg(render(diagram.dot), label))
    except DiagramUnavailable as exc:
        view.diagram_error = str(exc)
    except OutputError as exc:
        view.diagram_error = f"the diagram could not be drawn: {exc}"


@lru_cache(maxsize=16)  # the live editor redraws after every edit; most edits leave some views as they were
def _svg(dot: str, label: str, renderer: Renderer) -> str:
    return inline_svg(render(dot, "svg", renderer), label)


def _read_lines(path: str) -> list[str]:
    lines: list[str] = []
    while (line := source_line(path, len(lines) + 1)) is not None:
        lines.append(line)
    return lines


class _Sources:
    """The text of the model lines that proofs point at (read once per file). `texts` (model
    path -> text) stands in for the files: the live editor's unsaved buffers."""

    def __init__(self, result: Result, texts: Mapping[str, str] | None = None) -> None:
        self.lines: dict[str, list[str]] = {}
        for m in result.model.all_models():
            if texts is not None and m.path in texts:
                self.lines[m.path] = texts[m.path].splitlines()
                continue
            # the lines this run read (fileaccess), never a second read of a path that may have
            # changed since, or be a link out of the project
            self.lines[m.path] = _read_lines(m.path)

    def line(self, path: str, line: int) -> str | None:
        lines = self.lines.get(path)
        if lines and 0 < line <= len(lines):
            return lines[line - 1].strip()
        return None


def _proof(node: ProofNode, names: dict[str, str], sources: _Sources, files: dict[str, str],
           shown: set[str]) -> list[SimpleNamespace]:
    """The proof as a flat list of events in tree order ("open"/"close" around a derived fact's
    children, one "item" for an input fact or a repeat), which the template loops over: a proof
    is as deep as the model's longest chain of flows, too deep for recursive macros.

    Each event is an object with attributes, not a dictionary: jinja2 reads `n.fact` as an
    attribute first and falls back to `n["fact"]` only after an AttributeError, and raising one
    for every field of every event was a third of the report's rendering. A field an event lacks
    still reads as undefined."""
    events: list[SimpleNamespace] = []
    stack: list[ProofNode | SimpleNamespace] = [node]
    while stack:
        top = stack.pop()
        if isinstance(top, SimpleNamespace):
            events.append(top)
            continue
        text = top.text  # formatted on each access
        if top.rule is None:
            origin = top.origin
            if origin is None:
                events.append(SimpleNamespace(fact=text, event="item", kind="input", extension=top.extension))
            else:
                where = f"{files[origin.path]}:{origin.line}" if origin.path in files else _shipped(origin)
                events.append(SimpleNamespace(fact=text, event="item", kind="input", extension=top.extension,
                                              where=where, source=sources.line(origin.path, origin.line)))
            continue
        if text in shown:
            events.append(SimpleNamespace(fact=text, event="item", kind="repeat"))
            continue
        shown.add(text)
        rule = top.rule
        events.append(SimpleNamespace(
            fact=text, event="open", kind="derived", rule=(rule.metadata.get("id") if rule.metadata else None) or "rule",
            rule_where=_shipped(rule.span), rule_text=rule.text,
            bindings=[(k, str(v), names.get(str(v), "")) for k, v in top.bindings]))
        stack.append(SimpleNamespace(event="close", absent=list(top.absent), constraints=list(top.constraints)))
        stack.extend(reversed(top.children))
    return events


def _shipped(span: SourceSpan) -> str:
    """file:line of a rule; tmlogic's own rule and fact files relative to where they ship, so the
    report does not depend on the folder tmlogic is installed in."""
    return f"{_shipped_path(span.path)}:{span.line}"


@lru_cache(maxsize=1024)  # a few hundred rule files, named again by every proof node
def _shipped_path(path: str) -> str:
    try:
        return resolve(path).relative_to(data_dir()).as_posix()
    except (ValueError, OSError, FileNotFoundError):
        return path


def _proof_lines(node: ProofNode, files: dict[str, str], out: dict[tuple[str, int], None]) -> None:
    """The model lines (file key, line) a proof rests on, for the editor to highlight (walked with
    an explicit stack: a proof is as deep as the model's longest chain of flows)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.rule is None:
            if current.origin is not None and current.origin.path in files:
                out[(files[current.origin.path], current.origin.line)] = None
            continue
        stack.extend(reversed(current.children))


def _model_index(threat: Threat, owner: dict[str, int]) -> int:
    return next((owner[t] for t in threat.targets if t in owner), 0)


def _threat(t: Threat, names: dict[str, str], sources: _Sources, files: dict[str, str],
            owner: dict[str, int], with_proof: bool = True) -> dict[str, Any]:
    chain = t.chain
    where = f"{files.get(t.location.path, t.location.path)}:{t.location.line}"
    lines: dict[tuple[str, int], None] = {}
    if t.location.path in files:
        lines[(files[t.location.path], t.location.line)] = None
    _proof_lines(t.proof, files, lines)
    return {
        "t": t,
        "where": where,
        "rule_where": _shipped(t.rule.span),
        "where_key": f"{files.get(t.location.path, t.location.path)}:{t.location.line:08d}",
        "source": sources.line(t.location.path, t.location.line),
        "view": _model_index(t, owner),
        "targets_json": json.dumps(list(t.targets)),
        "lines_json": json.dumps([[f, n] for f, n in lines]),
        "chain": [(_KIND_LABELS[k], refs) for k, refs in chain.items() if refs],
        "proof": _proof(t.proof, names, sources, files, set()) if with_proof else None,
        "description": _md(t.rule.description),
        "search": " ".join([t.id, t.rule.id, t.rule.title, t.rule.stride, t.message, *t.target_names,
                            *(r.id for _, refs in chain.items() for r in refs)]).lower(),
    }


def _flows_of(model: Model) -> dict[str, list[str]]:
    """Element id -> the flows that start or end at it, for the "and its flows" filter."""
    out: dict[str, list[str]] = {}
    for m in model.all_models():
        for f in m.flows:
            for end in dict.fromkeys((f.source, f.target)):
                out.setdefault(end, []).append(f.id)
    return out


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset(name: str) -> str:
    return (templates_dir() / name).read_text(encoding="utf-8")


def report_context(result: Result, texts: Mapping[str, str] | None = None,
                   lazy_details: bool = False) -> dict[str, Any]:
    """Everything the report's templates read: the whole report, or one part of it (render_part),
    which is how `tmlogic serve` shows the same diagram, table and proofs live. With
    lazy_details the table leaves each threat's detail (proof, severity, MITRE) empty, for
    render_detail to fill in when the row is opened."""
    views = _views(result)
    owner: dict[str, int] = {}
    for v in views:
        for group in (v.model.elements, v.model.flows, v.model.boundaries, v.model.data):
            for item in group:
                owner[item.id] = v.index
    # Graphviz runs in its own process: draw while the rows are built, not before
    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = [pool.submit(_draw, v, result.threats) for v in views]
        names = result.model.names()
        sources = _Sources(result, texts)
        files = {v.path: v.key for v in views}
        # Proofs are most of a report's size: past `report_proofs` threats (the least severe: the
        # list is sorted), a threat's detail names the command that shows its proof.
        limit = current_limits().report_proofs
        threats = [_threat(t, names, sources, files, owner, not lazy_details and i < limit)
                   for i, t in enumerate(result.threats)]
        for row in threats:
            row["proof_limit"] = limit
        for future in drawn:
            future.result()
    for row in threats:
        if row["t"].suppression is None:
            views[row["view"]].threat_count += 1
    spans = {item.id: [v.key, item.span.line] for v in views
             for group in (v.model.boundaries, v.model.elements, v.model.data, v.model.flows) for item in group}
    script_data = {
        "views": [{"key": v.key, "title": v.title, "ids": v.svg_ids, "open": v.open_view,
                   "crumbs": [i for i, _ in v.crumbs]} for v in views],
        "names": names,
        "flows": _flows_of(result.model),
        "levels": list(reversed(LEVELS)),
        "spans": spans,
    }
    panel, script_data["paths"] = paths_panel(result, lambda node: _proof(node, names, sources, files, set()), owner)
    summary = summarize(result)
    return {
        "result": result,
        "title": result.model.title or Path(result.model.path).name,
        "summary": summary,
        "views": views,
        "threats": threats,
        "description": _md(result.model.description),
        "strides": [s for s, _ in summary.by_stride],
        "levels": list(reversed(LEVELS)),
        "colours": SEVERITY_COLOURS,
        "data": script_data,
        "version": __version__,
        "kb_versions": dict(result.kb_versions),
        "md": _md,
        "lazy_details": lazy_details,
        "paths": panel,
        "detail_inputs": (names, sources, files, owner),
    }


def render_part(name: str, context: dict[str, Any]) -> str:
    """One part of the report (templates/report/NAME.html.j2: counts, diagram, threats)."""
    return html_environment().get_template(f"report/{name}.html.j2").render(context)


def render_detail(context: dict[str, Any], threat_id: str) -> str | None:
    """The detail of one threat (templates/report/detail.html.j2), or None for an unknown id."""
    names, sources, files, owner = context["detail_inputs"]
    threat = next((row["t"] for row in context["threats"] if row["t"].id == threat_id), None)
    if threat is None:
        return None
    row = _threat(threat, names, sources, files, owner)
    return html_environment().get_template("report/detail.html.j2").render(context, detail_row=row)


def render_html(result: Result) -> str:
    context = report_context(result)
    css = _asset("report.css")
    js = _asset("report.js")
    csp = (f"default-src 'none'; img-src data:; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
           "base-uri 'none'; form-action 'none'")
    return html_environment().get_template("report.html.j2").render(
        context, css=Markup(css), js=Markup(js), csp=csp)
