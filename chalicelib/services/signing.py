"""Signing keys behind one interface each.

- VC-JWT (RS256): RSA keys held in KMS; only `kms:Sign` and `kms:GetPublicKey` are
  used, the private key never leaves KMS. Every key ever used is registered with its
  public JWK and stays in the JWKS after rotation, so old credentials keep verifying.
- Data Integrity (eddsa-rdfc-2022): an Ed25519 key derived from the Secrets Manager
  signing material (HKDF), because KMS Ed25519 keys are not available everywhere
  (nor in the embedded AWS). Swapping in a KMS-backed signer means implementing
  `Ed25519Signer` with `kms:Sign`; callers do not change.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..adapters import kms, secrets
from ..config import get_settings
from ..domain.clock import iso
from ..domain.errors import Conflict
from ..openbadges.urls import Urls
from ..store import openbadges as store
from . import caches, clock

if TYPE_CHECKING:
    from ..openbadges.data_integrity import LocalEd25519Signer

ED25519_KEY_FRAGMENT = "ed25519-1"


def urls() -> Urls:
    settings = get_settings()
    return Urls(base=settings.public_base_url, assets=settings.asset_base_url)


# ------------------------------------------------------------------ RSA / KMS / JWKS


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwk_from_der(der: bytes) -> dict:
    import hashlib
    import json

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(der)
    if not isinstance(key, RSAPublicKey):  # the KMS signing key is RSA (register_rsa_key)
        raise ValueError(f"the signing key is not an RSA key ({type(key).__name__})")
    numbers = key.public_numbers()
    jwk = {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e)}
    # RFC 7638 thumbprint as the key id: stable, derived from the key itself
    thumb = hashlib.sha256(json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":")).encode())
    kid = base64.urlsafe_b64encode(thumb.digest()).decode().rstrip("=")
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def register_rsa_key(kms_key_id: str) -> str:
    """Make `kms_key_id` the active VC-JWT key; earlier keys are retired but stay published."""
    jwk = _jwk_from_der(kms.public_key_der(kms_key_id))
    now = iso(clock.utcnow())
    previous = store.signing_keys()
    if store.add_signing_key(jwk["kid"], kms_key_id, jwk, now) is None:
        raise Conflict("this signing key is already registered", code="key_exists")
    for old in previous:
        if not old.retired_at:
            store.retire_signing_key(old, now)
    caches.forget(_active_key, "rsa")
    return jwk["kid"]


# The active key is read once per container and kept a few minutes (services/caches.py):
# a rotation takes effect in this container at once, in others within KEY_TTL_SECONDS,
# and the old key stays published, so credentials signed meanwhile keep verifying.
KEY_TTL_SECONDS = 300
_active_key = caches.ttl_cache(maxsize=1, ttl=KEY_TTL_SECONDS)


def active_rsa_key() -> Any:
    return caches.get_or_load(_active_key, "rsa", _load_active_rsa_key)


def _load_active_rsa_key() -> Any:
    keys = [k for k in store.signing_keys() if not k.retired_at]
    if not keys:
        if not get_settings().signing_key_id:
            raise RuntimeError("no signing key: run `python -m chalicelib.cli init` or set LAUREL_SIGNING_KEY_ID")
        register_rsa_key(get_settings().signing_key_id)
        keys = [k for k in store.signing_keys() if not k.retired_at]
    return keys[-1]


def sign_jwt(signing_input: str, key: Any) -> str:
    """One kms:Sign per token."""
    from ..openbadges.ob3 import b64url

    return signing_input + "." + b64url(kms.sign_rs256(key.kms_key_id, signing_input.encode()))


def jwks() -> dict:
    """Every RSA key ever registered, named by its RFC 7638 thumbprint: what credentials
    signed before issue 18 name in their `kid` (and what JWKS readers select by)."""
    return {"keys": [k.jwk for k in store.signing_keys()]}


def jwt_kid(tenant_id: str, key: Any) -> str:
    """The `kid` of a tenant's VC-JWTs: the URL of the key (a JsonWebKey verification
    method named by the JWK thumbprint), which answers with the key and is listed in
    the tenant's issuer profile, so a verifier resolves it from the credential alone.
    RFC 7515, 4.1.4: "The structure of the "kid" value is unspecified"; DID Core / CID on
    JWK methods: "It is RECOMMENDED that verification methods that use JWKs [RFC7517] to
    represent their public keys use the value of kid as their fragment identifier" (here
    the last path segment: a URL with a fragment does not answer with the key itself)."""
    return urls().key(tenant_id, key.kid)


# ------------------------------------------------------------------ Ed25519 (Data Integrity)


@lru_cache(maxsize=8)
def derived_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose (Ed25519 seed, session cookies, ...), derived by
    HKDF from the Secrets Manager material: one secret, independent keys."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = secrets.get_json(get_settings().secret_id)["session_key"].encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def _ed25519_seed() -> bytes:
    return derived_key(b"laurel ed25519 v1")


def ed25519_signer(tenant_id: str) -> LocalEd25519Signer:
    """The signer for a tenant's credentials; its verification method is listed in the
    tenant's Open Badges 3.0 issuer profile, so the issuer controls the key id."""
    from ..openbadges.data_integrity import LocalEd25519Signer

    return LocalEd25519Signer(_ed25519_seed(), key_id=urls().key(tenant_id, ED25519_KEY_FRAGMENT))


def key_document(tenant_id: str, name: str) -> dict | None:
    """What a key URL answers: the verification method on its own, with the context
    that defines its type (the DCC's Multikey reader requires the Multikey context),
    or None for a name the tenant has no key under."""
    from ..openbadges.ob3 import CID_CONTEXT

    wanted = urls().key(tenant_id, name)
    method = next((m for m in verification_methods(tenant_id) if m["id"] == wanted), None)
    if method is None:
        return None
    if method["type"] == "JsonWebKey":
        return {"@context": CID_CONTEXT, **method}
    return method  # multikey_document already carries the Multikey context


def verification_methods(tenant_id: str, did: str | None = None) -> list[dict]:
    """Every key the tenant's credentials and status lists are signed with: the Ed25519
    Data Integrity key (Multikey) and every RSA VC-JWT key ever registered, active or
    retired (JsonWebKey), so credentials signed before a rotation keep verifying.
    Identified by their key URLs (`Urls.key`), plus the Ed25519 key's old id
    `<profile>#ed25519-1` that stored credentials name; or under the tenant's did:web
    DID (`did`), as `<did>#<name>`."""
    from ..openbadges.data_integrity import multikey_document
    from ..openbadges.ob3 import jwk_verification_method

    signer = ed25519_signer(tenant_id)
    controller = did or urls().issuer(tenant_id)

    def key_id(name: str) -> str:
        return f"{did}#{name}" if did else urls().key(tenant_id, name)

    ed25519 = signer.public_key_multibase()
    methods = [multikey_document(key_id(ED25519_KEY_FRAGMENT), controller, ed25519)]
    if not did:
        methods.append(multikey_document(urls().profile_fragment(tenant_id, ED25519_KEY_FRAGMENT), controller, ed25519))
    for key in store.signing_keys():
        methods.append(jwk_verification_method(key_id(key.kid), controller, key.jwk))
    return methods
