"""The daily expiry sweep (also invocable by hand), and its mails.

It reads only the `by_expiry` index partitions of the days it covers: the day of its
last run again (a credential of that day may have expired after it ran) through
today (`credential.expired` to the issuer, one mail to the earner), and the days
that entered the 30-day horizon since the last run (one reminder to the earner).
Each credential is marked by a conditional write, so re-runs and overlapping runs
queue nothing twice.

The mails themselves go through the events queue (issue 17: "the expiry sweep's mail
moves to a queue"): the sweep puts one message per mail (`{"mail": {...}}`), and the
queue's worker (routes/jobs.py `deliver_webhooks`, `deliver_mail` here) sends it. So a
sweep that meets thousands of expiring credentials does not spend its run waiting on
SES, and a mail SES refuses is retried by SQS and, if it keeps failing, lands in the
dead-letter queue instead of being lost. The events queue was chosen over a new one:
its worker already runs on every message with partial batch failures, has a DLQ and an
alarm on it, and the sweep function may already send to it (webhook events); a new
queue would add a function, a role and alarms for the same retry behaviour.

Idempotency in the worker: before sending, it sets the mail's own attribute on the
credential (`expired_mailed_at`, `expiry_reminder_mailed_at`) with a conditional
write; a redelivered message finds it set and sends nothing. When SES refuses, the
mark is removed again and the message fails, so SQS delivers it again. A crash
between the mark and SES's answer loses that one mail (at most once), which for a
courtesy mail beats mailing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..adapters import queue
from ..domain.clock import iso
from ..domain.errors import ServiceUnavailable
from ..store import credentials as store
from . import clock, engagement, events, notify

REMINDER_DAYS = 30
MAX_CATCH_UP_DAYS = 62
# the mail kinds the sweep queues: the sweep's mark, and the worker's mark of the sent mail
MAILS = {"expired": ("expired_notified_at", "expired_mailed_at"),
         "expiry_reminder": ("expiry_reminded_at", "expiry_reminder_mailed_at")}


def sweep(today: date | None = None) -> dict:
    """Mark what expired and what expires within 30 days, and queue their mails.
    Counts: `expired` credentials found, `expired_mails` and `reminders` queued."""
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
                if item.status == "accepted":
                    _queue_mail(item, "expired", iso(now))
                    counts["expired_mails"] += 1
                from .credentials import credential_view

                events.emit(item.tenant_id, "credential.expired", credential_view(item))
                engagement.transition("expired", item, item.status, now)
        day += timedelta(days=1)
    horizon = max((last or today - timedelta(days=1)) + timedelta(days=REMINDER_DAYS + 1),
                  floor + timedelta(days=REMINDER_DAYS))
    while horizon <= today + timedelta(days=REMINDER_DAYS):
        for item in store.expiring_on(horizon.isoformat()):
            counts["items_read"] += 1
            if item.status == "accepted" and store.mark_once(item, "expiry_reminded_at", iso(now)):
                _queue_mail(item, "expiry_reminder", iso(now))
                counts["reminders"] += 1
        horizon += timedelta(days=1)
    store.set_last_sweep_day(today.isoformat())
    return {"through": today.isoformat(), **counts}


def _queue_mail(item: Any, kind: str, marked_at: str) -> None:
    """One message for one mail. If SQS does not take it, the sweep's mark is removed
    and the sweep fails: its next run (or the scheduler's retry) marks and queues it
    again, since the last-run marker only moves when a sweep completes."""
    message = {"mail": {"kind": kind, "credential_id": item.credential_id, "expires_at": item.expires_at}}
    try:
        queue.send(queue.events_queue_name(), message)
    except Exception:
        store.unmark(item, MAILS[kind][0], marked_at)
        raise


def deliver_mail(mail: dict) -> bool:
    """The events queue's worker: send one queued expiry mail. True when sent; False when
    there is nothing to send (mailed already, or the credential changed meanwhile: gone,
    no longer accepted, or its expiry date moved). Raises when SES refused, so SQS
    delivers the message again (and after the queue's maxReceiveCount, to the DLQ)."""
    kind, credential_id = mail.get("kind"), mail.get("credential_id")
    if kind not in MAILS or not isinstance(credential_id, str):
        raise ValueError(f"not an expiry mail message: {sorted(mail)}")  # to the DLQ, to be looked at
    item = store.get(credential_id)
    if item is None or item.status != "accepted" or item.erased_at or item.expires_at != mail.get("expires_at"):
        return False
    sent_attribute = MAILS[kind][1]
    stamp = iso(clock.utcnow())
    if not store.mark_once(item, sent_attribute, stamp):
        return False  # a redelivered message: mailed already
    try:
        ok = notify.send_expired(item) if kind == "expired" else notify.send_expiry_reminder(item)
    except Exception:
        # a failure between the mark and SES (a throttled read of the branding or the suppression
        # list): the mail is not sent, so it must not stay marked as sent; SQS delivers it again
        store.unmark(item, sent_attribute, stamp)
        raise
    if not ok and notify.not_to_mail(item.email, kind):
        # the address bounced or complained (issue 17, item 6): not mailed, recorded in the
        # credential's history as suppressed, and nothing to retry; or it unsubscribed from
        # reminders (issue 19): not mailed, nothing to retry
        return False
    if not ok:
        store.unmark(item, sent_attribute, stamp)
        raise ServiceUnavailable(f"the {kind} mail was not sent; SQS delivers it again", code="mail_not_sent")
    return True
