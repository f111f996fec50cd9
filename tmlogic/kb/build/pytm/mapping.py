"""Which facts of a tmlogic model stand for which pytm attribute: the one table behind the pack.

Each pytm attribute a condition may test is listed with the Datalog bodies that make it known
true, known false, or give its value, over the input facts (facts/schema.dl) and the shared
vocabulary of the prelude (facts/prelude.dl: encrypted_flow, requires_auth, llm_model...). An
attribute or a side of it (true, false, value) with no body has no source in a tmlogic model:
it is unknown, and a condition that needs it does not fire (kleene.py). The translator writes
these bodies into packs/pytm/pytm.dl as clauses of

    pytm_kind(x, kind)                       x is an element of pytm's class kind
    pytm_true(x, attr) / pytm_false(x, attr) attribute attr of element or flow x is stated true / false
    pytm_value(x, attr, v)                   ... has the stated value v (in tmlogic's spelling)
    pytm_member(x, coll, item)               item is in x's collection coll (data, inputs, outputs)
    pytm_data_true(x, d, attr) ...           attribute attr of data asset d, as x (flow or element) carries it

and the same table is the mapping table of docs/pytm.md (`mapping_table`). In the bodies, X is
the element or flow, D the data asset and V the value; other variables are local.
"""

from __future__ import annotations

from dataclasses import dataclass

from ....model.vocabulary import canonical_classification, canonical_protocol
from ....model.vocabulary_controls import TLS_VERSION_ALIASES, TLS_VERSIONS

__all__ = ["Attribute", "KindSource", "ATTRIBUTES", "KINDS", "attribute", "normalise", "rank_relation",
           "COLLECTIONS", "helper_clauses", "value_tables", "mapping_table", "with_mapping_table"]

_GUARD = {"element": "element(X, _)", "flow": "flow(X, _, _)", "data": 'pytm_member(X, "data", D)'}
_SUBJECT = {"element": "X", "flow": "X", "data": "D"}


@dataclass(frozen=True)
class Attribute:
    owner: str  # element | flow | data (a data asset as an element or flow carries it)
    name: str  # as pytm's conditions write it: "controls.sanitizesInput", "protocol"
    true: tuple[str, ...] = ()
    false: tuple[str, ...] = ()
    value: tuple[str, ...] = ()  # bodies binding V
    source: str = ""  # the model's side, for docs/pytm.md
    normalise: str | None = None  # how a constant compared with the value is spelled: see normalise()
    rank: str | None = None  # the relation that orders the values (rank_relation)
    # What a model writes to state each side, for the pack's generated fixtures (fixtures.py):
    # "key=value" on the subject, or "PLACE:key=value" elsewhere (input: a flow into the element;
    # sink:, source: the ends of the flow that carries the data; section:NAME the element's section);
    # the value witness is a template with {v}.
    witness_true: str | None = None
    witness_false: str | None = None
    witness_value: str | None = None
    key: str | None = None  # the model key that states it, when one boolean key does (tmlogic import pytm writes it)

    @property
    def known(self) -> bool:
        return bool(self.true or self.false or self.value)


def _key(owner: str, name: str, key: str, source: str | None = None, *, true: tuple[str, ...] = (),
         false: tuple[str, ...] = ()) -> Attribute:
    """An attribute stated by a boolean model key (key=True / key=False), plus other sources."""
    guard, subject = _GUARD[owner], _SUBJECT[owner]
    return Attribute(owner, name, (f'flag({subject}, "{key}"), {guard}',) + true,
                     (f'attr({subject}, "{key}", "false"), {guard}',) + false,
                     source=source or f"`{key}=True` / `{key}=False`",
                     witness_true=f"{key}=True", witness_false=f"{key}=False", key=key)


def _unknown(owner: str, name: str, why: str) -> Attribute:
    return Attribute(owner, name, source=f"unknown: {why}")


_SESSION_AUTH = ("session", "token", "jwt", "oauth2", "oidc", "saml")
_SINGLE_FACTOR = ("none", "password", "basic", "digest", "ntlm")


