"""A cache of the checked built-in rule program, so a run does not parse and check ~70 files.

The cache file is two lines of JSON (never pickle: a tampered file must not be able to run code), read
back into AST objects by a decoder that knows only the AST's own classes. It is keyed by the
tmlogic version, the path and content hash of every rule file, the strictness and the knowledge-
base ids the metadata was checked against; on any mismatch, or if the file is missing, unreadable,
corrupt or of an unexpected shape, the program is parsed as if there were no cache (a broken
cache is a miss, never an error). Errors in the rules themselves are never cached: only a program
that passed its checks without warnings is written. A small manifest beside it records the rule
files' stats, so a warm run need not read and hash them to find the key (manifest.py).

Where: $TMLOGIC_CACHE_DIR, else $XDG_CACHE_HOME/tmlogic, else ~/.cache/tmlogic.
TMLOGIC_CACHE_DIR set to an empty string turns the cache off.
"""

from __future__ import annotations

import binascii
import json
import os
import sys
import zlib
from _thread import RLock  # threading's RLock is this one; importing threading is some 6.5 M instructions
from array import array
from collections.abc import Callable, Sequence
from functools import partial
from itertools import accumulate, islice, repeat
from operator import lt
from pathlib import Path

from ... import __version__
from ..._errors import SourceSpan, UsageError
from ...fileaccess import FileAccessError, read_text, write_text
from ...sha256 import sha256
from ...typing_runtime import Any, TypeVar
from ..language import ast
from ..language.checks import KnownIds

__all__ = ["cache_dir", "program_key", "read_program", "write_program", "derived", "SectionError"]

_FORMAT = 9  # 2: modules know their rule pack; 3: positional arrays; 4: flat terms, objects built directly;
# 5: columns, children taken in order, a CRC of the body; 6: numbers packed, names in one table of strings;
# 7: each packed column in the narrowest of 1, 2 or 4 bytes a number; 8: columns of numbers that are never
# negative packed unsigned, which makes them checked by their width; 9: packed columns in hex, not base64
# (binascii decodes hex in half the instructions; the file is a tenth larger)
_KEEP = 8  # cache files kept (one per rule set and working folder); older ones are removed


class _Corrupt(Exception):
    """The cache file does not decode into a program: treated as a miss."""


# --- the format: columns -------------------------------------------------------------------------
#
# The body is one JSON array of flat columns, one column per field of each kind of node; _COLUMNS
# names them in order. A column of numbers is packed: one string, hex of little-endian C ints
# (_pack: a letter naming the width, 1, 2 or 4 bytes, and whether they are signed, then the hex),
# -1 where a field may be None (only those columns may be signed). Names (paths, predicates,
# variables, string constants, metadata keys, declared arguments) are numbers into one table of distinct strings ("strings"),
# so json.loads reads ~3,000 strings and a few dozen packed columns instead of ~100,000 values, and
# equal names are one object; numeric constants are numbers into "numbers" (a JSON array: any
# size). Metadata values and rule texts, mostly distinct, are JSON arrays of strings. Nothing refers
# to a node by number: each parent takes the next n nodes of its kind, n from its own column, so
# the encoder lists each kind in the order the decoder consumes it:
#   spans      one table, in segments: the terms', atoms', negations', comparisons', metadata
#              entries', metadata blocks', rules', facts' and declarations' (path as runs of
#              [path number, count]);
#   terms      the atoms' arguments, atom by atom, then each comparison's left and right;
#   atoms      the rules' heads, then the atoms of the rules' body literals, then the facts';
#   metadata   the rules', then the declarations' docs, then each module's dangling docs;
#   literals, rules, facts, declarations   module by module, in order.
# Decoding is plain json.loads (no object hook), array.array over each packed column (numbers
# only, by construction), and a decoder that checks each JSON column's types, each number against
# its range (a string's number inside the table, counts not negative: unsigned, kinds and flags
# known) and every count against the lengths it must add up to, all in bulk (C-speed: set(), max(),
# and a name's lookup in the table, whose IndexError is a miss),
# and builds only the AST's own classes: a tampered file can name no other class, and any other
# shape is a corrupt cache. The header also holds the CRC-32 of the body: damage that leaves every
# type and count intact (a digit of a line number) is caught there, not shown in a report. A CRC
# detects damage, not tampering; nothing can, against a writer of the cache folder, and a file
# that passes both checks still only ever builds the AST's classes.

_VAR, _ANONYMOUS, _CONST, _NUMBER = 0, 1, 2, 3  # a constant: a string (_CONST) or a number (_NUMBER); the
# decoder takes each term's value from the table its kind names, in this order
_ATOM, _NEGATION, _COMPARISON = 0, 1, 2
_COLUMNS = ("strings", "paths", "span paths", "span lines", "span cols", "span end lines", "span end cols",
            "term kinds", "term values", "numbers", "atom predicates", "atom arities", "literal tags",
            "comparison ops", "metadata sizes", "metadata keys", "metadata values",
            "rule body sizes", "rule texts", "rule has metadata", "rule indexes",
            "decl predicates", "decl arities", "decl args", "decl has doc",
            "module paths", "module packs", "module sizes", "program decls")
