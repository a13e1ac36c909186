"""Verify any Open Badge, from Laurel or from anyone else.

Input: a baked PNG or SVG, an assertion or credential URL, a VC-JWT, or a JSON-LD
credential. Output: valid / expired / revoked / invalid with every check that ran
and what it found. Documents under Laurel's own base URL are read directly (no HTTP
round trip to ourselves); everything else goes through the SSRF-hardened fetcher.

Checks by format:
- OB 2.0 hosted assertion: fetched from its own id (410 = revoked), type, BadgeClass
  and issuer Profile fetched, assertion id on the issuer's origin, recipient hash
  (when an email is given), expiry, the issuer's RevocationList.
- OB 3.0 JSON-LD: contexts, type, eddsa-rdfc-2022 proof with the key resolved from
  the verification method (controlled by the issuer), validity dates, Bitstring
  Status List.
- OB 3.0 VC-JWT: signature against the issuer's JWKS (or the header's jwk), registered
  claims agree with the credential, validity dates, status list.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..adapters import fetch as http_fetch
from ..config import get_settings
from ..domain.clock import iso, parse_iso
from ..domain.errors import BadRequest
from ..openbadges import media, ob3
from . import clock

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


@dataclass
class Report:
    format: str = "unknown"
    checks: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    revoked: bool = False
    expired: bool = False
    recipient_hashes: list[tuple[str, str]] = field(default_factory=list)  # (identity hash, salt)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
        return ok

    @property
    def result(self) -> str:
        if not self.checks or not all(c["ok"] for c in self.checks if c["check"] not in ("expiry", "revocation")):
            return "invalid"
        if self.revoked:
            return "revoked"
        if self.expired:
            return "expired"
        return "valid"

    def to_dict(self) -> dict:
        return {"result": self.result, "format": self.format, "checked_at": iso(clock.utcnow()),
                "credential": self.summary, "checks": self.checks}


class _Failed(Exception):
    """A check failed hard enough that nothing after it can run."""


def _policy() -> http_fetch.Policy:
    local = get_settings().is_local
    return http_fetch.Policy(allow_http=local, allow_private=local)


def _get(url: str, report: Report, what: str) -> tuple[int, bytes]:
    """Fetch `url` (our own documents without HTTP); a failure is a failed check."""
    settings = get_settings()
    if url.startswith(settings.public_base_url + "/"):
        return _local(url[len(settings.public_base_url):])
    from ..adapters import objects
    from ..store import object_keys

    key = objects.key_of_public_url(url)
    if key is not None and object_keys.is_public(key):  # our status lists, read from the bucket
        try:
            return 200, objects.get(key)
        except Exception:  # noqa: BLE001 - any S3 error is "not there" for a verifier
            return 404, b""
    try:
        got = http_fetch.fetch(url, _policy(), accept=media.VERIFIER_ACCEPT)
    except http_fetch.FetchError as exc:
        report.check(f"fetch {what}", False, str(exc))
        raise _Failed from exc
    return got.status, got.body


def _page(rest: str) -> Any:
    """`/badges/{id}` and `/badges/{id}.json` answered as the route answers a request
    with the verifier's Accept header (the same choice, see openbadges/media.py): the
    credential's Open Badges 3.0 document."""
    from . import verification

    if "/" in rest:  # /badges/{id}/image and anything else below a page is not a document
        raise _NotADocument
    as_json = rest.endswith(".json")
    chosen = media.preferred(media.VERIFIER_ACCEPT, media.JSON_OFFERS if as_json else media.PAGE_OFFERS)
    return verification.document(rest.removesuffix(".json"), chosen)[1]


class _NotADocument(Exception):
    pass


