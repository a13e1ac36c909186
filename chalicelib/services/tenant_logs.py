"""Erase a person from the logs Laurel keeps for issuers (see store/personal_data)."""

from __future__ import annotations

from ..store import personal_data as store


def forget(emails: dict[str, str], tenant_ids: set[str], credential_ids: set[str]) -> dict:
    """Scrub the person's LMS events and delete their waiting rows (any tenant, found
    by address), scrub webhook deliveries and delete idempotency records that name
    them or their credentials (the tenants that issued them credentials).
    `emails` maps address hashes to addresses. Idempotent."""
    needles = {e.strip().lower() for e in emails.values()} | {c.lower() for c in credential_ids}
    counts = {"lms_events": 0, "scheduled_rows": 0, "webhook_deliveries": 0, "idempotency_records": 0}
    for event in store.lms_events_for(emails):
        store.scrub_lms_event(event)
        counts["lms_events"] += 1
    rows = store.scheduled_rows_for(emails)
    store.delete_items(rows)
    counts["scheduled_rows"] = len(rows)
    for tenant_id in sorted(tenant_ids):
        for delivery in store.deliveries(tenant_id):
            if store.names(delivery.payload, needles):
                store.scrub_delivery(delivery)
                counts["webhook_deliveries"] += 1
        records = [r for r in store.idempotency_records(tenant_id) if r.data and store.names(r.data, needles)]
        store.delete_items(records)
        counts["idempotency_records"] += len(records)
    return counts
