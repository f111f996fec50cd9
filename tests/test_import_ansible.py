"""tmlogic import ansible and tmlogic drift --ansible (docs/integrations.md, section Ansible).

- every SecOpsTM anchor playbook imports, and one with threat_model_metadata gives exactly the
  model that reading its metadata block gives;
- tests/data/importers/ansible/rules/ (hand-written) has one line per inference rule;
- tests/data/importers/ansible/real/ holds real playbooks without metadata (ansible-examples:
  LAMP, HAProxy in front of a web tier, WordPress with nginx): the model a reviewer expects;
- odd but valid playbooks never end in a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.model.loader import load_model
from tmlogic.model.schema import Model

DATA = Path(__file__).resolve().parent / "data" / "importers" / "ansible"
RULES = DATA / "rules"
REAL = DATA / "real"
ANCHORS = Path(__file__).resolve().parent / "data" / "anchors" / "secopstm" / "ansible"  # copy of ../shared/anchors
PLAYBOOKS = sorted(ANCHORS.rglob("*.yml"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would reach the user
    return result.exit_code, result.stdout, result.stderr


def imported(tmp_path: Path, *args: str, name: str = "model.md") -> tuple[Model, str]:
    out = tmp_path / name
    code, _, err = run("import", "ansible", *args, "-o", str(out))
    assert code == 0, err
    model, warnings = load_model(out, strict=True)
    assert warnings == []
    return model, err


def shape(model: Model) -> dict[str, object]:
    """What a model says, by name, without where each item was written."""
    names = model.names()

    def attrs(item: object) -> dict[str, object]:
        return {a.key: a.value for a in getattr(item, "attrs") if a.key != "imported_from"}

    return {
        "boundaries": {b.name: (b.trusted, names.get(b.parent or ""), attrs(b)) for b in model.boundaries},
        "elements": {e.name: (e.kind, e.type, names.get(e.boundary or ""), attrs(e)) for e in model.elements},
        "data": {d.name: (d.classification, attrs(d)) for d in model.data},
        "flows": {f.name: (names[f.source], names[f.target], f.protocol, [names[x] for x in f.data], attrs(f))
                  for f in model.flows},
    }


def element(model: Model, name: str) -> object:
    return next(e for e in model.elements if e.name == name)


def flows(model: Model) -> set[tuple[str, str, str | None]]:
    names = model.names()
    return {(names[f.source], names[f.target], f.protocol) for f in model.flows}


def attr(item: object, key: str) -> object:
    return next((a.value for a in getattr(item, "attrs") if a.key == key), None)


# --------------------------------------------------------------------------- the anchors

@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_every_anchor_playbook_imports_as_its_metadata_block_reads(playbook: Path, tmp_path: Path) -> None:
    inventory = playbook.parent / "hosts.ini"
    extra = ["-i", str(inventory)] if inventory.is_file() else []
    model, _ = imported(tmp_path, str(playbook), *extra)
    direct, _ = load_model(playbook)  # `tmlogic analyze playbook.yml` reads the block this way
    assert shape(model) == shape(direct)
    assert model.boundaries
    for item in [*model.boundaries, *model.elements, *model.flows]:
        path, _, line = str(attr(item, "imported_from")).rpartition(":")
        assert (tmp_path / path).resolve() == playbook.resolve() and int(line) > 1


def test_drift_compares_the_model_with_what_the_tasks_deploy(tmp_path: Path) -> None:
    folder = ANCHORS / "three_tier_web_app"
    model = tmp_path / "model.md"
    assert run("import", "ansible", str(folder / "three_tier_web_app.yml"), "-o", str(model), "-q")[0] == 0
    code, out, _ = run("drift", str(model), "--ansible", str(folder / "three_tier_web_app.yml"),
                       "-i", str(folder / "hosts.ini"), "--format", "json")
    assert code == 1
    report = json.loads(out)
    missing = {d["name"] for d in report["differences"] if d["change"] == "not-modelled"}
    assert missing == {"web-app-01", "app-server-01", "db-master-01"}
    # naming the deployed hosts in the model ends the drift on elements
    text = model.read_text(encoding="utf-8")
    for modelled, host in (("WebServer_1", "web-app-01"), ("AppServer_1", "app-server-01"),
                           ("DBServer_1", "db-master-01")):
        text += f"\n## Servers\n- **{modelled} host**: deployed_as=[\"{host}\"]\n"
    (tmp_path / "named.md").write_text(text, encoding="utf-8")
    code, out, _ = run("drift", str(tmp_path / "named.md"), "--ansible", str(folder / "three_tier_web_app.yml"),
                       "-i", str(folder / "hosts.ini"))
    assert "web-app-01" not in out.split("in the model, not deployed")[0]


# --------------------------------------------------------------------------- inference, rule by rule

@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> tuple[Model, str]:
    return imported(tmp_path_factory.mktemp("rules"), str(RULES / "site.yml"), "-i", str(RULES / "inventory.ini"))


def test_groups_and_host_vars_become_boundaries(rules: tuple[Model, str]) -> None:
    model, report = rules
    zones = {b.name: b for b in model.boundaries}
    names = model.names()
    assert zones["dmz"].trusted is False and zones["internal"].trusted is True
    assert names[zones["app"].parent or ""] == "internal" and names[zones["VLAN 20"].parent or ""] == "db"
    assert names[element(model, "pg-1").boundary] == "VLAN 20"  # type: ignore[attr-defined]
    assert names[element(model, "api-2").boundary] == "app"  # type: ignore[attr-defined]
    assert "boundary from the host variable vlan=20" in str(attr(zones["VLAN 20"], "inferred"))
    assert "boundary 'dmz' -- boundary from the inventory group 'dmz'" in report


def test_hosts_are_typed_from_packages_roles_and_modules(rules: tuple[Model, str]) -> None:
    model, _ = rules
    types = {e.name: (e.kind, e.type) for e in model.elements}
    assert types["edge-1"] == ("server", "web-server") and types["edge-2"] == ("server", "web-server")
    assert types["api-1"] == ("server", "app-server")
    assert types["pg-1"] == ("datastore", "database")
    assert types["pg-1 Redis"] == ("datastore", "cache")  # a second product on the host: its own element
    assert "monitor" not in types  # ansible_connection=local: the control node itself
    assert str(attr(element(model, "edge-1"), "inferred")) == "type web-server from package 'nginx' (apt)"


def test_ports_come_from_listen_directives_vars_and_firewall_rules(rules: tuple[Model, str]) -> None:
    model, report = rules
    assert attr(element(model, "edge-1"), "port") == 443  # `listen {{ nginx_listen_port }} ssl`, role defaults
    assert attr(element(model, "api-1"), "port") == 8080
    assert attr(element(model, "pg-1"), "port") == 5432
    # ufw opens 443 to anyone on the edge: the Internet reaches it, over TLS (ssl_certificate)
    assert ("Internet Client", "edge-1", "HTTPS") in flows(model)
    assert "port 22 on 'api-1' -- open to any source by a firewall rule" in report  # ufw OpenSSH


def test_flows_come_from_configuration_with_their_protocol_and_encryption(rules: tuple[Model, str]) -> None:
    model, _ = rules
    by_name = {f.name: f for f in model.flows}
    assert {("edge-1", "api-1", "HTTP"), ("edge-2", "api-2", "HTTP")} <= flows(model)  # upstream loop over groups
    proxy = by_name["edge-1 to api-1 (HTTP)"]
    assert str(attr(proxy, "imported_from")).endswith("roles/proxy/templates/proxy.conf.j2:3")
    assert attr(proxy, "is_encrypted") is None  # proxy_pass http://
    db = by_name["api-1 to pg-1 (POSTGRESQL)"]  # db_host: "{{ groups['db'][0] }}", db_sslmode: require
    assert attr(db, "is_encrypted") is True and attr(db, "port") == 5432
    assert str(attr(db, "imported_from")).endswith("roles/api/defaults/main.yml:2")


def test_ssh_from_the_control_node_is_an_admin_flow(rules: tuple[Model, str]) -> None:
    model, _ = rules
    node = element(model, "Ansible Control Node")
    assert node.kind == "actor" and attr(node, "is_admin") is True  # type: ignore[attr-defined]
    ssh = {f.name: f for f in model.flows if f.name.startswith("Ansible SSH")}
    assert set(ssh) == {f"Ansible SSH to {h}" for h in ("edge-1", "edge-2", "api-1", "api-2", "pg-1")}
    assert attr(ssh["Ansible SSH to api-2"], "port") == 2222  # ansible_port
    assert all(f.protocol == "SSH" for f in ssh.values())


def test_ini_and_yaml_inventories_give_the_same_model(tmp_path: Path, rules: tuple[Model, str]) -> None:
    from_yaml, _ = imported(tmp_path, str(RULES / "site.yml"), "-i", str(RULES / "inventory.yml"))
    a, b = shape(rules[0]), shape(from_yaml)
    assert a == b


def test_explain_points_at_the_playbook_line_that_made_an_element(tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    assert run("import", "ansible", str(RULES / "site.yml"), "-i", str(RULES / "inventory.ini"), "-o", str(out),
               "-q")[0] == 0
    code, text, _ = run("analyze", str(out), "--format", "json")
    threat = next(t for t in json.loads(text)["threats"] if any(x["name"] == "edge-1" for x in t["targets"]))
    code, text, _ = run("explain", str(out), threat["id"])
    assert code == 0 and "imported from " in text and "inventory.ini:3" in text


def test_reimport_keeps_hand_written_sections(tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    assert run("import", "ansible", str(RULES / "site.yml"), "-i", str(RULES / "inventory.ini"), "-o", str(out),
               "-q")[0] == 0
    mine = ("\n## Accepted Threats\n- **TM-OPS-001**: target=\"edge-1\", reason=\"logs are shipped by the platform\"\n"
            "\n## Notes\nWritten by hand.\n")
    out.write_text(out.read_text(encoding="utf-8") + mine, encoding="utf-8")
    assert run("import", "ansible", str(RULES / "site.yml"), "-i", str(RULES / "inventory.ini"), "-o", str(out),
               "-q")[0] == 0
    assert out.read_text(encoding="utf-8").endswith(mine)


# --------------------------------------------------------------------------- real playbooks

def test_classic_lamp(tmp_path: Path) -> None:
    model, _ = imported(tmp_path, str(REAL / "lamp_simple" / "site.yml"), "-i", str(REAL / "lamp_simple" / "hosts"))
    assert (element(model, "web3").type, element(model, "web2").type) == ("web-server", "database")  # type: ignore[attr-defined]
    assert {("Internet Client", "web3", "HTTP"), ("web3", "web2", "MYSQL"), ("Ansible Control Node", "web2", "SSH")} \
        <= flows(model)
    assert not any(dst == "web2" and src == "Internet Client" for src, dst, _ in flows(model))


def test_haproxy_balanced_web_tier(tmp_path: Path) -> None:
    folder = REAL / "lamp_haproxy"
    model, report = imported(tmp_path, str(folder / "site.yml"), "-i", str(folder / "hosts"))
    types = {e.name: e.type for e in model.elements}
    assert types["lb1"] == "load-balancer" and types["web1"] == types["web2"] == "web-server"
    assert types["db1"] == "database" and types["nagios"] == "monitoring"
    got = flows(model)
    assert {("Internet Client", "lb1", "HTTP"), ("lb1", "web1", "HTTP"), ("lb1", "web2", "HTTP"),
            ("web1", "db1", "MYSQL"), ("web2", "db1", "MYSQL"), ("nagios", "db1", "NRPE")} <= got
    # the web servers are behind the load balancer: the Internet does not reach them directly
    assert not {("Internet Client", "web1", "HTTP"), ("Internet Client", "web2", "HTTP")} & got
    assert "lb1 forwards to web1: taken as behind it" in report
    assert attr(element(model, "lb1"), "port") == 8888  # group_vars/lbservers listenport


def test_wordpress_with_nginx_on_one_host(tmp_path: Path) -> None:
    folder = REAL / "wordpress-nginx"
    model, _ = imported(tmp_path, str(folder / "site.yml"), "-i", str(folder / "hosts.example"))
    web = element(model, "webserver2")
    assert (web.kind, web.type) == ("server", "cms")  # type: ignore[attr-defined]
    assert "nginx" in str(attr(web, "technology")) and "php-fpm" in str(attr(web, "technology"))
    db = element(model, "webserver2 MySQL")
    assert (db.kind, db.type) == ("datastore", "database")  # type: ignore[attr-defined]
    assert {("Internet Client", "webserver2", "HTTP"), ("webserver2", "webserver2 MySQL", "MYSQL")} <= flows(model)
    flow = next(f for f in model.flows if f.name == "webserver2 to webserver2 MySQL (MYSQL)")
    assert str(attr(flow, "imported_from")).endswith("roles/wordpress/templates/wp-config.php:28")  # DB_HOST


def test_mariadb_configured_as_mysql_is_one_database(tmp_path: Path) -> None:
    # RHEL 7 ships MariaDB as MySQL: package mariadb-server, service mariadb, configuration my.cnf
    folder = REAL / "lamp_simple_rhel7"
    model, _ = imported(tmp_path, str(folder / "site.yml"), "-i", str(folder / "hosts"))
    assert [e.name for e in model.elements if e.type == "database"] == ["dbserver.local"]
    assert ("webserver.local", "dbserver.local", "MYSQL") in flows(model)
    assert ("Internet Client", "webserver.local", "HTTP") in flows(model)
    assert not any(dst == "dbserver.local" and src == "Internet Client" for src, dst, _ in flows(model))


def test_a_copied_binary_artifact_is_noted_not_an_error(tmp_path: Path) -> None:
    role = tmp_path / "roles" / "app"
    (role / "tasks").mkdir(parents=True)
    (role / "files").mkdir()
    (role / "files" / "app.war").write_bytes(b"PK\x03\x04\x00\x00binary")
    (role / "tasks" / "main.yml").write_text("- copy: src=app.war dest=/opt/app/app.war\n"
                                             "- yum: name=tomcat\n", encoding="utf-8")
    (tmp_path / "site.yml").write_text("- hosts: app1\n  roles: [app]\n- hosts: app2\n  roles: [app]\n",
                                       encoding="utf-8")
    model, report = imported(tmp_path, str(tmp_path / "site.yml"))
    assert element(model, "app1").type == element(model, "app2").type == "app-server"  # type: ignore[attr-defined]
    assert report.count("copy app.war -- not read (") == 1 and "binary file" in report  # once, not per host


def test_the_real_playbooks_analyze_with_the_expected_threats(tmp_path: Path) -> None:
    model, _ = imported(tmp_path, str(REAL / "lamp_haproxy" / "site.yml"), "-i", str(REAL / "lamp_haproxy" / "hosts"))
    code, out, _ = run("analyze", str(tmp_path / "model.md"), "--format", "json")
    assert code == 0
    threats = json.loads(out)["threats"]
    targets = {(x["name"], t["stride"]) for t in threats for x in t["targets"]}
    assert ("Internet Client to lb1 (HTTP)", "InformationDisclosure") in targets  # cleartext from the Internet


# --------------------------------------------------------------------------- drift and robustness

def test_drift_on_the_inferred_model_itself_is_clean_and_a_missing_host_is_drift(tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    args = [str(RULES / "site.yml"), "-i", str(RULES / "inventory.ini")]
    assert run("import", "ansible", *args, "-o", str(out), "-q")[0] == 0
    code, text, _ = run("drift", str(out), "--ansible", *args)
    assert code == 0 and "no drift" in text
    edited = out.read_text(encoding="utf-8").replace("- **pg-1 Redis**", "- **Old Redis**")
    (tmp_path / "edited.md").write_text(edited.replace('"pg-1 Redis"', '"Old Redis"'), encoding="utf-8")
    code, text, _ = run("drift", str(tmp_path / "edited.md"), "--ansible", *args, "--format", "markdown")
    assert code == 1
    assert "redis on host 'pg-1'" in text and "Old Redis" in text


ODD = {
    "empty.yml": "",
    "null_tasks.yml": "- hosts: all\n  tasks:\n",
    "action_form.yml": "- hosts: all\n  tasks:\n    - action: apt name=nginx\n    - local_action: command echo hi\n",
    "vault_and_tags.yml": "- hosts: all\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n"
                          "  tasks:\n    - name: x\n      apt: {name: !unsafe '{{ not_a_template }}'}\n",
    "anchors.yml": "- hosts: web\n  vars: &v\n    db_host: db1\n  tasks:\n    - {name: a, apt: {name: [nginx]}, vars: *v}\n",
    "templated_hosts.yml": "- hosts: \"{{ target | default('all') }}\"\n  roles: [{role: missing.galaxy_role, when: x}]\n"
                           "  tasks:\n    - include_tasks: \"{{ dynamic }}.yml\"\n    - import_playbook: nowhere.yml\n",
    "blocks.yml": "- hosts: all\n  tasks:\n    - block:\n        - block:\n            - service: name=postgresql\n"
                  "      always:\n        - debug: msg=done\n      rescue: []\n",
    "handlers_listen.yml": "- hosts: all\n  handlers:\n    - name: h\n      listen: restart web\n      service:\n"
                           "        name: httpd\n  post_tasks:\n    - ufw: {rule: allow, port: '80:90', proto: tcp}\n",
    "unicode.yml": "- name: Déploiement\n  hosts: serveurs_web\n  tasks:\n    - name: installer nginx\n"
                   "      ansible.builtin.package: {name: nginx}\n",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_but_valid_playbooks_import_without_a_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(ODD[name], encoding="utf-8")
    code, _, err = run("import", "ansible", str(path), "-o", str(tmp_path / "m.md"))
    assert code in (0, 2), err
    if code == 2:
        assert f"{name}:" in err and "error:" in err
    assert "Traceback" not in err


def test_a_task_list_is_not_a_playbook(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yml"
    path.write_text("- name: x\n  apt: name=nginx\n", encoding="utf-8")
    code, _, err = run("import", "ansible", str(path))
    assert code == 2 and "tasks.yml:1:3: error: a play without hosts:" in err


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ansible"


def test_the_example_model_is_what_the_import_writes_and_has_no_drift(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "ansible"
    shutil.copytree(EXAMPLE, copy)
    (copy / "threat_model.md").unlink()
    code, _, err = run("import", "ansible", str(copy / "site.yml"), "-i", str(copy / "inventory.ini"), "-o",
                       str(copy / "threat_model.md"), "-q")
    assert code == 0, err
    assert (copy / "threat_model.md").read_bytes() == (EXAMPLE / "threat_model.md").read_bytes(), \
        "regenerate it: cd examples/ansible && tmlogic import ansible site.yml -i inventory.ini -o threat_model.md"
    code, out, _ = run("drift", str(EXAMPLE / "threat_model.md"), "--ansible", str(EXAMPLE / "site.yml"),
                       "-i", str(EXAMPLE / "inventory.ini"))
    assert code == 0 and "no drift" in out


def test_vars_as_a_list_of_mappings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "site.yml"
    path.write_text("- hosts: web\n  vars:\n    - db_host: db\n    - http_port: 8080\n  tasks:\n"
                    "    - apt: name=nginx\n- hosts: db\n  tasks:\n    - apt: name=mysql-server\n", encoding="utf-8")
    model, _ = imported(tmp_path, str(path))
    assert ("web", "db", "MYSQL") in flows(model)
