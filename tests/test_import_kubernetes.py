"""Kubernetes manifests: one fixture per mapping rule, and real manifests (microservices-demo, guestbook)."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.importers import IMPORTERS
from tmlogic.importers.located import InputError
from tmlogic.importers.pipeline import read_draft

APP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0
          securityContext: {allowPrivilegeEscalation: false}
          env:
            - {name: DATABASE_URL, value: "postgres://db.shop.svc.cluster.local:5432/shop"}
            - {name: CACHE_HOST, value: cache}
            - {name: API_TOKEN, value: "s3cr3t"}
            - {name: OTHER_TOKEN, valueFrom: {secretKeyRef: {name: t, key: k}}}
          envFrom: [{configMapRef: {name: web-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {SEARCH_URL: "http://search:9200"}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: postgres:16}]
      volumes: [{name: data, hostPath: {path: /data}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: shop}
spec:
  template:
    metadata: {labels: {app: cache}}
    spec:
      hostNetwork: true
      containers: [{name: redis, image: redis:7, securityContext: {privileged: true}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: search, namespace: shop}
spec:
  template:
    metadata: {labels: {app: search}}
    spec:
      containers: [{name: es, image: elasticsearch:8.14.0}]
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {selector: {app: web}, ports: [{port: 80, name: http}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: db, namespace: shop}, spec: {selector: {app: db}, ports: [{port: 5432}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: cache, namespace: shop}, spec: {selector: {app: cache}, type: LoadBalancer, ports: [{port: 6379}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: search, namespace: shop}, spec: {selector: {app: search}, ports: [{port: 9200}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: legacy, namespace: shop}, spec: {type: ExternalName, externalName: old.example.com}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com]}]
  rules:
    - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: search-closed, namespace: shop}
spec:
  podSelector: {matchLabels: {app: search}}
  policyTypes: [Ingress]
  ingress: []
"""


@pytest.fixture()
def app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return draft_of("k8s", tmp_path, "app.yaml", APP)


def test_namespaces_are_boundaries_and_workloads_are_typed_elements(app) -> None:  # type: ignore[no-untyped-def]
    draft, _ = app
    assert {b.name for b in draft.boundaries} == {"shop", "Internet"}
    assert element(draft, "web").boundary == "shop"
    assert (element(draft, "db").kind, element(draft, "db").attrs["type"]) == ("datastore", "database")
    assert element(draft, "cache").attrs["type"] == "cache"


def test_a_service_is_the_workload_it_selects_and_an_unselecting_one_its_own_element(app) -> None:  # type: ignore[no-untyped-def]
    draft, report = app
    assert "service/web" in element(draft, "web").aliases
    legacy = element(draft, "legacy")
    assert legacy.kind == "external" and "old.example.com" in str(legacy.attrs["description"])
    assert "selects no workload" in reasons(report)


def test_ingress_and_load_balancers_mark_internet_exposure(app) -> None:  # type: ignore[no-untyped-def]
    draft, _ = app
    table = flows(draft)
    controller = element(draft, "Ingress controller (nginx)")
    assert controller.attrs == {"type": "ingress-controller", "internet_facing": True}
    assert table[("Internet Client", controller.name)].attrs["protocol"] == "HTTPS"
    assert table[(controller.name, "web")].attrs["protocol"] == "HTTP"
    assert element(draft, "cache").attrs["internet_facing"] is True
    assert table[("Internet Client", "cache")].attrs == {"port": 6379, "protocol": "REDIS"}
    assert "internet_facing" not in element(draft, "web").attrs


def test_references_in_env_and_config_maps_are_flows_and_network_policies_restrict_them(app) -> None:  # type: ignore[no-untyped-def]
    draft, report = app
    table = flows(draft)
    assert table[("web", "db")].attrs == {"protocol": "POSTGRESQL", "port": 5432, "ip_filtered": True}
    assert table[("web", "cache")].attrs["protocol"] == "REDIS"
    assert ("web", "search") not in table  # search-closed allows nothing in
    assert "NetworkPolicy 'search-closed' does not allow it" in reasons(report)
    assert not draft.flows_complete  # web and cache are under no policy


def test_pod_security_becomes_model_facts(app) -> None:  # type: ignore[no-untyped-def]
    draft, report = app
    assert element(draft, "web").attrs["security_context"] is True
    assert element(draft, "db").attrs["host_path_mount"] is True
    assert element(draft, "db").attrs["security_context"] is False
    assert element(draft, "cache").attrs["privileged"] is True
    assert element(draft, "web").attrs["stores_credentials"] is True  # API_TOKEN as a literal
    assert "hostNetwork" in reasons(report) and "s3cr3t" not in reasons(report)


def test_other_kinds_are_reported(app) -> None:  # type: ignore[no-untyped-def]
    _, report = app
    assert "ConfigMap (1)" in reasons(report)


def test_a_folder_of_json_and_yaml_manifests(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.json").write_text('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},'
                                           ' "spec": {"containers": [{"name": "c", "image": "nginx"}]}}', encoding="utf-8")
    (tmp_path / "m" / "b.yml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n", encoding="utf-8")
    (tmp_path / "m" / "README.md").write_text("not a manifest", encoding="utf-8")
    draft, _, _ = read_draft(IMPORTERS["k8s"], [tmp_path / "m"])
    assert element(draft, "p").attrs["type"] == "web-server" and element(draft, "p").boundary == "default"
    assert {b.name for b in draft.boundaries} == {"tools", "default"}


@pytest.mark.parametrize("text, message", [
    ("kind: Deployment\nmetadata: {name: x}\n", "not a Kubernetes object"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {}\n", "without metadata.name"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: nginx}\n", "containers must be a list"),
    ("# nothing\n", "no Kubernetes object"),
])
def test_bad_manifests_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("k8s", tmp_path, "m.yaml", text)
    assert message in info.value.message


def test_real_microservices_demo_gives_its_service_graph() -> None:
    draft, _, _ = read_draft(IMPORTERS["k8s"], [DATA / "kubernetes" / "microservices-demo.yaml"])
    table = flows(draft)
    assert ("checkoutservice", "paymentservice") in table and ("cartservice", "redis-cart") in table
    assert table[("frontend", "cartservice")].attrs["protocol"] == "GRPC"
    assert element(draft, "frontend").attrs["internet_facing"] is True  # frontend-external is a LoadBalancer
    assert element(draft, "redis-cart").kind == "datastore"


def test_real_guestbook_exposes_its_frontend() -> None:
    draft, _, _ = read_draft(IMPORTERS["k8s"], [DATA / "kubernetes" / "guestbook-all-in-one.yaml"])
    assert element(draft, "frontend").attrs["internet_facing"] is True  # NodePort
    assert {e.name for e in draft.elements} == {"Internet Client", "frontend", "redis-master", "redis-replica"}
