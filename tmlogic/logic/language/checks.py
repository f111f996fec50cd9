"""Static checks over parsed rule modules: everything that can be wrong before any engine runs.

All modules (schema, prelude, rule packs) are checked together, every problem is collected,
and only then does the caller get either a Program or a RuleError listing all of them. Each
diagnostic has a stable kebab-case code so that warnings can be named and toggled.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..._errors import Diagnostic, Note, RuleError
from ...diagnostics import DiagnosticBag, did_you_mean
from ...lazy import lazy_pattern
from ...records import field, record
from .ast import THREAT, Atom, Comparison, Const, Decl, Fact, MetaEntry, Module, Negation, Program, Rule, Term, Var
from .graph import strongly_connected_components
from .packs import check_rule_files, namespace_packs

__all__ = [
    "KnownIds",
    "check_modules",
    "stride_canonical",
    "template_variables",
    "split_list",
    "STRIDE_CATEGORIES",
    "SEVERITY_LEVELS",
    "LIKELIHOOD_LEVELS",
    "CONFIDENCE_LEVELS",
    "REQUIRED_THREAT_KEYS",
    "OPTIONAL_THREAT_KEYS",
    "RULE_ID_PATTERN",
    "MITRE_KEYS",
    "none_reason",
    "metadata_ids",
]

STRIDE_CATEGORIES = (
    "Spoofing",
    "Tampering",
    "Repudiation",
    "InformationDisclosure",
    "DenialOfService",
    "ElevationOfPrivilege",
)
SEVERITY_LEVELS = ("low", "medium", "elevated", "high", "critical")  # also the scale of `impact`
LIKELIHOOD_LEVELS = ("unlikely", "likely", "very-likely", "frequent")
CONFIDENCE_LEVELS = ("low", "medium", "high")
REQUIRED_THREAT_KEYS = ("id", "title", "stride", "severity", "message", "mitigation")
OPTIONAL_THREAT_KEYS = (
    "confidence", "impact", "likelihood", "capec", "cwe", "attack", "references", "tags", "description",
    "supersedes", "data-impact", "mitigated-by", "group-by", "likelihood-down", "impact-down",
)
# Keys that name a body variable bound to a reason that lowers severity one step (or "" for none).
STEP_DOWN_KEYS = ("likelihood-down", "impact-down")
# Every threat rule names its CAPEC, CWE and ATT&CK ids, or says why there are none: "none: <reason>".
MITRE_KEYS = ("capec", "cwe", "attack")
_NONE_REASON = lazy_pattern(r"none\s*[:(—-]\s*(?P<reason>\S.*?)\)?\s*$", re.IGNORECASE)
# tmlogic's own rules: TM-<PACK>-<3 digits>; rules translated from pytm's library keep its SID: PYTM-<SID>.
RULE_ID_PATTERN = lazy_pattern(r"TM-[A-Z]+-[0-9]{3}|PYTM-[A-Z]+[0-9]{2,3}")

_STRIDE_BY_KEY = {c.lower(): c for c in STRIDE_CATEGORIES}
_TEMPLATE_VAR = lazy_pattern(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LEVELS = {
    "severity": SEVERITY_LEVELS,
    "impact": SEVERITY_LEVELS,
    "likelihood": LIKELIHOOD_LEVELS,
    "confidence": CONFIDENCE_LEVELS,
}
# key (also the KnownIds field) -> (id pattern, catalogue name, an example for hints)
_ID_LISTS = {
    "capec": (lazy_pattern(r"CAPEC-\d+"), "CAPEC", "CAPEC-157"),
    "cwe": (lazy_pattern(r"CWE-\d+"), "CWE", "CWE-319"),
    "attack": (lazy_pattern(r"T\d{4}(\.\d{3})?"), "ATT&CK", "T1557 or T1557.002"),
}


@record(frozen=True)
class KnownIds:
    """Ids the knowledge base knows, written as in metadata ("CAPEC-157", "CWE-319", "T1557.002").

    A field left at None is not checked (no knowledge base loaded for that catalogue).
    `retired` says what happened to ids the knowledge base no longer has, and what replaced
    them (or ""): {"T1574.002": ("revoked in ATT&CK 18.1", "T1574.001")}.
    """

    capec: frozenset[str] | None = None
    cwe: frozenset[str] | None = None
    attack: frozenset[str] | None = None
    retired: Mapping[str, tuple[str, str]] = field(default_factory=dict, hash=False, compare=False)


class LazyKnownIds:
    """Known ids that are read only when the rules are checked: `digest` names them for the
    program cache's key (a digest of the knowledge base they come from), so a run whose program
    is cached never reads them."""

    __slots__ = ("digest", "_load")

    def __init__(self, digest: str, load: Callable[[], KnownIds | None]) -> None:
        self.digest = digest
        self._load = load

    def load(self) -> KnownIds | None:
        return self._load()


def stride_canonical(text: str) -> str | None:
    """The STRIDE category in canonical spelling ("information disclosure" -> "InformationDisclosure")."""
    return _STRIDE_BY_KEY.get(re.sub(r"[\s_-]+", "", text).lower())


def template_variables(message: str) -> list[str]:
    """The `{Name}` placeholders of a message, in order of first use, each once."""
    return list(dict.fromkeys(_TEMPLATE_VAR.findall(message)))


def none_reason(value: str) -> str | None:
    """The reason of a `none: <reason>` metadata value (no CAPEC/CWE/ATT&CK id applies), else None."""
    m = _NONE_REASON.fullmatch(value.strip())
    return m.group("reason").strip() if m else None


def metadata_ids(value: str) -> list[str]:
    """The ids of a capec/cwe/attack metadata value: none for `none: <reason>`."""
    return [] if none_reason(value) is not None else split_list(value)


def split_list(value: str) -> list[str]:
    """A comma-separated metadata value as a list of its non-empty, stripped items."""
    return [item.strip() for item in value.split(",") if item.strip()]


def check_modules(
    modules: list[Module], *, strict: bool = False, known_ids: KnownIds | None = None,
    reference_rules: Mapping[str, str] | None = None, require_mitre: bool = False,
) -> tuple[Program, list[Diagnostic]]:
    """Run every static check over all modules together.

    Returns the Program and the warnings; raises RuleError with every diagnostic (warnings
    included) if anything is an error. With strict=True, warnings count as errors.
    """
    bag = DiagnosticBag(strict=strict)
    modules = namespace_packs(modules, bag)
    check_rule_files(modules, RULE_ID_PATTERN, bag)
    decls = _collect_decls(modules, bag)
    rules = [r for m in modules for r in m.rules]
    for module in modules:
        for doc in module.dangling_docs:
            bag.warning(doc.span, "this /// block documents nothing: no rule or declaration follows it",
                        "dangling-doc-comment",
                        'put it right above a rule or ".decl", or use "//" for a plain comment')
        for fact in module.facts:
            _check_fact(fact, decls, bag)
    for rule in rules:
        _check_rule(rule, decls, bag)
    _check_stratification(rules, bag)
    _check_threat_metadata([r for r in rules if r.head.predicate == THREAT], bag, known_ids or KnownIds(),
                           reference_rules or {}, require_mitre)
    if bag.has_errors:
        raise RuleError(bag.items)
    return Program(tuple(modules), decls), bag.warnings


# --------------------------------------------------------------------------- declarations

def _signature(decl: Decl) -> str:
    return "(" + ", ".join(f"{a.name}: {a.type}" for a in decl.args) + ")"


def _collect_decls(modules: Iterable[Module], bag: DiagnosticBag) -> dict[str, Decl]:
    decls: dict[str, Decl] = {}
    for module in modules:
        for decl in module.decls:
            if decl.predicate == THREAT:
                bag.error(decl.span, f'"{THREAT}" is built in and cannot be declared', "reserved-predicate",
                          "remove this .decl; each threat rule chooses its own arguments")
                continue
            first = decls.get(decl.predicate)
            if first is None:
                decls[decl.predicate] = decl
            elif [a.type for a in first.args] != [a.type for a in decl.args]:
                bag.error(decl.span,
                          f'"{decl.predicate}" is declared again with a different signature: '
                          f"{_signature(decl)} instead of {_signature(first)}",
                          "duplicate-decl", "keep one declaration, or give the new relation another name",
                          [Note(first.span, f'"{decl.predicate}" is first declared here')])
    return decls


def _term_type(term: Term) -> str | None:
    if isinstance(term, Const):
        return "number" if isinstance(term.value, int) else "symbol"
    return None


@record
class _VarTypes:
    """The declared type each variable of one rule takes, from its first typed position."""

    first: dict[str, tuple[str, Var, str]]  # name -> (type, first occurrence, where)
    conflicted: set[str]  # reported once, then left out of further checks

    def of(self, var: Var) -> str | None:
        seen = self.first.get(var.name)
        return None if seen is None or var.name in self.conflicted else seen[0]


def _check_atom(atom: Atom, decls: dict[str, Decl], bag: DiagnosticBag, var_types: _VarTypes | None) -> None:
    """Declared, right arity, constants of the declared types; records variable types if asked."""
    decl = decls.get(atom.predicate)
    if decl is None:
        args = ", ".join(f"a{i + 1}: symbol" for i in range(atom.arity))
        bag.error(atom.span, f'predicate "{atom.predicate}" is not declared', "undeclared-predicate",
                  did_you_mean(atom.predicate, decls)
                  or f'declare it, e.g. ".decl {atom.predicate}({args})", or check the spelling')
        return
    if atom.arity != decl.arity:
        plural = "" if decl.arity == 1 else "s"
        bag.error(atom.span, f'"{atom.predicate}" takes {decl.arity} argument{plural}, but {atom.arity} '
                  f"{'is' if atom.arity == 1 else 'are'} given", "arity-mismatch",
                  f"its arguments are {_signature(decl)}",
                  [Note(decl.span, f'"{atom.predicate}" is declared here')])
        return
    for term, arg in zip(atom.args, decl.args):
        where = f'argument "{arg.name}" of "{atom.predicate}"'
        if isinstance(term, Const):
            got = _term_type(term)
            if got != arg.type:
                hint = ("write the number without quotes" if isinstance(term.value, str)
                        and re.fullmatch(r"-?\d+", term.value) else
                        "write text in double quotes" if got == "number" else None)
                bag.error(term.span, f"{term} is a {got}, but {where} is a {arg.type}", "type-mismatch", hint,
                          [Note(decl.span, f'"{atom.predicate}" is declared here')])
        elif var_types is not None and not term.anonymous:
            seen = var_types.first.get(term.name)
            if seen is None:
                var_types.first[term.name] = (arg.type, term, where)
            elif seen[0] != arg.type and term.name not in var_types.conflicted:
                var_types.conflicted.add(term.name)
                bag.error(term.span, f'variable "{term.name}" is a {seen[0]} ({seen[2]}) and a {arg.type} '
                          f"({where}) in one rule", "type-mismatch",
                          "a value is either a symbol or a number; use two variables",
                          [Note(seen[1].span, f'"{term.name}" is first used as a {seen[0]} here')])


# --------------------------------------------------------------------------- facts and rules

def _check_fact(fact: Fact, decls: dict[str, Decl], bag: DiagnosticBag) -> None:
    if fact.atom.predicate == THREAT:
        bag.error(fact.atom.span, "a threat cannot be stated as a fact", "threat-fact",
                  "threats come from rules with /// metadata; write a rule with a body")
        return
    _check_atom(fact.atom, decls, bag, None)
    for term in fact.atom.args:
        if isinstance(term, Var):
            bag.error(term.span, f'fact "{fact.atom.predicate}" has variable "{term}"; facts take constants only',
                      "non-ground-fact", 'quote text ("x"), or write a rule with a body to derive it')
            break


def _variables(terms: Iterable[Term]) -> Iterator[Var]:
    return (t for t in terms if isinstance(t, Var))


def _rule_vars(rule: Rule) -> Iterator[Var]:
    """Every variable occurrence of a rule, in source order."""
    yield from _variables(rule.head.args)
    for lit in rule.body:
        if isinstance(lit, Atom):
            yield from _variables(lit.args)
        elif isinstance(lit, Negation):
            yield from _variables(lit.atom.args)
        else:
            yield from _variables((lit.left, lit.right))


def _bound(rule: Rule) -> set[str]:
    return {v.name for a in rule.positive_atoms() for v in _variables(a.args) if not v.anonymous}


def _check_rule(rule: Rule, decls: dict[str, Decl], bag: DiagnosticBag) -> None:
    var_types = _VarTypes({}, set())
    head = rule.head
    if head.predicate == THREAT:
        if head.arity == 0:
            bag.error(head.span, "a threat rule's head needs at least one argument", "bad-threat-head",
                      "name the threatened element(s): threat(F) :- ...")
        for term in head.args:
            if isinstance(term, Const):
                bag.error(term.span, f"the head of a threat rule takes variables only, not {term}",
                          "bad-threat-head", "bind the value in the body and use a variable here")
    else:
        _check_atom(head, decls, bag, var_types)
    for lit in rule.body:
        atom = lit.atom if isinstance(lit, Negation) else lit if isinstance(lit, Atom) else None
        if atom is None:
            continue
        if atom.predicate == THREAT:
            bag.error(atom.span, f'"{THREAT}" can only be the head of a rule, not part of a body',
                      "threat-in-body", "derive a helper predicate and use that in both rules")
            continue
        _check_atom(atom, decls, bag, var_types)
    for lit in rule.body:
        if isinstance(lit, Comparison):
            _check_comparison(lit, var_types, bag)
    _check_safety(rule, bag)


def _check_comparison(cmp: Comparison, var_types: _VarTypes, bag: DiagnosticBag) -> None:
    def kind(term: Term) -> str | None:
        return var_types.of(term) if isinstance(term, Var) else _term_type(term)

    left, right = kind(cmp.left), kind(cmp.right)
    if left is not None and right is not None and left != right:
        bag.error(cmp.span, f"{cmp} compares a {left} with a {right}", "type-mismatch",
                  "compare symbols with symbols and numbers with numbers")


def _check_safety(rule: Rule, bag: DiagnosticBag) -> None:
    bound = _bound(rule)
    unsafe: set[str] = set()

    def flag(var: Var, message: str, hint: str) -> None:
        if var.name not in unsafe:
            unsafe.add(var.name)
            bag.error(var.span, message, "unsafe-variable", hint)

    for var in _variables(rule.head.args):
        if var.anonymous:
            bag.error(var.span, '"_" cannot appear in the head of a rule', "anonymous-in-head",
                      "name the variable and bind it in the body")
        elif var.name not in bound:
            flag(var, f'variable "{var.name}" in the head is not bound by a positive body atom',
                 f"use {var.name} in a positive atom of the body (a negation or comparison does not bind it)")
    for lit in rule.body:
        if isinstance(lit, Negation):
            for var in _variables(lit.atom.args):
                if not var.anonymous and var.name not in bound:
                    flag(var, f'variable "{var.name}" in a negation is not bound by a positive body atom',
                         f'bind {var.name} with a positive atom, or write "_" if any value will do')
        elif isinstance(lit, Comparison):
            for var in _variables((lit.left, lit.right)):
                if var.anonymous:
                    bag.error(var.span, '"_" in a comparison compares with nothing', "unsafe-variable",
                              "compare a variable bound by a positive atom, or a constant")
                elif var.name not in bound:
                    flag(var, f'variable "{var.name}" in a comparison is not bound by a positive body atom',
                         f"bind {var.name} with a positive atom before comparing it")

    counts: Counter[str] = Counter(v.name for v in _rule_vars(rule) if not v.anonymous)
    if rule.metadata is not None:  # a {Name} in a message (or a step's likelihood) is a use
        for entry in rule.metadata.entries:
            counts.update(template_variables(entry.value))
            if entry.key in STEP_DOWN_KEYS:
                counts[entry.value.strip()] += 1
    first: dict[str, Var] = {}
    for var in _rule_vars(rule):
        first.setdefault(var.name, var)
    for name, n in counts.items():
        if n == 1 and name not in unsafe and name in first:
            others = [v for v in counts if v != name]
            near = did_you_mean(name, others)
            bag.warning(first[name].span, f'variable "{name}" appears only once in this rule', "var-appears-once",
                        'replace it with "_"' + (f", or check the spelling ({near})" if near else ""))


# --------------------------------------------------------------------------- stratification

def _sccs(graph: dict[str, set[str]]) -> dict[str, int]:
    """node -> the number of its strongly connected component."""
    return {member: n for n, component in enumerate(strongly_connected_components(graph)) for member in component}


def _path(graph: dict[str, set[str]], start: str, goal: str, allowed: set[str]) -> list[str]:
    """A shortest dependency path start -> ... -> goal inside one component (BFS)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for nxt in sorted(graph.get(node, ())):
            if nxt in allowed and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    path: list[str] = []
    cur: str | None = goal
    while cur is not None:
        path.append(cur)
        cur = parent.get(cur)
    return path[::-1]