# The columns that are JSON arrays; every other one is packed (_pack). Of those, the ones whose
# numbers name a string of "strings" (-1: None, where a field may be None).
_JSON_COLUMNS = frozenset({"strings", "numbers", "metadata values", "rule texts"})
_STRING_COLUMNS = frozenset({"paths", "atom predicates", "comparison ops", "metadata keys", "decl predicates",
                             "decl args", "module paths", "module packs"})
_LITTLE = sys.byteorder == "little"
_UNSIGNED = frozenset("BHI")  # array's unsigned C char, short and int: 1, 2 and 4 bytes
_WIDTHS = _UNSIGNED | frozenset("bhi")  # and the signed ones
# The columns that may hold -1 (None), and so may be signed; every other packed column is unsigned.
_OPTIONAL_COLUMNS = frozenset({"span end lines", "span end cols", "module packs"})
# in the key: a cache folder shared with another kind of machine misses
_LAYOUT = f"i{array('i').itemsize}h{array('h').itemsize}I{array('I').itemsize}H{array('H').itemsize}"


def _pack(numbers: list[int]) -> str:
    """A column of numbers as hex of little-endian C ints, as narrow as its numbers allow (most
    columns fit one byte a number; lines and names two), and unsigned unless a number is negative,
    after a letter that names the width: json.loads reads one string instead of ~100,000 numbers,
    and array turns it back into a list in C. OverflowError for a number that does not fit (the
    program is then not cached)."""
    low, high = (min(numbers), max(numbers)) if numbers else (0, 0)
    if low >= 0:
        width = "B" if high < 256 else "H" if high < 65536 else "I"
    else:
        width = "b" if -128 <= low and high < 128 else "h" if -32768 <= low and high < 32768 else "i"
    packed = array(width, numbers)
    if not _LITTLE:
        packed.byteswap()
    return width + packed.tobytes().hex()


def _unpack(text: Any, what: str) -> list[int]:
    if type(text) is not str or text[:1] not in _WIDTHS:
        raise _Corrupt(f"a column of {what} of an unexpected shape")
    try:
        packed = array(text[0], binascii.a2b_hex(text[1:]))
    except ValueError:  # not hex (binascii.Error), or not a whole number of ints
        raise _Corrupt(f"a column of {what} that is not packed numbers") from None
    if not _LITTLE:
        packed.byteswap()
    return packed.tolist()