def _local(path: str) -> tuple[int, bytes]:
    """Resolve one of Laurel's own public URLs through the same services the routes use,
    with the status and body the route would answer (so the verdict is the one a
    verifier elsewhere reaches over HTTP)."""
    from ..domain.errors import Gone, LaurelError
    from . import openbadges, signing

    routes = [
        ("/badges/", _page),
        ("/ob/v2/assertions/", lambda rest: openbadges.badge_class(rest[:-6]) if rest.endswith("/badge")
         else openbadges.assertion(rest)),
        ("/ob/v2/issuers/", lambda rest: openbadges.revocation_list(rest[:-12]) if rest.endswith("/revocations")
         else openbadges.profile_v2(rest)),
        ("/ob/v3/credentials/", lambda rest: openbadges.credential(rest.removesuffix(".jwt"))["jwt" if rest.endswith(
            ".jwt") else "json"]),
        ("/ob/v3/issuers/", openbadges.profile_v3),
        ("/.well-known/jwks.json", lambda rest: signing.jwks()),
    ]
    for prefix, handler in routes:
        if path.startswith(prefix):
            try:
                doc = handler(path[len(prefix):])
            except _NotADocument:
                break
            except Gone as exc:  # revoked (an OB 2.0 revocation notice) or erased (the error body)
                return 410, json.dumps(exc.details if exc.details is not None else exc.to_body()).encode()
            except LaurelError as exc:
                return exc.status, json.dumps(exc.to_body()).encode()
            return 200, doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
    return 404, b""


def _json(body: bytes, report: Report, what: str) -> dict:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        report.check(f"{what} is JSON", False, "not a JSON object")
        raise _Failed
    return doc


def _dates(report: Report, valid_from: str | None, valid_until: str | None) -> None:
    now = clock.utcnow()
    try:
        start = parse_iso(valid_from) if valid_from else None
        end = parse_iso(valid_until) if valid_until else None
    except ValueError:
        report.check("dates", False, "dates are not ISO 8601")
        raise _Failed from None
    if start and start > now:
        report.check("dates", False, f"not valid before {valid_from}")
        raise _Failed
    report.expired = bool(end and end <= now)
    report.check("expiry", not report.expired, f"expired on {valid_until}" if report.expired else
                 (f"valid until {valid_until}" if end else "does not expire"))


# ------------------------------------------------------------------ OB 2.0


def _ob2(doc: dict, report: Report) -> None:
    report.format = "Open Badges 2.0"
    if not report.check("type", doc.get("type") in ("Assertion", ["Assertion"]), str(doc.get("type"))):
        raise _Failed
    verification = (doc.get("verification") or {}).get("type")
    if not report.check("verification type", verification in ("HostedBadge", "hosted"),
                        f"{verification} (signed OB 2.0 assertions are not supported)"):
        raise _Failed
    assertion_id = doc.get("id", "")
    status, body = _get(assertion_id, report, "assertion")
    if status == 410:
        report.revoked = True
        gone = _json(body, report, "revocation") if body else {}
        error = gone["error"] if isinstance(gone.get("error"), dict) else {}  # Laurel's erased credentials
        reason = gone.get("revocationReason") or error.get("message") or "no reason given"
        report.check("revocation", False, f"revoked: {reason}")
        hosted = doc
        if not isinstance(doc.get("badge"), str):  # only the revocation notice is left to see
            report.summary = {"id": assertion_id}
            return
    else:
        if not report.check("hosted assertion", status == 200, f"{assertion_id} answered {status}"):
            raise _Failed
        hosted = _json(body, report, "hosted assertion")
        report.check("matches hosted copy", hosted.get("id") == assertion_id, "the hosted copy has the same id")
    badge_url = hosted.get("badge")
    status, body = _get(badge_url, report, "badge class") if isinstance(badge_url, str) else (0, b"")
    badge = _json(body, report, "badge class") if status == 200 else {}
    if not report.check("badge class", badge.get("type") in ("BadgeClass", ["BadgeClass"]), str(badge_url)):
        raise _Failed
    issuer_url = badge.get("issuer")
    status, body = _get(issuer_url, report, "issuer") if isinstance(issuer_url, str) else (0, b"")
    issuer = _json(body, report, "issuer profile") if status == 200 else {}
    if not report.check("issuer profile", issuer.get("type") in ("Profile", "Issuer", ["Profile"]), str(issuer_url)):
        raise _Failed
    same_origin = urlsplit(assertion_id).netloc == urlsplit(issuer.get("id") or issuer_url).netloc
    report.check("issuer origin", same_origin, "the assertion is hosted on the issuer's own origin")
    recipient = hosted.get("recipient") or {}
    if recipient.get("hashed"):
        report.recipient_hashes.append((recipient.get("identity", ""), recipient.get("salt", "") or ""))
    _dates(report, hosted.get("issuedOn"), hosted.get("expires"))
    if not report.revoked and isinstance(issuer.get("revocationList"), str):
        status, body = _get(issuer["revocationList"], report, "revocation list")
        listed = _json(body, report, "revocation list").get("revokedAssertions", []) if status == 200 else []
        hit = next((r for r in listed if (r.get("id") if isinstance(r, dict) else r) == assertion_id), None)
        report.revoked = hit is not None
        report.check("revocation", hit is None,
                     f"listed as revoked: {hit.get('revocationReason', '')}" if hit else "not in the revocation list")
    report.summary = {"name": badge.get("name"), "issuer": issuer.get("name"), "issued_at": hosted.get("issuedOn"),
                      "expires_at": hosted.get("expires"), "image": badge.get("image"), "id": assertion_id}


