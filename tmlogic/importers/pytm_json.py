"""pytm's JSON (`python3 tm.py --json MODEL.json`) -> a draft model.

A pytm model is a Python program; tmlogic never runs it. pytm writes what the program built as
JSON, and that file is read here as data:

    boundaries        boundaries, nested by inBoundary; trusted unless named like Internet,
                      Public, External, DMZ or Untrusted (pytm has no trust flag: reported)
    Actor             actor (isAdmin -> is_admin)
    Server, Process, SetOfProcesses, Datastore, ExternalEntity
                      server, process, datastore, external
    Lambda, Agent     process typed lambda, agent
    LLM               typed llm: a server when isSelfHosted, else an external entity (pytm's default
                      for an LLM is a third-party service)
    controls and attributes
                      the model keys of docs/pytm.md's mapping (sanitizesInput -> sanitizes_input,
                      disablesDTD -> disables_dtd, isEncryptedAtRest -> is_encrypted, OS -> os...)
    Dataflow          flows: protocol, dstPort -> port, data, controls.isEncrypted -> is_encrypted,
                      tlsVersion -> tls_version, note -> description; a response (isResponse or
                      responseTo) is folded into its request: its data goes on the request's flow
    Data              data assets: classification, isPII, isCredentials, credentialsLife, isStored, format

pytm's JSON cannot tell a value that the program set from pytm's default (every control is
False unless set). A value equal to pytm 1.4.0's default for its class is therefore not written
into the model: it stays unknown, which is what the pytm pack needs to stay quiet where the
model says nothing (docs/pytm.md). The report counts the values left out that way.
`--defaults stated` writes them all, as pytm reads them (every unset control stated False). pytm's own
findings are not imported: `tmlogic analyze --pack pytm` derives them again, with proofs.
"""

from __future__ import annotations

import re
from pathlib import Path

from .._errors import SourceSpan
from ..kb.build.pytm.mapping import attribute
from ..model.schema import Value
from ..model.vocabulary import canonical_enum, canonical_protocol, keys_for
from .base import Fields, ImportContext
from .draft import Draft, DraftBoundary, DraftData, DraftElement, DraftFlow, clean_text
from .located import Mapping, Node, Scalar, Sequence, describe

__all__ = ["read"]

_KINDS: dict[str, tuple[str, str | None]] = {
    "Actor": ("actor", None), "Server": ("server", None), "Process": ("process", None),
    "SetOfProcesses": ("process", None), "Datastore": ("datastore", None), "ExternalEntity": ("external", None),
    "Lambda": ("process", "lambda"), "Agent": ("process", "agent"), "LLM": ("server", "llm"),
}
_UNTRUSTED = re.compile(r"\b(internet|public|external|dmz|untrusted|outside|wan|third[\s-]*part(y|ies))\b",
                        re.IGNORECASE)

# pytm 1.4.0's defaults (pytm/asset.py, actor.py, datastore.py, dataflow.py, data.py): a value equal to
# its class's default is what pytm writes whether or not the program set it.
_COMMON: dict[str, Value] = {"port": -1, "protocol": "", "maxClassification": "Classification.UNKNOWN",
           "minTLSVersion": "TLSVersion.NONE", "inScope": True, "OS": "", "onAWS": False, "handlesResources": False,
           "usesEnvironmentVariables": False, "description": "", "severity": 0}
