"""The risk file (`<model>.risks.yaml`): what a team decided about each threat, and until when.

    read     the format: entries, reading and checking a file (every problem with file:line:col)
    review   the file against one run's threats: the deciding entry per threat, expired and stale ones
    write    new entries (one line, or blocks for `risks seed` / `risks accept`) and adding them to a file

See docs/ci.md for the format.
"""

from __future__ import annotations

from .read import (
    RESOLVING_STATUSES,
    SEED_MARK,
    STATUSES,
    RiskEntry,
    RiskFile,
    RiskFileError,
    find_risk_file,
    justification_problem,
    load_risks,
    parse_risks,
    resolve_today,
    risk_path_for,
)
from .review import RiskReview, review_risks
from .write import add_entries, entry_block, entry_line, seed_justification, seed_text

__all__ = [
    "STATUSES",
    "RESOLVING_STATUSES",
    "SEED_MARK",
    "RiskEntry",
    "RiskFile",
    "RiskReview",
    "RiskFileError",
    "risk_path_for",
    "find_risk_file",
    "load_risks",
    "parse_risks",
    "review_risks",
    "resolve_today",
    "entry_line",
    "justification_problem",
    "entry_block",
    "seed_justification",
    "seed_text",
    "add_entries",
]
