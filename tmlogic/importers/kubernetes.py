"""Kubernetes manifests (plain YAML or JSON, several documents, `kubectl get -o yaml` lists) -> a draft.

    Namespace                     a boundary (trusted: inside the cluster); objects without a
                                  namespace are in `default`
    Deployment, StatefulSet,      elements, typed from the first container's image; storage images
    DaemonSet, ReplicaSet, Job,   are datastores
    CronJob, Pod
    Service                       the same element as the workloads it selects (its names match
                                  for drift and references); a Service that selects nothing in the
                                  input is an element of its own. type LoadBalancer or NodePort:
                                  the workloads are internet_facing, with a flow from the Internet
    Ingress                       an ingress controller element (internet_facing), a flow from the
                                  Internet to it (HTTPS when the Ingress has tls), flows to the backends
    service references            env values and ConfigMap data naming a Service (`db`, `db.shop`,
                                  `db.shop.svc.cluster.local`, in URLs or *_HOST keys): flows
    NetworkPolicy                 a workload under an ingress policy accepts only what the policy
                                  allows: allowed flows are ip_filtered, the others are dropped and
                                  reported; when every workload is under one, the flows are complete
                                  (drift then checks modelled flows too)
    pod security                  privileged (also hostNetwork/hostPID/hostIPC), host_path_mount
                                  (hostPath volumes), security_context (False when no container runs
                                  as non-root with privilege escalation off)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import SourceSpan
from ..model.schema import Value
from .base import ImportContext
from .draft import Draft, DraftBoundary, DraftElement, DraftFlow
from .located import InputError, Mapping, Node, Scalar, Sequence
from .technology import ENCRYPTED_SCHEMES, protocol_for_port, protocol_for_scheme, technology_of_image

__all__ = ["read"]

_WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod",
                        "ReplicationController"})
_SUFFIXES = (".yaml", ".yml", ".json")
_SECRET_NAME = re.compile(r"(PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)", re.IGNORECASE)
_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.:-]*)://(?:[^@/\s]*@)?(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d+))?",
                  re.IGNORECASE)
_HOSTPORT = re.compile(r"^(?P<host>[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::(?P<port>\d+))?$")
_HOST_KEY = re.compile(r"(_|^)(HOST|HOSTNAME|ADDR|ADDRESS|SERVER|SERVICE|ENDPOINT|URL|URI|DSN)$", re.IGNORECASE)
_IGNORED_KINDS = "not an element, flow or zone: configuration, access control and scaling objects have no equivalent"


@dataclass
class _Object:
    kind: str
    name: str
    namespace: str
    node: Mapping
    span: SourceSpan

    def get(self, *path: str) -> Node | None:
        node: Node | None = self.node
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node


@dataclass
class _Workload:
    obj: _Object
    labels: dict[str, str]
    pod: Mapping | None
    element: DraftElement | None = None
    services: list[str] = field(default_factory=list)


def _text(node: Node | None) -> str | None:
    return node.text() if isinstance(node, Scalar) and node.value is not None else None


def _labels(node: Node | None) -> dict[str, str]:
    if not isinstance(node, Mapping):
        return {}
    return {k: v.text() for k, v in node.items() if isinstance(v, Scalar)}


def _seq(node: Node | None, what: str) -> list[Node]:
    """A list in a manifest: null or absent is empty; anything else but a list is a located error."""
    if node is None or (isinstance(node, Scalar) and node.value is None):
        return []
    if not isinstance(node, Sequence):
        raise InputError(node.span, f"{what} must be a list", "check the manifest against the Kubernetes API")
    return list(node)


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class _Reader:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.draft = Draft("k8s")
        self.objects: list[_Object] = []
        self.zones: dict[str, str] = {}
        self.workloads: list[_Workload] = []
        self.services: dict[tuple[str, str], list[_Workload]] = {}  # (namespace, service) -> workloads
        self.service_ports: dict[tuple[str, str], int | None] = {}
        self.service_protocols: dict[tuple[str, str], str] = {}  # from the port's name (grpc, http...)
        self.policies: dict[int, list[tuple[_Object, list[dict[str, str]] | None]]] = {}

    # -- collecting -----------------------------------------------------------------------------

    def files(self, sources: list[Path]) -> list[Path]:
        out: list[Path] = []
        for source in sources:
            if source.is_dir():
                out.extend(sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES))
            else:
                out.append(source)
        if not out:
            self.ctx.fail(SourceSpan(self.ctx.shown(sources[0]), 1, 1), "no manifest (.yaml, .yml, .json) here",
                          "give manifest files, or a folder that holds them")
        return out

    def collect(self, node: Node, path: Path) -> None:
        if isinstance(node, Scalar) and node.value is None:
            return
        obj = self.ctx.mapping(node, "a Kubernetes manifest", node.span, "a manifest is a mapping with kind: and metadata:")
        kind = _text(obj.get("kind"))
        if kind is None or obj.get("apiVersion") is None:
            self.ctx.fail(obj.span, "not a Kubernetes object (no kind or apiVersion)",
                          "each document needs apiVersion:, kind: and metadata:")
        if kind == "List" or kind.endswith("List"):
            for item in self.ctx.sequence(obj.get("items"), f"{kind} items", obj.span):
                self.collect(item, path)
            return
        meta = obj.get("metadata")
        name = _text(meta.get("name")) if isinstance(meta, Mapping) else None
        if not name:
            self.ctx.fail(obj.where("metadata"), f"{kind} without metadata.name", "give every object a metadata.name")
        namespace = (_text(meta.get("namespace")) if isinstance(meta, Mapping) else None) or "default"
        self.objects.append(_Object(kind, name, namespace, obj, obj.span))

    # -- reading --------------------------------------------------------------------------------

    def read(self, sources: list[Path]) -> Draft:
        for path in self.files(sources):
            if path.suffix.lower() == ".json":
                self.collect(self.ctx.json(path), path)
            else:
                for doc in self.ctx.yaml(path):
                    self.collect(doc, path)
        if not self.objects:
            self.ctx.fail(SourceSpan(self.ctx.shown(sources[0]), 1, 1), "no Kubernetes object in the input",
                          "give manifests with apiVersion:, kind: and metadata:")
        self.draft.title = "Kubernetes: " + ", ".join(s.resolve().name for s in sources)
        for obj in self.objects:
            if obj.kind == "Namespace":
                self.zone(obj.name, obj.span, f"Namespace '{obj.name}'")
        names: dict[str, int] = {}
        for obj in self.objects:
            if obj.kind in _WORKLOADS:
                names[obj.name] = names.get(obj.name, 0) + 1
        for obj in self.objects:
            if obj.kind in _WORKLOADS:
                self.workload(obj, duplicate=names[obj.name] > 1)
        for obj in self.objects:
            if obj.kind == "Service":
                self.service(obj)
        for obj in self.objects:
            if obj.kind == "NetworkPolicy":
                self.policy(obj)
        for obj in self.objects:
            if obj.kind == "Ingress":
                self.ingress(obj)
        configmaps = {(o.namespace, o.name): o for o in self.objects if o.kind == "ConfigMap"}
        for wl in self.workloads:
            self.references(wl, configmaps)
        self.draft.flows_complete = bool(self.workloads) and all(id(w) in self.policies for w in self.workloads)
        others: dict[str, list[_Object]] = {}
        for obj in self.objects:
            if obj.kind not in _WORKLOADS | {"Namespace", "Service", "NetworkPolicy", "Ingress"}:
                others.setdefault(obj.kind, []).append(obj)
        for kind, objs in others.items():
            used = " (read for references)" if kind == "ConfigMap" else ""
            self.ctx.report.skip(f"{kind} ({len(objs)}){used}", objs[0].span, _IGNORED_KINDS,
                                 tuple(f"{o.namespace}/{o.name}" for o in objs))
        return self.draft

    def zone(self, namespace: str, span: SourceSpan, label: str) -> str:
        if namespace not in self.zones:
            self.zones[namespace] = self.draft.add_boundary(DraftBoundary(
                namespace, span, label, {"is_trusted": True}, aliases=(namespace, f"namespace/{namespace}"))).name
        return self.zones[namespace]

    def workload(self, obj: _Object, duplicate: bool) -> None:
        pod = obj.get("spec", "template", "spec") if obj.kind != "Pod" else obj.get("spec")
        if obj.kind == "CronJob":
            pod = obj.get("spec", "jobTemplate", "spec", "template", "spec")
        labels = _labels(obj.get("spec", "template", "metadata", "labels") if obj.kind != "Pod"
                         else obj.get("metadata", "labels"))
        if obj.kind == "CronJob":
            labels = _labels(obj.get("spec", "jobTemplate", "spec", "template", "metadata", "labels"))
        pod_spec = pod if isinstance(pod, Mapping) else None
        containers = [c for c in _seq(pod_spec.get("containers") if pod_spec else None, "containers")
                      if isinstance(c, Mapping)]
        attrs: dict[str, Value] = {}
        image = _text(containers[0].get("image")) if containers else None
        tech = technology_of_image(image) if image else None
        if tech is not None:
            attrs["type"] = tech.type
        if image:
            attrs["technology"] = image
        self.security(obj, pod_spec, containers, attrs)
        if obj.kind == "StatefulSet" and tech is None:
            attrs["description"] = "StatefulSet (stateful workload with its own volumes)"
        name = f"{obj.name} ({obj.namespace})" if duplicate else obj.name
        element = self.draft.add_element(DraftElement(
            name, obj.span, f"{obj.kind} '{obj.namespace}/{obj.name}'", attrs,
            kind=tech.kind if tech is not None else "server",
            boundary=self.zone(obj.namespace, obj.span, f"namespace '{obj.namespace}'"),
            aliases=(obj.name, f"{obj.kind.lower()}/{obj.name}", f"{obj.namespace}/{obj.name}")))
        self.workloads.append(_Workload(obj, labels, pod_spec, element))

    def security(self, obj: _Object, pod: Mapping | None, containers: list[Mapping], attrs: dict[str, Value]) -> None:
        if pod is None:
            return
        privileged = any(isinstance(c.get("securityContext"), Mapping) and
                         _text(c.get("securityContext").get("privileged")) == "true" for c in containers)  # type: ignore[union-attr]
        host = [k for k in ("hostNetwork", "hostPID", "hostIPC") if _text(pod.get(k)) == "true"]
        if host:
            self.ctx.report.approximate(f"{obj.kind} '{obj.namespace}/{obj.name}' {', '.join(host)}", obj.span,
                                        "shares the node's namespaces: marked privileged")
        if privileged or host:
            attrs["privileged"] = True
        volumes = pod.get("volumes")
        if isinstance(volumes, Sequence) and any(isinstance(v, Mapping) and v.get("hostPath") is not None for v in volumes):
            attrs["host_path_mount"] = True
        pod_ctx = pod.get("securityContext") if isinstance(pod.get("securityContext"), Mapping) else None

        def non_root(ctx: Node | None) -> bool:
            if not isinstance(ctx, Mapping):
                return False
            user = _text(ctx.get("runAsUser"))
            return _text(ctx.get("runAsNonRoot")) == "true" or (user is not None and user != "0")

        restricted = bool(containers) and all(
            (non_root(c.get("securityContext")) or non_root(pod_ctx))
            and isinstance(c.get("securityContext"), Mapping)
            and _text(c.get("securityContext").get("allowPrivilegeEscalation")) == "false"  # type: ignore[union-attr]
            for c in containers)
        attrs["security_context"] = restricted and not attrs.get("privileged")
        secrets = sorted({_text(e.get("name")) or "" for c in containers for e in _seq(c.get("env"), "env")
                          if isinstance(e, Mapping) and _SECRET_NAME.search(_text(e.get("name")) or "")
                          and _text(e.get("value"))})
        if secrets:
            attrs["stores_credentials"] = True
            self.ctx.report.approximate(f"{obj.kind} '{obj.namespace}/{obj.name}' env", obj.span,
                                        f"holds secrets as literal values ({', '.join(secrets)}): marked "
                                        "stores_credentials; the values are not copied (use secretKeyRef)")

    def service(self, obj: _Object) -> None:
        selector = _labels(obj.get("spec", "selector"))
        selected = [w for w in self.workloads if w.obj.namespace == obj.namespace and _selects(selector, w.labels)]
        stype = _text(obj.get("spec", "type")) or "ClusterIP"
        ports = [p for p in _seq(obj.get("spec", "ports"), "spec.ports") if isinstance(p, Mapping)]
        numbers = [p.get("port") for p in ports]
        first_port = next((n.value for n in numbers if isinstance(n, Scalar) and isinstance(n.value, int)
                           and not isinstance(n.value, bool)), None)
        key = (obj.namespace, obj.name)
        self.service_ports[key] = first_port
        first_name = next((_text(p.get("name")) for p in ports if _text(p.get("name"))), None)
        named = protocol_for_scheme(first_name.split("-", 1)[0]) if first_name else None
        if named and named != "TCP":
            self.service_protocols[key] = named
        if not selected:
            attrs: dict[str, Value] = {}
            external = _text(obj.get("spec", "externalName"))
            if external:
                attrs["description"] = f"ExternalName Service for {external}"
            element = self.draft.add_element(DraftElement(
                obj.name, obj.span, f"Service '{obj.namespace}/{obj.name}'", attrs,
                kind="external" if external else "server",
                boundary=None if external else self.zone(obj.namespace, obj.span, f"namespace '{obj.namespace}'"),
                aliases=(obj.name, f"service/{obj.name}")))
            selected = [_Workload(obj, {}, None, element)]
            self.ctx.report.approximate(f"Service '{obj.namespace}/{obj.name}'", obj.span,
                                        "selects no workload of the input: an element of its own")
        else:
            for w in selected:
                assert w.element is not None
                w.element.aliases = tuple(dict.fromkeys((*w.element.aliases, obj.name, f"service/{obj.name}")))
                w.services.append(obj.name)
            self.ctx.report.map(f"Service '{obj.namespace}/{obj.name}'", obj.span,
                                "the same element as " + ", ".join(f"'{w.element.name}'" for w in selected if w.element))
        self.services[key] = selected
        if stype in ("LoadBalancer", "NodePort"):
            client = self.draft.internet_client(obj.span, "exposed Services, Ingress")
            for w in selected:
                assert w.element is not None
                w.element.attrs["internet_facing"] = True
                for p in ports or [Mapping({}, obj.span)]:
                    port = p.get("port")
                    number = int(port.value) if isinstance(port, Scalar) and isinstance(port.value, int) else None
                    flow_attrs: dict[str, Value] = {}
                    if number is not None:
                        flow_attrs["port"] = number
                        proto = protocol_for_port(number, _text(p.get("protocol")) or "tcp")
                        if proto:
                            flow_attrs["protocol"] = proto
                    self.draft.add_flow(DraftFlow(f"Internet to {w.element.name}" + (f":{number}" if number else ""),
                                                  p.span, f"{stype} Service '{obj.namespace}/{obj.name}'", flow_attrs,
                                                  src=client.name, dst=w.element.name))

    def policy(self, obj: _Object) -> None:
        types = [t.text() for t in _seq(obj.get("spec", "policyTypes"), "spec.policyTypes") if isinstance(t, Scalar)]
        ingress = obj.get("spec", "ingress")
        if types and "Ingress" not in types:
            self.ctx.report.skip(f"NetworkPolicy '{obj.namespace}/{obj.name}'", obj.span,
                                 "restricts egress only; flows are checked where they arrive")
            return
        selector = _labels(obj.get("spec", "podSelector", "matchLabels"))
        everything = isinstance(obj.get("spec", "podSelector"), Mapping) and not selector
        allowed: list[dict[str, str]] | None = []
        for rule in _seq(ingress, "spec.ingress"):
            if not isinstance(rule, Mapping):
                continue
            sources = rule.get("from")
            if sources is None:
                allowed = None  # a rule with no `from` allows every source
                break
            for peer in _seq(sources, "ingress.from"):
                if not isinstance(peer, Mapping):
                    continue
                if peer.get("ipBlock") is not None:
                    allowed = None if allowed is None else allowed + [{"__ip__": "any"}]
                    continue
                pods = peer.get("podSelector")
                labels = _labels(pods.get("matchLabels")) if isinstance(pods, Mapping) else {}
                if allowed is not None:
                    allowed.append(labels)
        covered = [w for w in self.workloads if w.obj.namespace == obj.namespace
                   and (everything or _selects(selector, w.labels))]
        for w in covered:
            self.policies.setdefault(id(w), []).append((obj, allowed))
        self.ctx.report.map(f"NetworkPolicy '{obj.namespace}/{obj.name}'", obj.span,
                            "restricts the flows into " + (", ".join(f"'{w.element.name}'" for w in covered if w.element)
                                                           or "no workload of the input"))

    def permits(self, src: _Workload | None, dst: _Workload) -> tuple[bool, str | None]:
        """(allowed, the policy that blocks it) for traffic into dst."""
        rules = self.policies.get(id(dst))
        if not rules:
            return True, None
        for policy, allowed in rules:
            if allowed is None:
                return True, None
            if src is None:
                if any("__ip__" in a for a in allowed):
                    return True, None
                continue
            if any(("__ip__" not in a) and (not a or _selects(a, src.labels)) and src.obj.namespace == policy.namespace
                   for a in allowed):
                return True, None
        return False, rules[0][0].name

    def ingress(self, obj: _Object) -> None:
        cls = _text(obj.get("spec", "ingressClassName")) or "default"
        name = f"Ingress controller ({cls})"
        controller = self.draft.element(name)
        if controller is None:
            controller = self.draft.add_element(DraftElement(name, obj.span, f"Ingress class '{cls}'",
                                                             {"type": "ingress-controller", "internet_facing": True},
                                                             aliases=(f"ingress/{cls}",)))
        tls = obj.get("spec", "tls") is not None
        client = self.draft.internet_client(obj.span, "exposed Services, Ingress")
        if not self.draft.has_flow(client.name, controller.name, "HTTPS" if tls else "HTTP"):
            self.draft.add_flow(DraftFlow(f"Internet to {name}" + (" (TLS)" if tls else ""), obj.span,
                                          f"Ingress '{obj.namespace}/{obj.name}'",
                                          {"protocol": "HTTPS" if tls else "HTTP", "port": 443 if tls else 80},
                                          src=client.name, dst=controller.name))
        backends: list[tuple[str, Node]] = []

        def backend(node: Node | None) -> None:
            svc = node.get("service") if isinstance(node, Mapping) else None
            sname = _text(svc.get("name")) if isinstance(svc, Mapping) else _text(node.get("serviceName")) if isinstance(node, Mapping) else None
            if sname and node is not None:
                backends.append((sname, node))

        backend(obj.get("spec", "defaultBackend"))
        for rule in _seq(obj.get("spec", "rules"), "spec.rules"):
            paths = rule.get("http").get("paths") if isinstance(rule, Mapping) and isinstance(rule.get("http"), Mapping) else None  # type: ignore[union-attr]
            for p in _seq(paths, "http.paths"):
                backend(p.get("backend") if isinstance(p, Mapping) else None)
        for sname, node in backends:
            for w in self.services.get((obj.namespace, sname), []):
                assert w.element is not None
                if not self.draft.has_flow(controller.name, w.element.name):
                    self.draft.add_flow(DraftFlow(f"{name} to {w.element.name}", node.span,
                                                  f"Ingress '{obj.namespace}/{obj.name}' backend '{sname}'",
                                                  {"protocol": "HTTP"}, src=controller.name, dst=w.element.name))

    def references(self, wl: _Workload, configmaps: dict[tuple[str, str], _Object]) -> None:
        if wl.pod is None or wl.element is None:
            return
        values: list[tuple[str, str, SourceSpan]] = []
        for c in _seq(wl.pod.get("containers"), "containers"):
            if not isinstance(c, Mapping):
                continue
            for e in _seq(c.get("env"), "env"):
                if isinstance(e, Mapping) and _text(e.get("value")):
                    values.append((_text(e.get("name")) or "", _text(e.get("value")) or "", e.span))
            for ref in _seq(c.get("envFrom"), "envFrom"):
                cm = ref.get("configMapRef") if isinstance(ref, Mapping) else None
                cname = _text(cm.get("name")) if isinstance(cm, Mapping) else None
                obj = configmaps.get((wl.obj.namespace, cname or ""))
                data = obj.get("data") if obj is not None else None
                if isinstance(data, Mapping):
                    values.extend((k, v.text(), data.where(k)) for k, v in data.items() if isinstance(v, Scalar))
        for key, value, span in values:
            for target, port, scheme in self.targets(key, value, wl.obj.namespace):
                for dst in self.services.get(target, []):
                    if dst.element is None or dst.element is wl.element:
                        continue
                    attrs: dict[str, Value] = {}
                    protocol = protocol_for_scheme(scheme) if scheme else None
                    port = port or self.service_ports.get(target)
                    protocol = protocol or self.service_protocols.get(target) or protocol_for_port(port)
                    if protocol:
                        attrs["protocol"] = protocol
                    if port:
                        attrs["port"] = port
                    if scheme and scheme in ENCRYPTED_SCHEMES:
                        attrs["is_encrypted"] = True
                    label = f"{wl.obj.kind} '{wl.obj.namespace}/{wl.obj.name}' {key}"
                    ok, blocker = self.permits(wl, dst)
                    if not ok:
                        self.ctx.report.approximate(label, span, f"no flow to '{dst.element.name}': NetworkPolicy "
                                                                 f"'{blocker}' does not allow it")
                        continue
                    if id(dst) in self.policies:
                        attrs["ip_filtered"] = True
                    if self.draft.has_flow(wl.element.name, dst.element.name):
                        self.ctx.report.map(label, span, f"flow '{wl.element.name} to {dst.element.name}'")
                        continue
                    self.draft.add_flow(DraftFlow(f"{wl.element.name} to {dst.element.name}", span, label, attrs,
                                                  src=wl.element.name, dst=dst.element.name))

    def targets(self, key: str, value: str, namespace: str) -> list[tuple[tuple[str, str], int | None, str | None]]:
        """Services a value names: (namespace, service), port, URL scheme."""
        found: list[tuple[str, int | None, str | None]] = []
        for m in _URL.finditer(value):
            found.append((m.group("host"), int(m.group("port")) if m.group("port") else None, m.group("scheme").lower()))
        bare = _HOSTPORT.match(value.strip()) if not found and _HOST_KEY.search(key) else None
        if bare:
            found.append((bare.group("host"), int(bare.group("port")) if bare.group("port") else None, None))
        out = []
        for host, port, scheme in found:
            parts = host.split(".")
            ns = parts[1] if len(parts) >= 2 and parts[1] != "svc" else namespace
            if len(parts) >= 3 and parts[2] != "svc":
                continue  # an outside name (api.example.com), not a Service
            if (ns, parts[0]) in self.services:
                out.append(((ns, parts[0]), port, scheme))
        return out


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    return _Reader(ctx).read(sources)
