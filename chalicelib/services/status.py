"""The public status page: its snapshot, incidents, and mail subscriptions.

The page is served from one JSON snapshot in S3 (store/status.py), published after
every probe run, every incident change and every maintenance change; /status and
/status/feed.atom read that object only, so they keep answering while the table is
unavailable. Without any snapshot yet, or with a stale one, the page is built from
the table and published by the read (`current`).

A snapshot copies the finished days of the previous one and reads only the days
that may still change (domain/status.py `days_to_recompute`), so a publish every
minute reads one or two days of probe items, not 90.

Subscriptions are double opt-in: the form stores a pending subscriber and mails a
single-use confirmation token (only its hash is stored); nothing else is mailed to
the address until that token comes back. Every notice carries a per-subscriber
unsubscribe token (hashed too) in an RFC 8058 one-click link. The form answers the
same whatever the address's state, so it tells nobody who is subscribed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from ..config import get_settings
from ..domain import ids
from ..domain import status as rules
from ..domain.clock import iso, parse_iso
from ..domain.errors import Gone, NotFound, ServiceUnavailable, TooManyRequests, ValidationFailed
from ..domain.limits import Limit
from ..store import status as store
from . import clock

SNAPSHOT_VERSION = 1
SUBSCRIBE_PER_SOURCE = Limit("status-sub-ip", 20, 3600)
# per address: at most this many confirmation mails a day (silently: the answer never changes)
CONFIRMATIONS_PER_ADDRESS = Limit("status-sub-email", 3, 86400)
# The probe job publishes every minute; older than this, the snapshot is rebuilt on read.
STALE_AFTER = timedelta(minutes=3)
CONFIRM_WITHIN = timedelta(days=7)  # a confirmation link's life; the pending item expires with it


def _log() -> Any:
    from ..logs import logger

    return logger()


# ------------------------------------------------------------------ the snapshot


def _probe_days(days: list[date], now: datetime) -> dict[str, rules.DayCount]:
    """Measured and up minutes of each of `days` (one probe-store read over their span)."""
    from ..store import ops as probe_store

    start = datetime.combine(min(days), time(), tzinfo=UTC)
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    seen = probe_store.probe_minutes(start, end)
    measured: dict[str, int] = {}
    up: dict[str, int] = {}
    for minute in seen.probed:
        measured[minute.date().isoformat()] = measured.get(minute.date().isoformat(), 0) + 1
    for minute in seen.up & seen.probed:
        up[minute.date().isoformat()] = up.get(minute.date().isoformat(), 0) + 1
    wanted = {d.isoformat() for d in days}
    return {d: rules.DayCount(measured.get(d, 0), up.get(d, 0)) for d in wanted}


def _latest_probe(now: datetime) -> tuple[datetime | None, list[dict]]:
    """The latest probed minute and every location's results of it."""
    from ..store import ops as probe_store

    runs = probe_store.recent_probes(now, limit=10)
    if not runs:
        return None, []
    latest = max(r.minute for r in runs)
    return parse_iso(latest), [res for r in runs if r.minute == latest for res in (r.results or [])]


def _maintenance() -> list[dict]:
    from . import ops

    return ops.list_maintenance()


def build(previous: dict | None, now: datetime) -> dict:
    """The page's data as of `now`, copying the final days of `previous`."""
    today = now.date()
    usable = previous if previous and previous.get("version") == SNAPSHOT_VERSION else None
    previous_days = {d["day"]: d for d in (usable or {}).get("days", [])}
    todo = rules.days_to_recompute(today, previous_days, parse_iso(usable["generated_at"]) if usable else None)
    counts = _probe_days(todo, now) if todo else {}
    days = [rules.day_bar(d, counts[d.isoformat()]) if d.isoformat() in counts else previous_days[d.isoformat()]
            for d in rules.days_shown(today)]
    incidents = rules.incidents_shown([rules.incident_view(i) for i in store.incidents()], now)
    latest_minute, latest_results = _latest_probe(now)
    components = rules.component_states(latest_minute, latest_results,
                                        [i for i in incidents if rules.is_open(i)], now)
    windows = _maintenance()
    since = iso(now - timedelta(days=rules.DAYS_SHOWN))
    return {
        "version": SNAPSHOT_VERSION, "generated_at": iso(now),
        "latest_probe": iso(latest_minute) if latest_minute else None,
        "overall": rules.overall(components), "components": components, "days": days,
        "today": days[-1], "incidents": incidents,
        "maintenance": rules.upcoming_maintenance(windows, now),
        # the feed's maintenance entries: public windows announced or ending within the page's 90 days
        "announcements": [w for w in windows if w.get("kind") != "client_requested" and w["end"] >= since],
    }


