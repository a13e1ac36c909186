"""Data rights of the people credentials are issued to: access (export), restriction,
erasure. Earners exercise them signed in; operators act on a request by address.

Laurel holds what issuers send about a person (address, first and last name, the
credential) and what the person adds (more addresses, a display name, privacy
choices). Erasure removes all of it from every table and the bucket; what stays of a
credential is the issuer's own data (badge snapshot, dates, status-list slot), and
its public page and Open Badges documents answer 410.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..adapters import objects
from ..domain import ids
from ..domain.clock import iso, parse_iso
from ..domain.credentials import Publicity, display_status, publicity, was_accepted
from ..domain.errors import NotFound, ServiceUnavailable
from ..store import credentials as cred_store
from ..store import earners as store
from ..store import imports as import_store
from ..store import object_keys
from ..web import render
from . import clock, notify
from .notify import verify_url

if TYPE_CHECKING:
    from datetime import datetime

EXPORT_LINK_SECONDS = 3600


@dataclass(frozen=True)
class Person:
    """Whom a request is about: an account (with all its addresses) or, for an
    operator acting on a request from someone who never signed in, one address."""
    earner_id: str | None
    emails: dict[str, str]  # email hash -> address


def person_of_earner(earner_id: str) -> Person:
    return Person(earner_id, {e.email_hash: e.email for e in store.emails_of(earner_id)})


def person_of_email(email: str) -> Person:
    """The whole account if the address has one, else just the address."""
    email = ids.normalize_email(email)
    owner = store.email_owner(ids.email_hash(email))
    if owner:
        return person_of_earner(owner)
    return Person(None, {ids.email_hash(email): email})


def _credentials(person: Person) -> list:
    """The person's credentials: sent to their addresses (but those another account
    keeps, see wallet.owner_of) and those their account keeps."""
    found = {}
    for h in person.emails:
        for item in cred_store.all_for_email(h):
            if item.holder in (None, person.earner_id):
                found[item.credential_id] = item
    if person.earner_id:
        held = {h.credential_id for h in store.held_of(person.earner_id)} - set(found)
        if held:
            found.update(cred_store.batch_get(held))
    return sorted(found.values(), key=lambda i: i.issued_at)


# ------------------------------------------------------------------ access


def _events(item: Any, now: datetime) -> list[dict]:
    """A credential's history, from the times the store keeps."""
    events = [{"event": "issued", "at": item.issued_at}]
    for name in ("accepted", "rejected", "revoked"):
        at = getattr(item, f"{name}_at")
        if at:
            reason = {"reason": item.revocation_reason} if name == "revoked" else {}
            events.append({"event": name, "at": at, **reason})
    if item.expires_at and parse_iso(item.expires_at) <= now:
        events.append({"event": "expired", "at": item.expires_at})
    for name, event in (("expiry_reminded_at", "expiry reminder mailed"), ("expired_notified_at", "expiry mailed")):
        if getattr(item, name):
            events.append({"event": event, "at": getattr(item, name)})
    return sorted(events, key=lambda e: e["at"])


def _credential_record(item: Any, now: datetime) -> dict:
    snap = item.snapshot
    return {
        "id": item.credential_id,
        "verification_url": verify_url(item.credential_id),
        "recipient": {"email": item.email, "first_name": item.first_name, "last_name": item.last_name},
        "issuer": {k: snap["issuer"].get(k) for k in ("name", "url", "email")},
        "badge": {k: v for k, v in snap["template"].items() if k != "image_key"},
        "status": item.status,
        "display_status": display_status(item.status, parse_iso(item.expires_at) if item.expires_at else None, now),
        "private": bool(item.private),
        "issued_at": item.issued_at, "expires_at": item.expires_at, "evidence": item.evidence,
        "events": _events(item, now),
    }


