"""Loading a knowledge-base folder (the embedded one in facts/kb/ by default), cached per process.

Loading reads the manifest and every `.facts` file as tab-separated text (about 10,000 rows,
a few tens of milliseconds); indexes for enrichment are built on first use. The rule checker
only needs the known ids, which `known_ids_in` reads from three files without loading the rest.
"""

from __future__ import annotations

from _thread import allocate_lock
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from ..logic.language.checks import KnownIds, LazyKnownIds
from ..logic.program import manifest as stat_manifest
from ..resources import facts_dir
from ..sha256 import sha256
from ..typing_runtime import Any
from .schema import MANIFEST, RELATION_BY_NAME, RELATIONS
from .store import decls_text, read_manifest, read_relation

__all__ = ["KnowledgeBase", "content_digest", "embedded_dir", "known_ids", "known_ids_in", "lazy_known_ids", "load_kb",
           "versions_in"]

Row = tuple[str, ...]


def embedded_dir() -> Path:
    """The knowledge base that ships with tmlogic: facts/kb/ (tmlogic/_data/facts/kb/ in a wheel)."""
    return facts_dir() / "kb"


class KnowledgeBase:
    """The relations of one knowledge-base folder, read-only, with lookups by id."""

    def __init__(self, folder: Path, manifest: Mapping[str, Any], tables: Mapping[str, tuple[Row, ...]],
                 decls: str) -> None:
        self.folder = folder
        self.manifest = manifest
        self.decls = decls  # the declarations (kb.dl) the enrichment program is checked against
        self._tables = dict(tables)
        self._indexes: dict[tuple[str, int], dict[str, tuple[Row, ...]]] = {}
        self._lock = allocate_lock()
        self._names = {name: {row[0]: row[-1] for row in tables[name]}
                       for name in ("capec", "cwe", "technique", "tactic", "mitigation", "d3fend", "artifact")}

    def __repr__(self) -> str:
        return f"KnowledgeBase({str(self.folder)!r})"

    def rows(self, relation: str) -> tuple[Row, ...]:
        return self._tables[relation]

    def name(self, kind: str, ident: str) -> str | None:
        """The short name of an id: kind is capec, cwe, technique, tactic, mitigation, d3fend or artifact."""
        return self._names[kind].get(ident)

    def ids(self, kind: str) -> frozenset[str]:
        return frozenset(self._names[kind])

    def lookup(self, relation: str, column: int, value: str) -> tuple[Row, ...]:
        """The rows of `relation` whose `column` is `value` (hash index, built on first use)."""
        key = (relation, column)
        index = self._indexes.get(key)
        if index is None:
            with self._lock:
                index = self._indexes.get(key)
                if index is None:
                    grouped: dict[str, list[Row]] = defaultdict(list)
                    for row in self._tables[relation]:
                        grouped[row[column]].append(row)
                    index = {k: tuple(v) for k, v in grouped.items()}
                    self._indexes[key] = index
        return index.get(value, ())

    def versions(self) -> dict[str, str | None]:
        return {name: src.get("version") for name, src in sorted(self.manifest.get("sources", {}).items())}

    def counts(self) -> dict[str, int]:
        return {rel.name: len(self._tables[rel.name]) for rel in RELATIONS}


def load_kb(folder: Path | str | None = None) -> KnowledgeBase:
    """The knowledge base in `folder` (default: the embedded one). Raises KbError if it is unusable."""
    return _load(_key(Path(folder) if folder is not None else embedded_dir()))


def _key(folder: Path) -> Path:
    try:
        return folder.resolve()
    except OSError:
        return folder.absolute()


@lru_cache(maxsize=8)
def _load(folder: Path) -> KnowledgeBase:
    manifest = read_manifest(folder)
    tables = {rel.name: _rows(folder, rel.name) for rel in RELATIONS}
    return KnowledgeBase(folder, manifest, tables, decls_text())


@lru_cache(maxsize=256)
def _rows(folder: Path, relation: str) -> tuple[Row, ...]:
    """One relation's rows, read once per process: the known ids (for the rule checker) and the
    whole knowledge base (for enrichment) share them."""
    return tuple(read_relation(folder, RELATION_BY_NAME[relation]))


def content_digest(folder: Path | str | None = None) -> str:
    """A digest of every file of the knowledge base in `folder` (default: the embedded one): its
    manifest and each relation's file, read as bytes, so caches of what is computed from the
    knowledge base are keyed by its content. A missing or unreadable file is part of the digest as
    such; loading the knowledge base reports it. A warm run finds the digest from the files' stats
    (the stat manifest, tmlogic/logic/program/manifest.py) and reads none of them: some 350 KB to
    read and hash otherwise."""
    return _digest(_key(Path(folder) if folder is not None else embedded_dir()))


_FILES = (MANIFEST, *(rel.file for rel in RELATIONS))


@lru_cache(maxsize=8)
def _digest(folder: Path) -> str:
    paths = [str(folder / name) for name in _FILES]
    context = f"knowledge base {folder}"
    key = stat_manifest.keyed("kb", context, _FILES, paths, lambda: _read_digest(folder))
    assert key is not None, "_read_digest always gives a digest"
    return key


def _read_digest(folder: Path) -> str:
    digest = sha256(b"tmlogic knowledge base\n")
    for name in _FILES:
        try:
            data = (folder / name).read_bytes()
        except OSError as exc:
            digest.update(f"{name}\0unreadable\0{exc.errno}\0".encode())
            continue
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def versions_in(folder: Path | str | None = None) -> dict[str, str | None]:
    """KnowledgeBase.versions() of the knowledge base in `folder`, from its manifest alone."""
    return _versions(_key(Path(folder) if folder is not None else embedded_dir()))


@lru_cache(maxsize=8)
def _versions(folder: Path) -> dict[str, str | None]:
    manifest = read_manifest(folder)
    return {name: src.get("version") for name, src in sorted(manifest.get("sources", {}).items())}


def known_ids(kb: KnowledgeBase) -> KnownIds:
    """The CAPEC, CWE and ATT&CK technique ids of a knowledge base, for the rule checker."""
    return KnownIds(capec=kb.ids("capec"), cwe=kb.ids("cwe"), attack=kb.ids("technique"),
                    retired={i: (why, new) for i, new, why in kb.rows("unlisted_id")})


def lazy_known_ids(folder: Path | str | None = None) -> LazyKnownIds | None:
    """known_ids_in(folder), read only when used, named by the knowledge base's content digest
    (for the program cache, tmlogic/logic/program/load.py); None if there is no knowledge base there."""
    key = _key(Path(folder) if folder is not None else embedded_dir())
    if not (key / MANIFEST).is_file():
        return None
    return LazyKnownIds(f"knowledge base {_digest(key)}", lambda: _known(key))


def known_ids_in(folder: Path | str | None = None) -> KnownIds | None:
    """The known ids of the knowledge base in `folder` (default: embedded), or None if there is none there.

    Reads only the manifest and the capec, cwe, technique and unlisted_id files (cached per process), so
    that loading a rule program stays fast.
    """
    return _known(_key(Path(folder) if folder is not None else embedded_dir()))


@lru_cache(maxsize=8)
def _known(folder: Path) -> KnownIds | None:
    if not (folder / "manifest.json").is_file():
        return None
    read_manifest(folder)

    def first_column(name: str) -> frozenset[str]:
        return frozenset(row[0] for row in _rows(folder, name))

    retired = {i: (why, new) for i, new, why in _rows(folder, "unlisted_id")}
    return KnownIds(capec=first_column("capec"), cwe=first_column("cwe"), attack=first_column("technique"),
                    retired=retired)
