"""Open Badges 2.0 hosted-verification documents (pure functions of stored data).

Assertion -> BadgeClass -> Profile -> RevocationList, each JSON-LD with
`@context` https://w3id.org/openbadges/v2 and an `id` equal to its URL.
"""

from __future__ import annotations

import hashlib

from .urls import Urls

CONTEXT = "https://w3id.org/openbadges/v2"
MEDIA_TYPE = "application/ld+json"


def hashed_email(email: str, salt: str) -> str:
    """`sha256$` + hex(sha256(email + salt)), the OB 2.0 hashed identity."""
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def assertion(c: dict, urls: Urls) -> dict:
    """`c`: the credential's stored fields (see store.models.CredentialItem)."""
    cid = c["credential_id"]
    doc = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(cid),
        "recipient": {"type": "email", "hashed": True, "salt": c["recipient_salt"],
                      "identity": hashed_email(c["email"], c["recipient_salt"])},
        "badge": urls.badge_class(cid),
        "verification": {"type": "HostedBadge"},
        "issuedOn": c["issued_at"],
        "image": urls.page(cid) + "/image",
    }
    if c.get("expires_at"):
        doc["expires"] = c["expires_at"]
    evidence = [_evidence(e) for e in c.get("evidence") or []]
    if evidence:
        doc["evidence"] = evidence
    return doc


def _evidence(e: dict) -> dict:
    out: dict = {"type": "Evidence"}
    if e.get("url"):
        out["id"] = e["url"]
    for key in ("narrative", "name"):
        if e.get(key):
            out[key] = e[key]
    return out


def revoked_assertion(cid: str, reason: str | None, urls: Urls) -> dict:
    return {"@context": CONTEXT, "id": urls.assertion(cid), "revoked": True,
            "revocationReason": reason or "Revoked by the issuer"}


def badge_class(cid: str, snapshot: dict, urls: Urls, image_url: str | None) -> dict:
    tpl, issuer = snapshot["template"], snapshot["issuer"]
    criteria: dict = {}
    if tpl["criteria"].get("url"):
        criteria["id"] = tpl["criteria"]["url"]
    if tpl["criteria"].get("narrative"):
        criteria["narrative"] = tpl["criteria"]["narrative"]
    doc = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(cid),
        "name": tpl["name"],
        "description": tpl["description"],
        "criteria": criteria,
        "issuer": urls.profile(issuer["id"]),
        "tags": list(tpl.get("skills") or []),
    }
    uris = tpl.get("skill_uris") or {}
    if uris:
        # OB 2.0 BadgeClass `alignment`: "An object describing which objectives or educational
        # standards this badge aligns to, if any" (AlignmentObject: targetName and targetUrl
        # required; targetDescription, targetFramework, targetCode optional; "targetCode: If
        # applicable, a locally unique string identifier that identifies the alignment target
        # within its framework"): each ESCO skill of the template, its UUID as the code.
        doc["alignment"] = [{"targetName": label, "targetUrl": uris[label], "targetFramework": "ESCO",
                             "targetCode": uris[label].rsplit("/", 1)[-1]}
                            for label in tpl.get("skills") or [] if label in uris]
    if image_url:
        doc["image"] = image_url
    return doc


def profile(issuer: dict, urls: Urls, image_url: str | None) -> dict:
    doc = {
        "@context": CONTEXT,
        "type": "Profile",
        "id": urls.profile(issuer["id"]),
        "name": issuer["name"],
        "url": issuer["url"],
        "email": issuer["email"],
        "revocationList": urls.revocation_list(issuer["id"]),
    }
    if image_url:
        doc["image"] = image_url
    return doc


def revocation_list(tenant_id: str, revoked: list[tuple[str, str]], urls: Urls) -> dict:
    """`revoked`: (credential id, reason) pairs."""
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": urls.revocation_list(tenant_id),
        "issuer": urls.profile(tenant_id),
        "revokedAssertions": [{"id": urls.assertion(cid), "revocationReason": reason} for cid, reason in revoked],
    }