def _encode(p: ast.Program) -> list[Any]:
    """The program's columns; TypeError (or OverflowError) for a program the format cannot hold
    (then not cached)."""
    modules = p.modules
    rules = [r for m in modules for r in m.rules]
    literals = [lit for r in rules for lit in r.body]
    facts = [f for m in modules for f in m.facts]
    decls = [d for m in modules for d in m.decls]
    tags = []
    negations: list[ast.Negation] = []
    comparisons: list[ast.Comparison] = []
    body_atoms: list[ast.Atom] = []
    for lit in literals:
        kind = type(lit)
        if kind is ast.Atom:
            tags.append(_ATOM)
            body_atoms.append(lit)  # type: ignore[arg-type]
        elif kind is ast.Negation:
            tags.append(_NEGATION)
            negations.append(lit)  # type: ignore[arg-type]
            body_atoms.append(lit.atom)  # type: ignore[union-attr]
        elif kind is ast.Comparison:
            tags.append(_COMPARISON)
            comparisons.append(lit)  # type: ignore[arg-type]
        else:
            raise TypeError(f"a literal of type {kind.__name__}")
    strings: dict[str, int] = {}

    def named(values: list[Any]) -> list[int]:
        out = []
        for v in values:
            if v is None:
                out.append(-1)
            elif type(v) is str:
                out.append(strings.setdefault(v, len(strings)))
            else:
                raise TypeError(f"a name of type {type(v).__name__}")
        return out

    atoms = [r.head for r in rules] + body_atoms + [f.atom for f in facts]
    terms = [t for a in atoms for t in a.args] + [t for c in comparisons for t in (c.left, c.right)]
    kinds = []
    values: list[int] = []
    numbers: list[int] = []
    for t in terms:
        if type(t) is ast.Var:
            kinds.append(_ANONYMOUS if t.anonymous else _VAR)
            values += named([t.name])
        elif type(t) is ast.Const and type(t.value) is int:
            kinds.append(_NUMBER)
            values.append(len(numbers))
            numbers.append(t.value)
        elif type(t) is ast.Const:
            kinds.append(_CONST)
            values += named([t.value])
        else:
            raise TypeError(f"a term of type {type(t).__name__}")
    metas = ([r.metadata for r in rules if r.metadata is not None] + [d.doc for d in decls if d.doc is not None]
             + [doc for m in modules for doc in m.dangling_docs])
    entries = [e for m in metas for e in m.entries]
    spans = ([t.span for t in terms] + [a.span for a in atoms] + [n.span for n in negations]
             + [c.span for c in comparisons] + [e.span for e in entries] + [m.span for m in metas]
             + [r.span for r in rules] + [f.span for f in facts] + [d.span for d in decls])
    paths: dict[str, int] = {}
    runs: list[int] = []  # [path number, count, ...]
    for s in spans:
        number = paths.setdefault(s.path, len(paths))
        if runs and runs[-2] == number:
            runs[-1] += 1
        else:
            runs += (number, 1)
    # The declarations table holds the modules' own Decl objects: stored as (module, position).
    where = {id(d): (mi, di) for mi, m in enumerate(modules) for di, d in enumerate(m.decls)}
    table: list[int] = []
    for predicate, d in p.decls.items():
        if id(d) not in where:
            raise TypeError(f"the declaration of {predicate} is in no module")
        table += (*named([predicate]), *where[id(d)])
    columns: dict[str, Any] = {
        "paths": named(list(paths)), "span paths": runs, "span lines": [s.line for s in spans],
        "span cols": [s.col for s in spans],
        "span end lines": [-1 if s.end_line is None else s.end_line for s in spans],
        "span end cols": [-1 if s.end_col is None else s.end_col for s in spans],
        "term kinds": kinds, "term values": values, "numbers": numbers,
        "atom predicates": named([a.predicate for a in atoms]), "atom arities": [len(a.args) for a in atoms],
        "literal tags": tags, "comparison ops": named([c.op for c in comparisons]),
        "metadata sizes": [len(m.entries) for m in metas], "metadata keys": named([e.key for e in entries]),
        "metadata values": [e.value for e in entries], "rule body sizes": [len(r.body) for r in rules],
        "rule texts": [r.text for r in rules], "rule has metadata": [0 if r.metadata is None else 1 for r in rules],
        "rule indexes": [r.index for r in rules], "decl predicates": named([d.predicate for d in decls]),
        "decl arities": [len(d.args) for d in decls],
        "decl args": named([x for d in decls for a in d.args for x in (a.name, a.type)]),
        "decl has doc": [0 if d.doc is None else 1 for d in decls], "module paths": named([m.path for m in modules]),
        "module packs": named([m.pack for m in modules]),
        "module sizes": [n for m in modules for n in (len(m.decls), len(m.rules), len(m.facts), len(m.dangling_docs))],
        "program decls": table}
    if -1 in columns["paths"] + columns["atom predicates"] + columns["decl predicates"] + columns["module paths"]:
        raise TypeError("a name that is None")
    for name, numbers in columns.items():  # packed unsigned: the decoder takes a signed one for damage
        if name not in _JSON_COLUMNS and name not in _OPTIONAL_COLUMNS and numbers and min(numbers) < 0:
            raise TypeError(f"a negative number among the {name}")
    columns["strings"] = list(strings)
    return [columns[name] if name in _JSON_COLUMNS else _pack(columns[name]) for name in _COLUMNS]


# The decoder builds each object the way its dataclass's own __init__ would (the same fields, in
# declaration order, into the instance's __dict__), without calling it: a frozen dataclass's
# __init__ sets each field through object.__setattr__, about three times the cost of the object
# itself (some 2,500 instructions). Of the ~19,500 objects of the built-in program a warm run
# builds about 11,000: most spans, the declarations, a third of the rule bodies and the Fact
# objects are built only if read (ast.SPAN_ROW, ast.DECLS_FROM, ast.BODY_FROM, ast.FACTS_FROM;
# the facts are read as rows, ast.Module.fact_rows). These AST classes
# and SourceSpan are plain frozen dataclasses (no __slots__, no __post_init__);
# tests/test_program_cache.py holds the decoded program equal to the parsed one and checks those
# two conditions.
_new = object.__new__
_Span, _Var, _Const, _Atom, _Negation, _Comparison = SourceSpan, ast.Var, ast.Const, ast.Atom, ast.Negation, ast.Comparison
_Entry, _Metadata, _Rule, _Fact, _Decl = ast.MetaEntry, ast.Metadata, ast.Rule, ast.Fact, ast.Decl
_ROW, _FROM = ast.SPAN_ROW, ast.DECLS_FROM
_BODY_FROM, _FACTS_FROM, _FACT_ROWS = ast.BODY_FROM, ast.FACTS_FROM, ast.FACT_ROWS
_Module, _Program = ast.Module, ast.Program
_OPS = frozenset(ast.COMPARISON_OPS)
_Types = frozenset[type]
_STR: _Types = frozenset({str})
_INT: _Types = frozenset({int})


def _spans(rows: list[tuple[Any, ...]]) -> list[SourceSpan]:
    """The spans of `rows`, built now: those a warm run reads."""
    spans: list[SourceSpan] = []
    add = spans.append
    for path, line, col, end_line, end_col in rows:
        s = _new(_Span)
        d = s.__dict__
        d["path"] = path
        d["line"] = line
        d["col"] = col
        d["end_line"] = end_line
        d["end_col"] = end_col
        add(s)
    return spans


