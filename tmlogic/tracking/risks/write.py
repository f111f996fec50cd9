"""Writing risk-file entries: one-line entries for messages, block entries for `tmlogic risks
seed` and `accept`, and adding blocks to an existing file without losing its comments."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..._errors import Diagnostic, Level, SourceSpan, display_path
from ...fileaccess import locked, read_text, write_text
from ...textsafe import yaml_comment
from ..snapshot import ThreatSnapshot
from .parse import parse_risks
from .read import SEED_MARK, RiskFileError

__all__ = ["FILE_HEADER", "add_entries", "entry_block", "entry_line", "seed_justification", "seed_text"]

_TAG = "tag:yaml.org,2002:"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one). JSON leaves U+0085, U+2028 and U+2029
    raw, which YAML reads as line breaks (folded to spaces): they are escaped too, so the value
    reads back exactly."""
    import json

    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("\x85", "\\x85").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def entry_line(threat_id: str, status: str = "accepted", justification: str = "<why this risk is acceptable>",
               owner: str | None = "<team>", ticket: str | None = None, expires: _dt.date | None = None) -> str:
    """One entry as a single YAML line, ready to paste under `risks:`."""
    parts = [f"id: {threat_id}", f"status: {status}", f"justification: {_q(justification)}"]
    if owner:
        parts.append(f"owner: {_q(owner)}")
    if ticket:
        parts.append(f"ticket: {_q(ticket)}")
    if expires:
        parts.append(f"expires: {expires.isoformat()}")
    return "- {" + ", ".join(parts) + "}"


def entry_block(threat: ThreatSnapshot, status: str, justification: str, owner: str | None = None,
                ticket: str | None = None, expires: _dt.date | None = None, indent: int = 2) -> str:
    """One entry in block style, with a comment naming the threat."""
    pad = " " * indent
    comment = yaml_comment(f"{threat.rule_id} {threat.title}: {', '.join(threat.target_names)} "
                           f"({threat.level}, {threat.location})")
    lines = [f"{pad}# {comment}",
             f"{pad}- id: {threat.id}", f"{pad}  status: {status}", f"{pad}  justification: {_q(justification)}"]
    if owner:
        lines.append(f"{pad}  owner: {_q(owner)}")
    if ticket:
        lines.append(f"{pad}  ticket: {_q(ticket)}")
    if expires:
        lines.append(f"{pad}  expires: {expires.isoformat()}")
    return "\n".join(lines) + "\n"


def seed_justification(today: _dt.date) -> str:
    return f"{SEED_MARK} on {today.isoformat()}: present when the team adopted tmlogic; not triaged yet."


FILE_HEADER = """\
# Risk file for {model}, read by `tmlogic analyze` (see docs/ci.md).
# Each entry names one threat (`id`) or a pattern (`rule`, `target`; wildcards * ? [...]), with
# status accepted | mitigated | false-positive | in-progress, a justification (required),
# and optionally owner, ticket and expires (YYYY-MM-DD: counts through that day).
version: 1
risks:
"""


def seed_text(threats: Sequence[ThreatSnapshot], model_name: str, today: _dt.date, owner: str | None = None,
              expires: _dt.date | None = None, header: bool = True) -> str:
    """Entries (status in-progress, the seed justification) for threats, as a new file or a block to append."""
    body = "".join(entry_block(t, "in-progress", seed_justification(today), owner, None, expires) for t in threats)
    return (FILE_HEADER.format(model=yaml_comment(model_name)) if header else "") + body


def add_entries(path: Path, model_name: str, blocks: Sequence[str]) -> int:
    """Write entry blocks (from entry_block, indent 2) into a risk file: a new file with the header,
    or after the last entry of an existing one, keeping its comments. Checks the result parses to
    exactly that many more entries; raises RiskFileError otherwise (nothing is written then).
    Returns the number of entries added."""
    if not blocks:
        return 0
    path = Path(path)
    shown = display_path(path)
    # Read, edit and replace under the folder's lock, so two edits at once both land; the new
    # file is written whole and renamed over the old one (never through a link).
    with locked(path.parent):
        text = read_text(path, what="risk file", shown=shown) if os.path.lexists(path) else ""
        if not text.strip():
            new_text = FILE_HEADER.format(model=yaml_comment(model_name)) + "".join(blocks)
            before = 0
        else:
            before = len(parse_risks(text, shown).entries)
            new_text = _insert(text, blocks, shown)
        after = len(parse_risks(new_text, shown).entries)
        if after != before + len(blocks):
            raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1),
                                            "cannot add entries to this file automatically", "risk-file",
                                            "add them under `risks:` by hand:\n" + "".join(blocks))])
        write_text(path, new_text, replace_input=True)
    return len(blocks)


def _insert(text: str, blocks: Sequence[str], shown: str) -> str:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    seq: Node | None = None
    if isinstance(root, MappingNode):
        for k, v in root.value:
            if isinstance(k, ScalarNode) and k.value == "risks":
                seq = v
    elif isinstance(root, SequenceNode):
        seq = root
    if seq is None or (isinstance(seq, ScalarNode) and seq.tag == _TAG + "null"):
        if not isinstance(root, MappingNode) or root.flow_style:
            raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, 1, 1), "this risk file has no `risks:` list",
                                            "risk-file", "add `risks:` at the top level")])
        sep = "" if text.endswith("\n") else "\n"
        if seq is not None:  # `risks:` with nothing after it: entries go at the end of the file
            return text + sep + "".join(blocks)
        return text + sep + "risks:\n" + "".join(blocks)
    if not isinstance(seq, SequenceNode):
        raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, seq.start_mark.line + 1, seq.start_mark.column + 1),
                                        "`risks` is not a list", "risk-file", "write each entry as `  - id: T...`")])
    if seq.flow_style:
        if seq.value:
            raise RiskFileError([Diagnostic(Level.ERROR, SourceSpan(shown, seq.start_mark.line + 1, seq.start_mark.column + 1),
                                            "`risks: [...]` is written in flow style", "risk-file",
                                            "write the entries as a block list (`  - id: ...`) so tmlogic can add to it")])
        start, end = seq.start_mark.index, seq.end_mark.index
        return text[:start].rstrip(" ") + "\n" + "".join(blocks) + text[end:].lstrip(" ").lstrip("\n")
    indent = seq.start_mark.column
    shifted = ["".join((" " * indent + line[2:] if line.startswith("  ") else line) + "\n"
                       for line in b.splitlines()) for b in blocks]
    lines = text.splitlines(keepends=True)
    last = seq.value[-1]
    end_line = last.end_mark.line  # 0-based; the end mark sits where the next token starts
    if last.end_mark.column > 0 and end_line < len(lines):
        end_line += 1  # the last entry ends inside this line (no trailing newline, or a flow mapping)
    end_line = min(end_line, len(lines))
    head = "".join(lines[:end_line])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + "".join(shifted) + "".join(lines[end_line:])
