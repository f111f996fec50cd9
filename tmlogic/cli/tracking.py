"""The tracking commands: `tmlogic diff` and `tmlogic risks seed|accept|check` (analyze's
--baseline / --risks / --fail-on steps are in runs.py).

Exit codes follow the rest of tmlogic: 0 ok, 1 the check failed, 2 bad input (every problem listed).
"""

import sys
from enum import Enum
from pathlib import Path

from .._errors import DiagnosticsError, display_path
from ..diagnostics import render_diagnostics
from ..typing_runtime import TYPE_CHECKING
from ..wording import plural
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
from .params import Annotated, Argument, Exit, Group, Option

if TYPE_CHECKING:
    import datetime

__all__ = ["risks_app", "diff_command"]

risks_app = Group(help="Track decisions about threats in the risk file next to the model.")


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class Status(str, Enum):
    accepted = "accepted"
    mitigated = "mitigated"
    false_positive = "false-positive"
    in_progress = "in-progress"


RiskFileOpt = Annotated[Path | None, Option(
    "--risks", help="Risk file (default: risks in .tmlogic.yaml, else next to the model: MODEL's name with .risks.yaml).")]
AllowPastOpt = Annotated[bool, Option("--allow-past", help="Accept an --expires date before today.")]


def _date(text: str | None, option: str, allow_past: bool = False) -> "datetime.date | None":
    """A YYYY-MM-DD option; a day before today is refused (the entry would be expired from the
    start) unless allow_past."""
    import datetime as dt

    from ..tracking.risks import resolve_today

    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        user_error(f"{option} {text!r} is not a date; write it as YYYY-MM-DD")
    try:
        today = resolve_today()
    except DiagnosticsError as exc:
        fail_input(exc)
    if day < today and not allow_past:
        user_error(f"{option} {day.isoformat()} is in the past (today is {today.isoformat()}): the entry would be "
                   "expired from the start and fail the build; give a later date, or --allow-past to record it anyway")
    return day


def _configured_risk_file(model: Path) -> Path | None:
    """Where `.tmlogic.yaml` (found from the working folder up) puts this model's risk file."""
    from ..config.find import find_config

    found = find_config()
    if found is None:
        return None
    from ..config.loader import load_config

    try:
        project = load_config(found)
    except DiagnosticsError as exc:
        fail_input(exc)
    return project.risk_file_for(model, project.settings_for(model))


def _risk_file(model: Path, given: Path | None) -> Path:
    """--risks, else the project's location, else the file next to the model."""
    from ..tracking.risks import find_risk_file, risk_path_for

    return given or _configured_risk_file(model) or find_risk_file(model) or risk_path_for(model)


# --- tmlogic diff ------------------------------------------------------------------------------------

