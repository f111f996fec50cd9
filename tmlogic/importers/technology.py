"""What the infrastructure-as-code importers know about technologies: element types from
container images and products, protocols from ports and URL schemes.

One table for every importer (compose, Kubernetes, Terraform, Threagile, Ansible), in the
model vocabulary's type names (the ones facts/prelude.dl and the rule packs use: database,
cache, web-server, reverse-proxy, message-broker...). An unknown image gives no type: the
element is still imported, as a server with its `technology`.
"""

from __future__ import annotations

import re

__all__ = ["Technology", "technology_of_image", "image_name", "protocol_for_port", "protocol_for_scheme",
           "ENCRYPTED_SCHEMES"]


class Technology:
    __slots__ = ("type", "kind", "port", "protocol")

    def __init__(self, type_: str, kind: str = "server", port: int | None = None, protocol: str | None = None) -> None:
        self.type, self.kind, self.port, self.protocol = type_, kind, port, protocol


def _t(type_: str, kind: str = "server", port: int | None = None, protocol: str | None = None) -> Technology:
    return Technology(type_, kind, port, protocol)


_DB = "datastore"
# Image (or product) base name -> what it is. Base names as registries publish them.
_IMAGES: dict[str, Technology] = {
    **{n: _t("web-server", port=80, protocol="HTTP") for n in ("nginx", "httpd", "apache", "apache2", "caddy",
                                                               "lighttpd", "nginx-unprivileged", "openresty")},
    **{n: _t("reverse-proxy", port=80, protocol="HTTP") for n in ("traefik", "envoy", "varnish", "squid")},
    **{n: _t("load-balancer", port=80, protocol="HTTP") for n in ("haproxy",)},
    **{n: _t("database", _DB, 5432, "POSTGRESQL") for n in ("postgres", "postgresql", "postgis", "timescaledb",
                                                            "pgvector")},
    **{n: _t("database", _DB, 3306, "MYSQL") for n in ("mysql", "mariadb", "percona", "mysql-server")},
    **{n: _t("database", _DB, 1433, "TDS") for n in ("mssql", "mssql-server", "sqlserver")},
    **{n: _t("database", _DB, 1521, "ORACLE NET") for n in ("oracle", "oracle-database", "oracle-xe")},
    **{n: _t("database", _DB, 27017, "MONGODB") for n in ("mongo", "mongodb")},
    **{n: _t("database", _DB, 9042, "CQL") for n in ("cassandra", "scylla")},
    **{n: _t("database", _DB, 5984, "HTTP") for n in ("couchdb",)},
    **{n: _t("database", _DB, 7687, "BOLT") for n in ("neo4j",)},
    **{n: _t("cache", _DB, 6379, "REDIS") for n in ("redis", "valkey", "keydb", "redis-stack")},
    **{n: _t("cache", _DB, 11211, "MEMCACHED") for n in ("memcached",)},
    **{n: _t("message-broker", port=5672, protocol="AMQP") for n in ("rabbitmq", "activemq", "artemis")},
    **{n: _t("message-broker", port=9092, protocol="KAFKA") for n in ("kafka", "cp-kafka", "redpanda")},
    **{n: _t("message-broker", port=4222, protocol="NATS") for n in ("nats",)},
    **{n: _t("message-broker", port=1883, protocol="MQTT") for n in ("mosquitto", "eclipse-mosquitto", "emqx")},
    **{n: _t("search-index", _DB, 9200, "HTTP") for n in ("elasticsearch", "opensearch", "solr", "meilisearch")},
    **{n: _t("object-storage", _DB, 9000, "HTTP") for n in ("minio",)},
    **{n: _t("identity-provider", port=8080, protocol="HTTP") for n in ("keycloak", "dex", "authelia", "authentik")},
    **{n: _t("ldap-server", port=389, protocol="LDAP") for n in ("openldap", "389-ds")},
    **{n: _t("secrets-manager", port=8200, protocol="HTTP") for n in ("vault",)},
    **{n: _t("ci-server", port=8080, protocol="HTTP") for n in ("jenkins", "drone", "concourse")},
    **{n: _t("git-server", port=3000, protocol="HTTP") for n in ("gitea", "gitlab-ce", "gitlab-ee", "gogs", "forgejo")},
    **{n: _t("container-registry", port=5000, protocol="HTTP") for n in ("registry", "harbor-core")},
    **{n: _t("monitoring", port=9090, protocol="HTTP") for n in ("prometheus", "grafana", "alertmanager", "zabbix-server")},
    **{n: _t("log-collector", port=24224) for n in ("fluentd", "fluent-bit", "logstash", "loki", "vector")},
    **{n: _t("cms", port=80, protocol="HTTP") for n in ("wordpress", "drupal", "joomla", "ghost")},
    **{n: _t("app-server", port=8080, protocol="HTTP") for n in ("tomcat", "jetty", "wildfly", "node", "python",
                                                                 "openjdk", "eclipse-temurin", "php", "golang",
                                                                 "ruby", "dotnet", "aspnet", "gunicorn")},
}

