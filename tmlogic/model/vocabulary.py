"""The one place that normalises names: keys, types, protocols, classifications, ids, sections.

Models are written by hand (SecOpsTM users write ``isTrusted``, pytm users ``is_trusted``,
Threagile users ``internet-facing``) and generated (YAML from Ansible or importers). Every
spelling is folded here, once, so the builder, the fact compiler and the rules only ever see
the canonical form. The key tables below are also the documentation of the language
(docs/model-language.md mirrors them).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ..lazy import lazy_pattern
from ..records import record
from ..typing_runtime import Literal, cast
from .schema import Value
from .vocabulary_controls import CONTROL_KEY_ALIASES, ELEMENT_CONTROL_KEYS, FLOW_CONTROL_KEYS, TLS_VERSION_ALIASES, TLS_VERSIONS

__all__ = [
    "canonical_key",
    "canonical_type",
    "canonical_protocol",
    "canonical_classification",
    "canonical_enum",
    "slug",
    "parse_bool",
    "KeyKind",
    "KeySpec",
    "SECTIONS",
    "SECTION_KINDS",
    "ENTRY_SECTIONS",
    "CLASSIFICATIONS",
    "RATINGS",
    "AUTHENTICATION",
    "AUTHORIZATION",
    "LINE_STYLES",
    "section_for",
    "section_names",
    "section_aliases",
    "keys_for",
    "resolve_key",
    "is_extension_key",
]

# --- name normalisation -------------------------------------------------------------------

# Names are cut into words by hand, with str methods, not by the regular expressions that were the
# definition (their compiling cost about 3 M instructions of every run, far more than cutting a
# model's few dozen distinct names); tests/test_hand_matchers.py holds them equal.
_NON_ALNUM = lazy_pattern(r"[^0-9a-zA-Z]+")  # for text beyond ASCII only
_ASCII_NON_ALNUM = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def _alnum_words(text: str) -> list[str]:
    """The runs of ASCII letters and digits in `text`: [w for w in re.split(r"[^0-9a-zA-Z]+", text) if w]."""
    if text.isascii():
        return text.translate(_ASCII_NON_ALNUM).split()
    return [w for w in _NON_ALNUM.split(text) if w]


def _split_camel(text: str) -> str:
    r"""`_` at each camelCase joint: re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])",
    r"\1_\2", text)): isTrusted -> is_Trusted, HTTPPort -> HTTP_Port."""
    if text == text.lower():
        return text  # no capital A-Z: no joint
    out: list[str] = []
    last = len(text) - 1
    before = ""
    for i, c in enumerate(text):
        if "A" <= c <= "Z" and i:
            if "A" <= before <= "Z":
                if i < last and "a" <= text[i + 1] <= "z":
                    out.append("_")  # the last capital of an acronym starts the next word
            elif "a" <= before <= "z" or "0" <= before <= "9":
                out.append("_")
        out.append(c)
        before = c
    return "".join(out)


@lru_cache(maxsize=4096)  # the same few keys repeat on every line of a model
def canonical_key(key: str) -> str:
    """snake_case of a key: isTrusted -> is_trusted, credentialsLife -> credentials_life, line-style -> line_style."""
    return "_".join(_alnum_words(_split_camel(key.strip()))).lower()


# Technology types split camelCase only before a capitalised word of three or more letters, so
# that acronyms stay whole: LoadBalancer -> load-balancer, APIGateway -> api-gateway, but
# PostgreSQL -> postgresql, IdP -> idp, MongoDB -> mongodb, DDoSProtection -> ddos-protection.
# A split point: before a capitalised word of 3+ letters that follows a lower-case letter or
# digit (WebServer), or follows a capital that ends an acronym (APIGateway, DDoSProtection);
# never inside a leading capital (OAuth).
_TYPE_CAMEL = lazy_pattern(r"(?:(?<=[a-z0-9])|(?<=[A-Za-z0-9][A-Z]))(?=[A-Z][a-z]{2,})")  # for text with a capital
# Brand and product words that camelCase splitting (the rule above, or the one tmlogic used
# before, which split every capital: PostgreSQL -> postgre-sql) cuts in two. Their split
# spellings are joined again, so models written either way and rule packs that list the
# names users write agree.
_TYPE_COMPOUNDS: tuple[tuple[str, ...], ...] = (
    ("postgre", "sql"), ("my", "sql"), ("no", "sql"), ("graph", "ql"), ("id", "p"), ("d", "do", "s"),
    ("mongo", "db"), ("maria", "db"), ("couch", "db"), ("dynamo", "db"), ("cosmos", "db"), ("neo4", "j"),
    ("o", "auth"), ("o", "auth2"), ("py", "pi"), ("hashi", "corp"), ("git", "hub"), ("git", "lab"),
    ("bit", "bucket"), ("elastic", "search"), ("open", "search"), ("open", "ldap"), ("open", "id"),
    ("rabbit", "mq"), ("active", "mq"), ("zero", "mq"), ("power", "shell"), ("share", "point"),
    ("word", "press"), ("java", "script"), ("type", "script"), ("key", "cloak"), ("zoo", "keeper"),
)


def _join_compounds(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for compound in _TYPE_COMPOUNDS:
            n = len(compound)
            if tuple(words[i:i + n]) == compound:
                out.append("".join(compound))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


@lru_cache(maxsize=4096)
def canonical_type(text: str) -> str:
    """A technology type in kebab case: load_balancer, Load Balancer, LoadBalancer -> load-balancer;
    acronyms and product names stay whole: PostgreSQL, postgre-sql -> postgresql; IdP -> idp."""
    text = text.strip()
    split = text if text == text.lower() else _TYPE_CAMEL.sub("_", text)
    return "-".join(_join_compounds(_alnum_words(split.lower())))


def canonical_protocol(text: str) -> str:
    """Protocols compare upper case, with single spaces: 'https' -> 'HTTPS', 'DB  Sync' -> 'DB SYNC'."""
    return " ".join(text.split()).upper()


def _fold(text: str) -> str:
    """Lower case ASCII with '-' between words: accents dropped, no camelCase splitting."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join(_alnum_words(ascii_text.lower()))


