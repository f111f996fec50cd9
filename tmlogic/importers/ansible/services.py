"""What the tasks of a host say it runs: products, listening ports, TLS, firewall openings and
the connections its configuration makes. Read from module arguments and from the text of the
templates and files a task deploys, by pattern: Jinja is never rendered.

Products come from package, service and role names, and from modules that manage a product
(mysql_db, postgresql_user, rabbitmq_vhost...), through technology.py's table of products (the
same as for container images) plus the package names below. Configuration text is read per
product: nginx (`listen 443 ssl`, `upstream`, `proxy_pass`), Apache (`Listen`, `<VirtualHost
*:443>`, `SSLEngine on`), HAProxy (`bind :443 ssl crt`, `server app1 10.0.0.5:80 ssl`), MySQL
(`port=`, `bind-address`, `require_secure_transport`), PostgreSQL (`port =`, `ssl = on`), Redis
(`port`, `tls-port`); firewall rules from ufw, firewalld and iptables (modules, and `-A INPUT`
rules in files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..technology import Technology, protocol_for_port, technology_of_image

__all__ = ["product_of", "module_product", "Listener", "listeners", "FirewallRule", "iptables_rules",
           "ufw_rule", "firewalld_rule", "iptables_module_rule", "FRONT_TYPES", "STORE_TYPES", "front_rank",
           "product_for_path", "tls_hint", "service_port", "protocol_of", "AGENT_TYPES", "client_of", "sebool_products"]

# Package names that name no product of technology.py's table, and what they are.
_PACKAGES: dict[str, Technology] = {
    "php-fpm": Technology("app-server", port=9000, protocol="FASTCGI"),
    "uwsgi": Technology("app-server", port=8000, protocol="HTTP"),
    "nodejs": Technology("app-server", port=3000, protocol="HTTP"),
    "pm2": Technology("app-server", port=3000, protocol="HTTP"),
    "openssh-server": Technology("ssh-server", port=22, protocol="SSH"),
    "sshd": Technology("ssh-server", port=22, protocol="SSH"),
    "postfix": Technology("mail-server", port=25, protocol="SMTP"),
    "exim4": Technology("mail-server", port=25, protocol="SMTP"),
    "dovecot": Technology("mail-server", port=993, protocol="IMAPS"),
    "vsftpd": Technology("ftp-server", port=21, protocol="FTP"),
    "proftpd": Technology("ftp-server", port=21, protocol="FTP"),
    "slapd": Technology("ldap-server", port=389, protocol="LDAP"),
    "openldap-servers": Technology("ldap-server", port=389, protocol="LDAP"),
    "bind9": Technology("dns-server", port=53, protocol="DNS"),
    "named": Technology("dns-server", port=53, protocol="DNS"),
    "nagios": Technology("monitoring", port=80, protocol="HTTP"),
    "nagios3": Technology("monitoring", port=80, protocol="HTTP"),
    "nagios-nrpe": Technology("monitoring-agent", port=5666, protocol="NRPE"),
    "nrpe": Technology("monitoring-agent", port=5666, protocol="NRPE"),
    "zabbix-agent": Technology("monitoring-agent", port=10050, protocol="ZABBIX"),
    "keepalived": Technology("load-balancer", protocol="VRRP"),
    "mongodb-org": Technology("database", "datastore", 27017, "MONGODB"),
    "elasticsearch-oss": Technology("search-index", "datastore", 9200, "HTTP"),
}
# Service and daemon names of products.
_ALIASES = {"mysqld": "mysql", "mariadbd": "mariadb", "postgres": "postgresql", "pgsql": "postgresql",
            "redis-sentinel": "redis", "slapd": "slapd", "apache": "apache2", "php-fpm7": "php-fpm"}
# Packages that are clients, libraries or bindings of a product, never the product itself.
_NOT_A_SERVER = re.compile(r"(^(lib|python[0-9]*-|php[0-9.]*-(?!fpm)|perl-|ruby-|node-|golang-)|"
                           r"-(client|clients|libs?|devel|dev|common|utils|tools|doc|docs|contrib|plugins?.*|"
                           r"python|perl|mysql|pgsql)$|^mysql-python$|^nagios-plugins)", re.IGNORECASE)
_VERSION = re.compile(r"([-_.]?[0-9][0-9.]*)+$")
_SUFFIXES = ("-server", "-servers", "-core", "-org", "-full", "-light", "-extras")
# Modules that manage a product, by name prefix.
_MODULES = {"mysql_": "mysql", "postgresql_": "postgresql", "rabbitmq_": "rabbitmq", "redis": "redis",
            "mongodb_": "mongodb", "haproxy": "haproxy", "apache2_": "apache2", "nginx": "nginx",
            "elasticsearch_": "elasticsearch", "influxdb_": "influxdb", "keycloak_": "keycloak"}

FRONT_TYPES = ("load-balancer", "reverse-proxy", "cms", "web-server", "app-server")
STORE_TYPES = ("database", "search-index", "cache", "object-storage", "message-broker")
# Agents run on every host beside its real job: they never name a host.
AGENT_TYPES = ("monitoring-agent",)


def front_rank(type_: str) -> int:
    """Which product names a host: the one nearest its clients (a load balancer or proxy), then an
    application (a CMS, monitoring, a CI server...), then the web or app server that serves it."""
    if type_ in ("load-balancer", "reverse-proxy"):
        return 0 if type_ == "load-balancer" else 1
    if type_ in ("web-server", "app-server"):
        return 3 if type_ == "web-server" else 4
    return 5 if type_ in AGENT_TYPES else 2


def product_of(name: str) -> tuple[str, Technology] | None:
    """(product, what it is) for a package, service or role name; None when it names no server."""
    word = name.strip().lower().split("/")[-1]
    word = word.rsplit(".", 1)[-1] if word.count(".") == 1 and not word[0].isdigit() else word  # geerlingguy.mysql
    if not word or _NOT_A_SERVER.search(word):
        return None
    word = _ALIASES.get(word, word)
    bare = _VERSION.sub("", word)
    stripped = [c[: -len(suffix)] for c in (word, bare) for suffix in _SUFFIXES if c.endswith(suffix)]
    # the product itself before its package's spelling: mysql-server is mysql
    candidates = [_VERSION.sub("", c) for c in stripped] + stripped + [bare, word]
    for c in dict.fromkeys(_ALIASES.get(c, c) for c in candidates if c):
        if c in _PACKAGES:
            return c, _PACKAGES[c]
        tech = technology_of_image(c)
        if tech is not None:
            return c, tech
    return None


# Client libraries and tools of a product: the host that installs one talks to that product.
_CLIENTS = (
    (re.compile(r"^(php[0-9.]*-(mysqlnd?|mysqli)|mysql-python|python[0-9]*-(mysqldb|pymysql|mysqlclient)|"
                r"mysql-client.*|mariadb-client.*|libmysqlclient.*|ruby-mysql2)$", re.I), "mysql"),
    (re.compile(r"^(php[0-9.]*-pgsql|python[0-9]*-psycopg2?(-binary)?|postgresql-client.*|libpq.*)$", re.I),
     "postgresql"),
    (re.compile(r"^(php[0-9.]*-redis|python[0-9]*-redis|redis-tools)$", re.I), "redis"),
    (re.compile(r"^(php[0-9.]*-mongodb?|python[0-9]*-pymongo)$", re.I), "mongodb"),
    (re.compile(r"^(php[0-9.]*-memcached?|python[0-9]*-memcache.*)$", re.I), "memcached"),
)
# SELinux booleans that let a service connect to another one.
_SEBOOLEANS = {"httpd_can_network_connect_db": ("mysql", "postgresql", "mariadb"),
               "httpd_can_network_memcache": ("memcached",), "httpd_can_network_redis": ("redis",)}


def client_of(package: str) -> str | None:
    """The product a client package talks to (php-mysql -> mysql), if it is one."""
    return next((product for pattern, product in _CLIENTS if pattern.match(package.strip())), None)


def sebool_products(name: str) -> tuple[str, ...]:
    return _SEBOOLEANS.get(name.strip().lower(), ())


def module_product(module: str) -> str | None:
    """The product a module manages (mysql_user -> mysql), if any."""
    return next((product for prefix, product in _MODULES.items() if module.startswith(prefix)), None)


def product_for_path(path: str) -> str | None:
    """The product whose configuration a file is, from where it goes or what it is called."""
    low = path.lower()
    for key, product in (("haproxy", "haproxy"), ("nginx", "nginx"), ("httpd", "httpd"), ("apache", "apache2"),
                         ("my.cnf", "mysql"), ("mysql", "mysql"), ("mariadb", "mariadb"), ("postgres", "postgresql"),
                         ("pg_hba", "postgresql"), ("redis", "redis"), ("rabbitmq", "rabbitmq"),
                         ("memcached", "memcached"), ("php-fpm", "php-fpm"), ("wp-config", "wordpress"),
                         ("iptables", "iptables"), ("varnish", "varnish"), ("tomcat", "tomcat")):
        if key in low:
            return product
    return None


@dataclass(frozen=True)
class Listener:
    port: int
    tls: bool
    line: int  # 1-based line in the text
    open_to_all: bool = True  # listens on every address (not 127.0.0.1 only)


_LISTEN = (
    re.compile(r"^\s*listen\s+(?:\[?[\w.:*\]-]*?\]?:)?(\d{1,5})\b([^;]*)", re.I),  # nginx
    re.compile(r"^\s*Listen\s+(?:[\d.*\[\]:]+:)?(\d{1,5})\b(.*)$"),  # apache
    re.compile(r"^\s*<VirtualHost\s+[^>]*?:(\d{1,5})\s*>(.*)$", re.I),  # apache vhost
    re.compile(r"^\s*bind\s+[^\s:]*:(\d{1,5})\b(.*)$", re.I),  # haproxy
    re.compile(r"^\s*listen\s+\S+\s+[\d.*]*:(\d{1,5})\b(.*)$", re.I),  # haproxy "listen name addr:port"
    re.compile(r"^\s*port\s*=?\s*(\d{1,5})\s*$", re.I),  # mysql, postgresql, redis
    re.compile(r"^\s*tls-port\s+(\d{1,5})\b(.*)$", re.I),  # redis over TLS
)
_LOCAL_ONLY = re.compile(r"^\s*(bind-address\s*=\s*|bind\s+|listen_addresses\s*=\s*')(127\.0\.0\.1|localhost|::1)",
                         re.I | re.M)


def listeners(text: str) -> list[Listener]:
    """Ports a configuration text listens on (Jinja left in place: `{{ port }}` is resolved before)."""
    local = bool(_LOCAL_ONLY.search(text))
    out: list[Listener] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("#", ";", "//")):
            continue
        for i, pattern in enumerate(_LISTEN):
            m = pattern.match(line)
            if m and 0 < int(m.group(1)) < 65536:
                rest = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
                tls = i == len(_LISTEN) - 1 or bool(re.search(r"\bssl\b|\bcrt\b", rest or "", re.I)) or \
                    int(m.group(1)) in (443, 8443)
                out.append(Listener(int(m.group(1)), tls, number, not local))
                break
    if re.search(r"^\s*(SSLEngine\s+on|ssl_certificate\s|ssl\s*=\s*on|require_secure_transport\s*=\s*(on|1))",
                 text, re.I | re.M):
        out = [Listener(x.port, True, x.line, x.open_to_all) for x in out] or [Listener(443, True, 1)]
    return out


def tls_hint(text: str) -> bool:
    """The text says a connection is TLS: https://, an ssl option, sslmode=require..."""
    return bool(re.search(r"https://|\bssl\b(?!\s*=\s*(off|false|0|no)\b)|\btls\b(?!\s*=\s*(off|false|0|no)\b)|"
                          r"sslmode=(require|verify)|rediss://|amqps://|ldaps://", text, re.I))


