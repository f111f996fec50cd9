"""docker-compose files -> a draft model.

    services              elements, typed from the image (technology.py); storage images are datastores
    networks              boundaries (trusted: a compose network is private to the host); a service
                          without `networks` is on the project's `default` network
    ports (published)     a flow from the Internet to the service, which becomes internet_facing;
                          a port bound to 127.0.0.1 / ::1 is local only (reported, no flow)
    depends_on, links     flows from the service to what it needs, protocol from the target's image
    environment URLs      `postgres://db:5432`, `DB_HOST=db`: flows, protocol from the scheme
    secrets in environment  PASSWORD/SECRET/TOKEN/KEY variables with a literal value: stores_credentials
                          (the value is never copied into the model or the report)
    privileged, bind mounts  privileged, host_path_mount

Several files merge the way `docker compose -f a.yml -f b.yml` does for what is mapped here:
a service named again adds to (and overrides) the first. Interpolation (`${VAR}`) is not
evaluated: such a value is taken as written, and a URL whose host is a variable gives no flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import SourceSpan
from ..model.schema import Value
from .base import Fields, ImportContext
from .draft import INTERNET, Draft, DraftBoundary, DraftElement, DraftFlow
from .located import Mapping, Node, Scalar, Sequence, describe
from .technology import ENCRYPTED_SCHEMES, protocol_for_port, protocol_for_scheme, technology_of_image

__all__ = ["read", "Service", "collect_services"]

_SECRET_NAME = re.compile(r"(PASSW(OR)?D|PASSWD|(^|_)PASS($|_)|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                          r"CREDENTIAL|AUTH_?KEY)",
                          re.IGNORECASE)
_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.:-]*)://(?:[^@/\s]*@)?(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d+))?",
                  re.IGNORECASE)
_URL_PASSWORD = re.compile(r"://[^@/\s:]+:[^@/\s${}]+@")  # user:password@ with a literal password
_HOST_KEY = re.compile(r"(_|^)(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|SERVICE)$", re.IGNORECASE)
_LOCAL = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_IGNORED = "no equivalent in a threat model (build, runtime and scheduling settings)"
_SERVICE_DROPPED = ("build", "command", "entrypoint", "healthcheck", "restart", "deploy", "logging", "labels",
                    "working_dir", "stop_signal", "stop_grace_period", "tty", "stdin_open", "init", "platform",
                    "pull_policy", "profiles", "scale", "ulimits", "mem_limit", "cpus", "shm_size", "env_file",
                    "extra_hosts", "dns", "domainname", "extends", "develop", "attach", "oom_score_adj")


@dataclass
class Service:
    name: str
    span: SourceSpan
    node: Mapping
    image: str | None = None
    networks: list[str] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)  # container_name, hostname, network aliases


def _env_pairs(fields: Fields) -> list[tuple[str, str | None, SourceSpan]]:
    node = fields.present("environment")
    if node is None:
        return []
    out: list[tuple[str, str | None, SourceSpan]] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            text = None if not isinstance(value, Scalar) or value.value is None else value.text()
            out.append((key, text, node.where(key)))
    elif isinstance(node, Sequence):
        for item in node:
            if not isinstance(item, Scalar):
                fields.ctx.fail(item.span, f"{fields.what}: an environment entry must be KEY=value, not {describe(item)}")
            name, sep, text = item.text().partition("=")
            out.append((name.strip(), text if sep else None, item.span))
    else:
        fields.ctx.fail(node.span, f"{fields.what}: 'environment' must be a mapping or a list of KEY=value")
    return out


def _names(node: Node | None, ctx: ImportContext, what: str) -> list[tuple[str, SourceSpan]]:
    """A list of names, or a mapping whose keys are the names (depends_on, networks)."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return []
    if isinstance(node, Mapping):
        return [(k, node.where(k)) for k, _ in node.items()]
    if isinstance(node, Sequence):
        out = []
        for item in node:
            if not isinstance(item, Scalar):
                ctx.fail(item.span, f"{what} must list names, not {describe(item)}")
            out.append((item.text(), item.span))
        return out
    ctx.fail(node.span, f"{what} must be a list or a mapping, not {describe(node)}")


