"""The public status page's items: incidents (with their operator-written updates) and
mail subscribers (double opt-in), plus the page's published snapshot in S3.

Keys: store/keys.py (`INCIDENT`/<incident>, `STATUSSUB`/<emailhash>); object key:
store/object_keys.py `STATUS_SNAPSHOT_KEY`."""

from __future__ import annotations

import json

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.update import Action

from ..adapters import objects
from . import keys, object_keys
from .models import Item


class IncidentUpdate(MapAttribute):
    at = UnicodeAttribute()
    status = UnicodeAttribute()
    message = UnicodeAttribute()


class IncidentItem(Item):
    """One incident; its updates are a list on the item (appended atomically)."""

    class Meta(Item.Meta):
        pass

    incident_id = UnicodeAttribute()
    title = UnicodeAttribute()
    components = ListAttribute(of=UnicodeAttribute)
    impact = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    resolved_at = UnicodeAttribute(null=True)
    updates = ListAttribute(of=IncidentUpdate)


class SubscriberItem(Item):
    """A status mail subscriber: `pending` until the mailed link is confirmed. The
    confirmation token is stored as its hash; the unsubscribe token is an HMAC of the
    address hash and `unsubscribe_nonce` under a key derived from the platform secret
    (services/status.py), so it can be put in every notice without being stored."""

    class Meta(Item.Meta):
        pass

    email = UnicodeAttribute()
    state = UnicodeAttribute()  # pending | confirmed
    confirm_hash = UnicodeAttribute(null=True)
    unsubscribe_nonce = UnicodeAttribute()
    created_at = UnicodeAttribute()
    confirmed_at = UnicodeAttribute(null=True)
    # TTL (epoch s) of a pending subscription, removed when it is confirmed: an address
    # nobody confirmed is not kept
    expiration = NumberAttribute(null=True)


def _plain(item: IncidentItem) -> dict:
    return {"incident_id": item.incident_id, "title": item.title, "components": list(item.components),
            "impact": item.impact, "state": item.state, "created_at": item.created_at,
            "updated_at": item.updated_at, "resolved_at": item.resolved_at,
            "updates": [{"at": u.at, "status": u.status, "message": u.message} for u in item.updates]}


# ------------------------------------------------------------------ incidents


def create_incident(fields: dict) -> dict:
    updates = [IncidentUpdate(**u) for u in fields.pop("updates")]
    item = IncidentItem(keys.INCIDENTS_PK, fields["incident_id"], updates=updates, **fields)
    item.save(condition=IncidentItem.pk.does_not_exist())
    return _plain(item)


def get_incident(incident_id: str) -> dict | None:
    try:
        return _plain(IncidentItem.get(keys.INCIDENTS_PK, incident_id))
    except IncidentItem.DoesNotExist:
        return None


def add_update(incident_id: str, update: dict, state: str, resolved_at: str | None, max_updates: int) -> dict | None:
    """Append one update and set the incident's state, in one conditional write; None
    when the incident does not exist or already has `max_updates` updates."""
    item = IncidentItem(keys.INCIDENTS_PK, incident_id)
    actions: list[Action] = [IncidentItem.updates.set(IncidentItem.updates.append([IncidentUpdate(**update)])),
                             IncidentItem.state.set(state), IncidentItem.updated_at.set(update["at"])]
    if resolved_at is not None:
        actions.append(IncidentItem.resolved_at.set(resolved_at))
    try:
        item.update(actions=actions, condition=IncidentItem.pk.exists() & (IncidentItem.updates[max_updates - 1]
                                                                            .does_not_exist()))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return _plain(item)


def incidents() -> list[dict]:
    return [_plain(i) for i in IncidentItem.query(keys.INCIDENTS_PK)]


# ------------------------------------------------------------------ subscribers


def get_subscriber(address_hash: str) -> SubscriberItem | None:
    try:
        return SubscriberItem.get(keys.STATUS_SUBSCRIBERS_PK, address_hash)
    except SubscriberItem.DoesNotExist:
        return None


def put_pending(address_hash: str, fields: dict) -> bool:
    """Store (or renew) a pending subscription; False when the address is confirmed
    already (a confirmed subscription is never reset by a new request)."""
    from pynamodb.exceptions import PutError

    item = SubscriberItem(keys.STATUS_SUBSCRIBERS_PK, address_hash, state="pending", **fields)
    try:
        item.save(condition=SubscriberItem.pk.does_not_exist() | (SubscriberItem.state == "pending"))
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def confirm(address_hash: str, confirm_hash: str, now: str, now_epoch: int) -> bool:
    """Pending -> confirmed when the token's hash matches and it has not expired (TTL
    deletion lags: the condition checks the time itself); the token is then removed,
    so it works once. False for a wrong, used, expired or unknown token."""
    item = SubscriberItem(keys.STATUS_SUBSCRIBERS_PK, address_hash)
    actions: list[Action] = [SubscriberItem.state.set("confirmed"), SubscriberItem.confirm_hash.remove(),
                             SubscriberItem.confirmed_at.set(now), SubscriberItem.expiration.remove()]
    try:
        item.update(actions=actions,
                    condition=(SubscriberItem.state == "pending") & (SubscriberItem.confirm_hash == confirm_hash)
                    & (SubscriberItem.expiration > now_epoch))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def remove(address_hash: str, nonce: str) -> bool:
    """Delete the subscription the token was made for (its nonce unchanged); False otherwise."""
    item = SubscriberItem(keys.STATUS_SUBSCRIBERS_PK, address_hash)
    try:
        item.delete(condition=SubscriberItem.unsubscribe_nonce == nonce)
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def confirmed_subscribers() -> list[SubscriberItem]:
    return [s for s in SubscriberItem.query(keys.STATUS_SUBSCRIBERS_PK, filter_condition=SubscriberItem.state ==
                                            "confirmed")]


# ------------------------------------------------------------------ the published snapshot


def put_snapshot(snapshot: dict) -> None:
    objects.put(object_keys.STATUS_SNAPSHOT_KEY, json.dumps(snapshot, separators=(",", ":")).encode(),
                "application/json", cache_control="private, no-store")


def get_snapshot() -> dict | None:
    data = objects.get_if_present(object_keys.STATUS_SNAPSHOT_KEY)
    return None if data is None else json.loads(data)