_DEFAULTS: dict[str, dict[str, Value]] = {
    "Actor": {**_COMMON, "isAdmin": False},
    "Server": {**_COMMON, "usesSessionTokens": False, "usesCache": False, "usesVPN": False, "usesXMLParser": False},
    "Process": {**_COMMON, "codeType": "Unmanaged", "implementsCommunicationProtocol": False,
                "tracksExecutionFlow": False, "implementsAPI": False, "environment": "",
                "allowsClientSideScripting": False},
    "Datastore": {**_COMMON, "onRDS": False, "storesLogData": False, "storesPII": False, "storesSensitiveData": False,
                  "isSQL": True, "isShared": False, "hasWriteAccess": False, "type": "DatastoreType.UNKNOWN"},
    "Lambda": {**_COMMON, "onAWS": True, "environment": "", "implementsAPI": False},
    "ExternalEntity": {**_COMMON, "hasPhysicalAccess": False},
    "Agent": {**_COMMON, "usesExternalTools": False, "validatesToolLaunchConfig": False},
    "LLM": {**_COMMON, "isThirdParty": True, "isSelfHosted": False, "processesPersonalData": False,
            "retainsUserData": False, "hasAgentCapabilities": False, "hasAccessToSensitiveSystems": False,
            "executesCode": False, "hasContentFiltering": False, "hasSystemPrompt": True,
            "processesUntrustedInput": True, "hasRAG": False, "hasFineTuning": False},
    "Dataflow": {"isResponse": False, "srcPort": -1, "dstPort": -1, "tlsVersion": "TLSVersion.NONE", "protocol": "",
                 "order": -1, "implementsCommunicationProtocol": False, "note": "", "usesVPN": False,
                 "usesSessionTokens": False, "maxClassification": "Classification.UNKNOWN",
                 "minTLSVersion": "TLSVersion.NONE", "inScope": True, "description": "", "severity": 0},
    "Data": {"format": "", "classification": "Classification.UNKNOWN", "isPII": False, "isCredentials": False,
             "credentialsLife": "Lifetime.NONE", "isStored": False, "isDestEncryptedAtRest": False,
             "isSourceEncryptedAtRest": False, "description": ""},
}
_DEFAULTS["SetOfProcesses"] = _DEFAULTS["Process"]

# pytm attribute -> model key, where the mapping's own key is not the whole story.
_ELEMENT_KEYS = {"OS": "os", "port": "port", "isAdmin": "is_admin", "storesPII": "stores_pii",
                 "storesLogData": "stores_logs", "isSQL": "is_sql", "controls.isEncryptedAtRest": "is_encrypted",
                 "controls.authenticatesSource": "is_authenticated",
                 "controls.implementsAuthenticationScheme": "is_authenticated",
                 "controls.hasAccessControl": "has_access_control", "controls.authorizesSource": "has_access_control",
                 "controls.isResilient": "redundant", "controls.handlesResourceConsumption": "rate_limited",
                 "controls.usesEncryptionAlgorithm": "uses_encryption_algorithm",
                 "maxClassification": "max_classification", "minTLSVersion": "min_tls_version"}
_FLOW_KEYS = {"controls.isEncrypted": "is_encrypted", "usesVPN": "vpn", "tlsVersion": "tls_version",
              "maxClassification": "max_classification", "note": "description",
              "controls.implementsAuthenticationScheme": "is_authenticated",
              "controls.authenticatesSource": "is_authenticated"}
_DATASTORE_TYPES = {"SQL": "database", "NOSQL": "database", "FILE_SYSTEM": "file-server", "AWS_S3": "object-storage",
                    "BUCKET": "object-storage"}
_ENUM_VALUE = re.compile(r"^(Classification|TLSVersion|Lifetime|DatastoreType)\.([A-Za-z0-9_]+)$")
_TLS = {"NONE": "none", "SSLv1": "ssl-1", "SSLv2": "ssl-2", "SSLv3": "ssl-3", "TLSv10": "tls-1-0", "TLSv11": "tls-1-1",
        "TLSv12": "tls-1-2", "TLSv13": "tls-1-3"}
_DERIVED = "derived by pytm from the other items (inputs, outputs, findings, the data's flows)"
_LAYOUT = "pytm's diagram and report settings: no meaning for the model"
_NO_KEY = "no equivalent in the model language"


def _enum(text: str) -> str:
    m = _ENUM_VALUE.match(text)
    return m.group(2) if m else text


