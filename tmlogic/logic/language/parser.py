"""The rule language's parser: `.dl` text -> `ast.Module`, with a SourceSpan on every node.

Lark (LALR, basic lexer) does the tokenising and parsing; this module turns its tree into the
frozen AST and its exceptions into diagnostics that say, in plain words, what was found, what
was expected and, when the mistake is a common one, how to fix it. Rule text is only ever
data: nothing is evaluated, and constants stay plain strings and integers.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..._errors import Diagnostic, Level, RuleError, SourceSpan
from ...diagnostics import did_you_mean
from ...limits import current as current_limits
from .ast import (
    Atom,
    Comparison,
    Const,
    Decl,
    DeclArg,
    Fact,
    Literal,
    MetaEntry,
    Metadata,
    Module,
    Negation,
    Rule,
    Term,
    Var,
)

__all__ = ["parse_module", "DECL_TYPES"]

DECL_TYPES = ("symbol", "number")

_GRAMMAR = Path(__file__).with_name("grammar.lark")
_LOCK = threading.Lock()
_PARSER: Lark | None = None


def _parser() -> Lark:
    """The Lark parser, built once per process (building the LALR tables is the slow part)."""
    global _PARSER
    if _PARSER is None:
        with _LOCK:
            if _PARSER is None:
                _PARSER = Lark(
                    _GRAMMAR.read_text(encoding="utf-8"),
                    parser="lalr",
                    lexer="basic",
                    # Spans come from the tokens, which always carry line/column; tree-level
                    # position propagation would nearly double the parse time for nothing.
                    propagate_positions=False,
                    maybe_placeholders=False,
                )
    return _PARSER


def parse_module(text: str, path: str) -> Module:
    """Parse one `.dl` file. Raises RuleError (code "syntax") with every problem found."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise RuleError([_syntax_diagnostic(exc, text, path)]) from None
    builder = _Builder(text, path)
    module = builder.module(tree)
    if builder.errors:
        raise RuleError(builder.errors)
    return module


# --------------------------------------------------------------------------- tree -> AST

_META_LINE = re.compile(r"\s*([a-z][a-z0-9_-]*)\s*:(.*)\Z", re.S)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
# Comments inside a rule are dropped from Rule.text; strings are matched first so that
# "http://x" keeps its slashes.
_TEXT_PIECES = re.compile(r'("(?:[^"\\\n]|\\.)*")|(//[^\n]*|/\*[\s\S]*?\*/)|[^"/]+|/')
_WS = re.compile(r"\s+")
_LOOSE_SPACE = re.compile(r" (?=[,.)])|(?<=\() ")


def _span(path: str, first: Token, last: Token | None = None) -> SourceSpan:
    end = last or first
    return SourceSpan(path, first.line or 1, first.column or 1, end.end_line, end.end_column)


def _toks(tree: Tree[Token], kind: str) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token) and c.type == kind]


