"""The keys Laurel has always written, pinned: items stored before keys moved into
`store/keys.py` (and objects before `store/object_keys.py`) must stay readable, so
every builder spells exactly what the store modules spelled before. The expected
strings below are the old spellings, written out by hand, not computed."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.store import keys, object_keys

T, R, H = "0123456789abcdef", "abcdefghijklmnopqrstuvwxyz234567", "e" * 64
CID = f"{T}-{R}"

DYNAMODB_KEYS = [
    (keys.tenant_pk(T), "T#0123456789abcdef"),
    (keys.PROFILE_SK, "PROFILE"),
    (keys.ISSUERS_INDEX_PK, "ISSUERS"),
    (keys.api_key_sk("k1"), "KEY#k1"),
    (keys.API_KEY_PREFIX, "KEY#"),
    (keys.template_sk("tpl"), "TPL#tpl"),
    (keys.TEMPLATE_PREFIX, "TPL#"),
    (keys.counter_sk("status"), "COUNTER#status"),
    (keys.COUNTER_PREFIX, "COUNTER#"),
    (keys.status_list_sk(3), "STATUSLIST#3"),
    (keys.STATUS_LIST_PREFIX, "STATUSLIST#"),
    (keys.integration_key(CID), ("T#0123456789abcdef", f"LMS#{CID}")),
    (keys.integration_key("no-tenant-here!"), None),
    (keys.integration_sk("i1"), "LMS#i1"),
    (keys.INTEGRATION_PREFIX, "LMS#"),
    (keys.job_key(T, "j1"), ("T#0123456789abcdef", "JOB#j1")),
    (keys.JOB_PREFIX, "JOB#"),
    (keys.support_key(T, "r1"), ("T#0123456789abcdef", "SUP#r1")),
    (keys.SUPPORT_PREFIX, "SUP#"),
    (keys.SUPPORT_INDEX_PK, "SUPPORT"),
    (keys.support_index_sk("2026-01-02T03:04:05Z", T, "r1"), f"2026-01-02T03:04:05Z#{T}#r1"),
    (keys.webhook_endpoint_key(T, "e1"), ("T#0123456789abcdef", "WHE#e1")),
    (keys.WEBHOOK_ENDPOINT_PREFIX, "WHE#"),
    (keys.OFFBOARDING_SK, "OFFBOARDING"),
    (keys.credential_key(CID), (f"T#0123456789abcdef#C#{R}", "C")),
    (keys.credential_key("not-a-credential-id!"), None),
    (keys.CREDENTIAL_SK, "C"),
    (keys.credential_pk_prefix(T), "T#0123456789abcdef#C#"),
    (keys.tenant_credentials_pk(T), "T#0123456789abcdef#C"),
    (keys.tenant_credentials_sk("2026-01-02T03:04:05Z", CID), f"2026-01-02T03:04:05Z#{R}"),
    (keys.email_pk(H), f"E#{H}"),
    (keys.EMAIL_CREDENTIALS_PREFIX, "T#"),
    (keys.email_sk_prefix(T), "T#0123456789abcdef#"),
    (keys.email_sk_prefix(T, "tpl"), "T#0123456789abcdef#tpl#"),
    (keys.credential_email_sk(T, "tpl", "2026-01-02T03:04:05Z", CID),
     f"T#0123456789abcdef#tpl#2026-01-02T03:04:05Z#{R}"),
    (keys.expiry_pk("2026-01-02"), "X#2026-01-02"),
    (keys.expiry_sk("2026-01-02T00:00:00Z", CID), f"2026-01-02T00:00:00Z#{CID}"),
    (keys.recipient_slots_pk(T, H), f"T#0123456789abcdef#R#{H}"),
    (keys.recipient_slot_key(T, H, "tpl"), (f"T#0123456789abcdef#R#{H}", "TPL#tpl")),
    (keys.revocations_pk(T), "T#0123456789abcdef#REVOKED"),
    (keys.PLATFORM_PK, "PLATFORM"),
    (keys.signing_key_sk("kid1"), "SIGNKEY#kid1"),
    (keys.SIGNING_KEY_PREFIX, "SIGNKEY#"),
    (keys.EXPIRY_SWEEP_SK, "SWEEP#expiry"),
    (keys.operator_key_sk(H), f"OPKEY#{H}"),
    (keys.probes_pk("2026-01"), "PROBE#2026-01"),
    (keys.probe_run_sk("2026-01-02T03:04:00Z", "eu-west-1"), "2026-01-02T03:04:00Z#eu-west-1"),
    (keys.probe_days_pk("2026-01"), "PROBEDAY#2026-01"),
    (keys.probe_locations_pk("2026-01"), "PROBELOC#2026-01"),
    (keys.probe_location_sk("2026-01-02", "eu-west-1"), "2026-01-02#eu-west-1"),
    (keys.MAINTENANCE_PK, "MAINT"),
    (keys.maintenance_sk("2026-01-02T03:00:00Z", "w1"), "2026-01-02T03:00:00Z#w1"),
    (keys.import_key("i1"), ("IMPORT#i1", "I")),
    (keys.import_email_sk("2026-01-02T03:04:05Z", "i1"), "X#IMPORT#2026-01-02T03:04:05Z#i1"),
    (keys.IMPORT_EMAIL_PREFIX, "X#IMPORT#"),
    (keys.import_slots_pk(H), f"IMPORTSLOT#{H}"),
    (keys.import_slot_key(H, "badge"), (f"IMPORTSLOT#{H}", "badge")),
    (keys.lms_events_pk(T, "i1"), "T#0123456789abcdef#LMSEV#i1"),
    (keys.lms_event_sk("2026-01-02T03:04:05Z", "ev1"), "2026-01-02T03:04:05Z#ev1"),
    (keys.lms_event_email_sk(T, "2026-01-02T03:04:05Z#ev1"), f"X#LMSEV#{T}#2026-01-02T03:04:05Z#ev1"),
    (keys.LMS_EVENT_EMAIL_PREFIX, "X#LMSEV#"),
    (keys.scheduled_pk(T, "tpl"), "T#0123456789abcdef#SCHED#tpl"),
    (keys.scheduled_sk("2026-01-02T03:04:05Z", "ev1"), "2026-01-02T03:04:05Z#ev1"),
    (keys.scheduled_day_pk("monday"), "SCHED#monday"),
    (keys.scheduled_day_sk(T, "tpl", "s1"), f"{T}#tpl#s1"),
    (keys.scheduled_email_sk(T, "tpl", "s1"), f"X#SCHED#{T}#tpl#s1"),
    (keys.SCHEDULED_EMAIL_PREFIX, "X#SCHED#"),
    (keys.job_failures_pk(T, "j1"), "T#0123456789abcdef#JOB#j1"),
    (keys.chunk_failures_sk(7), "FAIL#000007"),
    (keys.CHUNK_FAILURES_PREFIX, "FAIL#"),
    (keys.webhook_delivery_key(T, "d1"), ("T#0123456789abcdef#WHD#d1", "D")),
    (keys.webhook_delivery_pk_prefix(T), "T#0123456789abcdef#WHD#"),
    (keys.WEBHOOK_DELIVERY_SK, "D"),
    (keys.endpoint_deliveries_pk(T, "e1"), "T#0123456789abcdef#WHE#e1#D"),
    (keys.endpoint_deliveries_sk("2026-01-02T03:04:05Z", "d1"), "2026-01-02T03:04:05Z#d1"),
    (keys.idempotency_pk(T), "T#0123456789abcdef#IDEMPOTENCY"),
    (keys.earner_pk("er1"), "EARNER#er1"),
    (keys.earner_email_sk(H), f"EMAIL#{H}"),
    (keys.EARNER_EMAIL_PREFIX, "EMAIL#"),
    (keys.held_sk(CID), f"HELD#{CID}"),
    (keys.HELD_PREFIX, "HELD#"),
    (keys.email_owner_key(H), (f"EMAIL#{H}", "OWNER")),
    (keys.login_key("l1"), ("LOGIN#l1", "L")),
    (keys.address_logins_pk(H), f"LOGINS#{H}"),
    (keys.session_key(H), (f"SESSION#{H}", "S")),
    (keys.earner_sessions_pk("er1"), "EARNER#er1#SESSIONS"),
    (keys.rate_pk("signin-email", H), f"RATE#signin-email#{H}"),
    (keys.rate_sk(1767225600), "1767225600"),
    (keys.audit_sk("2026-01-02T03:04:05.678Z", "a1"), "2026-01-02T03:04:05.678Z#a1"),
    (keys.tenant_audit_pk(T), "T#0123456789abcdef#AUDIT"),
    (keys.OPS_AUDIT_PK, "OPS#AUDIT"),
    (keys.audit_day_pk("2026-01-02"), "AUDIT#2026-01-02"),
]


@pytest.mark.parametrize("built, spelled", DYNAMODB_KEYS)
def test_every_dynamodb_key_is_spelled_as_it_always_was(built, spelled):
    assert built == spelled


PNG = b"\x89PNG fake bytes"
NAME = hashlib.sha256(PNG).hexdigest()[:32]

OBJECT_KEYS = [
    (object_keys.template_images_prefix(T), f"assets/templates/{T}/"),
    (object_keys.template_image_key(T, "tpl", PNG, "png"), f"assets/templates/{T}/tpl/{NAME}.png"),
    (object_keys.template_image_key(T, "tpl", PNG, "svg"), f"assets/templates/{T}/tpl/{NAME}.svg"),
    (object_keys.issuer_logos_prefix(T), f"assets/issuers/{T}/"),
    (object_keys.issuer_logo_key(T, PNG), f"assets/issuers/{T}/{NAME}.png"),
    (object_keys.status_list_key(T, 2), f"assets/status/{T}/2.json"),
    (object_keys.baked_prefix(T, CID), f"assets/baked/{T}/{CID}/"),
    (object_keys.baked_key(T, CID, "v1", "png"), f"assets/baked/{T}/{CID}/v1.png"),
    (object_keys.export_prefix("er1"), "exports/er1/"),
    (object_keys.export_key("er1", "tok"), "exports/er1/tok.zip"),
    (object_keys.owner_copy_key("er1", CID, "svg"), f"exports/er1/badges/{CID}.svg"),
    (object_keys.bulk_reports_prefix(T), f"reports/{T}/"),
    (object_keys.bulk_reports_prefix(T, "j1"), f"reports/{T}/j1/"),
    (object_keys.bulk_report_key(T, "j1", "errors"), f"reports/{T}/j1/errors.json"),
]


@pytest.mark.parametrize("built, spelled", OBJECT_KEYS)
def test_every_object_key_is_spelled_as_it_always_was(built, spelled):
    assert built == spelled


def test_only_assets_are_public():
    """The CDN serves `assets/` (infra/stack.py); exports and reports never are."""
    assert object_keys.is_public(object_keys.status_list_key(T, 0))
    assert object_keys.is_public(object_keys.baked_key(T, CID, "v", "png"))
    assert not object_keys.is_public(object_keys.owner_copy_key("er1", CID, "png"))
    assert not object_keys.is_public(object_keys.export_key("er1", "tok"))
    assert not object_keys.is_public(object_keys.bulk_report_key(T, "j1", "errors"))
