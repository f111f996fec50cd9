"""The attack-path stage: threats and model facts -> attack graph -> ranked paths and choke points.

    analysis = analyze(model_path)                      # the threat rules, as always
    paths = find_paths(analysis, PathOptions(k=3))     # the step pack over the same facts + threats

The step pack runs as a second program on the same engine, over the model's input facts plus
one fact per threat (facts/threats.dl); it derives attacker states only, never threats. Proofs
of a step come from that program's firing relations and end on model lines (a threat fact
ends on its threat's line; the threat's own proof is in the result).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._errors import Diagnostic, DiagnosticsError, Level, SourceSpan
from ..analysis import Analysis
from ..diagnostics import did_you_mean
from ..logic.engines.base import DEFAULT_ENGINE, Session, get_backend
from ..logic.program.compile import CompiledProgram, compile_program
from ..logic.program.facts import FactBase
from ..logic.provenance import Prover
from .controls import ControlFinder
from .cuts import Control, ControlIndex, CutResult, minimum_cut
from .findings import threat_facts
from .graph import AttackGraph, FactKey, build_graph
from .pack import StepPack, load_step_pack
from .ranking import k_cheapest_paths
from .changes import ModelChange
from .result import AttackPath, AttackPaths, Cut, GoalPaths, PathStep
from .steps import StepBuilder
from ..records import replace

__all__ = ["PathOptions", "PathsError", "AttackStage", "attack_stage", "find_paths"]


class PathsError(DiagnosticsError):
    """A wrong request for paths (an unknown goal): exit code 2, like a bad model."""


@dataclass(frozen=True)
class PathOptions:
    k: int = 3  # paths per goal
    goals: tuple[str, ...] = ()  # goal names or ids; empty: every goal
    step_packs: tuple[Path, ...] = ()  # extra step packs
    builtin_steps: bool = True
    strict: bool = False
    max_cut: int = 8  # the most a cut may cost (a key set costs 1, a removed flow 2)
    cut_goals: int = 25  # per-goal cuts for at most this many goals, most exposed first
    budget: int = 400  # candidate paths looked at per goal
    proofs: bool = True  # prove every condition of every step down to model lines (text output can skip it)
    cuts: bool = True  # compute choke points


def _goal_filter(wanted: Sequence[str], goals: list[str], names: dict[str, str]) -> list[str]:
    if not wanted:
        return goals
    by_name = {names.get(g, g): g for g in goals}
    chosen: list[str] = []
    problems: list[Diagnostic] = []
    for w in wanted:
        if w in goals:
            chosen.append(w)
        elif w in by_name:
            chosen.append(by_name[w])
        else:
            known = w in names or w in names.values()
            reason = ("is not a goal: it holds no secret or top-secret data and is not marked goal=True"
                      if known else "is not an element of the model")
            hint = ("mark it goal=True in the model to ask for paths to it" if known else
                    did_you_mean(w, by_name) or f"the goals are: {', '.join(sorted(by_name)) or '(none)'}")
            problems.append(Diagnostic(Level.ERROR, SourceSpan("<command line>", 1, 1), f"--goal '{w}' {reason}",
                                       "unknown-goal", hint))
    if problems:
        raise PathsError(problems)
    return list(dict.fromkeys(chosen))


_CANDIDATES = 3  # candidate paths looked at per path listed (see _paths)

# Step kinds that move traffic or collect data rather than gain a foothold (see _paths).
_PLUMBING = frozenset({"network-access", "data-access", "goal"})


def _path_id(goal: str, spine: Sequence[str]) -> str:
    return "P" + hashlib.sha256("\x1f".join((goal, *spine)).encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class AttackStage:
    """The step program loaded with a model's facts and its threats, and the graph it derives."""

    compiled: CompiledProgram
    facts: FactBase
    session: Session
    graph: AttackGraph


