"""The risk file (`<model>.risks.yaml`): what a team decided about each threat, and until when.

    read     the format: entries, statuses, where the file is, loading it
    parse    reading and checking a file's YAML (every problem with file:line:col)
    review   the file against one run's threats: the deciding entry per threat, expired and stale ones
    write    new entries (one line, or blocks for `risks seed` / `risks accept`) and adding them to a file

See docs/ci.md for the format.
"""

from ...lazy import lazy_names
from ...typing_runtime import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse import parse_risks
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
        resolve_today,
        risk_path_for,
    )
    from .review import RiskReview, review_risks
    from .write import add_entries, entry_block, entry_line, seed_justification, seed_text

# name -> the module that defines it. Loaded on first use: an analysis with no risk file reads
# the format (read) and reviews an empty file, and never imports the YAML parser (parse, write).
__getattr__ = lazy_names(__name__, globals(), {
    **dict.fromkeys(("RESOLVING_STATUSES", "SEED_MARK", "STATUSES", "RiskEntry", "RiskFile", "RiskFileError",
                     "find_risk_file", "justification_problem", "load_risks", "resolve_today", "risk_path_for"),
                    "read"),
    "parse_risks": "parse",
    **dict.fromkeys(("RiskReview", "review_risks"), "review"),
    **dict.fromkeys(("add_entries", "entry_block", "entry_line", "seed_justification", "seed_text"), "write"),
})

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
