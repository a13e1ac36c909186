"""Where the verifier finds an issuer's public keys."""

from __future__ import annotations

from urllib.parse import urlsplit

from joserfc.jwk import KeySet

from .fetching import get, json_object
from .report import Failed, Report


def jwt_keys(issuer_id: str, header: dict, report: Report) -> KeySet:
    """The keys that may have signed a JWS whose protected header is `header`, issued by
    `issuer_id`. A failure is a failed "signature" check (raises Failed)."""
    # The key must come from the issuer: its origin's JWKS, selected by `kid`. A key
    # carried in the token's own header proves nothing and is never trusted.
    parts = urlsplit(issuer_id)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        report.check("signature", False, "the issuer is not a URL whose JWKS can be fetched")
        raise Failed
    code, body = get(f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json", report, "issuer JWKS")
    keyset = json_object(body, report, "JWKS") if code == 200 else {}
    candidates = [k for k in keyset.get("keys") or [] if isinstance(k, dict) and k.get("kid") == header.get("kid")]
    if not candidates:
        report.check("signature", False, f"the issuer publishes no key {header.get('kid')!r}")
        raise Failed
    return KeySet.import_key_set({"keys": candidates})
