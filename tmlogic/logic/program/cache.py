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
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from ... import __version__
from ..._errors import SourceSpan, UsageError
from ...fileaccess import FileAccessError, read_text, write_text
from ..language import ast
from ..language.checks import KnownIds

__all__ = ["cache_dir", "program_key", "read_program", "write_program"]

_FORMAT = 2  # 2: modules know their rule pack
_KEEP = 8  # cache files kept (one per rule set and working folder); older ones are removed


Check = Callable[[Any], bool]


def _of(*types: type | None) -> Check:
    allowed = tuple(type(None) if t is None else t for t in types)
    return lambda v: isinstance(v, allowed) and not (isinstance(v, bool) and bool not in allowed)


def _tuple_of(*types: type) -> Check:
    return lambda v: isinstance(v, tuple) and all(isinstance(x, types) for x in v)


_LITERAL = (ast.Atom, ast.Negation, ast.Comparison)
# Every field of every class the cache may hold, with the type its value must have: a decoded
# object of any other shape is a corrupt cache, not a program.
_FIELDS: dict[type, dict[str, Check]] = {
    SourceSpan: {"path": _of(str), "line": _of(int), "col": _of(int), "end_line": _of(int, None),
                 "end_col": _of(int, None)},
    ast.Var: {"name": _of(str), "span": _of(SourceSpan), "anonymous": _of(bool)},
    ast.Const: {"value": _of(str, int), "span": _of(SourceSpan)},
    ast.Atom: {"predicate": _of(str), "args": _tuple_of(ast.Var, ast.Const), "span": _of(SourceSpan)},
    ast.Negation: {"atom": _of(ast.Atom), "span": _of(SourceSpan)},
    ast.Comparison: {"op": lambda v: v in ast.COMPARISON_OPS, "left": _of(ast.Var, ast.Const),
                     "right": _of(ast.Var, ast.Const), "span": _of(SourceSpan)},
    ast.MetaEntry: {"key": _of(str), "value": _of(str), "span": _of(SourceSpan)},
    ast.Metadata: {"entries": _tuple_of(ast.MetaEntry), "span": _of(SourceSpan)},
    ast.Rule: {"head": _of(ast.Atom), "body": _tuple_of(*_LITERAL), "span": _of(SourceSpan), "text": _of(str),
               "metadata": _of(ast.Metadata, None), "index": _of(int)},
    ast.Fact: {"atom": _of(ast.Atom), "span": _of(SourceSpan)},
    ast.DeclArg: {"name": _of(str), "type": _of(str)},
    ast.Decl: {"predicate": _of(str), "args": _tuple_of(ast.DeclArg), "span": _of(SourceSpan),
               "doc": _of(ast.Metadata, None)},
    ast.Module: {"path": _of(str), "decls": _tuple_of(ast.Decl), "rules": _tuple_of(ast.Rule),
                 "facts": _tuple_of(ast.Fact), "dangling_docs": _tuple_of(ast.Metadata), "pack": _of(str, None)},
    ast.Program: {"modules": _tuple_of(ast.Module),
                  "decls": lambda v: isinstance(v, dict) and all(isinstance(d, ast.Decl) for d in v.values())},
}


_CLASSES: dict[str, type] = {cls.__name__: cls for cls in _FIELDS}
_CHECKS: dict[type, list[Check]] = {cls: [spec[f.name] for f in fields(cls)] for cls, spec in _FIELDS.items()}


class _Corrupt(Exception):
    """The cache file does not decode into a program: treated as a miss."""


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


def _encode(value: Any) -> Any:
    """Objects as {"@": class, "v": [field values in declaration order]}, tuples as lists."""
    if is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _CLASSES:
            raise TypeError(f"cannot cache a {name}")
        return {"@": name, "v": [_encode(getattr(value, f.name)) for f in fields(value)]}
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"@": "dict", "v": [[k, _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _object(data: dict[str, Any]) -> Any:
    """json's object_hook: builds each object from its (already decoded) fields, checking their types."""
    name, values = data.get("@"), data.get("v")
    if not isinstance(values, list):
        raise _Corrupt("an object without fields")
    if name == "dict":
        return {str(k): v for k, v in values}
    cls = _CLASSES.get(name)  # type: ignore[arg-type]
    if cls is None:
        raise _Corrupt(f"unknown class {name!r}")
    checks = _CHECKS[cls]
    if len(values) != len(checks):
        raise _Corrupt(f"a {name} with {len(values)} fields")
    arguments = [tuple(v) if type(v) is list else v for v in values]
    for check, value in zip(checks, arguments):
        if not check(value):
            raise _Corrupt(f"a {name} of an unexpected shape")
    return cls(*arguments)


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
        program = json.loads(body, object_hook=_object)
    except (FileAccessError, ValueError, TypeError, AttributeError, _Corrupt, RecursionError):
        return None
    return program if isinstance(program, ast.Program) else None


def write_program(key: str, program: ast.Program, on_error: Callable[[OSError], None] | None = None) -> None:
    """Store `program` under `key`, atomically; a cache that cannot be written is simply not used."""
    path = _path(key)
    if path is None:
        return
    # Line 1: what the file is for; line 2: the program (decoded only when line 1 matches).
    text = (json.dumps({"key": key, "tmlogic": __version__}) + "\n"
            + json.dumps(_encode(program), ensure_ascii=False, separators=(",", ":")))
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