def _check_stratification(rules: list[Rule], bag: DiagnosticBag) -> None:
    graph: dict[str, set[str]] = {}
    for rule in rules:
        deps = graph.setdefault(rule.head.predicate, set())
        for lit in rule.body:
            atom = lit.atom if isinstance(lit, Negation) else lit if isinstance(lit, Atom) else None
            if atom is not None:
                deps.add(atom.predicate)
                graph.setdefault(atom.predicate, set())
    comp = _sccs(graph)
    members: dict[int, set[str]] = {}
    for node, c in comp.items():
        members.setdefault(c, set()).add(node)
    for rule in rules:
        head = rule.head.predicate
        for lit in rule.body:
            if isinstance(lit, Negation) and comp[lit.atom.predicate] == comp[head]:
                neg = lit.atom.predicate
                cycle = [head] + (_path(graph, neg, head, members[comp[head]]) if neg != head else [head])
                bag.error(lit.span, f'negation of "{neg}" inside a recursive cycle: {" -> ".join(cycle)}',
                          "unstratified-negation",
                          f'"{head}" must not depend on "!{neg}" while "{neg}" depends on "{head}"; '
                          "compute the negated predicate without recursion through this rule")


# --------------------------------------------------------------------------- threat metadata

def _check_threat_metadata(rules: list[Rule], bag: DiagnosticBag, known: KnownIds,
                           reference_rules: Mapping[str, str], require_mitre: bool) -> None:
    allowed = REQUIRED_THREAT_KEYS + OPTIONAL_THREAT_KEYS
    first_id: dict[str, MetaEntry] = {}
    for rule in rules:
        entries = rule.metadata.entries if rule.metadata is not None else ()
        seen: dict[str, MetaEntry] = {}
        for entry in entries:
            if entry.key not in allowed:
                bag.error(entry.span, f'unknown metadata key "{entry.key}" on a threat rule', "unknown-metadata-key",
                          did_you_mean(entry.key, allowed) or f"the keys are: {', '.join(allowed)}")
                continue
            if entry.key in seen:
                bag.error(entry.span, f'metadata key "{entry.key}" is given twice', "duplicate-metadata-key",
                          "keep one line; list several ids on one line, separated by commas",
                          [Note(seen[entry.key].span, "first given here")])
                continue
            seen[entry.key] = entry
            _check_value(entry, bag, known)
        missing = [k for k in REQUIRED_THREAT_KEYS if k not in seen]
        if "severity" in missing and "impact" in seen and "likelihood" in seen:
            missing.remove("severity")  # severity can be derived from impact x likelihood
        if missing:
            names = ", ".join(f'"{k}"' for k in missing)
            bag.error(rule.head.span, f"threat rule is missing required metadata: {names}", "missing-metadata",
                      "add " + ", ".join(f'"/// {k}: ..."' for k in missing) + " lines right above the rule"
                      + (' (or "impact" and "likelihood" instead of "severity")' if "severity" in missing else ""))
        id_entry = seen.get("id")
        if id_entry is not None and id_entry.value:
            if id_entry.value in first_id:
                bag.error(id_entry.span, f'rule id "{id_entry.value}" is already used by another rule',
                          "duplicate-rule-id", "give each rule its own id; ids are never reused",
                          [Note(first_id[id_entry.value].span, f'"{id_entry.value}" is first used here')])
            else:
                first_id[id_entry.value] = id_entry
        _check_rule_references(rule, seen, bag)
        for key in MITRE_KEYS if require_mitre else ():
            if key not in seen:
                bag.warning(rule.head.span, f'threat rule names no {key.upper() if key != "attack" else "ATT&CK"} id',
                            "missing-mitre",
                            f'add "/// {key}: <ids>", or "/// {key}: none: <why no id applies>"')
        msg = seen.get("message")
        if msg is not None:
            bound = _bound(rule)
            for name in template_variables(msg.value):
                if name not in bound:
                    bag.error(msg.span, f'"{{{name}}}" in the message is not a variable bound by the rule\'s body',
                              "unknown-template-variable",
                              did_you_mean(name, bound)
                              or (f"the message can use: {', '.join('{' + v + '}' for v in sorted(bound))}"
                                  if bound else None))


    _check_supersedes(rules, bag, reference_rules)


