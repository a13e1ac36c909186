"""Open Badges 3.0 (W3C Verifiable Credentials Data Model 2.0) documents and the
pieces of their proofs that need no key: JWT signing input, status lists.

Pure: signing happens behind the signer interfaces in services/signing.py.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import zlib
from collections.abc import Sequence
from datetime import datetime

from .urls import Urls

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB3_CONTEXT]
MEDIA_TYPE = "application/vc+ld+json"
JWT_MEDIA_TYPE = "application/vc+jwt"
STATUS_LIST_SIZE = 131072  # bits: the W3C minimum (16 KiB) keeps lists herd-private

ACHIEVEMENT_TYPES = {"certification": "Certification", "micro-credential": "MicroCredential", "badge": "Badge"}


def _image(url: str | None) -> dict | None:
    return {"id": url, "type": "Image"} if url else None


# The issuer profile is also the controlled identifier document of the tenant's keys.
# Controlled Identifiers v1.0 (abstract): "A controlled identifier document contains
# cryptographic material and lists service endpoints for the purposes of verifying
# cryptographic proofs from, and interacting with, the controller of an identifier."
# Its JSON-LD context https://www.w3.org/ns/cid/v1 defines `verificationMethod`,
# `assertionMethod`, `controller`, `alsoKnownAs`, `Multikey` and `JsonWebKey`. Without it
# JSON-LD expansion drops the key relations and jsonld-signatures' controller check
# ("not authorized by controller for proof purpose assertionMethod") fails.
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
# DID Core 1.0, JSON-LD representation: the DID context comes first in `@context`
# (then cid/v1, whose protected terms define the same IRIs and add the key types).
DID_CONTEXT = "https://www.w3.org/ns/did/v1"


def issuer_profile(issuer: dict, urls: Urls, image_url: str | None,
                   verification_methods: Sequence[dict] = (), also_known_as: Sequence[str] = ()) -> dict:
    doc: dict = {
        "@context": CONTEXTS,
        "id": urls.issuer(issuer["id"]),
        "type": ["Profile"],
        "name": issuer["name"],
        "url": issuer["url"],
    }
    if image_url:
        doc["image"] = _image(image_url)
    if verification_methods or also_known_as:
        doc["@context"] = CONTEXTS + [CID_CONTEXT]
    if also_known_as:
        doc["alsoKnownAs"] = list(also_known_as)
    if verification_methods:
        doc["verificationMethod"] = [_embedded(m) for m in verification_methods]
        doc["assertionMethod"] = [m["id"] for m in verification_methods]
    return doc


def did_document(did: str, verification_methods: Sequence[dict], also_known_as: Sequence[str]) -> dict:
    """The did:web DID document of a tenant: the profile's keys, re-identified under the DID."""
    return {
        "@context": [DID_CONTEXT, CID_CONTEXT],
        "id": did,
        "alsoKnownAs": list(also_known_as),
        "verificationMethod": [_embedded(m) for m in verification_methods],
        "assertionMethod": [m["id"] for m in verification_methods],
    }


def _embedded(method: dict) -> dict:
    """A method inside the document: the document's contexts define its terms (a
    nested Multikey context would redefine the protected term `Multikey` that
    cid/v1 already defines, which JSON-LD refuses)."""
    return {k: v for k, v in method.items() if k != "@context"}


def jwk_verification_method(key_id: str, controller: str, jwk: dict) -> dict:
    """A JsonWebKey verification method (CID 1.0). DID Core 1.0 / CID on publicKeyJwk:
    "The map MUST NOT contain "d", or any other members of the private information
    class"; "It is RECOMMENDED that verification methods that use JWKs [RFC7517] to
    represent their public keys use the value of kid as their fragment identifier."""
    public = {k: jwk[k] for k in ("kty", "n", "e", "crv", "x", "y", "kid", "alg", "use") if k in jwk}
    return {"id": key_id, "type": "JsonWebKey", "controller": controller, "publicKeyJwk": public}


def esco_alignment(tpl: dict) -> list[dict]:
    """The template's ESCO skills (issue 20) as OB 3.0 `Alignment`s, in the order of its skills.

    OB 3.0, Alignment: "Describes an alignment between an achievement and a node in an
    educational framework": `type` "MUST be an unordered set. One of the items MUST be the
    IRI 'Alignment'", `targetName` "Name of the alignment", `targetUrl` "URL linking to the
    official description of the alignment target" (the ESCO URI, which resolves to ESCO's
    page), `targetFramework` "Name of the framework the alignment target", `targetCode` "If
    applicable, a locally unique string identifier that identifies the alignment target
    within its framework" (the ESCO concept's UUID), `targetType` "The type of the alignment
    target node", an AlignmentTargetType: "ceasn:Competency" ("An alignment to a
    CTDL-ASN/CTDL competency"), "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
    "CFRubricCriterionLevel", "CTDL", or an extension term matching `(ext:)[a-z|A-Z|0-9|.|-|_]+`.
    An ESCO skill is a competency; "ceterms:Skill" is not among the values the schema allows.
    The terms are defined by the OB 3.0 context (`Alignment` -> schema.org AlignmentObject)."""
    uris = tpl.get("skill_uris") or {}
    return [{"type": ["Alignment"], "targetName": label, "targetUrl": uris[label], "targetFramework": "ESCO",
             "targetCode": uris[label].rsplit("/", 1)[-1], "targetType": "ceasn:Competency"}
            for label in tpl.get("skills") or [] if label in uris]


