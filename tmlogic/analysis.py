"""Orchestration: model + rule packs -> facts -> engine -> threats with proofs and severity."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import chain
from pathlib import Path

from ._errors import Diagnostic, SourceSpan
from .diagnostics import DiagnosticBag, did_you_mean
from .gc_pause import collector_paused
from .kb import (Enrichment, MitreChain, RuleMeta, enrich_rules, known_ids_in, lazy_known_ids, load_kb, mitre_chain,
                 versions_in)
from .logic.engines.base import DEFAULT_ENGINE, Row, Session, get_backend
from .logic.language.ast import Metadata, Program, Rule, Var
from .logic.language.checks import MITRE_KEYS, none_reason, stride_canonical
from .logic.program.cache import SectionError, derived
from .logic.program.compile import CompiledProgram, FiringRelation, compile_program
from .logic.program.facts import FactBase, compile_model
from .logic.program.load import lint, load_program
from .logic.provenance import Prover
from .merge import merge_library_findings
from .model.loader import load_model
from .model.schema import Model
from .policy import RuleFacts, RulePolicy
from .result import Result, RuleInfo, Threat
from .consolidate import apply_supersedes, merge_groups, merge_pools
from .manual_threats import manual_threats
from .memo import IdentityCache
from .records import field, record, replace
from .severity import Override, RuleSeverity, cell_score, level_for, score_threat
from .severity_context import model_context
from .sha256 import sha256
from .type_hints import type_hints
from .typing_runtime import Any

__all__ = ["AnalysisOptions", "analyze", "analyze_model", "load_rules", "lint_rules", "rule_info", "rule_facts",
           "select_rules", "threat_id", "Analysis"]


@record(frozen=True)
class AnalysisOptions:
    rule_paths: tuple[Path, ...] = ()
    builtin_rules: bool = True
    strict: bool = False
    engine: str = DEFAULT_ENGINE
    allow_outside: bool = False
    policy: RulePolicy = RulePolicy()  # rule selection, severity overrides, hard-fail rules (.tmlogic.yaml)
    lenient: bool = False  # typos of security-relevant model keys are warnings, not errors


def load_rules(extra_paths: Sequence[Path] = (), *, builtin_rules: bool = True, strict: bool = False,
               use_kb: bool = True) -> tuple[Program, list[Diagnostic]]:
    """The checked rule program (tmlogic.logic.program.load.load_program), with the CAPEC, CWE and
    ATT&CK ids in rule metadata checked against the embedded knowledge base (unless use_kb=False)."""
    return load_program(extra_paths, builtin_rules=builtin_rules, strict=strict,
                        known_ids=lazy_known_ids() if use_kb else None)


def lint_rules(paths: Sequence[Path], *, strict: bool = False, use_kb: bool = True,
               builtin_rules: bool = True) -> list[Diagnostic]:
    """Every diagnostic of the rule files under `paths`, in the program analyze and `rules test`
    run (with the built-in packs unless builtin_rules=False), knowledge-base ids checked as in load_rules."""
    return lint(paths, strict=strict, known_ids=known_ids_in() if use_kb else None, builtin_rules=builtin_rules)


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(sorted({v.strip() for v in value.split(",") if v.strip()}))


def _ids(value: str | None) -> tuple[str, ...]:
    return () if value is None or none_reason(value) is not None else _split(value)


def rule_info(rule: Rule) -> RuleInfo:
    assert rule.metadata is not None, "the checker guarantees metadata on threat rules"
    meta = _metadata_values(rule.metadata)  # Metadata.get scans its entries; ~25 keys are read here
    stated = (meta.get("severity") or "").strip().lower()
    impact = (meta.get("impact") or stated or "medium").strip().lower()
    likelihood = (meta.get("likelihood") or "likely").strip().lower()
    # The rule's own level: the stated severity, or the matrix cell of its impact x likelihood.
    severity = stated or level_for(cell_score(impact, likelihood))
    stride = stride_canonical(meta.get("stride") or "") or ""
    data_impact = (meta.get("data-impact") or ("yes" if stride == "InformationDisclosure" else "no")).strip()
    no_mitre = tuple((k, r) for k in MITRE_KEYS if (r := none_reason(meta.get(k) or "")) is not None)
    return RuleInfo(
        id=meta.get("id") or "",
        title=meta.get("title") or "",
        stride=stride,
        severity=severity,
        impact=impact,
        likelihood=likelihood,
        confidence=(meta.get("confidence") or "medium").strip().lower(),
        message=(meta.get("message") or "").strip().strip('"'),
        mitigation=meta.get("mitigation") or "",
        capec=_ids(meta.get("capec")),
        cwe=_ids(meta.get("cwe")),
        attack=_ids(meta.get("attack")),
        references=tuple(r.strip() for r in (meta.get("references") or "").split(",") if r.strip()),
        tags=_split(meta.get("tags")),
        description=meta.get("description"),
        rule=rule,
        supersedes=_split(meta.get("supersedes")),
        data_impact=data_impact,
        mitigated_by=_split(meta.get("mitigated-by")),
        likelihood_down=(meta.get("likelihood-down") or "").strip() or None,
        impact_down=(meta.get("impact-down") or "").strip() or None,
        group_by=(meta.get("group-by") or "").strip() or None,
        no_mitre=no_mitre,
    )


def _metadata_values(meta: Metadata) -> dict[str, str]:
    """A metadata block's values by key, the first of each key (as Metadata.get answers)."""
    values: dict[str, str] = {}
    for e in meta.entries:
        values.setdefault(e.key, e.value)
    return values


