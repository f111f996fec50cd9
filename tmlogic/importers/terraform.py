"""Terraform plan JSON (`terraform show -json PLAN`) -> a draft model, for the core AWS resources.

    aws_vpc                      a boundary (trusted)
    aws_subnet                   a boundary inside its VPC; internet_facing when public (it maps public
                                 IPs on launch, or its route table routes to an internet gateway)
    aws_instance                 a server in its subnet
    aws_lb, aws_alb, aws_elb     a load balancer; internet_facing unless internal; listeners give the
                                 protocol, target groups and attachments the flows to the instances
    aws_db_instance,             a datastore (the engine as technology; storage_encrypted -> is_encrypted)
    aws_rds_cluster
    aws_s3_bucket                a datastore (object storage); encryption, public access blocks, public
                                 ACLs and bucket policies decide is_encrypted and internet exposure
    aws_api_gateway_rest_api,    an API gateway, internet_facing unless PRIVATE; integrations and Lambda
    aws_apigatewayv2_api         permissions give the flows to functions
    aws_lambda_function          a process; its environment's references to other resources are flows
    aws_security_group (+ rules) the flows: each ingress rule allows traffic from a CIDR (0.0.0.0/0 or
                                 ::/0 is the Internet), from the members of another group, or from its
                                 own members, to the group's members, on its ports; traffic from the
                                 Internet reaches only what has a public address

Relations between resources are read from the plan's configuration (`references`: values are often
unknown until apply) and, where the plan knows them, from ids in the values. Other resource types are
listed in the report. Values are data: nothing in the plan is evaluated.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import SourceSpan
from ..model.schema import Value
from ..typing_runtime import Any
from .base import ImportContext, plain_dict as _dict, plain_list as _list
from .draft import Draft, DraftBoundary, DraftElement, DraftFlow
from .located import Mapping, Node, Sequence
from .otm import to_plain
from .technology import protocol_for_port

__all__ = ["read"]

_ELEMENTS = {"aws_instance", "aws_lb", "aws_alb", "aws_elb", "aws_db_instance", "aws_rds_cluster", "aws_s3_bucket",
             "aws_api_gateway_rest_api", "aws_apigatewayv2_api", "aws_lambda_function"}
_READ = {"aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
         "aws_vpc_security_group_egress_rule", "aws_internet_gateway", "aws_route_table", "aws_route",
         "aws_route_table_association", "aws_lb_listener", "aws_alb_listener", "aws_lb_target_group",
         "aws_alb_target_group", "aws_lb_target_group_attachment", "aws_alb_target_group_attachment",
         "aws_db_subnet_group", "aws_s3_bucket_public_access_block", "aws_s3_bucket_acl", "aws_s3_bucket_policy",
         "aws_s3_bucket_server_side_encryption_configuration", "aws_api_gateway_integration",
         "aws_apigatewayv2_integration", "aws_lambda_permission", "aws_vpc", "aws_subnet"}
_ENGINE_PORT = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "aurora-mysql": 3306, "aurora": 3306,
                "mariadb": 3306, "sqlserver": 1433, "oracle": 1521}
_ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})
_INDEX = re.compile(r"\[[^\]]*\]$")
_REF = re.compile(r"^((?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*)((?:data\.)?[A-Za-z0-9_]+\.[A-Za-z0-9_-]+)")


@dataclass(eq=False)
class _Resource:
    address: str  # as planned: module.net.aws_subnet.public[0]
    type: str
    name: str
    values: dict[str, Any]
    span: SourceSpan
    refs: dict[str, list[str]] = field(default_factory=dict)  # attribute -> referenced addresses (no index)

    @property
    def base(self) -> str:
        return _INDEX.sub("", self.address)

    @property
    def label(self) -> str:
        tags = self.values.get("tags") or {}
        name = tags.get("Name") if isinstance(tags, dict) else None
        return str(name or self.values.get("name") or self.values.get("bucket") or self.values.get("identifier")
                   or self.values.get("function_name") or self.name)


def _walk_config(node: Any, prefix: str, out: dict[str, dict[str, list[str]]], span: SourceSpan) -> None:
    """configuration.root_module (and module_calls) -> address -> attribute -> references."""
    if not isinstance(node, dict):
        return
    for res in _list(node.get("resources"), span, "configuration resources"):
        if not isinstance(res, dict) or not isinstance(res.get("address"), str):
            continue
        refs: dict[str, list[str]] = {}
        _refs(res.get("expressions"), (), prefix, refs)
        out[prefix + res["address"]] = refs
    for name, call in _dict(node.get("module_calls"), span, "configuration module_calls").items():
        if isinstance(call, dict):
            _walk_config(call.get("module"), f"{prefix}module.{name}.", out, span)


def _refs(expr: Any, keys: tuple[str, ...], prefix: str, out: dict[str, list[str]]) -> None:
    """References under every attribute on the way down: `environment`, `variables` and `DB_HOST`
    all hold the reference of environment[0].variables.DB_HOST."""
    if isinstance(expr, dict):
        for ref in expr["references"] if isinstance(expr.get("references"), list) else []:
            m = _REF.match(ref) if isinstance(ref, str) else None
            if m:
                address = prefix + re.sub(r"\[[^\]]*\]", "", m.group(1)) + m.group(2)
                for key in keys:
                    if address not in out.setdefault(key, []):
                        out[key].append(address)
        for k, v in expr.items():
            if k not in ("references", "constant_value"):
                _refs(v, keys + (k,), prefix, out)
    elif isinstance(expr, list):
        for item in expr:
            _refs(item, keys, prefix, out)


class _Reader:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.draft = Draft("terraform")
        self.resources: list[_Resource] = []
        self.by_base: dict[str, list[_Resource]] = {}
        self.by_id: dict[str, _Resource] = {}
        self.elements: dict[str, DraftElement] = {}  # address -> element
        self.zones: dict[str, str] = {}  # address -> boundary name

    def collect(self, module: Node | None) -> None:
        if not isinstance(module, Mapping):
            return
        for res in module.get("resources") if isinstance(module.get("resources"), Sequence) else ():  # type: ignore[union-attr]
            if not isinstance(res, Mapping):
                continue
            data = to_plain(res)
            if data.get("mode") == "data" or not isinstance(data.get("type"), str):
                continue
            address = str(data.get("address") or f"{data['type']}.{data.get('name')}")
            r = _Resource(address, data["type"], str(data.get("name") or ""),
                          _dict(data.get("values"), res.span, f"{address} values"), res.span)
            self.resources.append(r)
        for child in module.get("child_modules") if isinstance(module.get("child_modules"), Sequence) else ():  # type: ignore[union-attr]
            self.collect(child)

    def read(self, path: Path) -> Draft:
        root = self.ctx.json(path)
        doc = self.ctx.mapping(root, "a Terraform plan", root.span, "write it with: terraform show -json PLAN > plan.json")
        if doc.get("format_version") is None or (doc.get("planned_values") is None and doc.get("values") is None):
            self.ctx.fail(doc.span, "this is not Terraform plan JSON (no format_version and planned_values)",
                          "write it with: terraform show -json PLAN > plan.json")
        planned = doc.get("planned_values") or doc.get("values")
        self.collect(planned.get("root_module") if isinstance(planned, Mapping) else None)
        config: dict[str, dict[str, list[str]]] = {}
        configuration = _dict(to_plain(doc.get("configuration")), doc.where("configuration"), "configuration")
        _walk_config(configuration.get("root_module"), "", config, doc.where("configuration"))
        for r in self.resources:
            r.refs = config.get(r.base, {})
            self.by_base.setdefault(r.base, []).append(r)
            rid = r.values.get("id") or r.values.get("arn")
            if isinstance(rid, str):
                self.by_id[rid] = r
        self.draft.title = f"Terraform plan {path.name}"
        for r in self.resources:
            if r.type == "aws_vpc":
                self.zones[r.address] = self.draft.add_boundary(DraftBoundary(
                    f"VPC {r.label}", r.span, f"aws_vpc '{r.address}'", {"is_trusted": True},
                    aliases=(r.address, r.base, r.label))).name
        for r in self.resources:
            if r.type == "aws_subnet":
                vpc = self.one(r, "vpc_id", "aws_vpc")
                attrs: dict[str, Value] = {"is_trusted": True}
                if self.public_subnet(r):
                    attrs["internet_facing"] = True
                self.zones[r.address] = self.draft.add_boundary(DraftBoundary(
                    f"Subnet {r.label}", r.span, f"aws_subnet '{r.address}'", attrs,
                    parent=self.zones.get(vpc.address) if vpc else None, aliases=(r.address, r.base, r.label))).name
        for r in self.resources:
            if r.type in _ELEMENTS:
                self.element(r)
        self.security_group_flows()
        self.load_balancer_flows()
        self.api_flows()
        self.lambda_flows()
        skipped: dict[str, list[_Resource]] = {}
        for r in self.resources:
            if r.type not in _ELEMENTS and r.type not in _READ:
                skipped.setdefault(r.type, []).append(r)
        for rtype, items in skipped.items():
            self.ctx.report.skip(f"{rtype} ({len(items)})", items[0].span,
                                 "no mapping for this resource type (the importer covers the core AWS network, "
                                 "compute, database, storage, API Gateway and Lambda resources)",
                                 tuple(i.address for i in items))
        read_only = sorted({r.type for r in self.resources if r.type in _READ - {"aws_vpc", "aws_subnet"}})
        if read_only:
            first = next(r for r in self.resources if r.type in read_only)
            self.ctx.report.map(", ".join(read_only), first.span, "read for flows, protocols and exposure")
        return self.draft

    # -- relations ----------------------------------------------------------------------------------

    def related(self, r: _Resource, key: str, rtype: str | tuple[str, ...] | None = None) -> list[_Resource]:
        types = (rtype,) if isinstance(rtype, str) else rtype
        out: list[_Resource] = []
        for address in r.refs.get(key, []):
            for other in self.by_base.get(address, []):
                if types is None or other.type in types:
                    out.append(other)
        value = r.values.get(key)
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, str) and v in self.by_id and (types is None or self.by_id[v].type in types):
                out.append(self.by_id[v])
        return list(dict.fromkeys(out))

    def one(self, r: _Resource, key: str, rtype: str | tuple[str, ...]) -> _Resource | None:
        found = self.related(r, key, rtype)
        return found[0] if found else None

    def public_subnet(self, subnet: _Resource) -> bool:
        if subnet.values.get("map_public_ip_on_launch") is True:
            return True
        for assoc in self.resources:
            if assoc.type != "aws_route_table_association" or subnet not in self.related(assoc, "subnet_id", "aws_subnet"):
                continue
            for table in self.related(assoc, "route_table_id", "aws_route_table"):
                if self.related(table, "gateway_id", "aws_internet_gateway") or any(
                        isinstance(rt, dict) and str(rt.get("gateway_id") or "").startswith("igw-")
                        for rt in _list(table.values.get("route"), table.span, f"{table.address} route")):
                    return True
        return False

    # -- elements -----------------------------------------------------------------------------------

    def element(self, r: _Resource) -> None:
        v = r.values
        attrs: dict[str, Value] = {}
        kind, subnet = "server", None
        if r.type == "aws_instance":
            subnet = self.one(r, "subnet_id", "aws_subnet")
            if v.get("ami"):
                attrs["technology"] = f"EC2 {v.get('instance_type') or ''} {v.get('ami')}".replace("  ", " ")
        elif r.type in ("aws_lb", "aws_alb", "aws_elb"):
            attrs["type"] = "load-balancer"
            attrs["technology"] = f"AWS {str(v.get('load_balancer_type') or 'application')} load balancer"
            if v.get("internal") is not True:
                attrs["internet_facing"] = True
            subnets = self.related(r, "subnets", "aws_subnet")
            subnet = subnets[0] if subnets else None
        elif r.type in ("aws_db_instance", "aws_rds_cluster"):
            kind = "datastore"
            attrs["type"] = "database"
            if v.get("engine"):
                attrs["technology"] = str(v.get("engine")) + (f" {v['engine_version']}" if v.get("engine_version") else "")
            if v.get("storage_encrypted") is not None:
                attrs["is_encrypted"] = v.get("storage_encrypted") is True
            if v.get("publicly_accessible") is True:
                attrs["internet_facing"] = True
            group = self.one(r, "db_subnet_group_name", "aws_db_subnet_group")
            subnets = self.related(group, "subnet_ids", "aws_subnet") if group else []
            subnet = subnets[0] if subnets else None
        elif r.type == "aws_s3_bucket":
            kind = "datastore"
            attrs["type"] = "object-storage"
            attrs["technology"] = "AWS S3"
            self.bucket(r, attrs)
        elif r.type in ("aws_api_gateway_rest_api", "aws_apigatewayv2_api"):
            attrs["type"] = "api-gateway"
            types = [t for c in _list(v.get("endpoint_configuration"), r.span, "endpoint_configuration")
                     if isinstance(c, dict) for t in _list(c.get("types"), r.span, "endpoint_configuration types")]
            if "PRIVATE" not in types:
                attrs["internet_facing"] = True
        elif r.type == "aws_lambda_function":
            kind = "process"
            attrs["type"] = "function"
            if v.get("runtime"):
                attrs["technology"] = f"AWS Lambda {v['runtime']}"
            subnets = [s for c in [r] for s in self.related(c, "subnet_ids", "aws_subnet")]
            subnet = subnets[0] if subnets else None
            env = [e for e in _list(v.get("environment"), r.span, "environment") if isinstance(e, dict)]
            secrets = sorted(k for e in env for k, val in _dict(e.get("variables"), r.span, "environment variables").items()
                             if re.search(r"PASSW|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY", k, re.IGNORECASE) and val)
            if secrets:
                attrs["stores_credentials"] = True
                self.ctx.report.approximate(f"{r.address} environment", r.span,
                                            f"holds secrets as literal values ({', '.join(secrets)}): marked "
                                            "stores_credentials; the values are not copied")
        boundary = self.zones.get(subnet.address) if subnet else None
        if boundary is None and r.type == "aws_instance" and not subnet:
            vpc_sg = self.related(r, "vpc_security_group_ids", "aws_security_group")
            vpc = self.one(vpc_sg[0], "vpc_id", "aws_vpc") if vpc_sg else None
            boundary = self.zones.get(vpc.address) if vpc else None
        self.elements[r.address] = self.draft.add_element(DraftElement(
            r.label, r.span, f"{r.type} '{r.address}'", attrs, kind=kind, boundary=boundary,
            aliases=(r.address, r.base, r.label)))

    def bucket(self, r: _Resource, attrs: dict[str, Value]) -> None:
        def about(rtype: str) -> list[_Resource]:
            return [o for o in self.resources if o.type == rtype and r in self.related(o, "bucket", "aws_s3_bucket")]

        if r.values.get("server_side_encryption_configuration") or about("aws_s3_bucket_server_side_encryption_configuration"):
            attrs["is_encrypted"] = True
        blocks = about("aws_s3_bucket_public_access_block")
        blocked = any(all(b.values.get(k) is True for k in ("block_public_acls", "ignore_public_acls",
                                                              "block_public_policy", "restrict_public_buckets"))
                      for b in blocks)
        acls = [str(r.values.get("acl") or "")] + [str(a.values.get("acl") or "") for a in about("aws_s3_bucket_acl")]
        public = any(a in ("public-read", "public-read-write") for a in acls)
        for p in about("aws_s3_bucket_policy"):
            try:
                policy = json.loads(str(p.values.get("policy") or "{}"))
            except ValueError:
                continue
            statements = policy.get("Statement") if isinstance(policy, dict) else None
            for s in statements if isinstance(statements, list) else [statements]:
                principal = s.get("Principal") if isinstance(s, dict) else None
                if isinstance(s, dict) and s.get("Effect") == "Allow" and (
                        principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")):
                    public = True
        if blocks:
            attrs["has_access_control"] = True
        if public and not blocked:
            attrs["internet_facing"] = True
            client = self.draft.internet_client(r.span, "0.0.0.0/0")
            self.pending_bucket = getattr(self, "pending_bucket", []) + [(client, r)]
        elif public:
            self.ctx.report.approximate(f"{r.address} public access", r.span,
                                        "a public ACL or policy, but the public access block stops it: not exposed")

    # -- flows --------------------------------------------------------------------------------------

    def members(self, group: _Resource) -> list[DraftElement]:
        out = []
        for r in self.resources:
            if r.address not in self.elements:
                continue
            for key in ("vpc_security_group_ids", "security_groups", "security_group_ids"):
                if group in self.related(r, key, "aws_security_group"):
                    out.append(self.elements[r.address])
            for cfg in _list(r.values.get("vpc_config"), r.span, f"{r.address} vpc_config"):
                if isinstance(cfg, dict) and group.values.get("id") in _list(cfg.get("security_group_ids"), r.span,
                                                                                   "vpc_config security_group_ids"):
                    out.append(self.elements[r.address])
        return list(dict.fromkeys(out))

    def public_address(self, element: DraftElement) -> bool:
        r = next(x for x in self.resources if self.elements.get(x.address) is element)
        if r.type == "aws_instance":
            subnet = self.one(r, "subnet_id", "aws_subnet")
            return r.values.get("associate_public_ip_address") is True or (
                r.values.get("associate_public_ip_address") is not False and subnet is not None
                and subnet.values.get("map_public_ip_on_launch") is True)
        return element.attrs.get("internet_facing") is True

    def ingress_rules(self) -> list[tuple[_Resource, _Resource, dict[str, Any]]]:
        """(security group, the resource holding the rule, rule values) for every ingress rule."""
        out: list[tuple[_Resource, _Resource, dict[str, Any]]] = []
        for r in self.resources:
            if r.type == "aws_security_group":
                out.extend((r, r, rule) for rule in _list(r.values.get("ingress"), r.span, f"{r.address} ingress")
                           if isinstance(rule, dict))
            elif r.type == "aws_security_group_rule" and r.values.get("type") == "ingress":
                group = self.one(r, "security_group_id", "aws_security_group")
                if group:
                    out.append((group, r, r.values))
            elif r.type == "aws_vpc_security_group_ingress_rule":
                group = self.one(r, "security_group_id", "aws_security_group")
                if group:
                    rule = dict(r.values)
                    rule["cidr_blocks"] = [c for c in (r.values.get("cidr_ipv4"), r.values.get("cidr_ipv6")) if c]
                    rule["protocol"] = r.values.get("ip_protocol")
                    out.append((group, r, rule))
        return out

    def security_group_flows(self) -> None:
        for group, holder, rule in self.ingress_rules():
            targets = self.members(group)
            if not targets:
                continue
            low, high = rule.get("from_port"), rule.get("to_port")
            proto = str(rule.get("protocol") or "tcp")
            port = low if isinstance(low, int) and low == high and low > 0 else None
            protocol = protocol_for_port(port, "udp" if proto in ("udp", "17") else "tcp") if port else None
            attrs: dict[str, Value] = {}
            if port:
                attrs["port"] = port
            if protocol:
                attrs["protocol"] = protocol
            label = f"ingress rule of {group.address}" + (f" port {port}" if port else "")
            cidrs = [c for key in ("cidr_blocks", "ipv6_cidr_blocks") for c in _list(rule.get(key), holder.span, key)
                     if isinstance(c, str)]
            sources: list[DraftElement] = []
            for other in self.related(holder, "source_security_group_id", "aws_security_group") + \
                    [self.by_id[g] for g in _list(rule.get("security_groups"), holder.span, "security_groups")
                     if isinstance(g, str) and g in self.by_id]:
                sources.extend(self.members(other))
            if rule.get("self") is True:
                sources.extend(targets)
            for target in targets:
                for source in dict.fromkeys(sources):
                    if source is not target and not self.draft.has_flow(source.name, target.name):
                        self.draft.add_flow(DraftFlow(f"{source.name} to {target.name}", holder.span, label,
                                                      dict(attrs), src=source.name, dst=target.name))
                if any(c in _ANYWHERE for c in cidrs):
                    if not self.public_address(target):
                        self.ctx.report.skip(f"{label} from 0.0.0.0/0 to '{target.name}'", holder.span,
                                             "open to the Internet, but it has no public address: no flow")
                        continue
                    client = self.draft.internet_client(holder.span, "0.0.0.0/0")
                    target.attrs["internet_facing"] = True
                    if not self.draft.has_flow(client.name, target.name, protocol):
                        self.draft.add_flow(DraftFlow(f"Internet to {target.name}" + (f":{port}" if port else ""),
                                                      holder.span, label, dict(attrs), src=client.name, dst=target.name))
            ranges = [c for c in cidrs if c not in _ANYWHERE]
            if ranges:
                self.ctx.report.skip(f"{label} from {', '.join(ranges)}", holder.span,
                                     "an address range is not an element of the model: no flow")

    def load_balancer_flows(self) -> None:
        for listener in (r for r in self.resources if r.type in ("aws_lb_listener", "aws_alb_listener")):
            lb = self.one(listener, "load_balancer_arn", ("aws_lb", "aws_alb"))
            element = self.elements.get(lb.address) if lb else None
            if element is None:
                continue
            protocol = str(listener.values.get("protocol") or "").upper() or None
            for flow in self.draft.flows:
                if flow.dst == element.name and flow.attrs.get("port") == listener.values.get("port") and protocol:
                    flow.attrs["protocol"] = protocol
        for attach in (r for r in self.resources if r.type in ("aws_lb_target_group_attachment",
                                                               "aws_alb_target_group_attachment")):
            group = self.one(attach, "target_group_arn", ("aws_lb_target_group", "aws_alb_target_group"))
            target = self.one(attach, "target_id", "aws_instance")
            if group is None or target is None or target.address not in self.elements:
                continue
            for listener in self.resources:
                if listener.type not in ("aws_lb_listener", "aws_alb_listener"):
                    continue
                if group not in self.related(listener, "default_action", ("aws_lb_target_group", "aws_alb_target_group")) \
                        and group not in self.related(listener, "target_group_arn", ("aws_lb_target_group", "aws_alb_target_group")):
                    continue
                lb = self.one(listener, "load_balancer_arn", ("aws_lb", "aws_alb"))
                if lb is None or lb.address not in self.elements:
                    continue
                src, dst = self.elements[lb.address], self.elements[target.address]
                attrs: dict[str, Value] = {}
                if group.values.get("protocol"):
                    attrs["protocol"] = str(group.values["protocol"]).upper()
                if isinstance(group.values.get("port"), int):
                    attrs["port"] = group.values["port"]
                if not self.draft.has_flow(src.name, dst.name):
                    self.draft.add_flow(DraftFlow(f"{src.name} to {dst.name}", attach.span,
                                                  f"target group {group.address}", attrs, src=src.name, dst=dst.name))

    def api_flows(self) -> None:
        for r in self.resources:
            if r.type in ("aws_api_gateway_rest_api", "aws_apigatewayv2_api") and r.address in self.elements:
                api = self.elements[r.address]
                if api.attrs.get("internet_facing") is True:
                    client = self.draft.internet_client(r.span, "0.0.0.0/0")
                    self.draft.add_flow(DraftFlow(f"Internet to {api.name}", r.span, f"{r.type} '{r.address}'",
                                                  {"protocol": "HTTPS", "port": 443}, src=client.name, dst=api.name))
        for r in self.resources:
            if r.type in ("aws_api_gateway_integration", "aws_apigatewayv2_integration", "aws_lambda_permission"):
                apis = self.related(r, "rest_api_id", ("aws_api_gateway_rest_api",)) + \
                    self.related(r, "api_id", ("aws_apigatewayv2_api",)) + \
                    self.related(r, "source_arn", ("aws_api_gateway_rest_api", "aws_apigatewayv2_api"))
                functions = self.related(r, "uri", "aws_lambda_function") + \
                    self.related(r, "integration_uri", "aws_lambda_function") + \
                    self.related(r, "function_name", "aws_lambda_function")
                for gw in apis:
                    for fn in functions:
                        if gw.address in self.elements and fn.address in self.elements:
                            gateway, function = self.elements[gw.address], self.elements[fn.address]
                            if not self.draft.has_flow(gateway.name, function.name):
                                self.draft.add_flow(DraftFlow(f"{gateway.name} to {function.name}", r.span,
                                                              f"{r.type} '{r.address}'", {}, src=gateway.name,
                                                              dst=function.name))
        for client, bucket in getattr(self, "pending_bucket", []):
            element = self.elements[bucket.address]
            self.draft.add_flow(DraftFlow(f"Internet to {element.name}", bucket.span, f"public bucket '{bucket.address}'",
                                          {"protocol": "HTTPS", "port": 443}, src=client.name, dst=element.name))

    def lambda_flows(self) -> None:
        for r in self.resources:
            if r.type != "aws_lambda_function" or r.address not in self.elements:
                continue
            for target in self.related(r, "variables") + self.related(r, "environment"):
                if target.address in self.elements and target is not r:
                    src, dst = self.elements[r.address], self.elements[target.address]
                    attrs: dict[str, Value] = {}
                    port = _ENGINE_PORT.get(str(target.values.get("engine") or ""))
                    if port:
                        attrs["port"] = port
                        attrs["protocol"] = protocol_for_port(port)
                    elif target.type == "aws_s3_bucket":
                        attrs["protocol"] = "HTTPS"
                    if not self.draft.has_flow(src.name, dst.name):
                        self.draft.add_flow(DraftFlow(f"{src.name} to {dst.name}", r.span,
                                                      f"{r.address} environment", attrs, src=src.name, dst=dst.name))


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    return _Reader(ctx).read(sources[0])