def _check_rule_references(rule: Rule, seen: dict[str, MetaEntry], bag: DiagnosticBag) -> None:
    """data-impact and group-by name variables of this rule."""
    head_vars = [t.name for t in rule.head.args if isinstance(t, Var)]
    group = seen.get("group-by")
    if group is not None and group.value and group.value not in head_vars:
        bag.error(group.span, f'group-by names "{group.value}", which is not a variable of the rule\'s head',
                  "bad-metadata-value", did_you_mean(group.value, head_vars)
                  or f"use one of the head's variables: {', '.join(head_vars)}")
    data = seen.get("data-impact")
    if data is not None and data.value and data.value not in ("yes", "no"):
        bound = _bound(rule)
        if data.value not in bound:
            bag.error(data.span, f'data-impact is "yes", "no" or a variable bound to data assets; '
                      f'"{data.value}" is neither', "bad-metadata-value",
                      did_you_mean(data.value, sorted(bound) + ["yes", "no"]) or 'write "yes", "no" or a body variable')
    for key in STEP_DOWN_KEYS:
        entry = seen.get(key)
        if entry is not None and entry.value and entry.value not in _bound(rule):
            bag.error(entry.span, f'{key} names a body variable bound to a reason (or ""); "{entry.value}" is not one',
                      "bad-metadata-value", did_you_mean(entry.value, sorted(_bound(rule)))
                      or f"use a variable of the body: {', '.join(sorted(_bound(rule)))}")


