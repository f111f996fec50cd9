"""`tmlogic analyze` over one or several models: each run analyzed, put in its CI context (risk
file, baseline, gate), rendered and gated; one summary for several models; the worst exit code.

Exit codes per run: 0 ok, 1 threats fail the build, 2 bad input. With several models a bad one is
reported and the others still run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from .._errors import DiagnosticsError, display_path
from ..config.run import ModelRun
from ..diagnostics import render_diagnostics
from ..records import record
from ..wording import plural

__all__ = ["RunOutcome", "run_model", "render_summary", "Presentation"]


@record(frozen=True)
class Presentation:
    """How the command line asked to show a run."""

    output_format: str  # a format name (text, json, sarif, ...)
    output: Path | None  # -o FILE (None: stdout)
    verbose: bool
    quiet: bool
    colour: bool
    several: bool  # more than one model: no report on stdout but text
    paths: bool = False  # also find attack paths (analyze --paths)


@record(frozen=True)
class RunOutcome:
    model: Path
    code: int  # 0, 1 or 2
    active: int = 0
    counts: str = ""  # "2 critical, 1 high"
    failing: int = 0


def _problem(exc: DiagnosticsError) -> str:
    return exc.render()


def _github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def run_model(run: ModelRun, show: Presentation) -> RunOutcome:
    """Analyze one model and report it; never raises for bad input (code 2)."""
    from ..gc_pause import collector_paused

    with collector_paused():  # from the analysis to the written outputs (gc_pause.py says why)
        return _run_model(run, show)


def _run_model(run: ModelRun, show: Presentation) -> RunOutcome:
    from ..analysis import analyze, rule_facts
    from ..outputs.formats import RenderOptions, render_chunks, write_all
    from ..result import Gate
    from ..severity import LEVELS
    from ..tracking.track import track

    err = sys.stderr
    try:
        analysis = analyze(run.model, run.options)
        tracking = track(run.model, analysis.result, baseline=run.baseline, risk_file=run.risks,
                         use_risk_file=run.use_risks, options=run.options,
                         risk_missing_ok=run.risks is not None and not run.risks_required)
    except DiagnosticsError as exc:
        err.write(_problem(exc))
        return RunOutcome(run.model, 2)
    except ValueError as exc:  # an engine name the backends do not know
        err.write(f"tmlogic: error: {exc}\n")
        return RunOutcome(run.model, 2)
    result = analysis.result
    hard = run.options.policy.hard_fail_ids([rule_facts(r) for r in result.rules])
    gate = Gate(run.fail_on, run.new_only, tuple(sorted(hard)))
    shown = tracking.annotated(gate)
    if show.paths:
        from ..paths.find import PathOptions
        from ..tracking.paths import with_paths

        try:
            shown = with_paths(analysis, shown, PathOptions(strict=run.options.strict), model=run.model,
                               analysis_options=run.options, baseline=run.baseline)
        except DiagnosticsError as exc:
            err.write(_problem(exc))
            return RunOutcome(run.model, 2)
    # The renderers read only the Result: the engine's relations, the firings and the prover go
    # now, so that the memory they held is reused while the reports are built (at 20,000 elements
    # they are most of the analysis's memory).
    del analysis
    if not show.quiet:
        warnings = list(shown.warnings) + list(tracking.warnings)
        if warnings:
            err.write(render_diagnostics(warnings))
    options = RenderOptions(sarif_suppressions=run.sarif_suppressions, help_uri=run.help_uri)
    if run.output_dir is not None:
        from ..diagram.render import DiagramUnavailable
        from ..fileaccess import WriteRefused

        def undrawn(filename: str, reason: str) -> None:
            if not show.quiet:
                err.write(f"tmlogic: warning: {filename} not written: {reason}\n")

        try:
            written = write_all(shown, run.output_dir, run.formats, options, on_skip=undrawn)
        except WriteRefused as exc:  # a link, an input, a full disk: nothing half-written
            err.write(f"tmlogic: error: {exc}\n")
            return RunOutcome(run.model, 2)
        except DiagramUnavailable as exc:  # a diagram the configuration asks for; the other files are written
            err.write(f"tmlogic: error: the diagram could not be drawn: {exc}\n")
            return RunOutcome(run.model, 2)
        if not show.quiet:
            err.write(f"tmlogic: wrote {', '.join(p.name for p in written)} to {display_path(run.output_dir)}\n")
    if show.output_format == "text":
        if not show.quiet or show.output is not None:
            from ..outputs.text import render_text

            text = render_text(shown, color=show.colour and show.output is None, verbose=show.verbose)
            if shown.paths is not None:
                from ..outputs.paths_text import render_paths_text

                text += "\n" + render_paths_text(shown, color=show.colour and show.output is None)
            from ..tracking.messages import tracking_summary

            summary = tracking_summary(tracking.comparison, tracking.risks)
            _emit(text + ("\n" + summary if summary else ""), show.output)
    else:
        _emit(render_chunks(shown, show.output_format, options), show.output)
    failures = tracking.failures(run.fail_on, run.new_only, hard)
    active = shown.active
    counts = {lv: sum(1 for t in active if t.severity.level == lv) for lv in LEVELS}
    described = ", ".join(f"{counts[lv]} {lv}" for lv in reversed(LEVELS) if counts[lv])
    if failures:
        from ..tracking.messages import format_failures, github_annotations

        model = display_path(run.model)
        baseline = tracking.comparison.baseline.source if tracking.comparison else run.baseline
        if show.quiet:
            err.write(f"tmlogic: {model}: {plural(len(failures), 'threat')} fail{'s' if len(failures) == 1 else ''} "
                      "the build\n")
        else:
            err.write(format_failures(failures, fail_on=run.fail_on, risk_file=tracking.risk_file_shown, model=model,
                                      new_only=run.new_only, baseline=baseline))
        if _github():
            stream = sys.stdout if (show.output is not None or show.output_format == "text") else err
            err.flush()
            stream.write(github_annotations(failures, tracking.risk_file_shown))
    return RunOutcome(run.model, 1 if failures else 0, len(active), described, len(failures))


def _emit(text: str | Iterable[str], output: Path | None) -> None:
    from .common import write_output

    write_output(text, output)


def render_summary(outcomes: list[RunOutcome]) -> str:
    """The one summary of a run over several models."""
    failed = [o for o in outcomes if o.code == 1]
    broken = [o for o in outcomes if o.code == 2]
    parts = [f"{len(failed)} fail{'s' if len(failed) == 1 else ''} the build"] if failed else []
    if broken:
        parts.append(f"{len(broken)} could not be analyzed")
    head = f"tmlogic: {plural(len(outcomes), 'model')}" + (": " + ", ".join(parts) if parts else ": ok")
    width = max(len(display_path(o.model)) for o in outcomes)
    lines = [head]
    for o in outcomes:
        if o.code == 2:
            state = "bad input (see above)"
        else:
            state = plural(o.active, "threat") + (f" ({o.counts})" if o.counts else "")
            state += f"; {plural(o.failing, 'threat')} fail{'s' if o.failing == 1 else ''} the build" if o.failing else ""
        lines.append(f"  {display_path(o.model):<{width}}  {state}")
    return "\n".join(lines) + "\n"