def _model_value(key: str, value: Value) -> Value | None:
    """A pytm value in the model's spelling for `key`; None when it has no equivalent."""
    if isinstance(value, str) and key in ("max_classification", "classification"):
        name = _enum(value).replace("_", "-").lower()
        return None if name == "unknown" else name
    if isinstance(value, str) and key in ("tls_version", "min_tls_version"):
        return _TLS.get(_enum(value))
    if isinstance(value, str) and key == "credentials_life":
        return _enum(value).lower()
    return value


class _Reader:
    def __init__(self, ctx: ImportContext, path: Path) -> None:
        self.ctx = ctx
        self.path = path
        self.draft = Draft("pytm")
        self.defaults_left = 0
        choice = ctx.options.get("defaults", ["unknown"])[-1]
        if choice not in ("unknown", "stated"):
            ctx.fail(SourceSpan("<command line>", 1, 1), f"--defaults takes 'unknown' or 'stated', not {choice!r}",
                     "unknown (the default): values at pytm's defaults stay unstated; stated: write them all")
        self.keep_defaults = choice == "stated"
        self.first_default: SourceSpan | None = None
        self.names: dict[str, str] = {}  # pytm element name -> element name in the draft
        self.flows: dict[str, DraftFlow] = {}
        self.data: dict[str, str] = {}

    # -- values -----------------------------------------------------------------------------

    def _is_default(self, cls: str, name: str, node: Node) -> bool:
        if isinstance(node, (Sequence, Mapping)) and not (node.items if isinstance(node, Sequence) else node.entries):
            return True  # an empty list says nothing
        if name.startswith("controls."):
            default: Value = "" if name in ("controls.authenticationScheme", "controls.usesEncryptionAlgorithm") else False
        elif name in _DEFAULTS.get(cls, {}):
            default = _DEFAULTS[cls][name]
        else:
            return False
        if isinstance(node, Scalar) and node.value == default and type(node.value) is type(default):
            if self.keep_defaults and isinstance(default, bool):
                return False
            self.defaults_left += 1
            self.first_default = self.first_default or node.span
            return True
        return False

    def _set(self, item: DraftElement | DraftFlow | DraftData, owner: str, cls: str, name: str, node: Node,
             special: dict[str, str], what: str) -> None:
        """One pytm attribute of an item: into the model key that states it, or reported."""
        if self._is_default(cls, name, node):
            return
        if not isinstance(node, Scalar):
            self.ctx.report.skip(f"{what} attribute '{name}'", node.span, f"{describe(node)}, not a single value")
            return
        a = attribute(owner, name)
        key = special.get(name) or (a.key if a is not None else None)
        if key is None and name == "controls.authenticationScheme" and isinstance(node.value, str):
            self._auth_scheme(item, node, what)
            return
        if key is None and name == "controls.usesMFA" and node.value is True:
            item.attrs["authentication"] = "mfa"
            return
        if key is None:
            reason = _NO_KEY + (" (it is unknown to the pytm pack as well)" if a is None or not a.known else
                                f"; the pack reads it from {a.source}")
            self.ctx.report.skip(f"{what} attribute '{name}'", node.span, reason)
            return
        value = _model_value(key, node.value)
        if value is None or value == "":
            return
        if key == "protocol" and isinstance(value, str):
            value = canonical_protocol(value)
        if key in item.attrs and item.attrs[key] != value:
            self.ctx.report.approximate(f"{what} attribute '{name}'", node.span,
                                        f"{key}={item.attrs[key]!r} is kept; pytm also says {value!r}")
            return
        item.attrs[key] = value

    def _auth_scheme(self, item: DraftElement | DraftFlow | DraftData, node: Scalar, what: str) -> None:
        spec = keys_for("servers")["authentication"]
        value = canonical_enum(node.text(), spec)
        if value is None:
            self.ctx.report.skip(f"{what} attribute 'controls.authenticationScheme'", node.span,
                                 f"'{node.text()}' is none of the authentication kinds ({', '.join(spec.values)})")
            return
        item.attrs["authentication"] = value

    # -- items --------------------------------------------------------------------------------

    def boundaries(self, nodes: list[Mapping]) -> None:
        parents: list[tuple[DraftBoundary, str, SourceSpan]] = []
        for node in nodes:
            f = self.ctx.fields(node, "boundary")
            name = f.text("name") or "Boundary"
            trusted = not _UNTRUSTED.search(name)
            b = self.draft.add_boundary(DraftBoundary(name, node.span, f"boundary '{name}'", {"is_trusted": trusted}))
            self.ctx.report.approximate(f"boundary '{name}'", node.span,
                                        f"{'trusted' if trusted else 'untrusted'}, by its name: pytm boundaries "
                                        "carry no trust level; set isTrusted= if that is wrong")
            if f.text("description"):
                b.attrs["description"] = clean_text(f.text("description") or "", multiline=True)
            parent = f.text("inBoundary")
            if parent:
                parents.append((b, parent, f.where("inBoundary")))
            f.drop(_LAYOUT, "levels", "findings", "overrides", "severity", "uuid", "is_drawn", "minTLSVersion",
                   "maxClassification", "inScope", "assumptions", "sourceFiles", "controls")
            f.done()
        by_name = {b.name: b for b in self.draft.boundaries}
        for b, parent, span in parents:
            if parent in by_name:
                b.parent = by_name[parent].name
            else:
                self.ctx.fail(span, f"boundary '{b.name}' is inside '{parent}', which the file does not list",
                              "write the JSON with pytm again (tm.py --json)")

    def element(self, node: Mapping) -> None:
        f = self.ctx.fields(node, "element")
        cls = f.text("__class__") or ""
        name = f.text("name") or cls
        what = f"{cls or 'element'} '{name}'"
        if cls not in _KINDS:
            self.ctx.report.skip(what, node.span, f"pytm class '{cls}' has no counterpart in the model language")
            f.get("name")
            for key, _ in node.items():
                f.get(key)
            return
        kind, type_ = _KINDS[cls]
        attrs: dict[str, Value] = {}
        if type_:
            attrs["type"] = type_
        if cls == "LLM":
            hosted = f.get("isSelfHosted")
            f.get("isThirdParty")  # what kind says
            if not (isinstance(hosted, Scalar) and hosted.value is True):
                kind = "external"
                self.ctx.report.approximate(what, node.span, "an external entity: not isSelfHosted, and pytm takes an "
                                                             "LLM as a third-party service unless told otherwise")
        if cls == "Datastore":
            dtype = f.get("type")
            if isinstance(dtype, Scalar) and dtype.text() and _enum(dtype.text()) in _DATASTORE_TYPES:
                attrs["type"] = _DATASTORE_TYPES[_enum(dtype.text())]
        boundary = f.text("inBoundary")
        item = self.draft.add_element(DraftElement(name, node.span, what, attrs, kind=kind,
                                                   boundary=self._boundary(boundary, f.where("inBoundary"))))
        self.names[name] = item.name
        description = f.text("description")
        if description:
            item.attrs["description"] = clean_text(description, multiline=True)
        notes = self._notes(f)
        if notes:
            item.attrs["notes"] = notes
        scope = f.get("inScope")
        if isinstance(scope, Scalar) and scope.value is False:
            item.attrs["tags"] = ["out-of-scope"]
            self.ctx.report.approximate(what, scope.span, "tagged out-of-scope: pytm skips it, tmlogic analyzes it")
        controls = f.mapping("controls")
        if controls is not None:
            for key, value in controls.items():
                self._set(item, "element", cls, f"controls.{key}", value, _ELEMENT_KEYS, what)
        f.drop(_DERIVED, "findings", "inputs", "outputs", "data")
        f.drop(_LAYOUT, "levels", "overrides", "severity", "uuid", "is_drawn")
        for key, value in node.items():
            if key not in f.used:
                f.get(key)
                self._set(item, "element", cls, key, value, _ELEMENT_KEYS, what)
        if "port" in item.attrs and not (isinstance(item.attrs["port"], int) and 0 < item.attrs["port"] < 65536):
            del item.attrs["port"]
        f.done()

    def _notes(self, f: Fields) -> str | None:
        parts: list[str] = []
        assumptions = f.texts("assumptions")
        if assumptions:
            parts.append("pytm assumptions: " + "; ".join(assumptions))
        files = f.texts("sourceFiles")
        if files:
            parts.append("source files: " + ", ".join(files))
        return clean_text(". ".join(parts)) if parts else None

    def _boundary(self, name: str | None, span: SourceSpan) -> str | None:
        if not name:
            return None
        found = next((b.name for b in self.draft.boundaries if b.name == name), None)
        if found is None:
            self.ctx.fail(span, f"'{name}' is not one of the file's boundaries", "write the JSON with pytm again")
        return found

    def datum(self, node: Mapping) -> None:
        f = self.ctx.fields(node, "data asset")
        name = f.text("name") or "Data"
        what = f"data '{name}'"
        item = self.draft.add_data(DraftData(name, node.span, what, {}))
        self.data[name] = item.name
        special = {"classification": "classification", "description": "description", "format": "format",
                   "isDestEncryptedAtRest": "", "isSourceEncryptedAtRest": ""}
        f.drop(_DERIVED, "carriedBy", "processedBy", "traverses")
        for key, value in node.items():
            if key in f.used or key == "name":
                continue
            f.get(key)
            if key in ("isDestEncryptedAtRest", "isSourceEncryptedAtRest"):
                if not self._is_default("Data", key, value):
                    self.ctx.report.skip(f"{what} attribute '{key}'", value.span, "tmlogic reads it from the flow's ends "
                                         "(is_encrypted=True on the source or destination element)")
                continue
            if key == "credentialsLife":
                if not self._is_default("Data", key, value) and isinstance(value, Scalar):
                    life = _enum(value.text()).lower()
                    item.attrs["credentials_life"] = {"short_lived": "short"}.get(life, life)
                continue
            self._set(item, "data", "Data", key, value, special, what)
        f.done()

    def flow(self, node: Mapping, responses: list[tuple[Mapping, Fields]]) -> None:
        f = self.ctx.fields(node, "flow")
        name = f.text("name") or "Flow"
        what = f"Dataflow '{name}'"
        response = f.get("isResponse")
        answers = f.text("responseTo")
        if (isinstance(response, Scalar) and response.value is True) or answers:
            responses.append((node, f))
            return
        src, dst = f.text("source"), f.text("sink")
        if src not in self.names or dst not in self.names:
            self.ctx.fail(f.where("source" if src not in self.names else "sink"),
                          f"flow '{name}' connects '{src}' and '{dst}', which the file does not both list as elements",
                          "write the JSON with pytm again (tm.py --json)")
        assert src is not None and dst is not None
        item = self.draft.add_flow(DraftFlow(name, node.span, what, {}, src=self.names[src], dst=self.names[dst]))
        self.flows[name] = item
        protocol = f.text("protocol")
        if protocol:
            item.attrs["protocol"] = canonical_protocol(protocol)
        port = f.get("dstPort")
        if isinstance(port, Scalar) and isinstance(port.value, int) and 0 < port.value < 65536:
            item.attrs["port"] = port.value
        item.attrs["data"] = list[Value](self._data(f, what))
        notes = self._notes(f)
        if notes:
            item.attrs["notes"] = notes
        f.get("response")
        controls = f.mapping("controls")
        if controls is not None:
            for key, value in controls.items():
                self._set(item, "flow", "Dataflow", f"controls.{key}", value, _FLOW_KEYS, what)
        f.drop(_LAYOUT, "levels", "overrides", "severity", "uuid", "is_drawn", "order", "findings", "srcPort",
               "inBoundary")
        for key, value in node.items():
            if key not in f.used:
                f.get(key)
                self._set(item, "flow", "Dataflow", key, value, _FLOW_KEYS, what)
        f.done()

    def _data(self, f: Fields, what: str) -> list[str]:
        out: list[str] = []
        for d in f.texts("data"):
            if d not in self.data:
                self.ctx.fail(f.where("data"), f"{what} carries '{d}', which the file does not list as data",
                              "write the JSON with pytm again (tm.py --json)")
            if self.data[d] not in out:
                out.append(self.data[d])
        return out

    def response(self, node: Mapping, f: Fields) -> None:
        name = f.text("name") or "Flow"
        request = f.text("responseTo")
        src, dst = f.text("source"), f.text("sink")
        target = self.flows.get(request or "") or next(
            (x for x in self.flows.values() if x.src == self.names.get(dst or "") and x.dst == self.names.get(src or "")),
            None)
        if target is None:
            self.ctx.report.skip(f"Dataflow '{name}'", node.span, "a response with no request flow to fold it into")
            for key, _ in node.items():
                f.get(key)
            return
        for d in self._data(f, f"Dataflow '{name}'"):
            data = target.attrs.setdefault("data", [])
            assert isinstance(data, list)
            if d not in data:
                data.append(d)
        self.ctx.report.approximate(f"Dataflow '{name}'", node.span,
                                    f"a response: folded into flow '{target.name}' (its data goes with the request)")
        for key, _ in node.items():
            f.get(key)

    def read(self) -> Draft:
        if self.path.suffix.lower() == ".py":
            self.ctx.fail(SourceSpan(self.ctx.shown(self.path), 1, 1), "this is a pytm program, and tmlogic never runs one",
                          f"let pytm write its JSON (python3 {self.path.name} --json model.json) and import that file")
        root = self.ctx.json(self.path)
        doc = self.ctx.mapping(root, "a pytm model", root.span, "give the file that `python3 tm.py --json FILE` writes")
        top = self.ctx.fields(doc, "pytm model")
        if not any(k in doc for k in ("elements", "assets", "actors", "flows")):
            self.ctx.fail(doc.span, "this is not pytm's JSON (no elements, assets, actors or flows)",
                          "give the file that `python3 tm.py --json FILE` writes")
        self.draft.title = top.text("name")
        description = top.text("description") or ""
        assumptions = top.texts("assumptions")
        if assumptions:
            description += ("\n\n" if description else "") + "Assumptions: " + "; ".join(assumptions)
        self.draft.description = clean_text(description, multiline=True) or None
        self.boundaries([self.ctx.mapping(b, "a boundary", b.span) for b in top.sequence("boundaries") or ()])
        elements = top.sequence("elements")
        if elements is None:
            elements = Sequence(tuple((top.sequence("actors") or Sequence((), doc.span)).items)
                                + tuple((top.sequence("assets") or Sequence((), doc.span)).items), doc.span)
        else:
            top.drop("the same elements as 'elements'", "actors", "assets")
        for e in elements:
            self.element(self.ctx.mapping(e, "an element", e.span))
        for d in top.sequence("data") or ():
            self.datum(self.ctx.mapping(d, "a data asset", d.span))
        responses: list[tuple[Mapping, Fields]] = []
        for fl in top.sequence("flows") or ():
            self.flow(self.ctx.mapping(fl, "a flow", fl.span), responses)
        for node, f in responses:
            self.response(node, f)
            f.done()
        top.unmapped("findings", "pytm's own findings: `tmlogic analyze --pack pytm` derives them again from the model, "
                                 "with proofs")
        top.unmapped("excluded_findings", "pytm's findings excluded by assumptions")
        top.unmapped("threatsExcluded", "threats switched off in pytm; disable rules in .tmlogic.yaml instead")
        top.drop("pytm's run settings", "colormap", "isOrdered", "mergeResponses", "ignoreUnused", "onDuplicates",
                 "threatsFile")
        top.done()
        if self.defaults_left:
            assert self.first_default is not None
            self.ctx.report.approximate(f"{self.defaults_left} values equal to pytm's defaults", self.first_default,
                                        "left unknown: pytm's JSON cannot tell a default (every control is False unless "
                                        "set) from a value the model chose; state the ones you mean in the model")
        return self.draft


def read(sources: list[Path], ctx: ImportContext) -> Draft:
    return _Reader(ctx, sources[0]).read()
