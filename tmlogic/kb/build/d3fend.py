"""D3FEND from its Turtle ontology: defensive techniques, the ATT&CK mitigations they relate to, and
the D3FEND -> ATT&CK links inferred through artifacts (d3fend.dl, run on tmlogic's native engine).

rdflib parses the Turtle (about 2 s for the 2.5 MB source ontology); this module only copies
triples into rows, and the inference itself is Datalog. Classes marked `owl:deprecated true`
are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...typing_runtime import Any
from ..datalog import DatalogProgram
from ..errors import KbError, KbWarning
from .read import version_from_name

__all__ = ["HINT", "RULES", "D3fendData", "infer_counters", "read_d3fend"]

HINT = "give the D3FEND ontology in Turtle, e.g. d3fend.ttl from https://d3fend.mitre.org/resources/ontology/"
RULES = Path(__file__).with_name("d3fend.dl")
D3F = "http://d3fend.mitre.org/ontologies/d3fend.owl#"
_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
_MITIGATION = re.compile(r"M\d{4}")


@dataclass
class D3fendData:
    source: str
    version: str | None
    techniques: dict[str, str] = field(default_factory=dict)  # D3-MFA -> name
    artifacts: dict[str, str] = field(default_factory=dict)  # Credential -> label (only those in counters)
    counters: set[tuple[str, str, str]] = field(default_factory=set)  # (D3-MFA, T1110.003, Credential)
    related: set[tuple[str, str]] = field(default_factory=set)  # (M1032, D3-MFA)
    counts: dict[str, int] = field(default_factory=dict)  # sizes of the inputs to the inference
    warnings: list[KbWarning] = field(default_factory=list)


def _parse(path: Path) -> Any:
    from rdflib import Graph
    from rdflib.plugins.parsers.notation3 import BadSyntax

    if not path.exists():
        raise KbError(path, "the D3FEND ontology file does not exist", HINT)
    if path.is_dir():
        raise KbError(path, "is a folder, not the D3FEND ontology file", HINT)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KbError(path, f"cannot read the D3FEND ontology: {exc.strerror or exc}", "check the path") from None
    graph = Graph()
    try:
        graph.parse(data=data, format="turtle")
    except BadSyntax as exc:
        text: bytes = getattr(exc, "_str", b"") or b""
        offset = int(getattr(exc, "_i", 0) or 0)
        if isinstance(text, str):
            text = text.encode("utf-8")
        line = text.count(b"\n", 0, offset) + 1
        col = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
        why = getattr(exc, "_why", "") or "syntax error"
        raise KbError(path, f"is not valid Turtle: {why}", HINT, line, col) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise KbError(path, f"is not valid Turtle: {exc}", HINT) from None
    return graph


def _local(node: Any) -> str | None:
    text = str(node)
    return text[len(D3F):] if text.startswith(D3F) else None


def read_d3fend(path: Path) -> D3fendData:
    from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef

    graph = _parse(path)
    version = None
    for ontology in graph.subjects(RDF.type, OWL.Ontology):
        info = graph.value(ontology, OWL.versionInfo)
        iri = graph.value(ontology, OWL.versionIRI)
        if info is not None:
            version = str(info)
        elif iri is not None:
            match = re.search(r"/(\d+\.\d+(?:\.\d+)?)/", str(iri))
            version = match.group(1) if match else None
    data = D3fendData(str(path), version or version_from_name(path))

    deprecated = {s for s, o in graph.subject_objects(OWL.deprecated)
                  if isinstance(o, Literal) and str(o).lower() == "true"}
    subclass_of: set[tuple[str, str]] = set()
    some_value: set[tuple[str, str, str]] = set()
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        s = _local(sub)
        if s is None or sub in deprecated:
            continue
        if isinstance(sup, BNode):
            prop, filler = graph.value(sup, OWL.onProperty), graph.value(sup, OWL.someValuesFrom)
            p, f = _local(prop), _local(filler)
            if p is not None and f is not None and isinstance(filler, URIRef) and filler not in deprecated:
                some_value.add((s, p, f))
        elif isinstance(sup, URIRef) and sup not in deprecated:
            o = _local(sup)
            if o is not None:
                subclass_of.add((s, o))
    d3fend_id = {(c, str(i)) for s, i in graph.subject_objects(URIRef(D3F + "d3fend-id"))
                 if s not in deprecated and (c := _local(s)) is not None}
    attack_id = {(c, str(i).strip()) for s, i in graph.subject_objects(URIRef(D3F + "attack-id"))
                 if s not in deprecated and (c := _local(s)) is not None and _TECHNIQUE.fullmatch(str(i).strip())}
    data.counts = {"subclass_of": len(subclass_of), "some_value": len(some_value),
                   "d3fend_id": len(d3fend_id), "attack_id": len(attack_id)}

    result = infer_counters(subclass_of, some_value, d3fend_id, attack_id)
    labels: dict[str, str] = {}

    def label(cls: str) -> str:
        if cls not in labels:
            values = sorted(" ".join(str(v).split()) for v in graph.objects(URIRef(D3F + cls), RDFS.label))
            labels[cls] = values[0] if values else cls
        return labels[cls]

    by_class: dict[str, str] = {}
    for d3_id, cls in result["defensive_technique"]:
        assert isinstance(d3_id, str) and isinstance(cls, str)
        if d3_id in data.techniques:
            data.warnings.append(KbWarning(str(path), f"{d3_id} is the d3fend-id of two classes; keeping {by_class[d3_id]}"))
            continue
        data.techniques[d3_id] = label(cls)
        by_class[d3_id] = cls
    class_to_id = {cls: d3_id for d3_id, cls in by_class.items()}
    for d3_id, technique, artifact in result["counters"]:
        assert isinstance(d3_id, str) and isinstance(technique, str) and isinstance(artifact, str)
        data.counters.add((d3_id, technique, artifact))
        data.artifacts[artifact] = label(artifact)

    mitigation_type = URIRef(D3F + "ATTACKEnterpriseMitigation")
    related = URIRef(D3F + "related")
    for individual in sorted(graph.subjects(RDF.type, mitigation_type)):
        mitigation = _local(individual)
        if mitigation is None or individual in deprecated:
            continue
        for target in sorted(graph.objects(individual, related)):
            related_cls = _local(target)
            if not _MITIGATION.fullmatch(mitigation):
                data.warnings.append(KbWarning(str(path), f'mitigation individual "{mitigation}" has no M1234-style '
                                               "id; its d3f:related links are dropped"))
                break
            if related_cls is not None and related_cls in class_to_id:
                data.related.add((mitigation, class_to_id[related_cls]))
            else:
                data.warnings.append(KbWarning(str(path), f"{mitigation} is d3f:related to {related_cls or target}, which is "
                                               "not a D3FEND defensive technique; link dropped"))
    if not data.techniques:
        raise KbError(path, "defines no D3FEND defensive techniques (classes under d3f:DefensiveTechnique with a "
                      "d3f:d3fend-id)", HINT)
    return data


def infer_counters(subclass_of: set[tuple[str, str]], some_value: set[tuple[str, str, str]],
                   d3fend_id: set[tuple[str, str]], attack_id: set[tuple[str, str]]) -> dict[str, list[tuple[str | int, ...]]]:
    """Run d3fend.dl: the defensive techniques and the (D3FEND id, ATT&CK id, artifact) links."""
    program = DatalogProgram(((RULES.read_text(encoding="utf-8"), "tmlogic/kb/build/d3fend.dl"),))
    return program.run({"subclass_of": subclass_of, "some_value": some_value, "d3fend_id": d3fend_id,
                        "attack_id": attack_id}, ["defensive_technique", "counters"])