def _among(var: str, values: tuple[str, ...]) -> str:
    return ", ".join(f'{var} != "{v}"' for v in values)


def _element_attributes() -> list[Attribute]:
    e = "element"
    out = [
        _key(e, "controls.sanitizesInput", "sanitizes_input"),
        _key(e, "controls.validatesInput", "validates_input"),
        _key(e, "controls.encodesOutput", "encodes_output"),
        _key(e, "controls.hasAccessControl", "has_access_control",
             "`has_access_control=True/False`; true also for an `authorization=` other than none, false for `authorization=none`",
             true=('attr(X, "authorization", A), element(X, _), A != "none"',),
             false=('attr(X, "authorization", "none"), element(X, _)',)),
        Attribute(e, "controls.authorizesSource", ('attr(X, "authorization", A), element(X, _), A != "none"',),
                  ('attr(X, "authorization", "none"), element(X, _)',),
                  source="`authorization=` other than none / `authorization=none`",
                  witness_true="authorization=rbac", witness_false="authorization=none"),
        Attribute(e, "controls.authenticatesSource", ("requires_auth(X)",),
                  ('attr(X, "authentication", "none"), element(X, _)', 'attr(X, "is_authenticated", "false"), element(X, _)'),
                  source="`requires_auth` (`is_authenticated=True`, or `authentication=` other than none) / "
                         "`authentication=none` or `is_authenticated=False`",
                  witness_true="authentication=password", witness_false="authentication=none"),
        Attribute(e, "controls.implementsAuthenticationScheme", ('attr(X, "authentication", A), element(X, _), A != "none"',),
                  ('attr(X, "authentication", "none"), element(X, _)',),
                  source="`authentication=` other than none / `authentication=none`",
                  witness_true="authentication=password", witness_false="authentication=none"),
        Attribute(e, "controls.usesMFA", ('attr(X, "authentication", "mfa"), element(X, _)',),
                  (f'attr(X, "authentication", A), element(X, _), pytm_single_factor(A)',),
                  source="`authentication=mfa` / a single-factor `authentication=` (" + ", ".join(_SINGLE_FACTOR) + ")",
                  witness_true="authentication=mfa", witness_false="authentication=password"),
        _key(e, "controls.isHardened", "is_hardened"),
        _key(e, "controls.implementsNonce", "implements_nonce"),
        _key(e, "controls.handlesResourceConsumption", "rate_limited", "`rate_limited=True` / `rate_limited=False`"),
        Attribute(e, "controls.isResilient", ("redundant(X)",), ('attr(X, "redundant", "false"), element(X, _)',),
                  source="`redundant` (redundant=True, replicas > 1, a pool) / `redundant=False`",
                  witness_true="redundant=True", witness_false="redundant=False"),
    ]
    for key, name in (
        ("checks_input_bounds", "controls.checksInputBounds"), ("uses_secure_functions", "controls.usesSecureFunctions"),
        ("uses_parameterized_input", "controls.usesParameterizedInput"), ("validates_headers", "controls.validatesHeaders"),
        ("encodes_headers", "controls.encodesHeaders"),
        ("implements_strict_http_validation", "controls.implementsStrictHTTPValidation"),
        ("validates_content_type", "controls.validatesContentType"),
        ("invokes_script_filters", "controls.invokesScriptFilters"), ("disables_dtd", "controls.disablesDTD"),
        ("disables_iframes", "controls.disablesiFrames"),
        ("uses_strong_session_identifiers", "controls.usesStrongSessionIdentifiers"),
        ("verify_session_identifiers", "controls.verifySessionIdentifiers"),
        ("implements_csrf_token", "controls.implementsCSRFToken"), ("encrypts_cookies", "controls.encryptsCookies"),
        ("encrypts_session_data", "controls.encryptsSessionData"),
        ("defines_connection_timeout", "controls.definesConnectionTimeout"),
        ("implements_server_side_validation", "controls.implementsServerSideValidation"),
        ("implements_polp", "controls.implementsPOLP"), ("uses_code_signing", "controls.usesCodeSigning"),
        ("provides_integrity", "controls.providesIntegrity"),
        ("provides_confidentiality", "controls.providesConfidentiality"),
        ("uses_environment_variables", "usesEnvironmentVariables"), ("uses_cache", "usesCache"),
        ("is_shared", "isShared"), ("has_physical_access", "hasPhysicalAccess"),
        ("allows_client_side_scripting", "allowsClientSideScripting"),
        ("has_content_filtering", "hasContentFiltering"), ("has_system_prompt", "hasSystemPrompt"),
        ("has_rag", "hasRAG"), ("has_fine_tuning", "hasFineTuning"), ("has_agent_capabilities", "hasAgentCapabilities"),
        ("has_access_to_sensitive_systems", "hasAccessToSensitiveSystems"), ("executes_code", "executesCode"),
        ("uses_external_tools", "usesExternalTools"), ("validates_tool_launch_config", "validatesToolLaunchConfig"),
    ):
        out.append(_key(e, name, key))
    out += [
        _key(e, "implementsAPI", "implements_api", "`implements_api=True/False`; true also for an `api_endpoint` "
             "(an API type, or API calls received)", true=("api_endpoint(X)",)),
        _key(e, "usesSessionTokens", "uses_session_tokens",
             "`uses_session_tokens=True/False`; true also for a session `authentication=` (" + ", ".join(_SESSION_AUTH)
             + "), false for `authentication=none`",
             true=('attr(X, "authentication", A), element(X, _), pytm_session_auth(A)',),
             false=('attr(X, "authentication", "none"), element(X, _)',)),
        _key(e, "usesXMLParser", "uses_xml_parser", "`uses_xml_parser=True/False`; true also when it receives a flow "
             "whose format is XML or SOAP", true=("flow(F, _, X), flow_format(F, W), pytm_format(W, N), pytm_xml_format(N)",)),
        _key(e, "processesPersonalData", "processes_personal_data",
             "`processes_personal_data=True/False`; true also when a flow into it carries personal data (is_pii)",
             true=('flow(F, _, X), carries(F, D), flag(D, "is_pii")',)),
        _key(e, "processesUntrustedInput", "processes_untrusted_input",
             "`processes_untrusted_input=True/False`; true also when the untrusted side reaches it",
             true=("reachable_from_untrusted(X), element(X, _)",)),
        Attribute(e, "isThirdParty", ("third_party(X)",), source="`third_party` (an external entity, or a third-party type)",
                  witness_true="section:External Entities"),
        Attribute(e, "inScope", ("system_element(X)",), ('element(X, "external")', 'element(X, "actor")'),
                  source="servers, processes and datastores are in scope; actors and external entities are not",
                  witness_true="", witness_false="section:External Entities"),
        Attribute(e, "protocol", value=("flow(F, _, X), protocol(F, V)",),
                  source="the `protocol=` of the flows it receives", normalise="protocol",
                  witness_value="input:protocol={v}"),
        Attribute(e, "minTLSVersion", value=('attr(X, "min_tls_version", V), element(X, _)',),
                  source="`min_tls_version=`", normalise="tls", rank="tls", witness_value="min_tls_version={v}"),
        Attribute(e, "maxClassification", value=('attr(X, "max_classification", V), element(X, _)',),
                  source="`max_classification=`", normalise="classification", rank="classification",
                  witness_value="max_classification={v}"),
        Attribute(e, "controls.usesEncryptionAlgorithm", value=('attr(X, "uses_encryption_algorithm", V), element(X, _)',),
                  source="`uses_encryption_algorithm=` (as written)", witness_value="uses_encryption_algorithm={v}"),
        _unknown(e, "environment", "a model describes one deployment; no element says which environment it runs in"),
        _unknown(e, "usesVPN", "on a server pytm means it is reached through a VPN; the model says that per flow (`vpn=`)"),
    ]
    return out