def attack_stage(analysis: Analysis, pack: StepPack, engine: str = DEFAULT_ENGINE) -> AttackStage:
    """Run the step pack over the analysis's facts and threats. The native engine by default, whatever
    engine derived the threats: pyDatalog's resolution does not finish on the mutually recursive
    attacker states (over 100 s on a four-element model, measured)."""
    compiled = compile_program(pack.program)
    facts = analysis.facts.extended(threat_facts(analysis.result.threats))
    session = get_backend(engine).load(compiled, facts)
    return AttackStage(compiled, facts, session, build_graph(pack, compiled, session))


def find_paths(analysis: Analysis, options: PathOptions = PathOptions(), *, engine: str = DEFAULT_ENGINE,
               pack: StepPack | None = None) -> AttackPaths:
    """Paths and choke points for an analysis. Raises RuleError for a bad step pack, PathsError for
    an unknown --goal."""
    if pack is None:
        pack, _ = load_step_pack(options.step_packs, builtin=options.builtin_steps, strict=options.strict)
    model = analysis.model
    threats = analysis.result.threats
    stage = attack_stage(analysis, pack, engine)
    compiled, facts, session, graph = stage.compiled, stage.facts, stage.session, stage.graph
    names = model.names()
    elements = {e.id for m in model.all_models() for e in m.elements}
    flows = {f.id for m in model.all_models() for f in m.flows}
    finder = ControlFinder(graph, session, threats, flows, analysis.program, analysis.compiled, analysis.session)
    index = ControlIndex(graph, finder.controls_of)
    labels = {**names, **{t.id: f"{t.id} ({t.rule.id}: {t.rule.title})" for t in threats}}
    builder = StepBuilder(graph, Prover(compiled, facts, session) if options.proofs else None, labels, elements, flows,
                          _move_stoppers(graph, index), {t.id for t in threats})

    all_goals = sorted({str(r[0]) for r in session.query(pack.targets, (None,) * pack.program.decls[pack.targets].arity)})
    chosen = _goal_filter(options.goals, all_goals, names)
    goal_data = _goal_data(session, chosen)
    marked = {str(r[0]) for r in session.query("flag", (None, "goal"))}
    found: dict[str, list[AttackPath]] = {}
    notes: list[str] = []
    for g in chosen:
        found[g] = _paths(graph, builder, g, options)
    order = sorted(chosen, key=lambda g: (-(found[g][0].probability if found[g] else -1.0), names.get(g, g), g))
    assumed = frozenset(f.index for f in graph.firings if f.step.assumed)

    def cut_pair(targets: list[FactKey], scope: tuple[str, ...], listed: list[AttackPath]) -> tuple[Cut, Cut]:
        if not options.cuts:
            skipped = Cut(scope, "not-computed", (), 0, True, 0)
            return skipped, skipped
        return (_cut(index, targets, scope, options, listed, builder),
                _cut(index, targets, scope, options, listed, builder, assumed))

    cuts: dict[str, tuple[Cut, Cut]] = {}
    computed = 0
    for g in order:
        if found[g] and computed >= options.cut_goals:
            skipped_cut = Cut((g,), "not-computed", (), 0, True, 0)
            cuts[g] = (skipped_cut, skipped_cut)
            continue
        computed += 1 if found[g] else 0
        cuts[g] = cut_pair([(pack.goal, (g,))], (g,), found[g])
    skipped = sum(1 for c, _ in cuts.values() if c.status == "not-computed")
    if skipped and options.cuts:
        notes.append(f"choke points were computed for the {options.cut_goals} most exposed goals; "
                     f"{skipped} more: ask for them with --goal NAME")
    reached = [g for g in order if found[g]]
    everything, everything_known = cut_pair([(pack.goal, (g,)) for g in reached], tuple(reached),
                                            [p for g in reached for p in found[g]])
    goals = tuple(GoalPaths(g, names.get(g, g), goal_data.get(g, ()), g in marked, tuple(found[g]), *cuts[g])
                  for g in order)
    steps = {}
    for gp in goals:
        for p in gp.paths:
            for sid in p.steps:
                steps[sid] = builder.by_id[sid]
    attackers = tuple(sorted((str(r[0]), str(r[1])) for r in session.query("attack_entry", (None, None))))
    return AttackPaths(goals, dict(sorted(steps.items())), everything, everything_known, attackers, pack.steps, options.k,
                       len(graph.firings), len(graph.producers), tuple(notes), _top_controls(goals, steps))