def _with_override(info: RuleInfo, policy: RulePolicy) -> tuple[RuleInfo, Override | None]:
    """The rule as the project rates it: an override replaces its impact and likelihood."""
    o = policy.override_for(info.id)
    if o is None:
        return info, None
    # read as that level at "likely", except critical, which the matrix gives only at "very-likely"
    applied = replace(info, severity=o.level, impact=o.level,
                      likelihood="very-likely" if o.level == "critical" else "likely")
    return applied, Override(info.impact, info.likelihood, o.level, o.reason, o.span.short())


def rule_facts(info: RuleInfo) -> RuleFacts:
    """What rule selectors (tag:, stride:, severity:, pack:) read of a rule."""
    return RulePolicy.facts(info.id, info.tags, info.stride, info.impact, info.likelihood, info.span.path)


def select_rules(program: Program, policy: RulePolicy) -> tuple[Program, list[Diagnostic]]:
    """The program without the threat rules the policy switches off, and warnings for selectors
    that match no rule. Helper rules stay: other rules may use them."""
    if policy.empty:
        return program, []
    facts = {id(r): rule_facts(_with_override(rule_info(r), policy)[0]) for r in program.threat_rules()}
    warnings = policy.unmatched(list(facts.values()))
    if not (policy.enable or policy.disable):
        return program, warnings
    off = {key for key, f in facts.items() if not policy.runs(f)}
    modules = tuple(replace(m, rules=tuple(r for r in m.rules if id(r) not in off)) for m in program.modules)
    return Program(modules, program.decls), warnings


def rule_severity(info: RuleInfo) -> RuleSeverity:
    return RuleSeverity(info.impact, info.likelihood, info.confidence, info.stride,
                        info.data_impact != "no", info.mitigated_by)


def step_down_reasons(info: RuleInfo, rows: list[Row], bindings: Callable[[Row], dict[str, str | int]]) -> dict[str, str]:
    """factor -> reason for the rule's likelihood-down / impact-down variables: a step applies when
    every firing of the finding binds a reason (a value other than ""), so the strongest way the
    finding fires decides; the reason shown is the first in sorted order (deterministic)."""
    out: dict[str, str] = {}
    for factor, variable in (("likelihood", info.likelihood_down), ("impact", info.impact_down)):
        if variable is None:
            continue
        reasons = {str(bindings(r)[variable]) for r in rows}
        if reasons and "" not in reasons:
            out[factor] = sorted(reasons)[0]
    return out


