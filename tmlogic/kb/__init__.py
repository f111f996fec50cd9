"""The MITRE knowledge base: built from the official files, joined to threats in Datalog.

    builder   official files -> facts/kb/ (tmlogic kb build)
    loader    facts/kb/ -> KnowledgeBase (cached per process), known ids for the rule checker
    enrich    rules' metadata + KnowledgeBase -> Enrichment per rule, every link with its "via"
    cli       the `tmlogic kb` commands (build, info)

Names are imported on first use, so that the rule checker, which only needs the known ids,
does not pay for the builder. See docs/knowledge-base.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builder import BuildResult, Sources, build_kb
    from .enrich import (
        Enrichment,
        Link,
        RuleMeta,
        Tactic,
        TechniqueLink,
        Via,
        enrich_rules,
    )
    from .errors import KbError, KbWarning
    from .loader import KnowledgeBase, embedded_dir, known_ids, known_ids_in, load_kb

_WHERE = {
    "BuildResult": "builder", "Sources": "builder", "build_kb": "builder",
    "Enrichment": "enrich", "Link": "enrich", "RuleMeta": "enrich", "Tactic": "enrich",
    "TechniqueLink": "enrich", "Via": "enrich", "enrich_rules": "enrich",
    "KbError": "errors", "KbWarning": "errors",
    "KnowledgeBase": "loader", "embedded_dir": "loader", "known_ids": "loader", "known_ids_in": "loader",
    "load_kb": "loader",
}

__all__ = [
    "BuildResult",
    "Enrichment",
    "KbError",
    "KbWarning",
    "KnowledgeBase",
    "Link",
    "RuleMeta",
    "Sources",
    "Tactic",
    "TechniqueLink",
    "Via",
    "build_kb",
    "embedded_dir",
    "enrich_rules",
    "known_ids",
    "known_ids_in",
    "load_kb",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