def _flow_attributes() -> list[Attribute]:
    f = "flow"
    return [
        Attribute(f, "controls.isEncrypted", ("encrypted_flow(X)",), ("cleartext_flow(X)",),
                  source="`encrypted_flow` (is_encrypted=True, an encrypted protocol, a VPN) / `cleartext_flow` "
                         "(a cleartext protocol or is_encrypted=False, no VPN)",
                  witness_true="is_encrypted=True", witness_false="is_encrypted=False"),
        Attribute(f, "protocol", value=("protocol(X, V)",), source="`protocol=`", normalise="protocol",
                  witness_value="protocol={v}"),
        _key(f, "usesVPN", "vpn"),
        _key(f, "usesSessionTokens", "uses_session_tokens",
             "`uses_session_tokens=True/False`; true also for a session `authentication=` (" + ", ".join(_SESSION_AUTH)
             + "), false for `authentication=none`",
             true=('attr(X, "authentication", A), flow(X, _, _), pytm_session_auth(A)',),
             false=('attr(X, "authentication", "none"), flow(X, _, _)',)),
        Attribute(f, "controls.authorizesSource", ('attr(X, "authorization", A), flow(X, _, _), A != "none"',),
                  ('attr(X, "authorization", "none"), flow(X, _, _)',),
                  source="the flow's `authorization=` other than none / `authorization=none`",
                  witness_true="authorization=rbac", witness_false="authorization=none"),
        Attribute(f, "controls.implementsAuthenticationScheme", ("authenticated_flow(X)",), ("unauthenticated_flow(X)",),
                  source="`authenticated_flow` / `unauthenticated_flow` (is_authenticated=, authentication=, "
                         "the protocol)", witness_true="is_authenticated=True", witness_false="authentication=none"),
        _key(f, "controls.authenticatesDestination", "authenticates_destination",
             "`authenticates_destination=True/False`; true also for `authentication=mtls` or `certificate`",
             true=('attr(X, "authentication", "mtls"), flow(X, _, _)', 'attr(X, "authentication", "certificate"), flow(X, _, _)')),
        _key(f, "controls.checksDestinationRevocation", "checks_destination_revocation"),
        Attribute(f, "isResponse", false=("flow(X, _, _)",),
                  source="always false: a flow of a tmlogic model is a connection, its answers go back on it",
                  witness_false=""),
        Attribute(f, "tlsVersion", value=('attr(X, "tls_version", V), flow(X, _, _)',),
                  source="`tls_version=`", normalise="tls", rank="tls", witness_value="tls_version={v}"),
        Attribute(f, "maxClassification", value=('attr(X, "max_classification", V), flow(X, _, _)',),
                  source="`max_classification=`", normalise="classification", rank="classification",
                  witness_value="max_classification={v}"),
    ]


