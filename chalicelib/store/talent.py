"""Talent search (issue 20 item 4): earners' opt-in settings, the per-skill index of
opted-in earners, and the messages organizations send them through Laurel.

Keys (keys.py, "talent search"): the settings `EARNER#<earner>/TALENT` (with the set of
skill keys whose index entries exist, so removing an earner needs no scan), one index
entry per counted skill `TALENT#<skill key>/<earner>` holding what a search filters on,
the earner's copy of a message `EARNER#<earner>/MSG#<time>#<id>`, the organization's copy
`T#<tenant>#MSG/<time>#<id>` and the marker of an open contact
`T#<tenant>#MSGOPEN/<hash of tenant and earner>` (one open contact per candidate).

A search reads one skill's partition in bounded pages (Query with Limit): never a Scan,
never the credential table.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute, UnicodeSetAttribute

from . import keys
from .conditional import transact, update_if
from .models import Item, _TableMeta


class TalentSettingsItem(Item):
    class Meta(_TableMeta):
        pass

    earner_id = UnicodeAttribute()
    open = BooleanAttribute(default=False)
    kinds = UnicodeSetAttribute(null=True)  # certification | micro-credential | badge
    city = UnicodeAttribute(null=True)  # as typed
    country = UnicodeAttribute(null=True)  # ISO 3166-1 alpha-2
    indexed = UnicodeSetAttribute(null=True)  # skill keys whose TALENT# entries exist
    updated_at = UnicodeAttribute()


class TalentEntryItem(Item):
    """What a search filters on and shows, for one earner under one skill (`data`, one
    JSON document): every counted skill key `skills` (so the other skills of a search
    filter in memory), `labels`, `kinds`, `issuers`, `issuer_names`, `templates`,
    `credentials`, `city`, `city_norm`, `country`, `display_name`. Never an address."""

    class Meta(_TableMeta):
        pass

    earner_id = UnicodeAttribute()
    data: JSONAttribute = JSONAttribute()


class EarnerMessageItem(Item):
    """The earner's copy of a message: who wrote (the organization, never the recruiter's
    address), what, and what the earner decided."""

    class Meta(_TableMeta):
        pass

    message_id = UnicodeAttribute()
    at = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    organization = UnicodeAttribute()
    subject = UnicodeAttribute()
    text = UnicodeAttribute()
    status = UnicodeAttribute(default="open")  # open | replied | declined
    reply = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)


class OrgMessageItem(Item):
    """The organization's copy. `candidate`: the earner's display name while they stay
    findable (blanked when they opt out, restrict or erase); `reply_from`: the earner's
    address, present only after they replied. No earner id: the page needs none, and the
    earner's own copy names this one (tenant, time, id)."""

    class Meta(_TableMeta):
        pass

    message_id = UnicodeAttribute()
    at = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_email = UnicodeAttribute()  # where the reply goes
    candidate = UnicodeAttribute(null=True)
    candidate_hash = UnicodeAttribute()  # the open-contact marker's key
    subject = UnicodeAttribute()
    text = UnicodeAttribute()
    status = UnicodeAttribute(default="open")  # open | replied | declined | withdrawn
    reply = UnicodeAttribute(null=True)
    reply_from = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)


class OpenContactItem(Item):
    class Meta(_TableMeta):
        pass

    message_id = UnicodeAttribute()
    at = UnicodeAttribute()


# ------------------------------------------------------------------ settings and the index


def get_settings(earner_id: str) -> TalentSettingsItem | None:
    try:
        return TalentSettingsItem.get(*keys.talent_settings_key(earner_id), consistent_read=True)
    except TalentSettingsItem.DoesNotExist:
        return None


def put_settings(earner_id: str, *, open: bool, kinds: list[str], city: str | None, country: str | None,
                 now: str) -> None:
    """Save the opt-in settings (the index record `indexed` is kept as it is)."""
    item = TalentSettingsItem(*keys.talent_settings_key(earner_id))
    actions: list[Any] = [TalentSettingsItem.earner_id.set(earner_id), TalentSettingsItem.open.set(open),
               TalentSettingsItem.updated_at.set(now),
               TalentSettingsItem.kinds.set(set(kinds)) if kinds else TalentSettingsItem.kinds.remove(),
               TalentSettingsItem.city.set(city) if city else TalentSettingsItem.city.remove(),
               TalentSettingsItem.country.set(country) if country else TalentSettingsItem.country.remove()]
    item.update(actions=actions)


