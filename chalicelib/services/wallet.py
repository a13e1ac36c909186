"""The earner's wallet: every credential sent to any of their verified addresses,
claim decisions, privacy, addresses and merges, sharing, the public profile.

Ownership is always proven from the store, never from the request: a credential is
the earner's when they keep it (its `holder`, set when they removed the address it
was sent to) or, when nobody keeps it, when its recipient address belongs to them
(`EMAIL#<hash>/OWNER`). Anything else answers 404, exactly like a credential that
does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..adapters import objects
from ..domain import earners as rules
from ..domain import ids
from ..domain.clock import iso, parse_iso
from ..domain.credentials import Publicity, display_status, publicity, was_accepted
from ..domain.errors import Conflict, NotFound
from ..domain.sharing import (
    SHARE_NETWORKS,
    Shareable,
    card_url,
    embed_card,
    linkedin_add_url,
    manual_fields,
    share_url,
    signature_line,
    signature_snippet,
)
from ..store import credentials as cred_store
from ..store import earners as store
from . import clock
from .notify import verify_url

if TYPE_CHECKING:
    from datetime import datetime

# ------------------------------------------------------------------ accounts


def sign_in(email: str, email_hash: str) -> str:
    """The account of a proven address, created on its first sign-in."""
    for _ in range(3):
        owner = store.email_owner(email_hash)
        if owner:
            return owner
        earner_id = ids.random_token()
        if store.create_with_email(earner_id, email, email_hash, iso(clock.utcnow())):
            from . import skill_profile

            skill_profile.changed(earner_id)  # credentials accepted by claim link before the account existed
            return earner_id
    raise Conflict("this address is being signed in from another request; try again", code="concurrent_update")


def attach_email(earner_id: str, email: str, email_hash: str) -> str:
    """Add a proven address to the account. If it already has an account of its own,
    the earner has now proven both addresses, so the two accounts become one: every
    address and kept credential moves over (credentials follow their addresses)."""
    owner = store.email_owner(email_hash)
    if owner == earner_id:
        return "already"
    locale = _earner(earner_id).locale  # the addresses' owner items carry it (earner_locale_for_email)
    if owner is None:
        if store.add_email(earner_id, email, email_hash, iso(clock.utcnow()), locale=locale):
            from . import skill_profile

            skill_profile.changed(earner_id)  # what was accepted through that address is theirs now
            return "added"
        owner = store.email_owner(email_hash)
        if owner is None or owner == earner_id:
            raise Conflict("the address changed hands during the request; try again", code="concurrent_update")
    emails, held = store.emails_of(owner), store.held_of(owner)
    if 3 * len(emails) + 2 * len(held) + 2 > store.MAX_MERGE_ITEMS:
        raise Conflict("that account is too large to merge in one step; contact support", code="merge_too_large")
    source_names = store.names_held(store.get_earner(owner))
    if not store.merge(earner_id, owner, emails, held, iso(clock.utcnow()), locale=locale):
        raise Conflict("one of the accounts changed during the merge; nothing was moved, try again",
                       code="concurrent_update")
    store.delete_names(source_names)  # the merged-away account's profile addresses are free again
    # and its photo goes (second review: nothing else would ever delete photos/<owner>/, so the
    # person's photo outlived a later "delete my account" of the surviving account)
    from ..store import object_keys

    objects.delete_prefix(object_keys.profile_photos_prefix(owner))
    for item in cred_store.batch_get({h.credential_id for h in held}).values():
        cred_store.set_holder(item, earner_id, previous=owner)
    store.end_sessions(owner)
    from . import skill_profile, talent, workforce

    # issue 20 (second review): the merged-away account's talent messages move over and it
    # leaves the talent index; its employer links end (the organizations lose access at once;
    # the person links again from the surviving account if they wish), so nothing of it is
    # left where the surviving account's erasure would not reach
    talent.merged(owner, earner_id)
    workforce.forget(owner)
    skill_profile.changed(owner)  # gone: its counts are taken back, its profile item deleted
    skill_profile.changed(earner_id)  # and counted once, in the account they merged into
    return "merged"


def remove_email(earner_id: str, email_hash: str, keep_session_id: str | None = None) -> None:
    """Detach an address. Credentials accepted through it stay in the wallet, held by
    this account alone (a later owner of the mailbox does not get them), and nothing
    about them changes: removing an address never deletes a credential. Every other
    session ends: whoever signed in through that mailbox is out."""
    emails = store.emails_of(earner_id)
    if email_hash not in {e.email_hash for e in emails}:
        raise NotFound("this address is not on your account", code="email_not_found")
    if len(emails) == 1:
        raise Conflict("this is your only address; add another before removing it", code="last_email")
    now = iso(clock.utcnow())
    kept = [c for c in cred_store.all_for_email(email_hash)
            if was_accepted(c.status, c.accepted_at) and c.holder in (None, earner_id)]
    store.hold(earner_id, [c.credential_id for c in kept], now)
    for item in kept:
        if item.holder is None:
            cred_store.set_holder(item, earner_id)
    if not store.remove_email(earner_id, email_hash, now):
        if store.email_owner(email_hash) == earner_id:
            raise Conflict("this is your only address; add another before removing it", code="last_email")
        raise NotFound("this address is not on your account", code="email_not_found")
    store.end_sessions(earner_id, ids.sha256_hex(keep_session_id) if keep_session_id else None)
    from . import skill_profile

    skill_profile.changed(earner_id)  # imports to that address (and pending credentials) leave the profile


def settings(earner_id: str) -> dict:
    earner = _earner(earner_id)
    emails = sorted(store.emails_of(earner_id), key=lambda e: e.verified_at)
    return {"display_name": earner.display_name or "", "profile_public": bool(earner.profile_public),
            "profile_url": profile_url(earner_id, earner.vanity_name),
            "vanity_name": earner.vanity_name or "", "headline": earner.headline or "",
            "photo_url": _photo_path(earner), "locale": earner.locale or "automatic",
            "emails": [{"email": e.email, "hash": e.email_hash, "since": e.verified_at} for e in emails]}


_KEEP: Any = object()
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png"}  # what domain/photos.py writes


def update_profile(earner_id: str, display_name: str | None, profile_public: bool, headline: Any = _KEEP) -> None:
    """`headline`: the profile's short line (None or "" removes it; left out: unchanged,
    as for an operator's rectification of the name)."""
    changes = {"display_name": display_name or None, "profile_public": profile_public}
    if headline is not _KEEP:
        changes["headline"] = headline or None
    if profile_public:
        changes["restricted_at"] = None  # showing something again is lifting the restriction
    if not store.update_profile(earner_id, iso(clock.utcnow()), **changes):
        raise NotFound("this account no longer exists", code="earner_not_found")
    from . import skill_profile

    skill_profile.changed(earner_id)  # a lifted restriction counts them again; the indexes show the new name


