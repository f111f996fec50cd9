"""The MITRE knowledge base at run time: loaded from facts/kb/, joined to threats in Datalog.

    schema    the relations of a knowledge-base folder (shared with the builder)
    store     reading the folder: manifest, `<relation>.facts`, kb.dl
    loader    facts/kb/ -> KnowledgeBase (cached per process), known ids for the rule checker
    datalog   running a small program of the rule language over rows (enrichment, the builder)
    enrich    rules' metadata + KnowledgeBase -> Enrichment per rule, every link with its "via"
    errors    KbError, KbWarning

The offline builder (`tmlogic kb build`) is tmlogic.kb.build. Names are imported on first use,
so that the rule checker, which only needs the known ids, does not pay for the rest. See
docs/knowledge-base.md.
"""

from __future__ import annotations

from ..lazy import import_module
from ..typing_runtime import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .enrich import (
        Enrichment,
        Link,
        MitreChain,
        MitreRef,
        RuleMeta,
        Tactic,
        TechniqueLink,
        Via,
        enrich_rules,
        mitre_chain,
        url_for,
    )
    from .errors import KbError, KbWarning
    from .loader import (KnowledgeBase, content_digest, embedded_dir, known_ids, known_ids_in, lazy_known_ids, load_kb,
                         versions_in)

_WHERE = {
    "Enrichment": "enrich", "Link": "enrich", "RuleMeta": "enrich", "Tactic": "enrich",
    "TechniqueLink": "enrich", "Via": "enrich", "enrich_rules": "enrich", "MitreChain": "enrich",
    "MitreRef": "enrich", "mitre_chain": "enrich", "url_for": "enrich",
    "KbError": "errors", "KbWarning": "errors",
    "KnowledgeBase": "loader", "embedded_dir": "loader", "known_ids": "loader", "known_ids_in": "loader",
    "load_kb": "loader", "content_digest": "loader", "versions_in": "loader",
    "lazy_known_ids": "loader",
}

__all__ = [
    "Enrichment",
    "KbError",
    "KbWarning",
    "KnowledgeBase",
    "Link",
    "MitreChain",
    "MitreRef",
    "RuleMeta",
    "Tactic",
    "TechniqueLink",
    "Via",
    "content_digest",
    "embedded_dir",
    "enrich_rules",
    "known_ids",
    "known_ids_in",
    "lazy_known_ids",
    "load_kb",
    "mitre_chain",
    "url_for",
    "versions_in",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
