"""Tenant offboarding: a dry run that changes nothing, a confirmation token, deletion of
everything the tenant sent, and every accepted credential still hosted and verifiable."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from chalicelib.domain.webhooks import signature_header
from chalicelib.services import offboarding, ops
from tests.conftest import body, list_bucket, scan_table, sent_mail
from tests.integration.test_bulk import drain
from tests.helpers import PNG, active_template, auth, claim_token_from, issue, new_issuer, post



def op(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


@pytest.fixture()
def operator(aws_env):
    return ops.create_operator_key("tests")


def _claim(client, cred_id, decision):
    token = claim_token_from(next(m["body"] for m in reversed(sent_mail()) if cred_id in m["body"]), cred_id)
    res = post(client, f"/claim/{cred_id}", None, {"token": token, "decision": decision})
    assert res.status_code == 200, res.body


def _hook(client, integration, payload):
    raw = json.dumps(payload).encode()
    header = signature_header([integration["secret"].encode()], int(time.time()), raw)
    return client.http.post(f"/hooks/lms/{integration['id']}", headers={"Content-Type": "application/json",
                                                                        "Laurel-Signature": header}, body=raw)


def _completion(event_id, email, course="c1", score=90):
    return {"event": "course.completed", "event_id": event_id, "email": email, "first_name": "Lea",
            "last_name": "Rner", "course_id": course, "score": score}


def build_tenant(client, monkeypatch, name="Leaving Ltd"):
    """A tenant with some of everything."""
    from chalicelib.adapters import webhook_http
    from chalicelib.services import events
    from chalicelib.store.models import ChunkFailuresItem

    monkeypatch.setattr(events, "_policy", lambda: webhook_http.policy_for(True))
    tenant, key = new_issuer(name)
    assert client.http.put("/issuer/logo", headers={**auth(key), "Content-Type": "image/png"}, body=PNG).status_code == 200
    kept_tpl = active_template(client, key, name="Kept")
    pending_tpl = active_template(client, key, name="Only pending")
    draft = body(post(client, "/templates", key, {"name": "Draft", "description": "d",
                                                 "criteria": {"narrative": "n"}}))["id"]
    endpoint = body(post(client, "/webhooks/endpoints", key, {"url": "http://127.0.0.1:9/hook",
                                                              "event_types": ["credential.created"]}))["id"]
    accepted = body(issue(client, key, kept_tpl, email="acc@example.com"))["id"]
    revoked_after = body(issue(client, key, kept_tpl, email="rev@example.com"))["id"]
    pending = body(issue(client, key, kept_tpl, email="pend@example.com"))["id"]
    rejected = body(issue(client, key, kept_tpl, email="rej@example.com"))["id"]
    pending_other = body(issue(client, key, pending_tpl, email="other@example.com"))["id"]
    _claim(client, accepted, "accept")
    _claim(client, revoked_after, "accept")
    _claim(client, rejected, "reject")
    assert post(client, f"/credentials/{revoked_after}/revoke", key, {"reason": "oops"}).status_code == 200
    baked = client.http.get(f"/badges/{accepted}/image").headers["Location"]
    extra_key = body(post(client, "/issuer/api-keys", key, {"label": "second"}))["key"]
    integration = body(post(client, "/integrations", key, {"name": "LMS", "rules": {
        "c1": {"template_id": pending_tpl}, "weekly": {"template_id": kept_tpl, "schedule_weekday": "MON"}}}))
    assert body(_hook(client, integration, _completion("e1", "lms@example.com")))["status"] == "issued"
    assert body(_hook(client, integration, _completion("e2", "later@example.com", "weekly")))["status"] == "scheduled"
    job = body(client.http.post("/bulk-jobs?suppress_email=true&mode=valid_rows", headers={**auth(key), "Content-Type": "text/csv"},
                                body=f"email,first_name,last_name,template_id\nbulk@example.com,B,K,{draft}\n"
                                .encode()))
    ChunkFailuresItem(f"T#{tenant}#JOB#{job['id']}", "FAIL#000000", errors=[{"row": 1, "errors": ["x"]}]).save()
    assert post(client, "/support-requests", key, {"subject": "s", "description": "d", "severity": 3}).status_code == 201
    return {"tenant": tenant, "key": key, "extra_key": extra_key, "kept_tpl": kept_tpl, "pending_tpl": pending_tpl,
            "draft": draft, "endpoint": endpoint, "accepted": accepted, "revoked_after": revoked_after,
            "pending": pending, "rejected": rejected, "pending_other": pending_other, "integration": integration,
            "job": job["id"], "baked": baked}


@pytest.fixture()
def world(client, operator, monkeypatch):
    a = build_tenant(client, monkeypatch)
    _, key_b = new_issuer("Staying Inc")
    tpl_b = active_template(client, key_b, name="B badge")
    cred_b = body(issue(client, key_b, tpl_b, email="b@example.com"))["id"]
    return {**a, "operator": operator, "key_b": key_b, "tpl_b": tpl_b, "cred_b": cred_b}


def dry_run(client, w):
    res = client.http.post(f"/ops/issuers/{w['tenant']}/offboarding", headers=op(w["operator"]))
    assert res.status_code == 200, res.body
    return body(res)


def confirm(client, w, token):
    return client.http.post(f"/ops/issuers/{w['tenant']}/offboarding/confirm", headers=op(w["operator"]),
                            body=json.dumps({"token": token}))


def items_of(tenant):
    return [i for i in scan_table() if i["pk"].startswith(f"T#{tenant}")]


def public_documents_answer(client, w):
    for cid in (w["accepted"], w["revoked_after"]):
        page = body(client.http.get(f"/badges/{cid}.json"))
        assert page["status"] == ("valid" if cid == w["accepted"] else "revoked")
    assert client.http.get(f"/ob/v2/assertions/{w['accepted']}").status_code == 200
    assert client.http.get(f"/ob/v2/assertions/{w['revoked_after']}").status_code == 410
    assert client.http.get(f"/ob/v2/assertions/{w['accepted']}/badge").status_code == 200
    assert client.http.get(f"/ob/v3/credentials/{w['accepted']}").status_code == 200
    assert client.http.get(f"/ob/v3/credentials/{w['accepted']}.jwt").status_code == 200
    for path in (f"/ob/v2/issuers/{w['tenant']}", f"/ob/v3/issuers/{w['tenant']}",
                 f"/ob/v2/issuers/{w['tenant']}/revocations"):
        assert client.http.get(path).status_code == 200, path


def test_dry_run_lists_everything_and_changes_nothing_but_its_own_record(client, world):
    w = world
    before, bucket = scan_table(), list_bucket()
    plan = dry_run(client, w)
    after = scan_table()
    audited = [i for i in after if i["pk"] == "OPS#AUDIT" and i not in before]
    assert [a["route"] for a in audited] == ["/ops/issuers/{tenant_id}/offboarding"]  # the operator's act is on record
    assert [i for i in after if i["sk"] != "OFFBOARDING" and i not in audited] == before and list_bucket() == bucket
    record = next(i for i in after if i["sk"] == "OFFBOARDING")
    token = plan["confirmation"]["token"]
    assert token not in json.dumps(record, default=str)  # stored as a hash only
    d = plan["delete"]
    assert d["api_keys"]["count"] == 2 and d["integrations"]["ids"] == [w["integration"]["id"]]
    assert d["webhook_endpoints"]["ids"] == [w["endpoint"]] and d["webhook_deliveries"]["count"] >= 6
    assert d["bulk_jobs"]["ids"] == [w["job"]] and d["bulk_job_failures"]["count"] == 1
    assert d["lms_events"]["count"] == 2 and d["scheduled_rows"]["count"] == 1
    assert d["idempotency_records"]["count"] == 2
    lms_cred = next(c for c in body(client.http.get("/credentials", headers=auth(w["key"])))["items"]
                    if c["recipient"]["email"] == "lms@example.com")["id"]
    assert sorted(d["pending_credentials"]["ids"]) == sorted([w["pending"], w["pending_other"], lms_cred])
    assert d["rejected_credentials"]["ids"] == [w["rejected"]]
    assert sorted(d["templates"]["ids"]) == sorted([w["pending_tpl"], w["draft"]])
    assert d["recipient_slots"]["count"] == 6 and "ids" not in d["recipient_slots"]
    keep = plan["keep"]
    assert sorted(keep["credentials"]["ids"]) == sorted([w["accepted"], w["revoked_after"]])
    assert keep["templates"]["ids"] == [w["kept_tpl"]] and keep["support_requests"]["count"] == 1
    status = body(client.http.get(f"/ops/issuers/{w['tenant']}/offboarding", headers=op(w["operator"])))
    assert status["state"] == "planned" and status["planned"]["api_keys"] == 2


def test_confirm_deletes_what_was_listed_and_keeps_accepted_credentials_verifiable(client, world):
    w = world
    kept_images = {k for k in list_bucket() if "/status/" in k or "/baked/" in k}
    plan = dry_run(client, w)
    other_before = [i for i in scan_table() if i["pk"].startswith("T#") and not i["pk"].startswith(f"T#{w['tenant']}")]
    res = confirm(client, w, plan["confirmation"]["token"])
    assert res.status_code == 200, res.body
    result = body(res)
    assert result["state"] == "completed"
    # the tenant's keys stopped at once
    for key in (w["key"], w["extra_key"]):
        assert client.http.get("/issuer", headers=auth(key)).status_code == 401
    # what is left of the tenant: exactly the kept categories
    left = items_of(w["tenant"])
    sks = {i["sk"].split("#")[0] for i in left if i["pk"] == f"T#{w['tenant']}"}
    assert sks == {"PROFILE", "COUNTER", "STATUSLIST", "SUP", "TPL", "OFFBOARDING"}
    assert [i["sk"] for i in left if i["sk"].startswith("TPL#")] == [f"TPL#{w['kept_tpl']}"]
    creds = sorted(i["credential_id"] for i in left if i["sk"] == "C")
    assert creds == sorted([w["accepted"], w["revoked_after"]])
    other_pks = {i["pk"] for i in left if i["pk"] != f"T#{w['tenant']}" and i["sk"] != "C"}
    # the revocation list stays for verifiers; the audit log stays as the record of who did what (append-only)
    assert other_pks == {f"T#{w['tenant']}#REVOKED", f"T#{w['tenant']}#AUDIT"}
    profile = next(i for i in left if i["sk"] == "PROFILE")
    assert profile["offboarded_at"]
    # deleted counts match the dry run
    for category, listing in plan["delete"].items():
        assert result["deleted"].get(category, 0) == listing["count"], category
    # the accepted credentials: page, OB 2.0 and 3.0 documents, issuer profiles, images
    public_documents_answer(client, w)
    bucket = set(list_bucket())
    assert kept_images <= bucket
    snapshots = [json.loads(i["snapshot"]) for i in left if i["sk"] == "C"]
    snapshot_images = {s["template"]["image_key"] for s in snapshots} | {s["issuer"]["logo_key"] for s in snapshots}
    assert snapshot_images <= bucket
    assert not [k for k in bucket if f"templates/{w['tenant']}/{w['pending_tpl']}" in k]
    # pending and rejected credentials are gone, with their claim links
    for cid in (w["pending"], w["rejected"], w["pending_other"]):
        assert client.http.get(f"/badges/{cid}.json").status_code == 404
    # the other tenant is untouched and still works
    assert [i for i in scan_table() if i["pk"].startswith("T#") and not i["pk"].startswith(f"T#{w['tenant']}")] \
        == other_before
    assert client.http.get("/templates", headers=auth(w["key_b"])).status_code == 200
    # the LMS hook stops
    assert _hook(client, w["integration"], _completion("e9", "new@example.com")).status_code == 404
    # the status view
    status = body(client.http.get(f"/ops/issuers/{w['tenant']}/offboarding", headers=op(w["operator"])))
    assert status["state"] == "completed" and status["kept"]["credentials"]["count"] == 2


def test_bad_tokens_and_replays_are_refused(client, world, monkeypatch):
    w = world
    url = f"/ops/issuers/{w['tenant']}/offboarding/confirm"
    assert confirm(client, w, "ofb_nothing").status_code == 409  # no dry run yet
    plan = dry_run(client, w)
    token = plan["confirmation"]["token"]
    _, key_c = new_issuer("Third")
    tenant_c = body(client.http.get("/issuer", headers=auth(key_c)))["id"]
    other = body(client.http.post(f"/ops/issuers/{tenant_c}/offboarding", headers=op(w["operator"])))
    before = scan_table()
    assert client.http.post(url, headers=op(w["operator"]), body=b"{}").status_code == 422  # no token
    assert client.http.post(url, headers=op(w["operator"]), body=b"").status_code == 400
    wrong = confirm(client, w, token[:-1] + ("a" if token[-1] != "a" else "b"))
    assert wrong.status_code == 400 and body(wrong)["error"]["code"] == "invalid_token"
    # a token of another tenant's dry run
    assert confirm(client, w, other["confirmation"]["token"]).status_code == 400
    # issuer keys cannot confirm; unknown tenants are 404
    assert client.http.post(url, headers=auth(w["key"]), body=json.dumps({"token": token})).status_code == 401
    assert client.http.post(f"/ops/issuers/{w['tenant']}/offboarding", headers=auth(w["key"])).status_code == 401
    assert client.http.post("/ops/issuers/0123456789abcdef/offboarding", headers=op(w["operator"])).status_code == 404
    assert client.http.post("/ops/issuers/nonsense/offboarding/confirm", headers=op(w["operator"]),
                            body=json.dumps({"token": token})).status_code == 404
    assert scan_table() == before
    # an expired token
    from chalicelib.services import clock

    real, real_utcnow = clock.utcnow(), clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real + timedelta(minutes=16))
    expired = confirm(client, w, token)
    assert expired.status_code == 410 and body(expired)["error"]["code"] == "token_expired"
    monkeypatch.setattr(clock, "utcnow", real_utcnow)
    # the tenant changed after the dry run: refused, nothing written
    assert active_template(client, w["key"], name="New")
    before = scan_table()
    changed = confirm(client, w, token)
    assert changed.status_code == 409 and body(changed)["error"]["code"] == "plan_changed"
    assert scan_table() == before
    # a fresh dry run replaces the token; the old one is now wrong
    token2 = dry_run(client, w)["confirmation"]["token"]
    assert confirm(client, w, token).status_code == 400
    assert confirm(client, w, token2).status_code == 200
    replay = confirm(client, w, token2)
    assert replay.status_code == 409 and body(replay)["error"]["code"] == "token_used"
    assert confirm(client, w, token).status_code == 409
    again = client.http.post(f"/ops/issuers/{w['tenant']}/offboarding", headers=op(w["operator"]))
    assert again.status_code == 409
    done = client.http.post(f"/ops/issuers/{w['tenant']}/offboarding/continue", headers=op(w["operator"]))
    assert done.status_code == 409 and body(done)["error"]["code"] == "already_completed"


def test_accepting_a_pending_credential_after_the_dry_run_keeps_it(client, world):
    w = world
    plan = dry_run(client, w)
    assert w["pending_other"] in plan["delete"]["pending_credentials"]["ids"]
    _claim(client, w["pending_other"], "accept")  # statuses are not part of the plan's fingerprint
    res = confirm(client, w, plan["confirmation"]["token"])
    assert res.status_code == 200, res.body
    assert body(client.http.get(f"/badges/{w['pending_other']}.json"))["status"] == "valid"
    left = {i["sk"] for i in items_of(w["tenant"]) if i["sk"].startswith("TPL#")}
    assert left == {f"TPL#{w['kept_tpl']}", f"TPL#{w['pending_tpl']}"}  # its template stays too


def test_a_run_cut_short_or_failing_loses_nothing_kept_and_finishes_later(client, world, monkeypatch):
    w = world
    drain(client)  # the bulk job's own chunk
    from chalicelib.store import offboarding as store

    kept_before = [i for i in scan_table() if i["sk"] == "C" and i["credential_id"] in (w["accepted"], w["revoked_after"])]
    plan = dry_run(client, w)
    real, calls = store.batch_delete, []

    def failing(keys):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("DynamoDB is having a bad day")
        return real(keys)

    monkeypatch.setattr(store, "batch_delete", failing)
    res = confirm(client, w, plan["confirmation"]["token"])
    assert res.status_code == 202, res.body
    state = body(res)
    assert state["state"] == "deleting" and "bad day" in state["last_error"]
    assert client.http.get("/issuer", headers=auth(w["key"])).status_code == 401  # stopped anyway
    assert [i for i in scan_table() if i["sk"] == "C" and i["credential_id"] in (w["accepted"], w["revoked_after"])] \
        == kept_before
    public_documents_answer(client, w)
    monkeypatch.setattr(store, "batch_delete", real)
    # short runs: each stops after a few writes and queues the rest for the worker
    monkeypatch.setattr(offboarding, "MAX_WRITES_PER_RUN", 3)
    res = client.http.post(f"/ops/issuers/{w['tenant']}/offboarding/continue", headers=op(w["operator"]))
    assert res.status_code == 202 and body(res)["state"] == "deleting"
    monkeypatch.setattr(offboarding, "MAX_WRITES_PER_RUN", 25)
    for _ in range(20):
        if not drain(client):
            break
    status = body(client.http.get(f"/ops/issuers/{w['tenant']}/offboarding", headers=op(w["operator"])))
    assert status["state"] == "completed", status
    assert status["runs"] >= 3
    for category, listing in plan["delete"].items():
        if category != "api_keys":
            assert status["deleted"].get(category, 0) >= listing["count"], category
    left = items_of(w["tenant"])
    assert sorted(i["credential_id"] for i in left if i["sk"] == "C") == sorted([w["accepted"], w["revoked_after"]])
    assert not [i for i in left if "#R#" in i["pk"] or "#LMSEV#" in i["pk"] or "#WHD#" in i["pk"]]
    public_documents_answer(client, w)


def test_issuance_in_flight_is_refused_once_offboarded(client, world):
    w = world
    token = dry_run(client, w)["confirmation"]["token"]
    assert confirm(client, w, token).status_code == 200
    from chalicelib import schemas
    from chalicelib.domain.errors import NotFound
    from chalicelib.services import credentials

    data = schemas.IssueIn(template_id=w["kept_tpl"], email="late@example.com", first_name="L", last_name="T")
    with pytest.raises(NotFound):
        credentials.issue(w["tenant"], data)


def test_the_cli_runs_both_steps(client, world, capsys):
    from chalicelib import cli

    assert cli.main(["offboard", "--tenant", world["tenant"]]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert cli.main(["offboard", "--tenant", world["tenant"], "--confirm", "ofb_wrong"]) == 2
    assert cli.main(["offboard", "--tenant", world["tenant"], "--confirm", plan["confirmation"]["token"]]) == 0
    capsys.readouterr()
    assert cli.main(["offboard", "--tenant", world["tenant"], "--status"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "completed"


def test_queued_webhook_deliveries_stop_once_offboarded(client, world, monkeypatch):
    from chalicelib.adapters import webhook_http
    from tests.integration.test_webhooks import run_handler, take
    from chalicelib.adapters import queue as q

    posted = []
    monkeypatch.setattr(webhook_http, "post", lambda *a, **k: posted.append(a))
    token = dry_run(client, world)["confirmation"]["token"]
    # the run stops early, so some deliveries are still stored when their messages arrive
    monkeypatch.setattr(offboarding, "MAX_WRITES_PER_RUN", 1)
    assert confirm(client, world, token).status_code == 202
    queued = [m for m, _ in take(q.events_queue_name())]
    assert queued and run_handler(client, queued) == {"batchItemFailures": []}
    assert posted == []