def threat_id(rule_id: str, targets: tuple[str, ...]) -> str:
    """Stable across unrelated model edits: depends only on the rule and the target ids."""
    digest = sha256("\x1f".join((rule_id,) + targets).encode("utf-8")).hexdigest()
    return f"T{digest[:10]}"


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


# Declared argument names that hold ids (facts/schema.dl and the packs name them e, f, d, b, z...).
# Only variables bound at such a position, or in the threat's head, are shown by display name; any
# other value ("secret", "HTTP") is shown as written, even if it equals some element's id.
_ID_ARGUMENTS = frozenset({"e", "f", "d", "b", "s", "a", "x", "z", "z1", "z2", "src", "dst", "parent"})


def _id_positions(program: Program) -> dict[str, frozenset[int]]:
    """For each relation, the argument positions that can hold a model id: the declared id
    arguments of input facts, and, to a fixpoint, every head position of a derived relation that
    some rule binds from an id position (so `data_sensitive_store(E, What)` names its data asset)."""
    positions: dict[str, set[int]] = defaultdict(set)
    for predicate, decl in program.decls.items():
        positions[predicate].update(i for i, arg in enumerate(decl.args) if arg.name in _ID_ARGUMENTS)
    # Each rule as (head relation, head variables by position, body variables by relation and
    # position); a rule is looked at again only when a relation its body reads gains a position.
    shapes: list[tuple[str, list[tuple[int, str]], list[tuple[str, int, str]]]] = []
    readers: dict[str, list[int]] = defaultdict(list)
    for n, rule in enumerate(program.rules):
        uses = [(atom.predicate, i, t.name) for atom in rule.positive_atoms() for i, t in enumerate(atom.args)
                if isinstance(t, Var)]
        shapes.append((rule.head.predicate, [(i, t.name) for i, t in enumerate(rule.head.args) if isinstance(t, Var)],
                       uses))
        for predicate in dict.fromkeys(p for p, _, _ in uses):
            readers[predicate].append(n)
    pending = list(range(len(shapes)))
    queued = set(pending)
    while pending:
        n = pending.pop()
        queued.discard(n)
        predicate, head_vars, uses = shapes[n]
        bound = {name for p, i, name in uses if i in positions[p]}
        head = positions[predicate]
        grown = False
        for i, name in head_vars:
            if name in bound and i not in head:
                head.add(i)
                grown = True
        if grown:
            for reader in readers.get(predicate, ()):
                if reader not in queued:
                    queued.add(reader)
                    pending.append(reader)
    return {p: frozenset(v) for p, v in positions.items()}


def _id_variables(rule: Rule, positions: dict[str, frozenset[int]]) -> set[str]:
    out = {t.name for t in rule.head.args if isinstance(t, Var)}
    for atom in rule.positive_atoms():
        held = positions.get(atom.predicate, frozenset())
        out.update(t.name for i, t in enumerate(atom.args) if isinstance(t, Var) and i in held)
    return out


@record(frozen=True)
class _ThreatRule:
    """What analyze_model reads of one threat rule, before the policy's overrides."""

    relation: FiringRelation
    info: RuleInfo
    head_vars: tuple[str, ...]
    id_variables: frozenset[str]


