"""Import a badge from another issuer into an earner's collection.

Until the wallet's sign-in exists, the earner proves the address the badge was
issued to the same way a claim does: Laurel verifies the badge, checks that its
recipient is that address, and mails a single-use confirmation link there. Only a
confirmed import is shown, as external, with the time it was last verified.
"""

from __future__ import annotations

from ..adapters import mail
from ..config import get_settings
from ..domain import ids
from ..domain.clock import iso
from ..domain.errors import Conflict, Gone, NotFound, ValidationFailed
from ..store import imports as store
from ..web import render
from . import badge_check
from .clock import utcnow


def view(item) -> dict:
    report = item.report
    return {"id": item.import_id, "status": item.status, "external": True, "result": report["result"],
            "format": report["format"], "credential": report["credential"],
            "last_verified_at": item.last_verified_at, "checks": report["checks"]}


def start(email: str, source: badge_check.Input) -> dict:
    email = ids.normalize_email(email)
    report = badge_check.verify(badge_check.Input(text=source.text, image=source.image, email=email))
    if report["result"] in ("invalid", "revoked"):
        raise ValidationFailed(f"this badge cannot be imported: it is {report['result']}", code="not_importable",
                               details=report)
    import json

    if len(json.dumps(report)) > 100_000:
        raise ValidationFailed("this badge's data is too large to keep", code="too_large")
    token = ids.random_token()
    now = iso(utcnow())
    item = store.create({
        "import_id": ids.random_token(), "email_hash": ids.email_hash(email), "status": "pending",
        "source": (source.text or "(baked image)")[:4000], "report": report, "last_verified_at": report["checked_at"],
        "confirm_token_hash": ids.sha256_hex(token), "created_at": now,
    })
    url = f"{get_settings().public_base_url}/imports/{item.import_id}?token={token}"
    ctx = {"name": report["credential"].get("name") or "a badge", "issuer": report["credential"].get("issuer") or "",
           "url": url}
    try:
        mail.send(mail.Message(to=email, subject=f"Confirm adding {ctx['name']} to your Laurel collection",
                               html=render("mail/import.html", **ctx), text=render("mail/import.txt", **ctx)))
    except mail.MailNotSent as exc:
        raise ValidationFailed("the confirmation mail could not be sent to this address", code="mail_not_sent") \
            from exc
    return view(item)


def _require(import_id: str):
    item = store.get(import_id) if import_id and len(import_id) <= 64 else None
    if item is None:
        raise NotFound("no imported badge here", code="import_not_found")
    return item


def confirm(import_id: str, token: str) -> dict:
    item = _require(import_id)
    if item.status == "confirmed":
        raise Gone("this import was already confirmed", code="import_confirmed")
    if not token or not store.confirm(item, ids.sha256_hex(token)):
        raise NotFound("this confirmation link is not valid", code="import_not_found")
    return view(item)


def show(import_id: str) -> dict:
    item = _require(import_id)
    if item.status != "confirmed":
        raise NotFound("no imported badge here", code="import_not_found")
    return view(item)


def reverify(import_id: str) -> dict:
    """Check the external badge again now (it may have been revoked since)."""
    item = _require(import_id)
    if item.status != "confirmed":
        raise Conflict("confirm the import first", code="import_pending")
    source = item.source
    if source == "(baked image)":
        return view(item)
    report = badge_check.verify(badge_check.Input(text=source))
    store.record_check(item, report, report["checked_at"])
    return view(item)
