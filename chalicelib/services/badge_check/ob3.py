"""Open Badges 3.0 credentials: Data Integrity (JSON-LD) and VC-JWT."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from ...domain import taxonomy
from ...openbadges import ob3
from . import contexts as contexts_mod
from . import keys
from .fetching import dates
from .ob2 import IDENTITY_HASH
from .report import Failed, Report
from .status import check_status

OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
JWT_CLAIMS = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}


def _subject_hashes(vc: dict, report: Report) -> None:
    """Who the credential names as its subject, for matching the email address given:
    OB 3.0 IdentityObject `identityHash` ("Either the IdentityHash of the identity or the
    plaintext value"; hashed or not) and `credentialSubject.id` (a `mailto:` URI is an email
    address; a DID is kept as is, so an email address never matches it)."""
    subject = vc.get("credentialSubject") or {}
    for ident in subject.get("identifier") or []:
        if ident.get("identityType") != "emailAddress" or not isinstance(ident.get("identityHash"), str):
            continue
        if ident.get("hashed"):
            # "hashed": the identityHash must then be an IdentityHash (md5$ or sha256$ + hex); a
            # plaintext value that says it is hashed matches nothing (as OB 2.0's ob2._recipient)
            if IDENTITY_HASH.match(ident["identityHash"]):
                report.recipient_hashes.append((ident["identityHash"], ident.get("salt", "") or ""))
        else:
            report.recipient_hashes.append((ident["identityHash"].strip().lower(), ""))
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id.lower().startswith("mailto:"):
        report.recipient_hashes.append((unquote(subject_id[len("mailto:"):]).strip().lower(), ""))
    elif isinstance(subject_id, str) and subject_id:
        report.recipient_hashes.append((subject_id, ""))


def _summarise_vc(vc: dict, report: Report) -> None:
    issuer = vc.get("issuer")
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    image = (achievement.get("image") or {}) if isinstance(achievement.get("image"), dict) else {}
    report.summary = {"name": vc.get("name") or achievement.get("name"),
                      "issuer": issuer.get("name") if isinstance(issuer, dict) else issuer,
                      "issued_at": vc.get("validFrom"), "expires_at": vc.get("validUntil"),
                      "image": image.get("id"), "id": vc.get("id"),
                      # issue 20: the skills it names (tags, alignments; an ESCO skill with its URI)
                      "skills": taxonomy.badge_skills(achievement.get("tag"), achievement.get("alignment"))}


def _vc_basics(vc: dict, report: Report, claims: dict | None = None) -> str:
    """Contexts, defined terms, type and issuer of a credential (`claims`: the JSON-LD
    document to check the terms of, when it is not `vc` itself)."""
    from ...openbadges.jsonld import JsonLdError

    contexts = vc.get("@context") or []
    # VC 2.0, 4.3: "The value of the @context property MUST be an ordered set where the first item is a URL
    # with the value https://www.w3.org/ns/credentials/v2." OB 3.0 credentials add an OB 3.0 context.
    shape = isinstance(contexts, list) and contexts[:1] == [ob3.VC_CONTEXT] \
        and any("/ob/v3p0/" in str(c) for c in contexts)
    lost: list[str] | None = None
    why = "VC 2.0 and Open Badges 3.0 contexts" if shape else \
        f"the first context must be {ob3.VC_CONTEXT}, and an Open Badges 3.0 context must follow"
    try:
        lost = contexts_mod.undefined_terms(claims if claims is not None else vc)
    except JsonLdError as exc:
        why = f"a context could not be used: {contexts_mod.reason(exc)}"
    except RecursionError:
        why = "the contexts are nested too deeply"
    report.check("contexts", shape and lost is not None, why)
    if lost is not None:
        # JSON-LD 1.1 expansion drops a property whose term no context defines; a signature would
        # not cover it while a reader still sees it (issue 18, rule 5: "undefined terms make a
        # credential invalid (as JSON-LD processing says), for JWTs too").
        report.check("terms defined", not lost, "every term is defined by the contexts" if not lost
                     else "not defined by the credential's contexts: " + ", ".join(lost[:10]))
    declared = vc.get("type")
    types = {declared} if isinstance(declared, str) else set(declared or [])
    if not report.check("type", "VerifiableCredential" in types and bool(types & OB3_TYPES), str(sorted(types))):
        raise Failed
    issuer = vc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not report.check("issuer", isinstance(issuer_id, str) and bool(issuer_id), str(issuer_id)) \
            or not isinstance(issuer_id, str):  # (the check's own condition: for the type checker)
        raise Failed
    return issuer_id


def verify_json(vc: dict, report: Report) -> None:
    from ...openbadges import data_integrity

    report.format = "Open Badges 3.0 (Data Integrity)"
    issuer_id = _vc_basics(vc, report)
    proof = vc.get("proof")
    if not report.check("proof present", isinstance(proof, dict), "an embedded proof") or not isinstance(proof, dict):
        raise Failed
    method_id = proof.get("verificationMethod", "")
    # Data Integrity: the proof's verificationMethod is retrieved from its controller document (a
    # did:key/did:web DID document or an issuer profile), must be referenced from assertionMethod
    # (the proof's purpose) and, quoting VC Data Integrity 2.6 as the OB 3.0 implementation guide
    # does, "the value of the controller property of a proof's verification method matches the URL
    # value used to identify the issuer".
    try:
        found = keys.method(method_id, report)
    except keys.KeyError_ as exc:
        report.check("verification method", False, f"{method_id}: {exc}")
        raise Failed from None
    usable = found.authorized and bool(found.multibase)
    if not report.check("verification method", usable, str(method_id) if usable else
                        f"{method_id} is not listed for assertions (assertionMethod)" if not found.authorized
                        else f"{method_id} is not an Ed25519 key (eddsa-rdfc-2022)") or not found.multibase:
        raise Failed
    report.check("key controlled by issuer", found.controller == issuer_id, f"controller {found.controller}")
    ok, reason = data_integrity.verify_proof(vc, found.multibase, loader=contexts_mod.loader())
    if not report.check("signature (eddsa-rdfc-2022)", ok, reason):
        raise Failed
    dates(report, vc.get("validFrom"), vc.get("validUntil"))
    check_status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)


def _registry(alg: str) -> Any:
    """joserfc's JWS registry for one algorithm, whose header cap (512 bytes by default) fits a
    header carrying an RSA `jwk` (OB 3.0 8.2.1 lets the issuer put the public key there)."""
    from joserfc.jws import JWSRegistry

    registry = JWSRegistry(algorithms=[alg])
    registry.max_header_length = 8 * 1024
    return registry


def verify_jwt(token: str, report: Report) -> None:
    from joserfc import jwt
    from joserfc.errors import JoseError

    report.format = "Open Badges 3.0 (VC-JWT)"
    try:
        header = json.loads(ob3.b64url_decode(token.split(".")[0]))
        payload = json.loads(ob3.b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        report.check("JWT structure", False, "not a compact JWS")
        raise Failed from None
    if not report.check("JWT structure", isinstance(header, dict) and isinstance(payload, dict), "header and payload"):
        raise Failed
    vc = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
    # VC-JOSE-COSE: the payload is the credential; the JWT registered claims (RFC 7519 4.1) beside
    # its members are the JWT's, not JSON-LD terms of the credential.
    issuer_id = _vc_basics(vc, report, vc if vc is not payload else
                           {k: v for k, v in payload.items() if k not in JWT_CLAIMS})
    alg = header.get("alg")
    if not report.check("algorithm", alg in ("RS256", "ES256", "EdDSA"), str(alg)):
        raise Failed
    try:
        jwt.decode(token, keys.jwt_keys(issuer_id, header, report), registry=_registry(alg))
    except JoseError as exc:
        report.check("signature", False, exc.__class__.__name__)
        raise Failed from None
    except (ValueError, TypeError, KeyError) as exc:
        report.check("signature", False, f"key could not be used: {exc.__class__.__name__}")
        raise Failed from None
    report.check("signature", True, f"{alg} with key {header.get('kid', '(embedded jwk)')}")
    # OB 3.0 8.2.4.1: iss "MUST match the issuer.id", jti "MUST match the id", sub "MUST match the
    # credentialSubject.id" of the credential (checked when present: VC-JOSE-COSE makes them optional).
    subject = vc.get("credentialSubject") if isinstance(vc.get("credentialSubject"), dict) else {}
    claims_ok = payload.get("iss") in (None, issuer_id) and payload.get("jti") in (None, vc.get("id")) \
        and payload.get("sub") in (None, subject.get("id"))
    report.check("registered claims", claims_ok, "iss, jti and sub agree with the credential" if claims_ok
                 else "iss, jti or sub names something other than the credential says")
    # RFC 7519 4.1.4/4.1.5: exp is the time "on or after which the JWT MUST NOT be accepted for
    # processing", nbf the time "before which the JWT MUST NOT be accepted"; they bound the
    # credential's own validFrom/validUntil (the later start and the earlier end count).
    dates(report, _later(vc.get("validFrom"), payload.get("nbf")), _earlier(vc.get("validUntil"), payload.get("exp")))
    check_status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)


def _claim_time(value: Any) -> str | None:
    """A NumericDate claim (RFC 7519: seconds since the epoch) as an ISO 8601 instant."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("a JWT time claim is not a NumericDate")
    import datetime as dt

    return dt.datetime.fromtimestamp(value, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pick(own: Any, claim_value: Any, later: bool) -> Any:
    from ...domain.clock import parse_iso

    claim = _claim_time(claim_value)
    if claim is None or own is None:
        return claim if own is None else own
    try:
        first, second = parse_iso(claim), parse_iso(own)
    except (ValueError, TypeError):
        return own  # the credential's own date is judged (and refused) by dates()
    return claim if (first > second if later else first < second) else own


def _later(valid_from: Any, nbf: Any) -> Any:
    return _pick(valid_from, nbf, later=True)


def _earlier(valid_until: Any, exp: Any) -> Any:
    return _pick(valid_until, exp, later=False)