def slug(name: str) -> str:
    """A stable id from a name: 'External Client 1' -> 'external-client-1' (may be '' for '!!!')."""
    return _fold(name)


CLASSIFICATIONS: tuple[str, ...] = ("unknown", "public", "restricted", "sensitive", "secret", "top-secret")
_CLASSIFICATION_ALIASES = {"topsecret": "top-secret"}


def canonical_classification(text: str) -> str | None:
    """public, restricted, sensitive, secret, top-secret or unknown (TOP_SECRET, Top Secret...); else None."""
    folded = _fold(text)
    folded = _CLASSIFICATION_ALIASES.get(folded, folded)
    return folded if folded in CLASSIFICATIONS else None


_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})


def parse_bool(value: Value) -> bool | None:
    """True/False in any case, yes/no; None when the value is not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


# --- key vocabulary -----------------------------------------------------------------------

KeyKind = Literal["text", "bool", "enum", "number", "port", "list", "ref", "refs", "path", "any"]


@record(frozen=True)
class KeySpec:
    """What a known key holds. `enum` keys list their allowed (canonical) values."""

    key: str
    kind: KeyKind
    doc: str
    values: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other spellings, already in canonical_key form
    value_aliases: tuple[tuple[str, str], ...] = ()  # folded spelling -> allowed value


RATINGS: tuple[str, ...] = ("low", "medium", "high", "critical")
AUTHENTICATION: tuple[str, ...] = (
    "none", "password", "basic", "digest", "token", "api-key", "session", "certificate", "mtls",
    "mfa", "kerberos", "ntlm", "oauth2", "oidc", "saml", "jwt",
)
AUTHORIZATION: tuple[str, ...] = (
    "none", "acl", "rbac", "abac", "policy", "technical-user", "enduser-identity-propagation",
)
LINE_STYLES: tuple[str, ...] = ("solid", "dashed", "dotted", "bold")
CREDENTIALS_LIFE: tuple[str, ...] = ("none", "unknown", "short", "long", "auto", "manual", "hardcoded")
TRUST_LEVELS: tuple[str, ...] = ("trusted", "untrusted")
# How a store shared by tenants keeps their data apart: rows told apart only by a tenant id that
# every query must filter on (row), rows the database itself filters per tenant (row-level
# security), a schema, a database or an instance per tenant.
TENANT_ISOLATION: tuple[str, ...] = ("none", "row", "row-level-security", "schema", "database", "instance")
_TENANT_ISOLATION_ALIASES = (("shared-schema", "row"), ("tenant-id", "row"), ("tenant-column", "row"),
                             ("tenant-id-column", "row"), ("discriminator-column", "row"), ("pooled", "row"),
                             ("rls", "row-level-security"), ("schema-per-tenant", "schema"),
                             ("database-per-tenant", "database"), ("db-per-tenant", "database"),
                             ("instance-per-tenant", "instance"), ("silo", "instance"), ("dedicated", "instance"))

# How a Bluetooth link pairs: Just Works and a fixed PIN or passkey authenticate nobody (anyone in
# radio range pairs or sits in the middle); a passkey shown or typed anew, numeric comparison and
# out-of-band keys do.
PAIRING_MODES: tuple[str, ...] = ("just-works", "static-pin", "passkey", "numeric-comparison", "oob")
_PAIRING_ALIASES = (("justworks", "just-works"), ("fixed-pin", "static-pin"), ("default-pin", "static-pin"),
                    ("static-passkey", "static-pin"), ("fixed-passkey", "static-pin"), ("hardcoded-pin", "static-pin"),
                    ("passkey-entry", "passkey"), ("out-of-band", "oob"))

_AUTHN_ALIASES = (("apikey", "api-key"), ("api-token", "token"), ("bearer", "token"), ("oauth", "oauth2"),
                  ("o-auth2", "oauth2"), ("openid-connect", "oidc"), ("client-certificate", "certificate"),
                  ("2fa", "mfa"), ("username-password", "password"), ("credentials", "password"),
                  ("ssh-key", "certificate"), ("public-key", "certificate"), ("publickey", "certificate"),
                  ("anonymous", "none"), ("unauthenticated", "none"), ("no-auth", "none"), ("noauth", "none"))
_RATING_ALIASES = (("very-high", "critical"), ("med", "medium"))
# The second factor of a login, when authentication=mfa: what it is decides what defeats it (a
# SIM swap takes over SMS and voice codes; a phishing page relays TOTP and push; WebAuthn is bound
# to the site).
SECOND_FACTORS: tuple[str, ...] = ("sms", "voice", "email", "totp", "hotp", "push", "webauthn", "smartcard",
                                   "hardware-token")
_SECOND_FACTOR_ALIASES = (("text", "sms"), ("text-message", "sms"), ("sms-otp", "sms"), ("phone-call", "voice"),
                          ("call", "voice"), ("email-otp", "email"), ("e-mail", "email"), ("authenticator-app", "totp"),
                          ("otp-app", "totp"), ("push-notification", "push"), ("fido2", "webauthn"),
                          ("passkey", "webauthn"), ("security-key", "webauthn"), ("u2f", "webauthn"),
                          ("smart-card", "smartcard"), ("piv", "smartcard"), ("hardware-otp", "hardware-token"))


def _spec(key: str, kind: KeyKind, doc: str, values: tuple[str, ...] = (), aliases: tuple[str, ...] = (),
          value_aliases: tuple[tuple[str, str], ...] = ()) -> KeySpec:
    return KeySpec(key, kind, doc, values, aliases, value_aliases)


def _table(*specs: KeySpec) -> dict[str, KeySpec]:
    return {s.key: s for s in specs}


# Keys every entry section accepts.
_COMMON = (
    _spec("description", "text", "free text, rendered as Markdown in reports"),
    _spec("tags", "list", "labels, a list or a single word", aliases=("tag",)),
    _spec("owner", "text", "team or person responsible"),
    _spec("notes", "text", "free text"),
    _spec("imported_from", "text", "the input line this item was imported from (file:line), set by tmlogic import"),
    _spec("inferred", "text", "what an importer guessed about this item, and from what (tmlogic import ansible): "
          "check it"),
)
# Accepting a threat on the thing it is about: accepts={"TM-NET-001": "TLS ends at the proxy"}.
_ACCEPTS = (
    _spec("accepts", "any", 'threats accepted here, with the reason: {"TM-NET-001": "why it does not apply"}',
          aliases=("suppress", "ignore")),
)
_CIA = (
    _spec("confidentiality", "enum", "confidentiality rating", RATINGS, value_aliases=_RATING_ALIASES),
    _spec("integrity", "enum", "integrity rating", RATINGS, value_aliases=_RATING_ALIASES),
    _spec("availability", "enum", "availability rating", RATINGS, value_aliases=_RATING_ALIASES),
)
_STYLE = (
    _spec("color", "text", "diagram colour: a name or #RRGGBB", aliases=("colour",)),
    _spec("is_filled", "bool", "diagram: fill the shape"),
    _spec("line_style", "enum", "diagram line style", LINE_STYLES),
)
_AUTH = (
    _spec("authentication", "enum", "how callers authenticate", AUTHENTICATION,
          aliases=("authn", "auth"), value_aliases=_AUTHN_ALIASES),
    _spec("second_factor", "enum", "the second factor of an MFA login (sms, voice, email, totp, push, webauthn...)",
          SECOND_FACTORS, aliases=("mfa_method", "mfa_factor", "mfa_type"), value_aliases=_SECOND_FACTOR_ALIASES),
    _spec("authorization", "enum", "how access is decided", AUTHORIZATION,
          aliases=("authz", "authorisation")),
)

def _controls(table: tuple[tuple[str, str, str], ...]) -> tuple[KeySpec, ...]:
    """The keys of vocabulary_controls.py (pytm's controls and attributes), as specs."""
    enums: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
        "min_tls_version": (TLS_VERSIONS, TLS_VERSION_ALIASES), "tls_version": (TLS_VERSIONS, TLS_VERSION_ALIASES),
        "max_classification": (CLASSIFICATIONS, tuple(_CLASSIFICATION_ALIASES.items()))}
    return tuple(_spec(key, cast(KeyKind, kind), doc, enums.get(key, ((), ()))[0],
                       CONTROL_KEY_ALIASES.get(key, ()), enums.get(key, ((), ()))[1]) for key, kind, doc in table)


