"""Terraform plan JSON: the shop plan exercises each mapping rule; small plans for the edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importer_helpers import DATA, draft_of, element, flows, reasons
from tmlogic.importers import IMPORTERS
from tmlogic.importers.located import InputError
from tmlogic.importers.pipeline import read_draft


@pytest.fixture(scope="module")
def shop():  # type: ignore[no-untyped-def]
    draft, report, _ = read_draft(IMPORTERS["terraform"], [DATA / "terraform" / "shop-plan.json"])
    return draft, report


def test_vpcs_and_subnets_are_nested_boundaries_and_public_subnets_face_the_internet(shop) -> None:  # type: ignore[no-untyped-def]
    draft, _ = shop
    zones = {b.name: b for b in draft.boundaries}
    assert zones["Subnet public"].parent == "VPC shop" and zones["Subnet private"].parent == "VPC shop"
    assert zones["Subnet public"].attrs.get("internet_facing") is True  # routes to the internet gateway
    assert "internet_facing" not in zones["Subnet private"].attrs


def test_core_resources_become_typed_elements_in_their_subnets(shop) -> None:  # type: ignore[no-untyped-def]
    draft, _ = shop
    assert (element(draft, "shop-web").attrs["type"], element(draft, "shop-web").boundary) == ("load-balancer", "Subnet public")
    db = element(draft, "shop-orders")
    assert (db.kind, db.attrs["type"], db.attrs["is_encrypted"], db.boundary) == ("datastore", "database", True, "Subnet private")
    bucket = element(draft, "shop-assets")
    assert bucket.attrs["is_encrypted"] is True and bucket.attrs["has_access_control"] is True
    assert "internet_facing" not in bucket.attrs
    assert element(draft, "shop-public-api").attrs["internet_facing"] is True
    assert element(draft, "shop-orders-api").kind == "process"
    assert "aws_lb.web" in element(draft, "shop-web").aliases


def test_security_group_rules_give_the_flows_and_the_exposure(shop) -> None:  # type: ignore[no-untyped-def]
    draft, report = shop
    table = flows(draft)
    assert table[("Internet Client", "shop-web")].attrs == {"port": 443, "protocol": "HTTPS"}
    assert table[("shop-web", "shop-app")].attrs == {"protocol": "HTTP", "port": 8080}
    assert table[("shop-app", "shop-orders")].attrs == {"port": 5432, "protocol": "POSTGRESQL"}
    assert ("Internet Client", "shop-app") not in table  # SSH open to 0.0.0.0/0, but no public address
    assert "no public address" in reasons(report)


def test_api_gateway_and_lambda_flows(shop) -> None:  # type: ignore[no-untyped-def]
    draft, _ = shop
    table = flows(draft)
    assert ("shop-public-api", "shop-orders-api") in table
    assert table[("shop-orders-api", "shop-orders")].attrs["protocol"] == "POSTGRESQL"


def test_unmapped_resource_types_are_listed(shop) -> None:  # type: ignore[no-untyped-def]
    _, report = shop
    text = reasons(report)
    assert "aws_iam_role (1)" in text and "aws_cloudwatch_log_group (1)" in text


def _plan(resources: list[dict], config: list[dict] | None = None) -> str:
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}},
                       "configuration": {"root_module": {"resources": config or []}}})


def _res(address: str, values: dict) -> dict:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "values": values}


def test_a_public_bucket_is_exposed_unless_blocked(tmp_path: Path) -> None:
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]})
    draft, _ = draft_of("terraform", tmp_path, "p.json", _plan(
        [_res("aws_s3_bucket.site", {"bucket": "site"}), _res("aws_s3_bucket_policy.site", {"policy": policy}),
         _res("aws_s3_bucket.logs", {"bucket": "logs", "acl": "public-read"}),
         _res("aws_s3_bucket_public_access_block.logs", {k: True for k in (
             "block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")})],
        [{"address": "aws_s3_bucket_policy.site", "expressions": {"bucket": {"references": ["aws_s3_bucket.site.id"]}}},
         {"address": "aws_s3_bucket_public_access_block.logs",
          "expressions": {"bucket": {"references": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]}}}]))
    assert element(draft, "site").attrs["internet_facing"] is True
    assert ("Internet Client", "site") in flows(draft)
    assert "internet_facing" not in element(draft, "logs").attrs


def test_resources_in_modules_are_found_through_their_references(tmp_path: Path) -> None:
    text = json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [{
        "address": "module.db", "resources": [
            {**_res("aws_db_instance.main", {"identifier": "orders", "engine": "mysql", "publicly_accessible": True}),
             "address": "module.db.aws_db_instance.main"}]}]}},
        "configuration": {"root_module": {"module_calls": {"db": {"module": {"resources": [
            {"address": "aws_db_instance.main", "expressions": {}}]}}}}}})
    draft, _ = draft_of("terraform", tmp_path, "p.json", text)
    orders = element(draft, "orders")
    assert orders.attrs["technology"] == "mysql" and orders.attrs["internet_facing"] is True
    assert "module.db.aws_db_instance.main" in orders.aliases


@pytest.mark.parametrize("text, message", [
    ('{"resources": []}', "not Terraform plan JSON"),
    ('{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "aws_instance", '
     '"address": "aws_instance.a", "values": [1]}]}}}', "values must be an object"),
])
def test_bad_plans_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        draft_of("terraform", tmp_path, "p.json", text)
    assert message in info.value.message
