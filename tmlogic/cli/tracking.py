"""The tracking commands: `tmlogic diff`, `tmlogic risks seed|accept|check`, and the two helpers
`analyze` calls for --baseline / --risks / --fail-new-only.

Exit codes follow the rest of tmlogic: 0 ok, 1 the check failed, 2 bad input (every problem listed).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .._errors import DiagnosticsError, display_path
from ..diagnostics import render_diagnostics
from .common import (
    DEFAULT_ENGINE,
    EngineOpt,
    FailLevel,
    ModelArg,
    NoBuiltinOpt,
    RulesOpt,
    StrictOpt,
    analysis_options,
    fail_input,
    model_path,
    run_analysis,
    user_error,
    write_output,
)

if TYPE_CHECKING:
    import datetime

    from ..analysis import AnalysisOptions
    from ..result import Result
    from ..tracking.track import Tracking

__all__ = ["risks_app", "diff_command", "prepare_tracking", "enforce_fail_on"]

risks_app = typer.Typer(no_args_is_help=True, help="Track decisions about threats in the risk file next to the model.")


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Status(str, Enum):
    accepted = "accepted"
    mitigated = "mitigated"
    false_positive = "false-positive"
    in_progress = "in-progress"


RiskFileOpt = Annotated[Optional[Path], typer.Option(
    "--risks", help="Risk file (default: next to the model, MODEL's name with .risks.yaml).")]


def _date(text: str | None, option: str) -> datetime.date | None:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        user_error(f"{option} {text!r} is not a date; write it as YYYY-MM-DD")


def _github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


# --- analyze: the helpers the main CLI calls --------------------------------------------------------

def prepare_tracking(model: Path, result: Result, *, baseline: str | None = None, risks: Path | None = None,
                     no_risks: bool = False, options: AnalysisOptions | None = None, quiet: bool = False) -> Tracking:
    """Read the risk file and the baseline for `analyze`. Prints expired / stale risk entries as
    warnings (unless quiet); prints every input problem and exits 2 on bad input."""
    from ..tracking.track import track

    try:
        tracking = track(model, result, baseline=baseline, risk_file=risks, use_risk_file=not no_risks, options=options)
    except DiagnosticsError as exc:
        fail_input(exc)
    except ValueError as exc:  # unknown engine name, when the baseline is analyzed
        user_error(str(exc))
    if tracking.warnings and not quiet:
        sys.stderr.write(render_diagnostics(tracking.warnings))
    return tracking


def enforce_fail_on(tracking: Tracking, fail_on: str, new_only: bool, *, model: Path, quiet: bool = False,
                    baseline: str | None = None, stdout_free: bool = True) -> None:
    """Exit 1 when threats fail the build, after printing them to stderr (ids, file:line, the line
    that accepts each) and, under GitHub Actions, an `::error` annotation per threat: on stdout,
    where the runner reads them, unless stdout carries a report (`stdout_free=False`: JSON, SARIF,
    ... written to stdout), then on stderr. Returns when none fail."""
    if new_only and fail_on == "none":
        user_error("--fail-new-only needs --fail-on LEVEL (e.g. --fail-on high)")
    if fail_on == "none":
        return
    from ..tracking.messages import format_failures, github_annotations

    failures = tracking.failures(fail_on, new_only)
    if not failures:
        return
    if not quiet:
        sys.stderr.write(format_failures(failures, fail_on=fail_on, risk_file=tracking.risk_file_shown,
                                         model=display_path(model), new_only=new_only,
                                         baseline=tracking.comparison.baseline.source if tracking.comparison else baseline))
    if _github():
        stream = sys.stdout if stdout_free else sys.stderr
        sys.stderr.flush()
        stream.write(github_annotations(failures, tracking.risk_file_shown))
    raise typer.Exit(1)


# --- tmlogic diff ------------------------------------------------------------------------------------

def diff_command(
    old: Annotated[str, typer.Argument(help="Before: a model, a result JSON, a git revision (with NEW a model path: "
                                            "HEAD~1 threat_model.md), or REV:path.", show_default=False)],
    new: Annotated[str, typer.Argument(help="After: a model, a result JSON, or REV:path.", show_default=False)],
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    fail_on: Annotated[FailLevel, typer.Option("--fail-on", help="Exit 1 if an added threat is at or above this level.")] = FailLevel.none,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Compare two versions of a threat model: threats added, removed and changed, and model changes."""
    from ..severity import level_rank
    from ..tracking.diff import DiffReport, diff_models, diff_threats, render_diff_json, render_diff_markdown, render_diff_text
    from ..tracking.sources import load_side

    options = analysis_options(rules, no_builtin_rules, strict, engine)
    new_path = Path(new)
    hint = new_path if new_path.is_dir() or new_path.suffix.lower() in (".md", ".markdown", ".yaml", ".yml") else None
    try:
        after = load_side(new, options=options)
        before = load_side(old, model_hint=hint, options=options)
    except DiagnosticsError as exc:
        fail_input(exc)
    except ValueError as exc:
        user_error(str(exc))
    model_diff = diff_models(before.model, after.model) if before.model is not None and after.model is not None else None
    report = DiffReport(before.label, after.label, diff_threats(before.threats.threats, after.threats.threats),
                        model_diff, before.kind, after.kind)
    render = {DiffFormat.text: render_diff_text, DiffFormat.json: render_diff_json,
              DiffFormat.markdown: render_diff_markdown}[output_format]
    write_output(render(report), output)
    if fail_on is not FailLevel.none:
        worst = [t for t in report.threats.added if not t.accepted and level_rank(t.level) >= level_rank(fail_on.value)]
        if worst:
            sys.stderr.write(f"tmlogic: {len(worst)} added threat(s) at or above {fail_on.value}: "
                             + ", ".join(f"{t.id} ({t.rule_id}, {t.location})" for t in worst) + "\n")
            raise typer.Exit(1)