BOUNDARY_KEYS = _table(
    *_COMMON, *_STYLE, *_ACCEPTS,
    _spec("is_trusted", "bool", "the zone is trusted (default: untrusted)", aliases=("trusted",)),
    _spec("trust_level", "enum", "Ansible form of is_trusted; is_trusted wins", TRUST_LEVELS),
    _spec("boundary", "ref", "the enclosing boundary (instead of indentation)", aliases=("parent",)),
    _spec("members", "refs", "elements placed in this boundary (Ansible form)",
          aliases=("servers", "actors", "elements", "processes", "datastores")),
    _spec("type", "text", "kind of zone, free text (e.g. External, DMZ)", aliases=("stereotype",)),
    _spec("internet_facing", "bool", "the zone is reachable from the Internet",
          aliases=("is_public", "internet_exposed", "is_internet_facing")),
    _spec("deployed_as", "list", "names of this zone in the deployment (network, namespace, VPC), for tmlogic drift"),
    _spec("attacker", "any", 'attack paths: attackers start in this zone (True, or a profile: "compromised partner")'),
)

ELEMENT_KEYS = _table(
    *_COMMON, *_STYLE, *_CIA, *_AUTH, *_ACCEPTS,
    _spec("type", "text", "technology type, normalised (load_balancer -> load-balancer)"),
    _spec("stereotype", "text", "SecOpsTM: the type when no type= is given"),
    _spec("boundary", "ref", "the innermost boundary the element sits in", aliases=("zone",)),
    _spec("submodel", "path", "a model file detailing this element, relative to this file"),
    _spec("entry_point", "bool", "in a submodel: traffic to the parent element enters here", aliases=("entry",)),
    _spec("internet_facing", "bool", "reachable from the Internet",
          aliases=("is_public", "internet_exposed", "is_internet_facing")),
    _spec("port", "port", "listening port (1-65535)"),
    _spec("technology", "text", "product or framework, free text"),
    _spec("version", "text", "software version, kept as written"),
    _spec("os", "text", "operating system"),
    _spec("services", "list", "services offered (Ansible form)"),
    _spec("is_human", "bool", "an actor that is a person"),
    _spec("is_admin", "bool", "an actor with administrative rights"),
    _spec("is_hardened", "bool", "hardened configuration"),
    _spec("is_encrypted", "bool", "data at rest is encrypted"),
    _spec("is_sql", "bool", "an SQL datastore"),
    _spec("is_authenticated", "bool", "requires authentication"),
    _spec("sanitizes_input", "bool", "input is sanitised"),
    _spec("validates_input", "bool", "input is validated", aliases=("checks_input",)),
    _spec("encodes_output", "bool", "output is encoded"),
    _spec("has_access_control", "bool", "enforces access control"),
    _spec("implements_nonce", "bool", "uses nonces against replay"),
    _spec("stores_credentials", "bool", "stores credentials or secrets"),
    _spec("stores_pii", "bool", "stores personal data"),
    _spec("stores_logs", "bool", "stores logs"),
    _spec("has_logging", "bool", "produces security logs"),
    _spec("redundant", "bool", "runs redundantly"),
    _spec("rate_limited", "bool", "limits request rates (throttling, quotas)"),
    _spec("limits_login_attempts", "bool", "limits failed login or code attempts (lockout, throttling, CAPTCHA)",
          aliases=("account_lockout", "lockout", "login_throttling", "brute_force_protection")),
    _spec("has_backup", "bool", "its data is backed up", aliases=("backup",)),
    _spec("is_legacy", "bool", "legacy or end-of-life"),
    _spec("privileged", "bool", "runs with the host's full privileges (a privileged container)"),
    _spec("host_path_mount", "bool", "mounts a path of the host's file system (hostPath, a bind mount)"),
    _spec("security_context", "bool", "declares a restrictive security context (non-root, no privilege escalation)"),
    _spec("deployed_as", "list", "names of this element in the deployment (compose service, Kubernetes "
          "workload, Terraform address), for tmlogic drift"),
    _spec("fetches_urls", "bool", "fetches URLs its callers choose (link previews, webhooks, crawlers): SSRF"),
    _spec("is_immutable", "bool", "stored data cannot be deleted or overwritten (object lock, WORM)",
          aliases=("immutable", "object_lock")),
    _spec("requires_approval", "bool", "a person approves each action before it runs (human in the loop)",
          aliases=("human_approval",)),
    _spec("pool", "text", "name of a pool of identical replicas: their findings are reported once"),
    _spec("pre_auth", "bool", "reached before any login by design (sign-in, sign-up, password reset, "
          "one-time-code request)", aliases=("pre_login", "pre_authentication")),
    _spec("hardcoded_credentials", "bool", "its code, firmware, image or configuration holds a credential "
          "written into it", aliases=("has_hardcoded_credentials", "embedded_credentials", "hardcoded_secrets",
                                      "embedded_secrets", "credentials_in_code", "secrets_in_code",
                                      "credentials_in_config", "secrets_in_config")),
    _spec("anonymous_read", "bool", "anyone who reaches it may read or download without logging in, whatever "
          "its writers do (anonymous access to a repository or registry)",
          aliases=("anonymous_access", "allows_anonymous", "allows_anonymous_read", "public_read")),
    _spec("shared_account", "bool", "an actor that stands for one account several people log in with",
          aliases=("is_shared_account", "shared_login")),
    _spec("multi_tenant", "bool", "serves several tenants (customer organisations) from one deployment",
          aliases=("is_multi_tenant", "multitenant")),
    _spec("tenant_isolation", "enum", "how a store shared by tenants keeps their data apart", TENANT_ISOLATION,
          value_aliases=_TENANT_ISOLATION_ALIASES),
    _spec("replicas", "number", "how many identical instances this element stands for (2 or more: redundant)"),
    _spec("requires_review", "bool", "a source repository takes changes to its protected branches only through a "
          "reviewed, approved pull request (branch protection)",
          aliases=("branch_protection", "protected_branches", "requires_code_review", "code_review", "review_required",
                   "required_reviews")),
    _spec("pairing", "enum", "how a Bluetooth device pairs (just-works, static-pin, passkey, numeric-comparison, oob)",
          PAIRING_MODES, aliases=("pairing_method", "pairing_mode", "ble_pairing", "bluetooth_pairing"),
          value_aliases=_PAIRING_ALIASES),
    *_controls(ELEMENT_CONTROL_KEYS),
    _spec("attacker", "any", 'attack paths: an attacker starts here (True, or a profile: "insider"; False opts out)'),
    _spec("goal", "bool", "attack paths: a crown jewel (True), or not one despite its data (False)"),
)

