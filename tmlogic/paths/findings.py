"""The threats of an analysis as input facts of the attack-path stage (facts/threats.dl).

Each fact points at the threat's model line, so a step's proof that rests on a threat ends on
the same line as the threat itself; the threat's own proof is in the result under its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..logic.program.facts import InputFact
from ..result import Threat

__all__ = ["threat_facts", "THREAT_RELATIONS"]

THREAT_RELATIONS = ("threat_found", "threat_target", "threat_tag", "threat_likelihood", "threat_technique",
                    "threat_accepted")


def _techniques(t: Threat) -> list[str]:
    found = dict.fromkeys(t.rule.attack)
    if t.mitre is not None:
        found.update(dict.fromkeys(x.id for x in t.mitre.techniques))
    return sorted(found)


def threat_facts(threats: Iterable[Threat]) -> Iterator[InputFact]:
    for t in threats:
        at = t.location
        yield InputFact("threat_found", (t.id, t.rule.id, t.rule.stride), at)
        for target in t.targets:
            yield InputFact("threat_target", (t.id, target), at)
        for tag in t.rule.tags:
            yield InputFact("threat_tag", (t.id, tag), at)
        yield InputFact("threat_likelihood", (t.id, t.severity.likelihood), at)
        for technique in _techniques(t):
            yield InputFact("threat_technique", (t.id, technique), at)
        if t.suppression is not None:
            yield InputFact("threat_accepted", (t.id,), t.suppression.span)
