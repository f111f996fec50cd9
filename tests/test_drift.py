"""Drift: what the infrastructure as code deploys against what the model says, for each source."""

from __future__ import annotations

import json
from pathlib import Path

from importer_helpers import DATA
from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner

COMPOSE = """\
services:
  proxy: {image: nginx, ports: ["443:443"], depends_on: [shop]}
  shop:
    image: node
    environment: {DATABASE_URL: "postgres://orders-db:5432/shop", CACHE_HOST: cache}
  orders-db: {image: postgres}
  cache: {image: redis}
  worker: {image: python, depends_on: [orders-db]}
"""
MODEL = """\
# Threat Model: Shop
## Boundaries
- **Internet**: isTrusted=False
- **Shop**: isTrusted=True
## Actors
- **Customer**: boundary=Internet
## Servers
- **Front Proxy**: boundary=Shop, deployed_as=["proxy"], internet_facing=True
- **Shop**: boundary=Shop
- **Legacy API**: boundary=Shop
- **Payment Provider**: deployed_as=[]
## Datastores
- **Orders DB**: boundary=Shop
## Dataflows
- **Browse**: from=Customer, to="Front Proxy", protocol=HTTPS
- **Forward**: from="Front Proxy", to=Shop, protocol=HTTP
- **Orders**: from=Shop, to="Orders DB", protocol=POSTGRESQL
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def setup(tmp_path: Path, model: str = MODEL, compose: str = COMPOSE) -> tuple[Path, Path]:
    (tmp_path / "threat_model.md").write_text(model, encoding="utf-8")
    (tmp_path / "compose.yml").write_text(compose, encoding="utf-8")
    return tmp_path / "threat_model.md", tmp_path / "compose.yml"


def test_compose_drift_lists_both_directions_and_exits_1(tmp_path: Path) -> None:
    model, compose = setup(tmp_path)
    code, out, _ = run("drift", str(model), "--compose", str(compose), "--format", "json")
    assert code == 1
    report = json.loads(out)
    found = {(d["kind"], d["change"], d["name"]) for d in report["differences"]}
    assert found == {
        ("element", "not-modelled", "cache"),
        ("element", "not-modelled", "worker"),
        ("element", "not-deployed", "Legacy API"),  # Payment Provider says deployed_as=[]
    }
    assert {m["model"] for m in report["matched"]} == {"Front Proxy", "Shop", "Orders DB"}
    assert report["information"][0]["name"] == "default"  # the compose network is not a model boundary


def test_flows_and_exposure_that_the_model_lacks_are_drift(tmp_path: Path) -> None:
    model = MODEL.replace("deployed_as=[\"proxy\"], internet_facing=True", "deployed_as=[\"proxy\"]")
    model = model.replace("- **Browse**: from=Customer, to=\"Front Proxy\", protocol=HTTPS\n", "")
    model = model.replace("- **Orders**: from=Shop, to=\"Orders DB\", protocol=POSTGRESQL\n", "")
    model_path, compose = setup(tmp_path, model, COMPOSE.replace("  cache: {image: redis}\n", "").replace(
        "  worker: {image: python, depends_on: [orders-db]}\n", "").replace(", CACHE_HOST: cache", ""))
    model_path.write_text(model.replace("- **Legacy API**: boundary=Shop\n", ""), encoding="utf-8")
    code, out, _ = run("drift", str(model_path), "--compose", str(compose))
    assert code == 1
    assert "flows deployed, not in the model:" in out and "'Shop' to 'Orders DB'" in out
    assert "exposed to the Internet, not in the model:" in out and "'Front Proxy' internet_facing" in out


def test_no_drift_exits_0(tmp_path: Path) -> None:
    compose = COMPOSE.replace("  cache: {image: redis}\n", "").replace("  worker: {image: python, depends_on: [orders-db]}\n", "")
    compose = compose.replace(", CACHE_HOST: cache", "")
    model, path = setup(tmp_path, MODEL.replace("- **Legacy API**: boundary=Shop\n", ""), compose)
    code, out, _ = run("drift", str(model), "--compose", str(path), "--format", "markdown")
    assert code == 0, out
    assert out.startswith("## drift: ") and "no drift (3 elements matched)" in out


def test_a_freshly_imported_model_has_no_drift_against_its_source(tmp_path: Path) -> None:
    for flag, fmt, source in (("--compose", "compose", DATA / "compose" / "nginx-flask-mysql.compose.yaml"),
                              ("--k8s", "k8s", DATA / "kubernetes" / "microservices-demo.yaml"),
                              ("--terraform", "terraform", DATA / "terraform" / "shop-plan.json")):
        model = tmp_path / f"{fmt}.md"
        assert run("import", fmt, str(source), "-o", str(model), "-q")[0] == 0
        code, out, _ = run("drift", str(model), flag, str(source))
        assert code == 0, out


def test_kubernetes_under_network_policies_checks_modelled_flows_too(tmp_path: Path) -> None:
    manifests = tmp_path / "k8s.yaml"
    manifests.write_text("""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a, image: node}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: d, image: postgres}]}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: []}
""", encoding="utf-8")
    model = tmp_path / "m.md"
    model.write_text("# Threat Model: K\n## Servers\n- **api**:\n## Datastores\n- **db**:\n"
                     "## Dataflows\n- **Query**: from=api, to=db, protocol=POSTGRESQL\n", encoding="utf-8")
    code, out, _ = run("drift", str(model), "--k8s", str(manifests))
    assert code == 1
    assert "flows in the model that the deployment does not allow:" in out and "flow 'Query'" in out


def test_several_sources_count_together(tmp_path: Path) -> None:
    model, compose = setup(tmp_path)
    plan = DATA / "terraform" / "shop-plan.json"
    code, out, _ = run("drift", str(model), "--compose", str(compose), "--terraform", str(plan), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["sources"][0].startswith("compose: ") and report["sources"][1].startswith("terraform: ")
    assert {"shop-web", "shop-orders"} <= {d["name"] for d in report["differences"] if d["change"] == "not-modelled"}


def test_command_line_mistakes(tmp_path: Path) -> None:
    model, compose = setup(tmp_path)
    assert run("drift", str(model))[0] == 2
    code, _, err = run("drift", str(model), str(compose))
    assert code == 2 and "--compose" in err
    code, _, err = run("drift", str(model), "--compose", str(tmp_path / "missing.yml"))
    assert code == 2 and "not found" in err
    (tmp_path / "bad.md").write_text("## Servers\n- **A**: boundary=Nowhere\n", encoding="utf-8")
    code, _, err = run("drift", str(tmp_path / "bad.md"), "--compose", str(compose))
    assert code == 2 and "unknown boundary" in err