_DIGEST = re.compile(r"@sha256:[0-9a-f]+$")


def image_name(image: str) -> str:
    """The base name of an image reference: 'registry:5000/org/postgres:16-alpine' -> 'postgres'."""
    ref = _DIGEST.sub("", image.strip())
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def technology_of_image(image: str) -> Technology | None:
    return _IMAGES.get(image_name(image))


_PORTS: dict[int, str] = {
    20: "FTP", 21: "FTP", 22: "SSH", 23: "TELNET", 25: "SMTP", 53: "DNS", 80: "HTTP", 110: "POP3", 111: "RPC",
    123: "NTP", 143: "IMAP", 161: "SNMP", 389: "LDAP", 443: "HTTPS", 445: "SMB", 465: "SMTPS", 514: "SYSLOG",
    587: "SMTP", 636: "LDAPS", 873: "RSYNC", 993: "IMAPS", 995: "POP3S", 1433: "TDS", 1521: "ORACLE NET",
    1883: "MQTT", 2049: "NFS", 2375: "HTTP", 2376: "HTTPS", 2379: "HTTPS", 3000: "HTTP", 3306: "MYSQL",
    3389: "RDP", 4222: "NATS", 5000: "HTTP", 5432: "POSTGRESQL", 5601: "HTTP", 5671: "AMQPS", 5672: "AMQP",
    5900: "VNC", 5984: "HTTP", 6379: "REDIS", 6443: "HTTPS", 7687: "BOLT", 8000: "HTTP", 8080: "HTTP",
    8081: "HTTP", 8200: "HTTP", 8443: "HTTPS", 8883: "MQTTS", 8888: "HTTP", 9000: "HTTP", 9042: "CQL",
    9090: "HTTP", 9092: "KAFKA", 9093: "KAFKA", 9200: "HTTP", 9300: "TCP", 11211: "MEMCACHED",
    15672: "HTTP", 27017: "MONGODB",
}


def protocol_for_port(port: int | None, transport: str = "tcp") -> str | None:
    """The protocol a well-known port usually speaks; None when the port says nothing."""
    if port is None:
        return None
    if transport.lower() == "udp" and port not in (53, 123, 161, 514):
        return "UDP"
    return _PORTS.get(port)


_SCHEMES: dict[str, str] = {
    "http": "HTTP", "https": "HTTPS", "ws": "WS", "wss": "WSS", "grpc": "GRPC", "grpcs": "GRPCS",
    "postgres": "POSTGRESQL", "postgresql": "POSTGRESQL", "mysql": "MYSQL", "mariadb": "MYSQL",
    "mongodb": "MONGODB", "mongodb+srv": "MONGODB", "redis": "REDIS", "rediss": "REDIS",
    "amqp": "AMQP", "amqps": "AMQPS", "mqtt": "MQTT", "mqtts": "MQTTS", "kafka": "KAFKA", "nats": "NATS",
    "ldap": "LDAP", "ldaps": "LDAPS", "smtp": "SMTP", "smtps": "SMTPS", "ftp": "FTP", "sftp": "SFTP",
    "ssh": "SSH", "jdbc:postgresql": "POSTGRESQL", "jdbc:mysql": "MYSQL", "memcached": "MEMCACHED",
    "tcp": "TCP", "elasticsearch": "HTTP", "s3": "HTTPS", "sqlserver": "TDS", "mssql": "TDS",
}
# Schemes whose connections are TLS by definition (the URL says so, whatever the port).
ENCRYPTED_SCHEMES = frozenset({"https", "wss", "grpcs", "rediss", "amqps", "mqtts", "ldaps", "smtps", "sftp", "ssh",
                               "mongodb+srv", "s3"})


def protocol_for_scheme(scheme: str) -> str | None:
    return _SCHEMES.get(scheme.lower())