def _check_supersedes(rules: list[Rule], bag: DiagnosticBag, reference_rules: Mapping[str, str]) -> None:
    """A rule supersedes rules that exist, with the same STRIDE category, and never in a cycle.

    `reference_rules` (rule id -> STRIDE) are rules known but not checked here: the built-in
    packs, when a user pack is linted on its own."""
    by_id = {r.metadata.get("id"): r for r in rules if r.metadata is not None and r.metadata.get("id")}
    edges: dict[str, list[str]] = {}
    for rid, rule in by_id.items():
        assert rule.metadata is not None and rid is not None
        entry = rule.metadata.entry("supersedes")
        if entry is None or not entry.value:
            continue
        stride = stride_canonical(rule.metadata.get("stride") or "")
        for other in split_list(entry.value):
            target = by_id.get(other)
            if other == rid:
                bag.error(entry.span, "a rule cannot supersede itself", "bad-supersedes", "remove its own id")
            elif target is None and other in reference_rules:
                if reference_rules[other] != stride:
                    bag.error(entry.span, f'supersedes "{other}", whose STRIDE category ({reference_rules[other]}) '
                              f'differs from this rule\'s ({rule.metadata.get("stride")})', "bad-supersedes",
                              "a rule supersedes only a more generic rule about the same kind of threat")
            elif target is None or target.metadata is None:
                bag.error(entry.span, f'supersedes "{other}", which is not a loaded rule', "bad-supersedes",
                          did_you_mean(other, [k for k in list(by_id) + list(reference_rules) if k])
                          or "name the id of the generic rule")
            elif stride_canonical(target.metadata.get("stride") or "") != stride:
                bag.error(entry.span, f'supersedes "{other}", whose STRIDE category '
                          f'({target.metadata.get("stride")}) differs from this rule\'s ({rule.metadata.get("stride")})',
                          "bad-supersedes",
                          "a rule supersedes only a more generic rule about the same kind of threat",
                          [Note(target.head.span, f"{other} is defined here")])
            else:
                edges.setdefault(rid, []).append(other)
    for start in sorted(edges):
        stack, seen_ids = list(edges[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                rule = by_id[start]
                assert rule.metadata is not None
                entry = rule.metadata.entry("supersedes")
                assert entry is not None
                bag.error(entry.span, f"{start} supersedes itself through a cycle of supersedes", "bad-supersedes",
                          "a generic rule must not supersede the rule that specialises it")
                break
            if node not in seen_ids:
                seen_ids.add(node)
                stack.extend(edges.get(node, []))


def _bad(bag: DiagnosticBag, entry: MetaEntry, message: str, hint: str | None) -> None:
    bag.error(entry.span, message, "bad-metadata-value", hint)


def _check_value(entry: MetaEntry, bag: DiagnosticBag, known: KnownIds) -> None:
    key, value = entry.key, entry.value
    if not value:
        _bad(bag, entry, f'"{key}" has an empty value', f'write "/// {key}: <value>"')
        return
    if key == "id":
        if not RULE_ID_PATTERN.fullmatch(value):
            _bad(bag, entry, f'rule id "{value}" does not read TM-<PACK>-<3 digits>',
                 'e.g. "TM-NET-001": "TM", an upper-case pack name, three digits (PYTM-<SID> is kept for '
                 "rules translated from pytm's library)")
    elif key == "stride":
        if stride_canonical(value) is None:
            _bad(bag, entry, f'unknown STRIDE category "{value}"',
                 did_you_mean(value, STRIDE_CATEGORIES) or f"use one of: {', '.join(STRIDE_CATEGORIES)}")
    elif key in _LEVELS:
        levels = _LEVELS[key]
        if value not in levels:
            _bad(bag, entry, f'unknown {key} "{value}"',
                 did_you_mean(value, levels) or f"use one of: {', '.join(levels)}")
    elif key in _ID_LISTS and value.lower().startswith("none"):
        if none_reason(value) is None:
            _bad(bag, entry, f'"{key}: none" needs a reason', f'write "/// {key}: none: <why no id applies>"')
    elif key == "supersedes":
        for item in split_list(value):
            if not RULE_ID_PATTERN.fullmatch(item):
                _bad(bag, entry, f'"{item}" is not a rule id', 'list rule ids, e.g. "TM-NET-001"')
    elif key == "mitigated-by":
        for item in split_list(value):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", item):
                _bad(bag, entry, f'"{item}" is not a model flag', 'list boolean model keys, e.g. "rate_limited"')
    elif key in _ID_LISTS:
        pattern, catalogue, example = _ID_LISTS[key]
        known_set: frozenset[str] | None = getattr(known, key)
        items = split_list(value)
        if not items:
            _bad(bag, entry, f'"{key}" lists no ids', f"write e.g. {example}")
        for item in items:
            if not pattern.fullmatch(item):
                fix = f'write "{catalogue}-{item}"' if item.isdigit() and key != "attack" else f"write e.g. {example}"
                _bad(bag, entry, f'"{item}" is not a {catalogue} id', fix)
            elif known_set is not None and item not in known_set:
                why, replacement = known.retired.get(item, ("", ""))
                bag.error(entry.span, f'{catalogue} id "{item}" is not in the knowledge base'
                          + (f": {why}" if why else ""), "unknown-kb-id",
                          f'use "{replacement}" instead' if replacement else
                          f"choose a {catalogue} id that the knowledge base lists" if why else
                          did_you_mean(item, known_set) or f"check the id against MITRE's {catalogue} list")