class _Builder:
    """Walks Lark's tree once; collects non-grammar syntax problems (bad escapes, types, `///`)."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.errors: list[Diagnostic] = []
        self.anon = 0  # each `_` gets its own name, so no two are ever joined

    def error(self, span: SourceSpan, message: str, hint: str | None = None) -> None:
        self.errors.append(Diagnostic(Level.ERROR, span, message, "syntax", hint))

    def module(self, tree: Tree[Token]) -> Module:
        decls: list[Decl] = []
        rules: list[Rule] = []
        facts: list[Fact] = []
        dangling: list[Metadata] = []
        block: list[MetaEntry] = []
        block_lines: list[tuple[int, int, int]] = []  # (line, col of ///, end col)

        def take_block() -> Metadata | None:
            if not block_lines:
                return None
            first, last = block_lines[0], block_lines[-1]
            meta = Metadata(tuple(block), SourceSpan(self.path, first[0], first[1], last[0], last[2]))
            block.clear()
            block_lines.clear()
            return meta

        def drop_block() -> None:
            meta = take_block()
            if meta is not None:
                dangling.append(meta)

        for child in tree.children:
            if isinstance(child, Token):  # a `///` line
                line, col, end_col, entry = self.doc_line(child)
                if block_lines and line != block_lines[-1][0] + 1:
                    drop_block()  # a gap: the earlier block documents nothing
                block_lines.append((line, col, end_col))
                if entry is not None:
                    block.append(entry)
            elif child.data == "decl":
                decls.append(self.decl(child, take_block()))
            elif child.data == "rule":
                rules.append(self.rule(child, take_block(), len(rules)))
            else:  # a fact carries no documentation: a block right before it dangles
                drop_block()
                facts.append(self.fact(child))
        drop_block()
        return Module(self.path, tuple(decls), tuple(rules), tuple(facts), tuple(dangling))

    def doc_line(self, tok: Token) -> tuple[int, int, int, MetaEntry | None]:
        raw = tok.value
        line = tok.end_line or 1
        last = raw.rsplit("\n", 1)[-1].rstrip("\r")
        at = last.index("///")
        col = (1 if "\n" in raw else (tok.column or 1)) + at
        end_col = col + len(last) - at
        body = last[at + 3:]
        m = _META_LINE.match(body)
        if m is None:
            span = SourceSpan(self.path, line, col, line, end_col)
            self.error(span, 'a "///" line must read "/// key: value"', _doc_hint(body))
            return line, col, end_col, None
        key_col = col + 3 + m.start(1)
        span = SourceSpan(self.path, line, key_col, line, key_col + len(m.group(1)))
        return line, col, end_col, MetaEntry(m.group(1), m.group(2).strip(), span)

    def decl(self, tree: Tree[Token], doc: Metadata | None) -> Decl:
        name = _toks(tree, "PRED")[0]
        args: list[DeclArg] = []
        for arg in tree.children:
            if not isinstance(arg, Tree):
                continue
            arg_name, _, arg_type = arg.children
            assert isinstance(arg_name, Token) and isinstance(arg_type, Token)
            if arg_type.value not in DECL_TYPES:
                self.error(
                    _span(self.path, arg_type),
                    f'unknown type "{arg_type}" for argument "{arg_name}" of "{name}"',
                    did_you_mean(arg_type.value, DECL_TYPES) or 'the types are "symbol" and "number"',
                )
            args.append(DeclArg(arg_name.value, arg_type.value))
        span = _span(self.path, _toks(tree, "DECL")[0], _toks(tree, "RPAR")[-1])
        return Decl(name.value, tuple(args), span, doc)

    def fact(self, tree: Tree[Token]) -> Fact:
        atom_tree, dot = tree.children
        assert isinstance(atom_tree, Tree) and isinstance(dot, Token)
        atom = self.atom(atom_tree)
        first = atom_tree.children[0]
        assert isinstance(first, Token)
        return Fact(atom, _span(self.path, first, dot))

    def rule(self, tree: Tree[Token], meta: Metadata | None, index: int) -> Rule:
        head_tree = tree.children[0]
        assert isinstance(head_tree, Tree)
        head = self.atom(head_tree)
        body = tuple(self.literal(c) for c in tree.children[1:] if isinstance(c, Tree))
        first = head_tree.children[0]
        dot = tree.children[-1]
        assert isinstance(first, Token) and isinstance(dot, Token)
        text = _fold(self.text[first.start_pos:dot.end_pos])
        return Rule(head, body, _span(self.path, first, dot), text, meta, index)

    def literal(self, tree: Tree[Token]) -> Literal:
        if tree.data == "atom":
            return self.atom(tree)
        if tree.data == "neg":
            bang, atom = tree.children
            assert isinstance(bang, Token) and isinstance(atom, Tree)
            return Negation(self.atom(atom), _span(self.path, bang))
        left, op, right = tree.children
        assert isinstance(left, Token) and isinstance(op, Token) and isinstance(right, Token)
        return Comparison(op.value, self.term(left), self.term(right), _span(self.path, left, right))

    def atom(self, tree: Tree[Token]) -> Atom:
        name = tree.children[0]
        assert isinstance(name, Token)
        args = tuple(self.term(c) for c in tree.children[2:]
                     if isinstance(c, Token) and c.type in ("VAR", "ANON", "STRING", "INT"))
        return Atom(name.value, args, _span(self.path, name))

    def term(self, tok: Token) -> Term:
        span = _span(self.path, tok)
        if tok.type == "VAR":
            return Var(tok.value, span)
        if tok.type == "ANON":
            self.anon += 1
            return Var(f"_{self.anon}", span, anonymous=True)
        if tok.type == "INT":
            limit = current_limits().integer_digits
            if len(tok.value.lstrip("-")) > limit:
                self.error(span, f"this integer has more than {limit} digits",
                           "rule constants are 64-bit integers; raise the limit with tmlogic --limit integer_digits=N")
                return Const(0, span)
            return Const(int(tok.value), span)
        return Const(self.unescape(tok, span), span)

    def unescape(self, tok: Token, span: SourceSpan) -> str:
        raw = str(tok)[1:-1]
        if "\\" not in raw:
            return raw
        out: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\":
                nxt = raw[i + 1]  # the token's regex guarantees a character after "\"
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                else:
                    at = SourceSpan(self.path, span.line, span.col + 1 + i, span.line, span.col + 3 + i)
                    self.error(at, f'unknown escape "\\{nxt}" in a string',
                               'the escapes are \\" \\\\ \\n and \\t; write "\\\\" for a backslash')
                    out.append(nxt)
                i += 2
            else:
                out.append(ch)
                i += 1
        return "".join(out)


def _fold(source: str) -> str:
    """A rule's source on one line: comments dropped, whitespace folded, strings untouched."""
    pieces: list[str] = []
    loose: list[str] = []  # text between strings, with comments turned into blanks

    def flush() -> None:
        if loose:
            text = _WS.sub(" ", "".join(loose))
            pieces.append(_LOOSE_SPACE.sub("", text))  # "q( X )" -> "q(X)", "X ." -> "X."
            loose.clear()

    for m in _TEXT_PIECES.finditer(source):
        if m.group(1):
            flush()
            pieces.append(m.group(1))
        else:
            loose.append(" " if m.group(2) else m.group(0))
    flush()
    return "".join(pieces).strip()


