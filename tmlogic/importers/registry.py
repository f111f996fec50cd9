"""The formats tmlogic imports and exports, and how the CLI offers them.

Adding a format is one entry here and one module with `read(sources, ctx) -> Draft` (and
`export(model, ...) -> str` when `exports` is set). The `import`, `export` and `drift` commands
read this table: a new entry gets its `tmlogic import NAME`, its drift flag (`--NAME FILE`) and
its extra options (`-i INVENTORY`) with no change to the commands themselves.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

__all__ = ["OptionSpec", "ImporterSpec", "IMPORTERS", "importer", "drift_flags"]


@dataclass(frozen=True)
class OptionSpec:
    """An extra input an importer takes besides its sources (Ansible: the inventory)."""

    name: str  # key in ImportContext.options
    flags: tuple[str, ...]  # ("-i", "--inventory")
    help: str
    repeatable: bool = False


@dataclass(frozen=True)
class ImporterSpec:
    name: str  # as typed: `tmlogic import compose`
    title: str  # as shown: "docker-compose"
    module: str  # tmlogic.importers.<module>, imported on use
    summary: str
    reads: str  # what SOURCE is: "file", "files", "files or folders"
    drift: bool = False  # infrastructure as code: `tmlogic drift MODEL --NAME SOURCE`
    exports: bool = False
    options: tuple[OptionSpec, ...] = ()
    drift_flag: str | None = None  # default: --NAME

    def load(self) -> ModuleType:
        return importlib.import_module(f"tmlogic.importers.{self.module}")

    @property
    def flag(self) -> str:
        return self.drift_flag or f"--{self.name}"


IMPORTERS: dict[str, ImporterSpec] = {spec.name: spec for spec in (
    ImporterSpec("otm", "Open Threat Model (OTM 0.2.0)", "otm",
                 "trust zones, components, dataflows, assets, threats and mitigations", "file", exports=True),
    ImporterSpec("threagile", "Threagile YAML", "threagile",
                 "technical assets, trust boundaries, communication links, data assets, shared runtimes, "
                 "individual risks; risk_tracking into a risk file", "file"),
    ImporterSpec("threat-dragon", "OWASP Threat Dragon v2 JSON", "threat_dragon",
                 "diagrams, actors, processes, stores, flows, trust boundaries and their threats", "file",
                 exports=True),
    ImporterSpec("pytm", "pytm JSON (python3 tm.py --json FILE)", "pytm_json",
                 "boundaries, actors, assets (servers, processes, datastores, lambdas, LLMs, agents), flows, data, "
                 "controls; never runs the model's .py", "file",
                 options=(OptionSpec("defaults", ("--defaults",), "unknown (default): values at pytm's defaults stay "
                                     "unstated; stated: write them all, as pytm reads them"),)),
    ImporterSpec("ansible", "Ansible playbooks, roles and inventories", "ansible",
                 "threat_model_metadata when present, else inventory groups and host vars as boundaries, hosts typed "
                 "from roles, packages and modules, ports, flows from configuration, SSH administration",
                 "files or folders", drift=True,
                 options=(OptionSpec("inventory", ("-i", "--inventory"), "Ansible inventory (INI or YAML file, folder, "
                                     "or host1,host2,); repeatable", repeatable=True),)),
    ImporterSpec("compose", "docker-compose", "compose",
                 "services, networks, published ports, depends_on, links, service URLs, secrets in the environment",
                 "files", drift=True),
    ImporterSpec("k8s", "Kubernetes manifests", "kubernetes",
                 "namespaces, workloads, Services, Ingress, NetworkPolicies, pod security settings",
                 "files or folders", drift=True),
    ImporterSpec("terraform", "Terraform plan JSON (terraform show -json)", "terraform",
                 "AWS VPC, subnets, security groups, load balancers, instances, RDS, S3, API Gateway, Lambda",
                 "file", drift=True),
)}


def importer(name: str) -> ImporterSpec | None:
    return IMPORTERS.get(name)


def drift_flags() -> dict[str, ImporterSpec]:
    """`--compose` -> the compose importer, for every format that can be compared with a model."""
    return {spec.flag: spec for spec in IMPORTERS.values() if spec.drift}
