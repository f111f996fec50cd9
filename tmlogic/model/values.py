"""Attribute text parsed as data, never evaluated: `key=value, key2="a, b", key3=[{"id": "T1"}]`.

SecOpsTM-style models mix quoted strings, bare words with spaces, Python-looking lists and
dicts. pytm-style tools hand such text to eval/literal_eval; we read it with a small
recursive-descent parser so a model can never run code, and so every key and value keeps its
exact line and column. Malformed text becomes a Diagnostic (code "syntax") with a hint, and
the parser recovers at the next `, key=` so one pass reports every problem in the entry.

Value forms: 'single' or "double" quoted strings (backslash escapes), integers and floats,
booleans in any case (True, false, TRUE), None/null, [lists], {dicts} with quoted or bare
keys, and bare text that runs to the next top-level `, key=` (or the end): `color=#F0F0F0`,
`description=User personal information`, `submodel=./backend/model.md`.
"""

from __future__ import annotations

import bisect
import re

from .._errors import Diagnostic, Level, SourceSpan
from ..lazy import lazy_pattern
from ..limits import current as current_limits
from ..records import field, record
from .raw import RawAttr
from .schema import Value

__all__ = ["ParseResult", "ValueResult", "parse_attributes", "parse_value", "scalar", "looks_like_attributes"]