# --- tmlogic risks ...------------------------------------------------------------------------------

@risks_app.command("seed")
def risks_seed(
    model: ModelArg,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Risk file to write or add to (default: next to the model); '-' prints the entries.")] = None,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Owner written on every seeded entry.")] = None,
    expires: Annotated[Optional[str], typer.Option(
        "--expires", help="Deadline (YYYY-MM-DD) written on every seeded entry: after it, the threats fail again.")] = None,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Record every current threat as in-progress, for a team adopting tmlogic on an existing model.

    Threats the model accepts, or that the risk file already covers, are skipped, so running it
    again only adds what is new. Seeded entries say so in their justification; turning one into
    accepted, mitigated or false-positive requires writing the real reason."""
    from ..tracking.risks import add_entries, entry_block, find_risk_file, load_risks, resolve_today, review_risks, risk_path_for
    from ..tracking.risks import seed_justification, seed_text
    from ..tracking.snapshot import snapshot

    deadline = _date(expires, "--expires")
    model = model_path(model)
    analysis = run_analysis(model, analysis_options(rules, no_builtin_rules, strict, engine))
    to_stdout = output is not None and str(output) == "-"
    path = output if output is not None and not to_stdout else (find_risk_file(model) or risk_path_for(model))
    try:
        today = resolve_today()
        existing = load_risks(path, missing_ok=True)
    except DiagnosticsError as exc:
        fail_input(exc)
    current = [snapshot(t) for t in analysis.result.active]
    review = review_risks(current, existing, today)
    todo = [t for t in current if review.entry_for(t.id) is None]
    if to_stdout:
        sys.stdout.write(seed_text(todo, display_path(model), today, owner, deadline, header=not existing.exists))
        return
    blocks = [entry_block(t, "in-progress", seed_justification(today), owner, None, deadline) for t in todo]
    try:
        added = add_entries(path, display_path(model), blocks)
    except DiagnosticsError as exc:
        fail_input(exc)
    except OSError as exc:
        user_error(f"cannot write {path}: {exc.strerror}")
    skipped = len(analysis.result.threats) - len(todo)
    sys.stdout.write(f"{display_path(path)}: {added} threat(s) recorded as in-progress"
                     + (f", {skipped} already accepted or tracked" if skipped else "") + "\n")
    if added:
        sys.stdout.write("Next: triage each entry (fix the threat, or set status accepted / mitigated / false-positive "
                         "with the real justification) and commit the file.\n")


@risks_app.command("accept")
def risks_accept(
    model: ModelArg,
    threats: Annotated[list[str], typer.Argument(help="Threat ids (or unique prefixes, or RULE-ID:target-id).",
                                                 show_default=False)],
    justification: Annotated[str, typer.Option("--justification", "-j", help="Why (required).", show_default=False)],
    status: Annotated[Status, typer.Option("--status", help="The decision.")] = Status.accepted,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Team or person responsible.")] = None,
    ticket: Annotated[Optional[str], typer.Option("--ticket", help="Issue or ticket id.")] = None,
    expires: Annotated[Optional[str], typer.Option("--expires", help="Last day the decision counts (YYYY-MM-DD).")] = None,
    risks: RiskFileOpt = None,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Add risk-file entries for threats (accepted by default), checked like the rest of the file."""
    from ..tracking.risks import add_entries, entry_block, find_risk_file, justification_problem, load_risks, risk_path_for
    from ..tracking.snapshot import snapshot

    deadline = _date(expires, "--expires")
    model = model_path(model)
    analysis = run_analysis(model, analysis_options(rules, no_builtin_rules, strict, engine))
    chosen = []
    for ref in threats:
        matches = analysis.result.find(ref)
        if not matches:
            user_error(f"no threat {ref!r} in {model}; run `tmlogic analyze {model}` to list them")
        if len(matches) > 1 and ":" not in ref:
            user_error(f"{ref!r} matches {len(matches)} threats ({', '.join(t.id for t in matches)}); give more of the id")
        chosen.extend(matches)
    problem = justification_problem(status.value, justification, owner, ticket)
    if problem:
        user_error(problem)
    path = risks or find_risk_file(model) or risk_path_for(model)
    unique = list({t.id: t for t in chosen}.values())
    try:
        existing = load_risks(path, missing_ok=True)
        have = {e.id for e in existing.entries if e.id}
        blocks = [entry_block(snapshot(t), status.value, justification, owner, ticket, deadline)
                  for t in unique if t.id not in have]
        added = add_entries(path, display_path(model), blocks)
    except DiagnosticsError as exc:
        fail_input(exc)
    except OSError as exc:
        user_error(f"cannot write {display_path(path)}: {exc.strerror or exc}; check the folder exists and is writable")
    already = len(unique) - len(blocks)
    sys.stdout.write(f"{display_path(path)}: {added} entr{'ies' if added != 1 else 'y'} added"
                     + (f"; {already} already had an entry (edit it there)" if already else "") + "\n")


