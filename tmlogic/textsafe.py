"""Text from a model, a risk file or a rule pack made inert in the medium it is written to.

Each writer embeds untrusted text through the one function for its medium:

    terminal_safe(text)     stdout/stderr: control characters (ESC, BEL, ...) and bidi or line
                            separators shown as visible escapes (\\u001b, \\u202e), never sent raw
    markdown_inline(text)   a Markdown line (PR comments): no markup, no HTML, and @mentions,
                            #123 / GH-123 references (and GitLab's !123, &123, $123, %milestone,
                            ~label) neutralised with a zero-width joiner, which GitHub and GitLab
                            do not link (a backslash does not stop GitHub)
    yaml_comment(text)      the text of a `# ...` YAML comment: one line, whatever PyYAML calls a
                            line break (\\r, \\n, U+0085, U+2028, U+2029) replaced
    csv_cell(text)          a CSV cell that spreadsheets will not run as a formula

`plain_text_problem(text)` is the model's rule for names and values: the first character that
is not plain text (a control character, a line or paragraph separator, a format control such
as a bidi override or a zero-width space), or None.
"""

from __future__ import annotations

import re
import unicodedata

from .lazy import lazy_pattern

__all__ = ["terminal_safe", "markdown_inline", "neutralise_mentions", "yaml_comment", "csv_cell",
           "plain_text_problem", "describe_character", "ZWJ"]

ZWJ = "\u200d"

# C0 controls but tab and newline, DEL, C1 controls; line/paragraph separators; bidi controls.
_TERMINAL_UNSAFE = lazy_pattern("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# YAML (1.1, as PyYAML reads it) ends a comment at any of these.
_YAML_BREAKS = lazy_pattern("[\r\n\x85\u2028\u2029]")
_MD_SPECIAL = lazy_pattern(r"([\\`*_\[\]|~!#])")
# `@name` (users, teams: @org/team), `#123` (issues), `GH-123`; also `owner/repo#123` through its `#`;
# GitLab's merge requests `!123`, epics `&123`, snippets `$123`, milestones `%name`, labels `~name`.
_MENTION = lazy_pattern(r"(?<![\w`])([@#%~])(?=[\w-])|(?<![\w`])([!&$])(?=\d)|\b(GH)(?=-\d)", re.IGNORECASE)
_ASCII_BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_ASCII_BAD_FREE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(ch: str) -> str:
    # JSON's own escape, so JSON written through terminal_safe stays valid and reads back the same
    return f"\\u{ord(ch):04x}"


def terminal_safe(text: str) -> str:
    """Text for a terminal or a CI log: what could move the cursor, recolour, ring, reorder or
    forge lines is shown as an escape instead (tab and newline stay)."""
    if not _TERMINAL_UNSAFE.search(text):
        return text
    return _TERMINAL_UNSAFE.sub(lambda m: _visible(m.group()), text)


def neutralise_mentions(text: str) -> str:
    """`@user`, `#12`, `GH-12` (and GitLab's references) with a zero-width joiner after the sign,
    so neither GitHub nor GitLab links or notifies anyone."""
    return _MENTION.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + ZWJ, text)


def markdown_inline(value: object) -> str:
    """Untrusted text inside one line of GitHub-flavoured Markdown: one line, HTML entities
    escaped, Markdown punctuation backslash-escaped, mentions and references neutralised."""
    text = " ".join(terminal_safe(str(value)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return neutralise_mentions(_MD_SPECIAL.sub(r"\\\1", text))


def yaml_comment(value: object) -> str:
    """Text that stays inside one `# ...` YAML comment: breaks and control characters replaced."""
    return _YAML_BREAKS.sub(" ", terminal_safe(str(value)))


def csv_cell(value: object) -> str:
    """A cell value that Excel, LibreOffice and Sheets show as text, not run as a formula (the
    csv module does the quoting). Control characters become visible escapes."""
    text = terminal_safe(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def plain_text_problem(text: str, *, allow_newline: bool = False) -> str | None:
    """The first character that a name or value may not hold, or None. Allowed: printable text,
    tab, and in free text (allow_newline) newlines and the zero-width joiner of emoji sequences."""
    if text.isascii():
        m = (_ASCII_BAD_FREE if allow_newline else _ASCII_BAD).search(text)
        return m.group() if m else None
    for ch in text:
        if ch == "\t" or (allow_newline and ch == "\n"):
            continue
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return ch
        if code >= 0xAD and unicodedata.category(ch) in ("Cf", "Cs", "Zl", "Zp"):
            if ch == ZWJ and allow_newline:
                continue
            return ch
    return None


def describe_character(ch: str) -> str:
    """What plain_text_problem found, for an error message: "the control character U+001B"."""
    kind = ("control character" if ord(ch) < 0xA0 else "line separator" if ch in "\u2028\u2029"
            else "invisible format character")
    return f"the {kind} U+{ord(ch):04X}"