# Keys are found by hand (_key_end, _key_follows), not by the patterns that define them,
# [A-Za-z_][A-Za-z0-9_.\-]* and \s*[A-Za-z_][A-Za-z0-9_.\-]*\s*=(?!=): compiling the two cost
# more than finding every key of a model with str methods.
_KEY_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_KEY_CHARS = _KEY_START | frozenset("0123456789.-")
_NULLS = frozenset({"None", "null", "Null", "NULL"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0"}
_CLOSERS = {"[": "]", "{": "}", "(": ")"}
_MAX_DEPTH = 64
_BRACKETS = frozenset("()[]{}")
_BARE_STOPS = lazy_pattern(r"[()\[\]{},]")  # for text with brackets after the value's start only


@record
class ParseResult:
    attrs: list[RawAttr] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@record
class ValueResult:
    value: Value
    span: SourceSpan
    raw: str
    bare: bool
    ok: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)


# Spans and attributes are built the way their records' own __init__ would (the fields, in
# declaration order, into the instance's __dict__), without calling it: the records' __init__ is
# general (keywords, defaults) and costs about twice the object, and a model's attributes make
# three of them each. Both are records without __post_init__ (tests/test_model_values.py holds
# them equal, field for field, to the ones __init__ makes).
_new = object.__new__


def _span(path: str, line: int, col: int, end_line: int, end_col: int) -> SourceSpan:
    span = _new(SourceSpan)
    span.__dict__.update(path=path, line=line, col=col, end_line=end_line, end_col=end_col)
    return span


def _attr(key: str, value: Value, span: SourceSpan, value_span: SourceSpan, raw: str, bare: bool) -> RawAttr:
    attr = _new(RawAttr)
    attr.__dict__.update(key=key, value=value, span=span, value_span=value_span, raw=raw, bare=bare)
    return attr


class _Fail(Exception):
    """Internal: abandon the current value; `fatal` stops the whole line (unterminated input)."""

    def __init__(self, fatal: bool = False) -> None:
        super().__init__()
        self.fatal = fatal


# Numbers are told by hand, not by the two regular expressions they were (their compiling cost
# about 2 M instructions of every run, some hundred times reading a model's numbers with them);
# tests/test_hand_matchers.py holds these equal to the patterns on generated text.
def _digits(text: str) -> bool:
    """Whether `text` is [0-9]* (ASCII digits only, as the pattern's class; may be empty)."""
    return text.isascii() and (text.isdigit() or not text)


def _is_int(text: str) -> bool:
    r"""re.fullmatch(r"[+-]?(?:0|[1-9][0-9]*)", text)"""
    s = text[1:] if text[:1] in ("+", "-") else text
    return s != "" and _digits(s) and (s[0] != "0" or s == "0")


def _is_float(text: str) -> bool:
    r"""re.fullmatch(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+", text)"""
    s = text[1:] if text[:1] in ("+", "-") else text
    if not s or s[0] not in "0123456789.":
        return False  # a word
    mantissa, e, exponent = s.replace("E", "e").partition("e")
    if e:
        exponent = exponent[1:] if exponent[:1] in ("+", "-") else exponent
        if exponent == "" or not _digits(exponent):
            return False
    whole, dot, fraction = mantissa.partition(".")
    if not dot:
        return e != "" and whole != "" and _digits(whole)
    return (whole != "" or fraction != "") and _digits(whole) and _digits(fraction)


def scalar(text: str) -> Value:
    """A bare word as data: booleans (any case), None/null, int, float, else the text itself."""
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if text in _NULLS:
        return None
    if _is_int(text):
        # More digits than the integer limit: the text as written (an account number, say);
        # a key that needs a number then reports it, and no arithmetic sees a huge value.
        digits = len(text.lstrip("+-").replace("_", ""))
        return int(text) if digits <= current_limits().integer_digits else text
    if _is_float(text):
        return float(text)
    return text


def _skip_space(text: str, pos: int) -> int:
    r"""The first offset from `pos` on that is not white space (str.isspace is the `\s` of a str pattern)."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    return pos


def _key_end(text: str, pos: int) -> int:
    r"""The end of the key that starts at `pos` ([A-Za-z_][A-Za-z0-9_.\-]*), or `pos` when none does."""
    n = len(text)
    if pos >= n or text[pos] not in _KEY_START:
        return pos
    end = pos + 1
    while end < n and text[end] in _KEY_CHARS:
        end += 1
    return end


def _key_follows(text: str, pos: int) -> bool:
    r"""Whether `key=` (not `key==`) comes next, after any white space: re.match(r"\s*[A-Za-z_]
    [A-Za-z0-9_.\-]*\s*=(?!=)", text[pos:])."""
    start = _skip_space(text, pos)
    end = _key_end(text, start)
    if end == start:
        return False
    at = _skip_space(text, end)
    return text[at:at + 1] == "=" and text[at + 1:at + 2] != "="


def looks_like_attributes(text: str) -> bool:
    """True when the text starts with `key=` (used to choose between key=value and a single value)."""
    return _key_follows(text, 0)


class _Parser:
    def __init__(self, text: str, path: str, line: int, col: int) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.path = path
        self.line = line
        self.col = col
        # Offsets where each following source line starts: text after a newline is at column 1.
        self.breaks = [i + 1 for i, c in enumerate(text) if c == "\n"] if "\n" in text else []
        self.diags: list[Diagnostic] = []

    # -- locations --------------------------------------------------------------------------

    def _where(self, offset: int) -> tuple[int, int]:
        idx = bisect.bisect_right(self.breaks, offset)
        if idx == 0:
            return self.line, self.col + offset
        return self.line + idx, offset - self.breaks[idx - 1] + 1

    def span(self, start: int, end: int | None = None) -> SourceSpan:
        if end is None or end <= start:
            end = start + 1
        if not self.breaks:  # one line (nearly every entry): columns are offsets from self.col
            return _span(self.path, self.line, self.col + start, self.line, self.col + end)
        line, col = self._where(start)
        end_line, end_col = self._where(end)
        return _span(self.path, line, col, end_line, end_col)

    def error(self, start: int, message: str, hint: str | None, end: int | None = None) -> None:
        self.diags.append(Diagnostic(Level.ERROR, self.span(start, end), message, "syntax", hint))

    # -- scanning ---------------------------------------------------------------------------

    def ws(self) -> None:
        # Most calls stand on a non-space already: test that one character before matching (str.isspace
        # is the `\s` of a str pattern).
        pos = self.pos
        if pos < self.n and self.text[pos].isspace():
            self.pos = _skip_space(self.text, pos + 1)

    def _bare_end(self, start: int, track_depth: bool = True) -> int:
        """End of a bare value: the next top-level comma followed by `key=`, or the end."""
        depth = 0
        text = self.text
        if not track_depth or _BRACKETS.isdisjoint(text[start:]):  # nothing nests: each comma is top-level
            comma = text.find(",", start)
            while comma >= 0:
                if _key_follows(text, comma + 1):
                    return comma
                comma = text.find(",", comma + 1)
            return self.n
        for m in _BARE_STOPS.finditer(text, start):
            c = m.group()
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(0, depth - 1)
            elif depth == 0 and _key_follows(text, m.end()):
                return m.start()
        if depth > 0:
            return self._bare_end(start, track_depth=False)  # unbalanced brackets in prose
        return self.n

    def skip_to_next_pair(self) -> None:
        end = self._bare_end(self.pos, track_depth=False)
        self.pos = min(self.n, end + 1)

    # -- values -----------------------------------------------------------------------------

    def string(self) -> str:
        quote = self.text[self.pos]
        start = self.pos
        self.pos += 1
        text = self.text
        close = text.find(quote, self.pos)
        if close >= 0 and "\\" not in text[self.pos:close] and "\n" not in text[self.pos:close]:
            value = text[self.pos:close]  # the common case: no escapes
            self.pos = close + 1
            return value
        out: list[str] = []
        while self.pos < self.n:
            c = text[self.pos]
            if c == quote:
                self.pos += 1
                return "".join(out)
            if c == "\\" and self.pos + 1 < self.n:
                nxt = text[self.pos + 1]
                out.append(_ESCAPES.get(nxt, "\\" + nxt))  # unknown escapes stay as written (C:\dir)
                self.pos += 2
                continue
            if c == "\n":
                break
            out.append(c)
            self.pos += 1
        self.error(start, f"unterminated string: the {quote} here is never closed",
                   f"close the string with {quote} (write \\{quote} for a {quote} inside it)")
        raise _Fail(fatal=True)

    def container_value(self, depth: int, stops: str) -> Value:
        """A value inside [...] or {...}: string, list, dict or a bare token up to a stop char."""
        if depth > _MAX_DEPTH:
            self.error(self.pos, "value nested too deeply", "flatten the list or dict")
            raise _Fail(fatal=True)
        c = self.text[self.pos] if self.pos < self.n else ""
        if c in ("'", '"'):
            return self.string()
        if c == "[":
            return self.list_(depth + 1)
        if c == "{":
            return self.dict_(depth + 1)
        start = self.pos
        while self.pos < self.n and self.text[self.pos] not in stops and self.text[self.pos] != "\n":
            self.pos += 1
        raw = self.text[start:self.pos].strip()
        if not raw:
            found = repr(self.text[self.pos]) if self.pos < self.n else "the end of the line"
            self.error(self.pos, f"expected a value, found {found}", 'write a quoted string, a number, True/False, [..] or {..}')
            raise _Fail()
        return scalar(raw)

    def list_(self, depth: int) -> list[Value]:
        open_at = self.pos
        self.pos += 1
        items: list[Value] = []
        while True:
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            if self.text[self.pos] == "]":
                self.pos += 1
                return items
            items.append(self.container_value(depth, ",]}"))
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            c = self.text[self.pos]
            if c == ",":
                self.pos += 1
            elif c != "]":
                self.error(self.pos, f"expected ',' or ']' in the list, found {c!r}",
                           "separate list items with commas and close the list with ]")
                raise _Fail()

    def dict_(self, depth: int) -> dict[str, Value]:
        open_at = self.pos
        self.pos += 1
        out: dict[str, Value] = {}
        while True:
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            if self.text[self.pos] == "}":
                self.pos += 1
                return out
            key_at = self.pos
            key = self.container_value(depth, ":,}")
            if isinstance(key, (list, dict)):
                self.error(key_at, "a dict key must be a string or a word", 'write {"key": value}')
                raise _Fail()
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            if self.text[self.pos] != ":":
                self.error(self.pos, f"expected ':' after the key {str(key)!r}", 'write {"key": value, ...}')
                raise _Fail()
            self.pos += 1
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            skey = "None" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
            if skey in out:
                self.error(key_at, f"duplicate key {skey!r} in the dict", "give each key once")
            out[skey] = self.container_value(depth, ",}")
            self.ws()
            if self.pos >= self.n:
                self._unterminated(open_at)
            c = self.text[self.pos]
            if c == ",":
                self.pos += 1
            elif c != "}":
                self.error(self.pos, f"expected ',' or '}}' in the dict, found {c!r}",
                           "separate entries with commas and close the dict with }")
                raise _Fail()

    def _unterminated(self, open_at: int) -> None:
        opener = self.text[open_at]
        what = "list" if opener == "[" else "dict"
        self.error(open_at, f"unterminated {what}: the {opener} here is never closed",
                   f"close the {what} with {_CLOSERS[opener]}")
        raise _Fail(fatal=True)

    def top_value(self, whole: bool) -> tuple[Value, int, int, bool]:
        """A value at the top level; `whole` means it runs to the end (no `, key=` split)."""
        start = self.pos
        c = self.text[start] if start < self.n else ""
        if c in ("'", '"', "[", "{"):
            value: Value = self.string() if c in ("'", '"') else self.list_(1) if c == "[" else self.dict_(1)
            return value, start, self.pos, False
        end = self.n if whole else self._bare_end(start)
        # `a=1, , b=2` or `a=1,` at the end: stray commas are not part of a bare value.
        source = self.text[start:end].rstrip() if whole else self.text[start:end].rstrip(" \t\r\n,")
        self.pos = end
        raw = re.sub(r"\s*\n\s*", " ", source) if "\n" in source else source  # continued lines read as one
        return scalar(raw), start, start + len(source), True

    # -- entry points -----------------------------------------------------------------------

    def attributes(self) -> list[RawAttr]:
        out: list[RawAttr] = []
        self.ws()
        while self.pos < self.n:
            c = self.text[self.pos]
            if c == ",":
                self.error(self.pos, "unexpected ','", "remove the extra comma")
                self.pos += 1
                self.ws()
                continue
            key_start, key_end = self.pos, _key_end(self.text, self.pos)
            if key_end == key_start:
                if c == "=":
                    self.error(self.pos, "missing key before '='", "write key=value, e.g. color=red")
                elif c in ("'", '"', "["):
                    self.error(self.pos, f"expected a key, found {c!r}",
                               'several values go in one list: key=["A", "B"]; each attribute is key=value')
                else:
                    self.error(self.pos, f"expected a key, found {c!r}", "attributes are key=value pairs separated by commas")
                self.skip_to_next_pair()
                self.ws()
                continue
            key = self.text[key_start:key_end]
            self.pos = key_end
            self.ws()
            if self.pos >= self.n or self.text[self.pos] != "=":
                self.error(key_start, f"expected '=' after {key!r}",
                           f"attributes are key=value pairs separated by commas, e.g. {key}=value", key_end)
                self.skip_to_next_pair()
                self.ws()
                continue
            eq = self.pos
            self.pos += 1
            self.ws()
            if self.pos >= self.n or (self.text[self.pos] == "," and (
                    _key_follows(self.text, self.pos + 1) or not self.text[self.pos + 1:].strip())):
                self.error(eq, f"missing value after '{key}='", f'write {key}="" for an empty text')
                self.skip_to_next_pair()
                self.ws()
                continue
            try:
                value, vstart, vend, bare = self.top_value(whole=False)
            except _Fail as fail:
                if fail.fatal:
                    break
                self.skip_to_next_pair()
                self.ws()
                continue
            out.append(_attr(key, value, self.span(key_start, key_end), self.span(vstart, vend),
                             self.text[vstart:vend], bare))
            self.ws()
            if self.pos < self.n:
                if self.text[self.pos] == ",":
                    self.pos += 1
                    self.ws()
                else:
                    self.error(self.pos, f"expected ',' after the value of {key!r}",
                               f'quote a value that holds spaces after a string: {key}="..."')
                    self.skip_to_next_pair()
                    self.ws()
        return out


def parse_attributes(text: str, path: str, line: int, col: int = 1) -> ParseResult:
    """Parse `key=value, ...`. `col` is the 1-based column of text[0] on `line`; text after a
    newline continues at column 1 of the next line (multi-line entries)."""
    parser = _Parser(text, path, line, col)
    attrs = parser.attributes()
    return ParseResult(attrs, parser.diags)


def parse_value(text: str, path: str, line: int, col: int = 1) -> ValueResult:
    """Parse the whole text as one value (`1.5`, `{'tactics': [...]}`)."""
    parser = _Parser(text, path, line, col)
    parser.ws()
    start = parser.pos
    if parser.pos >= parser.n:
        parser.error(start, "missing value", "write a value after the ':'")
        return ValueResult(None, parser.span(start), "", True, False, parser.diags)
    try:
        value, vstart, vend, bare = parser.top_value(whole=True)
    except _Fail:
        return ValueResult(None, parser.span(start), "", True, False, parser.diags)
    parser.ws()
    if parser.pos < parser.n:
        parser.error(parser.pos, "unexpected text after the value", "put one value here, or quote the text")
        return ValueResult(value, parser.span(vstart, vend), text[vstart:vend], bare, False, parser.diags)
    return ValueResult(value, parser.span(vstart, vend), text[vstart:vend], bare, True, parser.diags)