@risks_app.command("check")
def risks_check(
    model: ModelArg,
    risks: RiskFileOpt = None,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Check the risk file against the model's threats: what each entry decides, and which entries
    have expired or match nothing (exit 1 if any)."""
    from ..tracking.track import track

    model = model_path(model)
    analysis = run_analysis(model, analysis_options(rules, no_builtin_rules, strict, engine))
    try:
        tracking = track(model, analysis.result, risk_file=risks)
    except DiagnosticsError as exc:
        fail_input(exc)
    review = tracking.risks
    assert review is not None
    if not review.file.exists:
        user_error(f"no risk file next to {display_path(model)} (expected {tracking.risk_file_shown}); "
                    f"create one with `tmlogic risks seed {display_path(model)}`")
    for t in analysis.result.threats:
        e = review.entry_for(t.id)
        if e is None:
            state = "accepted in the model" if t.suppression is not None else "untracked"
            sys.stdout.write(f"{t.id}  {t.severity.level.upper():<8}  {t.rule.id:<12} {state}\n")
        else:
            sys.stdout.write(f"{t.id}  {t.severity.level.upper():<8}  {t.rule.id:<12} {review.status(t.id)}  "
                             f"({e.span.short()}{', owner ' + e.owner if e.owner else ''})\n")
    if tracking.warnings:
        sys.stderr.write(render_diagnostics(tracking.warnings))
        raise typer.Exit(1)
    sys.stdout.write(f"{tracking.risk_file_shown}: ok ({len(review.file.entries)} entries)\n")