def set_skill_settings(earner_id: str, *, skills_public: bool, counted_in_insights: bool) -> None:
    """The skills page's two choices (issue 20): "show my skills on my public profile"
    (off until chosen) and "count my skills in anonymous network insights" (on until the
    earner opts out; the insights are "aggregated, with any group under 10 people
    hidden"). Opting out takes their counts out of every aggregate at once: the refresh
    below runs before the answer."""
    from . import skill_profile

    if not store.update_profile(earner_id, iso(clock.utcnow()), skills_public=True if skills_public else None,
                                insights_opt_out=None if counted_in_insights else True):
        raise NotFound("this account no longer exists", code="earner_not_found")
    skill_profile.refresh(earner_id)


def _earner(earner_id: str) -> Any:
    earner = store.get_earner(earner_id)
    if earner is None:
        raise NotFound("this account no longer exists", code="earner_not_found")
    return earner


def profile_url(earner_id: str, vanity_name: str | None = None) -> str:
    """The profile's address: its vanity address once it has one; `/profiles/<id>` keeps
    answering too (links shared before the name was chosen)."""
    from ..config import get_settings

    base = get_settings().public_base_url
    return f"{base}/u/{vanity_name}" if vanity_name else f"{base}/profiles/{earner_id}"


# ------------------------------------------------------------------ vanity name, photo, language (issue 19)


def set_vanity_name(earner_id: str, name: str) -> str:
    """Choose or change the profile's vanity address. The name left behind redirects to
    the new one for 90 days and nobody else can take it meanwhile (domain/vanity.py)."""
    from ..domain import vanity

    chosen = vanity.check(name)
    earner = _earner(earner_id)
    if earner.vanity_name == chosen:
        return chosen
    now = clock.utcnow()
    released = vanity.released_at(now)
    if store.claim_name(earner_id, chosen, earner.vanity_name, iso(now), iso(released), int(released.timestamp())):
        return chosen
    held = store.get_name(chosen)
    if held is not None and held.earner_id != earner_id:
        raise Conflict(f'the address "{chosen}" is taken; choose another', code="name_taken")
    raise Conflict("your profile address changed in another window; reload and try again", code="concurrent_update")