def publish() -> dict:
    """Build the snapshot from the previous one and store it (S3)."""
    snapshot = build(store.get_snapshot(), clock.utcnow())
    store.put_snapshot(snapshot)
    return snapshot


def publish_quietly(why: str) -> bool:
    """Publish after a change that is already stored: a failure is logged, never turned
    into a failed request or job (the next probe run publishes again within a minute)."""
    try:
        publish()
    except Exception:  # noqa: BLE001 - the change itself stands
        _log().exception("status snapshot not published", extra={"after": why})
        return False
    return True


def current() -> dict:
    """What /status and the feed show: the published snapshot (one S3 GET). Without one
    (before the first publish), or with one older than STALE_AFTER (the probe job
    stopped publishing, or a local runner that only probes), the data is built from the
    table and published; when the table cannot be read, the last snapshot is served as
    it is (the page says when it was made), and without any snapshot the answer is 503."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        snapshot = store.get_snapshot()
    except (BotoCoreError, ClientError, ValueError):  # ValueError: a snapshot that is not JSON
        _log().exception("status snapshot unreadable; building the page live")
        snapshot = None
    usable = snapshot is not None and snapshot.get("version") == SNAPSHOT_VERSION
    now = clock.utcnow()
    if usable and snapshot is not None and now - parse_iso(snapshot["generated_at"]) <= STALE_AFTER:
        return snapshot
    try:
        fresh = build(snapshot if usable else None, now)
    except (BotoCoreError, ClientError, PynamoDBException) as exc:
        if usable and snapshot is not None:
            _log().warning("status snapshot is stale and the table cannot be read; serving it")
            return snapshot
        raise ServiceUnavailable("The status page is unavailable right now; try again in a minute.",
                                 code="status_unavailable") from exc
    try:  # the next reader (and a later table outage) gets this one
        store.put_snapshot(fresh)
    except (BotoCoreError, ClientError):
        _log().exception("status snapshot not stored")
    return fresh


# ------------------------------------------------------------------ incidents (operators)


def _notice_incident(incident: dict, what: str) -> dict:
    latest = incident["updates"][0]
    return {"headline": f"{what}: {incident['title']}",
            "lines": [f"Status: {latest['status']} ({latest['at']})", latest["message"],
                      "Affected: " + ", ".join(incident["component_names"]) + f"; impact {incident['impact']}."]}


def create_incident(data: Any) -> dict:
    now = clock.utcnow()
    first = rules.new_update(data.status, data.message, now)
    fields = {"incident_id": ids.new_local_id(), "title": data.title,
              "components": [c for c in rules.COMPONENT_IDS if c in data.components], "impact": data.impact,
              "state": data.status, "created_at": first["at"], "updated_at": first["at"],
              "resolved_at": first["at"] if data.status == "resolved" else None, "updates": [first]}
    incident = rules.incident_view(store.create_incident(fields))
    return _after_incident_change(incident, "New incident")


def post_update(incident_id: str, data: Any) -> dict:
    if not ids.LOCAL_ID.match(incident_id or "") or store.get_incident(incident_id) is None:
        raise NotFound("No such incident.", code="incident_not_found")
    update = rules.new_update(data.status, data.message, clock.utcnow())
    stored = store.add_update(incident_id, update, data.status,
                              update["at"] if data.status == "resolved" else None, rules.MAX_UPDATES)
    if stored is None:
        raise ValidationFailed(f"an incident takes at most {rules.MAX_UPDATES} updates; open a new one",
                               code="too_many_updates")
    incident = rules.incident_view(stored)
    return _after_incident_change(incident, "Resolved" if data.status == "resolved" else "Update")


def list_incidents() -> dict:
    views = [rules.incident_view(i) for i in store.incidents()]
    return {"items": sorted(views, key=lambda i: i["created_at"], reverse=True)}


def _after_incident_change(incident: dict, what: str) -> dict:
    published = publish_quietly("incident")
    mailed = _mail_subscribers(f"[Laurel status] {what}: {incident['title']}", _notice_incident(incident, what))
    return {**incident, "snapshot_published": published, "subscribers_mailed": mailed}


# ------------------------------------------------------------------ maintenance (called by services/ops.py)


def maintenance_changed(view: dict, action: str) -> None:
    """A maintenance window was declared, updated or cancelled (services/ops.py `_announce`):
    mail the subscribers and republish the page. A client-requested window concerns one
    tenant (mailed by ops itself), so the public hears nothing of it."""
    publish_quietly(f"maintenance {action}")
    if view.get("kind") == "client_requested":
        return
    words = {"declared": "Scheduled maintenance", "updated": "Maintenance changed",
             "cancelled": "Maintenance cancelled"}
    what = words.get(action, "Maintenance")
    notice = {"headline": f"{what}: {view['reason']}",
              "lines": [f"From {view['start']} to {view['end']} (UTC)."]}
    _mail_subscribers(f"[Laurel status] {what}: {view['reason']}", notice)


# ------------------------------------------------------------------ subscriptions


def _base() -> str:
    return get_settings().public_base_url


def _link(path: str, address_hash: str, token: str) -> str:
    """A mailed link: one query parameter, "<address hash>.<token>" (schemas.StatusLinkIn)."""
    return f"{_base()}{path}?{urlencode({'token': f'{address_hash}.{token}'})}"


def unsubscribe_url(address_hash: str, token: str) -> str:
    return _link("/status/unsubscribe", address_hash, token)


def _mail_subscribers(subject: str, notice: dict) -> int:
    """Mail every confirmed subscriber (pending ones get nothing); returns how many SES
    took. Each notice carries the subscriber's own one-click unsubscribe link."""
    from . import notify

    sent = 0
    for sub in store.confirmed_subscribers():
        sent += notify.send_status_notice(sub.email, subject, notice,
                                          unsubscribe_url(sub.sk, _unsubscribe_token(sub.sk, sub.unsubscribe_nonce)))
    return sent


