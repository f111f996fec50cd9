"""Continuous threat modeling: the risk file, baselines, diffs and CI messages.

Public API (see docs/ci.md):

    risks:     load_risks, parse_risks, review_risks, risk_path_for, find_risk_file, resolve_today,
               RiskFile, RiskEntry, RiskReview, entry_line, seed_text, add_entries
    baseline:  compare, fail_threats, apply_risks, Comparison, Failure, load_result_json, ResultSnapshot
    diff:      diff_models, diff_threats, DiffReport, render_diff_text/json/markdown, load_side
    git:       checkout_model, git_show
    messages:  format_failures, github_annotations, tracking_summary
    one call:  track(model, result, baseline=..., risk_file=...) -> Tracking
"""

from ..lazy import lazy_names
from ..typing_runtime import TYPE_CHECKING

# Loaded now: every analysis tracks its result, and these two modules are named like the function
# each defines (a lazy name would lose to the submodule once something imports it).
from .snapshot import ResultSnapshot, ThreatSnapshot, TrackingError, load_result_json, snapshot, snapshot_result
from .track import Tracking, track

# The other names load with their module on first use: an analysis does not need the model diff.
if TYPE_CHECKING:
    from .baseline import Comparison, Failure, SeverityChange, apply_risks, compare, fail_threats
    from .diff import (
        DiffReport,
        ModelDiff,
        ThreatDiff,
        diff_models,
        diff_threats,
        diff_to_dict,
        render_diff_json,
        render_diff_markdown,
        render_diff_text,
    )
    from .gitsource import GitError, checkout_model, git_show
    from .messages import format_failures, github_annotations, tracking_summary
    from .risks import (
        RESOLVING_STATUSES,
        STATUSES,
        RiskEntry,
        RiskFile,
        RiskFileError,
        RiskReview,
        add_entries,
        entry_line,
        find_risk_file,
        load_risks,
        parse_risks,
        resolve_today,
        review_risks,
        risk_path_for,
        seed_text,
    )
    from .sources import Side, load_baseline, load_side

# name -> the module that defines it
__getattr__ = lazy_names(__name__, globals(), {
    **dict.fromkeys((
        "Comparison", "Failure", "SeverityChange", "apply_risks", "compare", "fail_threats"
    ), "baseline"),
    **dict.fromkeys((
        "DiffReport", "ModelDiff", "ThreatDiff", "diff_models", "diff_threats", "diff_to_dict",
        "render_diff_json", "render_diff_markdown", "render_diff_text"
    ), "diff"),
    **dict.fromkeys(("GitError", "checkout_model", "git_show"), "gitsource"),
    **dict.fromkeys(("format_failures", "github_annotations", "tracking_summary"), "messages"),
    **dict.fromkeys((
        "RESOLVING_STATUSES", "RiskEntry", "RiskFile", "RiskFileError", "RiskReview", "STATUSES",
        "add_entries", "entry_line", "find_risk_file", "load_risks", "parse_risks", "resolve_today",
        "review_risks", "risk_path_for", "seed_text"
    ), "risks"),
    **dict.fromkeys(("Side", "load_baseline", "load_side"), "sources"),
})


__all__ = [
    "Comparison", "Failure", "SeverityChange", "apply_risks", "compare", "fail_threats",
    "DiffReport", "ModelDiff", "ThreatDiff", "diff_models", "diff_threats", "diff_to_dict",
    "render_diff_json", "render_diff_markdown", "render_diff_text",
    "GitError", "checkout_model", "git_show",
    "format_failures", "github_annotations", "tracking_summary",
    "RESOLVING_STATUSES", "STATUSES", "RiskEntry", "RiskFile", "RiskFileError", "RiskReview", "add_entries",
    "entry_line", "find_risk_file", "load_risks", "parse_risks", "resolve_today", "review_risks", "risk_path_for",
    "seed_text",
    "ResultSnapshot", "ThreatSnapshot", "TrackingError", "load_result_json", "snapshot", "snapshot_result",
    "Side", "load_baseline", "load_side",
    "Tracking", "track",
]