def build_export(person: Person) -> bytes:
    """The ZIP: profile.json, credentials.json (with their events), imports.json and
    the baked image of every credential that was ever accepted."""
    from .openbadges import baked_file

    now = clock.utcnow()
    profile: dict = {"addresses": sorted(person.emails.values()), "exported_at": iso(now)}
    photo: tuple[bytes, str] | None = None
    if person.earner_id:
        earner = store.get_earner(person.earner_id)
        profile.update(account_id=person.earner_id, display_name=earner.display_name if earner else None,
                       profile_public=bool(earner and earner.profile_public),
                       restricted_at=earner.restricted_at if earner else None,
                       created_at=earner.created_at if earner else None,
                       addresses=[{"email": e.email, "verified_at": e.verified_at}
                                  for e in store.emails_of(person.earner_id)])
        if earner:  # issue 19: the profile's address, the names that still lead to it, headline, photo, language
            profile.update(vanity_name=earner.vanity_name, headline=earner.headline, language=earner.locale,
                           profile_names=[{"name": n.name, "current": bool(n.current),
                                           "redirects_until": n.released_at} for n in store.names_held(earner)])
            data = objects.get_if_present(earner.photo_key) if earner.photo_key else None
            if data is not None:
                photo = data, earner.photo_key.rsplit(".", 1)[-1]
                profile["photo"] = f"photo.{photo[1]}"
    if person.earner_id:  # issue 20: the organizations the wallet is linked to (services/workforce.py)
        from . import workforce

        profile["employers"] = workforce.export(person.earner_id)
    items = _credentials(person)
    skills = _skills_export(person)
    imports = [{"id": i.import_id, "status": i.status, "source": i.source, "report": i.report,
                "created_at": i.created_at} for h in person.emails for i in import_store.for_recipient(h)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("profile.json", json.dumps(profile, indent=2, ensure_ascii=False))
        z.writestr("credentials.json", json.dumps([_credential_record(i, now) for i in items], indent=2,
                                                  ensure_ascii=False))
        z.writestr("imports.json", json.dumps(imports, indent=2, ensure_ascii=False))
        if skills is not None:
            z.writestr("skills.json", json.dumps(skills, indent=2, ensure_ascii=False))
        if person.earner_id:  # issue 20 item 7: the talent search opt-in and organizations' messages
            from . import talent

            z.writestr("opportunities.json", json.dumps(talent.export(person.earner_id), indent=2,
                                                         ensure_ascii=False))
        if photo is not None:
            z.writestr(f"photo.{photo[1]}", photo[0])
        for item in items:
            if was_accepted(item.status, item.accepted_at) and item.snapshot["template"].get("image_key"):
                data, ext = baked_file(item)  # a hidden one is baked in memory, published nowhere
                z.writestr(f"images/{item.credential_id}.{ext}", data)
        z.writestr("README.txt", render("mail/export_readme.txt"))
    return buffer.getvalue()


def _skills_export(person: Person) -> dict | None:
    """Issue 20: the skill profile (every skill, where it came from, hidden ones marked)
    and the earner's two skill settings. (Workforce links and talent settings are added
    by their own services.) None for an address without an account."""
    if not person.earner_id:
        return None
    from . import skill_profile

    earner = store.get_earner(person.earner_id)
    return {"settings": {"show_on_public_profile": bool(earner and earner.skills_public),
                         "counted_in_network_insights": bool(earner and not earner.insights_opt_out)},
            "skills": skill_profile.stored_form(skill_profile.compute(person.earner_id))}


def _export_owner(person: Person) -> str:
    """Whose private files these are: the account, or the one address without one."""
    return person.earner_id or next(iter(person.emails))


def _export_budget(person: Person) -> None:
    """A few exports a day: each one reads and bakes everything, and mails a link."""
    from ..domain.earners import EXPORTS_PER_DAY
    from ..domain.errors import TooManyRequests

    now = int(clock.utcnow().timestamp())
    day = now - now % 86400
    if not store.rate_hit("export", person.earner_id or next(iter(person.emails)), day, EXPORTS_PER_DAY,
                          day + 2 * 86400):
        raise TooManyRequests(f"at most {EXPORTS_PER_DAY} exports a day; use the newest link you received",
                              code="rate_limited")


def export(person: Person, send_to: str) -> dict:
    """Write the ZIP to the private part of the bucket and mail a link that works for
    an hour. Only the person's own address receives it."""
    _export_budget(person)
    data = build_export(person)
    key = object_keys.export_key(_export_owner(person), ids.random_token())
    objects.put(key, data, "application/zip", cache_control="private, no-store")
    link = objects.download_url(key, "laurel-data-export.zip", seconds=EXPORT_LINK_SECONDS)
    try:
        notify.send_export(send_to, link, EXPORT_LINK_SECONDS // 60)
    except ServiceUnavailable:
        objects.delete(key)  # nobody got the link: the file goes
        raise
    return {"bytes": len(data), "sent_to": send_to}


def export_for_earner(earner_id: str, email_hash: str) -> dict:
    """An earner's own export, mailed to the one of their addresses they chose."""
    person = person_of_earner(earner_id)
    return export(person, send_to=own_address(person, email_hash))


def export_on_request(email: str) -> dict:
    """An operator acting on an access request: mailed to that address only."""
    return export(person_of_email(email), send_to=email)


def own_address(person: Person, email_hash: str) -> str:
    """The address an export goes to: one of the person's own, chosen by them."""
    if email_hash not in person.emails:
        raise NotFound("this address is not on your account", code="email_not_found")
    return person.emails[email_hash]


# ------------------------------------------------------------------ rectification


def rectify(person: Person, display_name: str) -> dict:
    """Correct the name an account shows (the names issuers sent stay the issuers' to
    correct: they re-issue). Only accounts have a display name."""
    if not person.earner_id:
        raise NotFound("this address has no Laurel account; the issuer who sent the name can correct it",
                       code="earner_not_found")
    from .wallet import update_profile

    earner = store.get_earner(person.earner_id)
    update_profile(person.earner_id, display_name, bool(earner and earner.profile_public))
    return {"display_name": display_name or None}


def rectify_on_request(email: str, display_name: str) -> dict:
    return rectify(person_of_email(email), display_name)


# ------------------------------------------------------------------ restriction


def restrict_earner(earner_id: str) -> dict:
    return restrict(person_of_earner(earner_id))


def restrict_on_request(email: str) -> dict:
    return restrict(person_of_email(email))



def restrict(person: Person) -> dict:
    """Hide everything at once: the profile and every credential, pending ones too, so
    that one accepted later (by its claim link, even with no account) stays hidden.
    Each credential's public image is deleted. `hidden`: how many were public."""
    from .openbadges import forget_baked

    now = iso(clock.utcnow())
    if person.earner_id:
        store.set_restricted(person.earner_id, now)
        from . import workforce

        workforce.restricted(person.earner_id)  # issue 20: out of every employer's index at once
        from . import talent

        talent.forget(person.earner_id)  # issue 20 item 7: out of the talent index, messages unnamed
    hidden, changed = 0, []
    for item in _credentials(person):
        was_public = publicity(item) is Publicity.PUBLIC
        if not item.erased_at and cred_store.restrict(item):
            forget_baked(item)
            hidden += was_public
            changed.append(item)
    from . import cdn

    cdn.credentials_changed(changed)  # one invalidation for all of them
    if person.earner_id:  # out of every index and aggregate (issue 20); a failure fails the request: run it again
        from . import skill_profile

        skill_profile.refresh(person.earner_id)
    return {"hidden": hidden}


# ------------------------------------------------------------------ erasure


def erase_on_request(email: str, *, confirm: str | None) -> dict:
    """An operator erasing on a person's request: it cannot be undone, so it must be meant."""
    if confirm != "erase":
        from ..domain.errors import BadRequest

        raise BadRequest('erasure cannot be undone: send "confirm": "erase"', code="confirmation_required")
    return erase(person_of_email(email))


def erase_earner(earner_id: str) -> dict:
    return erase(person_of_earner(earner_id))


def erase(person: Person) -> dict:
    """The right to be forgotten. Logs first, credentials next, the account last: the
    credentials are what lead to the tenants' logs, so a run that stops halfway can be
    run again and finishes the job (every step is idempotent)."""
    if not person.emails and not person.earner_id:
        raise NotFound("nobody is known by this address", code="person_not_found")
    from . import tenant_logs

    now = iso(clock.utcnow())
    items = _credentials(person)
    counts = {"credentials": 0, "recipient_slots": 0, "imports": 0, "earner_items": 0, "files": 0}
    counts.update(tenant_logs.forget(person.emails, {i.tenant_id for i in items}, {i.credential_id for i in items}))
    for item in items:
        counts["files"] += objects.delete_prefix(object_keys.baked_prefix(item.tenant_id, item.credential_id))
        if item.email_hash:
            counts["recipient_slots"] += cred_store.delete_recipient_slots(item.tenant_id, item.email_hash)
        counts["credentials"] += cred_store.erase(item, now)
    for h in person.emails:
        doomed = import_store.for_recipient(h)
        import_store.delete_all(doomed)
        counts["imports"] += len(doomed)
    for prefix in {object_keys.export_prefix(owner) for owner in (_export_owner(person), *person.emails)}:
        counts["files"] += objects.delete_prefix(prefix)
    if person.earner_id:  # the profile photo (issue 19); its vanity names go with the account below
        counts["files"] += objects.delete_prefix(object_keys.profile_photos_prefix(person.earner_id))
    # the organizations' exports made before today may name the person (awards CSV, ZIP):
    # they go too, so erased data does not come back through a link still valid (issue 15)
    for tenant_id in sorted({i.tenant_id for i in items}):
        counts["files"] += objects.delete_prefix(object_keys.org_exports_prefix(tenant_id))
    if person.earner_id:  # issue 20 item 7: before the account goes (its settings name the index entries)
        from . import talent

        talent.forget(person.earner_id, erase=True)
    from . import workforce

    if person.earner_id:
        # issue 20: the person's counts leave the aggregates and they leave every index (talent,
        # workforce) while the account still says what was counted; erase_person then deletes the
        # stored profile with the rest of the account, and the refresh after it tells the indexes
        # the earner is gone (profile_changed(None)). A failure stops here: erasure is run again.
        from . import skill_profile

        skill_profile.refresh(person.earner_id)
    counts["earner_items"] = workforce.forget(person.earner_id)  # issue 20: employer links and index entries
    counts["earner_items"] += store.erase_person(person.earner_id, set(person.emails))
    if person.earner_id:
        skill_profile.refresh(person.earner_id)
    from . import cdn

    cdn.credentials_changed(items)  # last, with everything erased: one invalidation for all of them
    return counts