def _doc_hint(body: str) -> str:
    stripped = body.strip()
    if not stripped:
        return 'remove the empty "///" line, or use "//" for a plain comment'
    m = re.match(r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*:", body)
    if m and m.group(1) != m.group(1).lower():
        return f'metadata keys are lower case: "{m.group(1).lower()}:"'
    if ":" not in stripped:
        return 'write "/// key: value" (e.g. "/// title: ..."), or use "//" for a plain comment'
    return 'keys are lower-case words (letters, digits, "-", "_") followed by ":"; use "//" for a plain comment'


# --------------------------------------------------------------------------- syntax errors

_READABLE = {
    "DECL": '".decl"',
    "PRED": "a predicate name",
    "VAR": "a variable",
    "ANON": '"_"',
    "STRING": "a string",
    "INT": "an integer",
    "LPAR": '"("',
    "RPAR": '")"',
    "COMMA": '","',
    "COLON": '":"',
    "IF": '":-"',
    "DOT": '"."',
    "BANG": '"!"',
    "CMP_OP": "a comparison (=, !=, <, <=, >, >=)",
    "DOC": 'a "///" metadata line',
    "$END": "the end of the file",
}
_ORDER = list(_READABLE)
_TERMS = {"VAR", "ANON", "STRING", "INT"}


def _expected(accepts: set[str], in_decl: bool, prev: Token | None) -> str:
    acc = set(accepts)
    parts: list[str] = []
    if {"DECL", "PRED", "DOC"} <= acc:
        parts.append("a declaration, rule or fact")
        acc -= {"DECL", "PRED", "DOC", "$END"}
    if in_decl and prev is not None and prev.type == "COLON":
        parts.append('a type ("symbol" or "number")')
        acc -= {"PRED", "VAR"}
    elif in_decl and {"PRED", "VAR"} <= acc:
        parts.append("an argument name")
        acc -= {"PRED", "VAR"}
    if _TERMS | {"PRED", "BANG"} <= acc:
        parts.append('a body literal (an atom, "!atom" or a comparison)')
        acc -= _TERMS | {"PRED", "BANG"}
    elif _TERMS <= acc:
        parts.append('a term (a variable, "_", a string or an integer)')
        acc -= _TERMS
    if parts or len(acc) > 1:
        acc.discard("$END")
    parts += [_READABLE.get(t, t) for t in sorted(acc, key=lambda t: _ORDER.index(t) if t in _ORDER else 99)]
    if not parts:
        return "nothing more"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _flatten(item: object) -> list[Token]:
    if isinstance(item, Token):
        return [item]
    if isinstance(item, Tree):
        return [t for c in item.children for t in _flatten(c)]
    return []


def _segment(stack: list[object]) -> tuple[list[Token], Token | None]:
    """Tokens of the statement being parsed when the error struck, and the last token before it."""
    seg: list[object] = []
    for item in reversed(stack):
        if isinstance(item, Token) and item.type == "DOC":
            break
        # Finished statements: a decl/rule/fact, or Lark's helper tree that collects them.
        if isinstance(item, Tree) and (str(item.data) in ("decl", "rule", "fact")
                                       or str(item.data).startswith("__start")):
            break
        seg.append(item)
    seg.reverse()
    toks = [t for item in seg for t in _flatten(item)]
    everything = [t for item in stack for t in _flatten(item)]
    return toks, (everything[-1] if everything else None)


def _context(toks: list[Token]) -> str:
    if not toks:
        return ""
    prev = toks[-1]
    types = [t.type for t in toks]
    depth = types.count("LPAR") - types.count("RPAR")
    closes = prev.type == "RPAR" or (prev.type in _TERMS and len(types) > 1 and types[-2] == "CMP_OP")
    if depth == 0 and closes:
        if "DECL" in types:
            return " after the declaration"
        if "IF" in types:
            return " after a body literal"
        return " after the rule head or fact"
    return f' after "{prev.value}"'


def _show(text: str, limit: int = 30) -> str:
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit]}..."'