def set_photo(earner_id: str, data: bytes) -> None:
    """Store a new profile photo (re-encoded, square, without the upload's metadata:
    domain/photos.py) in the private part of the bucket; the previous one goes."""
    from ..domain.photos import square_photo
    from ..store import object_keys

    earner = _earner(earner_id)
    image, ext = square_photo(data)
    key = object_keys.profile_photo_key(earner_id, image, ext)
    objects.put(key, image, PHOTO_TYPES[ext], cache_control="private, no-store")
    if not store.update_profile(earner_id, iso(clock.utcnow()), photo_key=key):
        objects.delete_prefix(key)
        raise NotFound("this account no longer exists", code="earner_not_found")
    if earner.photo_key and earner.photo_key != key:
        objects.delete_prefix(earner.photo_key)  # every version: the deployed bucket keeps them otherwise


def remove_photo(earner_id: str) -> None:
    earner = _earner(earner_id)
    if earner.photo_key:
        store.update_profile(earner_id, iso(clock.utcnow()), photo_key=None)
        objects.delete_prefix(earner.photo_key)  # every version, not just a delete marker


def _photo_path(earner: Any) -> str | None:
    """Where the app serves the photo (`public_photo`); its file name changes with it."""
    if not earner.photo_key:
        return None
    return f"/profiles/{earner.earner_id}/photo/{earner.photo_key.rsplit('/', 1)[-1]}"


def public_photo(earner_id: str, file_name: str) -> tuple[bytes, str]:
    """The photo of a public profile, by the name `_photo_path` gave it. A private,
    restricted or erased profile has none (404), like a profile that does not exist."""
    earner: Any = store.get_earner(earner_id) if ids.RANDOM_PART.match(earner_id or "") else None
    if not _shown(earner) or not earner.photo_key or earner.photo_key.rsplit("/", 1)[-1] != file_name:
        raise NotFound("no photo is published at this address", code="photo_not_found")
    data = objects.get_if_present(earner.photo_key)
    if data is None:
        raise NotFound("no photo is published at this address", code="photo_not_found")
    return data, PHOTO_TYPES[earner.photo_key.rsplit(".", 1)[-1]]


# "automatic": no setting, the browser's Accept-Language (or ?lang=) decides
AUTOMATIC = "automatic"


def set_locale(earner_id: str, choice: str) -> None:
    """The language of the earner's pages and mails: one of chalicelib.i18n.LOCALES, or
    "automatic". Copied onto the addresses' owner items (earner_locale_for_email)."""
    from .. import i18n
    from ..domain.errors import BadRequest

    if choice != AUTOMATIC and choice not in i18n.LOCALES:
        raise BadRequest(f"language must be {AUTOMATIC} or one of {', '.join(i18n.LOCALES)}", code="invalid_locale")
    hashes = [e.email_hash for e in store.emails_of(earner_id)]
    if not store.set_locale(earner_id, None if choice == AUTOMATIC else choice, hashes, iso(clock.utcnow())):
        raise Conflict("your addresses changed in another window; reload and try again", code="concurrent_update")


def earner_locale_for_email(email_hash: str) -> str | None:
    """The language setting of whoever owns this address (for a mail to it), or None
    (no account, or "automatic"): one GetItem (store/earners.earner_locale_for_email)."""
    return store.earner_locale_for_email(email_hash)


# ------------------------------------------------------------------ the wallet


def _entry(item: Any, now: datetime) -> dict:
    snap = item.snapshot
    expires = parse_iso(item.expires_at) if item.expires_at else None
    if item.status in ("pending", "rejected"):
        state = item.status
    else:
        state = display_status(item.status, expires, now)
    return {
        "id": item.credential_id,
        "state": state,
        "private": bool(item.private),
        "name": snap["template"]["name"],
        "kind": snap["template"]["kind"],
        "skills": list(snap["template"].get("skills") or []),
        "issuer": snap["issuer"]["name"],
        "image_url": objects.public_url(snap["template"].get("image_key")),
        "issued_at": item.issued_at,
        "expires_at": item.expires_at,
        "recipient": f"{item.first_name} {item.last_name}",
        "revocation_reason": item.revocation_reason if item.status == "revoked" else None,
    }


