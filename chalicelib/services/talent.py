"""Talent search (issue 20 item 4): "Earners may opt in to being found ("open to
opportunities", per credential kind and location). Organizations with the *recruiting*
permission search opted-in earners by skill, credential, issuer and location, and
contact them through Laurel; the earner sees the message and decides whether to reply;
no address is revealed before they do. Every search and contact is audited and
rate-limited."

The index: one `TALENT#<skill key>/<earner>` entry per counted skill of an opted-in
earner (store/talent.py), kept by `profile_changed`, which skill_profile.refresh calls
on every change of what an earner holds or lets others count, and which the opt-in
page calls itself. A search queries the first skill's partition in bounded pages and
filters on the rest in memory: its cost grows with the results asked for, not with the
network.

The organization never sees an earner id or address before a reply: a candidate in the
results is a handle sealed (Fernet, a key derived per organization) around the earner
id, and so is the "more" cursor; another organization's handle does not open.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from .. import i18n
from ..domain import skills as rules
from ..domain.clock import iso
from ..domain.errors import BadRequest, NotFound, TooManyRequests
from ..domain.ids import random_token
from ..domain.limits import Limit
from ..domain.skills import IndexedProfile
from . import clock

KINDS = ("certification", "micro-credential", "badge")
# Issue 20: "every search and contact is ... rate-limited" (figures from the brief)
SEARCH_LIMIT = Limit("talent-search", 60, 3600)  # per member and hour
CONTACT_LIMIT = Limit("talent-contact", 20, 86400)  # per organization and day
PAGE_RESULTS = 20  # results per page of a search
QUERY_LIMIT = 100  # entries per Query of a skill's partition
MAX_QUERIES = 5  # Queries per search request: then a "more" cursor, whatever was found
MAX_SKILLS = 3
SUBJECT_MAX = 150
TEXT_MAX = 2000
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


# ------------------------------------------------------------------ small pure helpers


def normalise_place(text: str | None) -> str:
    """A city or region for matching: accents, case and spacing aside ("São  Paulo" ~ "sao paulo")."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def countries() -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-2 code, name in the current language), by name."""
    from babel import Locale

    names = Locale.parse(i18n.current()).territories
    return sorted(((code, name) for code, name in names.items()
                   if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES), key=lambda c: c[1])


def country_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    from babel import Locale

    if len(code) != 2 or code in NOT_COUNTRIES or code not in Locale("en").territories:
        raise BadRequest("country must be an ISO 3166 country code", code="invalid_country")
    return code


def skill_keys(text: str) -> list[str]:
    """The index keys a searched skill may be held under: an ESCO URI or a key as given;
    words as words (`text:`), and the ESCO skill whose preferred label they are, when the
    taxonomy (issue 20 item 1) is installed."""
    text = " ".join((text or "").split())
    if not text:
        return []
    if text.startswith(rules.ESCO_SKILL):
        return [rules.key(text, text)]
    if rules.is_key(text):
        return [text]
    found = [rules.key(text)]
    try:
        import importlib

        taxonomy: Any = importlib.import_module("chalicelib.services.taxonomy")
        for hit in taxonomy.search(text, kind="skill", limit=1) or []:
            label, uri = hit.get("label") or "", hit.get("uri") or ""
            if uri and label.casefold() == text.casefold():
                found.append(rules.key(label, uri))
    except Exception:  # noqa: BLE001 - no taxonomy (yet): words are searched as words
        pass
    return found