def _data_attributes() -> list[Attribute]:
    d = "data"
    g = _GUARD[d]
    return [
        _key(d, "isPII", "is_pii"),
        Attribute(d, "isCredentials", (f"credential(D), {g}",), (f'attr(D, "is_credentials", "false"), {g}',),
                  source="`credential` (is_credentials=True, or a credentials_life other than none) / `is_credentials=False`",
                  witness_true="is_credentials=True", witness_false="is_credentials=False"),
        _key(d, "isStored", "is_stored"),
        Attribute(d, "credentialsLife", value=(f'attr(D, "credentials_life", V), {g}',),
                  source="`credentials_life=`", normalise="lifetime", witness_value="credentials_life={v}"),
        Attribute(d, "classification", value=(f'classification(D, V), {g}, V != "unknown"',),
                  source="`classification=` (unknown stays unknown)", normalise="classification", rank="classification",
                  witness_value="classification={v}"),
        Attribute(d, "format", value=(f'attr(D, "format", W), pytm_format(W, V), {g}',
                                      f'attr(X, "format", W), pytm_format(W, V), flow(X, _, _), {g}'),
                  source="`format=` of the data asset, or of the flow that carries it (JSON and XML in their usual "
                         "spellings)", normalise="upper", witness_value="format={v}"),
        Attribute(d, "isDestEncryptedAtRest", (f'flow(X, _, S), flag(S, "is_encrypted"), {g}',),
                  (f'flow(X, _, S), attr(S, "is_encrypted", "false"), {g}',),
                  source="the flow's destination says `is_encrypted=True` / `False` (at rest)",
                  witness_true="sink:is_encrypted=True", witness_false="sink:is_encrypted=False"),
        Attribute(d, "isSourceEncryptedAtRest", (f'flow(X, S, _), flag(S, "is_encrypted"), {g}',),
                  (f'flow(X, S, _), attr(S, "is_encrypted", "false"), {g}',),
                  source="the flow's source says `is_encrypted=True` / `False` (at rest)",
                  witness_true="source:is_encrypted=True", witness_false="source:is_encrypted=False"),
    ]


