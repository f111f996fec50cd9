"""'Did you mean' for technology types and protocols, against the knowledge tables of the rules.

Types and protocols are free text in a model, so an unknown one is no error: rules simply do
not recognise it. A spelling close to one the loaded rules know ("load-balancr", "HTTPSS") is
almost always a typo that silently switches rules off, so it draws a warning with the known
spelling. The known spellings are the constants of the one-argument `*_type` and `*_protocol`
fact tables of the prelude and the loaded packs.
"""

from __future__ import annotations

import difflib
import re

from ._errors import Diagnostic, Level
from .lazy import lazy_pattern
from .logic.language.ast import Const, Program
from .memo import IdentityCache
from .model.schema import Model

__all__ = ["type_hints"]

# Close enough to be a typo, not another word: "load-balancr" (0.96) but not "ci-server" for
# "central-server" (0.70).
_CUTOFF = 0.85


def _known(program: Program, suffix: str) -> set[str]:
    out: set[str] = set()
    for fact in program.facts:
        atom = fact.atom
        if atom.predicate.endswith(suffix) and len(atom.args) == 1 and isinstance(atom.args[0], Const):
            value = atom.args[0].value
            if isinstance(value, str):
                out.add(value)
    return out


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


def _close(word: str, known: tuple[str, ...], key: str) -> str | None:
    for match in difflib.get_close_matches(word, known, n=3, cutoff=_CUTOFF):
        if not _variant(word, match, key):
            return match
    return None


class _Spellings:
    """The known spellings of one program, and the near misses found so far: the live editor asks
    about the same types and protocols after every edit, and difflib is slow."""

    def __init__(self, program: Program) -> None:
        self.known = {"type": _known(program, "_type"), "protocol": _known(program, "_protocol")}
        self.ordered = {key: tuple(sorted(values)) for key, values in self.known.items()}
        self.near: dict[tuple[str, str], str | None] = {}

    def near_miss(self, word: str, key: str) -> str | None:
        if word in self.known[key]:
            return None
        if (word, key) not in self.near:
            if len(self.near) >= 4096:  # every prefix of every word typed in the editor: start over
                self.near.clear()
            self.near[(word, key)] = _close(word, self.ordered[key], key)
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
