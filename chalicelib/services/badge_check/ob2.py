"""Open Badges 2.0 assertions (hosted)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .fetching import dates, get, json_object
from .report import Failed, Report

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def verify_assertion(doc: dict, report: Report) -> None:
    report.format = "Open Badges 2.0"
    if not report.check("type", doc.get("type") in ("Assertion", ["Assertion"]), str(doc.get("type"))):
        raise Failed
    verification = (doc.get("verification") or {}).get("type")
    if not report.check("verification type", verification in ("HostedBadge", "hosted"),
                        f"{verification} (signed OB 2.0 assertions are not supported)"):
        raise Failed
    assertion_id = doc.get("id", "")
    status, body = get(assertion_id, report, "assertion")
    if status == 410:
        report.revoked = True
        gone = json_object(body, report, "revocation") if body else {}
        error = gone["error"] if isinstance(gone.get("error"), dict) else {}  # Laurel's erased credentials
        reason = gone.get("revocationReason") or error.get("message") or "no reason given"
        report.check("revocation", False, f"revoked: {reason}")
        hosted = doc
        if not isinstance(doc.get("badge"), str):  # only the revocation notice is left to see
            report.summary = {"id": assertion_id}
            return
    else:
        if not report.check("hosted assertion", status == 200, f"{assertion_id} answered {status}"):
            raise Failed
        hosted = json_object(body, report, "hosted assertion")
        report.check("matches hosted copy", hosted.get("id") == assertion_id, "the hosted copy has the same id")
    badge_url = hosted.get("badge")
    status, body = get(badge_url, report, "badge class") if isinstance(badge_url, str) else (0, b"")
    badge = json_object(body, report, "badge class") if status == 200 else {}
    if not report.check("badge class", badge.get("type") in ("BadgeClass", ["BadgeClass"]), str(badge_url)):
        raise Failed
    issuer_url = badge.get("issuer")
    status, body = get(issuer_url, report, "issuer") if isinstance(issuer_url, str) else (0, b"")
    issuer = json_object(body, report, "issuer profile") if status == 200 else {}
    if not report.check("issuer profile", issuer.get("type") in ("Profile", "Issuer", ["Profile"]), str(issuer_url)):
        raise Failed
    same_origin = urlsplit(assertion_id).netloc == urlsplit(issuer.get("id") or issuer_url).netloc
    report.check("issuer origin", same_origin, "the assertion is hosted on the issuer's own origin")
    recipient = hosted.get("recipient") or {}
    if recipient.get("hashed"):
        report.recipient_hashes.append((recipient.get("identity", ""), recipient.get("salt", "") or ""))
    dates(report, hosted.get("issuedOn"), hosted.get("expires"))
    if not report.revoked and isinstance(issuer.get("revocationList"), str):
        status, body = get(issuer["revocationList"], report, "revocation list")
        listed = json_object(body, report, "revocation list").get("revokedAssertions", []) if status == 200 else []
        hit = next((r for r in listed if (r.get("id") if isinstance(r, dict) else r) == assertion_id), None)
        report.revoked = hit is not None
        report.check("revocation", hit is None,
                     f"listed as revoked: {hit.get('revocationReason', '')}" if hit else "not in the revocation list")
    report.summary = {"name": badge.get("name"), "issuer": issuer.get("name"), "issued_at": hosted.get("issuedOn"),
                      "expires_at": hosted.get("expires"), "image": badge.get("image"), "id": assertion_id}
