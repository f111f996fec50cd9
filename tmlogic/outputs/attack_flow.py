"""Attack Flow 2.0 (MITRE CTID's STIX 2.1 extension): the listed attack paths as one flow.

    attack-condition   where an attacker starts ("the attacker controls 'Customer'"): the flow's
                       start_refs; and each goal reached ("... reaches crown jewel 'Orders DB'")
    attack-action      one per step of the listed paths, with its ATT&CK technique and tactic, the
                       step's message as description, and the elements it touches as assets
    attack-operator    AND, where a step needs several states (stolen credentials and network access)
    attack-asset       each element a step touches
    effect_refs        step -> the steps its state enables (on_true_refs for conditions)

Built from plain data (no stix2 objects): ids are uuid5 of stable inputs and every timestamp is
one fixed instant (SOURCE_DATE_EPOCH, the reproducible-builds convention, sets another), so two
runs give identical bytes. The extension-definition and its author's identity are the ones
Attack Flow publishes.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..kb.loader import load_kb
from ..paths.result import AttackPaths, PathStep
from ..result import Result
from ..typing_runtime import Any

__all__ = ["ATTACK_FLOW_EXTENSION", "attack_flow_bundle", "render_attack_flow"]

ATTACK_FLOW_EXTENSION = "extension-definition--fb9c968a-745b-4ade-9b25-c324172197f4"
_CTID_IDENTITY = "identity--d673f8cb-c168-42da-8ed4-0cb26725f86c"
_CTID_CREATED = "2022-08-02T19:34:35.143Z"
_NAMESPACE = uuid.UUID("0c6b7a3e-6f2d-5b8e-9f4a-2d1e3c5b7a90")  # tmlogic's uuid5 namespace for Attack Flow ids
_FIXED = datetime(2024, 1, 1, tzinfo=UTC)


def _when() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch.isdigit() else _FIXED
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _extension_objects() -> list[dict[str, Any]]:
    return [
        {"type": "extension-definition", "id": ATTACK_FLOW_EXTENSION, "spec_version": "2.1",
         "name": "Attack Flow", "description": "Extends STIX 2.1 with features to create Attack Flows.",
         "created": _CTID_CREATED, "modified": _CTID_CREATED, "created_by_ref": _CTID_IDENTITY,
         "schema": "https://center-for-threat-informed-defense.github.io/attack-flow/stix/attack-flow-schema-2.0.0.json",
         "version": "2.0.0", "extension_types": ["new-sdo"],
         "external_references": [
             {"source_name": "Documentation", "description": "Documentation for Attack Flow",
              "url": "https://center-for-threat-informed-defense.github.io/attack-flow"},
             {"source_name": "GitHub", "description": "Source code repository for Attack Flow",
              "url": "https://github.com/center-for-threat-informed-defense/attack-flow"}]},
        {"type": "identity", "spec_version": "2.1", "id": _CTID_IDENTITY, "created_by_ref": _CTID_IDENTITY,
         "created": _CTID_CREATED, "modified": _CTID_CREATED,
         "name": "MITRE Center for Threat-Informed Defense", "identity_class": "organization"},
    ]


class _Builder:
    def __init__(self, result: Result, paths: AttackPaths) -> None:
        self.result = result
        self.paths = paths
        self.scope = result.model.title or Path(result.model.path).name
        self.when = _when()
        self.names = result.model.names()
        self.kb = load_kb()
        self.identity = self.id("identity", "tmlogic")
        self.objects: dict[str, dict[str, Any]] = {}
        self.kinds = {e.id: (e.kind, e.type) for m in result.model.all_models() for e in m.elements}

    def id(self, kind: str, *key: str) -> str:
        return f"{kind}--{uuid.uuid5(_NAMESPACE, chr(31).join((kind, self.scope, *key)))}"

    def sdo(self, kind: str, key: str, **fields: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {"type": kind, "spec_version": "2.1", "id": self.id(kind, key), "created": self.when,
                               "modified": self.when, "created_by_ref": self.identity, **fields}
        if kind.startswith("attack-"):
            obj["extensions"] = {ATTACK_FLOW_EXTENSION: {"extension_type": "new-sdo"}}
        self.objects.setdefault(obj["id"], obj)
        return self.objects[obj["id"]]

    def asset(self, element: str) -> str:
        kind, tech = self.kinds.get(element, ("element", None))
        obj = self.sdo("attack-asset", element, name=self.names.get(element, element),
                       description=f"{kind}{f', type {tech}' if tech else ''} in the model")
        return str(obj["id"])

    def action(self, step: PathStep) -> dict[str, Any]:
        fields: dict[str, Any] = {"name": step.rule.title, "description": f"{step.message} ({step.rule.id}, "
                                  f"likelihood {step.likelihood})"}
        if step.rule.techniques:
            technique = step.rule.techniques[0]
            fields["technique_id"] = technique
            fields["name"] = self.kb.name("technique", technique) or step.rule.title
            tactics = sorted(row[1] for row in self.kb.lookup("technique_tactic", 0, technique))
            if tactics:
                fields["tactic_id"] = tactics[0]
        assets = [self.asset(e) for e in step.elements]
        if assets:
            fields["asset_refs"] = assets
        return self.sdo("attack-action", step.id, **fields)


def attack_flow_bundle(result: Result) -> dict[str, Any]:
    paths = result.paths
    assert paths is not None, "the Attack Flow export needs a Result with paths"
    b = _Builder(result, paths)
    enables: dict[str, set[str]] = defaultdict(set)  # step id -> the steps that need its state
    needs: dict[str, set[str]] = defaultdict(set)
    for g in paths.goals:
        for p in g.paths:
            for sid, sources in p.needs:
                for src in sources:
                    enables[src].add(sid)
                    needs[sid].add(src)
    nodes: dict[str, dict[str, Any]] = {}
    starts: list[str] = []
    for sid, step in paths.steps.items():
        if step.rule.kind == "entry":
            nodes[sid] = b.sdo("attack-condition", sid, description=step.message)
            starts.append(nodes[sid]["id"])
        else:
            nodes[sid] = b.action(step)
    goals = {g.goal: b.sdo("attack-condition", "goal:" + g.goal,
                           description=f"The attacker reaches crown jewel '{g.name}'.") for g in paths.goals if g.paths}
    for sid, step in paths.steps.items():
        node = nodes[sid]
        targets: list[str] = []
        for nxt in sorted(enables.get(sid, ())):
            if len(needs[nxt]) > 1:
                targets.append(b.sdo("attack-operator", "and:" + nxt, operator="AND", effect_refs=[nodes[nxt]["id"]])["id"])
            else:
                targets.append(nodes[nxt]["id"])
        if step.rule.kind == "goal" and step.elements:
            goal = next((goals[e] for e in step.elements if e in goals), None)
            if goal is not None:
                targets.append(goal["id"])
        if targets:
            node["on_true_refs" if node["type"] == "attack-condition" else "effect_refs"] = sorted(set(targets))
    reached = [g for g in paths.goals if g.paths]
    if not starts:  # no path at all: the flow still needs a start
        starts = [b.sdo("attack-condition", "no-path", description="No attacker reaches a crown jewel.")["id"]]
    flow = b.sdo("attack-flow", "flow", name=f"Attack paths: {b.scope}",
                 description=(f"The {sum(len(g.paths) for g in reached)} most likely attack paths tmlogic {__version__} "
                              f"derived to {len(reached)} crown jewel{'s' if len(reached) != 1 else ''} of "
                              f"{b.scope}, from the model and its threats (up to {paths.k} per goal)."),
                 scope="attack-tree", start_refs=sorted(starts))
    producer = {"type": "identity", "spec_version": "2.1", "id": b.identity, "created": b.when, "modified": b.when,
                "name": "tmlogic", "identity_class": "system",
                "description": f"tmlogic {__version__}: threat modeling as code on a logic engine."}
    objects = _extension_objects() + [producer, flow] + sorted(
        (o for o in b.objects.values() if o is not flow), key=lambda o: o["id"])
    return {"type": "bundle", "id": b.id("bundle", "attack-flow"), "objects": objects}


def render_attack_flow(result: Result) -> str:
    return json.dumps(attack_flow_bundle(result), indent=2, ensure_ascii=False) + "\n"
