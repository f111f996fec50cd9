"""Ansible playbooks, roles and inventories -> a draft model (`tmlogic import ansible`), and what
they deploy (`tmlogic drift MODEL --ansible`). Ansible is not needed and never runs.

    inventory.py   INI and YAML inventories, host lists, group_vars/ and host_vars/
    playbook.py    plays, roles (tasks, handlers, defaults, vars, meta), included task files
    values.py      Jinja-free reading of values: {{ var }} from literals, groups[...] references
    jinja.py       a template's group conditions and loops over groups, without rendering it
    services.py    products, listen directives, TLS hints and firewall rules
    facts.py       what each host gets from the plays that target it
    infer.py       boundaries, elements, flows, exposure and SSH administration from those facts
    metadata.py    SecOpsTM's threat_model_metadata block: when present, it is the model

docs/integrations.md (section Ansible) lists the rules.
"""

from __future__ import annotations

from pathlib import Path

from ..._errors import SourceSpan
from ..base import ImportContext
from ..draft import Draft
from .facts import collect
from .infer import infer
from .inventory import Inventory, read_inventories
from .metadata import read_metadata
from .playbook import Play, read_playbooks

__all__ = ["read", "read_deployment"]

_INVENTORY_NAMES = ("hosts", "hosts.ini", "hosts.yml", "hosts.yaml", "inventory", "inventory.ini", "inventory.yml",
                    "inventory.yaml")


def _inventory(ctx: ImportContext, sources: list[Path]) -> Inventory:
    given = ctx.options.get("inventory", [])
    dirs = list(dict.fromkeys(p.parent if p.is_file() else p for p in sources))
    if not given:
        found = next((d / n for d in dirs for n in _INVENTORY_NAMES if (d / n).is_file()), None)
        if found is not None:
            ctx.report.approximate(f"inventory {ctx.relative(found)}", SourceSpan(ctx.shown(found), 1, 1),
                                   "no -i given: the inventory beside the playbook is used")
            given = [str(found)]
    return read_inventories(ctx, given, dirs)


def _deployment(sources: list[Path], ctx: ImportContext, admin: bool = True) -> tuple[Draft, list[Play]]:
    plays = read_playbooks(ctx, sources)
    inventory = _inventory(ctx, sources)
    first = sources[0]
    title = first.name if first.is_dir() else (first.parent.resolve().name if first.stem in ("site", "main", "playbook")
                                               else first.stem)
    draft = Draft("ansible", title=title,
                  description="Inferred from " + ", ".join(ctx.relative(s) for s in sources)
                  + (" and the inventory " + ", ".join(ctx.relative(s) for s in inventory.sources)
                     if inventory.sources else "") + " by tmlogic import ansible: check every item marked inferred.")
    infer(ctx, inventory, collect(ctx, inventory, plays), draft, admin)
    draft.flows_complete = False
    return draft, plays


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    """The playbooks' threat_model_metadata when one has it (it wins); else the inferred model."""
    for source in sources:
        if source.is_file() and _has_metadata(ctx, source):
            return read_metadata(ctx, source)
    return _deployment(sources, ctx)[0]


def read_deployment(sources: list[Path], ctx: ImportContext) -> Draft:
    """What the playbooks deploy, for drift: always inferred (a metadata block is a model, not a
    deployment), without the control node (it deploys; it is not deployed)."""
    return _deployment(sources, ctx, admin=False)[0]


def _has_metadata(ctx: ImportContext, path: Path) -> bool:
    from .playbook import read_playbooks as plays_of

    quiet = ImportContext(type(ctx.report)(ctx.report.format, []), ctx.options, ctx.relative_to)
    return any(p.metadata is not None for p in plays_of(quiet, [path]))