def collect_services(files: list[Path], ctx: ImportContext) -> tuple[dict[str, Service], dict[str, tuple[SourceSpan, Mapping]], str | None]:
    """Services and networks of every file, merged in order; the project name if one is given."""
    services: dict[str, Service] = {}
    networks: dict[str, tuple[SourceSpan, Mapping]] = {}
    project: str | None = None
    for path in files:
        docs = ctx.yaml(path)
        if not docs:
            ctx.fail(SourceSpan(ctx.shown(path), 1, 1), "the compose file is empty", "a compose file has a services: mapping")
        for doc in docs:
            root = ctx.mapping(doc, "a compose file", doc.span, "a compose file is a mapping with services:")
            top = ctx.fields(root, "compose file")
            svc = top.mapping("services")
            if svc is None:
                ctx.fail(root.span, "the compose file has no services", "a compose file has a services: mapping")
            project = top.text("name") or project
            top.drop("compose file format version (obsolete, no meaning for the model)", "version")
            for name, node in svc.items():
                body = ctx.mapping(node, f"service '{name}'", svc.where(name), "each service is a mapping: image: ...")
                if name in services:  # an override file: later keys win
                    merged = Mapping({**services[name].node.entries, **body.entries}, services[name].span,
                                     {**services[name].node.key_spans, **body.key_spans})
                    services[name].node = merged
                else:
                    services[name] = Service(name, svc.where(name), body)
            nets = top.mapping("networks")
            for name, node in (nets.items() if nets is not None else iter(())):
                body = node if isinstance(node, Mapping) else Mapping({}, nets.where(name) if nets else root.span)
                networks[name] = (nets.where(name) if nets else root.span, body)
            for key in ("volumes", "configs", "secrets"):
                top.unmapped(key, f"top-level {key} are storage and configuration objects, not elements or flows; "
                                  "their use by services is mapped where it matters (bind mounts, secrets)")
            top.used.update(k for k in root.entries if k.startswith("x-"))
            top.unmapped("include", "included files are not followed: pass them as further SOURCE files")
            top.done()
    return services, networks, project