def write_entries(earner_id: str, entries: list[dict[str, Any]], stale: list[str], now: str) -> None:
    """Put one entry per skill in `entries` (each a dict of TalentEntryItem fields plus
    `skill`), delete the entries of `stale` skills, then record which exist. The record
    is written last and names the union first: a run that stops halfway leaves no entry
    the record does not know of."""
    held = {e["skill"] for e in entries}
    settings = TalentSettingsItem(*keys.talent_settings_key(earner_id))
    if held:
        settings.update(actions=[TalentSettingsItem.indexed.add(held), TalentSettingsItem.earner_id.set(earner_id),
                                 TalentSettingsItem.updated_at.set(now)])
    with TalentEntryItem.batch_write() as batch:
        for e in entries:
            batch.save(_entry(earner_id, e))
        for skill in stale:
            batch.delete(TalentEntryItem(*keys.talent_key(skill, earner_id)))
    actions: list[Any] = [TalentSettingsItem.indexed.set(held) if held else TalentSettingsItem.indexed.remove()]
    update_if(settings, actions, TalentSettingsItem.pk.exists(), refresh=False)


def _entry(earner_id: str, entry: dict[str, Any]) -> TalentEntryItem:
    return TalentEntryItem(*keys.talent_key(entry["skill"], earner_id), earner_id=earner_id,
                           data={k: v for k, v in entry.items() if k != "skill"})


def load_entries(earners: list[tuple[str, list[dict[str, Any]]]], now: str) -> int:
    """Bulk-load the index of earners not indexed yet (a benchmark's or a migration's
    network): the same items `write_entries` leaves (the entries and the settings'
    record of them), batched across earners. Returns how many items were written."""
    written = 0
    with TalentEntryItem.batch_write() as batch:
        for earner_id, entries in earners:
            for e in entries:
                batch.save(_entry(earner_id, e))
            batch.save(TalentSettingsItem(*keys.talent_settings_key(earner_id), earner_id=earner_id, open=True,
                                          indexed={e["skill"] for e in entries} or None, updated_at=now))
            written += len(entries) + 1
    return written


def entries_page(skill_key: str, *, limit: int, start: str | None) -> tuple[list[TalentEntryItem], str | None]:
    """One Query of a skill's partition: at most `limit` entries after the earner id
    `start`; the last earner id read when more may follow."""
    kwargs: dict[str, Any] = {"limit": limit}
    if start:
        kwargs["last_evaluated_key"] = {"pk": {"S": keys.talent_pk(skill_key)}, "sk": {"S": start}}
    result = TalentEntryItem.query(keys.talent_pk(skill_key), **kwargs)
    items = list(result)
    last = result.last_evaluated_key
    return items, (last["sk"]["S"] if last else None)


# ------------------------------------------------------------------ messages


def open_contact(tenant_id: str, candidate_hash: str) -> OpenContactItem | None:
    try:
        return OpenContactItem.get(*keys.open_contact_key(tenant_id, candidate_hash), consistent_read=True)
    except OpenContactItem.DoesNotExist:
        return None


def put_message(earner_id: str, tenant_id: str, *, message_id: str, at: str, organization: str, member_id: str,
                member_email: str, candidate: str, candidate_hash: str, subject: str, text: str) -> bool:
    """Both copies and the open-contact marker in one transaction; False (nothing
    written) when the organization already has an open contact with this earner."""
    def build(tx: Any) -> None:
        tx.save(OpenContactItem(*keys.open_contact_key(tenant_id, candidate_hash), message_id=message_id, at=at),
                condition=OpenContactItem.pk.does_not_exist())
        tx.save(EarnerMessageItem(*keys.earner_message_key(earner_id, at, message_id), message_id=message_id, at=at,
                                  tenant_id=tenant_id, organization=organization, subject=subject, text=text,
                                  status="open"))
        tx.save(OrgMessageItem(*keys.org_message_key(tenant_id, at, message_id), message_id=message_id, at=at,
                               member_id=member_id, member_email=member_email, candidate=candidate,
                               candidate_hash=candidate_hash, subject=subject, text=text, status="open"))
    return transact(build)


def earner_messages(earner_id: str, limit: int = 100) -> list[EarnerMessageItem]:
    return list(EarnerMessageItem.query(keys.earner_pk(earner_id),
                                        EarnerMessageItem.sk.startswith(keys.MESSAGE_PREFIX),
                                        scan_index_forward=False, limit=limit))


