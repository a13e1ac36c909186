"""Where the verifier finds an issuer's public keys (issue 18, rule 4).

The rule every path follows is key provenance: a key verifies a credential only when the
credential's issuer controls it. Texts followed:

- OB 3.0, 8.2.1 JOSE header: "`kid`: A URI that can be dereferenced to an object of type JWK
  representing the public key used to verify the signature. If you do not include a `kid`
  property in the header, you MUST include the public key in the `jwk` property."
  OB 3.0, Dereferencing the Public Key: "This specification allows the use of an HTTP URL
  (e.g. https://1edtech.org/keys/1) or a DID URL (e.g. did:key:123)".
- OB 3.0 Implementation Guide, Key provenance (verifier): "a verifier must build a well-known
  url with the authority part of the issuer's id: https://{authority}/.well-known/jwks.json
  ... If the key in the JOSE Header in referenced by the kid field, this kid must be in the
  set. On the other hand, if the key is represented by the jwk field, this jwk must be in the
  set with any specified kid. If the found JWT in the set contains the member iss, this must
  be equal to issuer's id. ... The credential should be considered invalid and not
  trustworthy if the key provenance cannot be verified".
  And for Data Integrity (quoting VC Data Integrity 2.6): "ensure that the value of the
  controller property of a proof's verification method matches the URL value used to
  identify the issuer".
- Controlled Identifiers v1.0 (controller documents, DID documents, issuer profiles): a
  verification method is retrieved from the document its id names (the id without the
  fragment); that document's `id` must be that URL, the method's `controller` must be that
  document's id, and the method must be referenced from the verification relationship the
  proof is for (`assertionMethod` for credentials).
- did:key v0.7: the key is the multibase value after `did:key:` (multicodec ed25519-pub
  0xed or p256-pub 0x1200), and the DID document's one method is `did:key:<v>#<v>`.
- did:web v1.0: `did:web:<host>[:<path>...]` is read from https://<host>/<path>/did.json, or
  https://<host>/.well-known/did.json without a path ("%3A" in the host is the port's colon);
  "the id of the resolved DID document MUST match the Web DID being resolved" (read: it is
  checked).

So a key is accepted from: the document a `kid` (key URL or DID URL) dereferences to when
that document is the issuer's (a DID of the issuer, the issuer profile, or a URL on the
issuer's origin); did:key/did:web issuers' DID documents; the issuer profile's verification
methods; and the issuer origin's JWKS. A `jwk` header is used only when the same key
(RFC 7638 thumbprint) is one of those.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import KeySet, import_key

from .fetching import get
from .report import Failed, Report

ASSERTION = "assertionMethod"


class KeyError_(Exception):  # noqa: N801 - a KeyError that is not the builtin's
    """A key could not be found or is not the issuer's; the message says why (shown)."""


@dataclass(frozen=True)
class Method:
    """A verification method the verifier found: its id, who controls it, its key as a
    public JWK (and the Multikey value for Ed25519 Data Integrity proofs)."""

    id: str
    controller: str
    jwk: dict
    multibase: str | None = None
    authorized: bool = True  # referenced from the controller's assertionMethod relationship


# ------------------------------------------------------------------ encodings

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _B58.find(ch)
        if i < 0:
            raise ValueError("not base58-btc")
        n = n * 58 + i
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def _b58encode(data: bytes) -> str:
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def multikey_to_jwk(multibase: str) -> dict:
    """A Multikey `publicKeyMultibase` (base58-btc, "z") as a public JWK: Ed25519 (0xed01)
    or P-256 (0x8024, compressed point)."""
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise KeyError_("the key is not multibase base58-btc")
    raw = _b58decode(multibase[1:])
    if raw[:2] == b"\xed\x01" and len(raw) == 34:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(raw[2:])}
    if raw[:2] == b"\x80\x24" and len(raw) == 35:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:]).public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _b64u(point.x.to_bytes(32, "big")),
                "y": _b64u(point.y.to_bytes(32, "big"))}
    raise KeyError_("the key is neither an Ed25519 nor a P-256 Multikey")