def _column(v: Any, types: _Types, what: str) -> list[Any]:
    if type(v) is not list or not set(map(type, v)) <= types:
        raise _Corrupt(f"a column of {what} of an unexpected shape")
    return v


def _flags(v: list[int], what: str) -> list[int]:
    if not set(v) <= {0, 1}:
        raise _Corrupt(f"a column of {what} that holds more than 0 and 1")
    return v


_NONE = {-1: None}.get  # n -> None for -1, else n: _NONE(n, n)


def _decode(data: Any) -> ast.Program:  # noqa: C901 (one pass per kind of node, in order)
    if type(data) is not list or len(data) != len(_COLUMNS):
        raise _Corrupt("a program of an unexpected shape")
    column: dict[str, Any] = {}
    strings: list[Any] = _column(data[0], _STR, "strings")
    names = strings + [None]  # -1 names None
    for name, v in zip(_COLUMNS, data):
        if name in _JSON_COLUMNS:
            column[name] = v
            continue
        signed = type(v) is str and v[:1] not in _UNSIGNED
        v = _unpack(v, name)
        if signed:  # numbers below 0: -1 (None), where a field may be None
            if name not in _OPTIONAL_COLUMNS or (v and min(v) < -1):
                raise _Corrupt(f"a negative number among the {name}")
            if name in _STRING_COLUMNS and v and max(v) >= len(strings):
                raise _Corrupt(f"a column of {name} that names no string")
            v = list(map(names.__getitem__, v)) if name in _STRING_COLUMNS else list(map(_NONE, v, v))
        elif name in _STRING_COLUMNS:
            v = [strings[i] for i in v]  # past the table: an IndexError, a miss
        column[name] = v
    (_, paths, runs, lines, cols, end_lines, end_cols, kinds, values, numbers, predicates, arities, tags, ops,
     meta_sizes, meta_keys, meta_values, body_sizes, texts, has_meta, indexes,
     decl_predicates, decl_arities, decl_args, has_doc, module_paths, module_packs, module_sizes, table) = \
        [column[name] for name in _COLUMNS]
    if not set(kinds) <= {_VAR, _ANONYMOUS, _CONST, _NUMBER}:
        raise _Corrupt("an unknown kind of term")
    _column(numbers, _INT, "numbers")
    # A number's value is its place in `numbers`, any other term's a string's: out of range, an IndexError.
    tables = [strings, strings, strings, numbers]  # by kind: _VAR, _ANONYMOUS, _CONST, _NUMBER
    values = [tables[kind][value] for kind, value in zip(kinds, values)]
    if not set(tags) <= {_ATOM, _NEGATION, _COMPARISON}:
        raise _Corrupt("an unknown kind of literal")
    if not set(ops) <= _OPS:
        raise _Corrupt("an unknown comparison operator")
    _column(meta_values, _STR, "metadata values")
    _column(texts, _STR, "rule texts")
    _flags(has_meta, "rule metadata flags")
    _flags(has_doc, "declaration doc flags")

    # Every count against what it must add up to: then each parent below finds its children.
    n_rules, n_decls, n_literals, n_modules = len(body_sizes), len(decl_predicates), len(tags), len(module_paths)
    n_comparisons = tags.count(_COMPARISON)
    n_negations = tags.count(_NEGATION)
    n_facts = sum(module_sizes[2::4])
    n_body_atoms = n_literals - n_comparisons
    n_atoms = n_rules + n_body_atoms + n_facts
    n_atom_terms = sum(arities)
    n_metas = len(meta_sizes)
    n_entries = len(meta_keys)
    n_spans = len(lines)
    if not (len(module_sizes) == 4 * n_modules == 4 * len(module_packs)
            and sum(module_sizes[0::4]) == n_decls and sum(module_sizes[1::4]) == n_rules
            and len(predicates) == n_atoms and len(kinds) == len(values) == n_atom_terms + 2 * n_comparisons
            and len(ops) == n_comparisons and sum(body_sizes) == n_literals
            and len(texts) == len(has_meta) == len(indexes) == n_rules
            and len(decl_arities) == len(has_doc) == n_decls and len(decl_args) == 2 * sum(decl_arities)
            and n_metas == sum(has_meta) + sum(has_doc) + sum(module_sizes[3::4])
            and sum(meta_sizes) == n_entries == len(meta_values)
            and len(cols) == len(end_lines) == len(end_cols) == n_spans == sum(runs[1::2])
            and n_spans == (len(kinds) + n_atoms + n_negations + n_comparisons + n_entries + n_metas + n_rules
                            + n_facts + n_decls)
            and len(runs) % 2 == 0 and len(table) % 3 == 0):
        raise _Corrupt("counts that do not add up")
    if runs and max(runs[0::2]) >= len(paths):
        raise _Corrupt("a span in no known file")
    if table and max(table[0::3]) >= len(strings):
        raise _Corrupt("a declaration of no known predicate")
    # The table is read only when the declarations are (build_decls below): checked now, while a
    # damaged file can still be a miss. A module past the last: an IndexError.
    if table and not all(map(lt, table[2::3], map(module_sizes[0::4].__getitem__, table[1::3]))):
        raise _Corrupt("a declaration past its module's")

    # Where each atom's terms start (the atoms' arguments, atom by atom); a fact's are constants.
    term_starts = list(accumulate(arities, initial=0))
    first_fact_atom = n_rules + n_body_atoms
    if not set(kinds[term_starts[first_fact_atom]:n_atom_terms]) <= {_CONST, _NUMBER}:
        raise _Corrupt("a fact with a variable")

    span_paths: list[str] = []
    for number, count in zip(runs[0::2], runs[1::2]):
        span_paths += repeat(paths[number], count)
    # Each span as a row of its fields, made in C: most nodes keep only the row (ast.SPAN_ROW) and
    # build their span if it is ever read; facts' spans, which a warm run reads, are built here.
    rows = list(zip(span_paths, lines, cols, end_lines, end_cols))
    at = 0

    def segment(n: int) -> list[tuple[Any, ...]]:
        nonlocal at
        at += n
        return rows[at - n:at]

    nodes = _Nodes(kinds, values, segment(len(kinds)), predicates, arities, term_starts, segment(n_atoms), tags, ops,
                   segment(n_negations), segment(n_comparisons), body_sizes, n_rules, n_atom_terms)
    # The metadata blocks: the rules', then the declarations' docs, then the modules' dangling docs,
    # each taking the next n entries; the declarations' are built with the declarations.
    entry_rows, meta_rows = segment(n_entries), segment(n_metas)
    n_rule_metas, n_docs = sum(has_meta), sum(has_doc)
    doc_entries = sum(meta_sizes[:n_rule_metas])
    dangling_entries = doc_entries + sum(meta_sizes[n_rule_metas:n_rule_metas + n_docs])

    def metadata(first: int, last: int, first_entry: int, last_entry: int) -> list[ast.Metadata]:
        return _metadata(meta_sizes[first:last], meta_keys[first_entry:last_entry],
                         meta_values[first_entry:last_entry], entry_rows[first_entry:last_entry],
                         meta_rows[first:last])

    next_meta = iter(metadata(0, n_rule_metas, 0, doc_entries)).__next__
    rules: list[ast.Rule] = []
    add = rules.append
    body_of = nodes.body_of
    for n, head, row, text, flag, index in zip(range(n_rules), nodes.atoms(0, n_rules), segment(n_rules), texts,
                                               has_meta, indexes):
        r = _new(_Rule)
        d = r.__dict__
        d["head"] = head
        d[_BODY_FROM] = partial(body_of, n)
        d[_ROW] = row
        d["text"] = text
        d["metadata"] = next_meta() if flag else None
        d["index"] = index
        add(r)
    # The facts as rows, (predicate, arguments, span), made in C but for the spans: what the engine
    # and the prover read of them (ast.Module.fact_rows); a module's Fact objects are built when
    # its `facts` is first read (ast.FACTS_FROM).
    first_fact_term = term_starts[first_fact_atom]
    fact_values = iter(values[first_fact_term:n_atom_terms])
    fact_args = list(map(tuple, map(islice, repeat(fact_values), arities[first_fact_atom:])))
    fact_rows = list(zip(predicates[first_fact_atom:], fact_args, _spans(segment(n_facts))))
    decl_rows = segment(n_decls)
    next_meta = iter(metadata(n_rule_metas + n_docs, n_metas, dangling_entries, n_entries)).__next__
    modules: list[ast.Module] = []
    add_module = modules.append
    counts = iter(module_sizes)
    j = k = 0
    facts_of = nodes.facts_of
    for path, pack, _n_decl, n_rule, n_fact, n_doc in zip(module_paths, module_packs, counts, counts, counts, counts):
        m = _new(_Module)
        d = m.__dict__
        d["path"] = path
        d["rules"] = tuple(rules[j:j + n_rule])
        d[_FACTS_FROM] = partial(facts_of, first_fact_atom + k, first_fact_atom + k + n_fact)
        d[_FACT_ROWS] = fact_rows[k:k + n_fact]
        d["dangling_docs"] = tuple([next_meta() for _ in range(n_doc)])
        d["pack"] = pack
        j += n_rule
        k += n_fact
        add_module(m)
    program = _new(_Program)
    program.__dict__["modules"] = tuple(modules)

    decl_counts = module_sizes[0::4]
    shared: dict[tuple[str, str], ast.DeclArg] = {}  # equal arguments are one object (they hold no span)

    def module_decls(i: int) -> tuple[ast.Decl, ...]:
        """Module i's declarations, with their docs (the next n of the declarations' docs)."""
        first = sum(decl_counts[:i])
        last = first + decl_counts[i]
        first_arg = 2 * sum(decl_arities[:first])
        first_doc = n_rule_metas + sum(has_doc[:first])
        last_doc = first_doc + sum(has_doc[first:last])
        first_entry = doc_entries + sum(meta_sizes[n_rule_metas:first_doc])
        last_entry = first_entry + sum(meta_sizes[first_doc:last_doc])
        docs = iter(metadata(first_doc, last_doc, first_entry, last_entry)).__next__
        return tuple(_decls(decl_predicates[first:last], decl_arities[first:last],
                            decl_args[first_arg:first_arg + 2 * sum(decl_arities[first:last])],
                            decl_rows[first:last], has_doc[first:last], docs, shared))

    def program_decls(module: Callable[[int], tuple[ast.Decl, ...]]) -> dict[str, ast.Decl]:
        return {strings[predicate]: module(mi)[di] for predicate, mi, di in zip(table[0::3], table[1::3], table[2::3])}

    pending = _Declarations(module_decls, program_decls)
    for i, m in enumerate(modules):
        m.__dict__[_FROM] = partial(pending.of_module, i)
    program.__dict__[_FROM] = pending.of_program
    return program