def earner_message(earner_id: str, at: str, message_id: str) -> EarnerMessageItem | None:
    try:
        return EarnerMessageItem.get(*keys.earner_message_key(earner_id, at, message_id), consistent_read=True)
    except EarnerMessageItem.DoesNotExist:
        return None


def org_messages(tenant_id: str, limit: int = 100) -> list[OrgMessageItem]:
    return list(OrgMessageItem.query(keys.org_messages_pk(tenant_id), scan_index_forward=False, limit=limit))


def org_message(tenant_id: str, at: str, message_id: str) -> OrgMessageItem | None:
    try:
        return OrgMessageItem.get(*keys.org_message_key(tenant_id, at, message_id), consistent_read=True)
    except OrgMessageItem.DoesNotExist:
        return None


def decide(earner_id: str, msg: EarnerMessageItem, org: OrgMessageItem, *, status: str, now: str,
           reply: str | None = None, reply_from: str | None = None) -> bool:
    """Reply or decline, both copies at once and the open contact closed; False when the
    message was decided already (another tab)."""
    def build(tx: Any) -> None:
        mine = [EarnerMessageItem.status.set(status), EarnerMessageItem.decided_at.set(now)]
        theirs = [OrgMessageItem.status.set(status), OrgMessageItem.decided_at.set(now)]
        if reply is not None:
            mine.append(EarnerMessageItem.reply.set(reply))
            theirs += [OrgMessageItem.reply.set(reply)]
        if reply_from is not None:
            theirs.append(OrgMessageItem.reply_from.set(reply_from))
        tx.update(EarnerMessageItem(*keys.earner_message_key(earner_id, msg.at, msg.message_id)), actions=mine,
                  condition=EarnerMessageItem.status == "open")
        tx.update(OrgMessageItem(*keys.org_message_key(msg.tenant_id, msg.at, msg.message_id)), actions=theirs,
                  condition=OrgMessageItem.status == "open")
        tx.delete(OpenContactItem(*keys.open_contact_key(msg.tenant_id, org.candidate_hash)))
    return transact(build)


def withdraw(messages: list[EarnerMessageItem], now: str, *, erase: bool = False) -> None:
    """The earner left (opted out, restricted, erased): the organizations' copies of their
    messages no longer carry their name; open contacts end. `erase`: their reply and
    address go too (the right to be forgotten)."""
    for msg in messages:
        org = org_message(msg.tenant_id, msg.at, msg.message_id)
        if org is None:
            continue
        actions: list[Any] = [OrgMessageItem.candidate.remove()]
        if erase:
            actions += [OrgMessageItem.reply.remove(), OrgMessageItem.reply_from.remove()]
        if org.status == "open":
            actions += [OrgMessageItem.status.set("withdrawn"), OrgMessageItem.decided_at.set(now)]
        update_if(org, actions, OrgMessageItem.pk.exists(), refresh=False)
        if msg.status == "open":  # the wallet stops offering a reply to a conversation that ended
            update_if(msg, [EarnerMessageItem.status.set("withdrawn")],
                      EarnerMessageItem.pk.exists() & (EarnerMessageItem.status == "open"), refresh=False)
        OpenContactItem(*keys.open_contact_key(msg.tenant_id, org.candidate_hash)).delete()


def move_to(source_earner_id: str, target_earner_id: str) -> int:
    """A merge of accounts: the merged-away account's messages move to the account it
    merged into (same sort keys, so the organizations' copies still find them and a later
    erasure of that account reaches them); its opt-in settings go (its index entries were
    removed first by the caller). Returns how many messages moved."""
    moved = earner_messages(source_earner_id, limit=1000)
    with EarnerMessageItem.batch_write() as batch:
        for msg in moved:
            copy = EarnerMessageItem(keys.earner_pk(target_earner_id), msg.sk, **{
                name: getattr(msg, name) for name in EarnerMessageItem.get_attributes() if name not in ("pk", "sk")})
            batch.save(copy)
            batch.delete(msg)
    settings = get_settings(source_earner_id)
    if settings is not None:
        settings.delete()
    return len(moved)


def tenant_message_keys(tenant_id: str) -> list[tuple[str, str]]:
    """Every message copy and open-contact marker of an organization (offboarding)."""
    found: list[tuple[str, str]] = []
    for pk in (keys.org_messages_pk(tenant_id), keys.open_contact_key(tenant_id, "")[0]):
        found += [(i.pk, i.sk) for i in Item.query(pk, attributes_to_get=["pk", "sk"], consistent_read=True)]
    return found
