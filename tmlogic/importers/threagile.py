"""Threagile YAML -> a draft model, a risk file, and hand-written threats.

    technical_assets          elements: external-entity -> external (an actor when used by a human),
                              process -> process, datastore -> datastore; technology -> type
    communication_links       flows from the asset to the link's target: protocol (`-encrypted` ->
                              is_encrypted), authentication, authorization, vpn, ip_filtered, readonly;
                              data sent and received -> data
    data_assets               data: confidentiality -> classification, integrity/availability -> ratings
    trust_boundaries          boundaries (trusted; assets outside every boundary are untrusted),
                              nested through trust_boundaries_nested
    shared_runtimes           a `shared-runtime:<id>` tag on every asset that runs on it
    individual_risk_categories  each identified risk -> a hand-written threat on its most relevant item
    risk_tracking             decisions on Threagile's own rules -> the risk file, for the tmlogic rules
                              that find the same problem (_RULES); on individual risks -> their status

Threagile's YAML uses anchors and `<<` merges for data assets; both are followed (located.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from .._errors import SourceSpan
from ..model.schema import Value
from .base import Fields, ImportContext
from .draft import Draft, DraftBoundary, DraftData, DraftElement, DraftFlow, DraftRisk, DraftThreat, clean_text
from .located import Mapping, Scalar

__all__ = ["read", "RULES"]

# Threagile confidentiality (5 levels) -> tmlogic classification (5 levels), in order.
_CLASSIFICATION = {"public": "public", "internal": "restricted", "restricted": "sensitive",
                   "confidential": "secret", "strictly-confidential": "top-secret"}
_CONF_RATING = {"public": "low", "internal": "low", "restricted": "medium", "confidential": "high",
                "strictly-confidential": "critical"}
_RATING = {"archive": "low", "operational": "medium", "important": "high", "critical": "critical",
           "mission-critical": "critical"}
_AUTHN = {"none": "none", "credentials": "password", "session-id": "session", "token": "token",
          "client-certificate": "certificate", "two-factor": "mfa"}
_AUTHZ = {"none": "none", "technical-user": "technical-user", "end-user-identity-propagation": "enduser-identity-propagation"}
_TECHNOLOGY = {  # Threagile technology -> the model's type, where the spelling differs
    "application-server": "app-server", "web-service-rest": "rest-api", "web-service-soap": "web-service",
    "sourcecode-repository": "source-code-repository", "identity-store-ldap": "ldap-server",
    "identity-store-database": "database", "local-file-system": "storage", "block-storage": "storage",
    "gateway": "api-gateway", "mail-server": "mail-gateway", "search-engine": "search-index",
    "unknown-technology": "", "devops-client": "devops-client", "erp": "erp",
}
_STATUS = {"accepted": "accepted", "mitigated": "mitigated", "false-positive": "false-positive",
           "in-progress": "in-progress"}
_THREAT_STATUS = {"accepted": "accepted", "mitigated": "mitigated", "false-positive": "not-applicable",
                  "in-progress": "open", "unchecked": "open", "in-discussion": "open"}
# Threagile risk rule -> the tmlogic rules (a glob) that report the same problem.
RULES: dict[str, str] = {
    "unencrypted-asset": "TM-DATA-003",
    "unencrypted-communication": "TM-NET-00[12]",
    "missing-authentication": "TM-AUTH-001",
    "missing-authentication-second-factor": "TM-AUTH-00[27]",
    "missing-hardening": "TM-INF-003",
    "untrusted-deserialization": "TM-WEB-006",
    "ldap-injection": "TM-WEB-003",
    "sql-nosql-injection": "TM-WEB-0[01]2",
    "xml-external-entity": "TM-WEB-004",
    "server-side-request-forgery": "TM-WEB-005",
    "cross-site-scripting": "TM-WEB-007",
    "cross-site-request-forgery": "TM-WEB-011",
    "dos-risky-access-across-trust-boundary": "TM-INF-002",
    "missing-waf": "TM-WEB-001",
    "missing-vault": "TM-INF-005",
    "accidental-secret-leak": "TM-SUP-001",
    "unguarded-access-from-internet": "TM-NET-006",
    "unguarded-direct-datastore-access": "TM-DATA-001",
    "missing-identity-propagation": "TM-OPS-006",
    "unchecked-deployment": "TM-SUP-003",
}
_TAG = re.compile(r"<[^>]*>")
_PROSE = "prose for the Threagile report (no equivalent in the model)"


def _plain(text: str) -> str:
    return clean_text(_TAG.sub("", text))


class _Reader:
    def __init__(self, ctx: ImportContext, path: Path) -> None:
        self.ctx = ctx
        self.path = path
        self.draft = Draft("threagile")
        self.assets: dict[str, str] = {}  # threagile id -> element name
        self.data: dict[str, str] = {}
        self.boundaries: dict[str, str] = {}
        self.links: dict[str, str] = {}  # "<asset>><link>" id -> flow name
        self.tracking: dict[str, tuple[SourceSpan, Mapping]] = {}
        self.used_tracking: set[str] = set()

    def read(self) -> Draft:
        docs = self.ctx.yaml(self.path)
        if len(docs) != 1:
            at = docs[1].span if docs else SourceSpan(self.ctx.shown(self.path), 1, 1)
            self.ctx.fail(at, "a Threagile model is one YAML document", "remove the '---' separators")
        root = self.ctx.mapping(docs[0], "a Threagile model", docs[0].span, "it starts with threagile_version: and title:")
        top = self.ctx.fields(root, "model")
        if not top.has("technical_assets") and not top.has("threagile_version"):
            self.ctx.fail(root.span, "this is not a Threagile model (no threagile_version, no technical_assets)",
                          "give a Threagile YAML model")
        self.draft.title = _plain(top.text("title") or "") or None
        parts = []
        for key in ("business_overview", "technical_overview"):
            node = top.mapping(key)
            if node is not None:
                f = self.ctx.fields(node, key)
                if f.text("description"):
                    parts.append(_plain(f.text("description") or ""))
                f.unmapped("images", "report images have no place in the model")
                f.done()
        summary = top.text("management_summary_comment")
        if summary:
            parts.insert(0, _plain(summary))
        self.draft.description = "\n\n".join(p for p in parts if p) or None
        top.drop("document metadata (version, date, author)", "threagile_version", "date", "author")
        for key in ("business_criticality", "questions", "abuse_cases", "security_requirements"):
            top.unmapped(key, _PROSE)
        top.drop("the list of tags the model may use (each item keeps its own tags)", "tags_available")
        top.used.update(k for k in root.entries if k.startswith("diagram_tweak"))
        tracking = top.mapping("risk_tracking")
        for rid, entry in (tracking.items() if tracking is not None else iter(())):
            self.tracking[rid] = (tracking.where(rid) if tracking else root.span,
                                  self.ctx.mapping(entry, f"risk_tracking '{rid}'", root.span))
        self.data_assets(top.mapping("data_assets"))
        self.trust_boundaries(top.mapping("trust_boundaries"), top.mapping("technical_assets"))
        self.technical_assets(top.mapping("technical_assets"))
        self.shared_runtimes(top.mapping("shared_runtimes"))
        self.individual_risks(top.mapping("individual_risk_categories"))
        self.risk_tracking()
        top.done()
        return self.draft

    # -- data ------------------------------------------------------------------------------------

    def data_assets(self, node: Mapping | None) -> None:
        for title, body in (node.items() if node is not None else iter(())):
            what = f"data asset '{title}'"
            f = self.ctx.fields(self.ctx.mapping(body, what, node.where(title) if node else body.span), what,
                                ("data asset", title))
            attrs: dict[str, Value] = {}
            self.common(f, attrs)
            self.cia(f, attrs, what, "classification", _CLASSIFICATION)
            f.unmapped("origin", "where the data comes from has no key in the model")
            f.unmapped("quantity", "how much data there is has no key in the model")
            item = self.draft.add_data(DraftData(title, node.where(title) if node else f.span, what, attrs))
            self.data[f.text("id") or title] = item.name
            f.done()

    def common(self, f: Fields, attrs: dict[str, Value]) -> None:
        description = f.text("description")
        if description:
            attrs["description"] = _plain(description)
        tags = f.texts("tags")
        if tags:
            attrs["tags"] = [*tags]
        owner = f.text("owner")
        if owner:
            attrs["owner"] = owner
        why = f.text("justification_cia_rating")
        if why:
            attrs["notes"] = _plain(why)
        f.get("id")
        f.unmapped("usage", "business or devops usage has no key in the model")

    def cia(self, f: Fields, attrs: dict[str, Value], what: str, conf_key: str, conf_table: dict[str, str]) -> None:
        """Threagile's CIA ratings: confidentiality into `conf_key` (a data asset's classification, an
        asset's rating), integrity and availability into the model's ratings."""
        for key, target, table in (("confidentiality", conf_key, conf_table), ("integrity", "integrity", _RATING),
                                   ("availability", "availability", _RATING)):
            value = f.text(key)
            if value:
                attrs[target] = self.enum(f, key, value, table, what)

    def enum(self, f: Fields, key: str, value: str, table: dict[str, str], what: str) -> str:
        if value not in table:
            self.ctx.fail(f.where(key), f"{what}: unknown {key} '{value}'", "use one of: " + ", ".join(table))
        return table[value]

    # -- boundaries -----------------------------------------------------------------------------

    def trust_boundaries(self, node: Mapping | None, assets: Mapping | None) -> None:
        if node is None:
            return
        parent_of: dict[str, str] = {}
        bodies: list[tuple[str, str, Fields, SourceSpan]] = []
        for title, body in node.items():
            what = f"trust boundary '{title}'"
            f = self.ctx.fields(self.ctx.mapping(body, what, node.where(title)), what)
            bid = f.text("id") or title
            bodies.append((title, bid, f, node.where(title)))
            for child in f.texts("trust_boundaries_nested"):
                parent_of[child] = bid
        ids = {bid for _, bid, _, _ in bodies}
        for child, parent in parent_of.items():
            if child not in ids:
                self.ctx.fail(node.span, f"trust boundary '{parent}' nests '{child}', which is not a trust boundary id",
                              "list the ids of trust boundaries in trust_boundaries_nested")
        asset_ids = self.asset_ids(assets)
        self.inside: dict[str, str] = {}
        for title, bid, f, span in bodies:
            attrs: dict[str, Value] = {"is_trusted": True}
            self.common(f, attrs)
            kind = f.text("type")
            if kind:
                attrs["type"] = kind
            item = self.draft.add_boundary(DraftBoundary(title, span, f"trust boundary '{bid}'", attrs,
                                                         aliases=(bid,)))
            self.boundaries[bid] = item.name
            for asset in f.texts("technical_assets_inside"):
                if asset not in asset_ids:
                    self.ctx.fail(f.where("technical_assets_inside"),
                                  f"trust boundary '{bid}' holds '{asset}', which is not a technical asset id",
                                  "list technical asset ids in technical_assets_inside")
                self.inside[asset] = item.name
            f.done()
        for item in self.draft.boundaries:
            bid = next(b for b, n in self.boundaries.items() if n == item.name)
            if bid in parent_of:
                item.parent = self.boundaries[parent_of[bid]]

    def asset_ids(self, assets: Mapping | None) -> dict[str, str]:
        out: dict[str, str] = {}
        for title, body in (assets.items() if assets is not None else iter(())):
            ident = body.get("id") if isinstance(body, Mapping) else None
            out[ident.text() if isinstance(ident, Scalar) and ident.value is not None else title] = title
        return out

    # -- assets and links -----------------------------------------------------------------------

    def technical_assets(self, node: Mapping | None) -> None:
        if node is None:
            return
        pending: list[tuple[str, str, Fields]] = []
        for title, body in node.items():
            what = f"technical asset '{title}'"
            f = self.ctx.fields(self.ctx.mapping(body, what, node.where(title)), what, ("technical asset", title))
            aid = f.text("id") or title
            attrs: dict[str, Value] = {}
            self.common(f, attrs)
            kind = {"external-entity": "external", "process": "process", "datastore": "datastore"}.get(
                f.text("type") or "process")
            if kind is None:
                self.ctx.fail(f.where("type"), f"{what}: unknown type '{f.text('type')}'",
                              "use external-entity, process or datastore")
            human = f.flag("used_as_client_by_human")
            if human and kind == "external":
                kind, attrs["is_human"] = "actor", True
            technology = f.text("technology")
            if technology:
                mapped = _TECHNOLOGY.get(technology, technology)
                if mapped:
                    attrs["type"] = mapped
                attrs["technology"] = technology
            if f.flag("internet") and kind not in ("actor", "external"):
                attrs["internet_facing"] = True
            encryption = f.text("encryption")
            if encryption:
                attrs["is_encrypted"] = encryption != "none"
            self.cia(f, attrs, what, "confidentiality", _CONF_RATING)
            if f.flag("redundant") is not None:
                attrs["redundant"] = bool(f.flag("redundant"))
            if f.flag("out_of_scope"):
                attrs["tags"] = list(attrs.get("tags") or []) + ["out-of-scope"]  # type: ignore[arg-type]
                why = f.text("justification_out_of_scope")
                if why:
                    attrs["notes"] = (str(attrs["notes"]) + " " if attrs.get("notes") else "") + \
                        "Out of scope: " + _plain(why)
            f.get("internet"), f.get("justification_out_of_scope")
            f.unmapped("size", "system/service/application/component size has no key in the model")
            f.unmapped("machine", "physical/virtual/container/serverless has no key in the model")
            f.unmapped("multi_tenant", "multi-tenancy has no key in the model")
            f.unmapped("custom_developed_parts", "custom development has no key in the model")
            f.unmapped("data_formats_accepted", "accepted data formats have no key on elements (flows have format=)")
            for key in ("data_assets_processed", "data_assets_stored"):
                for ref in f.texts(key):
                    if ref not in self.data:
                        self.ctx.fail(f.where(key), f"{what}: unknown data asset '{ref}'", "list data asset ids")
                f.unmapped(key, "the model ties data to flows (data=); the assets' links carry it")
            f.used.update(k for k in body.entries if k.startswith("diagram_tweak")) if isinstance(body, Mapping) else None
            item = self.draft.add_element(DraftElement(title, node.where(title), f"technical asset '{aid}'", attrs,
                                                       kind=kind, boundary=getattr(self, "inside", {}).get(aid),
                                                       aliases=(aid,)))
            self.assets[aid] = item.name
            pending.append((aid, item.name, f))
        for aid, name, f in pending:
            self.communication_links(aid, name, f)
            f.done()

    def communication_links(self, aid: str, source: str, f: Fields) -> None:
        links = f.mapping("communication_links")
        for title, body in (links.items() if links is not None else iter(())):
            what = f"communication link '{title}' of '{aid}'"
            lf = self.ctx.fields(self.ctx.mapping(body, what, links.where(title) if links else f.span), what,
                                 ("communication link", f"{aid}: {title}"))
            target = lf.text("target")
            if target not in self.assets:
                self.ctx.fail(lf.where("target") if lf.has("target") else lf.span,
                              f"{what}: target '{target}' is not a technical asset id", "name a technical asset's id")
            attrs: dict[str, Value] = {}
            self.common(lf, attrs)
            protocol = lf.text("protocol")
            if protocol and protocol != "unknown-protocol":
                base = protocol[:-len("-encrypted")] if protocol.endswith("-encrypted") else protocol
                attrs["protocol"] = base.replace("-", " ")
                if base != protocol:
                    attrs["is_encrypted"] = True
            authn = lf.text("authentication")
            if authn:
                if authn == "externalized":
                    attrs["is_authenticated"] = True
                    self.ctx.report.approximate(f"{what} authentication", lf.where("authentication"),
                                                "externalized authentication: is_authenticated=True, kind not known")
                else:
                    attrs["authentication"] = self.enum(lf, "authentication", authn, _AUTHN, what)
            authz = lf.text("authorization")
            if authz:
                attrs["authorization"] = self.enum(lf, "authorization", authz, _AUTHZ, what)
            for key in ("vpn", "ip_filtered", "readonly"):
                value = lf.flag(key)
                if value is not None:
                    attrs[key] = value
            carried: list[str] = []
            for key in ("data_assets_sent", "data_assets_received"):
                for ref in lf.texts(key):
                    if ref not in self.data:
                        self.ctx.fail(lf.where(key), f"{what}: unknown data asset '{ref}'", "list data asset ids")
                    if self.data[ref] not in carried:
                        carried.append(self.data[ref])
            if carried:
                attrs["data"] = [*carried]
            lf.used.update(k for k in body.entries if k.startswith("diagram_tweak")) if isinstance(body, Mapping) else None
            flow = self.draft.add_flow(DraftFlow(title, links.where(title) if links else lf.span, what, attrs,
                                                 src=source, dst=self.assets[str(target)]))
            self.links[f"{aid}>{title.lower().replace(' ', '-')}"] = flow.name
            lf.done()

    def shared_runtimes(self, node: Mapping | None) -> None:
        for title, body in (node.items() if node is not None else iter(())):
            what = f"shared runtime '{title}'"
            f = self.ctx.fields(self.ctx.mapping(body, what, node.where(title) if node else body.span), what)
            rid = f.text("id") or title
            f.get("description"), f.get("tags")
            running = f.texts("technical_assets_running")
            names = []
            for aid in running:
                if aid not in self.assets:
                    self.ctx.fail(f.where("technical_assets_running"),
                                  f"{what} runs '{aid}', which is not a technical asset id", "list technical asset ids")
                element = self.draft.element(self.assets[aid])
                assert element is not None
                element.attrs["tags"] = list(element.attrs.get("tags") or []) + [f"shared-runtime:{rid}"]  # type: ignore[arg-type]
                names.append(element.name)
            self.ctx.report.map(what, node.where(title) if node else f.span,
                                f"tag 'shared-runtime:{rid}' on {', '.join(names) or 'no element'}")
            f.done()

    # -- risks ----------------------------------------------------------------------------------

    def target_of(self, f: Fields) -> str | None:
        for key, table in (("most_relevant_technical_asset", self.assets), ("most_relevant_communication_link", self.links),
                           ("most_relevant_data_asset", self.data), ("most_relevant_trust_boundary", self.boundaries)):
            ref = f.text(key)
            if ref and ref in table:
                return table[ref]
        f.get("most_relevant_shared_runtime")
        return None

    def individual_risks(self, node: Mapping | None) -> None:
        for title, body in (node.items() if node is not None else iter(())):
            what = f"individual risk category '{title}'"
            f = self.ctx.fields(self.ctx.mapping(body, what, node.where(title) if node else body.span), what)
            cid = f.text("id") or title
            stride = (f.text("stride") or "").replace("-", " ")
            base: dict[str, Value] = {}
            parts = [_plain(f.text(k) or "") for k in ("description", "impact")]
            if any(parts):
                base["description"] = " ".join(p for p in parts if p)
            mitigation = " ".join(_plain(f.text(k) or "") for k in ("action", "mitigation") if f.text(k))
            if mitigation:
                base["mitigation"] = mitigation
            cwe = f.text("cwe")
            if cwe:
                base["cwe"] = [f"CWE-{cwe}" if cwe.isdigit() else cwe]
            for key in ("asvs", "cheat_sheet", "check", "function", "detection_logic", "risk_assessment",
                        "false_positives", "model_failure_possible_reason"):
                f.unmapped(key, "guidance for the Threagile report; the threat keeps its description and mitigation")
            risks = f.mapping("risks_identified")
            for rtitle, rbody in (risks.items() if risks is not None else iter(())):
                rwhat = f"identified risk '{_plain(rtitle)}'"
                rf = self.ctx.fields(self.ctx.mapping(rbody, rwhat, risks.where(rtitle) if risks else f.span), rwhat,
                                     ("identified risk", _plain(rtitle)))
                span = risks.where(rtitle) if risks else f.span
                target = self.target_of(rf)
                if target is None:
                    self.ctx.report.skip(rwhat, span, "it names no technical asset, link, data asset or boundary "
                                                      "of the model, and a hand-written threat needs a target")
                    rf.used.update(rbody.entries if isinstance(rbody, Mapping) else ())
                    continue
                attrs = dict(base)
                attrs["stride"] = stride or None
                severity = rf.text("severity")
                attrs["severity"] = severity
                attrs["likelihood"] = rf.text("exploitation_likelihood")
                rf.get("exploitation_impact")  # the severity already says how bad
                for key in ("data_breach_probability", "data_breach_technical_assets"):
                    rf.unmapped(key, "data-breach estimates have no key in the model")
                target_id = next((k for k, v in {**self.assets, **self.links, **self.data, **self.boundaries}.items()
                                  if v == target), target)
                rid = f"{cid}@{target_id}"
                attrs["id"] = rid
                decided = next(((k, v) for k, v in self.tracking.items() if _matches(k, rid)), None)
                if decided is not None:
                    self.used_tracking.add(decided[0])
                    tf = self.ctx.fields(decided[1][1], f"risk_tracking '{decided[0]}'")
                    status = tf.text("status") or "unchecked"
                    attrs["status"] = _THREAT_STATUS.get(status, "open")
                    tf.get("justification"), tf.get("ticket"), tf.get("date"), tf.get("checked_by")
                    self.ctx.report.map(f"risk_tracking '{decided[0]}'", decided[1][0],
                                        f"status {attrs['status']} of threat '{_plain(rtitle)}'")
                rf.done()
                self.draft.add_threat(DraftThreat(_plain(rtitle), span, rwhat, attrs, target=target))
            f.done()

    def risk_tracking(self) -> None:
        for rid, (span, body) in self.tracking.items():
            if rid in self.used_tracking:
                continue
            what = f"risk_tracking '{rid}'"
            f = self.ctx.fields(body, what)
            status = f.text("status") or "unchecked"
            justification = _plain(f.text("justification") or "")
            ticket, date, who = f.text("ticket"), f.text("date"), f.text("checked_by")
            f.done()
            category, *parts = rid.split("@")
            rule = RULES.get(category)
            if rule is None:
                self.ctx.report.skip(what, span, f"Threagile's rule '{category}' has no tmlogic counterpart, "
                                                 "so no tmlogic threat can carry this decision")
                continue
            if status not in _STATUS:
                self.ctx.report.skip(what, span, f"status '{status}' is not a decision (the risk file records "
                                                 "accepted, mitigated, false-positive or in-progress)")
                continue
            known = {**self.assets, **self.data, **self.boundaries}
            named = [known[p] for p in parts if p != "*" and p in known]
            target = named[0] if named else None
            if len(named) > 1:
                self.ctx.report.approximate(what, span, f"kept the first target '{named[0]}' of "
                                                        f"{', '.join(named)}: a risk file entry names one target")
            if any(p not in known and "*" not in p for p in parts):
                self.ctx.report.approximate(what, span, "parts of the id that name no asset were left out")
            note = ", ".join(x for x in (f"checked by {who}" if who else "", f"on {date}" if date else "") if x)
            text = (justification or f"{status} in Threagile") + (f" ({note})" if note else "") + \
                f" [Threagile {category}]"
            self.draft.risks.append(DraftRisk(span, f"Threagile {rid}", _STATUS[status], text, rule=rule,
                                              target=target, owner=who, ticket=ticket))
            self.ctx.report.map(what, span, f"risk file entry: rule {rule}" + (f", target {target}" if target else ""))


def _matches(pattern: str, rid: str) -> bool:
    """Threagile's risk-id patterns: '*' stands for one whole @-separated part."""
    want, have = pattern.split("@"), rid.split("@")
    return len(want) == len(have) and all(w == "*" or w == h for w, h in zip(want, have))


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    if len(sources) != 1:
        raise ValueError("one Threagile model at a time")
    return _Reader(ctx, sources[0]).read()
