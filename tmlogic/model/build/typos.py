"""Unknown keys that are likely typos of a key whose meaning changes the threats: `isTrsted=True`
leaves the zone untrusted, `is_encrpted` the flow unencrypted. The build makes these errors (unless
lenient); other unknown keys stay warnings."""

from __future__ import annotations

from ..vocabulary import resolve_key

__all__ = ["SECURITY_KEYS", "resembled_security_key"]

# Canonical key -> what a typo of it does to the model.
SECURITY_KEYS = {
    "is_trusted": "the zone stays untrusted", "is_encrypted": "it stays unencrypted",
    "is_authenticated": "it stays unauthenticated", "authentication": "its authentication stays unknown",
    "classification": "the data stays unclassified", "boundary": "it sits in no zone",
    "from": "the flow loses its source", "to": "the flow loses its target",
}


def resembled_security_key(key: str, section: str, pool: list[str]) -> str | None:
    """The security-relevant canonical key an unknown key is a likely typo of, else None."""
    import difflib  # here: a model without unknown keys never needs it (some 4.7 M instructions to import)

    for close in difflib.get_close_matches(key.lower(), [p.lower() for p in pool], n=2, cutoff=0.75):
        canon, spec = resolve_key(section, close)  # "form" is as close to from as to format: either counts
        if spec is not None and canon in SECURITY_KEYS:
            return canon
    return None