def _items(earner_id: str) -> list:
    """Credentials sent to the earner's addresses (but those another account keeps),
    and the ones this account keeps."""
    found = {}
    for e in store.emails_of(earner_id):
        for item in cred_store.all_for_email(e.email_hash):
            if item.holder in (None, earner_id):
                found[item.credential_id] = item
    held = {h.credential_id for h in store.held_of(earner_id)} - set(found)
    if held:
        found.update(cred_store.batch_get(held))
    return list(found.values())


def wallet(earner_id: str, filters: rules.Filters) -> rules.Wallet:
    """A first sign-in shows every credential ever issued to the address, claimed or not."""
    now = clock.utcnow()
    return rules.arrange([_entry(i, now) for i in _items(earner_id)], filters)


@dataclass(frozen=True)
class WalletPage:
    wallet: rules.Wallet
    imported: list[dict]


def wallet_page(earner_id: str, filters: rules.Filters) -> WalletPage:
    """The wallet page: Laurel credentials (filtered) and confirmed imports."""
    return WalletPage(wallet(earner_id, filters), imported(earner_id))


def imported(earner_id: str) -> list[dict]:
    """Confirmed badges from other issuers, imported to one of the earner's addresses."""
    from ..store import imports as import_store

    out = []
    for e in store.emails_of(earner_id):
        for item in import_store.for_recipient(e.email_hash):
            if item.status == "confirmed":
                c = item.report.get("credential") or {}
                out.append({"id": item.import_id, "name": c.get("name") or "Imported badge",
                            "issuer": c.get("issuer") or "", "result": item.report.get("result"),
                            "last_verified_at": item.last_verified_at[:10], "url": f"/imports/{item.import_id}"})
    return out


def _owned(earner_id: str, credential_id: str) -> Any:
    item = cred_store.get_consistent(credential_id) if ids.split_credential_id(credential_id or "") else None
    if item is None or owner_of(item) != earner_id:
        raise NotFound("no credential of yours has this id", code="credential_not_found")
    return item


def owner_of(item: Any) -> str | None:
    """The account a credential belongs to: its holder if one keeps it, else the
    account that owns the address it was sent to."""
    if item.holder:
        return item.holder
    return store.email_owner(item.email_hash) if item.email_hash else None


def shareable(item: Any, profiles: dict | None = None) -> Shareable:
    """What sharing shows of a credential. The LinkedIn organization (id and name) is
    the issuer's profile as it is now, read at share time (issue 19: "not frozen at issue
    time"); the snapshot's only when the profile is gone. `profiles`: issuer items
    already read, by tenant (several credentials of one issuer: one read)."""
    from .. import i18n
    from ..store import issuers as issuer_store

    snap = item.snapshot
    if profiles is not None and item.tenant_id in profiles:
        profile = profiles[item.tenant_id]
    else:
        profile = issuer_store.get_issuer(item.tenant_id)
        if profiles is not None:
            profiles[item.tenant_id] = profile
    return Shareable(
        credential_id=item.credential_id, badge_name=snap["template"]["name"], issuer_name=snap["issuer"]["name"],
        issued_at=parse_iso(item.issued_at), expires_at=parse_iso(item.expires_at) if item.expires_at else None,
        url=verify_url(item.credential_id), image_url=objects.public_url(snap["template"].get("image_key")),
        linkedin_organization_id=(profile.linkedin_organization_id if profile is not None
                                  else snap["issuer"].get("linkedin_organization_id")),
        organization_name=profile.name if profile is not None else snap["issuer"]["name"],
        earner_name=f"{item.first_name} {item.last_name}", locale=i18n.current(),
    )


