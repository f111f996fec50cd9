"""The model a deployment implies, from what each host gets (facts.py).

    hosts              servers, typed by the product nearest the clients (load balancer, proxy,
                       CMS, web server, app server); a database, cache or broker next to a front
                       product is an element of its own on that host ('web1 MySQL')
    groups, host vars  boundaries: groups named like zones or tiers (dmz, web, app, db, internal...)
                       and zone=, network=, vlan=, subnet= host vars; hosts in none: 'Managed Hosts'
    connections        flows, from template lines (upstream and server lines, loops over groups,
                       mysqli_connect, DB_HOST), and from variables naming hosts (db_host,
                       backend_servers...); a front product and a datastore on one host: a flow
    ports, TLS         listen directives and firewall openings; TLS from ssl settings
    exposure           an entry tier (a front product that no other host forwards to) or a web port
                       open to any source: a flow from the Internet
    SSH                the control node: an admin actor, an SSH flow to every managed host

Every item points at the line that made it (imported_from) and every guess says so
(`inferred=...`, listed in the report as approximated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..._errors import SourceSpan
from ...model.schema import Value
from ..base import ImportContext
from ..draft import Draft, DraftBoundary, DraftElement, DraftFlow
from ..located import Scalar
from ..technology import protocol_for_port
from .facts import Connection, HostFacts, Product
from .inventory import Inventory
from .services import AGENT_TYPES, FRONT_TYPES, STORE_TYPES, front_rank, protocol_of

__all__ = ["infer"]

_ZONE_WORDS = re.compile(r"(^|[-_ ])(dmz|perimeter|edge|public|external|internet|web|www|frontend|front|lb|"
                         r"loadbalancers?|proxy|proxies|app|apps|application|api|backend|db|dbs|database|data|"
                         r"cache|internal|private|mgmt|management|admin|core|secure|trusted|untrusted|tier[0-9]*|"
                         r"zone|subnet|vlan)", re.I)
_UNTRUSTED_WORDS = re.compile(r"(dmz|perimeter|edge|public|external|internet|untrusted)", re.I)
_ZONE_VARS = ("zone", "network_zone", "security_zone", "trust_zone", "network", "vlan", "subnet", "segment")
_WEB_PORTS = frozenset({80, 443, 8080, 8443})
CONTROL_ZONE, CONTROL_NODE = "Administration", "Ansible Control Node"


@dataclass
class _Host:
    facts: HostFacts
    element: DraftElement
    services: dict[str, DraftElement]  # product -> its element (the host element for front products)
    zone: str | None


class _Inference:
    def __init__(self, ctx: ImportContext, inv: Inventory, hosts: dict[str, HostFacts], draft: Draft) -> None:
        self.ctx, self.inv, self.facts, self.draft = ctx, inv, hosts, draft
        self.hosts: dict[str, _Host] = {}
        self.zones: dict[str, DraftBoundary] = {}

    def guess(self, attrs: dict[str, Value], label: str, span: SourceSpan, why: str) -> None:
        attrs["inferred"] = why
        self.ctx.report.approximate(label, span, why)

    # -- boundaries ---------------------------------------------------------------------------

    def zone_of(self, facts: HostFacts) -> str | None:
        """A host's zone: a zone variable (inside its group's zone, if any), else its innermost zone-like group."""
        group_zone: str | None = None
        for group in reversed(facts.groups):
            if group not in ("all", "ungrouped") and _ZONE_WORDS.search(group):
                span = self.inv.groups[group].span if group in self.inv.groups else facts.span
                group_zone = self.zone(group, span, f"boundary from the inventory group '{group}', named like a zone "
                                                    "or tier")
                break
        host = self.inv.hosts.get(facts.name)
        for key in _ZONE_VARS:
            node = host.vars.get(key) if host is not None else None
            if isinstance(node, Scalar) and node.value not in (None, ""):
                value = node.text()
                name = f"VLAN {value}" if key == "vlan" and value.isdigit() else value
                return self.zone(name, node.span, f"boundary from the host variable {key}={value}", group_zone)
        return group_zone

    def zone(self, name: str, span: SourceSpan, why: str, inside: str | None = None) -> str:
        if name in self.zones:
            return self.zones[name].name
        parents = [g for g in (self.inv.groups[name].parents if name in self.inv.groups else []) if g != "all"]
        for parent in parents:  # a zone-like group's zone-like parents are created first, to nest it
            if _ZONE_WORDS.search(parent) and parent not in self.zones:
                self.zone(parent, self.inv.groups[parent].span, f"boundary from the inventory group '{parent}', "
                                                                "named like a zone or tier")
        trusted = not _UNTRUSTED_WORDS.search(name)
        attrs: dict[str, Value] = {"is_trusted": trusted}
        self.guess(attrs, f"boundary '{name}'", span, f"{why}; {'trusted' if trusted else 'untrusted'} by its name")
        b = self.draft.add_boundary(DraftBoundary(name, span, f"boundary '{name}'", attrs, aliases=(name,)))
        self.zones[name] = b
        b.parent = inside or next((self.zones[p].name for p in parents if p in self.zones), None)
        return b.name

    # -- elements -----------------------------------------------------------------------------

    def host(self, facts: HostFacts) -> None:
        zone = self.zone_of(facts) or self.zone("Managed Hosts", facts.span, "every host outside a zone-like group")
        products = list(facts.products.values())
        stores = [p for p in products if p.tech.type in STORE_TYPES or p.tech.kind == "datastore"]
        front = sorted((p for p in products if p not in stores and p.tech.type not in AGENT_TYPES),
                       key=lambda p: front_rank(p.tech.type))
        others = [p for p in products if p.tech.type in AGENT_TYPES]
        main = front[0] if front else (stores[0] if stores else None)
        attrs: dict[str, Value] = {}
        kind = "server"
        if main is not None:
            attrs["type"] = main.tech.type
            kind = "datastore" if main in stores else "server"
            self.guess(attrs, f"host '{facts.name}'", main.span, f"type {main.tech.type} from {main.via}")
        on_host = [p for p in front + others if p is not main] + ([main] if main is not None and main not in stores
                                                                    else [])
        names = [p.name for p in ([main] if main else []) + [p for p in on_host if p is not main]]
        if names:
            attrs["technology"] = ", ".join(names)
        port = self.port_of(facts, main)
        if port is not None:
            attrs["port"] = port
        # drift matches a model element on any of these: the host, its address, its groups (a model that
        # draws a tier as one element names it after the group)
        inv_host = self.inv.hosts.get(facts.name)
        address = inv_host.vars.get("ansible_host") if inv_host is not None else None
        aliases = (facts.name,) + ((address.text(),) if isinstance(address, Scalar) else ()) \
            + tuple(g for g in reversed(facts.groups) if g not in ("all", "ungrouped"))
        element = self.draft.add_element(DraftElement(facts.name, facts.span, f"host '{facts.name}'", attrs,
                                                      kind=kind, boundary=zone, aliases=aliases))
        services = {p.name: element for p in front + others}
        if main is not None:
            services[main.name] = element
        for store in stores:
            if store is main:
                continue
            sattrs: dict[str, Value] = {"type": store.tech.type, "technology": store.name}
            sport = self.port_of(facts, store)
            if sport is not None:
                sattrs["port"] = sport
            self.guess(sattrs, f"{store.name} on '{facts.name}'", store.span,
                       f"a {store.tech.type} on host {facts.name}, from {store.via}")
            services[store.name] = self.draft.add_element(DraftElement(
                f"{facts.name} {_title(store.name)}", store.span, f"{store.name} on host '{facts.name}'", sattrs,
                kind="datastore" if store.tech.kind == "datastore" else "server", boundary=zone,
                aliases=(f"{facts.name}-{store.name}",)))
        self.hosts[facts.name] = _Host(facts, element, services, zone)

    def port_of(self, facts: HostFacts, product: Product | None) -> int | None:
        if product is None:
            return None
        mine = [x for p, x, _ in facts.listens if p in (product.name, None)]
        return mine[0].port if mine else product.tech.port

    def tls_of(self, facts: HostFacts, product: str | None) -> bool:
        return any(x.tls for p, x, _ in facts.listens if product is None or p in (product, None))

    # -- flows --------------------------------------------------------------------------------

    def target_element(self, host: _Host, port: int | None, protocol: str | None) -> tuple[DraftElement, Product | None]:
        """The element of a host that a connection reaches: the service on that port or protocol, else the host."""
        for name, element in host.services.items():
            product = host.facts.products.get(name)
            if product is None:
                continue
            ports = {x.port for p, x, _ in host.facts.listens if p == name} | {product.tech.port}
            if (port is not None and port in ports) or (protocol is not None and product.tech.protocol == protocol
                                                        and port is None):
                return element, product
        main = next((host.facts.products[n] for n, e in host.services.items() if e is host.element
                     and n in host.facts.products), None)
        return host.element, main

    def flow(self, src: DraftElement, dst: DraftElement, protocol: str | None, port: int | None, tls: bool,
             span: SourceSpan, via: str, guess: str | None = None) -> None:
        if src is dst or any(f.src == src.name and f.dst == dst.name and f.attrs.get("protocol") == protocol
                             for f in self.draft.flows):
            return
        attrs: dict[str, Value] = {}
        if protocol:
            attrs["protocol"] = protocol
        if port:
            attrs["port"] = port
        if tls:
            attrs["is_encrypted"] = True
        attrs["description"] = via
        label = f"connection {src.name} -> {dst.name}"
        if guess:
            self.guess(attrs, label, span, guess)
        self.draft.add_flow(DraftFlow(f"{src.name} to {dst.name}" + (f" ({protocol})" if protocol else ""), span,
                                      label, attrs, src=src.name, dst=dst.name))

    def connection(self, host: _Host, c: Connection) -> None:
        source = host.services.get(c.product or "", host.element)
        if c.local:
            for name, element in host.services.items():
                if element is not host.element and element.kind == "datastore":
                    store = host.facts.products[name]
                    self.flow(source, element, store.tech.protocol, store.tech.port, c.tls, c.span, c.via)
            return
        for target_name in c.targets:
            target = self.hosts.get(target_name)
            if target is None or target is host:
                continue
            if c.inbound:  # a firewall rule letting the targets in: they connect to this host's service
                local, local_product = self.target_element(host, c.port, None)
                tech = local_product.tech if local_product is not None and local_product.tech.port == c.port else None
                self.flow(target.element, local, protocol_of(tech, c.port, c.tls), c.port, c.tls, c.span, c.via)
                continue
            element, product = self.target_element(target, c.port, c.protocol)
            port = c.port or (element.attrs.get("port") if isinstance(element.attrs.get("port"), int) else None)
            protocol = c.protocol or protocol_of(product.tech if product else None, port if isinstance(port, int)
                                                 else None, c.tls)
            self.flow(source, element, protocol, port if isinstance(port, int) else None, c.tls, c.span, c.via)

    def clients(self, host: _Host) -> None:
        """A client library (php-mysql) or an SELinux permission to reach databases: a flow to the hosts of
        the inventory that run that product, when the configuration named none."""
        for products, span, via in host.facts.clients:
            if any(p in host.facts.products for p in products):
                continue  # the product runs here: the same-host rule covers it
            servers = [h for h in self.hosts.values() if h is not host and any(p in h.facts.products for p in products)]
            for target in servers:
                name = next(p for p in products if p in target.facts.products)
                element = target.services[name]
                if any(f.src == host.element.name and f.dst == element.name for f in self.draft.flows):
                    continue
                product = target.facts.products[name]
                self.flow(host.element, element, product.tech.protocol, self.port_of(target.facts, product), False, span,
                          f"{host.facts.name} has {via}; {target.facts.name} runs {name}",
                          f"{host.facts.name} talks to {name}: it has {via}, and {target.facts.name} runs {name}")

    def same_host(self, host: _Host) -> None:
        """A front product and a datastore on one host, with no connection read: the front uses it."""
        if host.element.kind == "datastore":
            return
        for name, element in host.services.items():
            if element is host.element or any(f.dst == element.name for f in self.draft.flows):
                continue
            product = host.facts.products[name]
            self.flow(host.element, element, product.tech.protocol, product.tech.port, False, product.span,
                      f"{product.name} runs on {host.facts.name} beside {host.element.attrs.get('technology', '')}",
                      f"a flow to the {product.tech.type} on the same host: nothing says who uses it, the host's "
                      "front product is taken")

    def exposure(self) -> None:
        kinds = {e.name: e.attrs.get("type") for e in self.draft.elements}
        # what a load balancer, proxy or web tier forwards to is behind it, not facing the Internet
        forwarded = {f.dst: f.src for f in self.draft.flows if kinds.get(f.src) in FRONT_TYPES}
        for host in self.hosts.values():
            element = host.element
            open_any = [(r, s) for r, s in host.facts.firewall if not r.sources and r.port]
            for rule, span in open_any:
                if rule.port not in _WEB_PORTS:
                    self.ctx.report.approximate(f"port {rule.port} on '{element.name}'", span,
                                                "open to any source by a firewall rule; no flow is drawn for it")
            open_web = [(r, s) for r, s in open_any if r.port in _WEB_PORTS]
            if element.name in forwarded:
                if open_web:
                    self.ctx.report.approximate(f"port {open_web[0][0].port} on '{element.name}'", open_web[0][1],
                                                f"open to any source, but {forwarded[element.name]} forwards to "
                                                f"{element.name}: taken as behind it, not facing the Internet")
                continue
            entry = element.attrs.get("type") in FRONT_TYPES
            if not (open_web or entry):
                continue
            listed = element.attrs.get("port")
            ports = sorted({r.port for r, _ in open_web if r.port}) or ([listed] if isinstance(listed, int) else [80])
            span = open_web[0][1] if open_web else host.facts.span
            why = (f"port {', '.join(map(str, ports))} open to any source ({'firewall rule' if open_web else ''})"
                   if open_web else f"an entry tier: a {element.attrs.get('type')} that no other host forwards to")
            client = self.draft.internet_client(span, "Ansible")
            for port in ports[:2]:
                tls = port in (443, 8443) or self.tls_of(host.facts, None)
                self.flow(client, element, "HTTPS" if tls else protocol_for_port(port) or "HTTP", port, tls, span,
                          f"clients from the Internet reach {element.name}", f"reachable from the Internet: {why}")

    def admin(self) -> None:
        managed = [h for h in self.hosts.values() if h.facts.plays]
        if not managed:
            return
        span = managed[0].facts.plays[0].span
        zone = self.zone(CONTROL_ZONE, span, "the control node that runs the playbooks")
        attrs: dict[str, Value] = {"type": "admin-workstation", "is_admin": True,
                                   "description": "runs ansible-playbook; logs in to every managed host over SSH"}
        self.guess(attrs, CONTROL_NODE, span, "the control node: Ansible logs in to the hosts from it")
        node = self.draft.add_element(DraftElement(CONTROL_NODE, span, "the Ansible control node", attrs, kind="actor",
                                                   boundary=zone))
        for host in managed:
            inv_host = self.inv.hosts.get(host.facts.name)
            variables = inv_host.vars if inv_host is not None else {}
            conn = variables.get("ansible_connection")
            protocol = "WINRM" if isinstance(conn, Scalar) and conn.text() in ("winrm", "psrp") else "SSH"
            port_node = variables.get("ansible_port") or variables.get("ansible_ssh_port")
            port = int(port_node.value) if isinstance(port_node, Scalar) and isinstance(port_node.value, int) else \
                (5986 if protocol == "WINRM" else 22)
            fattrs: dict[str, Value] = {"protocol": protocol, "port": port, "is_authenticated": True,
                                        "description": f"Ansible runs its tasks on {host.facts.name}"}
            if "ansible_password" in variables or "ansible_ssh_pass" in variables:
                fattrs["authentication"] = "password"
            self.draft.add_flow(DraftFlow(f"Ansible {protocol} to {host.element.name}", host.facts.plays[0].span,
                                          f"Ansible's connection to {host.facts.name}", fattrs, src=node.name,
                                          dst=host.element.name))

    def run(self, admin: bool) -> None:
        for facts in self.facts.values():
            if not facts.local_connection:
                self.host(facts)
        for host in self.hosts.values():
            for c in host.facts.connections:
                self.connection(host, c)
        for host in self.hosts.values():
            self.clients(host)
            self.same_host(host)
        self.exposure()
        if admin:
            self.admin()


def _title(product: str) -> str:
    return {"mysql": "MySQL", "mariadb": "MariaDB", "postgresql": "PostgreSQL", "postgres": "PostgreSQL",
            "redis": "Redis", "mongodb": "MongoDB", "memcached": "Memcached", "rabbitmq": "RabbitMQ",
            "elasticsearch": "Elasticsearch"}.get(product, product.capitalize())


def infer(ctx: ImportContext, inv: Inventory, hosts: dict[str, HostFacts], draft: Draft, admin: bool = True) -> None:
    """The draft model of the hosts; `admin`: with the control node and its SSH flows (an import), or
    without (drift: the control node deploys, it is not deployed)."""
    _Inference(ctx, inv, hosts, draft).run(admin)
