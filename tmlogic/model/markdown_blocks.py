"""The block structure of a Markdown model: the headings, list items and top-level blocks the
reader walks, each with its source lines, as markdown-it-py's CommonMark parser sees them.

Models are nearly always plain: `#` headings, `- **Name**: ...` bullets nested two spaces a level
(markdown_reader re-indents them so), paragraphs. For text made only of such lines, `scan_blocks`
finds the structure in one pass over the lines, without importing markdown-it (its import and
parse were ~6% of the instructions of a whole analysis of SecOpsTM's DMZ model). Any line that
could mean something else in CommonMark (a quote, a fence, HTML, a setext underline, a thematic break, an ordered or
`*`/`+` list, a link reference, an indented code block, a tab in the indentation, an indented
heading, a bullet that is not a plain child or sibling of the open items...) makes it answer None,
and `read_blocks` hands the whole text to markdown-it instead: the scanner never guesses.
tests/test_markdown_blocks.py holds the two equal on every Markdown model of the repository and
on generated text, corner cases included.
"""

from __future__ import annotations

from ..lazy import lazy_pattern

__all__ = ["Block", "read_blocks", "parse_blocks", "scan_blocks"]

# CommonMark's whitespace, as markdown-it trims a paragraph's or a heading's text (its
# MD_TRIM_CHARS: JavaScript's String.trim set without U+FEFF); str.strip() removes more.
_TRIM = "".join(chr(c) for c in sorted({0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000,
                                         0x2028, 0x2029} | set(range(0x2000, 0x200B))))