class _Nodes:
    """The terms, atoms and rule bodies of a decoded program, each built when first read: a warm
    run reads the heads of all rules but the bodies of about two thirds (the strata it evaluates,
    the threat rules it proves), and the facts only as rows (ast.Module.fact_rows). A rule keeps
    `partial(body_of, n)` under ast.BODY_FROM, a module `partial(facts_of, first, last)` under
    ast.FACTS_FROM. Holds the decoded columns, which the decoder checked up front (so building
    never fails), and refers to no node: no reference cycle keeps a program alive for the collector.
    Each call builds a run of consecutive atoms, with all their terms in one pass: an object costs
    about 2,500 instructions, a Python call about as much."""

    __slots__ = ("_kinds", "_values", "_term_rows", "_predicates", "_arities", "_term_starts", "_atom_rows",
                 "_tags", "_ops", "_negation_rows", "_comparison_rows", "_literal_starts", "_atoms_before",
                 "_negations_before", "_n_rules", "_n_atom_terms")

    def __init__(self, kinds: list[int], values: list[Any], term_rows: list[tuple[Any, ...]], predicates: list[str],
                 arities: list[int], term_starts: list[int], atom_rows: list[tuple[Any, ...]], tags: list[int],
                 ops: list[str], negation_rows: list[tuple[Any, ...]], comparison_rows: list[tuple[Any, ...]],
                 body_sizes: list[int], n_rules: int, n_atom_terms: int) -> None:
        self._kinds, self._values, self._term_rows = kinds, values, term_rows
        self._predicates, self._arities, self._term_starts, self._atom_rows = predicates, arities, term_starts, atom_rows
        self._tags, self._ops, self._negation_rows, self._comparison_rows = tags, ops, negation_rows, comparison_rows
        # where each rule's literals start, and how many body atoms and negations come before each literal
        self._literal_starts = list(accumulate(body_sizes, initial=0))
        self._atoms_before = list(accumulate(map(_COMPARISON.__ne__, tags), initial=0))
        self._negations_before = list(accumulate(map(_NEGATION.__eq__, tags), initial=0))
        self._n_rules, self._n_atom_terms = n_rules, n_atom_terms

    def _terms(self, first: int, last: int) -> list[ast.Term]:
        terms: list[ast.Term] = []
        add: Any = terms.append
        for kind, value, row in zip(self._kinds[first:last], self._values[first:last], self._term_rows[first:last]):
            t: Any
            if kind >= _CONST:
                t = _new(_Const)
                d = t.__dict__
                d["value"] = value
                d[_ROW] = row
            else:
                t = _new(_Var)
                d = t.__dict__
                d["name"] = value
                d[_ROW] = row
                d["anonymous"] = kind == _ANONYMOUS
            add(t)
        return terms

    def atoms(self, first: int, last: int) -> list[ast.Atom]:
        """Atoms `first` to `last`: the rules' heads, then the body atoms, then the facts'."""
        starts = self._term_starts
        terms = iter(self._terms(starts[first], starts[last]))
        atoms: list[ast.Atom] = []
        add = atoms.append
        for predicate, args, row in zip(self._predicates[first:last],
                                        map(tuple, map(islice, repeat(terms), self._arities[first:last])),
                                        self._atom_rows[first:last]):
            a = _new(_Atom)
            d = a.__dict__
            d["predicate"] = predicate
            d["args"] = args
            d[_ROW] = row
            add(a)
        return atoms

    def body_of(self, n: int, rule: ast.Rule) -> None:
        """Stores rule `n`'s body (ast.BODY_FROM); a read on another thread meanwhile keeps its own.
        Its atoms and their terms are built in one call of `atoms` (a call per atom cost twice the objects)."""
        first, last = self._literal_starts[n], self._literal_starts[n + 1]
        body_atom, last_atom = self._atoms_before[first], self._atoms_before[last]
        negation = self._negations_before[first]
        comparison = first - body_atom
        first_atom, last_atom = self._n_rules + body_atom, self._n_rules + last_atom
        atoms = self.atoms(first_atom, last_atom)
        next_atom = iter(atoms).__next__
        literals: list[Any] = []
        add = literals.append
        for tag in self._tags[first:last]:
            if tag == _ATOM:
                add(next_atom())
            elif tag == _NEGATION:
                g = _new(_Negation)
                d = g.__dict__
                d["atom"] = next_atom()
                d[_ROW] = self._negation_rows[negation]
                negation += 1
                add(g)
            else:
                c = _new(_Comparison)
                d = c.__dict__
                d["op"] = self._ops[comparison]
                left = self._n_atom_terms + 2 * comparison
                d["left"], d["right"] = self._terms(left, left + 2)
                d[_ROW] = self._comparison_rows[comparison]
                comparison += 1
                add(c)
        d = rule.__dict__
        d.setdefault("body", tuple(literals))
        d.pop(_BODY_FROM, None)

    def facts_of(self, first: int, last: int, module: ast.Module) -> None:
        """Stores the module's Fact objects, of atoms `first` to `last`, their spans those of its
        fact rows (ast.FACTS_FROM)."""
        d = module.__dict__
        facts: list[ast.Fact] = []
        add = facts.append
        for atom, (_, _, span) in zip(self.atoms(first, last), d.get(_FACT_ROWS, ())):
            f = _new(_Fact)
            fd = f.__dict__
            fd["atom"] = atom
            fd["span"] = span
            add(f)
        d.setdefault("facts", tuple(facts))
        d.pop(_FACTS_FROM, None)
        d.pop(_FACT_ROWS, None)


