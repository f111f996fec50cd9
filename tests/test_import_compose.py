"""docker-compose: one fixture per mapping rule, and the real awesome-compose samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.importers.located import InputError


def test_services_are_typed_from_the_image_and_storage_images_are_datastores(tmp_path: Path) -> None:
    draft, _ = draft_of("compose", tmp_path, "c.yml", """\
services:
  web: {image: "nginx:1.27-alpine"}
  db: {image: "registry.example.com:5000/library/postgres:16@sha256:abcd"}
  cache: {image: redis}
  queue: {image: "rabbitmq:3-management"}
  app: {build: .}
""")
    assert (element(draft, "web").kind, element(draft, "web").attrs["type"]) == ("server", "web-server")
    assert (element(draft, "db").kind, element(draft, "db").attrs["type"]) == ("datastore", "database")
    assert element(draft, "cache").attrs["type"] == "cache"
    assert element(draft, "queue").attrs["type"] == "message-broker"
    assert "type" not in element(draft, "app").attrs and element(draft, "app").kind == "server"


def test_networks_are_trusted_boundaries_and_a_service_sits_in_its_first_network(tmp_path: Path) -> None:
    draft, report = draft_of("compose", tmp_path, "c.yml", """\
services:
  web: {image: nginx, networks: [front]}
  api: {image: node, networks: [front, back]}
  db: {image: postgres, networks: {back: {aliases: [database]}}}
  tool: {image: busybox}
networks:
  front: {}
  back: {internal: true}
""")
    zones = {b.name: b for b in draft.boundaries}
    assert zones["front"].attrs["is_trusted"] is True and "default" in zones
    assert [element(draft, n).boundary for n in ("web", "api", "db", "tool")] == ["front", "front", "back", "default"]
    assert "placed in 'front', the first of front, back" in reasons(report)
    assert "database" in element(draft, "db").aliases


def test_published_ports_are_flows_from_the_internet_and_loopback_ports_are_not(tmp_path: Path) -> None:
    draft, report = draft_of("compose", tmp_path, "c.yml", """\
services:
  web:
    image: nginx
    ports: ["443:443", "8080:80/tcp", "127.0.0.1:9000:9000", {target: 8443, published: 8443}, "5000"]
""")
    web = element(draft, "web")
    assert web.attrs["internet_facing"] is True
    internet = [f for f in draft.flows if f.src == "Internet Client"]
    assert sorted((f.attrs["port"], f.attrs.get("protocol")) for f in internet) == \
        [(80, "HTTP"), (443, "HTTPS"), (5000, "HTTP"), (8443, "HTTPS")]
    assert "published on 127.0.0.1 only" in reasons(report)
    zone = next(b for b in draft.boundaries if b.name == "Internet")
    assert zone.attrs["is_trusted"] is False


def test_depends_on_links_and_environment_urls_are_flows(tmp_path: Path) -> None:
    draft, _ = draft_of("compose", tmp_path, "c.yml", """\
services:
  web:
    image: node
    depends_on: {db: {condition: service_healthy}}
    links: ["cache:redis-host"]
    environment:
      DATABASE_URL: "postgres://db:5432/shop"
      SEARCH: https://search:9200
      BROKER_HOST: mq
      UNRELATED: "http://example.com/db"
  db: {image: postgres}
  cache: {image: redis}
  search: {image: elasticsearch}
  mq: {image: rabbitmq}
""")
    table = flows(draft)
    assert table[("web", "db")].attrs == {"protocol": "POSTGRESQL", "port": 5432}
    assert table[("web", "cache")].attrs["protocol"] == "REDIS"
    assert table[("web", "search")].attrs == {"protocol": "HTTPS", "port": 9200, "is_encrypted": True}
    assert table[("web", "mq")].attrs["protocol"] == "AMQP"
    assert len(draft.flows) == 4


def test_secrets_in_the_environment_are_flagged_and_never_copied(tmp_path: Path) -> None:
    draft, report = draft_of("compose", tmp_path, "c.yml", """\