# ------------------------------------------------------------------ OB 3.0


def _status(vc: dict, report: Report) -> None:
    status = vc.get("credentialStatus")
    if not status:
        report.check("revocation", True, "no status list declared")
        return
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if entry.get("type") != "BitstringStatusListEntry" or entry.get("statusPurpose") != "revocation":
            continue
        code, body = _get(entry.get("statusListCredential", ""), report, "status list")
        listing = _json(body, report, "status list") if code == 200 else {}
        try:
            bits = ob3.decode_bits(listing["credentialSubject"]["encodedList"])
            revoked = ob3.bit_is_set(bits, int(entry["statusListIndex"]))
        except (KeyError, ValueError, TypeError, IndexError, OSError, EOFError):
            report.check("status list", False, "the status list cannot be read")
            raise _Failed from None
        report.revoked = revoked
        report.check("revocation", not revoked,
                     "revoked (status list bit set)" if revoked else "status list: not revoked")


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
        raise _Failed
    issuer = vc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not report.check("issuer", isinstance(issuer_id, str) and bool(issuer_id), str(issuer_id)) \
            or not isinstance(issuer_id, str):  # (the check's own condition: for the type checker)
        raise _Failed
    return issuer_id


def _ob3_json(vc: dict, report: Report) -> None:
    from ..openbadges import data_integrity

    report.format = "Open Badges 3.0 (Data Integrity)"
    issuer_id = _vc_basics(vc, report)
    proof = vc.get("proof")
    if not report.check("proof present", isinstance(proof, dict), "an embedded proof") or not isinstance(proof, dict):
        raise _Failed
    method_id = proof.get("verificationMethod", "")
    key: Any = None  # a did:key's multibase, or what the fetched method document holds
    controller: Any = None
    if isinstance(method_id, str) and method_id.startswith("did:key:"):
        key = method_id.split("#", 1)[0][len("did:key:"):]
        controller = method_id.split("#", 1)[0]
    elif isinstance(method_id, str):
        code, body = _get(method_id.split("#", 1)[0], report, "verification method")
        doc = _json(body, report, "verification method") if code == 200 else {}
        methods = doc.get("verificationMethod") or ([doc] if doc.get("publicKeyMultibase") else [])
        method = next((m for m in methods if m.get("id") == method_id), None)
        key, controller = (method or {}).get("publicKeyMultibase"), (method or {}).get("controller")
    if not report.check("verification method", bool(key), str(method_id)):
        raise _Failed
    report.check("key controlled by issuer", controller == issuer_id, f"controller {controller}")
    ok, reason = data_integrity.verify_proof(vc, key)
    if not report.check("signature (eddsa-rdfc-2022)", ok, reason):
        raise _Failed
    _dates(report, vc.get("validFrom"), vc.get("validUntil"))
    _status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)


