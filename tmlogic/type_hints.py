"""'Did you mean' for technology types and protocols, against the knowledge tables of the rules.

Types and protocols are free text in a model, so an unknown one is no error: rules simply do
not recognise it. A spelling close to one the loaded rules know ("load-balancr", "HTTPSS") is
almost always a typo that silently switches rules off, so it draws a warning with the known
spelling. The known spellings are the constants of the one-argument `*_type` and `*_protocol`
fact tables of the prelude and the loaded packs.
"""

from __future__ import annotations

import re
from itertools import groupby, repeat

from ._errors import Diagnostic, Level
from .lazy import lazy_pattern
from .logic.language.ast import Const, Program
from .logic.program.cache import SectionError, derived
from .memo import IdentityCache
from .model.schema import Model

__all__ = ["type_hints"]

# Close enough to be a typo, not another word: "load-balancr" (0.96) but not "ci-server" for
# "central-server" (0.70).
_CUTOFF = 0.85


_KINDS = (("type", "_type"), ("protocol", "_protocol"))  # what a spelling is of, and its tables' suffix


def _known(program: Program) -> list[list[str]]:
    """The known types and the known protocols, each sorted by length, then text: the string
    constants of the one-argument `*_type` and `*_protocol` fact tables, in one pass over the facts."""
    found: list[set[str]] = [set() for _ in _KINDS]
    kinds: dict[str, set[str] | None] = {}  # by predicate: the set its constants go to, or None
    for fact in program.facts:
        atom = fact.atom
        predicate = atom.predicate
        if predicate not in kinds:
            kinds[predicate] = next((out for (_, suffix), out in zip(_KINDS, found) if predicate.endswith(suffix)), None)
        spellings = kinds[predicate]
        if spellings is not None and len(atom.args) == 1 and isinstance(atom.args[0], Const):
            value = atom.args[0].value
            if isinstance(value, str):
                spellings.add(value)
    return [sorted(sorted(values), key=len) for values in found]


def _stored(data: object) -> list[list[str]]:
    """The known spellings as the program cache holds them (what _known returns): lists of distinct
    strings, by length."""
    if type(data) is not list or len(data) != len(_KINDS):
        raise SectionError("known spellings")
    for values in data:
        if type(values) is not list or not set(map(type, values)) <= {str} or len(set(values)) != len(values):
            raise SectionError("known spellings")
        lengths = list(map(len, values))
        if lengths != sorted(lengths):
            raise SectionError("known spellings")
    return data


# A spelling that differs from a known one only by a version (SMB / SMB1, SNMP / SNMPV3) or, for
# protocols, by the S of the TLS variant (RTMPS / RTMP) names another protocol, not a typo of it:
# suggesting SMB1 for SMB would point users at a broken protocol.
_VERSION = lazy_pattern(r"[-_ ]?v?\d+[a-z]?$", re.I)


def _variant(word: str, near: str, key: str) -> bool:
    a, b = word.lower(), near.lower()
    if _VERSION.sub("", a) == _VERSION.sub("", b):
        return True
    short, long = sorted((a, b), key=len)
    return key == "protocol" and long == short + "s" and not short.endswith("s")


def _by_length(spellings: list[str]) -> dict[int, list[str]]:
    """Spellings sorted by length (as _known gives them), grouped by it."""
    return {length: list(group) for length, group in groupby(spellings, len)}


def _reachable(word: str, by_length: dict[int, list[str]]) -> list[str]:
    """The known spellings that can be close matches of `word`: difflib's get_close_matches drops a
    candidate whose real_quick_ratio (from the lengths alone) or quick_ratio (from the characters
    the two share, counted with repeats) is below the cutoff, and only then computes its ratio.
    Both tests are made here, at C speed, on every candidate of a length that passes the first:
    a spelling with f characters that do not occur in `word` shares at most len - f with it, so
    its quick_ratio is at most 2 (len - f) / (len + len(word)). What passes is a superset of what
    difflib keeps, so its answer on these is its answer on them all (about 20 times cheaper:
    hundreds of known types, and difflib's tests are Python loops)."""
    n = len(word)
    absent = dict.fromkeys(map(ord, word))  # str.translate table: delete the word's characters
    out: list[str] = []
    for length, group in by_length.items():
        total = n + length
        if 2.0 * min(n, length) / total < _CUTOFF:  # difflib's _calculate_ratio, as real_quick_ratio does it
            continue
        out += [known for known, foreign in zip(group, map(len, map(str.translate, group, repeat(absent))))
                if 2.0 * (length - foreign) / total >= _CUTOFF]
    return out


def _close(word: str, by_length: dict[int, list[str]], key: str) -> str | None:
    candidates = _reachable(word, by_length)
    if not candidates:
        return None
    import difflib  # here: only a word near a known spelling needs it (some 4.7 M instructions to import)

    for match in difflib.get_close_matches(word, candidates, n=3, cutoff=_CUTOFF):
        if not _variant(word, match, key):
            return match
    return None


class _Spellings:
    """The known spellings of one program, and the near misses found so far: the live editor asks
    about the same types and protocols after every edit, and difflib is slow."""

    def __init__(self, program: Program) -> None:
        # Kept with the program in the cache: the facts of every pack are ~1,500 to go through.
        found = derived(program, "known spellings 1", lambda: _known(program), lambda lists: lists, _stored)
        self.known = {key: set(values) for (key, _), values in zip(_KINDS, found)}
        self.by_length = {key: _by_length(values) for (key, _), values in zip(_KINDS, found)}
        self.near: dict[tuple[str, str], str | None] = {}

    def near_miss(self, word: str, key: str) -> str | None:
        if word in self.known[key]:
            return None
        if (word, key) not in self.near:
            if len(self.near) >= 4096:  # every prefix of every word typed in the editor: start over
                self.near.clear()
            self.near[(word, key)] = _close(word, self.by_length[key], key)
        return self.near[(word, key)]


_SPELLINGS: IdentityCache[Program, _Spellings] = IdentityCache(4)


def type_hints(model: Model, program: Program) -> list[Diagnostic]:
    """A warning for each element type and flow protocol that is a near miss of a known one."""
    spellings = _SPELLINGS.get(program, _Spellings)
    out: list[Diagnostic] = []
    for m in model.all_models():
        checks = [(e, "type", e.type) for e in m.elements] + [(f, "protocol", f.protocol) for f in m.flows]
        for item, key, value in checks:
            near = spellings.near_miss(value, key) if value else None
            if near is not None and value is not None:
                out.append(Diagnostic(Level.WARNING, m.span_of(item, key),
                                      f"no rule knows the {key} '{value}' of '{item.name}'", f"unknown-{key}",
                                      f'did you mean "{near}"? ({key}s are free text; rules match known spellings)'))
    return out