ATTRIBUTES: dict[tuple[str, str], Attribute] = {
    (a.owner, a.name): a for a in _element_attributes() + _flow_attributes() + _data_attributes()}


def attribute(owner: str, name: str) -> Attribute | None:
    return ATTRIBUTES.get((owner, name))


@dataclass(frozen=True)
class KindSource:
    kind: str  # pytm's class
    bodies: tuple[str, ...]
    source: str


# Every element has one pytm class: the first that applies, in this order.
KINDS: tuple[KindSource, ...] = (
    KindSource("Dataflow", ("flow(X, _, _)",), "every flow"),
    KindSource("LLM", ("llm_model(X)",), "`llm_model` (an LLM type)"),
    KindSource("Agent", ("element_type(X, T), llm_app_type(T), !llm_model(X)",),
               "an LLM application type (`llm_app_type`: agent, llm-agent, copilot...)"),
    KindSource("Lambda", ("element_type(X, T), pytm_lambda_type(T), !pytm_ai(X)",),
               "a serverless function type (lambda, function, serverless-function...)"),
    KindSource("Datastore", ("stores_data(X), !pytm_ai(X), !pytm_lambda(X)",),
               "`stores_data` (a datastore, or a storage type)"),
    KindSource("Server", ('element(X, "server"), !pytm_special(X)',), "any other server"),
    KindSource("Process", ('element(X, "process"), !pytm_special(X)',), "any other process"),
    KindSource("Actor", ('element(X, "actor"), !pytm_special(X)',), "any other actor"),
    KindSource("ExternalEntity", ('element(X, "external"), !pytm_special(X)',), "any other external entity"),
)

# Collections a condition iterates over: (owner, name) -> what the items are.
COLLECTIONS: dict[tuple[str, str], str] = {("flow", "data"): "data", ("element", "data"): "data",
                                           ("element", "inputs"): "flow", ("element", "outputs"): "flow"}
_MEMBERS = (
    'pytm_member(X, "data", D) :- carries(X, D).',
    'pytm_member(X, "data", D) :- flow(F, X, _), carries(F, D).',
    'pytm_member(X, "data", D) :- flow(F, _, X), carries(F, D).',
    'pytm_member(X, "inputs", F) :- flow(F, _, X).',
    'pytm_member(X, "outputs", F) :- flow(F, X, _).',
)

_LIFETIMES = {"NONE": "none", "UNKNOWN": "unknown", "SHORT": "short", "LONG": "long", "AUTO": "auto",
              "MANUAL": "manual", "HARDCODED": "hardcoded"}
_TLS = {"NONE": "none", "SSLv1": "ssl-1", "SSLv2": "ssl-2", "SSLv3": "ssl-3", "TLSv10": "tls-1-0",
        "TLSv11": "tls-1-1", "TLSv12": "tls-1-2", "TLSv13": "tls-1-3"}
_FORMATS = {"JSON": ("JSON", "json", "Json", "JSON/REST", "REST/JSON", "json/rest", "application/json", "JSON-RPC",
                     "GraphQL/JSON"),
            "XML": ("XML", "xml", "Xml", "SOAP", "soap", "SOAP/XML", "XML/SOAP", "application/xml", "text/xml",
                    "XML-RPC", "SAML")}


