"""Read the Markdown model language (SecOpsTM-compatible) into the raw form.

Block structure is CommonMark's, as markdown-it-py's token stream gives it (markdown_blocks.py:
plain text is scanned the same way without importing markdown-it): every block carries its
source line range, so headings, list items, code fences and HTML comments are recognised the way
any Markdown renderer sees them, not by regexes over the file. Columns and nesting come from the original source lines: SecOpsTM indents sub-zones by
one space, which CommonMark (and mistune) read as siblings, so an item is the child of the
previous item of its section whenever its marker is indented deeper.

Meaning is not judged here (unknown keys, references...): build.py does that for both readers.
"""

from __future__ import annotations

from .._errors import Diagnostic, Level, SourceSpan
from ..lazy import lazy_pattern
from .markdown_blocks import Block, read_blocks
from .raw import RawDocument, RawEntry, RawSection
from .values import looks_like_attributes, parse_attributes, parse_value
from ..limits import current as current_limits
from .vocabulary import section_for

__all__ = ["read_markdown"]

_EXPECTED = "- **Name**: key=value, key2=value2"

# Only a line holding ``` or ~~~ can open or close a fence: the pattern compiles for those alone.
_FENCE = lazy_pattern(r"[ \t]{0,3}(`{3,}|~{3,})")

# The other line shapes the reader tests are read by hand, not by regular expressions: compiling
# the seven patterns they were cost some 5 M instructions of every analysis, more than reading a
# model with them. tests/test_hand_matchers.py holds each equal to the pattern it replaces.


class _Head:
    """The `**Name**:` (or `**Name:**`, with __ too) that opens an entry: the name as written (it
    starts at offset 2), the colon inside the marks ("" or ":"), the colon after them with the
    blanks before it (None when there is none), and the offset after all of it."""

    __slots__ = ("name", "c1", "c2", "end")

    def __init__(self, name: str, c1: str, c2: str | None, end: int) -> None:
        self.name, self.c1, self.c2, self.end = name, c1, c2, end


def _entry_head(text: str) -> _Head | None:
    r"""The head of an entry at the start of `text`, else None: re.match(r"(?P<b>\*\*|__)(?P<name>.+?)
    (?P<c1>:?)(?P=b)(?P<c2>[ \t]*:)?", text). The shortest name is the one before the first closing
    marks after its first character, less a colon just before them."""
    marks = text[:2]
    if marks != "**" and marks != "__":
        return None
    close = text.find(marks, 3)
    if close < 0:
        return None
    cut = close - 1 if close > 3 and text[close - 1] == ":" else close
    name = text[2:cut]
    if "\n" in name:
        return None  # the name is one line
    end = after = close + 2
    while end < len(text) and text[end] in " \t":
        end += 1
    if text[end:end + 1] == ":":
        return _Head(name, text[cut:close], text[after:end + 1], end + 1)
    return _Head(name, text[cut:close], None, after)


def _normalise_newlines(text: str) -> str:
    r"""`text` with CRLF and lone CR as LF (re.sub(r"\r\n?", "\n", text))."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _is_bullet(line: str) -> bool:
    r"""Whether the line starts a `-`, `*` or `+` list item (re.match(r"[ \t]*[-*+][ \t]", line))."""
    s = line.lstrip(" \t")
    return len(s) > 1 and s[0] in "-*+" and s[1] in " \t"


def _section_heading(line: str) -> str | None:
    r"""The text of a `## heading` line, closing #s and blanks cut, else None
    (re.match(r"[ \t]{0,3}##[ \t]+(.*?)[ \t#]*$", line).group(1), for a line without a newline)."""
    start = 0
    while start < 3 and line[start:start + 1] in (" ", "\t"):
        start += 1
    if not line.startswith("##", start):
        return None
    text = line[start + 2:]
    rest = text.lstrip(" \t")
    if len(rest) == len(text):
        return None  # `###` or `##x`: not a level-2 heading
    return rest.rstrip(" \t#")


def _title_end(text: str) -> int | None:
    r"""Where a title begins after `Threat Model`, its blanks and one `:`, `-`, en or em dash; None
    when `text` does not start so (re.match(r"threat\s+model\b\s*[:\-\u2013\u2014]?\s*", text,
    re.IGNORECASE).end(): no other character folds to a letter of those two words)."""
    head = text[:6]
    if not (head.isascii() and head.lower() == "threat"):
        return None
    n = len(text)
    i = 6
    while i < n and text[i].isspace():
        i += 1
    word = text[i:i + 5]
    if i == 6 or not (word.isascii() and word.lower() == "model"):
        return None
    i += 5
    if i < n and (text[i].isalnum() or text[i] == "_"):
        return None  # `Threat Modeling`: no word boundary after "model"
    while i < n and text[i].isspace():
        i += 1
    if i < n and text[i] in ":-\u2013\u2014":
        i += 1
        while i < n and text[i].isspace():
            i += 1
    return i


def _nest_by_indentation(lines: list[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The lines markdown-it parses: in entry sections, each bullet re-indented two spaces per
    level of nesting, a level being what the indentation says (deeper than the open item: its
    child). SecOpsTM indents sub-zones by one space, which CommonMark reads as siblings, or from
    the fourth level on as text glued to the item above; this way both readings agree. The
    original lines keep every column. Returns the lines and (line index, level) of each bullet."""
    out = list(lines)
    levels: list[tuple[int, int]] = []
    stack: list[int] = []
    in_entries = False
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line) if "```" in line or "~~~" in line else None
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        heading = _section_heading(line)
        if heading is not None:
            kind = section_for(heading.strip())
            in_entries, stack = kind is not None and kind != "description", []
            continue
        if not in_entries or not _is_bullet(line):
            continue
        indent = _indent(line)
        while stack and stack[-1] >= indent:
            stack.pop()
        levels.append((i, len(stack)))
        out[i] = "  " * len(stack) + line.lstrip(" \t")
        stack.append(indent)
    return out, levels