class _Declarations:
    """A decoded program's declarations, each module's built when it or the program's table is
    first read (ast.DECLS_FROM), once: the table holds the modules' own Decl objects. It refers to
    no node (nodes refer to it): no reference cycle keeps a program alive for the collector."""

    def __init__(self, module: Callable[[int], tuple[ast.Decl, ...]],
                 table: Callable[[Callable[[int], tuple[ast.Decl, ...]]], dict[str, ast.Decl]]) -> None:
        self._module = module
        self._table_of = table
        self._modules: dict[int, tuple[ast.Decl, ...]] = {}
        self._table: dict[str, ast.Decl] | None = None
        self._lock = RLock()  # a read on another thread waits for the same objects

    def _of(self, i: int) -> tuple[ast.Decl, ...]:
        with self._lock:
            decls = self._modules.get(i)
            if decls is None:
                decls = self._modules[i] = self._module(i)
            return decls

    def of_module(self, i: int, module: ast.Module) -> None:
        d = module.__dict__
        d["decls"] = self._of(i)
        d.pop(_FROM, None)

    def of_program(self, program: ast.Program) -> None:
        with self._lock:
            if self._table is None:
                self._table = self._table_of(self._of)
        d = program.__dict__
        d["decls"] = self._table
        d.pop(_FROM, None)


