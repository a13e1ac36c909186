"""Import a badge from another issuer into an earner's collection.

Until the wallet's sign-in exists, the earner proves the address the badge was
issued to the same way a claim does: Laurel verifies the badge, checks that its
recipient is that address, and mails a single-use confirmation link there. Only a
confirmed import is shown, as external, with the time it was last verified.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..config import get_settings
from ..domain import check_words, ids
from ..domain import imports as rules
from ..domain.clock import iso
from ..domain.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationFailed
from ..store import imports as store
from . import badge_check, clock, limits, notify


def view(item: Any) -> dict:
    report = item.report
    # reports stored before checks had words get them here (issue 18, rule 7)
    checks = [c if "says" in c else {**c, "says": check_words.says(c["check"], c["ok"])} for c in report["checks"]]
    decided = check_words.deciding_check(report["result"], checks)
    return {"id": item.import_id, "status": item.status, "external": True, "result": report["result"],
            "says": report.get("says") or check_words.verdict_says(report["result"], checks),
            "decided_by": decided["check"] if decided else None,
            "format": report["format"], "credential": report["credential"],
            "last_verified_at": item.last_verified_at, "checks": checks}


def _limit(email_hash: str, client_address: str | None) -> None:
    """Count the request against the source address's and the recipient's limits,
    before anything is fetched or mailed."""
    now = clock.utcnow()
    if client_address:  # first: a refused stranger then costs the recipient nothing
        limits.enforce(rules.SOURCE_LIMITS, ids.sha256_hex(client_address), now,
                       "too many imports were asked for from your network; try again later")
    limits.enforce(rules.RECIPIENT_LIMITS, email_hash, now,
                   "too many confirmation mails were sent to this address; use the newest one or try again later")


def start(email: str, source: badge_check.Input, client_address: str | None = None) -> dict:
    """Verify the badge and mail its recipient a confirmation link. While one is
    pending for this address and this badge, another request mails nothing and answers
    with the pending import (`"confirmation": "already_pending"`): asking twice, or an
    attacker asking a hundred times, makes one mail."""
    email = ids.normalize_email(email)
    email_hash = ids.email_hash(email)
    _limit(email_hash, client_address)
    report = badge_check.verify(badge_check.Input(text=source.text, image=source.image, email=email))
    if report["result"] in ("invalid", "revoked"):
        raise ValidationFailed(f"this badge cannot be imported: it is {report['result']}", code="not_importable",
                               details=report)
    import json

    if len(json.dumps(report)) > 100_000:
        raise ValidationFailed("this badge's data is too large to keep", code="too_large")
    badge = rules.badge_key(report["credential"].get("id"), source.text)
    now_dt = clock.utcnow()
    now = iso(now_dt)
    replacing = None
    slot = store.pending_slot(email_hash, badge)
    if slot is not None and slot.pending_until > now:
        held = store.get(slot.import_id)
        if held is not None and held.status == "pending":
            return {**view(held), "confirmation": "already_pending"}
        replacing = slot.import_id  # confirmed (or gone) meanwhile: the slot may be taken
    token = ids.random_token()
    until = now_dt + timedelta(hours=rules.CONFIRM_HOURS)
    item = store.create_pending({
        "import_id": ids.random_token(), "email_hash": email_hash, "status": "pending",
        "source": (source.text or "(baked image)")[:4000], "report": report, "last_verified_at": report["checked_at"],
        "confirm_token_hash": ids.sha256_hex(token), "created_at": now,
    }, badge, iso(until), int(until.timestamp()) + 86400, now, replacing)
    if item is None:  # another request took the slot a moment ago: its mail is the one
        held = _held(email_hash, badge)
        if held is None:
            raise Conflict("this badge is being imported right now; try again in a moment", code="import_busy")
        return {**view(held), "confirmation": "already_pending"}
    url = f"{get_settings().public_base_url}/imports/{item.import_id}?token={token}"
    try:
        notify.send_import_confirmation(email, report["credential"].get("name") or "a badge",
                                        report["credential"].get("issuer") or "", url, rules.CONFIRM_HOURS)
    except ServiceUnavailable:
        store.release(item, badge)  # nothing pending: the address may ask again
        raise
    return {**view(item), "confirmation": "mailed"}


def _held(email_hash: str, badge: str, attempts: int = 4) -> Any:
    """The import that holds this badge's slot, when our transaction lost to another
    request's: that one may still be committing (DynamoDB cancels a transaction that meets
    one in progress, "TransactionConflict"), so its import is looked for a few times, a
    little longer each time (50, 100, 200 ms), before the request is answered 409."""
    for attempt in range(attempts):
        slot = store.pending_slot(email_hash, badge)
        held = store.get(slot.import_id) if slot is not None else None
        if held is not None:
            return held
        if attempt < attempts - 1:
            clock.sleep(0.05 * 2 ** attempt)
    return None


def _require(import_id: str) -> Any:
    item = store.get(import_id) if import_id and len(import_id) <= 64 else None
    if item is None:
        raise NotFound("no imported badge here", code="import_not_found")
    return item


def confirm(import_id: str, token: str) -> dict:
    item = _require(import_id)
    if item.status == "confirmed":
        raise Gone("this import was already confirmed", code="import_confirmed")
    if not token or not ids.same_secret(ids.sha256_hex(token), item.confirm_token_hash or ""):
        raise NotFound("this confirmation link is not valid", code="import_not_found")
    cutoff = iso(clock.utcnow() - timedelta(hours=rules.CONFIRM_HOURS))
    if item.created_at <= cutoff:
        raise Gone(f"this confirmation link has expired (links work for {rules.CONFIRM_HOURS} hours); "
                   "import the badge again", code="import_expired")
    if not store.confirm(item, ids.sha256_hex(token), cutoff):
        raise NotFound("this confirmation link is not valid", code="import_not_found")
    _skills_changed(item)
    return view(item)


def _skills_changed(item: Any) -> None:
    """A confirmed import's skills join the profile of the address's account (issue 20);
    a re-verification may find the badge revoked since."""
    from ..store import earners
    from . import skill_profile

    skill_profile.changed(earners.email_owner(item.email_hash))


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
    _skills_changed(item)
    return view(item)
