"""Signing keys behind one interface each.

- VC-JWT (RS256): RSA keys held in KMS; only `kms:Sign` and `kms:GetPublicKey` are
  used, the private key never leaves KMS. Every key ever used is registered with its
  public JWK and stays in the JWKS after rotation, so old credentials keep verifying.
- Data Integrity (eddsa-rdfc-2022): Ed25519 keys in generations (`ed25519-<n>`). Each
  generation's 32-byte seed is one version of its own Secrets Manager secret
  (`LAUREL_ED25519_SECRET_ID`); its public key, the secret's version id and whether it
  is retired are registered in the table. Public documents (issuer profile, key URLs,
  did.json) read only the table: every generation ever registered stays published, so
  proofs made before a rotation keep verifying. Only the active generation's seed is
  ever read, to sign. KMS Ed25519 keys are not available everywhere (nor in the
  embedded AWS); swapping in a KMS-backed signer means implementing `Ed25519Signer`
  with `kms:Sign`; callers do not change.

Generation 1 is the key Laurel used before issue 17, when the seed was derived by HKDF
from the session secret: every credential issued until then carries a proof by it
(named `<key url>/ed25519-1`, or `<profile>#ed25519-1` before issue 18). So the first
time any container needs an Ed25519 key and finds none registered, it derives that
seed once more and stores it as the secret's first version and generation 1 (a
conditional write: of containers racing, one registers). From then on the session
secret plays no part in Ed25519 and can be rotated on its own; later generations are
random (`rotate_ed25519`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import dataclass, field
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

ED25519_KEY_FRAGMENT = "ed25519-1"  # generation 1's name (the only one before issue 17)


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
        registered = next((k for k in previous if k.kid == jwk["kid"]), None)
        if registered is None or not registered.retired_at:
            raise Conflict("this signing key is already registered", code="key_exists")
        # back to a key used before (a rotation that turned out wrong): it signs again, published all along
        store.reactivate_signing_key(registered)
        previous = [k for k in previous if k is not registered]
    for old in previous:
        if not old.retired_at:
            store.retire_signing_key(old, now)
    caches.forget(_active_key, "rsa")
    from . import cdn

    cdn.keys_changed()  # the profiles, DID documents and JWKS the CDN holds name the keys
    return jwk["kid"]


# The active key is read once per container and kept a few minutes (services/caches.py):
# a rotation takes effect in this container at once, in others within KEY_TTL_SECONDS,
# and the old key stays published, so credentials signed meanwhile keep verifying.
KEY_TTL_SECONDS = 300
_active_key = caches.ttl_cache(maxsize=1, ttl=KEY_TTL_SECONDS)


def active_rsa_key() -> Any:
    return caches.get_or_load(_active_key, "rsa", _load_active_rsa_key)


def _load_active_rsa_key() -> Any:
    """The active VC-JWT key. A deployment names its key (LAUREL_SIGNING_KEY_ID); one
    that is not registered yet (the first deployment, or a new key deployed in place of
    the old) is registered now and the previous key retired, still published. A key
    that is registered already is left as it is: after an operator's rotation to
    another key the deployed setting may still name the older one, which must not
    become active again."""
    keys = store.signing_keys()
    deployed = get_settings().signing_key_id
    if deployed and not any(k.kms_key_id == deployed for k in keys):
        # another container may have registered it first (same key, same thumbprint): a Conflict is that
        with contextlib.suppress(Conflict):
            register_rsa_key(deployed)
        keys = store.signing_keys()
    active = [k for k in keys if not k.retired_at]
    if not active:
        raise RuntimeError("no signing key: run `python -m chalicelib.cli init` or set LAUREL_SIGNING_KEY_ID")
    return active[-1]


def rotate_rsa(kms_key_id: str) -> dict:
    """An operator's RSA rotation: `kms_key_id` (a KMS RSA signing key) becomes the
    active VC-JWT key. Refused with 400 when KMS has no such key, or it is not an RSA
    signing key; 409 when it is registered already."""
    from botocore.exceptions import ClientError

    from ..domain.errors import BadRequest

    try:
        # this process must be able to sign with it before it becomes the key every container signs with
        # (a deployed function's role reaches the stack's key only: another key is refused here, 400)
        kms.sign_rs256(kms_key_id, b"laurel: may this process sign with the key?")
        kid = register_rsa_key(kms_key_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise BadRequest(f"KMS cannot give the public key of this key ({code})", code="invalid_kms_key") from None
    except ValueError as exc:
        raise BadRequest(str(exc), code="invalid_kms_key") from None
    return {"kind": "rsa", "key": kid, "kms_key_id": kms_key_id}


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


# ------------------------------------------------------------------ rotation (operators)


def rotate(kind: str, kms_key_id: str | None = None) -> dict:
    """One rotation, for the operator route and the CLI (`rotate-keys`)."""
    if kind == "ed25519":
        return rotate_ed25519()
    if kind == "rsa" and kms_key_id:
        return rotate_rsa(kms_key_id)
    from ..domain.errors import BadRequest

    raise BadRequest("kind is ed25519, or rsa with a kms_key_id", code="invalid_rotation")


# ------------------------------------------------------------------ Ed25519 (Data Integrity)


@lru_cache(maxsize=8)
def derived_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose (Ed25519 seed, session cookies, ...), derived by
    HKDF from the Secrets Manager material: one secret, independent keys."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = secrets.get_json(get_settings().secret_id)["session_key"].encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def _legacy_ed25519_seed() -> bytes:
    """The seed of generation 1: what Laurel derived before issue 17 (migration only)."""
    return derived_key(b"laurel ed25519 v1")


def ed25519_key_name(generation: int) -> str:
    return f"ed25519-{int(generation)}"


@dataclass(frozen=True)
class ActiveEd25519:
    generation: int
    seed: bytes = field(repr=False)  # never in a log line


def _public_multibase(seed: bytes) -> str:
    from ..openbadges.data_integrity import LocalEd25519Signer

    return LocalEd25519Signer(seed, key_id="urn:laurel:unpublished").public_key_multibase()


def _store_seed(generation: int, seed: bytes) -> str:
    """The seed as a new (pending) version of the Ed25519 secret; its version id."""
    value = json.dumps({"generation": generation, "seed": base64.urlsafe_b64encode(seed).decode()})
    return secrets.put_string(get_settings().ed25519_secret_id, value,
                              "Laurel Ed25519 (Data Integrity) seeds, one version per generation")


def _register(generation: int, seed: bytes, retire: Any = None) -> Any:
    """Write the seed, then register its public key (and retire `retire`) in one
    conditional transaction; only then is the version made the secret's current one.
    None when another writer won the race (its version stays pending, unused)."""
    version = _store_seed(generation, seed)
    item = store.add_ed25519_key(generation, _public_multibase(seed), version, iso(clock.utcnow()), retire=retire)
    if item is not None:
        secrets.promote(get_settings().ed25519_secret_id, version)
    return item


def ed25519_keys() -> list[Any]:
    """Every Ed25519 generation, oldest first; generation 1 migrated if none is yet."""
    keys = store.ed25519_keys()
    if not keys:
        _register(1, _legacy_ed25519_seed())  # once per deployment (see the module docstring)
        keys = store.ed25519_keys()
        # lost to another container's registration that may still be committing: look again, a little later
        for attempt in range(3):
            if keys:
                break
            clock.sleep(0.05 * 2 ** attempt)
            keys = store.ed25519_keys()
    return keys


_active_ed25519 = caches.ttl_cache(maxsize=1, ttl=KEY_TTL_SECONDS)


def active_ed25519() -> ActiveEd25519:
    """The active generation and its seed, read once per container and kept
    KEY_TTL_SECONDS (like the RSA key): a rotation reaches other containers within it."""
    return caches.get_or_load(_active_ed25519, "ed25519", _load_active_ed25519)


def _load_active_ed25519() -> ActiveEd25519:
    active = [k for k in ed25519_keys() if not k.retired_at]
    if not active:
        raise RuntimeError("no active Ed25519 key: every generation is retired")
    item = active[-1]
    value = json.loads(secrets.get_string(get_settings().ed25519_secret_id, item.secret_version_id))
    seed = base64.urlsafe_b64decode(value["seed"])
    if _public_multibase(seed) != item.public_key_multibase:  # never sign with a key nobody can verify
        raise RuntimeError(f"the seed of Ed25519 generation {item.generation} does not match its public key")
    return ActiveEd25519(int(item.generation), seed)


def rotate_ed25519() -> dict:
    """A new random Ed25519 generation becomes the active one; the previous one is
    retired (it signs no more) and stays published. 409 when another rotation won."""
    keys = ed25519_keys()
    current = next((k for k in reversed(keys) if not k.retired_at), None)
    generation = int(keys[-1].generation) + 1
    item = _register(generation, os.urandom(32), retire=current)
    if item is None:
        raise Conflict("another key rotation happened at the same time; look at the keys and retry",
                       code="rotation_conflict")
    caches.forget(_active_ed25519, "ed25519")
    from . import cdn

    cdn.keys_changed()  # the profiles, key URLs and DID documents the CDN holds list the generations
    return {"kind": "ed25519", "key": ed25519_key_name(generation), "generation": generation,
            "retired": ed25519_key_name(int(current.generation)) if current is not None else None}


def ed25519_signer(tenant_id: str) -> LocalEd25519Signer:
    """The signer for a tenant's credentials (the active generation); its verification
    method is listed in the tenant's Open Badges 3.0 issuer profile, so the issuer
    controls the key id."""
    from ..openbadges.data_integrity import LocalEd25519Signer

    active = active_ed25519()
    return LocalEd25519Signer(active.seed, key_id=urls().key(tenant_id, ed25519_key_name(active.generation)))


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
    """Every key the tenant's credentials and status lists are signed with: every
    Ed25519 Data Integrity generation (Multikey) and every RSA VC-JWT key ever
    registered, active or retired (JsonWebKey), so credentials signed before a rotation
    keep verifying. Identified by their key URLs (`Urls.key`), plus generation 1's old
    id `<profile>#ed25519-1` that stored credentials name; or under the tenant's did:web
    DID (`did`), as `<did>#<name>`. Public halves only: no secret is read."""
    from ..openbadges.data_integrity import multikey_document
    from ..openbadges.ob3 import jwk_verification_method

    controller = did or urls().issuer(tenant_id)

    def key_id(name: str) -> str:
        return f"{did}#{name}" if did else urls().key(tenant_id, name)

    methods = []
    for ed in ed25519_keys():
        name = ed25519_key_name(ed.generation)
        methods.append(multikey_document(key_id(name), controller, ed.public_key_multibase))
        if not did and name == ED25519_KEY_FRAGMENT:
            methods.append(multikey_document(urls().profile_fragment(tenant_id, name), controller,
                                             ed.public_key_multibase))
    for key in store.signing_keys():
        methods.append(jwk_verification_method(key_id(key.kid), controller, key.jwk))
    return methods
