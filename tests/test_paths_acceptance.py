"""The acceptance test of attack paths: on SecOpsTM's DMZ model and the reviewer-labelled models,
a path reaches every goal that the untrusted side can reach through the flows, and none that it
cannot; and every choke point, applied to the model and analysed again, leaves no path (and each
single change listed as stopping paths stops them).

Reachability is computed here independently of the engine: a breadth-first walk over the flows
(both ways when bidirectional) from every element on the untrusted side (as docs/attack-paths.md
defines it). The models are the copies in tests/data (anchors/secopstm, quality/); labelled models
beside this checkout (../shared/quality) that tests/data has no copy of are checked too."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest

from tmlogic.analysis import analyze
from tmlogic.model.schema import Model
from tmlogic.paths.find import PathOptions, find_paths
from tmlogic.paths.verify import check_cut, surviving_paths

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LABELLED = DATA / "quality"
SHARED = ROOT.parent / "shared" / "quality"
# quality/dmz.md is a copy of the anchor
MODELS = [DATA / "anchors" / "secopstm" / "threat_model.md"] + sorted(
    p for p in LABELLED.glob("*.md") if p.name not in ("README.md", "dmz.md"))
EXTRA = sorted(p for p in SHARED.glob("*.md") if p.name != "README.md" and not (LABELLED / p.name).is_file()) \
    if SHARED.is_dir() else []


def _model_id(p: Path) -> str:
    return f"{p.parent.name}/{p.stem}"


def _facing(attrs: object) -> bool:
    return any(a.key == "internet_facing" and a.value is True for a in attrs)  # type: ignore[attr-defined]


def untrusted_side(model: Model) -> set[str]:
    """Actors and external entities outside every boundary, and the elements of untrusted
    boundaries but the system's own internet-facing servers, processes and datastores there."""
    found: set[str] = set()
    for m in model.all_models():
        boundaries = {b.id: b for b in m.boundaries}
        for e in m.elements:
            if e.boundary is None:
                if e.kind in ("actor", "external") and not m.id_prefix:
                    found.add(e.id)
            elif not boundaries[e.boundary].trusted:
                exposed = e.kind in ("server", "process", "datastore") and (
                    _facing(e.attrs) or _facing(boundaries[e.boundary].attrs))
                if not exposed:
                    found.add(e.id)
    return found


def reachable(model: Model, start: set[str]) -> set[str]:
    onward: dict[str, set[str]] = {}
    for m in model.all_models():
        for f in m.flows:
            onward.setdefault(f.source, set()).add(f.target)
            if any(a.key == "bidirectional" and a.value is True for a in f.attrs):
                onward.setdefault(f.target, set()).add(f.source)
    seen, queue = set(start), deque(start)
    while queue:
        for nxt in onward.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def secret_holders(model: Model) -> set[str]:
    """Servers, processes and datastores at either end of a flow carrying secret or top-secret data."""
    kinds = {e.id: e.kind for m in model.all_models() for e in m.elements}
    secret = {d.id for m in model.all_models() for d in m.data if d.classification in ("secret", "top-secret")}
    return {end for m in model.all_models() for f in m.flows if secret & set(f.data)
            for end in (f.source, f.target) if kinds[end] in ("server", "process", "datastore")}


@pytest.mark.parametrize("model", MODELS + EXTRA, ids=_model_id)
def test_a_path_reaches_exactly_the_goals_the_untrusted_side_reaches(model: Path) -> None:
    analysis = analyze(model)
    paths = find_paths(analysis, PathOptions(k=2))
    reach = reachable(analysis.model, untrusted_side(analysis.model))
    goals = {g.goal: g for g in paths.goals}
    assert goals, "every model here holds secret data"
    assert set(goals) <= secret_holders(analysis.model) | {g for g, gp in goals.items() if gp.marked}
    for goal, g in goals.items():
        assert g.reachable == (goal in reach), (goal, g.reachable)
    # Network devices pass data on, they are not crown jewels (a firewall or switch that sees secret traffic).
    types = {e.id: e.type for m in analysis.model.all_models() for e in m.elements}
    assert not {t for g, t in types.items() if g in goals} & {"firewall", "switch", "router", "load-balancer"}


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS, ids=_model_id)
def test_every_choke_point_and_single_change_removes_its_paths_when_applied(model: Path) -> None:
    analysis = analyze(model)
    paths = find_paths(analysis, PathOptions(k=1))
    checked = 0
    for cut, known in [(g.cut, g.known_cut) for g in paths.goals] + [(paths.all_goals, paths.all_goals_known)]:
        for c, known_only in ((cut, False), (known, True)):
            if c.status != "cut":
                continue
            check = check_cut(analysis, analysis.program, c.changes, c.scope, known_only=known_only)
            assert check.holds, (c.changes, check.remaining)
            checked += 1
    assert checked > 0
    listed = [p for g in paths.goals for p in g.paths]
    for control, ids in paths.top_controls:  # each single change stops the listed paths it names
        assert not set(ids) & set(surviving_paths(analysis, analysis.program, control, listed, paths.steps)), control


def _random_model(seed: int) -> str:
    """A small random architecture: trusted and untrusted zones, typed elements, flows (some
    bidirectional, authenticated or encrypted), secret data on some of them."""
    import random

    rng = random.Random(seed)
    zones = [("Internet", False), ("Partner", False), ("DMZ", rng.random() < 0.5), ("Core", True), ("Vault", True)]
    lines = [f"# Threat Model: Random {seed}", "", "## Boundaries"]
    lines += [f"- **{z}**: isTrusted={t}" for z, t in zones]
    types = ["web-app", "app-server", "database", "firewall", "load-balancer", "switch", "api", "cache", "worker"]
    names = [f"Actor {i}" for i in range(3)] + [f"Node {i}" for i in range(14)]
    lines += ["", "## Actors"] + [f"- **{n}**: boundary={rng.choice(zones)[0]}" for n in names[:3]]
    lines += ["", "## Servers"] + [f"- **{n}**: boundary={rng.choice(zones)[0]}, type={rng.choice(types)}"
                                   + (", is_hardened=True" if rng.random() < 0.2 else "") for n in names[3:]]
    lines += ["", "## Data", "- **Secret**: classification=secret", "- **Open**: classification=public",
              "- **Key**: classification=restricted, is_credentials=True"]
    lines += ["", "## Dataflows"]
    for i in range(22):
        a, b = rng.sample(names, 2)
        extra = [", bidirectional=True" if rng.random() < 0.15 else "", ", is_authenticated=True" if rng.random() < 0.4 else "",
                 ", is_encrypted=True" if rng.random() < 0.4 else ""]
        lines.append(f'- **Flow {i}**: from="{a}", to="{b}", protocol={rng.choice(["HTTPS", "HTTP", "SSH", "SQL"])}, '
                     f'data="{rng.choice(["Secret", "Open", "Key"])}"' + "".join(extra))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(8))
def test_reach_and_paths_agree_on_random_models(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "model.md"
    path.write_text(_random_model(seed), encoding="utf-8")
    analysis = analyze(path)
    paths = find_paths(analysis, PathOptions(k=1, cuts=False))
    reach = reachable(analysis.model, untrusted_side(analysis.model))
    for g in paths.goals:
        assert g.reachable == (g.goal in reach), (seed, g.goal)
        for p in g.paths:
            assert p.entry in untrusted_side(analysis.model) and set(p.elements) <= reach | untrusted_side(analysis.model)