_ORDERED = lazy_pattern(r"[0-9]{1,9}[.)](?:[ \t]|$)")
# Compiled only for a line made of nothing but these marks and blanks (never an entry's line).
_SETEXT_OR_BREAK = lazy_pattern(r"(?:=+|-+)[ \t]*$|(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BREAK_MARKS = "=-*_ \t"


def _is_atx(s: str) -> bool:
    r"""Whether a line (no indentation, no newline) opens an ATX heading: re.match(r"#{1,6}(?:[ \t]|$)", s),
    by hand: that pattern's compiling cost more than every heading of a model."""
    n = len(s) - len(s.lstrip("#"))
    return 0 < n <= 6 and (n == len(s) or s[n] in " \t")


class Block:
    """One block the reader looks at, in document order.

    kind is markdown-it's token type: "heading_open" (top-level headings only; `level` is 1-6),
    "list_item_open" (items at any depth; `first` is the paragraph the item opens with, or None),
    or any other top-level block ("paragraph_open", "bullet_list_open", "html_block", ...).
    `start`/`end` are its 0-based line range (an item keeps its first line only: end == start);
    `text` is a heading's or paragraph's text."""

    __slots__ = ("kind", "start", "end", "level", "text", "first")

    def __init__(self, kind: str, start: int, end: int, level: int = 0, text: str = "",
                 first: Block | None = None) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.level = level
        self.text = text
        self.first = first

    def _key(self) -> tuple[object, ...]:
        return (self.kind, self.start, self.end, self.level, self.text,
                None if self.first is None else self.first._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Block) and self._key() == other._key()

    def __repr__(self) -> str:
        return f"Block{self._key()!r}"


def read_blocks(text: str, max_nesting: int) -> list[Block]:
    """The blocks of `text` (newlines already normalised to \\n, NUL replaced): scanned when the
    text is plain, else parsed by markdown-it. `max_nesting` is the deepest list nesting the
    reader accepts."""
    blocks = scan_blocks(text, max_nesting)
    return blocks if blocks is not None else parse_blocks(text, max_nesting)


def parse_blocks(text: str, max_nesting: int) -> list[Block]:
    """The blocks of `text` from markdown-it's token stream (CommonMark, block rules only)."""
    from markdown_it import MarkdownIt  # only for text the scanner does not take

    # Inline parsing (emphasis, links) is not needed and would triple the time. Each level of list
    # nesting takes two of markdown-it's nesting levels (list, item), plus the paragraph and the
    # document: without room for them, deep entries would silently vanish.
    md = MarkdownIt("commonmark", {"maxNesting": 2 * max_nesting + 8}).disable(["inline", "text_join"])
    tokens = md.parse(text)
    blocks: list[Block] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.type == "heading_open":
            if tok.level == 0 and tok.map is not None:  # a heading inside a list item or quote is content
                blocks.append(Block("heading_open", tok.map[0], tok.map[1], int(tok.tag[1]), tokens[i + 1].content))
            i += 3
            continue
        if tok.type == "list_item_open" and tok.map is not None:
            nxt = tokens[i + 1] if i + 1 < n else None
            first = None
            if nxt is not None and nxt.type == "paragraph_open" and nxt.map is not None:
                first = Block("paragraph_open", nxt.map[0], nxt.map[1], 0, tokens[i + 2].content)
            blocks.append(Block("list_item_open", tok.map[0], tok.map[0], 0, "", first))
        elif tok.level == 0 and tok.map is not None and tok.nesting >= 0:
            content = tokens[i + 1].content if tok.type == "paragraph_open" else ""
            blocks.append(Block(tok.type, tok.map[0], tok.map[1], 0, content))
        i += 1
    return blocks


def _plain_start(s: str) -> bool:
    """Whether a line whose text (after its indentation) is `s` can only be paragraph text in
    CommonMark, whatever the blocks around it; `s` is not empty and starts with no space."""
    c = s[0]
    if c in "-*+" and (len(s) == 1 or s[1] in " \t"):
        return False  # a bullet
    if c in ">[<":
        return False  # a quote, a link reference definition, HTML
    if c in "`~":
        return not s.startswith(c * 3)  # a code fence
    if c == "#":
        return not _is_atx(s)
    if c in "=-*_":
        return s.strip(_BREAK_MARKS) != "" or _SETEXT_OR_BREAK.match(s) is None
    if "0" <= c <= "9":
        return _ORDERED.match(s) is None
    return True


def _heading_text(s: str) -> tuple[int, str]:
    """Level and text of an ATX heading line (no indentation), as markdown-it cuts them."""
    pos = 0
    while pos < len(s) and s[pos] == "#":
        pos += 1
    level = pos
    end = len(s)
    while end > pos and s[end - 1] in " \t":
        end -= 1
    closing = end
    while closing > pos and s[closing - 1] == "#":
        closing -= 1
    if closing < end and closing > pos and s[closing - 1] in " \t":
        end = closing
    return level, s[pos:end].strip(_TRIM)


class _Paragraph:
    __slots__ = ("block", "indent", "lines")

    def __init__(self, block: Block, indent: int, first: str) -> None:
        self.block = block
        self.indent = indent  # the content column of its container
        self.lines = [first]


def scan_blocks(text: str, max_nesting: int) -> list[Block] | None:
    """The blocks of plain Markdown text (see the module's docstring), or None when some line
    needs the full CommonMark parser."""
    lines = text.split("\n")
    count = len(lines)
    last = lines[-1]
    if last.strip(" \t") == "":
        count -= 1  # markdown-it numbers no final line of only spaces with no newline after it
    blocks: list[Block] = []
    depth = 0  # list items open; the one at depth d has its content at column 2d + 2
    top_list: Block | None = None
    para: _Paragraph | None = None

    def close_paragraph(at: int) -> None:
        nonlocal para
        if para is None:
            return
        para.block.end = at
        indent = para.indent
        body = [para.lines[0]]
        for raw in para.lines[1:]:
            width = len(raw) - len(raw.lstrip(" "))
            body.append(raw[min(width, indent):])
        para.block.text = "\n".join(body).strip(_TRIM)
        para = None

    for i in range(count):
        line = lines[i]
        s = line.lstrip(" ")
        if not s:
            close_paragraph(i)
            continue
        if s[0] == "\t":
            return None  # tabs in the indentation: CommonMark's tab stops decide
        indent = len(line) - len(s)
        if s[0] == "-" and len(s) > 2 and s[1] == " " and s[2] not in " \t" and _plain_start(s[2:]):
            level = indent // 2
            if indent % 2 or level > depth or level >= max_nesting:
                return None  # not a child or sibling of the open items, or nested past the limit
            close_paragraph(i)
            if depth == 0:  # a new list at the top (any open one was closed by the line that ended it)
                top_list = Block("bullet_list_open", i, count)
                blocks.append(top_list)
            depth = level + 1
            first = Block("paragraph_open", i, count)
            blocks.append(Block("list_item_open", i, i, 0, "", first))
            para = _Paragraph(first, indent + 2, s[2:])
            continue
        if indent == 0 and s[0] == "#" and _is_atx(s):
            close_paragraph(i)
            if top_list is not None:
                top_list.end, top_list = i, None
            depth = 0
            level, title = _heading_text(s)
            blocks.append(Block("heading_open", i, i + 1, level, title))
            continue
        if not _plain_start(s):
            return None
        if para is not None:
            para.lines.append(line)  # continues the paragraph, lazily or not
            continue
        # A new paragraph, in the deepest open item whose content column the line reaches.
        while depth and indent < 2 * depth:
            depth -= 1
        column = 2 * depth
        if indent - column >= 4:
            return None  # an indented code block
        if depth == 0 and top_list is not None:
            top_list.end, top_list = i, None
        block = Block("paragraph_open", i, count)
        if depth == 0:
            blocks.append(block)
        para = _Paragraph(block, column, line[min(indent, column):])
    close_paragraph(count)
    return blocks
