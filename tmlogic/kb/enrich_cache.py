"""A cache of each threat rule's MITRE enrichment and chain, so a run does not load the knowledge
base and run the enrichment program for rules it has enriched before.

A rule's Enrichment and MitreChain depend only on its metadata ids and STRIDE category and on the
knowledge base (tmlogic/kb/enrich.py), so they are stored per rule, in one file per knowledge base:
`enrich-<key>.json` in the program cache's folder (tmlogic/logic/program/cache.py: cache_dir). The
key is a digest of the tmlogic version, this format, the content of every knowledge-base file, the
enrichment program (kb.dl's declarations and enrich.dl) and the source of the modules that compute
and store enrichment; so a changed knowledge base, program or code is a different file, never a
stale answer.

The file is JSON text, never pickle: line 1 says which key it is for; every other line is one
rule, `<entry digest>\\t<JSON array>`, the entry digest being that of the rule's metadata (so a
rule whose ids change is a new entry). Only the lines of the rules a run needs are decoded, by
plain json.loads (no object hook) and a decoder that checks every value's type and builds only
enrichment's own classes (Via, Link, Tactic, TechniqueLink, Enrichment, MitreRef, MitreChain): a
tampered file can name nothing else, and a missing, unreadable, corrupt or foreign file or line
is a miss (the rule is enriched as without a cache, and the line rewritten). Writes are atomic.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path

from .. import __version__
from .._errors import UsageError
from ..fileaccess import FileAccessError, read_text, write_text
from ..logic.program import manifest as stat_manifest
from ..logic.program.cache import cache_dir
from ..sha256 import sha256
from ..typing_runtime import Any
from .enrich import Enrichment, Link, MitreChain, MitreRef, RuleMeta, Tactic, TechniqueLink, Via

__all__ = ["entry_key", "file_key", "read_entries", "write_entries"]

_FORMAT = 1
_KEEP = 4  # enrichment files kept (one per knowledge base and tmlogic build); older ones are removed
_MAX_ENTRIES = 1000  # rules in one file (the built-in ones are ~100); past it, only this run's are kept
_KINDS = ("capec", "techniques", "tactics", "mitigations", "d3fend", "cwe")  # MitreChain's fields, in order

# The modules whose code decides what is stored: a change to any of them is a new key.
_SOURCES = ("enrich.py", "enrich_cache.py", "loader.py", "store.py", "schema.py", "datalog.py", "enrich.dl")


class _Corrupt(Exception):
    """A line that does not decode into an enrichment: treated as a miss."""


@lru_cache(maxsize=8)
def file_key(kb_digest: str, decls: str) -> str | None:
    """The key of the cache file for a knowledge base (its content digest) and its declarations;
    None if the code that computes enrichment cannot be read (then nothing is cached). A warm run
    finds it from the code files' stats (the stat manifest, tmlogic/logic/program/manifest.py)."""
    head = f"tmlogic {__version__} enrichment cache {_FORMAT}\n{kb_digest}\n"
    here = Path(__file__).parent
    paths = [str(here / name) for name in _SOURCES]
    # the declarations are a few KB of text, not a file: the manifest is named by their digest
    context = f"{head}{sha256(decls.encode('utf-8', 'surrogatepass')).hexdigest()}"
    return stat_manifest.keyed("sources", context, _SOURCES, paths, lambda: _read_key(head, decls, here))


