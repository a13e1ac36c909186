"""openbadgeslib (PyPI, pinned in requirements-dev.txt) on Laurel's output.

openbadgeslib finds an OB 3.0 key only through a DID (did:key, did:web: its
`for_issuer_did`, `resolve_verification_method`) or a key handed to it
(`pubkey_pem`). Laurel's issuer is an https profile, so where the JWT `kid` or the
proof's `verificationMethod` is an https key URL, `key_pem` dereferences it the way a
controller document is read (the key at the URL, controlled by the issuer and listed
under its assertionMethod) and hands openbadgeslib that key;
a `did:` URL is resolved by openbadgeslib itself. Either way nothing but the
credential names the key: a bare thumbprint `kid` resolves to nothing.
"""

from __future__ import annotations

import base64
import json

from openbadgeslib.ob3 import did as obl_did
from openbadgeslib.ob3.verifier import OB3VerificationError

from tests.interop.laurel_web import LaurelWeb


def jwt_header(token: str) -> dict:
    head = token.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def key_pem(key_url: str, web: LaurelWeb, issuer_id: str) -> bytes:
    """The public key (PEM) that `key_url` names for a credential of `issuer_id`, or
    OB3VerificationError. An https key URL is read as W3C Controlled Identifiers 1.0
    reads a verification method: the document at the URL is the key (or, for a
    `#fragment`, the node of the controller document with that id); its `controller`
    must be the issuer, and the issuer's controller document must list it under
    `assertionMethod` ("the verification method ... authorized by the controller for
    the purpose")."""
    if not isinstance(key_url, str) or not key_url:
        raise OB3VerificationError(f"no key named: {key_url!r}")
    if key_url.startswith("did:"):
        return obl_did.resolve_verification_method(key_url, download=web.fetch)
    if not key_url.startswith("https://"):
        raise OB3VerificationError(f"key id {key_url!r} is neither a DID URL nor an absolute https URL: "
                                   "nothing resolves it")
    document = web.json(key_url)
    if document.get("id") != key_url:
        document = next((m for m in document.get("verificationMethod") or []
                         if isinstance(m, dict) and m.get("id") == key_url), {})
    if document.get("id") != key_url:
        raise OB3VerificationError(f"{key_url} does not answer with the key it names")
    if document.get("controller") != issuer_id:
        raise OB3VerificationError(f"key {key_url} is controlled by {document.get('controller')!r}, "
                                   f"not by the issuer {issuer_id!r}")
    controller = web.json(issuer_id)
    authorized = [m if isinstance(m, str) else m.get("id") for m in controller.get("assertionMethod") or []]
    if key_url not in authorized:
        raise OB3VerificationError(f"the issuer's controller document does not list {key_url} under assertionMethod")
    return obl_did._pem_from_vm(document)