DATA_KEYS = _table(
    *_COMMON, *_CIA,
    _spec("classification", "enum", "sensitivity", CLASSIFICATIONS),
    _spec("format", "text", "encoding or format, free text (JSON/REST, SQL...)"),
    _spec("credentials_life", "enum", "lifetime of credentials the data holds", CREDENTIALS_LIFE),
    _spec("lifetime", "text", "how long the data lives (TRANSIENT...)"),
    _spec("is_pii", "bool", "personal data", aliases=("pii",)),
    _spec("is_credentials", "bool", "the data is a secret or credential", aliases=("is_secret",)),
    _spec("is_stored", "bool", "the data is persisted"),
    _spec("is_shared", "bool", "one secret that many holders use (every device of a fleet, every "
          "installation, several people)", aliases=("shared",)),
)

FLOW_KEYS = _table(
    *_COMMON, *_AUTH, *_ACCEPTS,
    _spec("color", "text", "diagram colour", aliases=("colour",)),
    _spec("line_style", "enum", "diagram line style", LINE_STYLES),
    _spec("from", "ref", "source element name", aliases=("source", "src")),
    _spec("to", "ref", "target element name", aliases=("destination", "dst", "target", "dest")),
    _spec("protocol", "text", "protocol, upper-cased (HTTPS, SSH, DB SYNC)"),
    _spec("data", "refs", "data asset name, or a list of names"),
    _spec("port", "port", "destination port (1-65535)"),
    _spec("is_encrypted", "bool", "the channel is encrypted"),
    _spec("is_authenticated", "bool", "the channel is authenticated"),
    _spec("bidirectional", "bool", "data goes both ways", aliases=("is_bidirectional",)),
    _spec("vpn", "bool", "runs through a VPN"),
    _spec("ip_filtered", "bool", "source addresses are filtered"),
    _spec("readonly", "bool", "the target only serves reads", aliases=("read_only",)),
    _spec("is_public", "bool", "the flow crosses the public Internet"),
    _spec("is_signed", "bool", "what it carries is signed and the signature is verified", aliases=("signed",)),
    _spec("format", "text", "payload format, free text (JSON, XML, SOAP, java-serialized, pickle...)"),
    _spec("pairing", "enum", "how the Bluetooth link pairs (just-works, static-pin, passkey, numeric-comparison, oob)",
          PAIRING_MODES, aliases=("pairing_method", "pairing_mode", "ble_pairing", "bluetooth_pairing"),
          value_aliases=_PAIRING_ALIASES),
    _spec("requires_review", "bool", "a push into a source repository that lands only through a reviewed, approved "
          "pull request", aliases=("branch_protection", "protected_branches", "requires_code_review", "code_review",
                                   "review_required", "required_reviews")),
    _spec("pre_auth", "bool", "part of signing in, signing up or recovering an account: sent before any login "
          "by design", aliases=("pre_login", "pre_authentication")),
    *_controls(FLOW_CONTROL_KEYS),
)