def share_view(item: Any, *, counted: bool = True) -> dict | None:
    """The share controls of a credential, or None when it has nothing to share: a
    private, restricted or unaccepted one answers 404 publicly, so nothing offers to
    share, embed or add it to LinkedIn (one rule, every path). `counted`: the buttons go
    through Laurel's redirects (share_redirect below), which count the click (the
    wallet); else straight to the networks (the page after a claim, signed out)."""
    if publicity(item) is not Publicity.PUBLIC:
        return None
    s = shareable(item)
    if counted:
        base = f"/wallet/credentials/{item.credential_id}"
        linkedin, links = f"{base}/linkedin", [(key, label, f"{base}/share/{key}") for key, label in SHARE_NETWORKS]
    else:
        linkedin, links = linkedin_add_url(s), [(key, label, share_url(s, key)) for key, label in SHARE_NETWORKS]
    return {"linkedin_url": linkedin, "linkedin_fields": manual_fields(s), "links": links, "url": s.url,
            "card_url": card_url(s), "embed": embed_card(s), "signature": signature_snippet(s)}


def detail(earner_id: str, credential_id: str) -> dict:
    item = _owned(earner_id, credential_id)
    view = _entry(item, clock.utcnow())
    view.update(description=item.snapshot["template"]["description"], url=verify_url(item.credential_id))
    if was_accepted(item.status, item.accepted_at):  # the owner's: shown or hidden, it can be shown again
        view["accepted"] = True
        view["share"] = share_view(item)
    return view


def after_claim(credential_id: str, token: str, decision: str) -> dict:
    """The claim link's decision (services/claims.decide) and, once accepted, what the
    page after it offers: share, add to LinkedIn, embed (issue 19: "instead of a bare
    redirect"); nothing to share when the credential stays private (a restricted account)."""
    from . import claims

    result = claims.decide(credential_id, token, decision)
    if result["status"] != "accepted":
        return {**result, "share": None}
    item = cred_store.get_consistent(credential_id)
    if item is None:  # erased in the same instant: the decision stands, nothing to show
        return {**result, "share": None, "badge": {"name": "", "image_url": None}, "issuer": ""}
    snap = item.snapshot
    return {**result, "badge": {"name": snap["template"]["name"],
                                "image_url": objects.public_url(snap["template"].get("image_key"))},
            "issuer": snap["issuer"]["name"], "share": share_view(item, counted=False)}


MAX_SIGNATURE = 10  # credentials in one signature line


def signature(earner_id: str, chosen: list[str]) -> dict:
    """The e-mail signature chooser (issue 19, item 3): the earner's public credentials
    to pick from, and the one line of the ones picked, in the order picked. An id that
    is not the earner's public credential is left out, exactly like one never issued."""
    now = clock.utcnow()
    public = {i.credential_id: i for i in _items(earner_id)
              if publicity(i) is Publicity.PUBLIC and i.status == "accepted"}
    picked = [cid for cid in dict.fromkeys(chosen) if cid in public][:MAX_SIGNATURE]
    profiles: dict = {}
    choices = sorted((_entry(i, now) for i in public.values()), key=lambda e: e["issued_at"], reverse=True)
    line = signature_line([shareable(public[cid], profiles) for cid in picked]) if picked else ""
    return {"choices": [{**e, "chosen": e["id"] in picked} for e in choices], "line": line, "max": MAX_SIGNATURE}


def decide(earner_id: str, credential_id: str, decision: str) -> str:
    """Accept or reject from the wallet: being signed in with the recipient's address
    replaces the claim token, which is used up so the mailed link says so."""
    item = _owned(earner_id, credential_id)
    if item.status != "pending":
        raise Conflict(f"this credential was already {item.status}", code="already_claimed")
    now = iso(clock.utcnow())
    status = "accepted" if decision == "accept" else "rejected"
    changes: dict[str, Any] = {"status": status, f"{status}_at": now, "updated_at": now}
    if status == "accepted" and _earner(earner_id).restricted_at:
        changes["private"] = True  # processing is restricted: nothing becomes public until lifted
    if item.claim_token_hash:
        changes["claim_used_hash"] = item.claim_token_hash
    if not cred_store.conditional_update(item, changes, expect_status=("pending",),
                                         remove=("claim_token_hash", "claim_expires_at")):
        raise Conflict("this credential was decided a moment ago in another window", code="already_claimed")
    from . import events
    from .credentials import credential_view

    events.emit(item.tenant_id, f"credential.{status}", credential_view(cred_store.get_consistent(credential_id)))
    from . import engagement

    engagement.transition(status, item, "pending")
    from . import skill_profile

    skill_profile.changed(earner_id)
    return status