def _metadata(sizes: list[int], keys: list[str], values: list[str], entry_rows: list[tuple[Any, ...]],
              rows: list[tuple[Any, ...]]) -> list[ast.Metadata]:
    """Metadata blocks, each taking the next `size` entries."""
    entries: list[ast.MetaEntry] = []
    add: Any = entries.append
    for key, value, row in zip(keys, values, entry_rows):
        e = _new(_Entry)
        d = e.__dict__
        d["key"] = key
        d["value"] = value
        d[_ROW] = row
        add(e)
    metas: list[ast.Metadata] = []
    add = metas.append
    start = 0
    for size, row in zip(sizes, rows):
        m = _new(_Metadata)
        d = m.__dict__
        d["entries"] = tuple(entries[start:start + size])
        d[_ROW] = row
        start += size
        add(m)
    return metas


def _decls(predicates: list[str], arities: list[int], flat_args: list[str], rows: list[tuple[Any, ...]],
           has_doc: list[int], next_doc: Callable[[], ast.Metadata],
           shared: dict[tuple[str, str], ast.DeclArg]) -> list[ast.Decl]:
    """Declarations, each taking the next `arity` (name, type) pairs of `flat_args` (equal ones are
    one object, kept in `shared`) and, if it has one, the next doc."""
    decls: list[ast.Decl] = []
    add = decls.append
    start = 0
    for predicate, arity, row, flag in zip(predicates, arities, rows, has_doc):
        args = []
        flat = flat_args[start:start + 2 * arity]
        start += 2 * arity
        for name, kind in zip(flat[0::2], flat[1::2]):
            arg = shared.get((name, kind))
            if arg is None:
                arg = shared[(name, kind)] = ast.DeclArg(name, kind)
            args.append(arg)
        g = _new(_Decl)
        d = g.__dict__
        d["predicate"] = predicate
        d["args"] = tuple(args)
        d[_ROW] = row
        d["doc"] = next_doc() if flag else None
        add(g)
    return decls


