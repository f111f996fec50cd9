"""What `tmlogic diff OLD NEW` and `analyze --baseline` accept, turned into one shape (a Side):
a model file (analyzed now), a result JSON file (read), or a git revision of a model (read from
git into a temporary folder and analyzed there)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._errors import Diagnostic, DiagnosticsError, Level, SourceSpan, display_path
from ..model.loader import MODEL_SUFFIXES, project_entry
from ..model.schema import Model
from .gitsource import checkout_model, is_revision, parse_rev_path, repo_root
from .snapshot import ArgumentError, ResultSnapshot, TrackingError, load_result_json, snapshot_result
from ..records import replace
from ..typing_runtime import Literal

__all__ = ["Side", "load_side", "load_baseline"]


@dataclass(frozen=True)
class Side:
    label: str  # as shown: a path, or `REV:path`
    kind: Literal["model", "json", "git"]
    threats: ResultSnapshot
    model: Model | None  # None for a result JSON (it holds no model)


def _options(options: object | None) -> object:
    from ..analysis import AnalysisOptions

    return options if options is not None else AnalysisOptions()


def _analyze(path: Path, options: object | None) -> tuple[Model, ResultSnapshot]:
    from ..analysis import analyze

    analysis = analyze(path, _options(options))  # type: ignore[arg-type]
    return analysis.model, snapshot_result(analysis.result, display_path(path))


def _git_side(rev: str, model: Path, options: object | None) -> Side:
    with checkout_model(rev, model) as checked:
        rev_prefix = checked.rev + ":"

        def relabel(path: str) -> str:
            p = Path(path)
            p = (p if p.is_absolute() else Path.cwd() / p).resolve()
            try:
                return rev_prefix + p.relative_to(checked.folder).as_posix()
            except ValueError:
                return path

        try:
            loaded, snap = _analyze(checked.path, options)
        except DiagnosticsError as exc:
            # point at `REV:path:line`, not at the temporary copy (which is gone when this is shown)
            moved = [replace(d, span=replace(d.span, path=relabel(d.span.path)),
                             notes=tuple(replace(n, span=replace(n.span, path=relabel(n.span.path))) for n in d.notes))
                     for d in exc.diagnostics]
            raise type(exc)(moved) from None
        threats = tuple(replace(t, file=relabel(t.file)) for t in snap.threats)
    return Side(checked.label, "git", ResultSnapshot(checked.label, threats), loaded)


def load_side(spec: str, *, model_hint: Path | None = None, options: object | None = None) -> Side:
    """Resolve one argument of `diff` (or a `--baseline`). `options` is an AnalysisOptions for
    the sides that are analyzed. `model_hint` is the model path a bare revision refers to.
    Raises TrackingError / ModelError / RuleError (exit 2) on bad input."""
    path = Path(spec)
    if path.is_dir() and project_entry(path) is not None:
        path = project_entry(path)  # type: ignore[assignment]
        spec = str(path)
    if model_hint is not None and Path(model_hint).is_dir():
        model_hint = project_entry(Path(model_hint)) or model_hint
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            return Side(display_path(path), "json", load_result_json(path), None)
        if suffix in MODEL_SUFFIXES:
            model, snap = _analyze(path, options)
            return Side(display_path(path), "model", snap, model)
        raise TrackingError([Diagnostic(Level.ERROR, SourceSpan(display_path(path), 1, 1),
                                        f"'{display_path(path)}' is neither a model nor a result JSON", "tracking",
                                        "give a model (.md, .yaml), a result (.json) or a git revision")])
    rev_path = parse_rev_path(spec)
    if rev_path is not None:
        rev, file = rev_path
        target = Path(file)
        if not target.is_absolute():
            # `REV:path` is relative to the current folder, like the model arguments
            target = Path.cwd() / target
        return _git_side(rev, target, options)
    if model_hint is not None:
        hint = Path(model_hint)
        cwd = hint.resolve().parent if hint.exists() else Path.cwd()
        try:
            root = repo_root(cwd)
        except TrackingError:
            raise ArgumentError(f"'{spec}' is not a file, and {display_path(hint)} is not in a git repository",
                                "give a model or result JSON file, or run inside the repository") from None
        if is_revision(spec, cwd):
            return _git_side(spec, hint, options)
        raise ArgumentError(f"'{spec}' is neither a file nor a revision of the repository at {display_path(root)}",
                            "give a model or result file, or a branch, tag or commit (HEAD~1, origin/main); "
                            "in CI, check out the history (fetch-depth: 0)")
    raise ArgumentError(f"'{spec}' is not a file",
                        "give a model (.md, .yaml), a result (.json), a git revision with a model path "
                        "(HEAD~1 threat_model.md) or REV:path")


def load_baseline(spec: str | Path, model: Path, options: object | None = None) -> ResultSnapshot:
    """`--baseline`: a result JSON, a model file, or a git revision of `model` (analyzed with the
    same options, so a rule-pack change does not show up as model drift)."""
    return load_side(str(spec), model_hint=model, options=options).threats