def normalise(kind: str | None, constant: str) -> str:
    """A constant of a condition in the spelling of the model's facts ('https' -> 'HTTPS', TLSv12 -> tls-1-2)."""
    if kind == "protocol":
        return canonical_protocol(constant)
    if kind == "classification":
        return canonical_classification(constant.replace("_", "-")) or constant.lower()
    if kind == "tls":
        return _TLS.get(constant, constant)
    if kind == "lifetime":
        return _LIFETIMES.get(constant, constant.lower())
    if kind == "upper":
        return constant.upper()
    return constant


def rank_relation(kind: str) -> str:
    return {"classification": "classification_rank", "tls": "pytm_tls_rank"}[kind]


def helper_clauses() -> list[str]:
    """The pack's shared relations (packs/pytm/pytm.dl), without declarations."""
    out: list[str] = []
    for k in KINDS:
        out += [f'pytm_kind(X, "{k.kind}") :- {b}.' for b in k.bodies]
    out += ["pytm_ai(X) :- llm_model(X).", "pytm_ai(X) :- element_type(X, T), llm_app_type(T).",
            "pytm_lambda(X) :- element_type(X, T), pytm_lambda_type(T).",
            "pytm_special(X) :- pytm_ai(X).", "pytm_special(X) :- pytm_lambda(X).", "pytm_special(X) :- stores_data(X)."]
    out += list(_MEMBERS)
    for a in ATTRIBUTES.values():
        head = {"element": "pytm_{}(X, {})", "flow": "pytm_{}(X, {})", "data": "pytm_data_{}(X, D, {})"}[a.owner]
        name = f'"{a.name}"'
        for side, bodies in (("true", a.true), ("false", a.false)):
            out += [f"{head.format(side, name)} :- {b}." for b in bodies]
        value_head = "pytm_value(X, {}, V)" if a.owner != "data" else "pytm_data_value(X, D, {}, V)"
        out += [f"{value_head.format(name)} :- {b}." for b in a.value]
    return out


def value_tables() -> list[str]:
    """The pack's fact tables: spellings and orders of values."""
    out = [f'pytm_lambda_type("{t}").' for t in ("lambda", "aws-lambda", "function", "serverless-function",
                                                 "serverless", "cloud-function", "azure-function", "faas")]
    out += [f'pytm_single_factor("{a}").' for a in _SINGLE_FACTOR]
    out += [f'pytm_session_auth("{a}").' for a in _SESSION_AUTH]
    out += [f'pytm_tls_rank("{v}", {i}).' for i, v in enumerate(TLS_VERSIONS)]
    out += [f'pytm_format("{w}", "{name}").' for name, spellings in _FORMATS.items() for w in spellings]
    out += ['pytm_xml_format("XML").']
    return out


assert {v for _, v in TLS_VERSION_ALIASES} <= set(TLS_VERSIONS)


TABLE_BEGIN = "<!-- mapping table: generated from tmlogic/kb/build/pytm/mapping.py; tests/test_pytm_pack.py checks it -->"
TABLE_END = "<!-- end of mapping table -->"


def with_mapping_table(doc: str) -> str:
    """`doc` (docs/pytm.md) with the table between its two marker lines replaced by mapping_table()."""
    begin, end = doc.find(TABLE_BEGIN), doc.find(TABLE_END)
    if begin < 0 or end < begin:
        raise ValueError("the file has no mapping table markers")
    return doc[:begin + len(TABLE_BEGIN)] + "\n" + mapping_table() + doc[end:]


def mapping_table() -> str:
    """docs/pytm.md's mapping table, in Markdown, from ATTRIBUTES and KINDS."""
    rows = ["| pytm | for | tmlogic model |", "|---|---|---|"]
    for k in KINDS:
        rows.append(f"| `{k.kind}` | class | {k.source} |")
    for a in sorted(ATTRIBUTES.values(), key=lambda a: ({"element": 0, "flow": 1, "data": 2}[a.owner], a.name)):
        rows.append(f"| `{a.name}` | {a.owner} | {a.source} |")
    return "\n".join(rows) + "\n"
