"""Open Badges 3.0 credentials: Data Integrity (JSON-LD) and VC-JWT."""

from __future__ import annotations

import json
from typing import Any

from ...openbadges import ob3
from . import keys
from .fetching import dates, get, json_object
from .report import Failed, Report
from .status import check_status

OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


def _subject_hashes(vc: dict, report: Report) -> None:
    subject = vc.get("credentialSubject") or {}
    for ident in subject.get("identifier") or []:
        if ident.get("hashed") and ident.get("identityType") == "emailAddress":
            report.recipient_hashes.append((ident.get("identityHash", ""), ident.get("salt", "") or ""))


def _summarise_vc(vc: dict, report: Report) -> None:
    issuer = vc.get("issuer")
    achievement = (vc.get("credentialSubject") or {}).get("achievement") or {}
    image = (achievement.get("image") or {}) if isinstance(achievement.get("image"), dict) else {}
    report.summary = {"name": vc.get("name") or achievement.get("name"),
                      "issuer": issuer.get("name") if isinstance(issuer, dict) else issuer,
                      "issued_at": vc.get("validFrom"), "expires_at": vc.get("validUntil"),
                      "image": image.get("id"), "id": vc.get("id")}


def _vc_basics(vc: dict, report: Report) -> str:
    contexts = vc.get("@context") or []
    report.check("contexts", isinstance(contexts, list) and contexts[:1] == [ob3.VC_CONTEXT]
                 and any("/ob/v3p0/" in str(c) for c in contexts), "VC 2.0 and Open Badges 3.0 contexts")
    types = set(vc.get("type") or [])
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
    key: Any = None  # a did:key's multibase, or what the fetched method document holds
    controller: Any = None
    if isinstance(method_id, str) and method_id.startswith("did:key:"):
        key = method_id.split("#", 1)[0][len("did:key:"):]
        controller = method_id.split("#", 1)[0]
    elif isinstance(method_id, str):
        code, body = get(method_id.split("#", 1)[0], report, "verification method")
        doc = json_object(body, report, "verification method") if code == 200 else {}
        methods = doc.get("verificationMethod") or ([doc] if doc.get("publicKeyMultibase") else [])
        method = next((m for m in methods if m.get("id") == method_id), None)
        key, controller = (method or {}).get("publicKeyMultibase"), (method or {}).get("controller")
    if not report.check("verification method", bool(key), str(method_id)):
        raise Failed
    report.check("key controlled by issuer", controller == issuer_id, f"controller {controller}")
    ok, reason = data_integrity.verify_proof(vc, key)
    if not report.check("signature (eddsa-rdfc-2022)", ok, reason):
        raise Failed
    dates(report, vc.get("validFrom"), vc.get("validUntil"))
    check_status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)


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
    issuer_id = _vc_basics(vc, report)
    alg = header.get("alg")
    if not report.check("algorithm", alg in ("RS256", "ES256", "EdDSA"), str(alg)):
        raise Failed
    try:
        jwt.decode(token, keys.jwt_keys(issuer_id, header, report), algorithms=[alg])
    except JoseError as exc:
        report.check("signature", False, exc.__class__.__name__)
        raise Failed from None
    except (ValueError, TypeError, KeyError) as exc:
        report.check("signature", False, f"key could not be used: {exc.__class__.__name__}")
        raise Failed from None
    report.check("signature", True, f"{alg} with key {header.get('kid', '(embedded jwk)')}")
    claims_ok = payload.get("iss") in (None, issuer_id) and payload.get("jti") in (None, vc.get("id"))
    report.check("registered claims", claims_ok, "iss and jti agree with the credential")
    dates(report, vc.get("validFrom"), vc.get("validUntil"))
    check_status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)
