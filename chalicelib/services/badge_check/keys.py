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
    kid = header.get("kid")
    if isinstance(kid, str) and kid.startswith((issuer_id + "#", issuer_id + "/")):
        return _issuer_document_key(issuer_id, kid, report)
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


def _issuer_document_key(issuer_id: str, kid: str, report: Report) -> KeySet:
    """A `kid` that is a key URL under the issuer's own document (Laurel's since issue 18:
    `<profile>/keys/<thumbprint>`, answering with the key; or `<profile>#<name>`): the
    verification method with that id, controlled by the issuer and listed in the
    issuer's document for assertions (the relation credentials are issued under)."""
    def document(url: str, what: str) -> dict:
        code, body = get(url, report, what)
        return json_object(body, report, what) if code == 200 else {}

    def listed(doc: dict, name: str) -> list:
        value = doc.get(name)
        return value if isinstance(value, list) else []

    doc = document(kid.split("#", 1)[0], "issuer key")
    if doc.get("id") == kid:  # the URL answered with the key itself
        method: dict | None = doc
        controller_doc = document(issuer_id, "issuer profile")
    else:
        method = next((m for m in listed(doc, "verificationMethod")
                       if isinstance(m, dict) and m.get("id") == kid), None)
        controller_doc = doc
    if not method or method.get("controller") != issuer_id or controller_doc.get("id") != issuer_id \
            or kid not in listed(controller_doc, "assertionMethod") or not isinstance(method.get("publicKeyJwk"), dict):
        report.check("signature", False, f"the issuer publishes no assertion key {kid!r}")
        raise Failed
    return KeySet.import_key_set({"keys": [{**method["publicKeyJwk"], "kid": kid}]})