PROTOCOL_STYLE_KEYS = _table(
    _spec("color", "text", "diagram colour", aliases=("colour",)),
    _spec("line_style", "enum", "diagram line style", LINE_STYLES),
    _spec("width", "number", "diagram line width"),
    _spec("description", "text", "free text"),
)

MULTIPLIER_KEYS = _table(
    _spec("factor", "number", "the multiplier, > 0 (instead of '- **Name**: 1.5')",
          aliases=("multiplier", "value")),
    _spec("description", "text", "why"),
)

ACCEPTED_KEYS = _table(
    _spec("target", "ref", "the element, flow, boundary or data asset (default: every target of the rule)",
          aliases=("element", "flow")),
    _spec("reason", "text", "why the threat does not apply or is accepted (required)",
          aliases=("justification", "because")),
    _spec("owner", "text", "who accepted it"),
)

STRIDE_VALUES: tuple[str, ...] = ("spoofing", "tampering", "repudiation", "information-disclosure", "denial-of-service",
                                  "elevation-of-privilege")
THREAT_STATUSES: tuple[str, ...] = ("open", "mitigated", "accepted", "not-applicable")
THREAT_LEVELS: tuple[str, ...] = ("low", "medium", "elevated", "high", "critical")
THREAT_LIKELIHOODS: tuple[str, ...] = ("unlikely", "likely", "very-likely", "frequent")

