"""CSV for spreadsheets and ticket imports: one row per threat (accepted ones too, marked), RFC 4180
(comma, double quotes, CRLF), UTF-8, with a header row. The columns are described by a CSV on the
Web (W3C) table schema in tests/data/outputs/tmlogic-threats.csv-metadata.json.

Text from the model can start with `=`, `+`, `-`, `@`, a tab or a carriage return, which a
spreadsheet runs as a formula (CSV injection): such a cell gets a leading `'`, as OWASP advises.
"""

from __future__ import annotations

import csv
import io

from ..result import Result, Threat
from ..textsafe import csv_cell

__all__ = ["render_csv", "COLUMNS", "neutralise_formula"]

COLUMNS = ("id", "severity", "score", "rule_id", "title", "stride", "targets", "file", "line", "message",
           "mitigation", "status", "accepted_reason", "baseline", "risk", "fails_build")
def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet shows as text, never evaluates (textsafe.csv_cell: also control
    characters as visible escapes)."""
    return csv_cell(text)


def _row(t: Threat, result: Result) -> list[str]:
    state = result.tracking.state(t.id) if result.tracking is not None else None
    text = [t.id, t.severity.level, f"{t.severity.score:g}", t.rule.id, t.rule.title, t.rule.stride,
            "; ".join(t.target_names), t.location.path, str(t.location.line), t.message, t.rule.mitigation,
            "accepted" if t.suppression is not None else "open",
            t.suppression.reason if t.suppression is not None else "",
            (state.baseline or "") if state else "", (state.risk or "") if state else "",
            ("yes" if state.fails else "no") if state and result.tracking and result.tracking.gate else ""]
    return [neutralise_formula(cell) for cell in text]


def render_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for t in result.threats:
        writer.writerow(_row(t, result))
    return out.getvalue()
