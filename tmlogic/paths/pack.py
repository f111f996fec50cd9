"""The attack-path step pack: loading, checking and describing step rules.

A step pack is rule files like a threat pack, read with the model's facts (schema.dl), the
prelude and the threat facts (threats.dl). Relations declared with `/// role: state` (or
`goal`) are attacker states; every rule that derives one is a step rule and carries
metadata (id, title, step, likelihood, message; attack and description optional). The
static checks of the rule language run first; the checks here add what makes a step pack
sound: known step kinds and likelihoods, states used positively only and derived by step
rules only, and controls that do not reopen what they close.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._errors import Diagnostic, Level, Note, RuleError
from ..diagnostics import DiagnosticBag, did_you_mean
from ..fileaccess import FileAccessError, read_text
from ..kb.loader import known_ids_in
from ..logic.language.ast import Atom, Const, Decl, Negation, Program, Rule, Var
from ..logic.language.checks import RULE_ID_PATTERN, KnownIds, split_list, template_variables
from ..logic.program.load import load_program, rule_files
from ..resources import attack_paths_dir, threat_facts_file

__all__ = [
    "STEP_KINDS", "STEP_LIKELIHOODS", "PROBABILITY", "StateDecl", "StepRule", "StepPack",
    "load_step_pack", "lint_step_pack", "is_step_pack",
]

STEP_KINDS = ("entry", "network-access", "exploitation", "code-execution", "credential-access",
              "lateral-movement", "data-access", "goal")
STEP_LIKELIHOODS = ("rare", "unlikely", "likely", "very-likely", "frequent", "certain")
# The chance that a step succeeds once its conditions hold; a path's likelihood is the product.
PROBABILITY = {"rare": 0.1, "unlikely": 0.25, "likely": 0.5, "very-likely": 0.7, "frequent": 0.9, "certain": 1.0}
REQUIRED_STEP_KEYS = ("id", "title", "step", "likelihood", "message")
OPTIONAL_STEP_KEYS = ("attack", "description", "references", "tags")
_ROLES = ("state", "goal", "goals")
_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
_VARIABLE = re.compile(r"\{([A-Z][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class StateDecl:
    """An attacker state: a relation whose tuples are nodes of the attack graph."""

    predicate: str
    args: tuple[str, ...]  # declared argument names
    shows: str  # how a tuple reads, "{e}" standing for argument e
    goal: bool
    decl: Decl

    def describe(self, values: Sequence[str | int], names: dict[str, str]) -> str:
        by_arg = {a: names.get(str(v), str(v)) for a, v in zip(self.args, values)}
        return re.sub(r"\{([a-z][a-z0-9_]*)\}", lambda m: by_arg.get(m.group(1), m.group(0)), self.shows)


@dataclass(frozen=True)
class StepRule:
    """A rule that moves the attacker from states to a state, with its metadata."""

    id: str
    title: str
    kind: str
    techniques: tuple[str, ...]
    likelihood: str  # a level of STEP_LIKELIHOODS, or "{Var}" naming a body variable bound to one
    message: str
    description: str
    rule: Rule
    tags: tuple[str, ...] = ()

    @property
    def assumed(self) -> bool:
        """Tagged "assumed": the step rests on an assumption (a flaw nobody reported), not on
        something the model shows; cuts are also computed without such steps."""
        return "assumed" in self.tags

    @property
    def likelihood_variable(self) -> str | None:
        m = _VARIABLE.fullmatch(self.likelihood)
        return m.group(1) if m else None


@dataclass(frozen=True)
class StepPack:
    """A checked step program: every rule (helpers included) and what its steps and states are."""

    program: Program
    steps: tuple[StepRule, ...]
    states: dict[str, StateDecl]
    goal: str  # the goal state's predicate
    targets: str  # the relation that lists every goal element (`/// role: goals`)


def step_vocabulary_file() -> Path:
    """The built-in step pack's states and shared helpers: part of the base of every step program
    (its states are extension points), so that step packs build on them."""
    return attack_paths_dir() / "attack-paths.dl"


def load_step_pack(extra_paths: Sequence[Path] = (), *, builtin: bool = True, strict: bool = False,
                   use_kb: bool = True) -> tuple[StepPack, list[Diagnostic]]:
    """Parse and check schema + prelude + threat facts + the built-in step pack (if asked) + `extra_paths`,
    ATT&CK ids checked against the embedded knowledge base (unless use_kb=False).

    Returns the pack and its warnings; raises RuleError listing every problem otherwise."""
    known = known_ids_in() if use_kb else None
    program, warnings = load_program(extra_paths, builtin_rules=builtin, strict=strict, known_ids=known,
                                     base=[threat_facts_file(), *([step_vocabulary_file()] if builtin else [])],
                                     builtin_dir=attack_paths_dir())
    bag = DiagnosticBag(strict=strict)
    pack = _check_pack(program, bag, known or KnownIds())
    items = warnings + bag.items
    if bag.has_errors or pack is None:
        raise RuleError(items)
    return pack, items


def lint_step_pack(paths: Sequence[Path], *, strict: bool = False, use_kb: bool = True) -> list[Diagnostic]:
    """Every diagnostic of the step packs under `paths`, checked with the built-in step pack (whose
    states they build on), sorted; never raises for bad input."""
    builtin = _resolved(attack_paths_dir())
    extra = [p for p in paths if _resolved(p) != builtin]
    try:
        _, diagnostics = load_step_pack(extra, strict=strict, use_kb=use_kb)
    except RuleError as exc:
        diagnostics = exc.diagnostics
    return sorted(diagnostics, key=Diagnostic.sort_key)


def _resolved(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()


def is_step_pack(path: Path) -> bool:
    """A folder or .dl file whose rules carry `/// step:` metadata (read as text, nothing parsed)."""
    for file in rule_files([path]):
        try:  # through the guard: a link out of the project or a FIFO is refused, not read
            if re.search(r"^\s*///\s*step\s*:", read_text(file, what="rule file"), re.MULTILINE):
                return True
        except FileAccessError:
            continue  # loading the pack reports it
    return False


# --------------------------------------------------------------------------- checks

def _states(program: Program, bag: DiagnosticBag) -> dict[str, StateDecl]:
    states: dict[str, StateDecl] = {}
    for decl in program.decls.values():
        role = decl.doc.get("role") if decl.doc else None
        if role is None:
            continue
        entry = decl.doc.entry("role") if decl.doc else None
        span = entry.span if entry else decl.span
        if role not in _ROLES:
            bag.error(span, f'unknown role "{role}" on "{decl.predicate}"', "bad-step-metadata",
                      did_you_mean(role, _ROLES) or 'a declaration\'s role is "state", "goal" or "goals"')
            continue
        if role == "goals":
            continue
        shows = (decl.doc.get("shows") if decl.doc else None) or decl.predicate + "(" + ", ".join(
            "{" + a.name + "}" for a in decl.args) + ")"
        states[decl.predicate] = StateDecl(decl.predicate, tuple(a.name for a in decl.args), shows,
                                           role == "goal", decl)
    goals = [s for s in states.values() if s.goal]
    if len(goals) > 1:
        first = goals[0].decl
        for extra in goals[1:]:
            bag.error(extra.decl.span, f'a second goal relation "{extra.predicate}"', "bad-step-metadata",
                      "a step pack has one goal relation; make this one a state",
                      [Note(first.span, f'"{first.predicate}" is the goal relation')])
    return states


def _check_pack(program: Program, bag: DiagnosticBag, known: KnownIds) -> StepPack | None:
    states = _states(program, bag)
    goal = next((s.predicate for s in states.values() if s.goal), None)
    steps: list[StepRule] = []
    seen_ids: dict[str, Rule] = {}
    for rule in program.rules:
        heads_state = rule.head.predicate in states
        for lit in rule.body:
            if isinstance(lit, Negation) and lit.atom.predicate in states:
                bag.error(lit.span, f'attacker state "{lit.atom.predicate}" is negated', "negated-state",
                          "attackers only gain states; test a model fact instead")
        if not heads_state:
            used = [a for a in rule.positive_atoms() if a.predicate in states]
            if used:
                bag.error(used[0].span, f'helper "{rule.head.predicate}" uses attacker state "{used[0].predicate}"',
                          "state-in-helper", "derive attacker states in step rules only, so every move is a step")
            continue
        step = _step(rule, states, bag, known)
        if step is None:
            continue
        if step.id in seen_ids:
            bag.error(rule.head.span, f'step id "{step.id}" is already used', "duplicate-rule-id",
                      "give each step its own id", [Note(seen_ids[step.id].head.span, "first used here")])
        seen_ids.setdefault(step.id, rule)
        steps.append(step)
    if goal is None:
        span = program.modules[-1].decls[0].span if program.modules[-1].decls else program.rules[0].span
        bag.error(span, "no relation is declared with \"/// role: goal\"", "bad-step-metadata",
                  "declare the state that paths end in, e.g. attack_goal_reached(e: symbol)")
        return None
    targets = [d for d in program.decls.values() if d.doc and d.doc.get("role") == "goals"]
    if len(targets) != 1 or targets[0].arity < 1:
        span = targets[1].span if len(targets) > 1 else states[goal].decl.span
        bag.error(span, "a step pack declares one relation with \"/// role: goals\": the goal elements, reached or not",
                  "bad-step-metadata", "declare e.g. attack_goal(e: symbol) with \"/// role: goals\" and rules that list them")
        return None
    _check_controls(program, steps, states, bag)
    return StepPack(program, tuple(steps), states, goal, targets[0].predicate)


def _step(rule: Rule, states: dict[str, StateDecl], bag: DiagnosticBag, known: KnownIds) -> StepRule | None:
    meta = rule.metadata
    if meta is None:
        bag.error(rule.head.span, f'rule derives attacker state "{rule.head.predicate}" but has no step metadata',
                  "missing-metadata", 'add "/// id:", "/// title:", "/// step:", "/// likelihood:" and "/// message:"')
        return None
    allowed = REQUIRED_STEP_KEYS + OPTIONAL_STEP_KEYS
    ok = True
    for entry in meta.entries:
        if entry.key not in allowed:
            bag.error(entry.span, f'unknown metadata key "{entry.key}" on a step rule', "unknown-metadata-key",
                      did_you_mean(entry.key, allowed) or f"the keys are: {', '.join(allowed)}")
            ok = False
    missing = [k for k in REQUIRED_STEP_KEYS if not meta.get(k)]
    if missing:
        bag.error(rule.head.span, "step rule is missing required metadata: " + ", ".join(f'"{k}"' for k in missing),
                  "missing-metadata", "add " + ", ".join(f'"/// {k}: ..."' for k in missing) + " above the rule")
        return None
    bound = {v.name for a in rule.positive_atoms() for v in a.args if isinstance(v, Var) and not v.anonymous}

    def bad(key: str, message: str, hint: str | None) -> None:
        entry = meta.entry(key)
        bag.error(entry.span if entry else rule.head.span, message, "bad-step-metadata", hint)

    rule_id, kind, likelihood = meta.get("id") or "", meta.get("step") or "", meta.get("likelihood") or ""
    if not RULE_ID_PATTERN.fullmatch(rule_id):
        bad("id", f'step id "{rule_id}" does not read TM-<PACK>-<3 digits>', 'e.g. "TM-PATH-042"')
        ok = False
    if kind not in STEP_KINDS:
        bad("step", f'unknown step kind "{kind}"', did_you_mean(kind, STEP_KINDS) or f"use one of: {', '.join(STEP_KINDS)}")
        ok = False
    var = _VARIABLE.fullmatch(likelihood)
    if var is None and likelihood not in STEP_LIKELIHOODS:
        bad("likelihood", f'unknown likelihood "{likelihood}"',
            did_you_mean(likelihood, STEP_LIKELIHOODS) or
            f"use one of: {', '.join(STEP_LIKELIHOODS)}, or {{Var}} for a body variable bound to one")
        ok = False
    elif var is not None and var.group(1) not in bound:
        bad("likelihood", f'"{likelihood}" names no variable bound by the body', "bind it in a positive body atom")
        ok = False
    for name in template_variables(meta.get("message") or ""):
        if name not in bound:
            bad("message", f'"{{{name}}}" in the message is not a variable bound by the body',
                did_you_mean(name, bound) or "bind it in a positive body atom")
            ok = False
    techniques = tuple(split_list(meta.get("attack") or ""))
    for t in techniques:
        if not _TECHNIQUE.fullmatch(t):
            bad("attack", f'"{t}" is not an ATT&CK technique id', "write e.g. T1190 or T1552.001")
            ok = False
        elif known.attack is not None and t not in known.attack:
            bad("attack", f'ATT&CK technique "{t}" is not in the knowledge base', did_you_mean(t, known.attack))
            ok = False
    sources = [a for a in rule.positive_atoms() if a.predicate in states]
    if kind == "entry" and sources:
        bad("step", "an entry step starts the attacker: it cannot need an attacker state", "use another step kind")
        ok = False
    if kind and kind != "entry" and kind in STEP_KINDS and not sources:
        bag.error(rule.head.span, "this step needs no attacker state, so it would start paths anywhere",
                  "bad-step-metadata", 'name the state the attacker comes from, or make it "step: entry"')
        ok = False
    if states[rule.head.predicate].goal != (kind == "goal") and kind in STEP_KINDS:
        bad("step", 'a step derives the goal relation exactly when its kind is "goal"',
            "derive the goal relation in goal steps only")
        ok = False
    if not ok:
        return None
    return StepRule(rule_id, meta.get("title") or "", kind, techniques, likelihood,
                    (meta.get("message") or "").strip().strip('"'), meta.get("description") or "", rule,
                    tuple(split_list(meta.get("tags") or "")))


# --------------------------------------------------------------------------- controls

def _gainers(program: Program, atom: Atom) -> set[str]:
    """The predicates that can gain tuples when `atom` becomes true: the rules that use it
    positively (for flag/attr, with the same key or any key), and so on transitively."""
    key = _key_constant(atom)
    found: set[str] = set()
    frontier: list[str] = []
    for rule in program.rules:
        for a in rule.positive_atoms():
            if a.predicate == atom.predicate and (key is None or _key_constant(a) in (None, key)):
                frontier.append(rule.head.predicate)
    users: dict[str, set[str]] = {}
    for rule in program.rules:
        for a in rule.positive_atoms():
            users.setdefault(a.predicate, set()).add(rule.head.predicate)
    while frontier:
        pred = frontier.pop()
        if pred not in found:
            found.add(pred)
            frontier.extend(users.get(pred, ()))
    return found


def _key_constant(atom: Atom) -> str | None:
    if atom.predicate in ("flag", "attr") and len(atom.args) > 1 and isinstance(atom.args[1], Const):
        return str(atom.args[1].value)
    return None


def _check_controls(program: Program, steps: Iterable[StepRule], states: dict[str, StateDecl],
                    bag: DiagnosticBag) -> None:
    """A negated atom in a step's body is a control: the cut analysis proposes making it true. That
    is sound only if making it true never enables a step; warn when some step can gain from it."""
    for step in steps:
        for lit in step.rule.body:
            if not isinstance(lit, Negation):
                continue
            gainers = _gainers(program, lit.atom)
            key = _key_constant(lit.atom)
            for other in steps:
                hits = [a for a in other.rule.positive_atoms() if a.predicate not in states
                        and (a.predicate in gainers or (a.predicate == lit.atom.predicate
                                                        and (key is None or _key_constant(a) in (None, key))))]
                if hits:
                    bag.warning(lit.span, f'control "{lit.atom}" of {step.id} also enables {other.id}, '
                                f'which uses "{hits[0].predicate}"', "control-reopens",
                                "a cut that makes this true could open that step; express the difference in a "
                                "helper relation instead of negating it in a step body",
                                [Note(hits[0].span, "used here")])
                    break