def diff_command(
    old: Annotated[str, Argument(help="Before: a model, a result JSON, a git revision (with NEW a model path: "
                                            "HEAD~1 threat_model.md), or REV:path.", show_default=False)],
    new: Annotated[str, Argument(help="After: a model, a result JSON, or REV:path.", show_default=False)],
    output_format: Annotated[DiffFormat, Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    output: Annotated[Path | None, Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    fail_on: Annotated[FailLevel, Option("--fail-on", help="Exit 1 if an added threat is at or above this level.")] = "none",
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
    if fail_on != "none":
        worst = [t for t in report.threats.added if not t.accepted and level_rank(t.level) >= level_rank(fail_on)]
        if worst:
            sys.stderr.write(f"tmlogic: {plural(len(worst), 'added threat')} at or above {fail_on}: "
                             + ", ".join(f"{t.id} ({t.rule_id}, {t.location})" for t in worst) + "\n")
            raise Exit(1)


# --- tmlogic risks ...------------------------------------------------------------------------------

@risks_app.command("seed")
def risks_seed(
    model: ModelArg,
    output: Annotated[Path | None, Option(
        "--output", "-o", help="Risk file to write or add to (default: next to the model); '-' prints the entries.")] = None,
    owner: Annotated[str | None, Option("--owner", help="Owner written on every seeded entry.")] = None,
    expires: Annotated[str | None, Option(
        "--expires", help="Deadline (YYYY-MM-DD) written on every seeded entry: after it, the threats fail again.")] = None,
    allow_past: AllowPastOpt = False,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Record every current threat as in-progress, for a team adopting tmlogic on an existing model.

    Threats the model accepts, or that the risk file already covers, are skipped, so running it
    again only adds what is new. Seeded entries say so in their justification; turning one into
    accepted, mitigated or false-positive requires writing the real reason."""
    from ..tracking.risks import add_entries, entry_block, load_risks, resolve_today, review_risks
    from ..tracking.risks import seed_justification, seed_text
    from ..tracking.snapshot import snapshot

    deadline = _date(expires, "--expires", allow_past)
    model = model_path(model)
    analysis = run_analysis(model, analysis_options(rules, no_builtin_rules, strict, engine))
    to_stdout = output is not None and str(output) == "-"
    path = output if output is not None and not to_stdout else _risk_file(model, None)
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
    sys.stdout.write(f"{display_path(path)}: {plural(added, 'threat')} recorded as in-progress"
                     + (f", {skipped} already accepted or tracked" if skipped else "") + "\n")
    if added:
        sys.stdout.write("Next: triage each entry (fix the threat, or set status accepted / mitigated / false-positive "
                         "with the real justification) and commit the file.\n")


@risks_app.command("accept")
def risks_accept(
    model: ModelArg,
    threats: Annotated[list[str], Argument(help="Threat ids (or unique prefixes, or RULE-ID:target-id).",
                                                 show_default=False)],
    justification: Annotated[str, Option("--justification", "-j", help="Why (required).", show_default=False)],
    status: Annotated[Status, Option("--status", help="The decision.")] = Status.accepted,
    owner: Annotated[str | None, Option("--owner", help="Team or person responsible.")] = None,
    ticket: Annotated[str | None, Option("--ticket", help="Issue or ticket id.")] = None,
    expires: Annotated[str | None, Option("--expires", help="Last day the decision counts (YYYY-MM-DD).")] = None,
    allow_past: AllowPastOpt = False,
    risks: RiskFileOpt = None,
    rules: RulesOpt = None,
    no_builtin_rules: NoBuiltinOpt = False,
    strict: StrictOpt = False,
    engine: EngineOpt = DEFAULT_ENGINE,
) -> None:
    """Record decisions on threats (accepted by default), checked like the rest of the file.

    A threat with an `id:` entry already (from `risks seed`, or written by hand) gets that entry
    updated in place, and the command says what changed; the others get a new entry."""
    from ..tracking.risks import add_entries, entry_block, justification_problem, load_risks
    from ..tracking.risks.update import update_entries
    from ..tracking.snapshot import snapshot

    deadline = _date(expires, "--expires", allow_past)
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
    path = _risk_file(model, risks)
    unique = list({t.id: t for t in chosen}.values())
    try:
        existing = load_risks(path, missing_ok=True)
        have = {e.id for e in existing.entries if e.id}
        fields = {"status": status.value, "justification": justification, "owner": owner, "ticket": ticket,
                  "expires": deadline}
        changed = update_entries(path, {t.id: fields for t in unique if t.id in have}) if have & {t.id for t in unique} else []
        blocks = [entry_block(snapshot(t), status.value, justification, owner, ticket, deadline)
                  for t in unique if t.id not in have]
        added = add_entries(path, display_path(model), blocks)
    except DiagnosticsError as exc:
        fail_input(exc)
    except OSError as exc:
        user_error(f"cannot write {display_path(path)}: {exc.strerror or exc}; check the folder exists and is writable")
    parts = [f"{plural(added, 'entry', 'entries')} added"] if added or not changed else []
    if changed:
        parts.append(f"{plural(len(changed), 'entry', 'entries')} updated")
    sys.stdout.write(f"{display_path(path)}: {'; '.join(parts)}\n")
    for c in changed:
        sys.stdout.write(f"  {c.describe()}\n")


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
        configured = None if risks is not None else _configured_risk_file(model)
        tracking = track(model, analysis.result, risk_file=risks or configured, risk_missing_ok=configured is not None)
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
        raise Exit(1)
    sys.stdout.write(f"{tracking.risk_file_shown}: ok ({plural(len(review.file.entries), 'entry', 'entries')})\n")