def _syntax_diagnostic(exc: UnexpectedInput, text: str, path: str) -> Diagnostic:
    interactive = getattr(exc, "interactive_parser", None)
    stack: list[object] = list(interactive.parser_state.value_stack) if interactive is not None else []
    accepts: set[str] = set(interactive.accepts()) if interactive is not None else set()
    toks, last = _segment(stack)
    prev = toks[-1] if toks else None
    in_decl = any(t.type == "DECL" for t in toks)
    expected = _expected(accepts, in_decl, prev)
    context = _context(toks)

    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        found, hint = _bad_character(text, pos)
        span = SourceSpan(path, exc.line, exc.column, exc.line, exc.column + 1)
        if found is None:
            message = f"unexpected character {_show(text[pos])}{context}; expected {expected}"
        else:
            message = found
        return Diagnostic(Level.ERROR, span, message, "syntax", hint)

    assert isinstance(exc, UnexpectedToken)
    tok: Token = exc.token
    if tok.type == "$END":
        line, col = ((last.end_line or 1), (last.end_column or 1)) if last is not None else (1, 1)
        span = SourceSpan(path, line, col, line, col + 1)
        found_text = "the end of the file"
    else:
        span = _span(path, tok)
        found_text = "a \"///\" metadata line" if tok.type == "DOC" else _show(tok.value)
        if tok.type == "DOC":
            line = tok.end_line or 1
            col = tok.value.rsplit("\n", 1)[-1].index("///") + 1
            span = SourceSpan(path, line, col, line, col + 3)
    message = f"expected {expected}{context}, found {found_text}"
    hint = _token_hint(tok, accepts, toks, prev, text)
    return Diagnostic(Level.ERROR, span, message, "syntax", hint)


