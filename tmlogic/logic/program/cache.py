"""A cache of the checked built-in rule program, so a run does not parse and check ~70 files.

The cache file is two lines of JSON (never pickle: a tampered file must not be able to run code), read
back into AST objects by a decoder that knows only the AST's own classes. It is keyed by the
tmlogic version, the path and content hash of every rule file, the strictness and the knowledge-
base ids the metadata was checked against; on any mismatch, or if the file is missing, unreadable,
corrupt or of an unexpected shape, the program is parsed as if there were no cache (a broken
cache is a miss, never an error). Errors in the rules themselves are never cached: only a program
that passed its checks without warnings is written.

Where: $TMLOGIC_CACHE_DIR, else $XDG_CACHE_HOME/tmlogic, else ~/.cache/tmlogic.
TMLOGIC_CACHE_DIR set to an empty string turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ... import __version__
from ..._errors import SourceSpan, UsageError
from ...fileaccess import FileAccessError, read_text, write_text
from ..language import ast
from ..language.checks import KnownIds

__all__ = ["cache_dir", "program_key", "read_program", "write_program"]

_FORMAT = 4  # 2: modules know their rule pack; 3: positional arrays; 4: flat terms, objects built directly
_KEEP = 8  # cache files kept (one per rule set and working folder); older ones are removed


class _Corrupt(Exception):
    """The cache file does not decode into a program: treated as a miss."""


# --- the format: positional JSON arrays ------------------------------------------------------------
#
# Objects are JSON arrays of their fields; source spans are numbers into a table of spans, five
# numbers each (path number into a table of paths, line, column, end line, end column). Terms are
# not arrays of their own: an atom is [predicate, span, kind, value, span, kind, value, span, ...],
# three entries a term, kind _VAR, _ANONYMOUS or _CONST. A body literal is a tag and then its
# fields, flat: [_ATOM, predicate, span, terms...], [_NEGATION, span, predicate, atom span,
# terms...], [_COMPARISON, op, span, left term, right term]. A fact is [span, predicate, atom span,
# terms...], metadata [span, key, value, key span, ...], a declaration [predicate, [name, type,
# ...], span, doc]. Decoding is plain json.loads (no object hook) and a decoder that checks every
# value's type and builds only the AST's own classes: a tampered file can name no other class,
# and any other shape is a corrupt cache.

_VAR, _ANONYMOUS, _CONST = 0, 1, 2
_ATOM, _NEGATION, _COMPARISON = 0, 1, 2


class _Encoder:
    def __init__(self) -> None:
        self.paths: dict[str, int] = {}
        self.spans: list[int | None] = []  # five values a span: path number, line, col, end line, end col

    def span(self, s: SourceSpan) -> int:
        path = self.paths.setdefault(s.path, len(self.paths))
        self.spans += (path, s.line, s.col, s.end_line, s.end_col)
        return len(self.spans) // 5 - 1

    def terms(self, terms: Sequence[ast.Term]) -> list[Any]:
        out: list[Any] = []
        for t in terms:
            if isinstance(t, ast.Var):
                out += (_ANONYMOUS if t.anonymous else _VAR, t.name, self.span(t.span))
            else:
                out += (_CONST, t.value, self.span(t.span))
        return out

    def atom(self, a: ast.Atom) -> list[Any]:
        return [a.predicate, self.span(a.span), *self.terms(a.args)]

    def literal(self, lit: ast.Literal) -> list[Any]:
        if isinstance(lit, ast.Atom):
            return [_ATOM, *self.atom(lit)]
        if isinstance(lit, ast.Negation):
            return [_NEGATION, self.span(lit.span), *self.atom(lit.atom)]
        return [_COMPARISON, lit.op, self.span(lit.span), *self.terms((lit.left, lit.right))]

    def metadata(self, m: ast.Metadata | None) -> list[Any] | None:
        if m is None:
            return None
        out: list[Any] = [self.span(m.span)]
        for e in m.entries:
            out += (e.key, e.value, self.span(e.span))
        return out

    def rule(self, r: ast.Rule) -> list[Any]:
        return [self.atom(r.head), [self.literal(lit) for lit in r.body], self.span(r.span), r.text,
                self.metadata(r.metadata), r.index]

    def decl(self, d: ast.Decl) -> list[Any]:
        return [d.predicate, [x for a in d.args for x in (a.name, a.type)], self.span(d.span), self.metadata(d.doc)]

    def module(self, m: ast.Module) -> list[Any]:
        return [m.path, [self.decl(d) for d in m.decls], [self.rule(r) for r in m.rules],
                [[self.span(f.span), *self.atom(f.atom)] for f in m.facts],
                [self.metadata(d) for d in m.dangling_docs], m.pack]

    def program(self, p: ast.Program) -> list[Any]:
        # The declarations table holds the modules' own Decl objects: stored as (module, position).
        where = {id(d): [mi, di] for mi, m in enumerate(p.modules) for di, d in enumerate(m.decls)}
        decls = []
        for predicate, d in p.decls.items():
            if id(d) not in where:
                raise TypeError(f"the declaration of {predicate} is in no module")
            decls.append([predicate, *where[id(d)]])
        modules = [self.module(m) for m in p.modules]
        return [list(self.paths), self.spans, modules, decls]


# The decoder builds each object the way its dataclass's own __init__ would (the same fields, in
# declaration order, into the instance's __dict__), without calling it: a frozen dataclass's
# __init__ sets each field through object.__setattr__, about three times the cost of the object
# itself, and a warm run builds ~25,000 of them. The AST classes and SourceSpan are plain frozen
# dataclasses (no __slots__, no __post_init__); tests/test_program_cache.py holds the decoded
# program equal to the parsed one and checks those two conditions.
_new = object.__new__
_Var, _Const, _Atom, _Negation, _Comparison = ast.Var, ast.Const, ast.Atom, ast.Negation, ast.Comparison
_OPS = frozenset(ast.COMPARISON_OPS)


class _Decoder:
    def __init__(self, paths: Any, spans: Any) -> None:
        if type(paths) is not list or not all(type(p) is str for p in paths):
            raise _Corrupt("a path table that is not a list of strings")
        if type(spans) is not list or len(spans) % 5 or not set(map(type, spans)) <= {int, type(None)}:
            raise _Corrupt("a span table of an unexpected shape")
        numbers = spans[0::5] + spans[1::5] + spans[2::5]
        if None in numbers or (numbers and min(numbers) < 0):
            raise _Corrupt("a span without its path, line or column")
        values = iter(spans)
        table: list[SourceSpan] = []
        add = table.append
        for path, line, col, end_line, end_col in zip(values, values, values, values, values):
            s = _new(SourceSpan)
            d = s.__dict__
            d["path"] = paths[path]
            d["line"] = line
            d["col"] = col
            d["end_line"] = end_line
            d["end_col"] = end_col
            add(s)
        self.spans = table

    def span(self, v: Any) -> SourceSpan:
        if type(v) is not int or v < 0:
            raise _Corrupt("a span reference that is not a number")
        return self.spans[v]

    def terms(self, v: list[Any], start: int) -> tuple[ast.Term, ...]:
        """The terms held flat in v[start:], three entries each (kind, value, span)."""
        if (len(v) - start) % 3:
            raise _Corrupt("terms of an unexpected shape")
        spans = self.spans
        out: list[ast.Term] = []
        add = out.append
        for i in range(start, len(v), 3):
            kind, value, span = v[i], v[i + 1], v[i + 2]
            if type(kind) is not int or type(span) is not int or span < 0:
                raise _Corrupt("a term of an unexpected shape")
            t: ast.Term
            if kind == _CONST:
                if type(value) is not str and type(value) is not int:
                    raise _Corrupt("a constant of an unexpected shape")
                t = _new(_Const)
                d = t.__dict__
                d["value"] = value
                d["span"] = spans[span]
            elif (kind == _VAR or kind == _ANONYMOUS) and type(value) is str:
                t = _new(_Var)
                d = t.__dict__
                d["name"] = value
                d["span"] = spans[span]
                d["anonymous"] = kind == _ANONYMOUS
            else:
                raise _Corrupt("a variable of an unexpected shape")
            add(t)
        return tuple(out)

    def atom(self, v: list[Any], start: int) -> ast.Atom:
        """The atom held flat in v[start:]: predicate, span, terms."""
        predicate = v[start]
        if type(predicate) is not str:
            raise _Corrupt("an atom of an unexpected shape")
        a = _new(_Atom)
        d = a.__dict__
        d["predicate"] = predicate
        d["args"] = self.terms(v, start + 2)
        d["span"] = self.span(v[start + 1])
        return a

    def literal(self, v: Any) -> ast.Literal:
        if type(v) is not list or not v:
            raise _Corrupt("a literal of an unexpected shape")
        tag = v[0]
        if type(tag) is not int:
            raise _Corrupt("a literal without its kind")
        if tag == _ATOM:
            return self.atom(v, 1)
        if tag == _NEGATION:
            n = _new(_Negation)
            d = n.__dict__
            d["atom"] = self.atom(v, 2)
            d["span"] = self.span(v[1])
            return n
        op = v[1]
        if tag != _COMPARISON or op not in _OPS or len(v) != 9:
            raise _Corrupt("a comparison of an unexpected shape")
        left, right = self.terms(v, 3)
        c = _new(_Comparison)
        d = c.__dict__
        d["op"] = op
        d["left"] = left
        d["right"] = right
        d["span"] = self.span(v[2])
        return c

    def metadata(self, v: Any) -> ast.Metadata | None:
        if v is None:
            return None
        if type(v) is not list or not v or (len(v) - 1) % 3:
            raise _Corrupt("metadata of an unexpected shape")
        out = []
        for i in range(1, len(v), 3):
            key, value = v[i], v[i + 1]
            if type(key) is not str or type(value) is not str:
                raise _Corrupt("a metadata entry of an unexpected shape")
            e = _new(ast.MetaEntry)
            d = e.__dict__
            d["key"] = key
            d["value"] = value
            d["span"] = self.span(v[i + 2])
            out.append(e)
        return ast.Metadata(tuple(out), self.span(v[0]))

    def rule(self, v: Any) -> ast.Rule:
        head, body, span, text, metadata, index = v
        if not (type(head) is list and type(body) is list and type(text) is str and type(index) is int):
            raise _Corrupt("a rule of an unexpected shape")
        r = _new(ast.Rule)
        d = r.__dict__
        d["head"] = self.atom(head, 0)
        d["body"] = tuple([self.literal(lit) for lit in body])
        d["span"] = self.span(span)
        d["text"] = text
        d["metadata"] = self.metadata(metadata)
        d["index"] = index
        return r

    def fact(self, v: Any) -> ast.Fact:
        if type(v) is not list or not v:
            raise _Corrupt("a fact of an unexpected shape")
        f = _new(ast.Fact)
        d = f.__dict__
        d["atom"] = self.atom(v, 1)
        d["span"] = self.span(v[0])
        return f

    def decl(self, v: Any) -> ast.Decl:
        predicate, args, span, doc = v
        if not (type(predicate) is str and type(args) is list) or len(args) % 2:
            raise _Corrupt("a declaration of an unexpected shape")
        decl_args = []
        for i in range(0, len(args), 2):
            name, kind = args[i], args[i + 1]
            if type(name) is not str or type(kind) is not str:
                raise _Corrupt("a declared argument of an unexpected shape")
            decl_args.append(ast.DeclArg(name, kind))
        return ast.Decl(predicate, tuple(decl_args), self.span(span), self.metadata(doc))

    def module(self, v: Any) -> ast.Module:
        path, decls, rules, facts, dangling, pack = v
        if not (type(path) is str and (pack is None or type(pack) is str)
                and all(type(x) is list for x in (decls, rules, facts, dangling))):
            raise _Corrupt("a module of an unexpected shape")
        docs = tuple([self.metadata(d) for d in dangling])
        if any(d is None for d in docs):
            raise _Corrupt("a dangling doc block that is empty")
        return ast.Module(path, tuple([self.decl(d) for d in decls]), tuple([self.rule(r) for r in rules]),
                          tuple([self.fact(f) for f in facts]),
                          docs, pack)  # type: ignore[arg-type]  # None excluded just above


def _decode(data: Any) -> ast.Program:
    paths, spans, modules, decls = data
    decoder = _Decoder(paths, spans)
    if type(modules) is not list or type(decls) is not list:
        raise _Corrupt("a program of an unexpected shape")
    decoded = tuple([decoder.module(m) for m in modules])
    table: dict[str, ast.Decl] = {}
    for predicate, mi, di in decls:
        if not (type(predicate) is str and type(mi) is int and type(di) is int) or mi < 0 or di < 0:
            raise _Corrupt("a declaration reference of an unexpected shape")
        table[predicate] = decoded[mi].decls[di]
    return ast.Program(decoded, table)


def cache_dir() -> Path | None:
    configured = os.environ.get("TMLOGIC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tmlogic"


def program_key(files: Sequence[tuple[str, bytes]], strict: bool, known_ids: KnownIds | str | None) -> str:
    """A digest of everything the checked program depends on: `files` are (shown path, content);
    `known_ids` the ids the metadata is checked against, or a digest that names them."""
    digest = hashlib.sha256(f"tmlogic {__version__} cache {_FORMAT} strict={strict}\n".encode())
    for shown, content in files:
        digest.update(f"{shown}\0{len(content)}\0".encode("utf-8", "surrogateescape"))
        digest.update(content)
    if isinstance(known_ids, str):
        digest.update(f"\nknown ids of {known_ids}".encode())
    elif known_ids is not None:
        for name in ("capec", "cwe", "attack"):
            ids = getattr(known_ids, name)
            digest.update(f"\n{name}:".encode() + ("-" if ids is None else ",".join(sorted(ids))).encode())
        digest.update(json.dumps(sorted(known_ids.retired.items())).encode())
    else:
        digest.update(b"\nno-known-ids")
    return digest.hexdigest()


def _path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"program-{key[:32]}.json"


def read_program(key: str) -> ast.Program | None:
    """The cached program for `key`, or None (missing, stale or corrupt: all the same, a miss)."""
    path = _path(key)
    if path is None:
        return None
    try:
        # Through the guarded reader: a regular file only (not a FIFO or a device planted in the
        # cache folder), size-capped, never quoted; it lies outside the project by design.
        header, _, body = read_text(path, what="program cache", anywhere=True).partition("\n")
        data = json.loads(header)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return _decode(json.loads(body))
    except (FileAccessError, ValueError, TypeError, AttributeError, IndexError, KeyError, _Corrupt,
            RecursionError):
        return None


def write_program(key: str, program: ast.Program, on_error: Callable[[OSError], None] | None = None) -> None:
    """Store `program` under `key`, atomically; a cache that cannot be written is simply not used."""
    path = _path(key)
    if path is None:
        return
    # Line 1: what the file is for; line 2: the program (decoded only when line 1 matches).
    try:
        body = _Encoder().program(program)
    except TypeError:  # a program the format cannot hold: not cached
        return
    text = (json.dumps({"key": key, "tmlogic": __version__}) + "\n"
            + json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    try:
        # Atomic (temporary file, rename), never through a link planted at the destination.
        write_text(path, text, anywhere=True, replace_input=True)  # a stale entry read this run
        olders = sorted(path.parent.glob("program-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in olders[_KEEP:]:
            old.unlink(missing_ok=True)
    except UsageError as exc:  # fileaccess.WriteRefused
        if on_error is not None:
            on_error(OSError(str(exc)))
    except OSError as exc:
        if on_error is not None:
            on_error(exc)