def _threat_rules(compiled: CompiledProgram) -> tuple[_ThreatRule, ...]:
    firings = compiled.threat_firings()
    # The id variables depend on the whole program (_id_positions: ~30 M instructions), so they
    # are kept with it in the program cache (cache.derived); the section's name changes with the
    # code of _id_positions and _id_variables.
    ids = derived(compiled.program, "threat id variables 1", lambda: _all_id_variables(compiled.program, firings),
                  lambda found: [[f.name, *sorted(v)] for f, v in zip(firings, found)],
                  lambda data: _stored_id_variables(data, firings))
    # The rules' infos depend on their metadata alone; kept beside them too (rule_info: ~18 M
    # instructions for the built-in rules, most of it in regular expressions). The section's name
    # changes with the code of rule_info.
    infos = derived(compiled.program, "threat rule infos 1", lambda: [rule_info(f.rule) for f in firings],
                    lambda found: [[f.name, *_stored_info(i)] for f, i in zip(firings, found)],
                    lambda data: _stored_infos(data, firings))
    return tuple(_ThreatRule(r, i, tuple(t.name for t in r.rule.head.args),  # type: ignore[union-attr]
                             v) for r, i, v in zip(firings, infos, ids))


# How a RuleInfo is stored in the program cache: [firing relation, fields...], the fields in the
# record's order but `rule` (the firing relation's own rule) and `source` (None for a rule), which
# come after the 15th; each of one kind: s text, o text or None, l a list of texts, p a list of
# [text, text] pairs. tests/test_program_cache.py holds this to RuleInfo's fields.
_INFO_FIELDS = (("id", "s"), ("title", "s"), ("stride", "s"), ("severity", "s"), ("impact", "s"),
                ("likelihood", "s"), ("confidence", "s"), ("message", "s"), ("mitigation", "s"), ("capec", "l"),
                ("cwe", "l"), ("attack", "l"), ("references", "l"), ("tags", "l"), ("description", "o"),
                ("supersedes", "l"), ("data_impact", "s"), ("mitigated_by", "l"), ("likelihood_down", "o"),
                ("impact_down", "o"), ("group_by", "o"), ("no_mitre", "p"))
_INFO_KINDS: dict[str, frozenset[type]] = {"s": frozenset({str}), "o": frozenset({str, type(None)}),
                                           "l": frozenset({list}), "p": frozenset({list})}
_TEXT: frozenset[type] = frozenset({str})


def _stored_info(info: RuleInfo) -> list[object]:
    out: list[object] = []
    for name, kind in _INFO_FIELDS:
        value = getattr(info, name)
        out.append([list(pair) for pair in value] if kind == "p" else list(value) if kind == "l" else value)
    return out


def _stored_infos(data: object, firings: list[FiringRelation]) -> list[RuleInfo]:
    """Each threat rule's RuleInfo as stored (above), every field checked for its kind, all rules
    at once; anything else raises SectionError."""
    if (type(data) is not list or len(data) != len(firings)
            or any(type(e) is not list or len(e) != 1 + len(_INFO_FIELDS) for e in data)
            or [e[0] for e in data] != [f.name for f in firings]):
        raise SectionError("infos of other rules")
    columns: list[list[Any]] = [list(c) for c in zip(*data)][1:] if data else [[] for _ in _INFO_FIELDS]
    for n, ((_, kind), column) in enumerate(zip(_INFO_FIELDS, columns)):
        if not set(map(type, column)) <= _INFO_KINDS[kind]:
            raise SectionError("a rule info of an unexpected shape")
        if kind == "l":
            if not set(map(type, chain.from_iterable(column))) <= _TEXT:
                raise SectionError("a rule info of an unexpected shape")
            columns[n] = list(map(tuple, column))
        elif kind == "p":
            pairs = list(chain.from_iterable(column))
            if (not set(map(type, pairs)) <= {list} or not set(map(len, pairs)) <= {2}
                    or not set(map(type, chain.from_iterable(pairs))) <= _TEXT):
                raise SectionError("a rule info of an unexpected shape")
            columns[n] = [tuple(map(tuple, v)) for v in column]
    # positionally, in field order (the record's quickest way in); rule and source are the 16th and 17th
    return [RuleInfo(*row[:15], f.rule, None, *row[15:])  # type: ignore[call-arg]
            for row, f in zip(zip(*columns), firings)]