def _ob3_jwt(token: str, report: Report) -> None:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    report.format = "Open Badges 3.0 (VC-JWT)"
    try:
        header = json.loads(ob3.b64url_decode(token.split(".")[0]))
        payload = json.loads(ob3.b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        report.check("JWT structure", False, "not a compact JWS")
        raise _Failed from None
    if not report.check("JWT structure", isinstance(header, dict) and isinstance(payload, dict), "header and payload"):
        raise _Failed
    vc = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
    issuer_id = _vc_basics(vc, report)
    alg = header.get("alg")
    if not report.check("algorithm", alg in ("RS256", "ES256", "EdDSA"), str(alg)):
        raise _Failed
    try:
        # The key must come from the issuer: its origin's JWKS, selected by `kid`. A key
        # carried in the token's own header proves nothing and is never trusted.
        parts = urlsplit(issuer_id)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            report.check("signature", False, "the issuer is not a URL whose JWKS can be fetched")
            raise _Failed
        code, body = _get(f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json", report, "issuer JWKS")
        keyset = _json(body, report, "JWKS") if code == 200 else {}
        candidates = [k for k in keyset.get("keys") or [] if isinstance(k, dict) and k.get("kid") == header.get("kid")]
        if not candidates:
            report.check("signature", False, f"the issuer publishes no key {header.get('kid')!r}")
            raise _Failed
        keys = KeySet.import_key_set({"keys": candidates})
        jwt.decode(token, keys, algorithms=[alg])
    except JoseError as exc:
        report.check("signature", False, exc.__class__.__name__)
        raise _Failed from None
    except (ValueError, TypeError, KeyError) as exc:
        report.check("signature", False, f"key could not be used: {exc.__class__.__name__}")
        raise _Failed from None
    report.check("signature", True, f"{alg} with key {header.get('kid', '(embedded jwk)')}")
    claims_ok = payload.get("iss") in (None, issuer_id) and payload.get("jti") in (None, vc.get("id"))
    report.check("registered claims", claims_ok, "iss and jti agree with the credential")
    _dates(report, vc.get("validFrom"), vc.get("validUntil"))
    _status(vc, report)
    _subject_hashes(vc, report)
    _summarise_vc(vc, report)


# ------------------------------------------------------------------ entry point


def _from_text(text: str, report: Report, hops: int = 0) -> None:
    """`hops`: a URL may answer with a document, never with yet another URL to follow."""
    text = text.strip()
    if text.startswith("{"):
        doc = _json(text.encode(), report, "credential")
        if doc.get("@context") == OB2_CONTEXT or doc.get("type") in ("Assertion", ["Assertion"]):
            _ob2(doc, report)
        else:
            _ob3_json(doc, report)
    elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if hops:
            report.check("recognised input", False, "a URL answered with another URL")
            raise _Failed
        code, body = _get(text, report, "URL")
        if code == 410:  # a hosted OB 2.0 assertion that was revoked
            notice = _json(body, report, "revocation notice") if body else {}
            _ob2({**notice, "type": "Assertion", "verification": {"type": "HostedBadge"}, "id": text}, report)
            return
        if not report.check("URL answers", code == 200, f"{text} answered {code}"):
            raise _Failed
        _from_text(body.decode("utf-8", "replace"), report, hops + 1)
    elif text.count(".") == 2:
        _ob3_jwt(text, report)
    else:
        report.check("recognised input", False, "expected a URL, a JWT, or a JSON credential")
        raise _Failed


def _unbake(data: bytes, report: Report) -> str:
    from ..openbadges import baking

    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            text = baking.unbake_png(data)
        else:
            text = baking.unbake_svg(data)
    except baking.BakingError as exc:
        report.check("baked image", False, str(exc))
        raise _Failed from None
    if not report.check("baked image", bool(text), "Open Badges data found in the image" if text else "none found") \
            or text is None:
        raise _Failed
    return text


@dataclass(frozen=True)
class Input:
    text: str | None = None  # URL, JWT or JSON
    image: bytes | None = None  # baked PNG or SVG
    email: str | None = None  # optional: check the recipient


def run(source: Input) -> dict:
    """A verification asked for on /verify: `verify`, and each of Laurel's own
    credentials it resolved (through verification.public_item, no extra read) is
    counted as a verify run (out of band)."""
    from . import engagement, verification

    with verification.collecting() as seen:
        report = verify(source)
    for item in {i.credential_id: i for i in seen}.values():
        engagement.record("verify", item)
    return report


def verify(source: Input) -> dict:
    if not source.text and not source.image:
        raise BadRequest("give a URL, a JWT, a JSON credential or a baked image", code="nothing_to_verify")
    report = Report()
    try:
        try:
            _from_text(_unbake(source.image, report) if source.image else (source.text or ""), report)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError, ArithmeticError):
            # a document whose fields have the wrong shape: not a badge we can vouch for
            report.check("document structure", False, "a field has an unexpected type or shape")
            raise _Failed from None
        if source.email and not (report.revoked and not report.recipient_hashes):
            # (a revoked hosted assertion is only a notice: there is no recipient left to compare)
            email = source.email.strip().lower()
            matches = any(h == "sha256$" + hashlib.sha256((email + str(salt)).encode()).hexdigest() or h == email
                          for h, salt in report.recipient_hashes)
            report.check("recipient", matches, "issued to this email address" if matches
                         else "not issued to this email address")
    except _Failed:
        pass
    return {**report.to_dict(), "recipient_checked": any(c["check"] == "recipient" for c in report.checks)}
