"""Regressions from the second review: a forged key, fetch loops, bulk re-delivery after
a change, replaced credentials' revocation, status-list publication, odd inputs."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from chalicelib.adapters import fetch, queue
from chalicelib.domain.webhooks import signature_header
from chalicelib.services import bulk, ops
from tests.aws_calls import recording
from tests.conftest import body, sent_mail
from tests.helpers import active_template, auth, claim_token_from, issue, new_issuer, post
from tests.integration.test_bulk import QUEUE, credential_items, csv_body, submit
from tests.integration.test_openbadges import _bit


def test_a_token_carrying_its_own_key_is_not_trusted(client):
    tenant, key = new_issuer()
    forger = ECKey.generate_key("P-256")
    claims = {"@context": ["https://www.w3.org/ns/credentials/v2",
                           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
              "type": ["VerifiableCredential", "OpenBadgeCredential"], "id": "urn:x",
              "issuer": {"id": f"https://laurel.test/ob/v3/issuers/{tenant}", "name": "Acme Academy"},
              "validFrom": "2025-01-01T00:00:00Z", "credentialSubject": {"type": ["AchievementSubject"]}}
    token = jwt.encode({"alg": "ES256", "jwk": forger.as_dict(private=False)}, claims, forger)
    report = body(post(client, "/verify", None, {"jwt": token}))
    assert report["result"] == "invalid"
    assert post(client, "/imports", None, {"jwt": token, "email": "a@example.com"}).status_code == 422


def test_a_url_answering_with_a_url_is_not_followed_again(client, monkeypatch):
    calls = []

    def fake_fetch(url, policy, **kw):
        calls.append(url)
        return fetch.Fetched(url, 200, "text/plain", b"https://loop.example/again")

    monkeypatch.setattr(fetch, "fetch", fake_fetch)
    report = body(post(client, "/verify", None, {"url": "https://loop.example/start"}))
    assert report["result"] == "invalid" and len(calls) == 1


@pytest.mark.parametrize("payload", [
    {"url": "https://[::1"}, {"url": "https://1.1.1.1/\u00e9"}, {"text": "https://[::1"},
    {"credential": {"type": [[1]]}}, {"credential": {"type": 5}},
    {"credential": {"type": "Assertion", "verification": "hosted"}},
    {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential",
                    "OpenBadgeCredential"], "issuer": 5}},
    {"jwt": "eyJhbGciOiJub25lIn0.eyJ4Ijp7fX0.x"}, {"jwt": "a" * 5000 + ".b.c"},
])
def test_odd_documents_are_invalid_not_500(client, payload, monkeypatch):
    monkeypatch.setattr(fetch.socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("no net")))
    res = post(client, "/verify", None, payload)
    assert res.status_code in (200, 422), res.body
    if res.status_code == 200:
        assert body(res)["result"] == "invalid"


def test_redelivered_chunk_never_revives_a_revoked_credential(client, monkeypatch):
    _, key = new_issuer()
    tpl = active_template(client, key)
    created = body(submit(client, key, csv_body(tpl, 2), query=""))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    monkeypatch.setattr(bulk, "_RateLimiter", lambda rate: type("R", (), {"wait": lambda self: None})())
    real = bulk.store.finish_chunk
    monkeypatch.setattr(bulk.store, "finish_chunk", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("timeout")))
    with pytest.raises(Exception):
        client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE))
    monkeypatch.setattr(bulk.store, "finish_chunk", real)
    cid = credential_items()[0]["credential_id"]
    mails_before = len(sent_mail())
    post(client, f"/credentials/{cid}/revoke", key, {"reason": "x", "suppress_email": True})
    client.lambda_.invoke("bulk_worker", client.events.generate_sqs_event(message_bodies=[message], queue_name=QUEUE))
    status = {i["credential_id"]: i["status"] for i in credential_items()}
    assert status[cid] == "revoked" and len(status) == 2
    assert len(sent_mail()) == mails_before  # no second claim mail
    done = body(client.http.get(f"/bulk-jobs/{created['id']}", headers=auth(key)))
    assert done["issued"] == 2 and done["state"] == "completed"


def test_replaced_credentials_are_revoked_everywhere(client):
    tenant, key = new_issuer()
    tpl = active_template(client, key)
    first = body(issue(client, key, tpl))
    token = claim_token_from(sent_mail()[-1]["body"], first["id"])
    post(client, f"/claim/{first['id']}", None, {"token": token, "decision": "accept"})
    vc = json.loads(client.http.get(f"/ob/v3/credentials/{first['id']}").body)
    assert _bit(vc) is False
    body(issue(client, key, tpl, duplicate_policy="replace"))
    assert _bit(vc) is True
    listed = body(client.http.get(f"/ob/v2/issuers/{tenant}/revocations"))["revokedAssertions"]
    assert [r["id"].rsplit("/", 1)[1] for r in listed] == [first["id"]]
    assert body(post(client, "/verify", None, {"credential": vc}))["result"] == "revoked"


def test_a_new_status_list_is_published_when_a_block_reaches_it(client, monkeypatch):
    from chalicelib.openbadges import ob3
    from chalicelib.services import openbadges

    monkeypatch.setattr(ob3, "STATUS_LIST_SIZE", 8)
    tenant, _ = new_issuer()
    assert openbadges.allocate_status_indexes(tenant, 5) == 0
    assert openbadges.allocate_status_indexes(tenant, 20) == 5  # indexes 5..24: lists 1, 2 and 3 begin inside
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="laurel-test-assets",
                                                      Prefix=f"assets/status/{tenant}/").get("Contents", []))
    assert keys == [f"assets/status/{tenant}/{n}.json" for n in (0, 1, 2, 3)]


def test_send_batch_respects_the_batch_size_limit(aws_env):
    name = "laurel-test-bulk"
    bodies = [{"n": i, "pad": "x" * 200_000} for i in range(12)]
    with recording() as calls:
        queue.send_batch(name, bodies)
    assert calls.count("sqs.SendMessageBatch") >= 3


def test_bulk_extra_cells_and_huge_header_are_row_errors_or_400(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    data = f"email,first_name,last_name,template_id\nx@example.com,A,B,{tpl},surplus\n".encode()
    res = submit(client, key, data)
    assert res.status_code == 422 and body(res)["error"]["details"]["errors"][0]["row"] == 1
    huge = ("email,first_name,last_name,template_id," + "x" * 140_000 + "\n").encode()
    assert submit(client, key, huge).status_code == 400


def test_lms_overflowing_scores_and_ops_bounds(client):
    _, key = new_issuer()
    tpl = active_template(client, key)
    integration = body(post(client, "/integrations", key, {"name": "L", "rules": {"c": {"template_id": tpl}}}))
    raw = json.dumps({"event": "course.completed", "event_id": "e", "email": "a@example.com", "first_name": "A",
                      "last_name": "B", "course_id": "c", "score": "1e999999", "max_score": 1}).encode()
    header = signature_header([integration["secret"].encode()], int(time.time()), raw)
    assert client.http.post(f"/hooks/lms/{integration['id']}", headers={"Laurel-Signature": header},
                            body=raw).status_code == 400  # a string is not a score (issue 12: strict types)
    operator = ops.create_operator_key()
    h = {"Authorization": f"Bearer {operator}", "Content-Type": "application/json", "Accept": "application/json"}
    assert client.http.get("/ops/sla?month=9999-12", headers=h).status_code == 400
    tenant = key.split("_")[2]
    for fee in ("1e27", "1E+30", "1e999999999", "-1", "1.234"):
        assert client.http.put(f"/ops/issuers/{tenant}/fee", headers=h,
                               body=json.dumps({"monthly_fee": fee})).status_code == 422, fee
    for start, end in [("2026-11-10T12:00:00", "2026-11-10T13:00:00Z"), ("0001-01-01T00:00:00+05:00",
                                                                         "2026-01-01T00:00:00Z")]:
        res = client.http.post("/ops/maintenance", headers=h, body=json.dumps({"start": start, "end": end,
                                                                              "reason": "r"}))
        assert res.status_code in (201, 422), res.body
