"""What each host of the inventory gets from the plays that target it: products, listening
ports, firewall openings, and the connections its configuration makes, each with the
playbook, role, template or inventory line it comes from.

Variables follow Ansible's order (role defaults, inventory group vars from `all` inwards, host
vars, play vars, role vars), but only literal values are used: `{{ x }}` is replaced when x
holds a plain value, and left alone otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass, field
from pathlib import Path

from ..._errors import SourceSpan
from ..base import ImportContext
from ..located import InputError, Node, Scalar, Sequence
from ..technology import Technology, protocol_for_scheme, technology_of_image
from .inventory import Inventory
from .jinja import for_host, group_loops
from .playbook import Play, Task
from .services import (FirewallRule, Listener, client_of, firewalld_rule, iptables_module_rule, iptables_rules,
                       listeners, module_product, product_for_path, product_of, sebool_products, tls_hint, ufw_rule)
from .values import JINJA, Scope, group_refs, resolve, texts_of

__all__ = ["Product", "Connection", "HostFacts", "collect", "LOCAL"]

LOCAL = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_PACKAGE_MODULES = frozenset({"apt", "yum", "dnf", "package", "apk", "zypper", "pacman", "homebrew", "pkgng",
                              "portage", "snap", "win_chocolatey", "chocolatey", "opkg", "swupd", "xbps"})
_SERVICE_MODULES = frozenset({"service", "systemd", "systemd_service", "sysvinit", "runit", "win_service"})
_FILE_MODULES = frozenset({"template", "copy", "win_template", "win_copy"})
_LINE_MODULES = frozenset({"lineinfile", "blockinfile", "replace", "ini_file"})
_CONTAINER_MODULES = frozenset({"docker_container", "podman_container"})
# Variables that name where a host connects to (db_host, backend_servers, redis_url...).
_CONNECTION_VAR = re.compile(r"(^|_)(hosts?|servers?|address(es)?|addr|endpoints?|urls?|uris?|dsn|upstreams?|"
                             r"backends?|backend_servers|nodes|members)$", re.I)
_NOT_A_CONNECTION = re.compile(r"bind|listen|allow|trust|whitelist|ntp|dns|resolver|repo|mirror|proxy_url|"
                               r"server_name|server_hostname|hostname$|fqdn|domain|smtp_relay|syslog|ansible_", re.I)
_HOSTVARS = re.compile(r"hostvars\s*\[\s*['\"]([^'\"]+)['\"]\s*\]")
_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d+))?",
                  re.I)
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d{1,5}))?$")
_CONFIG_TARGET = re.compile(
    r"(?:\bserver\s+\S+\s+|proxy_pass\s+|fastcgi_pass\s+|upstream\s+|mysqli?_connect\s*\(\s*['\"]|"
    r"new\s+PDO\s*\(\s*['\"][a-z]+:host=|DB_HOST['\"]\s*,\s*['\"]|host\s*=\s*['\"]?|(?:db|database)_host\s*[=:]\s*['\"]?)"
    r"(?P<target>[^\s;'\",)]+)", re.I)


@dataclass(frozen=True)
class Product:
    name: str
    tech: Technology
    span: SourceSpan
    via: str  # "package 'nginx' (apt)"


@dataclass(frozen=True)
class Connection:
    targets: tuple[str, ...]  # inventory hosts
    local: bool  # to a service on the same host
    port: int | None
    protocol: str | None
    tls: bool
    span: SourceSpan
    via: str
    inbound: bool = False  # the targets connect to this host (a firewall rule naming its sources)
    product: str | None = None  # the local product whose configuration makes it


# One server under two names: MariaDB installs, runs and is configured as MySQL (my.cnf, mysql_*
# modules, port 3306), so a host with both has one database, not two.
_ONE_SERVER = {"mysql": "mariadb", "mariadb": "mysql"}


@dataclass
class HostFacts:
    name: str
    span: SourceSpan
    groups: list[str]
    scope: Scope
    plays: list[Play] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)
    listens: list[tuple[str | None, Listener, SourceSpan]] = field(default_factory=list)
    firewall: list[tuple[FirewallRule, SourceSpan]] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    clients: list[tuple[tuple[str, ...], SourceSpan, str]] = field(default_factory=list)  # (products, span, via)
    local_connection: bool = False

    def add_product(self, product: Product) -> None:
        if _ONE_SERVER.get(product.name) in self.products:
            return  # the same database server, named the other way
        self.products.setdefault(product.name, product)


class _Collector:
    def __init__(self, ctx: ImportContext, inv: Inventory) -> None:
        self.ctx = ctx
        self.inv = inv
        self.ips = {a.text(): name for name, h in inv.hosts.items()
                    if isinstance(a := h.vars.get("ansible_host"), Scalar)}
        self.text_cache: dict[Path, str] = {}
        self.skipped: set[tuple[str, SourceSpan]] = set()

    # -- locating and reading files -----------------------------------------------------------

    def find(self, task: Task, src: str, kind: str) -> Path | None:
        roots: list[Path] = []
        if task.role is not None and task.role.path is not None:
            roots += [task.role.path / kind, task.role.path]
        roots += [task.file.parent / kind, task.file.parent, task.file.parent.parent / kind]
        return next((r / src for r in roots if (r / src).is_file()), None)

    def text(self, path: Path) -> str:
        if path not in self.text_cache:
            self.text_cache[path] = self.ctx.text(path)
        return self.text_cache[path]

    def skip_once(self, what: str, span: SourceSpan, why: str) -> None:
        """Report a task's file once, though the task runs on every host of its play."""
        if (what, span) not in self.skipped:
            self.skipped.add((what, span))
            self.ctx.report.skip(what, span, why)

    # -- resolving ----------------------------------------------------------------------------

    def targets(self, text: str) -> tuple[list[str], bool, int | None, str | None]:
        """(hosts, local, port, protocol) a connection text names: groups['x'], hostvars['h'], a host name or
        ansible_host address, a URL; localhost means the same host."""
        hosts: list[str] = []
        for g in group_refs(text):
            members = self.inv.members(g)
            hosts += [h for h in (members[:1] if re.search(r"\]\s*\[\s*0\s*\]|\|\s*first", text) else members)
                      if h not in hosts]
        hosts += [h for h in _HOSTVARS.findall(text) if h in self.inv.hosts and h not in hosts]
        port: int | None = None
        protocol: str | None = None
        local = False
        for token in re.split(r"[\s,]+", JINJA.sub(" ", text)):
            token = token.strip("'\"[]()")
            m = _URL.match(token)
            host = None
            if m:
                host, protocol = m.group("host"), protocol_for_scheme(m.group("scheme")) or protocol
                port = int(m.group("port")) if m.group("port") else port
            else:
                hp = _HOST_PORT.match(token)
                if hp:
                    host = hp.group("host")
                    port = int(hp.group("port")) if hp.group("port") else port
            if host is None:
                continue
            if host in LOCAL:
                local = True
            elif host in self.inv.hosts and host not in hosts:
                hosts.append(host)
            elif host in self.ips and self.ips[host] not in hosts:
                hosts.append(self.ips[host])
        return hosts, local, port, protocol

    # -- per host -----------------------------------------------------------------------------

    def scope(self, host: str, play: Play) -> Scope:
        layers: list[TypingMapping[str, Node]] = [r.defaults for r in play.roles]
        if host in self.inv.hosts:
            layers += [self.inv.groups[g].vars for g in self.inv.ancestry(host) if g in self.inv.groups]
            layers.append(self.inv.hosts[host].vars)
        else:
            layers += [self.inv.groups[g].vars for g in ("all", host) if g in self.inv.groups]
        layers.append(play.vars)
        layers += [r.vars for r in play.roles]
        return Scope(layers)

    def run(self, facts: HostFacts, play: Play) -> None:
        scope = self.scope(facts.name, play)
        facts.scope = scope
        for role in play.roles:
            found = product_of(role.name)
            if found is not None:
                facts.add_product(Product(found[0], found[1], role.span, f"role '{role.name}'"))
        for task in play.tasks + [t for r in play.roles for t in r.tasks]:
            if task.delegate_to in LOCAL:
                continue
            self.task(facts, task, Scope(scope.layers + [task.vars]))
        self.variables(facts, scope)

    def arg(self, task: Task, key: str, scope: Scope) -> str:
        node = task.args.get(key)
        return resolve(node.text(), scope) if isinstance(node, Scalar) and node.value is not None else ""

    def items(self, task: Task, key: str, scope: Scope) -> list[tuple[str, SourceSpan]]:
        """The values of an argument: a list, comma-separated text, or `{{ item }}` over the loop."""
        node = task.args.get(key)
        out: list[tuple[str, SourceSpan]] = []
        values = list(node) if isinstance(node, Sequence) else [node] if node is not None else []
        for value in values:
            if not isinstance(value, Scalar) or value.value is None:
                continue
            text = value.text()
            if re.fullmatch(r"\{\{\s*item\s*\}\}", text.strip()):
                out += [(resolve(i.text(), scope), i.span) for i in task.loop if isinstance(i, Scalar)]
            else:
                out += [(w.strip(), value.span) for w in resolve(text, scope).split(",") if w.strip()]
        return out

    def task(self, facts: HostFacts, task: Task, scope: Scope) -> None:
        m = task.module
        if m in _PACKAGE_MODULES or m in _SERVICE_MODULES:
            for name, span in self.items(task, "name", scope) + self.items(task, "pkg", scope):
                found = product_of(name)
                if found is not None and (m in _PACKAGE_MODULES or found[0] not in facts.products):
                    kind = "package" if m in _PACKAGE_MODULES else "service"
                    facts.add_product(Product(found[0], found[1], span, f"{kind} '{name}' ({m})"))
                client = client_of(name) if m in _PACKAGE_MODULES else None
                if client is not None:
                    facts.clients.append(((client,), span, f"the client package '{name}'"))
        if m == "seboolean":
            products = sebool_products(self.arg(task, "name", scope))
            if products and self.arg(task, "state", scope).lower() in ("true", "yes", "on", "1"):
                facts.clients.append((products, task.span, f"the SELinux boolean {self.arg(task, 'name', scope)}"))
        product = module_product(m)
        if product is not None:
            found = product_of(product)
            if found is not None:
                facts.add_product(Product(found[0], found[1], task.span, f"module {m}"))
        if m in _CONTAINER_MODULES:
            image = self.arg(task, "image", scope)
            tech = technology_of_image(image) if image else None
            if tech is not None:
                facts.add_product(Product(image.split(":")[0].split("/")[-1], tech, task.span, f"container '{image}'"))
        if m in ("ufw", "firewalld", "iptables"):
            args = {k: self.arg(task, k, scope) for k in task.args}
            rules = ufw_rule(args) if m == "ufw" else firewalld_rule(args) if m == "firewalld" else \
                iptables_module_rule(args)
            loop_ports = [i for i in task.loop if isinstance(i, Scalar)] if "{{ item" in str(args.get("port", "")) \
                else []
            for item in loop_ports:
                rules += (ufw_rule if m == "ufw" else firewalld_rule)({**args, "port": resolve(item.text(), scope)})
            facts.firewall += [(r, task.span) for r in rules]
        if m in _FILE_MODULES:
            self.file(facts, task, scope)
        if m in _LINE_MODULES:
            text = "\n".join(t for t, _ in texts_of(task.args.get("line")) + texts_of(task.args.get("block")))
            resolved = resolve(text, scope)
            facts.firewall += [(r, task.span) for r in iptables_rules(resolved)]

    def file(self, facts: HostFacts, task: Task, scope: Scope) -> None:
        src = self.arg(task, "src", scope)
        dest = self.arg(task, "dest", scope) or self.arg(task, "path", scope)
        text: str | None = None
        where: tuple[Path | None, str] = (None, "")
        content = task.args.get("content")
        if isinstance(content, Scalar) and content.value is not None:
            text, where = content.text(), (None, "content")
            base_span = content.span
        elif src and "{{" not in src:
            path = self.find(task, src, "templates" if task.module.endswith("template") else "files")
            if path is None:
                self.skip_once(f"{task.module} {src}", task.span, "not found beside the playbook or in the role: "
                               "what it configures is not in the model")
                return
            try:
                text, where = self.text(path), (path, src)
            except InputError as exc:
                # a deployed artifact (a .war, an archive, a binary key) is valid Ansible, but not a
                # configuration that says what listens or connects: noted, and the import goes on
                self.skip_once(f"{task.module} {src}", task.span, f"not read ({exc.message}): what it configures "
                               "is not in the model")
                return
            base_span = SourceSpan(self.ctx.shown(path), 1, 1)
        else:
            return
        product = product_for_path(dest) or product_for_path(where[1])
        if product is not None and product not in facts.products and product not in ("iptables",):
            found = product_of(product)
            if found is not None:
                facts.add_product(Product(found[0], found[1], task.span, f"configuration {dest or where[1]}"))
        body = resolve(for_host(text, set(facts.groups) | {"all"}), scope)

        def at(line: int) -> SourceSpan:
            if where[0] is None:
                return SourceSpan(base_span.path, base_span.line + line, 1)
            return SourceSpan(base_span.path, line, 1)

        facts.listens += [(product, x, at(x.line)) for x in listeners(body)]
        facts.firewall += [(r, at(r.line)) for r in iptables_rules(body)]
        self.config_connections(facts, body, product, at, dest or where[1])

    def config_connections(self, facts: HostFacts, body: str, product: str | None, at: object,
                           what: str) -> None:
        assert callable(at)
        in_loop: set[int] = set()
        for loop in group_loops(body):
            members = self.inv.members(loop.group)
            members = members[:1] if loop.first_only else members
            for number, line in loop.body:
                in_loop.add(number)
                inbound = bool(re.search(r"-A\s+INPUT\b.*\s-s\s", line))
                if not (inbound or _CONFIG_TARGET.search(line) or re.search(r"\bserver\b|connect|host", line, re.I)):
                    continue
                port = _line_port(line)
                facts.connections.append(Connection(tuple(members), False, port, None, tls_hint(line), at(number),
                                                    f"{what}: a loop over the hosts of group '{loop.group}'",
                                                    inbound=inbound, product=product))
                break
        for number, line in enumerate(body.split("\n"), 1):
            if number in in_loop or line.lstrip().startswith(("#", ";", "//")):
                continue
            for m in _CONFIG_TARGET.finditer(line):
                hosts, local, port, protocol = self.targets(m.group("target"))
                if hosts or local:
                    facts.connections.append(Connection(tuple(hosts), local, port or _line_port(line), protocol,
                                                        tls_hint(line), at(number), f"{what}: {line.strip()[:80]}",
                                                        product=product))

    def variables(self, facts: HostFacts, scope: Scope) -> None:
        for name, node in scope.names():
            if not _CONNECTION_VAR.search(name) or _NOT_A_CONNECTION.search(name):
                continue
            for text, scalar in texts_of(node):
                hosts, local, port, protocol = self.targets(resolve(text, scope))
                hosts = [h for h in hosts if h != facts.name]
                if hosts or (local and re.search(r"db|database|mysql|postgres|pg|redis|cache|mongo|mq|rabbit", name,
                                                 re.I)):
                    facts.connections.append(Connection(tuple(hosts), local and not hosts, port, protocol,
                                                        tls_hint(text) or _tls_var(scope, name), scalar.span,
                                                        f"variable {name}"))


