"""The daily expiry sweep (also invocable by hand).

It reads only the `by_expiry` index partitions of the days it covers: the day of its
last run again (a credential of that day may have expired after it ran) through
today (`credential.expired` to the issuer, one mail to the earner), and the days
that entered the 30-day horizon since the last run (one reminder to the earner).
Each mail is guarded by a conditional write on the credential, so re-runs and
overlapping runs send nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..domain.clock import iso
from ..store import credentials as store
from . import clock, engagement, events, notify

REMINDER_DAYS = 30
MAX_CATCH_UP_DAYS = 62


def sweep(today: date | None = None) -> dict:
    now = clock.utcnow()
    today = today or now.date()
    last_day = store.last_sweep_day()
    last = date.fromisoformat(last_day) if last_day else None
    floor = today - timedelta(days=MAX_CATCH_UP_DAYS)
    counts = {"days": 0, "expired": 0, "expired_mails": 0, "reminders": 0, "items_read": 0}
    day = max(last or today, floor)
    while day <= today:
        counts["days"] += 1
        for item in store.expiring_on(day.isoformat()):
            counts["items_read"] += 1
            if item.status not in ("pending", "accepted") or not item.expires_at or item.expires_at > iso(now):
                continue
            counts["expired"] += 1
            if store.mark_once(item, "expired_notified_at", iso(now)):
                from .credentials import credential_view

                events.emit(item.tenant_id, "credential.expired", credential_view(item))
                engagement.transition("expired", item, item.status, now)
                if item.status == "accepted" and notify.send_expired(item):
                    counts["expired_mails"] += 1
        day += timedelta(days=1)
    horizon = max((last or today - timedelta(days=1)) + timedelta(days=REMINDER_DAYS + 1),
                  floor + timedelta(days=REMINDER_DAYS))
    while horizon <= today + timedelta(days=REMINDER_DAYS):
        for item in store.expiring_on(horizon.isoformat()):
            counts["items_read"] += 1
            if item.status == "accepted" and store.mark_once(item, "expiry_reminded_at", iso(now)):
                if notify.send_expiry_reminder(item):
                    counts["reminders"] += 1
        horizon += timedelta(days=1)
    store.set_last_sweep_day(today.isoformat())
    return {"through": today.isoformat(), **counts}