# Hand-written threats (## Threats): what a person found, next to what the rules derive.
THREAT_KEYS = _table(
    *_COMMON,
    _spec("target", "ref", "the element, flow, boundary or data asset the threat is about (required)",
          aliases=("element", "flow")),
    _spec("stride", "enum", "STRIDE category", STRIDE_VALUES, aliases=("category",),
          value_aliases=(("informationdisclosure", "information-disclosure"), ("info-disclosure", "information-disclosure"),
                         ("denialofservice", "denial-of-service"), ("dos", "denial-of-service"),
                         ("elevationofprivilege", "elevation-of-privilege"), ("eop", "elevation-of-privilege"))),
    _spec("severity", "enum", "how bad it is (the impact at likelihood 'likely')", THREAT_LEVELS,
          aliases=("impact",), value_aliases=(("very-high", "critical"), ("med", "medium"))),
    _spec("likelihood", "enum", "how likely (default: likely)", THREAT_LIKELIHOODS),
    _spec("status", "enum", "open (default), mitigated, accepted or not applicable", THREAT_STATUSES,
          value_aliases=(("na", "not-applicable"), ("n-a", "not-applicable"), ("false-positive", "not-applicable"))),
    _spec("mitigation", "text", "what is done, or to do, about it"),
    _spec("id", "text", "a stable id from the tool it came from (keeps the threat id when the name changes)"),
    _spec("cwe", "list", "CWE ids (CWE-79)"),
    _spec("capec", "list", "CAPEC ids (CAPEC-66)"),
)