def _all_id_variables(program: Program, firings: list[FiringRelation]) -> list[frozenset[str]]:
    positions = _id_positions(program)
    return [frozenset(_id_variables(r.rule, positions)) for r in firings]


def _stored_id_variables(data: object, firings: list[FiringRelation]) -> list[frozenset[str]]:
    """Each threat rule's id variables as stored: [firing relation, names...] per rule, in order."""
    if type(data) is not list or len(data) != len(firings):
        raise SectionError("id variables of other rules")
    out = []
    for entry, firing in zip(data, firings):
        if type(entry) is not list or not entry or entry[0] != firing.name or set(map(type, entry)) != {str}:
            raise SectionError("id variables of other rules")
        out.append(frozenset(entry[1:]))
    return out


# Per program, not per model: the live editor analyzes every edit with the same compiled program.
_THREAT_RULES: IdentityCache[CompiledProgram, tuple[_ThreatRule, ...]] = IdentityCache(4)


def _render_message(template: str, bindings: dict[str, str | int], names: dict[str, str], ids: frozenset[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        value = bindings.get(m.group(1))
        if value is None:
            return m.group(0)
        return names.get(str(value), str(value)) if m.group(1) in ids else str(value)

    return _PLACEHOLDER.sub(sub, template)


def _spans(model: Model) -> dict[str, SourceSpan]:
    table: dict[str, SourceSpan] = {}
    for m in model.all_models():
        for group in (m.boundaries, m.elements, m.data, m.flows):
            for item in group:
                table[item.id] = item.span
    return table


# A rule's enrichment depends only on its own metadata and the knowledge base (enrich.dl joins
# everything through the rule), so it is computed once per process (the live editor re-analyzes
# after every edit with the same rules) and kept across runs in the enrichment cache
# (tmlogic/kb/enrich_cache.py): a run whose rules are all there neither loads the knowledge base
# nor runs the enrichment program. Keyed by the knowledge base's content digest, the rule's
# metadata and its own ids (which its chain lists besides the enrichment).
_OwnIds = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_MITRE: dict[tuple[str, RuleMeta, _OwnIds], tuple[Enrichment, MitreChain]] = {}


def _mitre(wanted: dict[str, tuple[RuleMeta, _OwnIds]]) -> dict[str, tuple[Enrichment, MitreChain]]:
    """(Enrichment, MitreChain) for each key of `wanted` (a rule id, or a hand-written threat's id)."""
    from .kb import content_digest
    from .kb.enrich_cache import entry_key, file_key, read_entries, write_entries
    from .kb.store import decls_text

    digest = content_digest()
    memo = {key: (digest, meta, own) for key, (meta, own) in wanted.items()}
    missing = sorted(key for key, m in memo.items() if m not in _MITRE)
    if missing:
        cache_key = file_key(digest, decls_text())
        entries = {key: entry_key(*wanted[key]) for key in missing}
        found, kept = read_entries(cache_key, entries.values()) if cache_key is not None else ({}, {})
        for key in missing:
            if entries[key] in found:
                _MITRE[memo[key]] = found[entries[key]]
        left = [key for key in missing if memo[key] not in _MITRE]
        if left:
            # the embedded knowledge base; a broken one is a packaging bug (KbError)
            computed = enrich_rules([wanted[key][0] for key in left], load_kb())
            new: dict[str, tuple[Enrichment, MitreChain]] = {}
            for key in left:
                meta, (capec, cwe, attack) = wanted[key]
                enrichment = computed[meta.rule_id]
                _MITRE[memo[key]] = new[entries[key]] = (enrichment, mitre_chain(capec, cwe, attack, enrichment))
            if cache_key is not None:
                write_entries(cache_key, kept, new, entries.values())
    return {key: _MITRE[m] for key, m in memo.items()}


def _enrich(threats: list[Threat], compiled: CompiledProgram) -> tuple[list[Threat], dict[str, str]]:
    """Attach each threat's MITRE enrichment and chain: one Datalog enrichment per rule that fired."""
    if not threats:
        return threats, {}
    rules = {t.rule.id: t.rule.rule for t in threats if t.rule.rule is not None}  # each rule once, not each threat
    metas = {key: RuleMeta.from_rule(rule) for key, rule in rules.items()}
    # A hand-written threat has no rule: its own STRIDE, CAPEC and CWE, keyed by its threat id.
    metas.update({t.id: RuleMeta(t.id, t.rule.stride, t.rule.capec, t.rule.cwe) for t in threats if t.rule.rule is None})
    keys = {t.id: (t.rule.id if t.rule.rule is not None else t.id) for t in threats}
    infos = {keys[t.id]: t.rule for t in threats}
    mitre = _mitre({key: (metas[key], (info.capec, info.cwe, info.attack)) for key, info in infos.items()})
    versions = {k: v for k, v in sorted(versions_in().items()) if v}
    return [_enriched(t, *mitre[keys[t.id]]) for t in threats], versions


def _enriched(t: Threat, mitre: Enrichment, chain: MitreChain) -> Threat:
    """`replace(t, mitre=mitre, chain=chain)` through the record's positional __init__ (replace
    reads and passes every field by keyword, ~70 k instructions a threat); the fields in
    declaration order, which tests/test_enrich_cache.py holds to Threat's."""
    return Threat(t.id, t.rule, t.targets, t.target_names, t.message, t.severity, t.location, t.proof,
                  t.suppression, mitre, chain, t.manual, t.superseded, t.corroborated_by)


def _apply_suppressions(model: Model, threats: list[Threat], rule_ids: set[str]) -> tuple[list[Threat], list[Diagnostic]]:
    """Mark accepted threats (a target-specific acceptance wins over a rule-wide one) and warn
    about acceptances that name no rule or match no threat, so they do not rot silently."""
    bag = DiagnosticBag()
    suppressions = [s for m in model.all_models() for s in m.suppressions]
    used: set[int] = set()
    marked: list[Threat] = []
    for t in threats:
        candidates = [(0 if s.target is not None else 1, i, s) for i, s in enumerate(suppressions)
                      if s.rule_id == t.rule.id and (s.target is None or s.target in t.targets)]
        if candidates:
            _, i, chosen = min(candidates, key=lambda c: (c[0], c[1]))
            used.add(i)
            t = replace(t, suppression=chosen)
        marked.append(t)
    for i, s in enumerate(suppressions):
        if s.rule_id not in rule_ids:
            bag.warning(s.span, f"no rule {s.rule_id} was run, so this acceptance has no effect", "unknown-rule",
                        did_you_mean(s.rule_id, rule_ids) or "see `tmlogic rules list` for the rule ids")
        elif i not in used:
            bag.warning(s.span, f"this acceptance of {s.rule_id} matches no threat", "stale-acceptance",
                        "remove it, or fix its target")
    return marked, bag.items


@record
class Analysis:
    """The loaded pieces of one run, kept so `explain` can ask for more proofs afterwards."""

    model: Model
    program: Program
    compiled: CompiledProgram
    facts: FactBase
    session: Session
    prover: Prover
    result: Result
    warnings: list[Diagnostic] = field(default_factory=list)


def analyze_model(model: Model, program: Program, warnings: list[Diagnostic], engine: str = DEFAULT_ENGINE,
                  compiled: CompiledProgram | None = None, policy: RulePolicy = RulePolicy()) -> Analysis:
    """`compiled` is compile_program(program), for callers that analyze many models with one
    program (the live editor)."""
    with collector_paused():
        return _analyze_model(model, program, warnings, engine, compiled, policy)


def _analyze_model(model: Model, program: Program, warnings: list[Diagnostic], engine: str,
                   compiled: CompiledProgram | None, policy: RulePolicy) -> Analysis:
    program, policy_warnings = select_rules(program, policy)
    warnings = list(warnings) + policy_warnings
    if policy.enable or policy.disable:
        compiled = None  # the given program had every rule; compile the selected ones
    compiled = compiled if compiled is not None else compile_program(program)
    facts = compile_model(model)
    session = get_backend(engine).load(compiled, facts)
    prover = Prover(compiled, facts, session)
    names = model.names()
    spans = _spans(model)
    # The queries below are many (one per threat rule, then the proof search's): the engine's time
    # budget arms its interval timer once for all of them, not once per query.
    with session.batch():
        ctx = model_context(model, session)

        infos: list[RuleInfo] = []
        found: list[tuple[_ThreatRule, RuleInfo, Override | None, list[Row], Row]] = []
        for rule in _THREAT_RULES.get(compiled, _threat_rules):
            relation = rule.relation
            info, override = _with_override(rule.info, policy)
            infos.append(info)
            rows_by_head: dict[Row, list[Row]] = defaultdict(list)
            for row in session.query(relation.name, (None,) * len(relation.variables)):
                bindings = relation.bindings(row)
                rows_by_head[tuple(bindings[v] for v in rule.head_vars)].append(row)
            found += [(rule, info, override, rows, head) for head, rows in rows_by_head.items()]
        proofs = prover.prove_threats([(rule.relation, rows, head) for rule, _, _, rows, head in found])
    threats: list[Threat] = []
    for (rule, info, override, rows, head), proof in zip(found, proofs):
        relation = rule.relation
        targets = tuple(str(v) for v in head)
        bindings = dict(proof.bindings)
        data = None
        if info.data_impact not in ("yes", "no"):
            data = tuple(sorted({str(relation.bindings(r)[info.data_impact]) for r in rows}))
        location = next((spans[t] for t in targets if t in spans), relation.rule.span)
        severity = score_threat(rule_severity(info), targets, ctx, data, step_down_reasons(info, rows, relation.bindings))
        if override is not None:  # score_threat leaves it None: without one, no copy
            severity = replace(severity, override=override)
        threats.append(
            Threat(
                id=threat_id(info.id, targets),
                rule=info,
                targets=targets,
                target_names=tuple(names.get(t, t) for t in targets),
                message=_render_message(info.message, bindings, names, rule.id_variables),
                severity=severity,
                location=location,
                proof=proof,
            )
        )
    threats = apply_supersedes(merge_groups(merge_pools(threats, model, threat_id), threat_id))
    threats = merge_library_findings(threats)
    threats.extend(manual_threats(model))
    threats, kb_versions = _enrich(threats, compiled)
    threats, suppression_warnings = _apply_suppressions(model, threats, {i.id for i in infos})
    warnings = list(warnings) + suppression_warnings + type_hints(model, program)
    threats.sort(key=Threat.sort_key)
    infos.sort(key=lambda i: i.id)
    result = Result(
        model=model,
        threats=tuple(threats),
        rules=tuple(infos),
        warnings=tuple(sorted(warnings, key=Diagnostic.sort_key)),
        fact_count=len(facts),
        engine=engine,
        kb_versions=kb_versions,
    )
    return Analysis(model, program, compiled, facts, session, prover, result, list(warnings))


def analyze(model_path: Path, options: AnalysisOptions = AnalysisOptions()) -> Analysis:
    """Load, check and analyze. Raises ModelError / RuleError with every problem found."""
    with collector_paused():
        model, model_warnings = load_model(model_path, strict=options.strict, allow_outside=options.allow_outside,
                                           lenient=options.lenient)
        program, rule_warnings = load_rules(list(options.rule_paths), builtin_rules=options.builtin_rules,
                                            strict=options.strict)
        return analyze_model(model, program, list(model_warnings) + list(rule_warnings), options.engine, policy=options.policy)