services:
  api:
    image: node
    environment:
      - API_TOKEN=sup3r-s3cret
      - DB_PASSWORD_FILE=/run/secrets/db
      - REDIS_URL=redis://user:hunter2@cache:6379
      - JWT_SECRET=${JWT_SECRET}
  safe:
    image: node
    environment: {PASSWORD: "${FROM_ENV}"}
  cache: {image: redis}
""")
    assert element(draft, "api").attrs["stores_credentials"] is True
    assert "stores_credentials" not in element(draft, "safe").attrs
    text = reasons(report) + repr([e.attrs for e in draft.elements]) + repr([f.attrs for f in draft.flows])
    assert "API_TOKEN" in text and "REDIS_URL" in text
    assert "sup3r-s3cret" not in text and "hunter2" not in text


def test_privileged_containers_and_bind_mounts_become_facts(tmp_path: Path) -> None:
    draft, _ = draft_of("compose", tmp_path, "c.yml", """\
services:
  agent:
    image: alpine
    privileged: true
    volumes: ["/var/run/docker.sock:/var/run/docker.sock", "data:/data"]
  plain:
    image: alpine
    volumes: [{type: volume, source: data, target: /data}]
volumes: {data: {}}
""")
    assert element(draft, "agent").attrs["privileged"] is True
    assert element(draft, "agent").attrs["host_path_mount"] is True
    assert "host_path_mount" not in element(draft, "plain").attrs


def test_what_has_no_equivalent_is_reported_not_dropped(tmp_path: Path) -> None:
    _, report = draft_of("compose", tmp_path, "c.yml", """\
services:
  web:
    image: nginx
    healthcheck: {test: ["CMD", "true"]}
    user: root
    cap_add: [NET_ADMIN]
    frobnicate: yes
""")
    text = reasons(report)
    assert "healthcheck" in text and "user" in text and "cap_add" in text
    assert "service 'web' key 'frobnicate'" in text


def test_a_second_file_overrides_the_first(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("services:\n  web: {image: nginx}\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("services:\n  web: {image: caddy, ports: ['443:443']}\n", encoding="utf-8")
    from tmlogic.importers import IMPORTERS
    from tmlogic.importers.pipeline import read_draft

    draft, _, _ = read_draft(IMPORTERS["compose"], [tmp_path / "a.yml", tmp_path / "b.yml"])
    assert element(draft, "web").attrs["technology"] == "caddy"
    assert element(draft, "web").attrs["internet_facing"] is True


@pytest.mark.parametrize("text, message", [
    ("services:\n  web: {image: nginx, depends_on: [db]}\n", "depends on 'db', which is not a service"),
    ("services:\n  web: {image: nginx, networks: [nope]}\n", "network 'nope', which the file does not declare"),
    ("services:\n  web: {image: nginx, ports: ['http']}\n", "cannot read the port"),
    ("services: [web]\n", "'services' must be a mapping"),
    ("version: '3'\n", "has no services"),
])
def test_bad_compose_files_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("compose", tmp_path, "c.yml", text)
    assert message in info.value.message
    assert info.value.span.line >= 1


def test_real_awesome_compose_samples() -> None:
    from tmlogic.importers import IMPORTERS
    from tmlogic.importers.pipeline import read_draft

    draft, _, _ = read_draft(IMPORTERS["compose"], [DATA / "compose" / "nginx-golang-postgres-rabbitmq.compose.yaml"])
    assert sorted(e.name for e in draft.elements) == ["Internet Client", "backend", "db", "mq", "proxy"]
    assert ("proxy", "backend") in flows(draft) and ("backend", "db") in flows(draft)
    assert element(draft, "mq").attrs["stores_credentials"] is True  # RABBITMQ_DEFAULT_PASS=123456
    draft, _, _ = read_draft(IMPORTERS["compose"], [DATA / "compose" / "nginx-flask-mysql.compose.yaml"])
    assert element(draft, "db").boundary == "backnet" and element(draft, "proxy").boundary == "frontnet"
    with pytest.raises(InputError, match="depends on 'backend'"):
        read_draft(IMPORTERS["compose"], [DATA / "compose" / "react-express-mongodb.compose.yaml"])
