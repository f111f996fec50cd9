"""Entry points of the pre-commit hooks (.pre-commit-hooks.yaml), which pass many files at once:

    python -m tmlogic.tracking.precommit validate [--strict] FILE...
    python -m tmlogic.tracking.precommit analyze [--fail-on high] [--new-only] [--strict] [--rules DIR] FILE...

FILE is a model (validated / analyzed) or a risk file `X.risks.yaml` (checked; `analyze` runs
on its model X.md / X.yaml next to it). `--new-only` fails only on threats that are not in the
model as committed at HEAD (all of them for a model not yet committed).
Exit code: 2 if any input is bad, else 1 if any model has failing threats, else 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..wording import plural
from .._errors import DiagnosticsError, display_path
from ..diagnostics import render_diagnostics

__all__ = ["main", "models_for"]

_MODEL_SUFFIXES = (".md", ".markdown", ".yaml", ".yml")
_RISK_SUFFIXES = (".risks.yaml", ".risks.yml")


def _is_risk_file(path: Path) -> bool:
    return path.name.lower().endswith(_RISK_SUFFIXES)


def _model_of(risk_file: Path) -> Path | None:
    name = risk_file.name
    stem = name[: name.lower().rfind(".risks.")]
    for suffix in _MODEL_SUFFIXES:
        candidate = risk_file.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def models_for(files: Sequence[str]) -> tuple[list[Path], list[Path], list[str]]:
    """(models, risk files, problems): each risk file also brings its model in."""
    models: dict[Path, None] = {}
    risks: dict[Path, None] = {}
    problems: list[str] = []
    for name in files:
        path = Path(name)
        if _is_risk_file(path):
            risks[path] = None
            model = _model_of(path)
            if model is None:
                problems.append(f"{name}: error: no model next to this risk file "
                                f"(looked for {path.name[: path.name.lower().rfind('.risks.')]}.md/.yaml); "
                                "name the risk file after its model")
            else:
                models[model] = None
        elif path.suffix.lower() in _MODEL_SUFFIXES:
            models[path] = None
    return list(models), list(risks), problems


def _validate(args: argparse.Namespace) -> int:
    from ..model.loader import load_model
    from .risks import load_risks

    models, risk_files, problems = models_for(args.files)
    code = 0
    for p in problems:
        sys.stderr.write(p + "\n")
        code = 2
    for model in models:
        try:
            _, warnings = load_model(model, strict=args.strict)
        except DiagnosticsError as exc:
            sys.stderr.write(exc.render())
            code = 2
            continue
        if warnings:
            sys.stderr.write(render_diagnostics(warnings))
        sys.stdout.write(f"{display_path(model)}: ok\n")
    for risk in risk_files:
        try:
            load_risks(risk)
        except DiagnosticsError as exc:
            sys.stderr.write(exc.render())
            code = 2
            continue
        sys.stdout.write(f"{display_path(risk)}: ok\n")
    return code


def _analyze(args: argparse.Namespace) -> int:
    from ..analysis import AnalysisOptions, analyze
    from .snapshot import ArgumentError
    from .messages import format_failures
    from .sources import load_baseline
    from .track import track

    models, _, problems = models_for(args.files)
    code = 0
    for p in problems:
        sys.stderr.write(p + "\n")
        code = 2
    options = AnalysisOptions(tuple(Path(r) for r in args.rules or ()), not args.no_builtin_rules, args.strict)
    for model in models:
        try:
            result = analyze(model, options).result
            baseline = None
            if args.new_only:
                try:
                    baseline = load_baseline("HEAD", model, options)
                except ArgumentError:
                    baseline = None  # not committed yet (or not in a repository): every threat is new
            tracking = track(model, result, baseline=baseline)
        except DiagnosticsError as exc:
            sys.stderr.write(exc.render())
            code = 2
            continue
        if tracking.warnings:
            sys.stderr.write(render_diagnostics(tracking.warnings))
        failures = tracking.failures(args.fail_on, args.new_only)
        shown = display_path(model)
        if failures:
            sys.stderr.write(format_failures(failures, fail_on=args.fail_on, risk_file=tracking.risk_file_shown,
                                             model=shown, new_only=args.new_only,
                                             baseline="HEAD" if baseline is not None else None))
            code = max(code, 1)
        else:
            sys.stdout.write(f"{shown}: ok ({plural(len(tracking.result.active), 'open threat')}, none at or above "
                             f"{args.fail_on}{' and new' if args.new_only else ''})\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tmlogic.tracking.precommit",
                                     description="tmlogic checks for pre-commit hooks (many files per run).")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check models and risk files")
    v.add_argument("--strict", action="store_true", help="warnings are errors")
    v.add_argument("files", nargs="*")
    a = sub.add_parser("analyze", help="fail on threats at or above a level")
    a.add_argument("--fail-on", default="high", choices=["low", "medium", "elevated", "high", "critical"])
    a.add_argument("--new-only", action="store_true", help="only threats not in the model at HEAD")
    a.add_argument("--strict", action="store_true")
    a.add_argument("--rules", action="append", help="extra rule pack; repeatable")
    a.add_argument("--no-builtin-rules", action="store_true")
    a.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "analyze" and args.no_builtin_rules and not args.rules:
        parser.error("--no-builtin-rules needs at least one --rules pack")
    try:
        return _validate(args) if args.command == "validate" else _analyze(args)
    except DiagnosticsError as exc:
        sys.stderr.write(exc.render())
        return 2


if __name__ == "__main__":
    from ..cli.common import guarded_entry  # the CLI's exit codes and safe streams

    sys.exit(guarded_entry(main))