def _bad_character(text: str, pos: int) -> tuple[str | None, str | None]:
    """(message, hint) for a character no token starts with; message None means the default."""
    ch = text[pos]
    nxt = text[pos + 1:pos + 2]
    if ch == '"':
        return ("unterminated string",
                'close the string with " on the same line; strings cannot span lines (write \\n for a line break)')
    if ch == "/" and nxt == "*":
        return 'unterminated "/*" comment', 'close the comment with "*/"'
    if ch == "'":
        return None, 'strings are written in double quotes: "text"'
    if ch == "_":
        return None, 'variable names start with an upper-case letter ("X", "Src"); "_" alone is the anonymous variable'
    if ch in ";|":
        return None, 'a rule body is joined with ","; for "or", write one rule per alternative'
    if ch == "&":
        return None, 'join body literals with ","'
    if ch in "+-*%" or ch == "/":
        return None, "arithmetic is not supported; compare values with =, !=, <, <=, >, >="
    if ch == "\\" and nxt == "+":
        return None, 'negation is written "!atom(...)"'
    if ch == "?":
        return None, "queries are not part of a rule file; write a rule instead"
    return None, None


def _token_hint(tok: Token, accepts: set[str], toks: list[Token], prev: Token | None, text: str) -> str | None:
    types = [t.type for t in toks]
    in_decl = "DECL" in types
    end = tok.end_pos or 0
    after = text[end:end + 1] if tok.type != "$END" else ""
    if "IF" in accepts and tok.type == "CMP_OP" and tok.value in ("<", "<="):
        arrow = "<-" if tok.value == "<" and after == "-" else tok.value
        return f'rules write ":-" between the head and the body, not "{arrow}"'
    if "IF" in accepts and tok.type == "COLON":
        return 'write ":-" (no space) between the head and the body'
    if "DOT" in accepts and prev is not None:
        if tok.type == "$END":
            return 'end the rule or fact with "."'
        line = tok.end_line if tok.type == "DOC" else tok.line  # DOC starts on the newline before it
        if (line or 0) > (prev.end_line or 0):
            what = 'a "," or the final "."' if "COMMA" in accepts and "IF" in types else 'the "."'
            return f"did you forget {what} at the end of line {prev.end_line}?"
    if "COMMA" in accepts and "IF" in types and tok.type in ("PRED", "BANG", "VAR", "STRING", "INT", "ANON"):
        return 'separate body literals with ","'
    if tok.type == "LPAR" and prev is not None and prev.type == "VAR":
        return (f'predicate names start with a lower-case letter ("{prev.value[0].lower() + prev.value[1:]}"); '
                f'"{prev.value}" is a variable name')
    if tok.type == "VAR" and "PRED" in accepts and "VAR" not in accepts and after == "(":
        return (f'predicate names start with a lower-case letter ("{tok.value[0].lower() + tok.value[1:]}"); '
                f'"{tok.value}" is a variable name')
    if tok.type == "PRED" and prev is not None and prev.type == "PRED" and prev.value == "not":
        return f'negation is written "!{tok.value}(...)", not "not {tok.value}(...)"'
    if tok.type == "PRED" and "VAR" in accepts and not in_decl:
        cap = tok.value[0].upper() + tok.value[1:]
        return f'write {cap} for a variable, or "{tok.value}" (in double quotes) for a text constant'
    if tok.type == "DOT" and not toks:
        start = tok.start_pos or 0
        word = re.match(r"\.([a-z]+)", text[start:start + 20])
        if word:
            return f'".{word.group(1)}" is not supported: ".decl" is the only directive (input relations come from the model)'
    if tok.type == "DOT" and in_decl and prev is not None and prev.type == "RPAR":
        return 'a ".decl" ends at ")"; remove the "."'
    if in_decl and "COLON" in accepts:
        return 'give each argument a type: "name: symbol" or "name: number"'
    if tok.type in ("RPAR", "DOT") and prev is not None and prev.type == "COMMA":
        return f'remove the "," before "{tok.value}"'
    if tok.type == "DOC":
        return 'a "///" line goes before a rule or declaration, not inside it; use "//" for a comment'
    if tok.type == "PRED" and "LPAR" in accepts:
        return f'an atom needs its arguments in parentheses: {prev.value if prev else tok.value}(...)'
    return None