def _move_stoppers(graph: AttackGraph, index: ControlIndex) -> Callable[[int], tuple[Control, ...]]:
    """The controls that stop the move a firing makes: those that remove every firing of the same
    step rule gaining the same state from the same states. Fixing the one threat a firing rests on
    does not stop the move when another threat on the same service opens it too."""
    moves: dict[tuple[int, FactKey, tuple[FactKey, ...]], list[int]] = {}
    for f in graph.firings:
        moves.setdefault((id(f.step.rule), f.head, f.sources), []).append(f.index)

    def stoppers(i: int) -> tuple[Control, ...]:
        f = graph.firings[i]
        common: set[int] | None = None
        for j in moves[(id(f.step.rule), f.head, f.sources)]:
            common = set(index.of_firing(j)) if common is None else common & set(index.of_firing(j))
        return tuple(index.controls[c] for c in sorted(common or ()))

    return stoppers


def _top_controls(goals: Sequence[GoalPaths], steps: dict[str, PathStep],
                  limit: int = 5) -> tuple[tuple[tuple[ModelChange, ...], tuple[str, ...]], ...]:
    """Which one control would stop the most listed paths: for each, the paths with a step it removes."""
    stops: dict[tuple[ModelChange, ...], set[str]] = {}
    for g in goals:
        for p in g.paths:
            for sid in p.steps:
                for control in steps[sid].stopped_by:
                    stops.setdefault(control, set()).add(p.id)
    ranked = sorted(stops.items(), key=lambda kv: (-len(kv[1]), sum(c.cost for c in kv[0]), kv[0]))
    return tuple((control, tuple(sorted(ids))) for control, ids in ranked[:limit])