def credential(c: dict, urls: Urls, *, image_url: str | None, issuer_image_url: str | None,
               hashed_identity: str, status: dict) -> dict:
    """The unsigned OpenBadgeCredential for a stored credential `c`."""
    snap = c["snapshot"]
    tpl, issuer = snap["template"], snap["issuer"]
    criteria = {}
    if tpl["criteria"].get("url"):
        criteria["id"] = tpl["criteria"]["url"]
    if tpl["criteria"].get("narrative"):
        criteria["narrative"] = tpl["criteria"]["narrative"]
    achievement = {
        "id": f"urn:laurel:achievement:{issuer['id']}:{tpl['id']}:v{tpl['version']}",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[tpl["kind"]],
        "name": tpl["name"],
        "description": tpl["description"],
        "criteria": criteria,
    }
    if tpl.get("skills"):
        achievement["tag"] = list(tpl["skills"])
    if alignment := esco_alignment(tpl):
        achievement["alignment"] = alignment
    if image_url:
        achievement["image"] = _image(image_url)
    issuer_doc = {"id": urls.issuer(issuer["id"]), "type": ["Profile"], "name": issuer["name"], "url": issuer["url"]}
    if issuer_image_url:
        issuer_doc["image"] = _image(issuer_image_url)
    doc = {
        "@context": CONTEXTS,
        "id": urls.credential(c["credential_id"]),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": tpl["name"],
        "issuer": issuer_doc,
        "validFrom": c["issued_at"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": hashed_identity,
                "identityType": "emailAddress",
                "hashed": True,
                "salt": c["recipient_salt"],
            }],
            "achievement": achievement,
        },
        "credentialStatus": status,
    }
    if c.get("expires_at"):
        doc["validUntil"] = c["expires_at"]
    if image_url:
        doc["image"] = _image(image_url)
    evidence = []
    for e in c.get("evidence") or []:
        item = {"type": ["Evidence"]}
        if e.get("url"):
            item["id"] = e["url"]
        for key in ("narrative", "name"):
            if e.get(key):
                item[key] = e[key]
        evidence.append(item)
    if evidence:
        doc["evidence"] = evidence
    return doc


def status_entry(list_url: str, index: int) -> dict:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


# ------------------------------------------------------------------ VC-JWT (RS256)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def jwt_signing_input(vc: dict, kid: str, typ: str = "JWT") -> str:
    """Header and payload of the VC-JWT: the credential's members are the claims,
    with the registered claims iss, jti, nbf (and exp) derived from them.
    Credentials keep `typ` "JWT" (the VC-JWT rules Open Badges 3.0 builds on, VC Data
    Model 1.1: "typ, if present, MUST be set to JWT."); status lists use `vc+jwt`
    (see status_list_signing_input)."""
    header = {"alg": "RS256", "typ": typ, "kid": kid}
    issuer = vc["issuer"]["id"] if isinstance(vc["issuer"], dict) else vc["issuer"]
    payload = {k: v for k, v in vc.items() if k != "proof"}
    payload.update(iss=issuer, nbf=_epoch(vc["validFrom"]))
    if OB3_CONTEXT in vc["@context"]:  # `jti` is a term of the OB 3.0 context, not of VC 2.0's
        payload["jti"] = vc["id"]
    if vc.get("validUntil"):
        payload["exp"] = _epoch(vc["validUntil"])
    return b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())


def status_list_signing_input(status_list: dict, kid: str) -> str:
    """A BitstringStatusListCredential secured as a VC-JWT. VC-JOSE-COSE, "Securing JSON-LD
    Verifiable Credentials with JOSE": "The typ header parameter SHOULD be vc+jwt. When
    present, the cty header parameter SHOULD be vc." and "The unsecured verifiable
    credential is the unencoded JWS payload." (iss/nbf repeat issuer/validFrom, as in
    the credentials, for JWT libraries that check them; both are VC 2.0 context terms,
    so the payload still has no undefined term.)"""
    return jwt_signing_input(status_list, kid, typ="vc+jwt")


# ------------------------------------------------------------------ Bitstring Status List


def encode_bits(bits: bytes) -> str:
    """Multibase base64url (no padding, prefix `u`) of the GZIP-compressed bitstring."""
    return "u" + b64url(gzip.compress(bits, mtime=0))


def decode_bits(encoded: str, max_bytes: int = 2 * 1024 * 1024) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u' prefix)")
    raw = b64url_decode(encoded[1:])
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            bits = f.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:  # a corrupt GZIP stream is bad input, never a crash
        raise ValueError("encodedList is not a GZIP-compressed bitstring") from exc
    if len(bits) > max_bytes:
        raise ValueError("status list too large")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    """Bit 0 is the left-most (most significant) bit of the first byte."""
    byte, offset = divmod(index, 8)
    if index < 0 or byte >= len(bits):
        raise IndexError("status list index out of range")
    return bool(bits[byte] & (0x80 >> offset))


def set_bit(bits: bytes, index: int) -> bytes:
    out = bytearray(bits)
    byte, offset = divmod(index, 8)
    out[byte] |= 0x80 >> offset
    return bytes(out)


def status_list_credential(tenant_id: str, list_no: int, bits: bytes, urls: Urls, issuer_id: str, now: str,
                           form: str = "json") -> dict:
    """The unsecured list; `form` is where it is published: `json` (secured with a Data
    Integrity proof) or `jwt` (secured as a VC-JWT). Its `id` is the URL it is served at."""
    url = urls.status_list(tenant_id, list_no, form)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": now,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(bits),
        },
    }