@dataclass(frozen=True)
class FirewallRule:
    port: int | None  # None: every port
    protocol: str  # tcp | udp
    sources: tuple[str, ...]  # () = any source
    line: int = 1


def _ports(text: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        m = re.fullmatch(r"(\d{1,5})(?:[:-](\d{1,5}))?(?:/(tcp|udp))?", part)
        if m and 0 < int(m.group(1)) < 65536:
            out.append(int(m.group(1)))
    return out


_UFW_APPS = {"openssh": [22], "ssh": [22], "nginx full": [80, 443], "nginx http": [80], "nginx https": [443],
             "apache": [80], "apache full": [80, 443], "apache secure": [443], "www": [80], "www full": [80, 443],
             "www secure": [443], "mysql": [3306], "postgresql": [5432]}
_SERVICES = {"http": 80, "https": 443, "ssh": 22, "mysql": 3306, "postgresql": 5432, "redis": 6379, "smtp": 25,
             "dns": 53, "ftp": 21, "ldap": 389, "ldaps": 636, "imaps": 993, "rabbitmq": 5672, "nrpe": 5666}
_ANY = frozenset({"", "any", "0.0.0.0/0", "::/0", "0.0.0.0", "anywhere"})


def ufw_rule(args: dict[str, str]) -> list[FirewallRule]:
    if args.get("rule", "allow").lower() not in ("allow", "limit") or args.get("direction", "in").lower() == "out":
        return []
    source = args.get("from_ip") or args.get("from") or args.get("src") or ""
    sources = () if source.lower() in _ANY else (source,)
    proto = (args.get("proto") or "tcp").lower()
    ports = _ports(args.get("port") or args.get("to_port") or "")
    if not ports and args.get("name"):
        ports = _UFW_APPS.get(args["name"].lower(), [])
    return [FirewallRule(p, proto, sources) for p in ports]


def firewalld_rule(args: dict[str, str]) -> list[FirewallRule]:
    if args.get("state", "enabled").lower() not in ("enabled", "present"):
        return []
    rich = args.get("rich_rule", "")
    source = args.get("source") or (re.search(r'source\s+address="([^"]+)"', rich) or [None, ""])[1] or ""
    sources = () if source.lower() in _ANY else (source,)
    ports: list[int] = []
    if args.get("port"):
        ports = _ports(args["port"])
    elif args.get("service"):
        ports = [_SERVICES[args["service"].lower()]] if args["service"].lower() in _SERVICES else []
    elif rich:
        m = re.search(r'port\s+port="(\d+)"', rich) or re.search(r'service\s+name="([a-z]+)"', rich)
        if m:
            ports = [int(m.group(1))] if m.group(1).isdigit() else ([_SERVICES[m.group(1)]] if m.group(1) in _SERVICES
                                                                    else [])
    if args.get("zone", "public").lower() in ("trusted", "internal", "work", "home") and not sources:
        sources = (f"zone {args['zone']}",)
    return [FirewallRule(p, "tcp", sources) for p in ports]


def iptables_module_rule(args: dict[str, str]) -> list[FirewallRule]:
    if args.get("chain", "INPUT").upper() != "INPUT" or args.get("jump", "").upper() not in ("ACCEPT", "") \
            or args.get("state", "present") == "absent":
        return []
    source = args.get("source") or ""
    sources = () if source.lower() in _ANY else (source,)
    ports = _ports(args.get("destination_port") or args.get("destination_ports") or "")
    return [FirewallRule(p, (args.get("protocol") or "tcp").lower(), sources) for p in ports]


_IPTABLES = re.compile(r"-A\s+INPUT\b(?P<rule>.*?)-j\s+ACCEPT", re.I)


def iptables_rules(text: str) -> list[FirewallRule]:
    """`-A INPUT ... --dport N ... -j ACCEPT` lines (iptables-save files, templates, lineinfile lines)."""
    out: list[FirewallRule] = []
    for number, line in enumerate(text.splitlines(), 1):
        m = _IPTABLES.search(line)
        if not m:
            continue
        rule = m.group("rule")
        ports = _ports((re.search(r"--dports?\s+(\S+)", rule) or [None, ""])[1] or "")
        if not ports:
            continue
        source = (re.search(r"(?:^|\s)-s\s+(\S+)", rule) or [None, ""])[1] or ""
        proto = (re.search(r"-p\s+(\w+)", rule) or [None, "tcp"])[1] or "tcp"
        sources = () if source.lower() in _ANY else (source,)
        out += [FirewallRule(p, proto.lower(), sources, number) for p in ports]
    return out


def service_port(tech: Technology, ports: list[int]) -> int | None:
    """The port a product listens on: the one its configuration gives, else its usual one."""
    return ports[0] if ports else tech.port


def protocol_of(tech: Technology | None, port: int | None, tls: bool) -> str | None:
    protocol = (tech.protocol if tech is not None else None) or protocol_for_port(port)
    if protocol == "HTTP" and (tls or port in (443, 8443)):
        return "HTTPS"
    return protocol