def set_private(earner_id: str, credential_id: str, private: bool) -> None:
    item = _owned(earner_id, credential_id)
    if not cred_store.set_private(item, private):
        raise Conflict("only accepted credentials can be shown or hidden", code="invalid_state")
    from . import cdn

    cdn.credentials_changed([item])  # hidden: the CDN stops showing it; shown: its cached "not found" goes
    if private:
        from .openbadges import forget_baked

        forget_baked(item)  # its public image stops answering; showing it again bakes a new one
    else:
        store.update_profile(earner_id, iso(clock.utcnow()), restricted_at=None)  # lifting the restriction
    from . import skill_profile

    skill_profile.changed(earner_id)  # a hidden credential's skills stop counting; shown, they count again


def download_url(earner_id: str, credential_id: str) -> str:
    """The owner downloads any credential they accepted, hidden ones too (from a copy
    that is never public: see openbadges.baked_download_url)."""
    from . import engagement
    from .openbadges import baked_download_url

    item = _owned(earner_id, credential_id)
    url = baked_download_url(item, earner_id)
    engagement.record("download", item)
    return url


def share_redirect(earner_id: str, credential_id: str, network: str) -> str:
    """Where a share button leads (`linkedin-add`: LinkedIn's Add-to-profile form), after
    counting the click (out of band). Only the owner's own credential, and only while
    it is public: a private or hidden one has nothing to share (its page answers 404)."""
    from ..domain.engagement import share_network
    from . import engagement

    chosen = "linkedin-add" if network == "linkedin-add" else share_network(network)
    if chosen is None:
        raise NotFound("no such share button", code="not_found")
    item = _owned(earner_id, credential_id)
    if publicity(item) is not Publicity.PUBLIC:
        raise Conflict("this credential is not public: make it public to share it", code="credential_not_public")
    s = shareable(item)
    if chosen == "linkedin-add":
        engagement.record("linkedin_add", item)
        return linkedin_add_url(s)
    engagement.record("share", item, chosen)
    return share_url(s, chosen)


# ------------------------------------------------------------------ the public profile


def _shown(earner: Any) -> bool:
    """A profile is public when its owner made it so and processing is not restricted."""
    return earner is not None and bool(earner.profile_public) and not earner.restricted_at


def public_profile(earner_id: str) -> dict:
    """A public profile lists only what its owner shows: accepted, not hidden, not
    revoked. Issue 19: it "counts only valid credentials and groups expired ones"."""
    earner: Any = store.get_earner(earner_id) if ids.RANDOM_PART.match(earner_id or "") else None
    if not _shown(earner):
        raise NotFound("no public profile is published at this address", code="profile_not_found")
    now = clock.utcnow()
    shown = [_entry(i, now) for i in _items(earner_id)
             if publicity(i) is Publicity.PUBLIC and i.status == "accepted"]
    shown.sort(key=lambda e: e["issued_at"], reverse=True)
    name = earner.display_name or (shown[0]["recipient"] if shown else None)
    for e in shown:
        e["url"] = verify_url(e["id"])
    from .skill_profile import public_skills

    return {"name": name, "url": profile_url(earner_id, earner.vanity_name), "headline": earner.headline,
            "photo_url": _photo_path(earner), "skills": public_skills(earner),  # issue 20: when the earner chose
            "credentials": [e for e in shown if e["state"] == "valid"],
            "expired": [e for e in shown if e["state"] == "expired"]}


@dataclass(frozen=True)
class NamedProfile:
    """What `/u/<name>` answers: the profile (`profile`), or where the name's owner is now (`moved_to`)."""
    profile: dict | None = None
    moved_to: str | None = None


def profile_by_name(name: str) -> NamedProfile:
    """The public profile a vanity name leads to. A name its owner left answers with
    their current address until it is released; a private, restricted or erased
    profile, a released name and a name nobody chose answer 404 alike."""
    from ..domain import vanity

    wanted = vanity.normalise(name)
    held = store.get_name(wanted) if len(wanted) <= vanity.MAX_LENGTH else None
    now = iso(clock.utcnow())
    if held is None or (not held.current and (held.released_at or "") <= now):
        raise NotFound("no public profile is published at this address", code="profile_not_found")
    if held.current and wanted == name:
        return NamedProfile(profile=public_profile(held.earner_id))
    earner: Any = store.get_earner(held.earner_id)
    if not _shown(earner) or not earner.vanity_name:
        raise NotFound("no public profile is published at this address", code="profile_not_found")
    return NamedProfile(moved_to=f"/u/{earner.vanity_name}")