def _unsubscribe_token(address_hash: str, nonce: str) -> str:
    """HMAC-SHA256 of the address hash and the subscription's nonce, under a key derived
    from the platform secret: only Laurel can make it, and a new subscription (new nonce)
    voids the links of an earlier one."""
    import hashlib
    import hmac

    from . import signing

    key = signing.derived_key(b"laurel status unsubscribe v1")
    return hmac.new(key, f"{address_hash}:{nonce}".encode(), hashlib.sha256).hexdigest()


def subscribe(email: str, client_address: str | None) -> None:
    """Ask for a confirmation mail. The same answer (None) whatever the address's state:
    new or pending -> a (renewed) pending subscription and a confirmation mail (at most
    CONFIRMATIONS_PER_ADDRESS a day); confirmed already -> nothing."""
    from . import limits, notify

    now = clock.utcnow()
    limits.enforce(SUBSCRIBE_PER_SOURCE, client_address or "unknown", now,
                   "Too many subscription requests from this network; try again later.")
    address = ids.normalize_email(email)
    address_hash = ids.email_hash(address)
    if (existing := store.get_subscriber(address_hash)) is not None and existing.state == "confirmed":
        return
    try:
        limits.enforce(CONFIRMATIONS_PER_ADDRESS, address_hash, now, "too many confirmations")
    except TooManyRequests:
        return  # silently: a 429 here would tell that someone asked for this address before
    token = ids.random_token()
    if store.put_pending(address_hash, {"email": address, "confirm_hash": ids.sha256_hex(token),
                                        "unsubscribe_nonce": ids.random_token(), "created_at": iso(now),
                                        "expiration": int((now + CONFIRM_WITHIN).timestamp())}):
        notify.send_status_confirmation(address, _link("/status/subscription/confirm", address_hash, token))


def confirm(address_hash: str, token: str) -> dict:
    """The mailed link's button: pending -> confirmed, once. A forged, replayed or
    expired token changes nothing (410)."""
    now = clock.utcnow()
    if not token or not store.confirm(address_hash[:64], ids.sha256_hex(token), iso(now), int(now.timestamp())):
        raise Gone("This confirmation link cannot be used (it was used already or is not valid).",
                   code="link_unusable")
    return {"subscribed": True}


def unsubscribe(address_hash: str, token: str) -> dict:
    """RFC 8058 one-click (a POST to the List-Unsubscribe URI) or the page's button."""
    sub = store.get_subscriber(address_hash[:64]) if token else None
    valid = sub is not None and ids.same_secret(_unsubscribe_token(sub.sk, sub.unsubscribe_nonce), token)
    if sub is None or not valid or not store.remove(sub.sk, sub.unsubscribe_nonce):
        raise Gone("This unsubscribe link cannot be used (it was used already or is not valid).",
                   code="link_unusable")
    return {"unsubscribed": True}
