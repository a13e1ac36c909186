"""Erase a person from the logs of the tenants that issued them credentials."""

from __future__ import annotations

from collections.abc import Iterable

from ..store import personal_data as store


def forget(emails: Iterable[str], tenant_ids: set[str], credential_ids: set[str]) -> dict:
    """Scrub LMS events and webhook deliveries that name the person or their
    credentials, delete rows waiting for issuance to them and idempotency records
    that remember their credentials."""
    needles = {e.lower() for e in emails} | {c.lower() for c in credential_ids}
    counts = {"lms_events": 0, "scheduled_rows": 0, "webhook_deliveries": 0, "idempotency_records": 0}
    if not needles:
        return counts
    for tenant_id in sorted(tenant_ids):
        for event in store.lms_events(tenant_id):
            if event.credential_id in credential_ids or store.mentions(event.payload, needles):
                store.scrub_lms_event(event)
                counts["lms_events"] += 1
        rows = [r for r in store.scheduled_rows(tenant_id) if store.mentions(r.row, needles)]
        store.delete_items(rows)
        counts["scheduled_rows"] += len(rows)
        for delivery in store.deliveries(tenant_id):
            if store.mentions(delivery.payload, needles):
                store.scrub_delivery(delivery)
                counts["webhook_deliveries"] += 1
        records = [r for r in store.idempotency_records(tenant_id) if r.data and store.mentions(r.data, needles)]
        store.delete_items(records)
        counts["idempotency_records"] += len(records)
    return counts
