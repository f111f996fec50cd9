"""json.JSONDecodeError turned into a sentence about the likely cause (a trailing or missing comma,
single quotes, a comment, a file cut short), at the character that holds it."""

from __future__ import annotations

import json

from .._errors import Diagnostic, Level, Note, SourceSpan
from ._source import Source

__all__ = ["json_error_diagnostic"]

_HINT = "JSON needs double-quoted keys and strings, a ',' between items and none after the last"


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _previous(text: str, index: int) -> int:
    """Index of the last non-space character before `index` (-1 if none)."""
    i = index - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    return i


def _open_brackets(text: str, end: int) -> list[int]:
    """Indexes of the [ and { still open at `end` (strings skipped)."""
    stack: list[int] = []
    in_string = escaped = False
    for i, ch in enumerate(text[:end]):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append(i)
        elif ch in "]}" and stack:
            stack.pop()
    return stack


def _explain(text: str, exc: json.JSONDecodeError) -> tuple[int, str, str, int | None]:
    """(index of the mistake, message, hint, index of a related bracket)."""
    msg, pos = exc.msg, exc.pos
    here = text[pos:pos + 1]
    prev = _previous(text, pos)
    before = text[prev] if prev >= 0 else ""
    if not text.strip():
        return 0, "the file is empty", "give a file written by `tmlogic analyze --format json`", None
    if pos >= len(text.rstrip()) and msg.startswith(("Expecting", "Unterminated")):
        opened = _open_brackets(text, pos)
        where = opened[-1] if opened else None
        return max(0, len(text.rstrip())), "the file ends in the middle of the JSON (it may have been cut short)", \
            "write the file again (is the disk full, or did the job stop while writing?)", where
    if here == "'" or (msg.startswith("Expecting property name") and here == "'"):
        return pos, "JSON strings and keys use double quotes, not single quotes", 'write "text" instead of \'text\'', None
    if here in ("/", "#"):
        return pos, "JSON has no comments", "remove the comment", None
    if msg.startswith("Expecting property name") and before == ",":
        return prev, "there is a ',' after the last entry of this object", "remove the trailing ','", None
    if msg == "Expecting value" and before == "," and here in "]}":
        return prev, "there is a ',' after the last item", "remove the trailing ','", None
    if msg.startswith("Expecting property name"):
        return pos, "a key here is not in double quotes", 'write keys as "name": value', None
    if msg.startswith("Expecting ',' delimiter") or msg.startswith("Expecting ':' delimiter"):
        sep = "," if "','" in msg else ":"
        what = "between two items" if sep == "," else "between this key and its value"
        return pos, f"a '{sep}' is missing {what}", f"add '{sep}' before this point", None
    if msg.startswith("Unterminated string"):
        return pos, "the string that starts here is never closed", 'end it with a " on the same line', None
    if msg.startswith("Invalid control character"):
        return pos, "a string holds a raw line break or tab", "write \\n or \\t inside JSON strings", None
    if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
        return pos, "this backslash starts an escape JSON does not know", "write \\\\ for a backslash", None
    if msg.startswith("Extra data"):
        return pos, "there is more text after the end of the JSON value", \
            "a result file holds one JSON object; remove what follows it (two runs written into one file?)", None
    if msg == "Expecting value" and text[pos:pos + 3] in ("NaN", "Inf") or text[pos:pos + 4] in ("None", "True"):
        return pos, "this is not a JSON value", "JSON writes null, true, false and numbers; NaN and Infinity do not exist", None
    return pos, f"this is not valid JSON ({msg})", _HINT, None


def json_error_diagnostic(exc: json.JSONDecodeError, text: str, path: str, code: str = "json-syntax") -> Diagnostic:
    """One error diagnostic for a JSON syntax error: the likely cause, where it is, how to fix it."""
    index, message, hint, related = _explain(text, exc)
    src = Source(text)
    line, col = src.clamp(*_position(text, index))
    notes: tuple[Note, ...] = ()
    if related is not None:
        rline, rcol = _position(text, related)
        notes = (Note(SourceSpan(path, rline, rcol), f"the '{text[related]}' that opens here is not closed"),)
    return Diagnostic(Level.ERROR, SourceSpan(path, line, col), message, code, hint, notes)