def _indent(line: str) -> int:
    """Width of the leading whitespace, tabs to the next multiple of 4 (as CommonMark counts)."""
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        # markdown-it normalises newlines and NUL the same way before numbering lines.
        self.text = _normalise_newlines(text).replace("\0", "\ufffd")
        self.lines = self.text.split("\n")
        self.max_depth = current_limits().nesting_depth
        parsed, levels = _nest_by_indentation(self.lines)
        self.parsed = "\n".join(parsed)
        self.doc = RawDocument(path=path)
        deep = next((i for i, level in levels if level >= self.max_depth), None)
        if deep is not None:
            self.diag(Level.ERROR, SourceSpan(path, deep + 1, _indent(self.lines[deep]) + 1),
                      f"entries are nested more than {self.max_depth} levels deep", "limit-exceeded",
                      "flatten the nesting, or raise the limit: tmlogic --limit nesting_depth=N")
        self.path = path
        self.section: RawSection | None = None
        self.stack: list[tuple[int, int]] = []  # (indentation, entry index) of open items
        self.description: list[str] = []

    def span(self, line0: int, col: int = 1, end_col: int | None = None) -> SourceSpan:
        return SourceSpan(self.path, line0 + 1, col, line0 + 1, end_col)

    def diag(self, level: Level, span: SourceSpan, message: str, code: str, hint: str | None = None) -> None:
        self.doc.diagnostics.append(Diagnostic(level, span, message, code, hint))

    def read(self) -> RawDocument:
        # Headings inside a list item or quote are content, not structure: read_blocks keeps
        # the top-level ones only.
        for block in read_blocks(self.parsed, self.max_depth):
            if block.kind == "heading_open":
                self.heading(block)
            elif block.kind == "list_item_open":
                self.list_item(block)
            else:
                self.top_block(block)
        if self.description:
            self.doc.description = "\n\n".join(self.description).strip() or None
        return self.doc

    # -- headings ---------------------------------------------------------------------------

    def heading(self, block: Block) -> None:
        line0 = block.start
        text = block.text.strip()
        level = block.level
        if level == 1:
            # Only `# Threat Model: ...` means something; SecOpsTM writes comments and licence
            # headers as `# ...` lines, which Markdown reads as H1: those are ignored.
            end = _title_end(text)
            if end is None:
                return
            col = self.lines[line0].find(text) + 1 if text else 1
            if self.doc.title_span is not None:
                self.diag(Level.WARNING, self.span(line0, max(col, 1)), "a second '# Threat Model' title is ignored",
                          "duplicate-title", f"the title is set at line {self.doc.title_span.line}")
                return
            self.doc.title = text[end:].strip() or None
            self.doc.title_span = self.span(line0, max(col, 1), max(col, 1) + len(text))
            return
        if level != 2:
            return  # ### sub-headings only structure the prose; they do not end a section
        col = self.lines[line0].find(text) + 1 if text else 1
        self.section = RawSection(section_for(text), text, self.span(line0, max(col, 1), max(col, 1) + len(text)))
        self.doc.sections.append(self.section)
        self.stack = []

    # -- blocks outside list items ----------------------------------------------------------

    def top_block(self, block: Block) -> None:
        section = self.section
        if section is None:
            return
        if section.kind == "description":
            if block.kind == "html_block":
                return  # comments stay out of the text
            if not self.description:
                self.doc.description_span = self.doc.description_span or self.span(block.start)
            self.description.append("\n".join(self.lines[block.start:block.end]).strip())
            return
        if section.kind is None or block.kind != "paragraph_open":
            return
        if _entry_head(block.text) is not None:
            line0 = block.start
            col = _indent(self.lines[line0]) + 1
            self.diag(Level.WARNING, self.span(line0, col), "an entry outside a list item is ignored", "ignored-text",
                      f"start the line with '- ': {_EXPECTED}")

    # -- entries ----------------------------------------------------------------------------

    def list_item(self, block: Block) -> None:
        section = self.section
        if section is None or section.kind is None or section.kind == "description":
            return  # lists before any section, in unknown sections or in the prose
        item_line0 = block.start
        indent = _indent(self.lines[item_line0])
        first = block.first
        if first is None:
            col = indent + 1
            self.diag(Level.ERROR, self.span(item_line0, col), "expected an entry '**Name**: ...' in this list item",
                      "syntax", f"write {_EXPECTED}")
            return
        p0, p1 = first.start, first.end
        content = first.text
        src = self.lines[p0]
        first_line = content.split("\n", 1)[0]
        start = src.find(first_line, _indent(src)) if first_line else -1
        start = start if start >= 0 else _indent(src)
        m = _entry_head(content)
        # `- **Name**` alone, with no colon and nothing after it, is an entry without keys.
        bare = m is not None and not (m.c1 or m.c2) and not content[m.end:].strip()
        if m is None or (bool(m.c1) == bool(m.c2) and not bare) or not m.name.strip():
            self.bad_entry(content, p0, start, m)
            return
        name = m.name.strip()
        name_off = start + 2 + (len(m.name) - len(m.name.lstrip()))
        entry = RawEntry(name, self.span(p0, name_off + 1, name_off + 1 + len(name)))
        rest_off = start + m.end
        rest = src[rest_off:]
        if p1 - p0 > 1:
            # Continuation lines are indented under the entry's text. An unindented line is glued
            # to the paragraph only by Markdown's "lazy continuation": almost always a stray line.
            width = len(src[:start].expandtabs(4))
            more: list[str] = []
            for line0 in range(p0 + 1, p1):
                line = self.lines[line0]
                if _indent(line) < width:
                    self.diag(Level.WARNING, self.span(line0, _indent(line) + 1), "this line is not part of any entry "
                              "and is ignored", "ignored-text",
                              f"indent it to continue the entry above, or write {_EXPECTED}")
                    break
                more.append(line)
            if more:
                rest += "\n" + "\n".join(more)
        self.fill(entry, section.kind, rest, p0, rest_off + 1)
        # Nesting by indentation: pop the items indented as deep or deeper, the top is the parent.
        while self.stack and self.stack[-1][0] >= indent:
            self.stack.pop()
        entry.parent = self.stack[-1][1] if self.stack else None
        self.stack.append((indent, len(section.entries)))
        section.entries.append(entry)

    def bad_entry(self, content: str, line0: int, start: int, m: _Head | None) -> None:
        col = start + 1
        if m is not None and m.name.strip() and not (m.c1 or m.c2):
            at = start + m.end
            self.diag(Level.ERROR, self.span(line0, at + 1), f"expected ':' after **{m.name.strip()}**",
                      "syntax", f"write {_EXPECTED}")
            return
        words = content.split("\n", 1)[0].split(":", 1)[0].strip().strip("*_ ") or "Name"
        self.diag(Level.ERROR, self.span(line0, col, col + len(content.split("\n", 1)[0])),
                  "expected an entry '**Name**: ...' in this list item", "syntax",
                  f"write - **{words}**: key=value, key2=value2")

    def fill(self, entry: RawEntry, kind: str, rest: str, line0: int, col: int) -> None:
        if not rest.strip():
            return
        single = (kind == "severity_multipliers" and not looks_like_attributes(rest)) or (
            kind == "custom_mitre_mapping" and rest.lstrip().startswith(("{", "[")))
        if single:
            result = parse_value(rest, self.path, line0 + 1, col)
            self.doc.diagnostics.extend(result.diagnostics)
            if result.ok:
                entry.value, entry.has_value = result.value, True
                entry.value_span, entry.value_raw = result.span, result.raw if result.bare else ""
            return
        parsed = parse_attributes(rest, self.path, line0 + 1, col)
        self.doc.diagnostics.extend(parsed.diagnostics)
        entry.attrs.extend(parsed.attrs)


def read_markdown(text: str, path: str) -> RawDocument:
    """Parse Markdown model text; `path` is the display path used in every span."""
    return _Reader(text, path).read()