def cache_dir() -> Path | None:
    configured = os.environ.get("TMLOGIC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tmlogic"


def program_key(files: Sequence[tuple[str, bytes]], strict: bool, known_ids: KnownIds | str | None) -> str:
    """A digest of everything the checked program depends on: `files` are (shown path, content);
    `known_ids` the ids the metadata is checked against, or a digest that names them."""
    digest = sha256(f"tmlogic {__version__} cache {_FORMAT} {_LAYOUT} strict={strict}\n".encode())
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


def _crc(body: str) -> int:
    return zlib.crc32(body.encode("utf-8", "surrogatepass"))


def read_program(key: str) -> ast.Program | None:
    """The cached program for `key`, or None (missing, stale or corrupt: all the same, a miss)."""
    path = _path(key)
    if path is None:
        return None
    try:
        # Through the guarded reader: a regular file only (not a FIFO or a device planted in the
        # cache folder), size-capped, never quoted; it lies outside the project by design.
        header, _, rest = read_text(path, what="program cache", anywhere=True).partition("\n")
        data = json.loads(header)
        if not isinstance(data, dict) or data.get("key") != key or data.get("crc") != _crc(rest):
            return None
        body, _, extra = rest.partition("\n")
        program = _decode(json.loads(body))
        sections = json.loads(extra) if extra else {}
    except (FileAccessError, ValueError, TypeError, AttributeError, IndexError, KeyError, StopIteration, _Corrupt,
            RecursionError):
        return None
    _remember(program, key, body, sections if type(sections) is dict else {})
    return program


def write_program(key: str, program: ast.Program, on_error: Callable[[OSError], None] | None = None) -> None:
    """Store `program` under `key`, atomically; a cache that cannot be written is simply not used."""
    path = _path(key)
    if path is None:
        return
    try:
        body = json.dumps(_encode(program), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, OverflowError):  # a program the format cannot hold: not cached
        return
    if _store(path, key, body, {}, on_error):
        _remember(program, key, body, {})


def _store(path: Path, key: str, body: str, sections: dict[str, Any],
           on_error: Callable[[OSError], None] | None = None) -> bool:
    # Line 1: what the file is for and the CRC of the rest; line 2: the program (decoded only when
    # line 1 matches); line 3, if any: the derived sections (`derived`), one JSON object.
    rest = body + "\n" + json.dumps(sections, ensure_ascii=False, separators=(",", ":")) if sections else body
    text = json.dumps({"key": key, "tmlogic": __version__, "crc": _crc(rest)}) + "\n" + rest
    try:
        # Atomic (temporary file, rename), never through a link planted at the destination.
        write_text(path, text, anywhere=True, replace_input=True)  # a stale entry read this run
        olders = sorted(path.parent.glob("program-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in olders[_KEEP:]:
            old.unlink(missing_ok=True)
        return True
    except UsageError as exc:  # fileaccess.WriteRefused
        if on_error is not None:
            on_error(OSError(str(exc)))
    except OSError as exc:
        if on_error is not None:
            on_error(exc)
    return False


# --- derived sections ------------------------------------------------------------------------------
#
# What later stages compute from the program alone (the native engine's strata, the threat rules'
# id variables) is kept in the program's cache file beside it, as plain JSON data: a process that
# read the program from the cache reads these too instead of computing them. Each section is
# named by its user, with a version the user changes with the code that computes it; its data is
# checked by the user's own decoder, and anything that does not decode is computed again and the
# section rewritten. The programs this process read from, or wrote to, the cache, each with its
# key, body and sections (a few: the live editor may reload its rules):
_KNOWN: dict[int, tuple[ast.Program, str, str, dict[str, Any]]] = {}
_KNOWN_MAX = 4

T = TypeVar("T")


def _remember(program: ast.Program, key: str, body: str, sections: dict[str, Any]) -> None:
    while len(_KNOWN) >= _KNOWN_MAX:
        del _KNOWN[next(iter(_KNOWN))]
    _KNOWN[id(program)] = (program, key, body, sections)


class SectionError(ValueError):
    """A derived section of an unexpected shape (raised by a section's decoder): computed again."""


def derived(program: ast.Program, name: str, compute: Callable[[], T], encode: Callable[[T], Any],
            decode: Callable[[Any], T]) -> T:
    """`compute()`, or what `decode` makes of the section `name` stored with `program` in the cache.

    For a program not read from or written to the cache (rule packs given with --rules, rules
    selected by policy, no cache folder) this is `compute()`. Otherwise a missing section, or one
    `decode` rejects (SectionError, or the TypeError, IndexError, KeyError or ValueError of data of
    the wrong shape), is computed and `encode`d (plain JSON data), and the cache file rewritten
    with it, atomically; a file that cannot be rewritten is simply not used."""
    known = _KNOWN.get(id(program))
    if known is None or known[0] is not program:
        return compute()
    _, key, body, sections = known
    if name in sections:
        try:
            return decode(sections[name])
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError):
            pass
    value = compute()
    try:
        data = encode(value)
        json.dumps(data)  # plain data only
    except (TypeError, ValueError):
        return value
    path = _path(key)
    if path is not None:
        sections[name] = data
        _store(path, key, body, sections)
    return value