def _goal_data(session: Session, goals: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for g in goals:
        rows = session.query("attack_goal_data", (g, None))
        out[g] = tuple(sorted(str(r[1]) for r in rows))
    return out


def _path_graph(graph: AttackGraph, spine: Sequence[int]) -> tuple[list[int], dict[int, list[int]]] | None:
    """The firings of a path, sources first, and for each the firings that gave it its sources;
    None when a side derivation already gains a state that the spine gains later (the spine
    would then go round in a circle: controlling a host to steal the credentials to reach it).

    Built in spine order: a spine step's primary source comes from the step before it, its other
    sources from their cheapest derivations, which reuse only what the path derived before; so
    the result is acyclic by construction."""
    order: list[int] = []
    needs: dict[int, list[int]] = {}
    derived_by: dict[FactKey, int] = {}

    def cheapest(state: FactKey) -> int:
        if state in derived_by:
            return derived_by[state]
        i = graph.best_firing[state]
        sources = [cheapest(s) for s in graph.firings[i].sources]
        derived_by[state] = i
        if i not in needs:
            needs[i] = sources
            order.append(i)
        return i

    ahead = {graph.firings[i].head: pos for pos, i in enumerate(spine)}
    for pos, i in enumerate(spine):
        f = graph.firings[i]
        sources = [spine[pos - 1] if (s == f.primary and pos > 0) else cheapest(s) for s in f.sources]
        if any(ahead.get(graph.firings[j].head, -1) >= pos for j in order if j not in spine):
            return None
        derived_by.setdefault(f.head, i)
        if i not in needs:
            needs[i] = sources
            order.append(i)
    return order, needs


def _detour(graph: AttackGraph, spine: Sequence[int]) -> bool:
    """Does the spine take two or more steps, gaining no foothold, to a state that one step
    gains, at least as likely, from a state the spine held before them? (Spoofing the caller of
    a flow the attacker already is the caller of.) The path without the detour is listed instead."""
    foothold = graph.firings[spine[0]].head[0]  # the entry step's state: control of an element
    heads = [graph.firings[i].head for i in spine]
    where = {h: pos for pos, h in enumerate(heads)}
    for pos in range(2, len(spine)):
        for j in graph.producers[heads[pos]]:
            f = graph.firings[j]
            start = where.get(f.primary, -1) if f.sources else -1
            if j == spine[pos] or not f.sources or start < 0 or start >= pos - 1:
                continue
            segment = spine[start + 1:pos + 1]
            if any(graph.firings[i].head[0] == foothold for i in segment[:-1]):
                continue
            if all(where.get(s, pos) < pos for s in f.side) and \
                    graph.edge_weight(j) <= sum(graph.edge_weight(i) for i in segment):
                return True
    return False


def _paths(graph: AttackGraph, builder: StepBuilder, goal: str, options: PathOptions) -> list[AttackPath]:
    key: FactKey = (graph.pack.goal, (goal,))
    made: list[AttackPath] = []
    built: dict[tuple[int, ...], tuple[list[int], dict[int, list[int]]]] = {}
    seen: set[tuple[int, ...]] = set()

    def accept(spine: tuple[int, ...]) -> bool:
        # Paths that differ only in how the attacker's traffic gets somewhere, or in which of a
        # goal's data it reads last, are one path: keep the likeliest of them.
        moves = tuple(i for i in spine if graph.firings[i].step.kind not in _PLUMBING)
        if _detour(graph, spine):
            return False
        shaped = _path_graph(graph, spine)
        if shaped is None or moves in seen:
            return False
        seen.add(moves)
        built[spine] = shaped
        return True

    # Candidates come cheapest spine first, a side branch counted at its own cheapest cost (which
    # may repeat steps the spine already took), so look at a few more than k and rank those by
    # their exact likelihood: the product over the distinct steps of each path.
    ranked = []
    for spine in k_cheapest_paths(graph, key, options.k * _CANDIDATES, options.budget, accept):
        order, needs = built[spine.firings]
        probability = 1.0
        for i in order:
            probability *= graph.firings[i].probability
        ranked.append((-probability, len(order), spine.firings, order, needs))
    ranked.sort(key=lambda r: r[:3])
    for rank, (negative, _, firings, order, needs) in enumerate(ranked[:options.k], start=1):
        steps = [builder.build(i) for i in order]
        spine_ids = tuple(builder.build(i).id for i in firings)
        entry = graph.firings[firings[0]]
        made.append(AttackPath(
            id=_path_id(goal, spine_ids), goal=goal, rank=rank, probability=-negative,
            entry=str(entry.head[1][0]), profile=str(entry.bindings().get("P", "")),
            spine=spine_ids, steps=tuple(s.id for s in steps),
            needs=tuple((builder.build(i).id, tuple(builder.build(j).id for j in needs[i])) for i in order),
            elements=tuple(sorted({e for s in steps for e in s.elements})),
            flows=tuple(sorted({f for s in steps for f in s.flows})),
            techniques=tuple(sorted({t for s in steps for t in s.rule.techniques})),
        ))
    return made


def _cut(index: ControlIndex, targets: list[FactKey], scope: tuple[str, ...], options: PathOptions,
         paths: list[AttackPath], builder: StepBuilder, excluded: frozenset[int] = frozenset()) -> Cut:
    result: CutResult = minimum_cut(index, targets, max_cost=options.max_cut, excluded=excluded)
    changes = result.changes
    removes = tuple(sorted({sid for p in paths for sid in p.steps
                            if any(set(control) <= set(changes) for control in builder.by_id[sid].stopped_by)}))
    return Cut(scope, result.status, changes, result.cost, result.exact, result.lower_bound, removes)