class _Reader:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.draft = Draft("compose", flows_complete=False)
        self.elements: dict[str, DraftElement] = {}  # service -> element
        self.by_alias: dict[str, str] = {}

    def read(self, files: list[Path]) -> Draft:
        services, networks, project = collect_services(files, self.ctx)
        self.draft.title = project or (files[0].parent.resolve().name if files else None) or "docker-compose"
        self.draft.description = "Services of " + ", ".join(self.ctx.relative(f) for f in files) + "."
        used_default = any(self.service_networks(s) == [] for s in services.values())
        zone_of: dict[str, str] = {}
        for name, (span, body) in networks.items():
            f = self.ctx.fields(body, f"network '{name}'")
            attrs: dict[str, Value] = {"is_trusted": True}
            if f.flag("internal"):
                attrs["description"] = "internal network: no route outside the host"
            f.unmapped("external", "an external network is created outside this project; it is still a boundary here")
            f.drop("network driver and addressing (no meaning for the model)", "driver", "driver_opts", "ipam",
                   "name", "labels", "attachable", "enable_ipv6")
            f.done()
            zone_of[name] = self.draft.add_boundary(DraftBoundary(name, span, f"network '{name}'", attrs,
                                                                  aliases=(name,))).name
        if used_default and "default" not in zone_of:
            first = next(iter(services.values())).span if services else SourceSpan("compose", 1, 1)
            zone_of["default"] = self.draft.add_boundary(DraftBoundary(
                "default", first, "the project's default network", {"is_trusted": True}, aliases=("default",))).name
        for service in services.values():
            self.element(service, zone_of)
        for service in services.values():
            self.connections(service, services)
        return self.draft

    def service_networks(self, service: Service) -> list[str]:
        return [n for n, _ in _names(service.node.get("networks"), self.ctx, f"service '{service.name}': networks")]

    def element(self, service: Service, zone_of: dict[str, str]) -> None:
        f = self.ctx.fields(service.node, f"service '{service.name}'")
        image = f.text("image")
        service.image = image
        tech = technology_of_image(image) if image else None
        attrs: dict[str, Value] = {}
        if tech is not None:
            attrs["type"] = tech.type
        if image:
            attrs["technology"] = image
        aliases = {service.name}
        for key in ("container_name", "hostname"):
            value = f.text(key)
            if value:
                aliases.add(value)
        nets = _names(f.get("networks"), self.ctx, f"service '{service.name}': networks")
        net_node = service.node.get("networks")
        if isinstance(net_node, Mapping):
            for net, body in net_node.items():
                if isinstance(body, Mapping):
                    nf = self.ctx.fields(body, f"service '{service.name}' network '{net}'")
                    aliases.update(nf.texts("aliases"))
                    nf.drop("fixed addresses on a network (no meaning for the model)", "ipv4_address", "ipv6_address",
                            "priority", "link_local_ips", "mac_address", "gw_priority", "driver_opts")
                    nf.done()
        mode = f.text("network_mode")
        boundary: str | None = None
        if mode and mode not in ("bridge",):
            self.ctx.report.approximate(f"service '{service.name}' network_mode '{mode}'", f.where("network_mode"),
                                        "placed in no boundary: it shares another network stack "
                                        "(host mode exposes every port it listens on)")
        elif nets:
            unknown = [n for n, s in nets if n not in zone_of]
            for n, s in nets:
                if n not in zone_of:
                    self.ctx.fail(s, f"service '{service.name}' uses network '{n}', which the file does not declare",
                                  "declare it under the top-level networks:")
            boundary = zone_of[nets[0][0]]
            if len(nets) > 1 and not unknown:
                self.ctx.report.approximate(f"service '{service.name}' networks", f.where("networks"),
                                            f"placed in '{boundary}', the first of {', '.join(n for n, _ in nets)}: "
                                            "an element sits in one innermost boundary")
        else:
            boundary = zone_of.get("default")
        if f.flag("privileged"):
            attrs["privileged"] = True
        mounts = self.bind_mounts(f, service.name)
        if mounts:
            attrs["host_path_mount"] = True
        secrets = [k for k, v, _ in _env_pairs(f) if v and ((_SECRET_NAME.search(k) and not v.startswith("${")
                   and not k.upper().endswith("_FILE")) or _URL_PASSWORD.search(v))]
        if secrets:
            attrs["stores_credentials"] = True
            self.ctx.report.approximate(f"service '{service.name}' environment", f.where("environment"),
                                        "holds secrets as literal values (" + ", ".join(sorted(secrets)) +
                                        "): marked stores_credentials; the values are not copied")
        f.get("ports"), f.get("depends_on"), f.get("links")
        f.unmapped("expose", "ports open to other services only; the flows come from depends_on, links and URLs")
        f.unmapped("secrets", "compose secrets are files mounted into the container, the safe way to pass secrets; "
                              "nothing in the model needs them")
        f.unmapped("configs", "configuration files mounted into the container")
        f.unmapped("cap_add", "added Linux capabilities have no key in the model (privileged=True is the closest)")
        f.unmapped("user", "the user a container runs as has no key in the model")
        f.unmapped("read_only", "a read-only root file system has no key in the model")
        f.unmapped("security_opt", "security options (seccomp, AppArmor) have no key in the model")
        f.drop(_IGNORED, *_SERVICE_DROPPED)
        f.used.update(k for k in service.node.entries if k.startswith("x-"))
        f.used.update(("cap_drop", "devices", "pid", "ipc", "sysctls", "tmpfs", "group_add", "runtime",
                       "cgroup_parent", "isolation", "userns_mode", "uts", "storage_opt", "volumes_from"))
        f.done()
        kind = tech.kind if tech is not None else "server"
        element = self.draft.add_element(DraftElement(service.name, service.span, f"service '{service.name}'", attrs,
                                                      kind=kind, boundary=boundary, aliases=tuple(sorted(aliases))))
        self.elements[service.name] = element
        for alias in aliases:
            self.by_alias.setdefault(alias, service.name)

    def bind_mounts(self, f: Fields, service: str) -> list[str]:
        node = f.present("volumes")
        out: list[str] = []
        for item in (node if isinstance(node, Sequence) else []):
            if isinstance(item, Scalar):
                source = item.text().split(":", 1)[0] if ":" in item.text() else ""
                if source.startswith(("/", "./", "../", "~")) or source == ".":
                    out.append(source)
            elif isinstance(item, Mapping):
                kind = item.get("type")
                src = item.get("source")
                if isinstance(kind, Scalar) and kind.text() == "bind" and isinstance(src, Scalar):
                    out.append(src.text())
        return out

    def flow(self, src: DraftElement, dst: DraftElement, span: SourceSpan, label: str,
             attrs: dict[str, Value]) -> None:
        existing = next((fl for fl in self.draft.flows if fl.src == src.name and fl.dst == dst.name), None)
        if existing is not None:
            for key, value in attrs.items():  # a URL knows the protocol better than depends_on
                if key not in existing.attrs or key in ("protocol", "port", "is_encrypted"):
                    existing.attrs[key] = value
            self.ctx.report.map(label, span, f"flow '{existing.name}'")
            return
        self.draft.add_flow(DraftFlow(f"{src.name} to {dst.name}", span, label, attrs, src=src.name, dst=dst.name))

    def default_protocol(self, service: Service) -> dict[str, Value]:
        tech = technology_of_image(service.image) if service.image else None
        if tech is None or tech.protocol is None:
            return {}
        return {"protocol": tech.protocol, **({"port": tech.port} if tech.port else {})}

    def connections(self, service: Service, services: dict[str, Service]) -> None:
        me = self.elements[service.name]
        node = service.node
        for port, transport, span in self.published(node.get("ports"), service.name):
            client = self.draft.internet_client(span, "published ports")
            me.attrs["internet_facing"] = True
            attrs: dict[str, Value] = {"port": port}
            protocol = protocol_for_port(port, transport)
            if protocol:
                attrs["protocol"] = protocol
            self.draft.add_flow(DraftFlow(f"{INTERNET} to {service.name}:{port}", span,
                                          f"service '{service.name}' published port {port}", attrs,
                                          src=client.name, dst=me.name))
        for name, span in _names(node.get("depends_on"), self.ctx, f"service '{service.name}': depends_on"):
            target = services.get(name)
            if target is None:
                self.ctx.fail(span, f"service '{service.name}' depends on '{name}', which is not a service",
                              "name a service of this file")
            self.flow(me, self.elements[name], span, f"service '{service.name}' depends_on '{name}'",
                      self.default_protocol(target))
        for text, span in _names(node.get("links"), self.ctx, f"service '{service.name}': links"):
            name = text.split(":", 1)[0]
            if name not in services:
                self.ctx.fail(span, f"service '{service.name}' links to '{name}', which is not a service",
                              "name a service of this file")
            self.flow(me, self.elements[name], span, f"service '{service.name}' link '{text}'",
                      self.default_protocol(services[name]))
        fields = self.ctx.fields(node, f"service '{service.name}'")
        for key, value, span in _env_pairs(fields):
            if not value:
                continue
            for m in _URL.finditer(value):
                named = self.by_alias.get(m.group("host"))
                if named is None or named == service.name:
                    continue
                scheme = m.group("scheme").lower()
                attrs = {}
                protocol = protocol_for_scheme(scheme)
                if protocol:
                    attrs["protocol"] = protocol
                if m.group("port"):
                    attrs["port"] = int(m.group("port"))
                if scheme in ENCRYPTED_SCHEMES:
                    attrs["is_encrypted"] = True
                self.flow(me, self.elements[named], span, f"service '{service.name}' environment {key}", attrs)
            host = self.by_alias.get(value.strip())
            if host is not None and host != service.name and _HOST_KEY.search(key):
                self.flow(me, self.elements[host], span, f"service '{service.name}' environment {key}",
                          self.default_protocol(services[host]))

    def published(self, node: Node | None, service: str) -> list[tuple[int, str, SourceSpan]]:
        """(container port, transport, span) of every port published beyond the loopback."""
        out: list[tuple[int, str, SourceSpan]] = []
        if node is None or (isinstance(node, Scalar) and node.value is None):
            return out
        items = self.ctx.sequence(node, f"service '{service}': ports", node.span)
        for item in items:
            # Every `ports` entry publishes (a bare "5000" on a random host port); `expose` does not.
            host_ip, target, transport = "", None, "tcp"
            if isinstance(item, Mapping):
                f = self.ctx.fields(item, f"service '{service}' port")
                target = f.number("target")
                host_ip = f.text("host_ip") or ""
                transport = f.text("protocol") or "tcp"
                f.get("published")
                f.drop("port publishing details (no meaning for the model)", "mode", "name", "app_protocol")
                f.done()
            elif isinstance(item, Scalar):
                text = item.text()
                spec, _, proto = text.partition("/")
                transport = proto or "tcp"
                parts = spec.rsplit(":", 2) if not spec.startswith("[") else re.split(r"(?<=\]):", spec)
                if len(parts) == 3:
                    host_ip = parts[0]
                container = parts[-1].split("-", 1)[0]
                target = int(container) if container.isdigit() else None
            if target is None or not (1 <= int(target) <= 65535):
                self.ctx.fail(item.span, f"service '{service}': cannot read the port {describe(item)}",
                              'write "8080:80", "80", or target: 80 with published: 8080')
            if host_ip.strip("[]") in _LOCAL or host_ip in _LOCAL:
                self.ctx.report.skip(f"service '{service}' port {int(target)}", item.span,
                                     f"published on {host_ip} only: reachable from the host itself, not the Internet")
                continue
            out.append((int(target), transport, item.span))
        return out


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    if not sources:
        raise ValueError("no compose file given")
    return _Reader(ctx).read(sources)
