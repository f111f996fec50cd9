"""Security controls and attributes as model keys, in the terms pytm's threat library reads.

pytm describes an element by its controls (`controls.sanitizesInput`, `controls.disablesDTD`...)
and a few attributes (`usesSessionTokens`, `tlsVersion`, LLM capabilities). Where the model
language already has a key for the same thing (sanitizes_input, validates_input, is_hardened,
vpn...), that key is used; the rest are here, named as pytm names them in snake case, so that
`tmlogic import pytm` keeps them and the opt-in pytm rule pack (packs/pytm/) can read them.
vocabulary.py adds these tables to the element and flow keys; docs/model-language.md lists them.

Every key is optional and says only what it says: a control that is not written is unknown,
never taken as absent (docs/pytm.md).
"""

from __future__ import annotations

__all__ = ["ELEMENT_CONTROL_KEYS", "FLOW_CONTROL_KEYS", "CONTROL_KEY_ALIASES", "TLS_VERSIONS", "TLS_VERSION_ALIASES"]

# (key, kind, what it says when true / holds)
ELEMENT_CONTROL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("checks_input_bounds", "bool", "sizes and bounds of input are checked before use (buffers, arrays)"),
    ("uses_secure_functions", "bool", "uses only memory-safe functions (no strcpy, gets, sprintf)"),
    ("uses_parameterized_input", "bool", "queries and commands take input as parameters, never by concatenation"),
    ("validates_headers", "bool", "HTTP headers are validated"),
    ("encodes_headers", "bool", "data written into HTTP headers is encoded (no CR/LF injection)"),
    ("implements_strict_http_validation", "bool", "requests that do not follow the HTTP grammar are refused"),
    ("validates_content_type", "bool", "the content type of what it receives is checked"),
    ("invokes_script_filters", "bool", "script content is filtered out of what it serves"),
    ("disables_dtd", "bool", "its XML parsers refuse document type definitions (no external entities)"),
    ("disables_iframes", "bool", "its pages refuse to be framed (frame-ancestors, X-Frame-Options)"),
    ("uses_strong_session_identifiers", "bool", "session ids are long, random and unpredictable"),
    ("verify_session_identifiers", "bool", "session ids are checked on every request"),
    ("implements_csrf_token", "bool", "state-changing requests carry an anti-CSRF token"),
    ("encrypts_cookies", "bool", "cookies are encrypted"),
    ("encrypts_session_data", "bool", "session data is encrypted"),
    ("defines_connection_timeout", "bool", "idle sessions and connections time out"),
    ("implements_server_side_validation", "bool", "every check made in the client is made again on the server"),
    ("implements_polp", "bool", "runs with least privilege: only the rights its job needs"),
    ("uses_code_signing", "bool", "the code it runs is signed and the signature verified"),
    ("provides_integrity", "bool", "protects the integrity of what it holds and sends (signatures, MACs)"),
    ("provides_confidentiality", "bool", "protects the confidentiality of what it holds and sends"),
    ("uses_encryption_algorithm", "text", "the encryption algorithm it uses (AES, RSA...)"),
    ("uses_environment_variables", "bool", "reads configuration or input from environment variables"),
    ("implements_api", "bool", "offers an API to other programs"),
    ("uses_session_tokens", "bool", "keeps sessions with tokens (cookies, bearer tokens)"),
    ("uses_cache", "bool", "keeps copies of data in a cache"),
    ("uses_xml_parser", "bool", "parses XML"),
    ("is_shared", "bool", "a datastore that several applications or tenants use"),
    ("has_physical_access", "bool", "an external entity with physical access to the system"),
    ("allows_client_side_scripting", "bool", "its pages run scripts in the browser"),
    ("min_tls_version", "enum", "the lowest TLS version it accepts"),
    ("max_classification", "enum", "the highest data classification it is cleared to handle"),
    ("processes_personal_data", "bool", "an LLM that sees personal data"),
    ("processes_untrusted_input", "bool", "an LLM whose prompts hold text from untrusted people or content"),
    ("has_content_filtering", "bool", "an LLM whose input and output are filtered (guardrails)"),
    ("has_system_prompt", "bool", "an LLM steered by a system prompt"),
    ("has_rag", "bool", "an LLM whose prompts include retrieved documents"),
    ("has_fine_tuning", "bool", "an LLM fine-tuned on the organisation's data"),
    ("has_agent_capabilities", "bool", "an LLM that acts through tools"),
    ("has_access_to_sensitive_systems", "bool", "an LLM whose tools reach sensitive systems"),
    ("executes_code", "bool", "an LLM (or agent) that runs the code it writes"),
    ("uses_external_tools", "bool", "an agent that launches external tools or local servers"),
    ("validates_tool_launch_config", "bool", "an agent that checks tool launch configuration against a policy"),
)

FLOW_CONTROL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("tls_version", "enum", "the TLS version the flow uses"),
    ("authenticates_destination", "bool", "the client verifies the server's identity (its certificate)"),
    ("checks_destination_revocation", "bool", "the client checks that the server's certificate is not revoked"),
    ("uses_session_tokens", "bool", "the flow carries session tokens (cookies, bearer tokens)"),
    ("max_classification", "enum", "the highest data classification the flow is cleared to carry"),
)

# Spellings that snake-casing pytm's names gives and that differ from the key: disablesiFrames.
CONTROL_KEY_ALIASES: dict[str, tuple[str, ...]] = {"disables_iframes": ("disablesi_frames",)}

TLS_VERSIONS: tuple[str, ...] = ("none", "ssl-1", "ssl-2", "ssl-3", "tls-1-0", "tls-1-1", "tls-1-2", "tls-1-3")


def _tls_aliases() -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for n in range(4):
        canon = f"tls-1-{n}"
        out += [(f"tlsv1-{n}", canon), (f"tls1-{n}", canon), (f"1-{n}", canon), (f"tlsv1{n}", canon),
                (f"tls-v1-{n}", canon), (f"tls1{n}", canon)]
    out += [("tls-1", "tls-1-0"), ("tlsv1", "tls-1-0"), ("tls1", "tls-1-0")]
    for n in range(1, 4):
        out += [(f"sslv{n}", f"ssl-{n}"), (f"ssl{n}", f"ssl-{n}"), (f"ssl-v{n}", f"ssl-{n}"),
                (f"ssl-{n}-0", f"ssl-{n}"), (f"sslv{n}-0", f"ssl-{n}")]
    return tuple(out)


TLS_VERSION_ALIASES: tuple[tuple[str, str], ...] = _tls_aliases()
