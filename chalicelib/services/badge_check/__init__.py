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
import hmac
import re
from dataclasses import dataclass

from ...domain.errors import BadRequest
from . import fetching, ob2, ob3
from .fetching import get, json_object
from .report import Failed, Report

__all__ = ["Input", "Report", "fetching", "run", "verify"]


def _from_text(text: str, report: Report, hops: int = 0) -> None:
    """`hops`: a URL may answer with a document, never with yet another URL to follow."""
    text = text.strip()
    if text.startswith("{"):
        doc = json_object(text.encode(), report, "credential")
        if ob2.is_assertion(doc):
            ob2.verify_assertion(doc, report)
        else:
            ob3.verify_json(doc, report)
    elif re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        if hops:
            report.check("recognised input", False, "a URL answered with another URL")
            raise Failed
        code, body = get(text, report, "URL")
        if code == 410:  # a hosted OB 2.0 assertion that was revoked
            notice = json_object(body, report, "revocation notice") if body else {}
            ob2.verify_assertion({**notice, "type": "Assertion", "verification": {"type": "HostedBadge"}, "id": text},
                                 report)
            return
        if not report.check("URL answers", code == 200, f"{text} answered {code}"):
            raise Failed
        _from_text(body.decode("utf-8", "replace"), report, hops + 1)
    elif text.count(".") == 2:
        if ob2.signed_payload(text) is not None:  # an OB 2.0 SignedBadge, not a VC-JWT
            ob2.verify_signed(text, report)
        else:
            ob3.verify_jwt(text, report)
    else:
        report.check("recognised input", False, "expected a URL, a JWT, or a JSON credential")
        raise Failed


def _unbake(data: bytes, report: Report) -> str:
    from ...openbadges import baking

    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            text = baking.unbake_png(data)
        else:
            text = baking.unbake_svg(data)
    except baking.BakingError as exc:
        report.check("baked image", False, str(exc))
        raise Failed from None
    if not report.check("baked image", bool(text), "Open Badges data found in the image" if text else "none found") \
            or text is None:
        raise Failed
    return text


def _identity_matches(email: str, identity: str, salt: str) -> bool:
    """`email` against a recipient identity: an IdentityHash (OB 2.0: "The only supported
    algorithms are MD5 and SHA-256 [...] expressed in hexadecimal using uppercase [...] or
    lowercase" characters; OB 3.0 identityHash likewise) over email + salt, else a plaintext
    identity, compared as it is (OB 2.0 IdentityObject: "Either the hash of the identity or the
    plaintext value"). Hashed identities that are not a hash never reach here (ob2._recipient)."""
    if ob2.IDENTITY_HASH.match(identity):
        algorithm, digest = identity.split("$", 1)
        return hmac.compare_digest(digest.lower(), hashlib.new(algorithm, (email + salt).encode()).hexdigest())
    return identity == email


@dataclass(frozen=True)
class Input:
    text: str | None = None  # URL, JWT or JSON
    image: bytes | None = None  # baked PNG or SVG
    email: str | None = None  # optional: check the recipient


def run(source: Input) -> dict:
    """A verification asked for on /verify: `verify`, and each of Laurel's own
    credentials it resolved (through verification.public_item, no extra read) is
    counted as a verify run (out of band)."""
    from .. import engagement, verification

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
            raise Failed from None
        if source.email and not (report.revoked and not report.recipient_hashes):
            # (a revoked hosted assertion is only a notice: there is no recipient left to compare)
            email = source.email.strip().lower()
            matches = any(_identity_matches(email, h, str(salt)) for h, salt in report.recipient_hashes)
            dids = [h for h, _ in report.recipient_hashes if h.startswith("did:")]
            report.check("recipient", matches, "issued to this email address" if matches
                         else f"issued to {dids[0]}, not to an email address" if dids
                         else "not issued to this email address")
    except Failed:
        pass
    return {**report.to_dict(), "recipient_checked": any(c["check"] == "recipient" for c in report.checks)}
