"""JSON output: versioned, deterministic, with the published schema in outputs/schema/."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator

from .. import __version__
from .._errors import Diagnostic, SourceSpan
from ..kb.enrich import Enrichment, Link, Tactic, TechniqueLink, Via
from ..logic.language.ast import Rule
from ..logic.program.facts import format_fact
from ..logic.provenance import ProofNode
from ..result import RESULT_FORMAT_VERSION, Result, RunTracking, Threat, ThreatState
from ..severity import LEVELS
from ..typing_runtime import Any

__all__ = ["render_json", "json_chunks", "result_to_dict", "proof_to_dict", "expand_proof", "schema_path", "SCHEMA_ID"]

SCHEMA_ID = f"tmlogic-result-{RESULT_FORMAT_VERSION}.schema.json"


def schema_path() -> Path:
    return Path(__file__).parent / "schema" / SCHEMA_ID


def _location(span: SourceSpan) -> dict[str, Any]:
    return {"file": span.path, "line": span.line, "column": span.col}


def proof_to_dict(node: ProofNode) -> dict[str, Any]:
    """One proof as a nested tree (the layout of format 1.0, and of `expand_proof`)."""
    return _ProofTable().tree(node)


class _ProofTable:
    """Proofs as a DAG: every distinct proof node once, in a table, children by index.

    Nodes are numbered children first (post-order over the threats in output order), so every
    reference points to an earlier entry; rules are numbered by first use. A node is identified
    by the object: the prover builds one node per fact and shares it.
    """

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.rules: list[dict[str, Any]] = []
        self._node_index: dict[int, int] = {}
        self._rule_index: dict[int, int] = {}
        self._keep: list[ProofNode] = []  # ids stay unique while the nodes are alive

    def rule(self, rule: Rule) -> int:
        index = self._rule_index.get(id(rule))
        if index is None:
            meta_id = rule.metadata.get("id") if rule.metadata else None
            index = self._rule_index[id(rule)] = len(self.rules)
            self.rules.append({"id": meta_id, "text": rule.text, **_location(rule.span)})
        return index

    def add(self, root: ProofNode) -> int:
        """The index of `root`, adding it and every node below it that is not in the table yet."""
        known = self._node_index
        if id(root) in known:
            return known[id(root)]
        index = known.__getitem__
        stack: list[tuple[ProofNode, bool]] = [(root, False)]  # iterative: proofs can be deep
        while stack:
            node, expanded = stack.pop()
            if id(node) in known:
                continue
            children = node.children
            if not expanded and children:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children) if id(c) not in known)
                continue
            known[id(node)] = len(self.nodes)
            self._keep.append(node)
            self.nodes.append(self._entry(node, list(map(index, map(id, children)))))
        return known[id(root)]

    def _entry(self, node: ProofNode, children: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": format_fact(node.predicate, node.args), "height": node.height}  # node.text
        if node.rule is None:
            out["source"] = _location(node.origin) if node.origin else None
            if node.extension is not None:
                out["extension"] = node.extension
            return out
        out["rule"] = self.rule(node.rule)
        out["bindings"] = dict(node.bindings)
        out["children"] = children
        if node.absent:
            out["absent"] = list(node.absent)
        if node.constraints:
            out["constraints"] = list(node.constraints)
        return out

    def tree(self, root: ProofNode) -> dict[str, Any]:
        """`root` as nested dicts, children before parents with an explicit stack (a proof is as
        deep as the model's longest chain of flows); a shared subproof is one shared dict."""
        done: dict[int, dict[str, Any]] = {}
        stack: list[tuple[ProofNode, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if not expanded and node.children:
                stack.append((node, True))
                stack.extend((c, False) for c in node.children if id(c) not in done)
                continue
            entry = self._entry(node, [done[id(c)] for c in node.children])
            if node.rule is not None:
                entry["rule"] = self.rules[entry["rule"]]
            done[id(node)] = entry
        return done[id(root)]

    def to_dict(self) -> dict[str, Any]:
        return {"rules": self.rules, "nodes": self.nodes}


def expand_proof(document: dict[str, Any], index: int) -> dict[str, Any]:
    """Proof node `index` of a format-2 result document as a nested tree, rules inlined.

    For readers that want the 1.x layout back (a tree per threat); shared subproofs are
    copied wherever they are used.
    """
    table = document["proofs"]
    built: list[dict[str, Any]] = []
    # Children come before their parents in the table, so one pass in order builds every tree
    # up to `index` without recursion.
    for entry in table["nodes"][:index + 1]:
        entry = dict(entry)
        if "rule" in entry:
            entry["rule"] = dict(table["rules"][entry["rule"]])
            entry["children"] = [built[c] for c in entry["children"]]
        built.append(entry)
    return built[index]


def _state(state: ThreatState) -> dict[str, Any]:
    entry = state.risk_entry
    return {
        "baseline": state.baseline,
        "previous": None if state.previous_level is None else {"level": state.previous_level, "score": state.previous_score},
        "risk": None if state.risk is None or entry is None else {
            "status": state.risk, "file": entry.path, "line": entry.line, "expires": state.risk_expires},
        "fails": state.fails,
    }


def _tracking(run: RunTracking, threats: tuple[Threat, ...]) -> dict[str, Any]:
    states = [run.state(t.id) for t in threats]
    counts = {k: 0 for k in ("new", "unchanged", "updated", "resolved", "accepted", "expired", "in_progress")}
    for t, st in zip(threats, states):
        if st.baseline:
            counts[st.baseline] += 1
        counts["accepted"] += t.suppression is not None
        counts["expired"] += st.risk == "expired"
        counts["in_progress"] += st.risk == "in-progress"
    counts["resolved"] = len(run.absent)
    gate = run.gate
    return {
        "baseline": run.baseline,
        "risk_file": run.risk_file,
        "gate": None if gate is None else {"fail_on": gate.fail_on, "new_only": gate.new_only,
                                           "hard_fail": list(gate.hard_fail),
                                           "failing": sum(1 for st in states if st.fails)},
        "counts": counts,
        "resolved": [{"id": a.id, "rule_id": a.rule_id, "title": a.title, "level": a.level, "score": a.score,
                      "message": a.message, "targets": [{"id": i, "name": n} for i, n in a.targets],
                      "location": {"file": a.location.path, "line": a.location.line}} for a in run.absent],
    }


def _threat(t: Threat, proofs: _ProofTable, mitre: dict[int, Any], run: RunTracking | None = None) -> dict[str, Any]:
    """One threat as a dictionary (the entry of `result_to_dict`)."""
    out = _threat_head(t, proofs)
    out["mitre"] = _mitre(t, mitre)
    out.update(_threat_tail(t, proofs, run))
    return out


def _threat_text(t: Threat, proofs: _ProofTable, mitre: _MitreText, run: RunTracking | None) -> str:
    """The JSON text of `_threat(t, ...)`, with the MITRE chain encoded once per rule: it is most of
    a threat's text (about 10 KB of the 11 KB at 2,000 elements) and the same for every threat of
    the rule, so it is spliced in between the encoded fields before and after it."""
    head = _ENCODE(_threat_head(t, proofs))
    tail = _ENCODE(_threat_tail(t, proofs, run))
    return f'{head[:-1]},"mitre":{mitre.chain(t.mitre)},{tail[1:]}'


def _threat_head(t: Threat, proofs: _ProofTable) -> dict[str, Any]:
    """A threat's fields before "mitre", in output order."""
    s = t.severity
    return {
        "id": t.id,
        "rule_id": t.rule.id,
        "title": t.rule.title,
        "stride": t.rule.stride,
        "severity": {
            "level": s.level,
            "score": s.score,
            "impact": s.impact,
            "likelihood": s.likelihood,
            "rule_impact": s.rule_impact,
            "rule_likelihood": s.rule_likelihood,
            "adjustments": [{"factor": a.factor, "steps": a.steps, "reason": a.reason} for a in s.adjustments],
            "base_score": s.base_score,
            "multiplier": s.multiplier,
            "override": None if s.override is None else {
                "rule_impact": s.override.rule_impact, "rule_likelihood": s.override.rule_likelihood,
                "level": s.override.level, "reason": s.override.reason, "source": s.override.source},
        },
        "confidence": t.rule.confidence,
        "message": t.message,
        "mitigation": t.rule.mitigation,
        "targets": [{"id": i, "name": n} for i, n in zip(t.targets, t.target_names)],
        "location": _location(t.location),
        "capec": list(t.rule.capec),
        "cwe": list(t.rule.cwe),
        "attack": list(t.rule.attack),
        "references": list(t.rule.references),
        "proof": proofs.add(t.proof),
    }


def _threat_tail(t: Threat, proofs: _ProofTable, run: RunTracking | None) -> dict[str, Any]:
    """A threat's fields after "mitre", in output order (the corroborating proofs are added to the
    table after the threat's own, as before the split)."""
    out: dict[str, Any] = {
        "accepted": None if t.suppression is None else {
            "reason": t.suppression.reason, **_location(t.suppression.span)},
        "manual": None if t.manual is None else {"status": t.manual.status},
        "superseded": [{"rule_id": r, "id": i} for r, i in t.superseded],
        "corroborated_by": [{"rule_id": c.rule_id, "title": c.title, "threat_id": c.threat_id,
                             "location": _location(c.location), "proof": proofs.add(c.proof)}
                            for c in t.corroborated_by],
    }
    if run is not None:
        out["tracking"] = _state(run.state(t.id))
    return out


def _mitre(t: Threat, cache: dict[int, Any]) -> Any:
    """A threat's MITRE chain; threats of one rule share one chain object, rendered once."""
    if t.mitre is None:
        return None
    key = id(t.mitre)
    if key not in cache:
        cache[key] = t.mitre.to_dict()
    return cache[key]


class _MitreText:
    """Enrichments as JSON text: exactly `_ENCODE(enrichment.to_dict())`, built from the text of
    their parts, each distinct chain, link, tactic and via encoded once.

    The chains of a run's rules share most of their links (the DMZ model's 15 chains hold 750
    links, 380 of them distinct, and 850 vias, 115 distinct), and the enrichment cache decodes
    equal links and vias as one object each; so parts are remembered by object, while the Result
    keeps them alive (their ids stay unique). Strings are encoded by the json module's own C
    function, the one `_ENCODE` uses, and the layout is `_ENCODE`'s: tests compare the two.
    """

    def __init__(self) -> None:
        self._text: dict[int, str] = {}

    def chain(self, enrichment: Enrichment | None) -> str:
        return "null" if enrichment is None else self._once(enrichment, self._chain)

    def _once(self, part: Any, render: Callable[[Any], str]) -> str:
        """`render(part)`, made once per part object."""
        text = self._text.get(id(part))
        if text is None:
            text = self._text[id(part)] = render(part)
        return text

    def _each(self, parts: Iterable[Any], render: Callable[[Any], str]) -> str:
        """The parts' texts joined by commas; `_once` for each, written out (~1,300 parts)."""
        known = self._text
        out = []
        for part in parts:
            text = known.get(id(part))
            if text is None:
                text = known[id(part)] = render(part)
            out.append(text)
        return ",".join(out)

    def _chain(self, e: Enrichment) -> str:
        return ('{"capec":[' + self._each(e.capec, self._link)
                + '],"attack_techniques":[' + self._each(e.techniques, self._technique)
                + '],"attack_tactics":[' + self._each(e.tactics, self._tactic)
                + '],"attack_mitigations":[' + self._each(e.mitigations, self._link)
                + '],"d3fend":[' + self._each(e.d3fend, self._link)
                + '],"cwe":[' + self._each(e.cwe, self._link) + "]}")

    def _link(self, link: Link) -> str:
        return ('{"id":' + encode_basestring(link.id) + ',"name":' + encode_basestring(link.name)
                + ',"via":[' + self._each(link.via, self._via) + "]}")

    def _technique(self, link: TechniqueLink) -> str:
        return ('{"id":' + encode_basestring(link.id) + ',"name":' + encode_basestring(link.name)
                + ',"tactics":[' + self._each(link.tactics, self._tactic)
                + '],"via":[' + self._each(link.via, self._via) + "]}")

    @staticmethod
    def _tactic(tactic: Tactic) -> str:
        return '{"id":' + encode_basestring(tactic.id) + ',"name":' + encode_basestring(tactic.name) + "}"

    @staticmethod
    def _via(via: Via) -> str:
        return ('{"kind":' + encode_basestring(via.kind) + ',"id":' + encode_basestring(via.id)
                + (',"detail":' + encode_basestring(via.detail) if via.detail else "") + "}")


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    out = {**_location(d.span), "level": d.level.value, "code": d.code, "message": d.message}
    if d.hint:
        out["hint"] = d.hint
    return out


def _document_head(result: Result) -> dict[str, Any]:
    """The document's fields before "threats", in output order."""
    models = result.model.all_models()
    by_severity = {level: 0 for level in reversed(LEVELS)}
    by_stride: dict[str, int] = {}
    for t in result.active:
        by_severity[t.severity.level] += 1
        by_stride[t.rule.stride] = by_stride.get(t.rule.stride, 0) + 1
    return {
        "$schema": SCHEMA_ID,
        "format": "tmlogic-result",
        "version": RESULT_FORMAT_VERSION,
        "tool": {"name": "tmlogic", "version": __version__, "engine": result.engine,
                 "knowledge_base": dict(sorted(result.kb_versions.items()))},
        "model": {
            "path": result.model.path,
            "title": result.model.title,
            "files": [m.path for m in models],
            "counts": {
                "boundaries": sum(len(m.boundaries) for m in models),
                "elements": sum(len(m.elements) for m in models),
                "data": sum(len(m.data) for m in models),
                "flows": sum(len(m.flows) for m in models),
                "facts": result.fact_count,
                "rules": len(result.rules),
            },
        },
        "summary": {
            "total": len(result.active),
            "accepted": len(result.threats) - len(result.active),
            "by_severity": by_severity,
            "by_stride": dict(sorted(by_stride.items())),
        },
    }


def _document_tail(result: Result, proofs: _ProofTable) -> dict[str, Any]:
    """The document's fields after "threats", once every threat's proof is in the table."""
    out: dict[str, Any] = {
        "proofs": None,  # filled in last: attack-path steps add their threats' proofs to the table
        "warnings": [_diagnostic(d) for d in result.warnings],
        "tracking": None if result.tracking is None else _tracking(result.tracking, result.threats),
    }
    if result.paths is not None:
        from .paths_json import paths_to_dict

        out["paths"] = paths_to_dict(result.paths, result.model, proofs.add)
    out["proofs"] = proofs.to_dict()
    return out


def result_to_dict(result: Result) -> dict[str, Any]:
    proofs = _ProofTable()
    mitre: dict[int, Any] = {}
    out = _document_head(result)
    out["threats"] = [_threat(t, proofs, mitre, result.tracking) for t in result.threats]
    out.update(_document_tail(result, proofs))
    return out


# Compact: Python's JSON encoder runs in C only without indent, which is 4-5x faster on large
# results (1.2 s against 0.25 s for 1,265 threats with proofs). `jq .` pretty-prints it.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_chunks(result: Result) -> Iterator[str]:
    """The text of `render_json(result)`, in pieces: the head, each threat, the tail.

    A writer that writes the pieces as they come never holds the whole document (a third of a
    gigabyte of text at 20,000 elements) nor the threats' dictionaries: only one threat at a time,
    and the proof table, which the tail needs. The text is exactly `json.dumps` of
    `result_to_dict(result)`: each part is encoded by the same encoder, and the parts are joined
    where `json.dumps` puts its separators.
    """
    proofs = _ProofTable()
    mitre = _MitreText()
    yield _ENCODE(_document_head(result))[:-1] + ',"threats":['
    run = result.tracking
    for i, t in enumerate(result.threats):
        text = _threat_text(t, proofs, mitre, run)
        yield "," + text if i else text
    yield "]," + _ENCODE(_document_tail(result, proofs))[1:] + "\n"


def render_json(result: Result) -> str:
    return "".join(json_chunks(result))
