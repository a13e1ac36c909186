"""openbadgeslib (PyPI, pinned in requirements-dev.txt) on Laurel's output.

openbadgeslib finds an OB 3.0 key only through a DID (did:key, did:web: its
`for_issuer_did`, `resolve_verification_method`) or a key handed to it
(`pubkey_pem`). Laurel's issuer is an https profile, so where the JWT `kid` or the
proof's `verificationMethod` is an https key URL, `key_pem` dereferences it the way a
controller document is read (the document at the URL without its fragment, the
verification method whose `id` is the whole URL) and hands openbadgeslib that key;
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


def key_pem(key_url: str, web: LaurelWeb) -> bytes:
    """The public key (PEM) that `key_url` names, or OB3VerificationError."""
    if not isinstance(key_url, str) or not key_url:
        raise OB3VerificationError(f"no key named: {key_url!r}")
    if key_url.startswith("did:"):
        return obl_did.resolve_verification_method(key_url, download=web.fetch)
    if not key_url.startswith("https://"):
        raise OB3VerificationError(f"key id {key_url!r} is neither a DID URL nor an absolute https URL: "
                                   "nothing resolves it")
    document = web.json(key_url)
    for relation in ("verificationMethod", "assertionMethod"):
        for method in document.get(relation) or []:
            if isinstance(method, dict) and method.get("id") == key_url:
                return obl_did._pem_from_vm(method)
    raise OB3VerificationError(f"{key_url.split('#')[0]} lists no verification method {key_url!r}")