def _fernet(tenant_id: str) -> Any:
    import base64
    import hmac

    from cryptography.fernet import Fernet

    from .signing import derived_key

    key = hmac.new(derived_key(b"laurel talent handles"), tenant_id.encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(tenant_id: str, value: str) -> str:
    return str(_fernet(tenant_id).encrypt(value.encode()).decode())


def unseal(tenant_id: str, token: str | None, what: str = "candidate") -> str:
    from cryptography.fernet import InvalidToken

    try:
        return str(_fernet(tenant_id).decrypt((token or "").encode()).decode())
    except (InvalidToken, ValueError, UnicodeError):
        raise NotFound(f"no such {what}", code="candidate_not_found") from None


def candidate_hash(tenant_id: str, earner_id: str) -> str:
    return hashlib.sha256(f"laurel:talent:{tenant_id}:{earner_id}".encode()).hexdigest()


def message_ref(at: str, message_id: str) -> str:
    return at.replace("-", "").replace(":", "") + "-" + message_id


def _parse_ref(ref: str) -> tuple[str, str]:
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([a-z2-7]{16})", ref or "")
    if not m:
        raise NotFound("no such message", code="message_not_found")
    y, mo, d, h, mi, s, mid = m.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z", mid


# ------------------------------------------------------------------ the index


def profile_changed(earner_id: str, view: IndexedProfile | None) -> None:
    """Put the earner into (or take them out of) this index: for an opted-in earner who
    holds a counted credential of a chosen kind, one entry per counted skill; otherwise
    none. Issue 20: "only earners holding a counted credential of a chosen kind are
    findable". An earner who never opted in costs one GetItem."""
    from ..store import talent as store

    settings = store.get_settings(earner_id)
    if settings is None:
        return
    had = set(settings.indexed or ())
    chosen = set(settings.kinds or ())
    # only what comes from credentials of the kinds the earner chose (second review: a skill
    # held only from a badge made someone who chose certifications findable by it)
    view = view.only_kinds(chosen) if view is not None and settings.open else None
    if view is None:
        if had:
            store.write_entries(earner_id, [], sorted(had), iso(clock.utcnow()))
        return
    common = {
        "display_name": view.display_name or None,
        "skills": list(view.skills),
        "labels": {k: view.labels.get(k, k) for k in view.skills},
        "kinds": [k for k in view.kinds if k in chosen],
        "issuers": list(view.issuers),
        "issuer_names": [view.issuer_names.get(i, "") for i in view.issuers],
        "templates": list(view.templates),
        "credentials": list(view.credential_names)[:50],
        "city": settings.city,
        "city_norm": normalise_place(settings.city) or None,
        "country": settings.country,
    }
    entries = [{"skill": k, **common} for k in view.skills]
    store.write_entries(earner_id, entries, sorted(had - set(view.skills)), iso(clock.utcnow()))


def reindex(earner_id: str) -> None:
    """The earner's entries from their profile as it is now (opt-in page, settings)."""
    from ..store import earners
    from . import skill_profile

    earner = earners.get_earner(earner_id)
    view = None
    if earner is not None:
        view = rules.indexed(skill_profile.compute(earner_id), earner.display_name or "",
                             restricted=bool(earner.restricted_at))
    profile_changed(earner_id, view)


def forget(earner_id: str, *, erase: bool = False) -> None:
    """Restriction and erasure (issue 20 item 7): out of the index at once, and the
    organizations' copies of their messages no longer name them."""
    from ..store import talent as store

    settings = store.get_settings(earner_id)
    if settings is not None and settings.indexed:
        store.write_entries(earner_id, [], sorted(settings.indexed), iso(clock.utcnow()))
    store.withdraw(store.earner_messages(earner_id, limit=1000), iso(clock.utcnow()), erase=erase)


def merged(source_earner_id: str, target_earner_id: str) -> None:
    """Two accounts became one (services/wallet.attach_email): the merged-away account
    leaves the index and its messages move to the surviving account, where the person
    reads and answers them and from where erasure reaches them (second review: they were
    left behind, so erasing the surviving account left the organization's copies named)."""
    from ..store import talent as store

    settings = store.get_settings(source_earner_id)
    if settings is not None and settings.indexed:
        store.write_entries(source_earner_id, [], sorted(settings.indexed), iso(clock.utcnow()))
    store.move_to(source_earner_id, target_earner_id)


# ------------------------------------------------------------------ the earner's opt-in page


def settings(earner_id: str) -> dict:
    from ..store import talent as store

    item = store.get_settings(earner_id)
    return {"open": bool(item and item.open), "kinds": sorted(item.kinds or ()) if item else [],
            "city": (item.city or "") if item else "", "country": (item.country or "") if item else "",
            "findable": bool(item and item.indexed), "countries": countries()}


def save_settings(earner_id: str, *, open: bool, kinds: list[str], city: str, country: str | None) -> dict:
    from ..store import talent as store

    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise BadRequest(f"unknown credential kind {bad[0]!r}", code="invalid_kind")
    if open and not kinds:
        raise BadRequest("choose at least one kind of credential to be found by", code="kinds_missing")
    store.put_settings(earner_id, open=open, kinds=kinds, city=" ".join(city.split())[:100] or None,
                       country=country_code(country), now=iso(clock.utcnow()))
    if open:
        reindex(earner_id)
    else:
        # issue 20: "Turning it off removes the earner from the index at once", and
        # "their messages are no longer shown to the organization with their name"
        forget(earner_id)
    return settings(earner_id)


# ------------------------------------------------------------------ console: search


def _matches(d: dict, wanted: list[list[str]], credential: str, issuer: str, country: str | None,
             city: str) -> bool:
    held = set(d.get("skills") or ())
    if not all(held & set(variants) for variants in wanted):
        return False
    if credential and not (credential.casefold() in " | ".join(d.get("credentials") or ()).casefold()
                           or credential in (d.get("templates") or ())):
        return False
    if issuer and not (issuer in (d.get("issuers") or ())
                       or any(issuer.casefold() in (n or "").casefold() for n in d.get("issuer_names") or ())):
        return False
    if country and d.get("country") != country:
        return False
    return not (city and city not in (d.get("city_norm") or ""))


def search(member: Any, *, skills: list[str], credential: str = "", issuer: str = "", country: str | None = None,
           city: str = "", cursor: str | None = None) -> dict:
    """Opted-in earners holding every skill of `skills` (and the credential, issuer and
    place asked for), at most PAGE_RESULTS per page and MAX_QUERIES Queries per request.
    Rate-limited per member, audited."""
    from ..store import talent as store
    from . import audit, limits

    skills = [s for s in (" ".join(s.split()) for s in skills) if s]
    if not skills:
        raise BadRequest("name at least one skill", code="skills_missing")
    if len(skills) > MAX_SKILLS:
        raise BadRequest(f"at most {MAX_SKILLS} skills", code="too_many_skills")
    country = country_code(country)
    wanted = [skill_keys(s) for s in skills]
    place = normalise_place(city)
    credential = " ".join(credential.split())
    issuer = " ".join(issuer.split())
    position: tuple[int, str | None] = (0, None)
    if cursor:
        raw = unseal(member.tenant_id, cursor, "page")
        raw_variant, _, raw_start = raw.partition("|")
        if not raw_variant.isdigit() or int(raw_variant) >= len(wanted[0]):
            raise NotFound("no such page", code="candidate_not_found")
        position = (int(raw_variant), raw_start or None)
    limits.enforce(SEARCH_LIMIT, f"{member.tenant_id}#{member.member_id}", clock.utcnow(),
                   "too many searches: try again later", code="rate_limited")
    found: list[Any] = []
    seen: set[str] = set()
    variant, start = position
    queries = 0
    next_cursor = None
    while variant < len(wanted[0]):
        items, last = store.entries_page(wanted[0][variant], limit=QUERY_LIMIT, start=start)
        queries += 1
        for entry in items:
            if entry.earner_id not in seen and _matches(entry.data or {}, wanted, credential, issuer, country, place):
                seen.add(entry.earner_id)
                found.append(entry)
                if len(found) >= PAGE_RESULTS:  # a full page: the next one starts after this entry
                    last = entry.earner_id if entry is not items[-1] or last is not None else None
                    break
        if last is None:
            variant, start = variant + 1, None
        else:
            start = last
        if variant >= len(wanted[0]):
            break
        if len(found) >= PAGE_RESULTS or queries >= MAX_QUERIES:
            next_cursor = seal(member.tenant_id, f"{variant}|{start or ''}")
            break
    results = [_result(member.tenant_id, e, wanted) for e in found]
    audit.record_member_action(member.tenant_id, member.member_id, "GET", "/console/talent", {
        "skills": "; ".join(skills)[:200], "credential": credential[:200], "issuer": issuer[:200],
        "country": country or "", "city": place[:100], "results": str(len(results)), "page": "next" if cursor else "1"})
    return {"results": results, "next_cursor": next_cursor}


def _result(tenant_id: str, entry: Any, wanted: list[list[str]]) -> dict:
    d = entry.data or {}
    labels, held = d.get("labels") or {}, d.get("skills") or []
    matching = [labels.get(k, k) for variants in wanted for k in variants if k in held]
    return {"handle": seal(tenant_id, entry.earner_id), "name": d.get("display_name") or "",
            "matching": list(dict.fromkeys(matching)),
            "skills": [labels.get(k, k) for k in held][:30],
            "credentials": list(d.get("credentials") or ())[:20],
            "issuers": [n for n in dict.fromkeys(d.get("issuer_names") or ()) if n],
            "kinds": list(d.get("kinds") or ()), "city": d.get("city") or "", "country": d.get("country") or ""}


# ------------------------------------------------------------------ console: contact


def _findable(earner_id: str) -> tuple[Any, Any]:
    """The earner behind a handle while they are still findable (opted in, indexed, not
    restricted); else 404, as for a handle that never was."""
    from ..store import earners
    from ..store import talent as store

    item = store.get_settings(earner_id)
    earner = earners.get_earner(earner_id) if item is not None else None
    if item is None or not item.open or not item.indexed or earner is None or earner.restricted_at:
        raise NotFound("this candidate is no longer open to opportunities", code="candidate_not_found")
    return item, earner


def candidate(member: Any, handle: str) -> dict:
    earner_id = unseal(member.tenant_id, handle)
    _, earner = _findable(earner_id)
    return {"handle": handle, "name": earner.display_name or ""}


def contact(member: Any, handle: str, subject: str, text: str) -> dict:
    """A message to a candidate, through Laurel: stored (their copy and the
    organization's), mailed to them in their language with the organization's name and
    a link to their wallet, never the recruiter's address. One open contact per
    candidate per organization, CONTACT_LIMIT per organization and day (429, nothing
    written)."""
    from ..store import earners
    from ..store import issuers as issuer_store
    from ..store import talent as store
    from . import limits, notify

    earner_id = unseal(member.tenant_id, handle)
    subject, text = " ".join(subject.split()), text.strip()
    if not subject or not text:
        raise BadRequest("write a subject and a message", code="message_missing")
    if len(subject) > SUBJECT_MAX or len(text) > TEXT_MAX:
        raise BadRequest(f"at most {SUBJECT_MAX} characters of subject and {TEXT_MAX} of message",
                         code="message_too_long")
    _, earner = _findable(earner_id)
    chash = candidate_hash(member.tenant_id, earner_id)
    if store.open_contact(member.tenant_id, chash) is not None:
        raise TooManyRequests("you wrote to this candidate already: wait for their answer",
                              code="contact_open", retry_after=86400)
    now = clock.utcnow()
    limits.enforce(CONTACT_LIMIT, member.tenant_id, now, "your organization sent as many messages as it may today",
                   code="rate_limited")
    issuer = issuer_store.get_issuer(member.tenant_id)
    organization = issuer.name if issuer else ""
    at, message_id = iso(now), random_token(10)
    if not store.put_message(earner_id, member.tenant_id, message_id=message_id, at=at, organization=organization,
                             member_id=member.member_id, member_email=member.email,
                             candidate=earner.display_name or "", candidate_hash=chash, subject=subject, text=text):
        raise TooManyRequests("you wrote to this candidate already: wait for their answer",
                              code="contact_open", retry_after=86400)
    addresses = earners.emails_of(earner_id)
    if addresses:
        notify.send_talent_message(addresses[0].email, organization=organization, subject=subject,
                                   locale=earner.locale)
    return {"id": message_ref(at, message_id)}


def org_messages(member: Any) -> list[dict]:
    from ..store import talent as store

    return [_org_view(m) for m in store.org_messages(member.tenant_id)]


def org_message(member: Any, ref: str) -> dict:
    from ..store import talent as store

    at, mid = _parse_ref(ref)
    item = store.org_message(member.tenant_id, at, mid)
    if item is None:
        raise NotFound("no such message", code="message_not_found")
    return _org_view(item)


def _org_view(m: Any) -> dict:
    """What the organization sees: the name while the candidate stays, the reply and the
    address only once they replied."""
    return {"ref": message_ref(m.at, m.message_id), "at": m.at, "subject": m.subject, "text": m.text,
            "candidate": m.candidate or "", "status": m.status, "reply": m.reply if m.status == "replied" else None,
            "reply_from": m.reply_from if m.status == "replied" else None, "decided_at": m.decided_at}


# ------------------------------------------------------------------ the earner's messages


def earner_messages(earner_id: str) -> list[dict]:
    from ..store import talent as store

    return [{"ref": message_ref(m.at, m.message_id), "at": m.at, "organization": m.organization,
             "subject": m.subject, "text": m.text, "status": m.status, "reply": m.reply}
            for m in store.earner_messages(earner_id)]


def _own_message(earner_id: str, ref: str) -> tuple[Any, Any]:
    from ..store import talent as store

    at, mid = _parse_ref(ref)
    msg = store.earner_message(earner_id, at, mid)
    org = store.org_message(msg.tenant_id, at, mid) if msg is not None else None
    if msg is None or org is None:
        raise NotFound("no such message", code="message_not_found")
    from ..domain.errors import Conflict

    if msg.status == "withdrawn" or org.status == "withdrawn":
        # ended when the earner stopped being findable (opt-out, restriction): replying now
        # would reveal the address to an organization the earner left
        raise Conflict("this conversation ended when you stopped being findable", code="message_closed")
    if msg.status != "open" or org.status != "open":
        raise Conflict("you answered this message already", code="message_answered")
    return msg, org


def reply(earner_id: str, ref: str, text: str, email_hash: str) -> None:
    """The earner replies: the reply goes by mail to the recruiter's address with
    Reply-To = the earner's chosen address, the moment the address is revealed."""
    from ..store import earners
    from ..store import talent as store
    from . import notify

    text = text.strip()
    if not text:
        raise BadRequest("write a reply", code="message_missing")
    if len(text) > TEXT_MAX:
        raise BadRequest(f"at most {TEXT_MAX} characters", code="message_too_long")
    msg, org = _own_message(earner_id, ref)
    address = next((e.email for e in earners.emails_of(earner_id) if e.email_hash == email_hash), None)
    if address is None:
        raise BadRequest("choose one of your addresses", code="invalid_address")
    earner = earners.get_earner(earner_id)
    name = (earner.display_name if earner else "") or ""
    notify.send_talent_reply(org.member_email, reply_to=address, name=name, subject=msg.subject, text=text)
    if not store.decide(earner_id, msg, org, status="replied", now=iso(clock.utcnow()), reply=text,
                        reply_from=address):
        from ..domain.errors import Conflict

        raise Conflict("you answered this message already", code="message_answered")


def decline(earner_id: str, ref: str) -> None:
    from ..store import talent as store

    msg, org = _own_message(earner_id, ref)
    if not store.decide(earner_id, msg, org, status="declined", now=iso(clock.utcnow())):
        from ..domain.errors import Conflict

        raise Conflict("you answered this message already", code="message_answered")


def export(earner_id: str) -> dict:
    """The earner's data export (issue 20 item 7): settings and messages."""
    from ..store import talent as store

    item = store.get_settings(earner_id)
    return {"open_to_opportunities": bool(item and item.open),
            "kinds": sorted(item.kinds or ()) if item else [],
            "city": item.city if item else None, "country": item.country if item else None,
            "messages": [{"at": m.at, "organization": m.organization, "subject": m.subject, "text": m.text,
                          "status": m.status, "reply": m.reply} for m in store.earner_messages(earner_id, 1000)]}