MITRE_KEYS = _table(
    _spec("tactics", "list", "ATT&CK tactic names", aliases=("tactic",)),
    _spec("techniques", "any", "list of {id, name} (or technique ids)", aliases=("technique",)),
    _spec("description", "text", "free text"),
)

# --- sections -----------------------------------------------------------------------------

# Canonical section id -> heading as documented.
SECTIONS: dict[str, str] = {
    "description": "Description",
    "boundaries": "Boundaries",
    "actors": "Actors",
    "servers": "Servers",
    "processes": "Processes",
    "datastores": "Datastores",
    "external_entities": "External Entities",
    "data": "Data",
    "dataflows": "Dataflows",
    "protocol_styles": "Protocol Styles",
    "severity_multipliers": "Severity Multipliers",
    "custom_mitre_mapping": "Custom Mitre Mapping",
    "accepted_threats": "Accepted Threats",
    "threats": "Threats",
}

# Element sections -> element kind (a key of schema.ELEMENT_KINDS).
SECTION_KINDS: dict[str, str] = {
    "actors": "actor",
    "servers": "server",
    "processes": "process",
    "datastores": "datastore",
    "external_entities": "external",
}

# Sections made of `- **Name**: ...` entries (all but Description).
ENTRY_SECTIONS: frozenset[str] = frozenset(SECTIONS) - {"description"}