def jwk_to_multikey(jwk: dict) -> str | None:
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and isinstance(jwk.get("x"), str):
        return "z" + _b58encode(b"\xed\x01" + _b64u_decode(jwk["x"]))
    return None


def _public_jwk(jwk: Any) -> dict:
    """A public JWK, refusing private material (OB 3.0: "The JWK MUST never contain "d"")."""
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise KeyError_("not a JWK")
    if any(k in jwk for k in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise KeyError_("the JWK carries private key material")
    return jwk


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256): the same key, whatever other members it carries."""
    return str(import_key(_public_jwk(jwk)).thumbprint())


# ------------------------------------------------------------------ documents

def _absolute(ref: str, base: str) -> str:
    return base + ref if ref.startswith("#") else ref


def did_web_url(did: str) -> str:
    """did:web v1.0, 3.2 Read (Resolve): the DID document's https URL."""
    parts = did[len("did:web:"):].split(":")
    host = unquote(parts[0])
    if not host or "/" in host or "@" in host:
        raise KeyError_(f"{did} is not a did:web identifier")
    path = "/".join(unquote(p) for p in parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def did_key_document(did: str) -> dict:
    """did:key v0.7, 3.1.1 Document Creation: one method, `did#<multibase>`, controlled by the
    DID, referenced from assertionMethod (and the other relationships)."""
    value = did[len("did:key:"):]
    method_id = f"{did}#{value}"
    try:
        jwk = multikey_to_jwk(value)
    except ValueError:  # not base58, or not a point on the curve
        raise KeyError_(f"{did} is not a valid did:key") from None
    return {"id": did, "verificationMethod": [{"id": method_id, "type": "Multikey", "controller": did,
                                                "publicKeyMultibase": value, "_jwk": jwk}],
            ASSERTION: [method_id], "authentication": [method_id]}


def _document(doc_url: str, report: Report) -> dict:
    """The JSON object at `doc_url` (an https URL or a did:web DID)."""
    where = did_web_url(doc_url) if doc_url.startswith("did:web:") else doc_url
    if not doc_url.startswith(("did:web:", "https://", "http://")):
        raise KeyError_(f"{doc_url} cannot be resolved (did:key, did:web and https are supported)")
    code, body = get(where, report, "key document")
    if code != 200:
        raise KeyError_(f"{where} answered {code}")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        raise KeyError_(f"{where} is not a JSON object")
    return doc


def controller_document(doc_url: str, report: Report) -> dict:
    """The document at `doc_url` (an https URL or a DID), whose `id` must be `doc_url`."""
    if doc_url.startswith("did:key:"):
        return did_key_document(doc_url)
    doc = _document(doc_url, report)
    if doc.get("id") != doc_url:
        raise KeyError_(f"the document at {doc_url} is not {doc_url} (its id is {doc.get('id')!r})")
    return doc


def _methods(doc: dict) -> list[dict]:
    base = str(doc.get("id", ""))
    found = [m for m in doc.get("verificationMethod") or [] if isinstance(m, dict)]
    found += [m for m in doc.get(ASSERTION) or [] if isinstance(m, dict)]  # embedded (by value)
    return [{**m, "id": _absolute(str(m.get("id", "")), base)} for m in found]


def _method_from(doc: dict, method_id: str) -> Method:
    base = str(doc.get("id", ""))
    entry = next((m for m in _methods(doc) if m["id"] == method_id), None)
    if entry is None:
        raise KeyError_(f"{base} lists no key {method_id}")
    controller = entry.get("controller")
    if controller != base:
        raise KeyError_(f"{method_id} is controlled by {controller!r}, not by {base}")
    if "_jwk" in entry:
        jwk = entry["_jwk"]
    elif isinstance(entry.get("publicKeyJwk"), dict):
        jwk = _public_jwk(entry["publicKeyJwk"])
    elif isinstance(entry.get("publicKeyMultibase"), str):
        jwk = multikey_to_jwk(entry["publicKeyMultibase"])
    else:
        raise KeyError_(f"{method_id} has neither publicKeyJwk nor publicKeyMultibase")
    refs = {_absolute(r, base) if isinstance(r, str) else _absolute(str(r.get("id", "")), base)
            for r in doc.get(ASSERTION) or [] if isinstance(r, (str, dict))}
    multibase = entry.get("publicKeyMultibase") if isinstance(entry.get("publicKeyMultibase"), str) \
        else jwk_to_multikey(jwk)
    return Method(method_id, str(controller), jwk, multibase, method_id in refs)


def method(method_id: str, report: Report) -> Method:
    """Retrieve the verification method `method_id` from its controller document. Raises KeyError_.

    A DID URL or an https URL with a fragment names a method inside the document the URL
    without the fragment answers. An https URL may also answer with the verification method
    itself (a Multikey/JsonWebKey document whose `id` is that URL); then its `controller`'s
    document is fetched as well, to see that it lists the method for assertions."""
    if not isinstance(method_id, str) or not method_id:
        raise KeyError_(f"{method_id!r} is not a verification method URL")
    if method_id.startswith("did:") or "#" in method_id:
        doc_url = method_id.split("#", 1)[0]
        if not doc_url.startswith("did:"):
            doc = _document(doc_url, report)
            if doc.get("id") == method_id and isinstance(doc.get("controller"), str):
                return _standalone(doc, method_id, report)
        return _method_from(controller_document(doc_url, report), method_id)
    return _standalone(_document(method_id, report), method_id, report)


def _standalone(doc: dict, method_id: str, report: Report) -> Method:
    if doc.get("id") != method_id or not isinstance(doc.get("controller"), str):
        raise KeyError_(f"{method_id} is not a verification method document")
    controller = controller_document(doc["controller"], report)
    listed = _methods(controller)
    if not any(m["id"] == method_id for m in listed):  # referenced only: the document itself
        known = list(controller.get("verificationMethod") or [])
        controller = {**controller, "verificationMethod": [*known, {k: v for k, v in doc.items() if k != "@context"}]}
    return _method_from(controller, method_id)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.scheme in ("https", "http") and (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def _origin_jwks(issuer_id: str, report: Report) -> list[dict]:
    parts = urlsplit(issuer_id)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return []
    code, body = get(f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json", report, "issuer JWKS")
    try:
        keyset = json.loads(body) if code == 200 else {}
    except (ValueError, RecursionError):
        keyset = {}
    keys = keyset.get("keys") if isinstance(keyset, dict) else []
    # "If the found JWK in the set contains the member iss, this must be equal to issuer's id."
    return [k for k in keys or [] if isinstance(k, dict) and k.get("iss", issuer_id) == issuer_id]


def _issuer_methods(issuer_id: str, report: Report) -> list[Method]:
    """The keys the issuer's own identifier document lists for assertions (a DID document,
    or the issuer profile as a controller document)."""
    try:
        doc = controller_document(issuer_id, report)
    except KeyError_:
        return []
    out = []
    for entry in _methods(doc):
        try:
            found = _method_from(doc, entry["id"])
        except KeyError_:
            continue
        if found.authorized:
            out.append(found)
    return out


def _by_kid(kid: str, issuer_id: str, report: Report) -> dict:
    """The public JWK a `kid` names, provided the issuer controls it."""
    absolute = _absolute(kid, issuer_id)
    if absolute.startswith("did:") or (absolute.startswith(("https://", "http://")) and "#" in absolute):
        doc_url = absolute.split("#", 1)[0]
        if doc_url != issuer_id and not _same_origin(doc_url, issuer_id):
            raise KeyError_(f"the key {kid} is not published by the issuer {issuer_id}")
        try:
            doc = controller_document(doc_url, report)
        except KeyError_:
            if doc_url.startswith("did:"):
                raise
            doc = {}
        if "keys" in doc or not doc:
            pass  # a JWKS (or nothing) at that URL: handled with the bare-URL case below
        else:
            found = _method_from(doc, absolute)
            if found.controller != issuer_id:
                raise KeyError_(f"{absolute} is controlled by {found.controller}, not by the issuer {issuer_id}")
            if not found.authorized:
                raise KeyError_(f"{issuer_id} does not list {absolute} for assertions (assertionMethod)")
            return found.jwk
    if absolute.startswith(("https://", "http://")):
        # "kid: A URI that can be dereferenced to an object of type JWK": on the issuer's origin
        if not _same_origin(absolute, issuer_id):
            raise KeyError_(f"the key {kid} is not on the issuer's origin")
        try:
            doc = _document(absolute.split("#", 1)[0], report)
        except KeyError_:
            doc = {}
        if doc.get("id") == absolute and isinstance(doc.get("controller"), str):
            # the URL answers with a verification method document: its controller must be the
            # issuer, whose document lists it for assertions (as for Data Integrity methods)
            found = _standalone(doc, absolute, report)
            if found.controller != issuer_id or not found.authorized:
                raise KeyError_(f"{absolute} is not a key {issuer_id} lists for assertions (assertionMethod)")
            return found.jwk
        if isinstance(doc.get("keys"), list):  # a JWKS at the URL: the fragment (or kid) selects
            fragment = absolute.split("#", 1)[1] if "#" in absolute else None
            doc = next((k for k in doc["keys"] if isinstance(k, dict) and k.get("kid") in (absolute, fragment)), {})
        if doc.get("kty"):
            if doc.get("iss", issuer_id) != issuer_id:
                raise KeyError_(f"the key {kid} belongs to {doc.get('iss')}")
            return _public_jwk(doc)
    for key in _origin_jwks(issuer_id, report):  # a bare kid: the origin's JWKS first (one fetch for most)
        if key.get("kid") == kid:
            return _public_jwk(key)
    for found in _issuer_methods(issuer_id, report):  # or one of the issuer's methods, by its fragment
        if found.id in (absolute, f"{issuer_id}#{kid}"):
            return found.jwk
    raise KeyError_(f"the issuer publishes no key {kid!r}")


def _by_jwk(header_jwk: Any, issuer_id: str, report: Report) -> dict:
    """The header's `jwk`, only when the issuer publishes the same key."""
    wanted = thumbprint(_public_jwk(header_jwk))
    for key in [m.jwk for m in _issuer_methods(issuer_id, report)] + _origin_jwks(issuer_id, report):
        try:
            if thumbprint(key) == wanted:
                return _public_jwk(key)
        except (KeyError_, ValueError, TypeError):
            continue
    raise KeyError_("the key in the token's header is not one the issuer publishes")


def jwt_keys(issuer_id: str, header: dict, report: Report) -> KeySet:
    """The keys that may have signed a JWS whose protected header is `header`, issued by
    `issuer_id`. A failure is a failed "signature" check (raises Failed)."""
    kid, header_jwk = header.get("kid"), header.get("jwk")
    try:
        if isinstance(kid, str) and kid:
            jwk = _by_kid(kid, issuer_id, report)
            if header_jwk is not None and thumbprint(_public_jwk(header_jwk)) != thumbprint(jwk):
                raise KeyError_("the token's jwk header is not the key its kid names")
        elif header_jwk is not None:
            jwk = _by_jwk(header_jwk, issuer_id, report)
        else:
            raise KeyError_("the token names no key (neither kid nor jwk)")
        # joserfc picks a key of a KeySet by the header's kid
        return KeySet.import_key_set({"keys": [{**jwk, **({"kid": kid} if isinstance(kid, str) and kid else {})}]})
    except (KeyError_, ValueError, TypeError) as exc:
        report.check("signature", False, str(exc) or exc.__class__.__name__)
        raise Failed from None