def _line_port(line: str) -> int | None:
    m = re.search(r"(?:--dport\s+|:)(\d{2,5})\b", line)
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 65536 else None


def _tls_var(scope: Scope, name: str) -> bool:
    """db_host comes with db_ssl: true, db_tls: yes, db_sslmode: require...?"""
    stem = re.sub(_CONNECTION_VAR, "", name)
    for key, node in scope.names():
        if key.startswith(stem) and re.search(r"(ssl|tls)(_?mode|_?enabled)?$", key, re.I):
            value = node.text().lower() if isinstance(node, Scalar) else ""
            if value in ("true", "yes", "1", "on", "require", "required", "verify-full", "verify-ca"):
                return True
    return False


def collect(ctx: ImportContext, inv: Inventory, plays: list[Play]) -> dict[str, HostFacts]:
    """Every inventory host (and, without an inventory, every group a play names), with what it gets."""
    if not inv.hosts:  # no inventory: each group a play names stands for its hosts
        for play in plays:
            if play.metadata is not None and _is_local_play(play):
                continue
            for part in (p.strip() for p in re.split(r"[,:]", play.hosts) if p.strip()):
                if not (part.startswith(("!", "&")) or part in LOCAL or "{{" in part or part in inv.hosts):
                    inv.host("all hosts" if part in ("all", "*") else part, play.span,
                             None if part in ("all", "*") else part)
        for name, h in inv.hosts.items():
            ctx.report.approximate(f"host '{name}'", h.span, "no inventory: the hosts of the group the play names "
                                   "stand as one element")
    collector = _Collector(ctx, inv)
    out: dict[str, HostFacts] = {}
    for name, host in inv.hosts.items():
        facts = HostFacts(name, host.span, inv.ancestry(name), Scope([]))
        conn = host.vars.get("ansible_connection")
        facts.local_connection = name in LOCAL or (isinstance(conn, Scalar) and conn.text() == "local")
        out[name] = facts
    for play in plays:
        if play.metadata is not None and _is_local_play(play):
            continue  # SecOpsTM's metadata play: it runs on the control node only
        for target in inv.match(play.hosts):
            if out[target].local_connection or play.connection == "local":
                continue
            out[target].plays.append(play)
            collector.run(out[target], play)
    return out


def _is_local_play(play: Play) -> bool:
    return play.connection == "local" or play.hosts.strip() in LOCAL