_SECTION_ALIASES: dict[str, str] = {
    "description": "description", "overview": "description",
    "boundaries": "boundaries", "zones": "boundaries", "trust boundaries": "boundaries",
    "trust zones": "boundaries",
    "actors": "actors", "users": "actors",
    "servers": "servers", "nodes": "servers",
    "processes": "processes",
    "datastores": "datastores", "data stores": "datastores",
    "external entities": "external_entities", "externals": "external_entities",
    "external entity": "external_entities",
    "data": "data", "data assets": "data", "assets": "data",
    "dataflows": "dataflows", "data flows": "dataflows", "flows": "dataflows",
    "protocol styles": "protocol_styles",
    "severity multipliers": "severity_multipliers", "multipliers": "severity_multipliers",
    "custom mitre mapping": "custom_mitre_mapping", "custom mitre mappings": "custom_mitre_mapping",
    "mitre mapping": "custom_mitre_mapping",
    "accepted threats": "accepted_threats", "suppressions": "accepted_threats",
    "accepted risks": "accepted_threats", "risk acceptance": "accepted_threats",
    "threats": "threats", "manual threats": "threats", "hand written threats": "threats", "known threats": "threats",
}

_SECTION_KEYS: dict[str, dict[str, KeySpec]] = {
    "boundaries": BOUNDARY_KEYS,
    **{s: ELEMENT_KEYS for s in SECTION_KINDS},
    "data": DATA_KEYS,
    "dataflows": FLOW_KEYS,
    "protocol_styles": PROTOCOL_STYLE_KEYS,
    "severity_multipliers": MULTIPLIER_KEYS,
    "custom_mitre_mapping": MITRE_KEYS,
    "accepted_threats": ACCEPTED_KEYS,
    "threats": THREAT_KEYS,
}

# (section, spelling) -> canonical key, built once: lookups stay O(1) per attribute.
_ALIAS_INDEX: dict[str, dict[str, str]] = {}
for _section, _keys in _SECTION_KEYS.items():
    _index: dict[str, str] = {}
    for _s in _keys.values():
        _index[_s.key] = _s.key
        for _a in _s.aliases:
            _index[_a] = _s.key
    _ALIAS_INDEX[_section] = _index


def _section_text(heading: str) -> str:
    text = heading.strip().rstrip(":").replace("_", " ").replace("-", " ")
    return " ".join(text.split()).lower()


def section_for(heading: str) -> str | None:
    """The canonical section id for a heading or YAML key (case-insensitive, aliases), else None."""
    return _SECTION_ALIASES.get(_section_text(heading))


def section_names() -> list[str]:
    """Documented headings, for 'did you mean' hints."""
    return list(SECTIONS.values())


def section_aliases() -> dict[str, str]:
    """Every heading spelling a reader accepts (lower case, single spaces) -> section id."""
    return dict(_SECTION_ALIASES)


def keys_for(section: str) -> dict[str, KeySpec]:
    """The known keys of an entry section (canonical key -> spec)."""
    return _SECTION_KEYS.get(section, {})


def is_extension_key(key: str) -> bool:
    """x-... keys (x_tmlogic_ignore, x_owner) belong to tools and users: kept, never warned about."""
    return key.startswith("x_")


@lru_cache(maxsize=4096)
def resolve_key(section: str, key: str) -> tuple[str, KeySpec | None]:
    """(canonical key, spec) for a key as written; spec is None when the key is unknown."""
    canon = canonical_key(key)
    real = _ALIAS_INDEX.get(section, {}).get(canon)
    if real is None:
        return canon, None
    return real, _SECTION_KEYS[section][real]


def canonical_enum(value: str, spec: KeySpec) -> str | None:
    """The allowed value an enum spelling stands for (TOP_SECRET -> top-secret), or None."""
    if spec.key == "classification":
        return canonical_classification(value)
    folded = _fold(value)
    folded = dict(spec.value_aliases).get(folded, folded)
    return folded if folded in spec.values else None
