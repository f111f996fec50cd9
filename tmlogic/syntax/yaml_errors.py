"""PyYAML's errors turned into a sentence about the likely cause, at the line that holds it.

PyYAML reports where its parser gave up, which is often a line later than the mistake
(`could not find expected ':'` points past the line that lacks the colon; an unclosed quote is
reported at the end of the file) and names tokens the user never wrote (`expected <block end>,
but found '?'` for a key indented like the list above it). Each explainer below recognises one
family of errors, looks at the lines around it, and says what is most likely wrong and how to
fix it; anything unrecognised still gets the position and a general hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from .._errors import Diagnostic, Level, Note, SourceSpan
from ._source import Source

__all__ = ["yaml_error_diagnostic"]

_GENERIC_HINT = ("check the indentation (spaces only; the entries of one list or mapping line up), "
                 "the quotes and the brackets around here")
# `key: value` on a line, with an optional list dash: group 1 the dash part, 2 the key.
_KEY_LINE = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"\[\]{},:][^:#]*?)\s*:(?:\s|$)")
_NO_SPACE_COLON = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"\[\]{},:-][^:#\s]*):([^\s:/].*)$")
_DASH_NO_SPACE = re.compile(r"^(\s*)-([^\s-].*)$")


@dataclass(frozen=True)
class _Why:
    line: int
    col: int
    message: str
    hint: str
    notes: tuple[tuple[int, int, str], ...] = ()


def _key_column(text: str) -> tuple[int, str] | None:
    """0-based column and name of the key on a `key: value` line (after a `- ` dash)."""
    m = _KEY_LINE.match(text)
    if m is None:
        return None
    return len(m.group(1)), m.group(2).strip()


def _spaces(n: int) -> str:
    return f"{n} space{'s' if n != 1 else ''}"


def _enclosing(src: Source, before: int) -> list[tuple[int, str, int]]:
    """The open blocks above a line: (key column, key, line), innermost first."""
    out: list[tuple[int, str, int]] = []
    limit = 10**9
    for n in range(before - 1, 0, -1):
        if not src.is_content(n):
            continue
        text = src.line(n)
        found = _key_column(text)
        col, name = found if found else (src.indent(n), text.strip()[:30])
        if col < limit:
            out.append((col, name, n))
            limit = col
        dash = len(text) - len(text.lstrip(" "))
        if text.lstrip().startswith("- ") and dash < limit:
            out.append((dash, "-", n))
            limit = dash
        if limit == 0:
            break
    return out


# -- the explainers, tried in order ---------------------------------------------------------------


def _tab(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    if "'\\t'" not in (exc.problem or "") or exc.problem_mark is None:
        return None
    line = exc.problem_mark.line + 1
    col = src.line(line).find("\t") + 1 or exc.problem_mark.column + 1
    return _Why(line, col, "this line is indented with a tab; YAML allows only spaces for indentation",
                "replace the tab with spaces (the same number as the lines it belongs with)")


def _quote(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    if exc.context != "while scanning a quoted scalar" or exc.context_mark is None:
        return None
    problem = exc.problem or ""
    if "unknown escape character" in problem and exc.problem_mark is not None:
        line, col = exc.problem_mark.line + 1, exc.problem_mark.column + 1
        return _Why(line, col, "this backslash starts an escape that YAML does not know inside double quotes",
                    "write \\\\ for a backslash, or use single quotes ('C:\\dir') where backslashes stay as written")
    line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
    quote = src.line(line)[col - 1:col] or '"'
    inner = ("to put a ' inside single quotes, write it twice ('it''s')" if quote == "'"
             else 'to put a " inside double quotes, write \\"')
    return _Why(line, col, f"the {quote} quote that opens here is never closed",
                f"end the value with a matching {quote} on the same line; {inner}")


def _unclosed(src: Source, before_line: int) -> tuple[int, int] | None:
    """(line, col) of the last [ or { still open before a line (quotes and comments skipped)."""
    stack: list[tuple[int, int]] = []
    for n in range(1, min(before_line, len(src) + 1)):
        quote = ""
        for i, ch in enumerate(src.line(n)):
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (i == 0 or src.line(n)[i - 1] in " \t"):
                break
            elif ch in "[{":
                stack.append((n, i + 1))
            elif ch in "]}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _flow(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    context = exc.context or ""
    if not context.startswith("while parsing a flow") or exc.context_mark is None:
        return None
    line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
    opener = src.line(line)[col - 1:col]
    if opener not in ("[", "{"):  # "while parsing a flow node": the mark is where it gave up
        found = _unclosed(src, (exc.problem_mark.line if exc.problem_mark else exc.context_mark.line) + 2)
        if found is None:
            return None
        line, col = found
        opener = src.line(line)[col - 1:col]
    closer = {"[": "]", "{": "}"}.get(opener, "]")
    kind = "list" if opener == "[" else "mapping"
    pm = exc.problem_mark
    if pm is not None and pm.line + 1 == line and "but got ':'" not in (exc.problem or "") \
            and "<stream end>" not in (exc.problem or ""):
        return _Why(pm.line + 1, pm.column + 1, f"the items of this {opener} {closer} {kind} need a ',' between them",
                    f"separate the items with commas: {opener}a, b{closer}")
    return _Why(line, col, f"the {opener} that opens here is never closed",
                f"add the missing {closer} after the last item (and a ',' between items), "
                "or quote the value if the bracket is part of the text")


def _no_colon(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    if exc.context != "while scanning a simple key" or exc.context_mark is None:
        return None
    line = exc.context_mark.line + 1
    text = src.line(line)
    body = text.strip()
    if body.startswith("- "):
        body = body[2:].strip()
    col = len(text) - len(text.lstrip()) + 1
    if len(body) > 1024:
        return _Why(line, col, "this key is longer than 1024 characters, the most YAML allows for a key",
                    "shorten it, or write the long text as the value of a short key")
    m = _NO_SPACE_COLON.match(text)
    if m:
        return _Why(line, len(m.group(1)) + len(m.group(2)) + 1,
                    "there is no space after the ':' on this line, so YAML does not read it as a key",
                    f"write `{m.group(2)}: {m.group(3).strip()}`")
    word, _, rest = body.partition(" ")
    fix = f"write `{word}: {rest.strip()}`" if rest.strip() else f"write `{word}: value`"
    return _Why(line, col, "this line is not a `key: value` pair: the ':' after the key is missing",
                f"{fix}, or start it with `- ` if it is a list item")


def _mapping_here(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    if exc.problem != "mapping values are not allowed here" or exc.problem_mark is None:
        return None
    line, col = exc.problem_mark.line + 1, exc.problem_mark.column + 1
    text = src.line(line)
    own = _key_column(text)
    if own is not None and text.find(":", own[0] + len(own[1])) + 1 < col:
        value = text[text.find(":", own[0] + len(own[1])) + 1:].strip()
        return _Why(line, col, f"the value of '{own[1]}' holds ': ', which YAML reads as the start of another key",
                    f"quote the value: {own[1]}: \"{value}\"")
    prev = src.previous_content(line)
    if prev is not None:
        ptext = src.line(prev)
        m = _NO_SPACE_COLON.match(ptext)
        if m and ": " not in ptext:
            return _Why(prev, len(m.group(1)) + len(m.group(2)) + 1,
                        f"there is no space after the ':' on this line, so YAML reads '{m.group(2)}:{m.group(3).strip()}' "
                        "as one word and the next line as more of it",
                        f"write `{m.group(2)}: {m.group(3).strip()}`")
        if ":" not in ptext and not ptext.lstrip().startswith("- "):
            word, _, rest = ptext.strip().partition(" ")
            return _Why(prev, src.indent(prev) + 1, "this line has no ':', so YAML joins it with the next line",
                        f"write `{word}: {rest.strip() or 'value'}`")
        pkey = _key_column(ptext)
        if pkey is not None and src.indent(line) > pkey[0]:
            here = src.indent(line)
            return _Why(line, here + 1,
                        f"this line is indented by {_spaces(here)}, more than '{pkey[1]}' on line {prev} "
                        f"({_spaces(pkey[0])}), so YAML reads it as part of that value",
                        f"indent it by {_spaces(pkey[0])}, like '{pkey[1]}'",
                        ((prev, pkey[0] + 1, f"'{pkey[1]}' is indented by {_spaces(pkey[0])}"),))
    return _Why(line, col, "a ':' here starts a key where none can start",
                "quote the value if it contains ': ', and check the indentation of this line")


def _block_end(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    problem = exc.problem or ""
    if not problem.startswith("expected <block end>") or exc.problem_mark is None:
        return None
    line, col = exc.problem_mark.line + 1, exc.problem_mark.column + 1
    prev = src.previous_content(line)
    if prev is not None:
        m = _DASH_NO_SPACE.match(src.line(prev))
        if m:
            return _Why(prev, len(m.group(1)) + 1, "there is no space after the '-' on this line, so it is not a list item",
                        f"write `- {m.group(2).strip()}`")
    text = src.line(line)
    before = text[:col - 1]
    if "<scalar>" in problem and before.rstrip().endswith(("\"", "'")) and not before.strip().endswith(":"):
        return _Why(line, col, "there is text after the closing quote of this value",
                    "put the whole value inside the quotes")
    here = src.indent(line)
    ladder = [(c, k, n) for c, k, n in _enclosing(src, line) if c != here]
    if not ladder:
        return _Why(line, here + 1, f"this line is indented by {_spaces(here)}, which matches no block above it",
                    _GENERIC_HINT)
    inner = ladder[0]
    shown = [f"{_spaces(c)} (like {'the list dash' if k == '-' else repr(k)} on line {n})" for c, k, n in ladder[:3]]
    options = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    what = f"'{inner[1]}' on line {inner[2]}" if inner[1] != "-" else f"the list entry on line {inner[2]}"
    return _Why(line, here + 1,
                f"this line is indented by {_spaces(here)}, which does not line up with {what} ({_spaces(inner[0])})",
                f"indent it by {options}; entries of one mapping or list must start in the same column",
                ((inner[2], inner[0] + 1, f"the block this line should line up with ({_spaces(inner[0])})"),))


def _reserved(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    m = re.match(r"found character '(.)' that cannot start any token", exc.problem or "")
    if m is None or exc.problem_mark is None:
        return None
    line, col = exc.problem_mark.line + 1, exc.problem_mark.column + 1
    value = src.line(line)[col - 1:].strip()
    return _Why(line, col, f"a value cannot start with '{m.group(1)}' unless it is quoted (YAML reserves it)",
                f"quote it: \"{value}\"")


def _alias(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    problem, mark = exc.problem or "", exc.problem_mark
    if mark is None:
        return None
    line, col = mark.line + 1, mark.column + 1
    if problem.startswith("found undefined alias"):
        name = problem.split("'")[1] if "'" in problem else ""
        return _Why(line, col, f"'*{name}' refers to an anchor (&{name}) that is not defined; '*' starts an alias in YAML",
                    f"quote the value if the '*' is part of the text: \"*{name}\"")
    if (exc.context or "").startswith(("while scanning an alias", "while scanning an anchor")):
        return _Why(line, col, "'*' and '&' start aliases and anchors in YAML",
                    "quote the value if the character is part of the text")
    return None


def _documents(src: Source, exc: yaml.MarkedYAMLError) -> _Why | None:
    if "expected a single document" not in str(exc) or exc.problem_mark is None:
        return None
    line = exc.problem_mark.line + 1
    return _Why(line, 1, "this file holds more than one YAML document ('---' starts another)",
                "keep one document: remove the '---' line and what follows, or merge the two")


_EXPLAINERS: tuple[Callable[[Source, yaml.MarkedYAMLError], _Why | None], ...] = (
    _documents, _tab, _quote, _flow, _no_colon, _mapping_here, _block_end, _reserved, _alias)


def yaml_error_diagnostic(exc: yaml.YAMLError, text: str, path: str, code: str = "yaml-syntax") -> Diagnostic:
    """One error diagnostic for a YAML syntax error: the likely cause, where it is, how to fix it."""
    src = Source(text)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Diagnostic(Level.ERROR, SourceSpan(path, 1, 1), f"this is not valid YAML: {exc}", code, _GENERIC_HINT)
    why: _Why | None = None
    for explain in _EXPLAINERS:
        why = explain(src, exc)
        if why is not None:
            break
    if why is None:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        why = _Why(line, col, f"this is not valid YAML ({problem})", _GENERIC_HINT)
    line, col = src.clamp(why.line, why.col)
    notes = tuple(Note(SourceSpan(path, *src.clamp(n, c)), m) for n, c, m in why.notes if n != line)
    return Diagnostic(Level.ERROR, SourceSpan(path, line, col), why.message, code, why.hint, notes)