def _read_key(head: str, decls: str, here: Path) -> str | None:
    digest = sha256(head.encode())
    digest.update(decls.encode("utf-8"))
    for name in _SOURCES:
        try:
            data = (here / name).read_bytes()
        except OSError:
            return None
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def entry_key(meta: RuleMeta, own: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]) -> str:
    """The digest of what one rule's enrichment and chain depend on: its RuleMeta and its own
    capec, cwe and attack ids (as RuleInfo holds them)."""
    text = json.dumps([meta.rule_id, meta.stride, meta.capec, meta.cwe, meta.attack, *own], ensure_ascii=False)
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _path(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"enrich-{key[:32]}.json"


def read_entries(key: str, wanted: Iterable[str]) -> tuple[dict[str, tuple[Enrichment, MitreChain]], dict[str, str]]:
    """(decoded entries among `wanted`, every well-formed line of the file by entry digest). Both
    are empty for a missing, unreadable, corrupt or foreign file; a line that does not decode is
    left out of the first (a miss) and of the second (so it is rewritten)."""
    path = _path(key)
    if path is None:
        return {}, {}
    try:
        # Through the guarded reader: a regular file only, size-capped, never quoted.
        text = read_text(path, what="enrichment cache", anywhere=True)
        header, _, body = text.partition("\n")
        data = json.loads(header)
        if not isinstance(data, dict) or data.get("key") != key:
            return {}, {}
    except (FileAccessError, ValueError, RecursionError):
        return {}, {}
    lines: dict[str, str] = {}
    for line in body.split("\n"):
        digest, tab, payload = line.partition("\t")
        if tab and len(digest) == 32:
            lines[digest] = payload
    found: dict[str, tuple[Enrichment, MitreChain]] = {}
    decoder = _Decoder()
    for entry in wanted:
        stored = lines.get(entry)
        if stored is None:
            continue
        try:
            found[entry] = decoder.entry(json.loads(stored))
        except (ValueError, TypeError, IndexError, KeyError, _Corrupt, RecursionError):
            del lines[entry]
    return found, lines


def write_entries(key: str, kept: Mapping[str, str], new: Mapping[str, tuple[Enrichment, MitreChain]],
                  used: Iterable[str] = ()) -> None:
    """Store the `new` entries beside the `kept` lines (as read_entries returned them), atomically;
    a cache that cannot be written is simply not used. A file that would hold more than
    _MAX_ENTRIES rules (a pack whose metadata keeps changing) keeps only the `used` ones and the new."""
    path = _path(key)
    if path is None or not new:
        return
    lines = dict(kept)
    if len(lines) + len(new) > _MAX_ENTRIES:
        lines = {digest: lines[digest] for digest in used if digest in lines}
    for digest, (enrichment, chain) in new.items():
        lines[digest] = json.dumps(_encode(enrichment, chain), ensure_ascii=False, separators=(",", ":"))
    text = json.dumps({"key": key, "tmlogic": __version__}) + "\n" + "\n".join(
        f"{digest}\t{payload}" for digest, payload in sorted(lines.items()))
    try:
        write_text(path, text, anywhere=True, replace_input=True)  # the file read this run
        olders = sorted(path.parent.glob("enrich-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in olders[_KEEP:]:
            old.unlink(missing_ok=True)
    except (UsageError, OSError):  # fileaccess.WriteRefused, a full disk: not cached
        pass


# --- the format --------------------------------------------------------------------------------
#
# An entry is [vias, enrichment, chain]. vias is a flat table, three strings a Via (kind, id,
# detail); links refer to it by number. enrichment is [rule_id, capec, techniques, mitigations,
# d3fend, cwe]: a Link is three entries in its list (id, name, [via numbers]), a TechniqueLink four
# (id, name, [tactic id, tactic name, ...], [via numbers]). chain is one list per MitreChain field,
# three strings a MitreRef (id, name, via).

def _encode(enrichment: Enrichment, chain: MitreChain) -> list[Any]:
    numbers: dict[Via, int] = {}
    vias: list[str] = []

    def via(v: Via) -> int:
        if v not in numbers:
            numbers[v] = len(numbers)
            vias.extend((v.kind, v.id, v.detail))
        return numbers[v]

    def links(items: Sequence[Link]) -> list[Any]:
        return [x for link in items for x in (link.id, link.name, [via(v) for v in link.via])]

    techniques = [x for t in enrichment.techniques
                  for x in (t.id, t.name, [y for ta in t.tactics for y in (ta.id, ta.name)], [via(v) for v in t.via])]
    body = [enrichment.rule_id, links(enrichment.capec), techniques, links(enrichment.mitigations),
            links(enrichment.d3fend), links(enrichment.cwe)]
    refs = [[x for r in getattr(chain, kind) for x in (r.id, r.name, r.via)] for kind in _KINDS]
    return [vias, body, refs]


_STR = frozenset({str})
_INT = frozenset({int})
_LIST = frozenset({list})
_new = object.__new__


def _strings(v: Any, width: int) -> list[str]:
    if type(v) is not list or len(v) % width or not set(map(type, v)) <= _STR:
        raise _Corrupt("a list of strings of an unexpected shape")
    return v


# The decoder builds each object the way its record's own __init__ would (the same fields, in
# declaration order, into the instance's __dict__), without calling it: a record's __init__ is
# general (keywords, defaults, factories) and costs about twice the object, and a run decodes
# ~1,700 of them. These classes are frozen records without __post_init__;
# tests/test_enrich_cache.py holds the decoded entries equal to the computed ones.
# (Each field stored by subscript: no keyword dictionary made per object.)
def _via(kind: str, ident: str, detail: str) -> Via:
    v = _new(Via)
    d = v.__dict__
    d["kind"] = kind
    d["id"] = ident
    d["detail"] = detail
    return v


def _link(ident: str, name: str, via: tuple[Via, ...]) -> Link:
    link = _new(Link)
    d = link.__dict__
    d["id"] = ident
    d["name"] = name
    d["via"] = via
    return link


def _tactic(ident: str, name: str) -> Tactic:
    tactic = _new(Tactic)
    d = tactic.__dict__
    d["id"] = ident
    d["name"] = name
    return tactic


def _technique(ident: str, name: str, tactics: tuple[Tactic, ...], via: tuple[Via, ...]) -> TechniqueLink:
    technique = _new(TechniqueLink)
    d = technique.__dict__
    d["id"] = ident
    d["name"] = name
    d["tactics"] = tactics
    d["via"] = via
    return technique


def _ref(ident: str, name: str, via: str) -> MitreRef:
    ref = _new(MitreRef)
    d = ref.__dict__
    d["id"] = ident
    d["name"] = name
    d["via"] = via
    return ref


class _Decoder:
    """Builds enrichment objects from decoded JSON, checking every value's type."""

    def __init__(self) -> None:
        # One object per distinct Via, Link and Tactic across the entries of a run: the rules'
        # chains share most of them (the DMZ model's 672 links are 338 distinct), and the JSON
        # writer encodes each object once (tmlogic/outputs/json_output.py: _MitreText).
        self.vias: dict[tuple[str, str, str], Via] = {}
        self.shared_links: dict[tuple[str, str, tuple[int, ...]], Link] = {}  # by id, name and its vias' ids
        self.tactics: dict[tuple[str, str], Tactic] = {}

    def entry(self, v: Any) -> tuple[Enrichment, MitreChain]:
        if type(v) is not list or len(v) != 3:
            raise _Corrupt("an entry of an unexpected shape")
        raw, body, refs = v
        flat = _strings(raw, 3)
        vias = []
        for i in range(0, len(flat), 3):
            triple = (flat[i], flat[i + 1], flat[i + 2])
            found = self.vias.get(triple)
            if found is None:
                found = self.vias[triple] = _via(*triple)
            vias.append(found)
        if type(body) is not list or len(body) != 6 or type(body[0]) is not str:
            raise _Corrupt("an enrichment of an unexpected shape")
        rule_id, capec, techniques, mitigations, d3fend, cwe = body
        enrichment = Enrichment(rule_id, self.links(capec, vias), self.techniques(techniques, vias),
                                self.links(mitigations, vias), self.links(d3fend, vias), self.links(cwe, vias))
        if type(refs) is not list or len(refs) != len(_KINDS):
            raise _Corrupt("a chain of an unexpected shape")
        chain = MitreChain(*[self.refs(r) for r in refs])
        return enrichment, chain

    @staticmethod
    def _numbers(lists: list[Any], vias: list[Via]) -> None:
        """Raise _Corrupt unless every item of `lists` is a list of numbers of `vias` (checked for
        all the links of a list at once, at C speed)."""
        if not set(map(type, lists)) <= _LIST:
            raise _Corrupt("via numbers of an unexpected shape")
        numbers = list(chain.from_iterable(lists))
        if numbers and (not set(map(type, numbers)) <= _INT or min(numbers) < 0 or max(numbers) >= len(vias)):
            raise _Corrupt("via numbers of an unexpected shape")

    def links(self, v: Any, vias: list[Via]) -> tuple[Link, ...]:
        if type(v) is not list or len(v) % 3:
            raise _Corrupt("links of an unexpected shape")
        idents, names, numbers = v[0::3], v[1::3], v[2::3]
        if not set(map(type, idents)) <= _STR or not set(map(type, names)) <= _STR:
            raise _Corrupt("a link of an unexpected shape")
        self._numbers(numbers, vias)
        shared = self.shared_links
        via_at = vias.__getitem__
        out = []
        for ident, name, at in zip(idents, names, numbers):
            via = tuple(map(via_at, at))
            key = (ident, name, tuple(map(id, via)))  # the vias are shared objects, alive in self.vias
            link = shared.get(key)
            if link is None:
                link = shared[key] = _link(ident, name, via)
            out.append(link)
        return tuple(out)

    def techniques(self, v: Any, vias: list[Via]) -> tuple[TechniqueLink, ...]:
        if type(v) is not list or len(v) % 4:
            raise _Corrupt("techniques of an unexpected shape")
        idents, names, tactic_lists, numbers = v[0::4], v[1::4], v[2::4], v[3::4]
        if not set(map(type, idents)) <= _STR or not set(map(type, names)) <= _STR:
            raise _Corrupt("a technique of an unexpected shape")
        self._numbers(numbers, vias)
        via_at = vias.__getitem__
        tactic = self.tactic
        out = []
        for ident, name, tactics, at in zip(idents, names, tactic_lists, numbers):
            tactics = _strings(tactics, 2)
            out.append(_technique(ident, name, tuple(map(tactic, tactics[0::2], tactics[1::2])),
                                  tuple(map(via_at, at))))
        return tuple(out)

    def tactic(self, ident: str, name: str) -> Tactic:
        found = self.tactics.get((ident, name))
        if found is None:
            found = self.tactics[(ident, name)] = _tactic(ident, name)
        return found

    @staticmethod
    def refs(v: Any) -> tuple[MitreRef, ...]:
        flat = _strings(v, 3)
        return tuple(map(_ref, flat[0::3], flat[1::3], flat[2::3]))
