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

_FORMAT = 3  # 2: modules know their rule pack; 3: positional arrays
_KEEP = 8  # cache files kept (one per rule set and working folder); older ones are removed


class _Corrupt(Exception):
    """The cache file does not decode into a program: treated as a miss."""


# --- the format: positional JSON arrays, one shape per AST class ----------------------------------
#
# Each object is a JSON array of its fields in declaration order; a term or a body literal starts
# with a tag saying which class it is. Source spans are numbers into a table of spans, five
# numbers each, the first a number into a table of paths. Decoding
# is plain json.loads (no object hook) and one small function per class that checks every value's
# type and builds only the AST's own classes: a tampered file can name no other class, and any
# other shape is a corrupt cache.

_VAR, _CONST = 0, 1
_ATOM, _NEGATION, _COMPARISON = 0, 1, 2


def _is_int(v: object) -> bool:
    return type(v) is int


def _is_str(v: object) -> bool:
    return type(v) is str


class _Encoder:
    def __init__(self) -> None:
        self.paths: dict[str, int] = {}
        self.spans: list[int | None] = []  # five values a span: path number, line, col, end line, end col

    def span(self, s: SourceSpan) -> int:
        path = self.paths.setdefault(s.path, len(self.paths))
        self.spans += (path, s.line, s.col, s.end_line, s.end_col)
        return len(self.spans) // 5 - 1

    def term(self, t: ast.Term) -> list[Any]:
        if isinstance(t, ast.Var):
            return [_VAR, t.name, self.span(t.span), t.anonymous]
        return [_CONST, t.value, self.span(t.span)]

    def atom(self, a: ast.Atom) -> list[Any]:
        return [a.predicate, [self.term(t) for t in a.args], self.span(a.span)]

    def literal(self, lit: ast.Literal) -> list[Any]:
        if isinstance(lit, ast.Atom):
            return [_ATOM, self.atom(lit)]
        if isinstance(lit, ast.Negation):
            return [_NEGATION, self.atom(lit.atom), self.span(lit.span)]
        return [_COMPARISON, lit.op, self.term(lit.left), self.term(lit.right), self.span(lit.span)]

    def metadata(self, m: ast.Metadata | None) -> list[Any] | None:
        if m is None:
            return None
        return [[[e.key, e.value, self.span(e.span)] for e in m.entries], self.span(m.span)]

    def rule(self, r: ast.Rule) -> list[Any]:
        return [self.atom(r.head), [self.literal(lit) for lit in r.body], self.span(r.span), r.text,
                self.metadata(r.metadata), r.index]

    def decl(self, d: ast.Decl) -> list[Any]:
        return [d.predicate, [[a.name, a.type] for a in d.args], self.span(d.span), self.metadata(d.doc)]

    def module(self, m: ast.Module) -> list[Any]:
        return [m.path, [self.decl(d) for d in m.decls], [self.rule(r) for r in m.rules],
                [[self.atom(f.atom), self.span(f.span)] for f in m.facts],
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
        self.spans = [SourceSpan(paths[path], line, col, end_line, end_col)
                      for path, line, col, end_line, end_col in zip(values, values, values, values, values)]

    def span(self, v: Any) -> SourceSpan:
        if type(v) is not int or v < 0:
            raise _Corrupt("a span reference that is not a number")
        return self.spans[v]

    def term(self, v: Any) -> ast.Term:
        if v[0] == _VAR and type(v[0]) is int:
            _, name, span, anonymous = v
            if not (_is_str(name) and type(anonymous) is bool):
                raise _Corrupt("a variable of an unexpected shape")
            return ast.Var(name, self.span(span), anonymous)
        _, value, span = v
        if v[0] != _CONST or type(v[0]) is not int or not (_is_str(value) or _is_int(value)):
            raise _Corrupt("a constant of an unexpected shape")
        return ast.Const(value, self.span(span))

    def atom(self, v: Any) -> ast.Atom:
        predicate, args, span = v
        if not (_is_str(predicate) and type(args) is list):
            raise _Corrupt("an atom of an unexpected shape")
        return ast.Atom(predicate, tuple([self.term(t) for t in args]), self.span(span))

    def literal(self, v: Any) -> ast.Literal:
        tag = v[0]
        if type(tag) is not int:
            raise _Corrupt("a literal without its kind")
        if tag == _ATOM:
            _, atom = v
            return self.atom(atom)
        if tag == _NEGATION:
            _, atom, span = v
            return ast.Negation(self.atom(atom), self.span(span))
        _, op, left, right, span = v
        if tag != _COMPARISON or op not in ast.COMPARISON_OPS:
            raise _Corrupt("a comparison of an unexpected shape")
        return ast.Comparison(op, self.term(left), self.term(right), self.span(span))

    def metadata(self, v: Any) -> ast.Metadata | None:
        if v is None:
            return None
        entries, span = v
        out = []
        for key, value, entry_span in entries:
            if not (_is_str(key) and _is_str(value)):
                raise _Corrupt("a metadata entry of an unexpected shape")
            out.append(ast.MetaEntry(key, value, self.span(entry_span)))
        return ast.Metadata(tuple(out), self.span(span))

    def rule(self, v: Any) -> ast.Rule:
        head, body, span, text, metadata, index = v
        if not (type(body) is list and _is_str(text) and _is_int(index)):
            raise _Corrupt("a rule of an unexpected shape")
        return ast.Rule(self.atom(head), tuple([self.literal(lit) for lit in body]), self.span(span), text,
                        self.metadata(metadata), index)

    def decl(self, v: Any) -> ast.Decl:
        predicate, args, span, doc = v
        if not (_is_str(predicate) and type(args) is list):
            raise _Corrupt("a declaration of an unexpected shape")
        decl_args = []
        for name, kind in args:
            if not (_is_str(name) and _is_str(kind)):
                raise _Corrupt("a declared argument of an unexpected shape")
            decl_args.append(ast.DeclArg(name, kind))
        return ast.Decl(predicate, tuple(decl_args), self.span(span), self.metadata(doc))

    def module(self, v: Any) -> ast.Module:
        path, decls, rules, facts, dangling, pack = v
        if not (_is_str(path) and (pack is None or _is_str(pack))
                and all(type(x) is list for x in (decls, rules, facts, dangling))):
            raise _Corrupt("a module of an unexpected shape")
        docs = tuple([self.metadata(d) for d in dangling])
        if any(d is None for d in docs):
            raise _Corrupt("a dangling doc block that is empty")
        return ast.Module(path, tuple([self.decl(d) for d in decls]), tuple([self.rule(r) for r in rules]),
                          tuple([ast.Fact(self.atom(atom), self.span(span)) for atom, span in facts]),
                          docs, pack)  # type: ignore[arg-type]  # None excluded just above


def _decode(data: Any) -> ast.Program:
    paths, spans, modules, decls = data
    decoder = _Decoder(paths, spans)
    if type(modules) is not list or type(decls) is not list:
        raise _Corrupt("a program of an unexpected shape")
    decoded = tuple([decoder.module(m) for m in modules])
    table: dict[str, ast.Decl] = {}
    for predicate, mi, di in decls:
        if not (_is_str(predicate) and _is_int(mi) and _is_int(di)) or mi < 0 or di < 0:
            raise _Corrupt("a declaration reference of an unexpected shape")
        table[predicate] = decoded[mi].decls[di]
    return ast.Program(decoded, table)


def cache_dir() -> Path | None:
    configured = os.environ.get("TMLOGIC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tmlogic"


def program_key(files: Sequence[tuple[str, bytes]], strict: bool, known_ids: KnownIds | None) -> str:
    """A digest of everything the checked program depends on: `files` are (shown path, content)."""
    digest = hashlib.sha256(f"tmlogic {__version__} cache {_FORMAT} strict={strict}\n".encode())
    for shown, content in files:
        digest.update(f"{shown}\0{len(content)}\0".encode("utf-8", "surrogateescape"))
        digest.update(content)
    if known_ids is not None:
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
