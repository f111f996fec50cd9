"""The live analysis: the editor's text -> the same Result, report parts and diagnostics as the CLI.

One LiveAnalyzer per server. It loads and checks the rule packs once, then each request goes
down the CLI's own path: load_model (with the unsaved buffers standing in for their files),
analyze_model, track (the risk file), and the HTML report's parts (outputs/html.py). Nothing
here decides a threat, a severity or a diagram on its own.

It is synchronous and not thread-safe: the server runs it on one worker thread at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .._errors import Diagnostic, DiagnosticsError
from ..analysis import AnalysisOptions, analyze_model, load_rules
from ..logic.language.ast import Program
from ..logic.program.compile import compile_program
from ..model.loader import load_model, read_document
from ..model.schema import Boundary, DataAsset, Dataflow, Element, Model
from ..model.vocabulary import SECTION_KINDS
from ..outputs.html import render_part, report_context
from ..result import Result
from .files import FileRefused, ServedFolder
from .vocabulary import completion_vocabulary
from ..records import replace
from ..typing_runtime import Any

__all__ = ["EditRequest", "LiveUpdate", "LiveAnalyzer", "PARTS"]

PARTS = ("counts", "diagram", "threats")
_GROUP_OF_SECTION = {"boundaries": "boundaries", "data": "data", "dataflows": "flows",
                     **{s: "elements" for s in SECTION_KINDS}}


@dataclass(frozen=True)
class EditRequest:
    current: str  # the file shown in the editor (served key)
    buffers: Mapping[str, str] = field(default_factory=dict)  # served key -> unsaved text


@dataclass
class LiveUpdate:
    payload: dict[str, Any]  # sent to the browser as JSON
    root: str  # the model the analysis started from (served key)
    model: Model | None = None
    raw: Result | None = None  # before the risk file: what `tmlogic diff` compares
    files: tuple[str, ...] = ()  # served keys of the model files analyzed
    context: dict[str, Any] | None = None  # the report's context, for threat details asked for later


def _diagnostic(d: Diagnostic, folder: ServedFolder) -> dict[str, Any]:
    return {"file": folder.key(Path(d.span.path)), "line": d.span.line, "col": d.span.col,
            "end_line": d.span.end_line, "end_col": d.span.end_col, "level": d.level.value,
            "message": d.message, "hint": d.hint, "code": d.code, "text": d.headline()}


def names_of(suffix: str, text: str, shown: str) -> dict[str, list[str]]:
    """Boundary, element, data and flow names written in one file, read even when the model has
    errors (the raw form): what completion offers for from=, to=, boundary=, data=."""
    out: dict[str, list[str]] = {"boundaries": [], "elements": [], "data": [], "flows": []}
    doc = read_document(suffix, text, shown)
    if doc is None:
        return out
    for section in doc.sections:
        group = _GROUP_OF_SECTION.get(section.kind or "")
        if group is not None:
            out[group].extend(e.name for e in section.entries if e.name)
    return {k: sorted(set(v), key=str.lower) for k, v in out.items()}


def _model_names(model: Model) -> dict[str, list[str]]:
    """The same groups as names_of, from one file of a model that loaded."""
    def names(items: tuple[Boundary, ...] | tuple[Element, ...] | tuple[DataAsset, ...] | tuple[Dataflow, ...]
              ) -> list[str]:
        return sorted({item.name for item in items}, key=str.lower)

    return {"boundaries": names(model.boundaries), "elements": names(model.elements), "data": names(model.data),
            "flows": names(model.flows)}


class LiveAnalyzer:
    def __init__(self, folder: ServedFolder, entry: str | None, options: AnalysisOptions) -> None:
        self.folder = folder
        self.entry = entry
        self.options = options
        # Raises RuleError: a broken --rules pack stops `tmlogic serve` before it serves anything.
        self.program: Program
        self.program, self.program_warnings = load_rules(
            list(options.rule_paths), builtin_rules=options.builtin_rules, strict=options.strict)
        self.compiled = compile_program(self.program)
        self.vocabulary = completion_vocabulary(self.program)
        self.tree: set[str] = set()  # files of the entry's project, as last analyzed

    def root_for(self, current: str) -> str:
        """Start from the project's entry when the file belongs to it, else from the file itself."""
        if self.entry is not None and (current == self.entry or current in self.tree):
            return self.entry
        return current

    def analyze(self, request: EditRequest, superseded: Callable[[], bool] = lambda: False) -> LiveUpdate:
        """`superseded()` says that a newer edit is waiting: then the report parts (Graphviz and
        the table), which nobody would see, are not made."""
        started, cpu_started = time.perf_counter(), time.thread_time()
        root = self.root_for(request.current)
        root_path = self.folder.resolve(root)
        sources = {}
        for key, text in request.buffers.items():
            try:
                sources[self.folder.resolve(key)] = text
            except FileRefused:
                continue
        payload: dict[str, Any] = {"type": "analysis", "root": root, "current": request.current}
        try:
            model, raw = self.run(root_path, sources)
            result = self._tracked(root_path, raw)
        except DiagnosticsError as exc:
            payload.update(ok=False, diagnostics=[_diagnostic(d, self.folder) for d in exc.diagnostics],
                           names=self._raw_names(request))
            payload["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
            payload["cpu_ms"] = round((time.thread_time() - cpu_started) * 1000, 1)  # this thread's share
            return LiveUpdate(payload, root)
        if superseded():
            return LiveUpdate({"type": "analysis", "superseded": True}, root)
        shown = next((m for m in model.all_models() if self.folder.key(Path(m.path)) == request.current), None)
        payload["names"] = _model_names(shown) if shown is not None else self._raw_names(request)
        texts: dict[str, str] = {}
        for m in model.all_models():
            served = self.folder.key(Path(m.path))
            if served is not None and served in request.buffers:
                texts[m.path] = request.buffers[served]
        context = report_context(result, texts, lazy_details=True)
        files = {v.key: self.folder.key(Path(v.path)) for v in context["views"]}
        if root == self.entry:
            self.tree = {f for f in files.values() if f is not None}
        data = dict(context["data"], files=files)
        payload.update(
            ok=True,
            diagnostics=[_diagnostic(d, self.folder) for d in result.warnings],
            parts={name: render_part(name, context) for name in PARTS},
            data=data,
            threats=len(result.threats),
        )
        payload["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
        payload["cpu_ms"] = round((time.thread_time() - cpu_started) * 1000, 1)  # this thread's share
        return LiveUpdate(payload, root, model, raw, tuple(sorted({f for f in files.values() if f is not None})),
                          context)

    def _raw_names(self, request: EditRequest) -> dict[str, list[str]]:
        text = request.buffers.get(request.current)
        if text is None:
            try:
                text, _ = self.folder.read(request.current)
            except FileRefused:
                text = ""
        return names_of(PurePosixPath(request.current).suffix, text, request.current)

    def run(self, root_path: Path, sources: Mapping[Path, str]) -> tuple[Model, Result]:
        """Load and analyze, as `tmlogic analyze` does (with the program loaded once).
        Raises ModelError with every problem."""
        model, warnings = load_model(root_path, strict=self.options.strict, sources=sources,
                                     lenient=self.options.lenient)
        analysis = analyze_model(model, self.program, list(warnings) + list(self.program_warnings), self.options.engine,
                                 self.compiled, policy=self.options.policy)
        return model, analysis.result

    def _tracked(self, root_path: Path, result: Result) -> Result:
        """The risk file's decisions marked on the result, as `tmlogic analyze` shows them."""
        from ..tracking.track import track

        tracking = track(root_path, result, options=self.options)
        warnings = tuple(sorted(tracking.result.warnings + tracking.warnings, key=Diagnostic.sort_key))
        return replace(tracking.result, warnings=warnings)
